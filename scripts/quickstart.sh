#!/bin/sh
# quickstart.sh: install what is missing, build, and run coffeetrial on its
# built-in defaults with the bundled example roster: import it, plan a
# round, send it and deliver the invitations to the spool, then simulate a
# year of rounds and write its HTML report. The database, the spool and the
# report live in ./demo; nothing is mailed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/deps.sh" build
"$top/scripts/build.sh" build -DCT_TESTS=OFF
ct="$top/build/daemon/coffeetrial"

mkdir -p demo
cd demo
rm -f coffeetrial.db coffeetrial.db-wal coffeetrial.db-shm
rm -rf spool
# The built-in defaults apply (SQLite file ./coffeetrial.db, spool transport
# into ./spool). An installed /etc/coffeetrial/coffeetrial.ini would be read
# instead; an empty configuration keeps the demo on the defaults, away from
# the real database.
if [ -f /etc/coffeetrial/coffeetrial.ini ]; then
    export COFFEETRIAL_CONFIG=/dev/null
else
    unset COFFEETRIAL_CONFIG
fi

echo "== importing the example roster"
"$ct" roster import "$top/conf/roster.example.csv"
echo
echo "== the network"
"$ct" roster list
echo
echo "== planning today's round (the organiser reviews it before it goes out)"
"$ct" round plan >plan.txt
cat plan.txt
round=$(sed -n '1s/^round \([0-9][0-9]*\) for .*/\1/p' plan.txt)
rm -f plan.txt
[ -n "$round" ] || { echo "quickstart.sh: no round was planned" >&2; exit 1; }
echo
echo "== sending round $round: its invitations are queued in the outbox"
"$ct" round send "$round"
echo
echo "== delivering the outbox (the spool transport writes files; nothing is mailed)"
"$ct" outbox flush
echo
echo "== simulating a year: twelve rounds of the example roster in a temporary database"
"$ct" simulate --roster "$top/conf/roster.example.csv" --rounds 12 --format html --out report.html
echo
echo "Done. The database is $top/demo/coffeetrial.db."
echo "The invitations are in $top/demo/spool/: one .eml file per member, a"
echo "calendar invitation any mail client opens (try: ls demo/spool | head)."
echo "The report of the simulated year is $top/demo/report.html: open it in a"
echo "web browser (it needs no network access)."
