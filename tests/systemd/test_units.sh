#!/bin/sh
# systemd.units: the shipped units load cleanly (systemd-analyze verify, with
# ExecStart pointing at the built binary, which verify requires to exist),
# their hardening scores at most 1.5 ("OK") in systemd-analyze security
# --offline, and the sysusers file creates the coffeetrial user and group.
set -eu
src=${CT_SRC:?}
daemon=${CT_DAEMON:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for unit in coffeetriald.service coffeetriald-once.service coffeetrial.timer; do
    sed "s#/usr/sbin/coffeetriald#$daemon#" "$src/systemd/$unit" >"$tmp/$unit"
done

# --man=no: the Documentation= pages are installed with the package, not here.
if ! systemd-analyze verify --man=no "$tmp/coffeetriald.service" \
    "$tmp/coffeetriald-once.service" "$tmp/coffeetrial.timer" >"$tmp/verify.log" 2>&1; then
    cat "$tmp/verify.log"
    echo "FAIL: systemd-analyze verify" >&2
    exit 1
fi
if [ -s "$tmp/verify.log" ]; then
    cat "$tmp/verify.log"
    echo "FAIL: systemd-analyze verify printed warnings" >&2
    exit 1
fi

for unit in coffeetriald.service coffeetriald-once.service; do
    # The threshold is exposure x 10: fail above 1.5.
    if ! systemd-analyze security --offline=true --threshold=15 "$tmp/$unit" \
        >"$tmp/security.log" 2>&1; then
        cat "$tmp/security.log"
        echo "FAIL: $unit scores worse than 1.5" >&2
        exit 1
    fi
    grep 'Overall exposure level' "$tmp/security.log"
done

mkdir -p "$tmp/root/etc"
systemd-sysusers --root="$tmp/root" "$src/systemd/coffeetrial.sysusers" >/dev/null 2>&1
grep -q '^coffeetrial:x:[0-9]*:[0-9]*:[^:]*:/var/lib/coffeetrial:' "$tmp/root/etc/passwd" || {
    echo "FAIL: sysusers did not create the coffeetrial user" >&2
    exit 1
}
grep -q '^coffeetrial:x:' "$tmp/root/etc/group" || {
    echo "FAIL: sysusers did not create the coffeetrial group" >&2
    exit 1
}
echo ok
