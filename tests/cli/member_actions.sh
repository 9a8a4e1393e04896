#!/bin/bash
# member_actions.sh: what members did for themselves, as the organiser sees
# it through the real binary: member show (own settings and the action log,
# text and JSON), round show (skips, check-ins, disagreement, JSON) and
# report (text, JSON, CSV, HTML). The actions are written into the
# database as lib/service/member_actions.c writes them (the pages and
# replies that make them are tested in unit.member_actions).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
export COFFEETRIAL_TEST_NOW=2026-12-07T09:00:00Z

ana=ana.alves@alpha.example.org
expect 0 roster import "$data/roster-small.csv"
expect 0 round plan --seed 7
expect 0 round send 1

# Ana's group, and a partner of hers; she skips round 1 after it was sent
# (her own page), sets her own zone and greeting, and says the group met;
# her partner says it did not.
ana_id=$(sql "SELECT id FROM members WHERE email = '$ana'")
group=$(sql "SELECT group_id FROM group_members WHERE member_id = $ana_id")
partner=$(sql "SELECT member_id FROM group_members WHERE group_id = $group AND member_id <> $ana_id LIMIT 1")
now=$(date -d 2026-12-07T09:00:00Z +%s)
sqlite3 "$db" "
INSERT INTO member_prefs (member_id, timezone, frequency, mode, greeting, intro, updated_at)
  VALUES ($ana_id, 'Europe/Berlin', 2, 'video', 'Annie', 'I look after cardiology stock.', $now);
INSERT INTO action_log (member_id, action, detail, via, round_id, group_id, at) VALUES
  ($ana_id, 'preferences', 'timezone, frequency, mode, intro, greeting', 'page', NULL, NULL, $now),
  ($ana_id, 'skip', 'round 1', 'reply', 1, NULL, $now + 60),
  ($ana_id, 'checkin', 'met, rating 4', 'page', 1, $group, $now + 120),
  ($ana_id, 'pause', 'until resumed', 'organiser', NULL, NULL, $now + 180);
INSERT INTO skips (member_id, round_id, via, at) VALUES ($ana_id, 1, 'reply', $now + 60);
INSERT INTO checkins (member_id, group_id, met, rating, note, via, at) VALUES
  ($ana_id, $group, 'met', 4, 'Good chat', 'page', $now + 120),
  ($partner, $group, 'not_met', NULL, NULL, 'reply', $now + 130);
"

expect 0 member show "$ana"
out_has "own settings"
out_has "timezone     Europe/Berlin"
out_has "frequency    2 (every Nth round)"
out_has "greeting     Annie"
out_has "2026-12-07 09:01 UTC  skip        by reply     round 1: round 1"
out_has "checkin     by page      round 1 group $group: met, rating 4"
out_has "pause       by organiser: until resumed"
expect 0 member show "$ana" --format json
"$CT_PYTHON" - "$tmp/out" "$group" <<'PY' || fail "member show json"
import json, sys
m = json.load(open(sys.argv[1]))
p = m["preferences"]
assert p == {"timezone": "Europe/Berlin", "frequency": 2, "mode": "video",
             "greeting": "Annie", "intro": "I look after cardiology stock."}, p
a = m["actions"]
assert [x["action"] for x in a] == ["preferences", "skip", "checkin", "pause"], a
assert [x["via"] for x in a] == ["page", "reply", "page", "organiser"], a
assert a[1]["round"] == 1 and a[1]["group"] is None and a[2]["group"] == int(sys.argv[2]), a
assert a[0]["at"] == "2026-12-07T09:00:00Z" and a[1]["at"] == "2026-12-07T09:01:00Z", a
PY
# A member who did nothing shows so.
expect 0 member show bo.berg@alpha.example.org
out_has "own settings   -"
out_has "actions        -"

expect 0 round show 1
out_has "skipped by members:"
out_has "  $ana (by reply)"
out_has "check-ins (did you meet?):"
out_has "group $group: $ana says met, rating 4 (by page)"
out_has "says not met (by reply)  <- the group's members disagree"
expect 0 round show 1 --format json
"$CT_PYTHON" - "$tmp/out" "$group" "$ana" <<'PY' || fail "round show json"
import json, sys
r = json.load(open(sys.argv[1]))
g, ana = int(sys.argv[2]), sys.argv[3]
assert r["skips"] == [{"email": ana, "via": "reply", "at": "2026-12-07T09:01:00Z"}], r["skips"]
assert [(c["group"], c["email"], c["answer"], c["rating"]) for c in r["checkins"]][0] == (g, ana, "met", 4)
assert r["checkins"][0]["note"] == "Good chat" and r["checkins"][1]["answer"] == "not_met"
assert r["disagreements"] == [g] and r["rematched"] == 0, r
assert r["groups"], "the round itself is still there"
PY

expect 0 report
out_has "What members did for themselves"
grep -Eq '^ +1 2026-12-07 +1 +1 +0 +2 +0$' "$tmp/out" || fail "report: member actions row"
expect 0 report --format json
"$CT_PYTHON" - "$tmp/out" <<'PY' || fail "report json"
import json, sys
rep = json.load(open(sys.argv[1]))
r = rep["rounds"][0]
assert r["member_actions"] == {"skips": 1, "pauses": 1, "stops": 0, "checkins": 2,
                               "rematches": 0}, r["member_actions"]
PY
expect 0 report --format csv
"$CT_PYTHON" - "$tmp/out" <<'PY' || fail "report csv"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
r = rows[0]
assert (r["skips"], r["pauses"], r["stops"], r["checkins"], r["rematches"]) == ("1", "1", "0", "2", "0"), r
PY
expect 0 report --format html
out_has "What members did for themselves"
out_has "member actions per round"
