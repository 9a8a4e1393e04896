#!/bin/sh
# run_pairing.sh [BUILD_DIR]: the pairing engine's figures for docs/pairing.md.
#  1. 200, 400 and 3,200 members: the engine against the exact optimum of the
#     complete graph (NetworkX max_weight_matching with /usr/bin/python3 on the
#     very weights the bench exports; at 3,200 NetworkX would take hours, so
#     our own blossom on the complete graph stands in unless CT_BENCH_NX_ALL=1),
#     times and speed-up;
#  2. 100,000 members: engine time and peak memory;
#  3. a 24-round simulation on a 500-member, 12-organisation network.
# Prints figures; never fails on time.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
bench=$build/tests/bench/bench_pairing
python=${CT_PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ ! -x "$bench" ]; then
    echo "run_pairing.sh: $bench not built (cmake --build $build)" >&2
    exit 66
fi

field() { sed -n "s/^$1 //p" "$2"; }

echo "== 1. exactness and speed against the complete graph"
for n in 200 400 3200; do
    echo "-- $n members"
    "$bench" exact "$n" "$n" "$tmp/w$n.txt" | tee "$tmp/e$n.txt" | grep -v '^ENGINE_'
    if [ "$n" -le 400 ] || [ "${CT_BENCH_NX_ALL:-0}" = 1 ]; then
        "$python" "$top/tests/bench/nx_match.py" "$tmp/w$n.txt" >"$tmp/nx$n.txt"
        et=$(field ENGINE_TOTAL "$tmp/e$n.txt")
        es=$(field ENGINE_TIME "$tmp/e$n.txt")
        nt=$(field NX_TOTAL "$tmp/nx$n.txt")
        ns=$(field NX_TIME "$tmp/nx$n.txt")
        awk -v et="$et" -v es="$es" -v nt="$nt" -v ns="$ns" 'BEGIN {
            printf "NetworkX max_weight_matching  total %.4f  time %.3f s\n", nt, ns
            printf "engine / NetworkX optimum = %.6f (shortfall %.4f%%)\n", et / nt, 100 * (1 - et / nt)
            printf "speed-up over NetworkX = %.0fx\n", ns / es
        }'
    else
        echo "NetworkX skipped at $n members (hours); CT_BENCH_NX_ALL=1 runs it"
    fi
done

echo
echo "== 2. 100,000 members"
"$bench" scale 100000 7

echo
echo "== 3. 24 rounds, 500 members, 12 organisations"
"$bench" simulate 24 500 1
