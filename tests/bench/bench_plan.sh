#!/bin/sh
# bench_plan.sh [COFFEETRIAL] [COUNT]: time "coffeetrial round plan" on a
# generated network (default 100,000 members) as whole processes: the
# import, then a dry run (the issue's target: under 5 s and 500 MB, with
# everyone grouped), then a real plan that writes the round, and with
# BENCH_SEND=1 the send that builds and queues every invitation. Prints
# wall time, CPU time and peak memory (RSS) of each, and how many members
# the plan grouped. Never fails on time; fails if a step fails.
#
#   cmake --build build --target bench-plan
#   tests/bench/bench_plan.sh build/daemon/coffeetrial 100000
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${CT_BIN:-$here/../../build/daemon/coffeetrial}}
count=${2:-100000}
python=${CT_PYTHON:-/usr/bin/python3}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -x "$bin" ] || { echo "bench_plan.sh: no coffeetrial at $bin" >&2; exit 66; }
[ -x /usr/bin/time ] || { echo "bench_plan.sh: needs GNU time (scripts/deps.sh test)" >&2; exit 69; }
[ -f "$here/gen_roster.py" ] || { echo "bench_plan.sh: $here/gen_roster.py missing" >&2; exit 66; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-plan.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
cd "$tmp"
unset COFFEETRIAL_CONFIG

"$python" "$here/gen_roster.py" "$count" --seed 1 -o roster.csv

printf 'coffeetrial round plan, %s members, %s\n' "$count" "$("$bin" --version)"
printf '%-34s %7s %7s %8s  %s\n' "step" "wall s" "cpu s" "peak MB" "output"

# step NAME ARGS...: run coffeetrial under GNU time, stdout in out.txt, and print one line.
step() {
    name=$1
    shift
    if ! /usr/bin/time -f '%e %U %S %M' -o time.txt "$bin" "$@" >out.txt 2>err.txt; then
        echo "bench_plan.sh: $name failed:" >&2
        cat err.txt >&2
        exit 1
    fi
    set -- $(cat time.txt)
    case $name in
    *json*) summary="$(wc -c <out.txt | tr -d ' ') bytes of JSON" ;;
    *) summary=$(grep -m1 -E 'groups|imported|invitations' out.txt | cut -c 1-60) ;;
    esac
    printf '%-34s %7s %7s %8s  %s\n' "$name" "$1" "$(awk "BEGIN { printf \"%.2f\", $2 + $3 }")" \
        "$(awk "BEGIN { printf \"%.1f\", $4 / 1024 }")" "$summary"
}

step "roster import" roster import roster.csv
step "round plan --dry-run" round plan --dry-run --seed 1
step "round plan --dry-run --format json" round plan --dry-run --seed 1 --format json
"$python" - out.txt "$count" <<'EOF'
import collections, json, sys
plan = json.load(open(sys.argv[1]))
grouped = sum(len(g["members"]) for g in plan["groups"])
trios = sum(1 for g in plan["groups"] if len(g["members"]) == 3)
eligible = grouped + len(plan["unpaired"])
print("plan: %d eligible of %s, %d grouped in %d groups (%d trio%s), %d unpaired"
      % (eligible, sys.argv[2], grouped, len(plan["groups"]), trios, "" if trios == 1 else "s",
         len(plan["unpaired"])))
for reason, n in collections.Counter(u["reason"] for u in plan["unpaired"]).most_common(5):
    print("  unpaired, %d: %s" % (n, reason))
slots = collections.Counter(g["slot"]["start"] for g in plan["groups"])
print("slots: %d distinct start times, at most %d groups in one"
      % (len(slots), max(slots.values()) if slots else 0))
EOF
step "round plan (written)" round plan --seed 1
if [ "${BENCH_SEND:-0}" = 1 ]; then
    step "round send" round send 1
fi
printf 'database: %s bytes\n' "$(wc -c <coffeetrial.db | tr -d ' ')"
