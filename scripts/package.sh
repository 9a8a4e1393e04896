#!/bin/sh
# package.sh: build the Debian package coffeetrial_VERSION_ARCH.deb with
# Debian's own tools, and print its path as the last line.
#
#   package.sh [-s SOURCE] [-b BUILD] [-o OUTDIR] [-V VERSION]
#
# SOURCE (default: this tree) is built in BUILD (default: SOURCE/build-deb)
# with Debian's hardening flags (dpkg-buildflags) and installed with
# "cmake --install" into a staging tree. Its metadata and maintainer
# scripts always come from this tree's packaging/debian/, so an older
# SOURCE (the upgrade test builds one) is packaged the same way.
# dpkg-shlibdeps finds the library dependencies, dpkg-gencontrol writes the
# control file, dpkg-deb builds the archive owned by root without fakeroot.
# VERSION defaults to the project version plus +gitCOUNT.HASH in a git
# checkout, so every later commit makes a later package version.
set -eu
# Files 0644 and directories 0755 in the package, whatever the caller's umask.
umask 022
top=$(cd "$(dirname "$0")/.." && pwd)
meta=$top/packaging/debian

usage() {
    echo "usage: $0 [-s SOURCE] [-b BUILD] [-o OUTDIR] [-V VERSION]" >&2
    exit 64
}
src=$top
build=
outdir=
version=
while getopts s:b:o:V: opt; do
    case $opt in
    s) src=$(cd "$OPTARG" && pwd) ;;
    b) build=$OPTARG ;;
    o) outdir=$OPTARG ;;
    V) version=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
build=${build:-$src/build-deb}
outdir=${outdir:-$top}
mkdir -p "$build" "$outdir"
build=$(cd "$build" && pwd)
outdir=$(cd "$outdir" && pwd)

# What it needs: the build dependencies, and dpkg-dev for the tools.
"$top/scripts/deps.sh" build
if ! command -v dpkg-shlibdeps >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "package.sh: needs dpkg-dev (apt-get install dpkg-dev)" >&2
        exit 69
    fi
    echo "package.sh: installing dpkg-dev"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dpkg-dev >/dev/null
fi

if [ -z "$version" ]; then
    version=$(sed -n 's/^project(coffeetrial VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
    [ -n "$version" ] || { echo "package.sh: no project version in $src/CMakeLists.txt" >&2; exit 65; }
    if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
        version="$version+git$(git -C "$src" rev-list --count HEAD).$(git -C "$src" rev-parse --short=7 HEAD)"
    fi
fi
arch=$(dpkg --print-architecture)
# Reproducible: the changelog's date and every file's time in the archive
# are the commit's, unless the caller sets SOURCE_DATE_EPOCH.
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    SOURCE_DATE_EPOCH=$(git -C "$src" log -1 --format=%ct)
    export SOURCE_DATE_EPOCH
fi

# Debian's flags: hardening (PIE, RELRO, BIND_NOW, FORTIFY, stack
# protector) and reproducible paths. CMake takes them from the environment
# on the first configure; "None" adds no build type flags of its own.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
export CFLAGS LDFLAGS
echo "package.sh: building $src in $build"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_INSTALL_SYSCONFDIR=/etc -DCMAKE_INSTALL_LOCALSTATEDIR=/var -DCT_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" -- --no-print-directory >/dev/null

# The workspace is laid out as dpkg-shlibdeps and dpkg-gencontrol expect
# in a source tree: debian/control, debian/changelog, debian/PACKAGE.
work=$build/deb
rm -rf "$work"
mkdir -p "$work/debian"
stage=$work/debian/coffeetrial
DESTDIR=$stage cmake --install "$build" >"$work/install.log"
cp "$meta/control" "$work/debian/control"

date=$(date -R ${SOURCE_DATE_EPOCH:+-d @$SOURCE_DATE_EPOCH})
maintainer=$(sed -n 's/^Maintainer: //p' "$meta/control")
commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo "an unversioned tree")
cat >"$work/debian/changelog" <<CHANGELOG
coffeetrial ($version) unstable; urgency=medium

  * Built by scripts/package.sh from $commit.

 -- $maintainer  $date
CHANGELOG

# The maintainer scripts need the sysusers and tmpfiles entries. An older
# SOURCE (the upgrade test packages one) may predate one: take this tree's.
for kind in sysusers tmpfiles; do
    entry=$stage/usr/lib/$kind.d/coffeetrial.conf
    if [ ! -f "$entry" ]; then
        echo "package.sh: $src installs no $kind entry; using $top/systemd/coffeetrial.$kind"
        install -D -m 0644 "$top/systemd/coffeetrial.$kind" "$entry"
    fi
done

doc=$stage/usr/share/doc/coffeetrial
install -m 0644 "$meta/copyright" "$doc/copyright"
gzip -9n -c "$work/debian/changelog" >"$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# Debian ships programs stripped and manual pages compressed.
for exe in "$stage/usr/bin/coffeetrial" "$stage/usr/sbin/coffeetriald"; do
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$exe"
done
find "$stage/usr/share/man" -type f ! -name '*.gz' -exec gzip -9n {} +

mkdir -p "$stage/DEBIAN"
for script in postinst prerm postrm; do
    install -m 0755 "$meta/$script" "$stage/DEBIAN/$script"
done
# Every file under /etc is a conffile: dpkg keeps an operator's changes
# on upgrade (and asks, or obeys --force-confold/--force-confnew).
(cd "$stage" && find etc -type f | sort | sed 's#^#/#') >"$stage/DEBIAN/conffiles"

(
    cd "$work"
    dpkg-shlibdeps -Tdebian/coffeetrial.substvars \
        debian/coffeetrial/usr/bin/coffeetrial debian/coffeetrial/usr/sbin/coffeetriald
    dpkg-gencontrol -pcoffeetrial -v"$version" -Tdebian/coffeetrial.substvars \
        -Pdebian/coffeetrial -fdebian/files
)
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z |
    xargs -0 md5sum >DEBIAN/md5sums)
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

deb=$outdir/coffeetrial_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
