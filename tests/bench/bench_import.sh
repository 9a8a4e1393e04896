#!/bin/sh
# bench_import.sh [COFFEETRIAL] [COUNT]: time "coffeetrial roster import" of
# a generated roster (default 100,000 members) as whole processes: a first
# import into an empty database, the same file again (all unchanged), a
# changed file (updates, new members, members marked left), a dry run, and
# listing everyone as JSON and CSV. Prints wall time and peak memory (RSS)
# of each (and CPU time, which other load on the machine disturbs less);
# targets: first import under 2 s and 200 MB. Never fails on time.
#
#   cmake --build build --target bench-import
#   tests/bench/bench_import.sh build/daemon/coffeetrial 100000
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${CT_BIN:-$here/../../build/daemon/coffeetrial}}
count=${2:-100000}
python=${CT_PYTHON:-/usr/bin/python3}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -x "$bin" ] || { echo "bench_import.sh: no coffeetrial at $bin" >&2; exit 66; }
[ -x /usr/bin/time ] || { echo "bench_import.sh: needs GNU time (scripts/deps.sh test)" >&2; exit 69; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
cd "$tmp"
unset COFFEETRIAL_CONFIG

# The roster helper's generator writes a realistic network; a seed fixes it.
[ -f "$here/gen_roster.py" ] || { echo "bench_import.sh: $here/gen_roster.py missing" >&2; exit 66; }
"$python" "$here/gen_roster.py" "$count" --seed 1 -o roster.csv
# The changed roster: every 10th member renamed, every 50th dropped, 1% new.
"$python" - "$count" <<'EOF'
import csv, sys
count = int(sys.argv[1])
rows = list(csv.reader(open("roster.csv", encoding="utf-8", newline="")))
out = csv.writer(open("changed.csv", "w", encoding="utf-8", newline=""))
out.writerow(rows[0])
for i, row in enumerate(rows[1:]):
    if i % 50 == 49:
        continue
    if i % 10 == 0:
        row[1] = row[1] + " Jr"
    out.writerow(row)
for i in range(count // 100):
    out.writerow([f"new.member{i}@newcomers.example.org", f"New Member {i}",
                  "Newcomers Trust", "", "", "", "", "", "", ""])
EOF

printf 'coffeetrial roster import, %s members (%s bytes), %s\n' "$count" \
    "$(wc -c <roster.csv | tr -d ' ')" "$("$bin" --version)"
printf '%-34s %7s %7s %8s  %s\n' "step" "wall s" "cpu s" "peak MB" "output"

# step NAME ARGS...: run coffeetrial under GNU time and print one line.
step() {
    name=$1
    shift
    if ! /usr/bin/time -f '%e %U %S %M' -o time.txt "$bin" "$@" >out.txt 2>err.txt; then
        echo "bench_import.sh: $name failed:" >&2
        cat err.txt >&2
        exit 1
    fi
    set -- $(cat time.txt)
    summary=$(tail -n 1 out.txt | cut -c 1-60)
    case $name in list*) summary="$(wc -l <out.txt | tr -d ' ') lines" ;; esac
    printf '%-34s %7s %7s %8s  %s\n' "$name" "$1" "$(awk "BEGIN { printf \"%.2f\", $2 + $3 }")" \
        "$(awk "BEGIN { printf \"%.1f\", $4 / 1024 }")" "$summary"
}

step "import into an empty database" roster import roster.csv
step "same file again (unchanged)" roster import roster.csv
step "dry run of a changed file" roster import --dry-run changed.csv
step "changed file (sync)" roster import changed.csv
step "list --format json" roster list --status all --format json
step "list --format csv" roster list --status all --format csv
step "list (text)" roster list --status all
printf 'database: %s bytes\n' "$(wc -c <coffeetrial.db | tr -d ' ')"
