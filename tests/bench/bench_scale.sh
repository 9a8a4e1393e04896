#!/bin/sh
# bench_scale.sh [COFFEETRIAL] [COUNT...]: one whole round, end to end, at
# each size (default 1000 10000 100000 1000000 members; rosters from
# tests/bench/gen_roster.py N --seed 1): roster import, round plan, round
# send, outbox flush to the spool, report, then simulate --rounds 2 on the
# same roster. Prints a Markdown table of wall seconds and peak RSS (GNU
# time) for each step, the database size after the round (and per member),
# the spool flush rate, and the end-to-end total (import to report; the
# simulation is not part of it). Issue 15: 1M end to end <= 5 minutes.
#
# Embedded defaults (SQLite file, spool transport) with [roster] max_bytes
# raised to 1G: a 1M roster is 179 MB, over the 64M default. Generating a
# 1M roster takes about a minute; set ROSTERS=DIR to keep and reuse them
# (DIR/roster-N.csv). Never fails on time; fails if a step fails.
#
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel
#   ROSTERS=/tmp/rosters tests/bench/bench_scale.sh build-rel/daemon/coffeetrial
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${CT_BIN:-$here/../../build/daemon/coffeetrial}}
[ $# -gt 0 ] && shift
counts=${*:-1000 10000 100000 1000000}
python=${CT_PYTHON:-/usr/bin/python3}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -x "$bin" ] || { echo "bench_scale.sh: no coffeetrial at $bin" >&2; exit 66; }
[ -x /usr/bin/time ] || { echo "bench_scale.sh: needs GNU time (scripts/deps.sh test)" >&2; exit 69; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-scale.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
rosters=${ROSTERS:-$tmp}
mkdir -p "$rosters"
rosters=$(cd "$rosters" && pwd)
cd "$tmp"
printf '[roster]\nmax_bytes = 1G\n' >bench.ini
COFFEETRIAL_CONFIG=$tmp/bench.ini
export COFFEETRIAL_CONFIG

# run NAME ARGS...: coffeetrial under GNU time; "wall peak_KB" into NAME.time
run() {
    name=$1
    shift
    if ! /usr/bin/time -f '%e %M' -o "$name.time" "$bin" "$@" >"$name.out" 2>"$name.err"; then
        echo "bench_scale.sh: $name failed:" >&2
        cat "$name.err" >&2
        exit 1
    fi
}
secs() { awk '{ print $1 }' "$1.time"; }
cell() { awk '{ printf "%.1f s, %.0f MB", $1, $2 / 1024 }' "$1.time"; }
dbbytes() {
    "$python" - <<'PY'
import sqlite3
db = sqlite3.connect("coffeetrial.db")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0])
PY
}

printf 'coffeetrial, one round end to end, %s, %s cores\n\n' "$("$bin" --version)" "$(nproc)"
echo "| members | import | plan | send | database after the round | flush to spool | report | end to end | simulate 2 rounds |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $counts; do
    rm -rf coffeetrial.db* spool
    roster=$rosters/roster-$n.csv
    [ -s "$roster" ] || "$python" "$here/gen_roster.py" "$n" --seed 1 -o "$roster"
    run import roster import "$roster"
    run plan round plan --seed 1
    run send round send 1
    bytes=$(dbbytes)
    run flush outbox flush
    sent=$(grep -o '[0-9]* sent' flush.out | head -1 | cut -d' ' -f1)
    run report report
    run simulate simulate --roster "$roster" --rounds 2
    total=$(cat import.time plan.time send.time flush.time report.time |
        awk '{ s += $1 } END { printf "%.0f", s }')
    printf '| %s | %s | %s | %s | %.0f MB (%.0f B/member) | %s (%.0f msg/s) | %s | %s s | %s |\n' \
        "$n" "$(cell import)" "$(cell plan)" "$(cell send)" \
        "$(echo "$bytes" | awk '{ print $1 / 1048576 }')" "$(echo "$bytes $n" | awk '{ print $1 / $2 }')" \
        "$(cell flush)" "$(awk -v s="$sent" '{ print s / $1 }' flush.time)" \
        "$(cell report)" "$total" "$(cell simulate)"
    rm -rf coffeetrial.db* spool
done
echo
echo "Each cell: wall time and peak RSS of that command. Database: its size after"
echo "one planned and sent round (WAL checkpointed), per member. End to end: import"
echo "+ plan + send + flush + report."
