#!/bin/sh
# report.sh: "coffeetrial report" through the real binary, on a history of
# twelve monthly rounds of the example roster: every format parses as what
# it claims to be, text fits 80 columns, --round and --out work, and bad
# arguments are refused.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

expect 0 report
out_has "No rounds yet"

expect 0 roster import "$CT_SRC/conf/roster.example.csv"
"$CT_PYTHON" "$CT_SRC/tests/report/make_history.py" "$db" --rounds 12 --seed 3 --planned-last ||
    fail "make_history.py"

expect 0 report
out_has "Rounds: who was grouped, and with whom"
out_has "Mixing matrix: pairings between organisations"
out_has "Longest waits for a meeting across organisations"
awk 'length($0) > 80 { print "line " NR " is " length($0) " wide: " $0; bad = 1 } END { exit bad }' "$tmp/out" ||
    fail "text report wider than 80 columns"

expect 0 report --format json
"$CT_PYTHON" - "$tmp/out" <<'EOF' || fail "report JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["round"] is None
assert len(r["rounds"]) == 12, len(r["rounds"])
sent = [x for x in r["rounds"] if x["state"] == "sent"]
assert len(sent) == 11
ot = r["over_time"]
assert ot["rounds_sent"] == 11
assert ot["pairings"] == sum(x["pairings"] for x in sent)
assert ot["ties"] == sent[-1]["ties"] == sum(x["new_ties"] for x in sent)
k = len(ot["organisations"])
assert k == 9, k
assert len(ot["mixing"]) == k and all(len(row) == k for row in ot["mixing"])
assert all(ot["mixing"][i][j] == ot["mixing"][j][i] for i in range(k) for j in range(k))
# Every pairing in a sent group is in the matrix once (members still in their groups).
assert sum(ot["mixing"][i][j] for i in range(k) for j in range(i, k)) == ot["pairings"]
assert sum(ot["other_organisations_met"]) == ot["participants"] == len(r["members"])
for x in sent:
    assert 0 <= x["reach"] <= x["reach_bound"] <= x["reach_simple_bound"] <= 1, x
reach = sum(m["other_organisations_met"] for m in r["members"]) / (len(r["members"]) * (k - 1))
assert abs(reach - ot["reach"]) < 1e-4, (reach, ot["reach"])
assert r["rounds"][-1]["reach"] is None
EOF

expect 0 report --format csv
"$CT_PYTHON" - "$tmp/out" <<'EOF' || fail "report CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 12
assert rows[0]["round"] == "1" and rows[0]["state"] == "sent"
assert rows[-1]["state"] == "planned" and rows[-1]["reach"] == ""
for r in rows:
    assert int(r["eligible"]) == int(r["grouped"]) + int(r["unpaired"])
EOF

expect 0 report --round 3 --format json
"$CT_PYTHON" -c 'import json,sys; r = json.load(sys.stdin); assert r["round"] == 3 and [x["id"] for x in r["rounds"]] == [3] and r["over_time"]["rounds_sent"] == 3, r["round"]' <"$tmp/out" ||
    fail "report --round 3"
expect 0 report --round 3
out_has "The round: who was grouped, and with whom"
expect 65 report --round 99
err_has "no round 99"
expect 64 report --round three
expect 64 report --format pdf
err_has "unknown format 'pdf'"
expect 64 report extra

# --out writes the file atomically and says where.
expect 0 report --format html --out "$tmp/report.html"
[ ! -s "$tmp/out" ] || fail "--out also wrote to stdout"
err_has "report written to $tmp/report.html"
head -c 15 "$tmp/report.html" | grep -qF '<!DOCTYPE html>' || fail "not an HTML page"
ls "$tmp" | grep -q 'report\.html\.tmp' && fail "temporary file left behind"
expect 74 report --out "$tmp/no/such/dir/report.txt"
echo "ok"
