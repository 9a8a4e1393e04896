#!/bin/sh
# packaging.deb: scripts/package.sh builds a package that says what it is
# and holds what it should: the path is its last line, the INI is a
# conffile, Depends comes from dpkg-shlibdeps, the programs, every unit,
# sysusers, tmpfiles, man pages, bash completion and examples are in it, and
# lintian finds no errors or warnings. The package is left in
# $CT_PKG_DIR for packaging.upgrade.
set -eu
src=${CT_SRC:?}
out=${CT_PKG_DIR:?}
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

rm -rf "$out/new"
mkdir -p "$out/new"
# nice: a whole build, beside the daemon tests that keep time.
nice -n 10 "$src/scripts/package.sh" -b "$out/build-new" -o "$out/new" >"$out/package.log" 2>&1 ||
    { cat "$out/package.log"; fail "package.sh"; }
deb=$(tail -n 1 "$out/package.log")
case $deb in
"$out"/new/coffeetrial_*_"$(dpkg --print-architecture)".deb) ;;
*) cat "$out/package.log"; fail "the last line is not the package's path: $deb" ;;
esac
[ -f "$deb" ] || fail "no file $deb"

dpkg-deb -f "$deb" Package | grep -qx coffeetrial || fail "Package"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libcurl4 libical3 libinih1 libsqlite3-0; do
    echo "$depends" | grep -q "$lib (>= " || fail "Depends has no $lib: $depends"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/coffeetrial/coffeetrial.ini ||
    fail "/etc/coffeetrial/coffeetrial.ini is not a conffile"

dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's#^\./#/#' >"$out/contents"
for f in /usr/bin/coffeetrial /usr/sbin/coffeetriald /etc/coffeetrial/coffeetrial.ini \
    /usr/lib/systemd/system/coffeetriald.service /usr/lib/systemd/system/coffeetriald@.service \
    /usr/lib/systemd/system/coffeetriald-once.service /usr/lib/systemd/system/coffeetriald-once@.service \
    /usr/lib/systemd/system/coffeetrial.timer /usr/lib/systemd/system/coffeetrial@.timer \
    /usr/lib/systemd/system/coffeetrial-backup.service /usr/lib/systemd/system/coffeetrial-backup@.service \
    /usr/lib/systemd/system/coffeetrial-backup.timer /usr/lib/systemd/system/coffeetrial-backup@.timer \
    /usr/lib/sysusers.d/coffeetrial.conf /usr/lib/tmpfiles.d/coffeetrial.conf \
    /usr/share/man/man1/coffeetrial.1.gz /usr/share/man/man5/coffeetrial.ini.5.gz \
    /usr/share/man/man8/coffeetriald.8.gz /usr/share/doc/coffeetrial/copyright \
    /usr/share/doc/coffeetrial/changelog.gz /usr/share/doc/coffeetrial/operations.md \
    /usr/share/doc/coffeetrial/examples/coffeetrial.ini \
    /usr/share/doc/coffeetrial/examples/roster.example.csv \
    /usr/share/bash-completion/completions/coffeetrial; do
    grep -qx "$f" "$out/contents" || fail "the package has no $f"
done

command -v lintian >/dev/null || fail "lintian is not installed (scripts/deps.sh test)"
if ! lintian --fail-on error,warning "$deb" >"$out/lintian.log" 2>&1; then
    cat "$out/lintian.log"
    fail "lintian reports errors or warnings (or failed)"
fi
echo "ok: $deb"
