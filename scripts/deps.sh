#!/bin/sh
# deps.sh: install the Debian 12 packages coffeetrial needs, if any are
# missing. "build" is enough to build and run; "test" adds what the test
# suite uses (cmocka, clang for fuzzing, Python test servers, dovecot,
# headless Chromium and a font to render the HTML report, dpkg-dev and
# lintian to build and check the Debian package, ...).
set -eu

build_pkgs="build-essential cmake pkg-config ca-certificates tzdata sqlite3
libcurl4-openssl-dev libical-dev libsqlite3-dev libinih-dev libmicrohttpd-dev
libssl-dev"
test_pkgs="libcmocka-dev clang libclang-rt-14-dev openssl dpkg-dev lintian
python3 python3-aiosmtpd python3-icalendar python3-networkx systemd dovecot-imapd
chromium chromium-driver python3-selenium fonts-dejavu-core curl"

case "${1:-build}" in
build) pkgs=$build_pkgs ;;
test) pkgs="$build_pkgs $test_pkgs" ;;
*) echo "usage: $0 [build|test]" >&2; exit 64 ;;
esac

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages:$missing" >&2
    echo "deps.sh: run as root, or install them with apt-get" >&2
    exit 69
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
