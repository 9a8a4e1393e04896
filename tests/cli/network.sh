#!/bin/sh
# network.sh: "coffeetrial -n NAME" reads /etc/coffeetrial/NAME.ini (the
# default configuration's directory), wins over $COFFEETRIAL_CONFIG, is
# refused with -c and for names that could leave that directory. The
# positive case runs in a private mount namespace (unshare -rm) where an
# overlay puts two networks' INI files in /etc/coffeetrial, so the host's
# /etc is never touched.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

# Refusals (64), before any file is read.
expect 64 -n north -c x.ini roster list
err_has "-c and -n both name the configuration"
for name in ../etc/passwd .hidden -x "a b" "" "north/south" \
    "$(printf 'n%.0s' $(seq 65))"; do
    expect 64 -n "$name" roster list
    err_has "is not a network name"
done
# A name is a path below /etc/coffeetrial; it wins over $COFFEETRIAL_CONFIG.
printf '[store]\npath = %s/env.db\n' "$tmp" >env.ini
COFFEETRIAL_CONFIG=$tmp/env.ini expect 66 -n "N0rth_1.b-c" roster list
err_has "/etc/coffeetrial/N0rth_1.b-c.ini"
expect 66 --network "$(printf 'n%.0s' $(seq 64))" roster list

# Two networks, each its own database.
mkdir -p up/coffeetrial work
for net in north south; do
    printf '[network]\nname = %s\n[store]\npath = %s/%s.db\n' "$net" "$tmp" "$net" \
        >"up/coffeetrial/$net.ini"
done
cat >inner.sh <<INNER
set -eu
mount -t overlay overlay -o lowerdir=/etc,upperdir=$tmp/up,workdir=$tmp/work /etc
"$CT_BIN" -n north roster import "$data/roster-small.csv" >/dev/null
COFFEETRIAL_CONFIG=$tmp/env.ini "$CT_BIN" --network south roster list --format csv >south.csv
"$CT_BIN" -n north roster list --format csv >north.csv
INNER
unshare -rm sh inner.sh || fail "coffeetrial -n in a private mount namespace"
[ -s north.db ] || fail "-n north did not use north.ini's database"
[ "$(wc -l <north.csv)" -eq 7 ] || fail "-n north: $(cat north.csv)"
[ "$(wc -l <south.csv)" -eq 1 ] || fail "--network south saw another network's members"
[ ! -e env.db ] || fail "-n lost to \$COFFEETRIAL_CONFIG"
echo ok
