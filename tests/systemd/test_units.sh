#!/bin/sh
# systemd.units: the shipped units, the @ templates for several networks
# included, load cleanly (systemd-analyze verify, with ExecStart pointing at
# the built binary, which verify requires to exist), their hardening scores
# at most 1.5 ("OK") in systemd-analyze security --offline, each template
# is its single-network unit with only the per-network lines changed, the
# sysusers file creates the coffeetrial user and group, the nightly backup
# units (coffeetrial-backup*) are checked alike, and the tmpfiles
# entry makes the shared state directory.
set -eu
src=${CT_SRC:?}
daemon=${CT_DAEMON:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

units="coffeetriald.service coffeetriald-once.service coffeetrial.timer
coffeetriald@.service coffeetriald-once@.service coffeetrial@.timer
coffeetrial-backup.service coffeetrial-backup.timer
coffeetrial-backup@.service coffeetrial-backup@.timer
coffeetriald-web.socket"
for unit in $units; do
    sed -e "s#/usr/sbin/coffeetriald#$daemon#" -e "s#/usr/bin/coffeetrial #${CT_BIN:?} #" \
        "$src/systemd/$unit" >"$tmp/$unit"
done

# --man=no: the Documentation= pages are installed with the package, not here.
# Templates are verified as an instance (systemd-analyze names it "i").
# shellcheck disable=SC2086
if ! (cd "$tmp" && systemd-analyze verify --man=no $units) >"$tmp/verify.log" 2>&1; then
    cat "$tmp/verify.log"
    echo "FAIL: systemd-analyze verify" >&2
    exit 1
fi
if [ -s "$tmp/verify.log" ]; then
    cat "$tmp/verify.log"
    echo "FAIL: systemd-analyze verify printed warnings" >&2
    exit 1
fi

for unit in coffeetriald.service coffeetriald-once.service coffeetriald@.service \
    coffeetriald-once@.service coffeetrial-backup.service coffeetrial-backup@.service; do
    # The threshold is exposure x 10: fail above 1.5.
    if ! systemd-analyze security --offline=true --threshold=15 "$tmp/$unit" \
        >"$tmp/security.log" 2>&1; then
        cat "$tmp/security.log"
        echo "FAIL: $unit scores worse than 1.5" >&2
        exit 1
    fi
    grep 'Overall exposure level' "$tmp/security.log"
done

# A template is its single-network unit with only the network's own lines
# changed: its INI, state directory, credentials and descriptions. So the
# hardening and the restart policy cannot drift apart.
settings() {
    grep -Ev '^(#|$|Description=|ExecStart=|StateDirectory=|WorkingDirectory=|LoadCredential=|Unit=)' "$1"
}
for pair in coffeetriald.service:coffeetriald@.service \
    coffeetriald-once.service:coffeetriald-once@.service coffeetrial.timer:coffeetrial@.timer \
    coffeetrial-backup.service:coffeetrial-backup@.service \
    coffeetrial-backup.timer:coffeetrial-backup@.timer; do
    one=${pair%%:*}
    template=${pair#*:}
    settings "$src/systemd/$one" >"$tmp/one.settings"
    settings "$src/systemd/$template" >"$tmp/template.settings"
    if ! diff -u "$tmp/one.settings" "$tmp/template.settings"; then
        echo "FAIL: $template differs from $one in more than the per-network lines" >&2
        exit 1
    fi
done
for template in coffeetriald@.service coffeetriald-once@.service; do
    if ! grep -q ' -c /etc/coffeetrial/%i\.ini$' "$src/systemd/$template" ||
        ! grep -qx 'StateDirectory=coffeetrial/%i' "$src/systemd/$template" ||
        ! grep -qx 'WorkingDirectory=%S/coffeetrial/%i' "$src/systemd/$template"; then
        echo "FAIL: $template does not read /etc/coffeetrial/%i.ini in its own state directory" >&2
        exit 1
    fi
done
grep -qx 'Unit=coffeetriald-once@%i.service' "$src/systemd/coffeetrial@.timer" || {
    echo "FAIL: coffeetrial@.timer does not start coffeetriald-once@%i.service" >&2
    exit 1
}

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
systemd-tmpfiles --root="$tmp/root" --create "$src/systemd/coffeetrial.tmpfiles" >/dev/null 2>&1
[ "$(stat -c '%a %u' "$tmp/root/var/lib/coffeetrial")" = \
    "2770 $(awk -F: '$1 == "coffeetrial" { print $3 }' "$tmp/root/etc/passwd")" ] || {
    echo "FAIL: tmpfiles did not make /var/lib/coffeetrial 2770 coffeetrial" >&2
    exit 1
}
[ "$(stat -c '%a %u' "$tmp/root/var/backups/coffeetrial")" = \
    "750 $(awk -F: '$1 == "coffeetrial" { print $3 }' "$tmp/root/etc/passwd")" ] || {
    echo "FAIL: tmpfiles did not make /var/backups/coffeetrial 0750 coffeetrial" >&2
    exit 1
}
# The nightly copies are rotated: tmpfiles' age field, 14 days.
grep -qx 'd /var/backups/coffeetrial 0750 coffeetrial coffeetrial 14d' \
    "$src/systemd/coffeetrial.tmpfiles" || {
    echo "FAIL: no 14-day rotation of /var/backups/coffeetrial" >&2
    exit 1
}
echo ok
