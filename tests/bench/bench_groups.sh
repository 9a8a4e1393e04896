#!/bin/sh
# bench_groups.sh [BUILD_DIR] [N ...]: [pairing] group_size = 3 and 4 on
# bench_pairing's generated networks (12 organisations, 12 rounds of
# history, three time zones; default 1,000, 10,000 and 100,000 members).
# For each size and k it prints the plan's total_score against the upper
# bound (each member's k - 1 best allowed partner scores, summed and
# halved; docs/pairing.md "Groups of three or four"), the groups by size,
# and the plan's wall and CPU time beside the pairs-only plan's. The bound
# scores every pair up to CT_BENCH_EXACT_BOUND members (default 10,000);
# beyond, it is estimated from CT_BENCH_SAMPLE members (default 500) drawn
# at random, with its standard error. Prints figures; never fails on time.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
[ $# -gt 0 ] && shift
bench=$build/tests/bench/bench_pairing
exact=${CT_BENCH_EXACT_BOUND:-10000}
sample=${CT_BENCH_SAMPLE:-500}

if [ ! -x "$bench" ]; then
    echo "bench_groups.sh: $bench not built (cmake --build $build)" >&2
    exit 66
fi
[ $# -gt 0 ] || set -- 1000 10000 100000
for n in "$@"; do
    for k in 3 4; do
        echo "-- $n members, group_size $k"
        if [ "$n" -le "$exact" ]; then
            "$bench" groups "$n" "$k" 1
        else
            "$bench" groups "$n" "$k" 1 "$sample"
        fi
    done
done
