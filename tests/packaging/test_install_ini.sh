#!/bin/sh
# packaging.install_ini: "cmake --install" never overwrites an operator's
# /etc/coffeetrial/coffeetrial.ini. Installs the build into a DESTDIR,
# tunes the INI, installs again with the tuned file older and then newer
# than the example (file(INSTALL) would skip or copy by timestamps), and
# checks the tuned file is untouched, the example sits beside it as
# coffeetrial.ini.example, the docdir has it too, and the install said so.
set -eu
src=${CT_SRC:?}
build=${CT_BUILD:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

root=$tmp/root
ini=$root/etc/coffeetrial/coffeetrial.ini
example=$src/conf/coffeetrial.ini

DESTDIR=$root cmake --install "$build" --prefix /usr >"$tmp/install1.log" 2>&1 ||
    { cat "$tmp/install1.log"; fail "first install"; }
[ -f "$ini" ] || fail "first install: no $ini"
cmp -s "$ini" "$example" || fail "first install: $ini is not the example"
[ ! -e "$ini.example" ] || fail "first install: an .example beside a fresh INI"
cmp -s "$root/usr/share/doc/coffeetrial/examples/coffeetrial.ini" "$example" ||
    fail "first install: no example INI in the docdir"

# An operator tunes it: a real transport, and a name of their own.
sed -e 's/^kind = spool$/kind = smtp/' -e 's/^name = .*/name = Tuned Network/' \
    "$example" >"$ini"
cmp -s "$ini" "$example" && fail "the test's tuning changed nothing"
cp "$ini" "$tmp/tuned.ini"

for age in 2000-01-01 2099-01-01; do
    touch -d "$age" "$ini"
    DESTDIR=$root cmake --install "$build" --prefix /usr >"$tmp/install2.log" 2>&1 ||
        { cat "$tmp/install2.log"; fail "second install ($age)"; }
    cmp -s "$ini" "$tmp/tuned.ini" || fail "second install ($age) replaced the tuned INI"
    cmp -s "$ini.example" "$example" ||
        fail "second install ($age): no coffeetrial.ini.example beside the tuned INI"
    grep -q "Keeping: $ini" "$tmp/install2.log" ||
        { cat "$tmp/install2.log"; fail "second install ($age) did not say it kept the INI"; }
done
echo ok
