#!/bin/sh
# quickstart.sh: install what is missing, build, and run coffeetrial on its
# built-in defaults with the bundled example roster: the database and the
# spool live in ./demo, nothing is mailed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/deps.sh" build
"$top/scripts/build.sh" build -DCT_TESTS=OFF
ct="$top/build/daemon/coffeetrial"

mkdir -p demo
cd demo
rm -f coffeetrial.db coffeetrial.db-wal coffeetrial.db-shm
# No -c and no /etc/coffeetrial/coffeetrial.ini: the built-in defaults apply
# (SQLite file ./coffeetrial.db, spool transport into ./spool).
unset COFFEETRIAL_CONFIG
if [ -f /etc/coffeetrial/coffeetrial.ini ]; then
    export COFFEETRIAL_CONFIG="$top/conf/coffeetrial.ini"
fi

echo "== importing the example roster"
"$ct" roster import "$top/conf/roster.example.csv"
echo
echo "== the network"
"$ct" roster list
echo
echo "Done. The database is $top/demo/coffeetrial.db."
