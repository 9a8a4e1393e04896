#!/bin/sh
# bench_send.sh [COFFEETRIAL] [COUNT...]: issue 15's send figures, as whole
# processes on generated networks (default 1000 10000 100000 members,
# tests/bench/gen_roster.py N --seed 1): the import and plan, then
# "round send" under GNU time with the longest write transaction it held
# (COFFEETRIAL_BENCH_TXN=1), a "member pause" started while the send runs
# (how long it took, its exit code: the send's batches let it through), the
# database bytes the send added per member (one round), "outbox flush" to
# the spool (messages per second), and the peak memory of "round plan",
# "report" and "simulate --rounds 2" on the same roster. Never fails on
# time; fails if a step fails. The embedded defaults, or the configuration
# file CT_BENCH_CONFIG names (e.g. one setting [web] public_url and
# [invite] location_in_person; its database must be coffeetrial.db in the
# current directory, the default). A release build:
#
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel
#   tests/bench/bench_send.sh build-rel/daemon/coffeetrial 1000 10000 100000
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${CT_BIN:-$here/../../build/daemon/coffeetrial}}
[ $# -gt 0 ] && shift
counts=${*:-1000 10000 100000}
python=${CT_PYTHON:-/usr/bin/python3}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -x "$bin" ] || { echo "bench_send.sh: no coffeetrial at $bin" >&2; exit 66; }
[ -x /usr/bin/time ] || { echo "bench_send.sh: needs GNU time (scripts/deps.sh test)" >&2; exit 69; }

config=${CT_BENCH_CONFIG:-}
[ -z "$config" ] || config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-send.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
cd "$tmp"
if [ -n "$config" ]; then export COFFEETRIAL_CONFIG="$config"; else unset COFFEETRIAL_CONFIG; fi

# run NAME ARGS...: coffeetrial under GNU time; "wall peak_MB" into $NAME.time
run() {
    name=$1
    shift
    if ! /usr/bin/time -f '%e %M' -o "$name.time" "$bin" "$@" >"$name.out" 2>"$name.err"; then
        echo "bench_send.sh: $name failed:" >&2
        cat "$name.err" >&2
        exit 1
    fi
}
mb() { awk '{ printf "%.0f", $2 / 1024 }' "$1.time"; }
secs() { awk '{ print $1 }' "$1.time"; }
dbbytes() {
    "$python" - <<'PY'
import sqlite3
db = sqlite3.connect("coffeetrial.db")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0])
PY
}

printf 'coffeetrial send, store and report, %s\n' "$("$bin" --version)"
printf '%9s %7s %8s %9s %11s %8s %9s %8s %8s %8s\n' members "send s" "longest" "pause s" \
    "B/member" "flush/s" "plan MB" "send MB" "report" "sim. 2"
for n in $counts; do
    rm -rf coffeetrial.db* spool
    "$python" "$here/gen_roster.py" "$n" --seed 1 -o roster.csv
    run import roster import roster.csv
    run plan round plan --seed 1
    before=$(dbbytes)
    email=$(sed -n 2p roster.csv | cut -d, -f1)
    COFFEETRIAL_BENCH_TXN=1 /usr/bin/time -f '%e %M' -o send.time "$bin" round send 1 \
        >send.out 2>send.err &
    sender=$!
    sleep 0.3
    /usr/bin/time -f '%e %M' -o pause.time "$bin" member pause "$email" >pause.out 2>pause.err &&
        paused=0 || paused=$?
    wait "$sender" || { echo "bench_send.sh: round send failed:" >&2; cat send.err >&2; exit 1; }
    longest=$(sed -n 's/^longest write transaction: \([0-9.]*\) s$/\1/p' send.err)
    after=$(dbbytes)
    grouped=$(grep -o '[0-9]* invitations' send.out | cut -d' ' -f1)
    run flush outbox flush
    sent=$(grep -o '[0-9]* sent' flush.out | head -1 | cut -d' ' -f1)
    run report report
    run simulate simulate --roster roster.csv --rounds 2
    pause_s=$(secs pause)
    [ "$paused" = 0 ] || pause_s="$pause_s(exit $paused)"
    printf '%9s %7s %8s %9s %11s %8s %9s %8s %8s %8s\n' "$n" "$(secs send)" "$longest" \
        "$pause_s" "$(( (after - before) / grouped ))" \
        "$(awk -v s="$sent" '{ printf "%.0f", s / $1 }' flush.time)" \
        "$(mb plan)" "$(mb send)" "$(mb report)" "$(mb simulate)"
done
echo "send s: round send wall time; longest: its longest write transaction (s); pause s: a"
echo "member pause started 0.3 s into the send; B/member: database bytes the send added per"
echo "member invited; flush/s: outbox flush to the spool; MB: peak RSS of each command."
