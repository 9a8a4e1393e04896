#!/bin/sh
# simulate.sh: "coffeetrial simulate" through the real binary, with no
# configuration, in a scratch directory: the report covers every round and
# groups everyone eligible, the same seed gives the same report, HTML goes
# to --out, no database is created, and bad input is refused.
set -eu
. "$CT_SRC/tests/cli/lib.sh"
export COFFEETRIAL_CONFIG=
roster="$CT_SRC/conf/roster.example.csv"

expect 0 simulate --roster "$roster" --rounds 6 --seed 1 --format json
cp "$tmp/out" "$tmp/first.json"
"$CT_PYTHON" - "$tmp/first.json" <<'PY' || fail "simulate JSON"
import json, sys
r = json.load(open(sys.argv[1]))
rounds = r["rounds"]
assert len(rounds) == 6, len(rounds)
assert all(x["state"] == "sent" for x in rounds), [x["state"] for x in rounds]
for x in rounds:
    assert x["eligible"] > 0, x
    assert x["grouped"] == x["eligible"] and x["unpaired"] == 0, x
    # Simulated answers and meetings were recorded.
    assert x["outcomes"] == x["groups"], x
    assert x["accepted"] > 0 and x["met"] > 0, x
assert r["over_time"]["rounds_sent"] == 6
PY
# --dropout: members drop out after the send; reach with and without re-match.
expect 64 simulate --roster "$roster" --rounds 2 --dropout 1.5
err_has "--dropout"
expect 0 simulate --roster "$roster" --rounds 6 --dropout 0.2
out_has "Reach with 0.2 of members dropping out of each round, after 6 rounds:"
"$CT_PYTHON" - "$tmp/out" <<'PY' || fail "re-match raises reach"
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"  ([0-9.]+) of its bound ([0-9.]+) with re-match; ([0-9.]+) of its bound "
              r"([0-9.]+) without", text)
assert m, text[:400]
with_rm, bound_rm, without, bound = map(float, m.groups())
assert with_rm > without, (with_rm, without)
assert with_rm <= bound_rm and without <= bound, m.groups()
PY

[ ! -e coffeetrial.db ] || fail "simulate created ./coffeetrial.db"
[ -z "$(ls -A "$tmp" | grep -v -e '^out$' -e '^err$' -e '^first.json$')" ] ||
    fail "simulate left files behind: $(ls -A "$tmp")"

# The same seed: the same simulation (the report's own timestamp aside).
expect 0 simulate --roster "$roster" --rounds 6 --seed 1 --format json
"$CT_PYTHON" - "$tmp/first.json" "$tmp/out" <<'PY' || fail "same seed, different report"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
a.pop("generated_at"), b.pop("generated_at")
assert a == b
PY
# Another seed: another simulation.
expect 0 simulate --roster "$roster" --rounds 6 --seed 2 --format json
"$CT_PYTHON" - "$tmp/first.json" "$tmp/out" <<'PY' || fail "another seed, same report"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["rounds"] != b["rounds"]
PY
# Piped: no progress bar.
[ ! -s "$tmp/err" ] || fail "simulate wrote to stderr when not on a terminal"

expect 0 simulate --roster "$roster" --rounds 3 --format html --out "$tmp/report.html"
grep -q "<svg" "$tmp/report.html" || fail "report.html has no <svg"
grep -qF "simulated: 3 rounds of roster.example.csv" "$tmp/report.html" ||
    fail "report.html does not say it is simulated"
err_has "report written to"
[ ! -s "$tmp/out" ] || fail "--out also wrote to stdout"

expect 0 simulate --roster "$roster" --rounds 2
out_has "simulated: 2 rounds of roster.example.csv, seed 1, accept rate 0.8"
out_has "Rounds: who was grouped, and with whom"

# A bad roster: every problem as FILE:LINE, exit 65, nothing written.
expect 65 simulate --roster "$data/roster-broken.csv" --rounds 2 --out "$tmp/bad.html" --format html
err_has "roster-broken.csv:3: email"
err_has "nothing simulated"
[ ! -e "$tmp/bad.html" ] || fail "a bad roster still wrote the report"
expect 66 simulate --roster "$tmp/missing.csv" --rounds 2

# Bad options: usage errors.
expect 64 simulate --roster "$roster" --rounds 0
err_has "--rounds"
expect 64 simulate --roster "$roster" --rounds 121
expect 64 simulate --roster "$roster" --rounds 6x
expect 64 simulate --roster "$roster" --rounds 2 --accept-rate 1.5
err_has "--accept-rate"
expect 64 simulate --roster "$roster" --rounds 2 --accept-rate nan
expect 64 simulate --roster "$roster" --rounds 2 --seed -1
err_has "--seed"
expect 64 simulate --roster "$roster" --rounds 2 --format csv
expect 64 simulate --rounds 2
expect 64 simulate --roster "$roster"
expect 64 simulate --roster "$roster" --rounds 2 extra

# --accept-rate 0: nobody accepts, no group meets.
expect 0 simulate --roster "$roster" --rounds 2 --accept-rate 0 --format json
"$CT_PYTHON" - "$tmp/out" <<'PY' || fail "accept rate 0"
import json, sys
r = json.load(open(sys.argv[1]))
assert all(x["accepted"] == 0 and x["met"] == 0 for x in r["rounds"]), r["rounds"]
PY

[ ! -e coffeetrial.db ] || fail "simulate created ./coffeetrial.db"
echo "simulate: ok"
