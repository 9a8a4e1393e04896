#!/bin/sh
# rc.sh: "coffeetrial rc import" and "rc show" through the real binary:
# both CSV shapes, every bad input refused with FILE:LINE and nothing
# written, waves by date, the meetings each link had since its wave, the
# weak-coordination reason in a plan's explanation and in the invitation,
# role names folded through the [roster] aliases.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

expect 0 rc show
out_has "no Relational Coordination survey imported yet"
expect 0 rc show --format json
out_has '{"wave":null,"links":[]}'

expect 0 roster import "$CT_SRC/conf/roster.example.csv"

# --- bad inputs: all or nothing, FILE:LINE --------------------------------------
before=$(snapshot)
cat >bad.csv <<'CSV'
Respondent E-mail,Rated Role,Frequent,Timely,Accurate,Problem Solving,Shared Goals,Shared Knowledge,Mutual Respect
tom.hargreaves@riversideuh.example.org,Clinical Pharmacist,2,2,3,2,2,3,2
tom.hargreaves@riversideuh.example.org,clinical pharmacist,2,2,3,2,2,3,2
tom.hargreaves@riversideuh.example.org,Astronaut,2,2,3,2,2,3,2
lukasz.nowak@riversideuh.example.org,Senior Staff Nurse,2,2,3,2,2,3,6
lukasz.nowak@riversideuh.example.org,Dietitian,2,2,3,,2,3,2
CSV
expect 65 rc import bad.csv
err_has "bad.csv:3: duplicate row: tom.hargreaves@riversideuh.example.org already rated this role on line 2"
err_has 'bad.csv:4: rated role: unknown role "Astronaut" (no member has it)'
err_has 'bad.csv:5: mutual_respect: score "6" is not from 1 to 5'
err_has "bad.csv:6: problem_solving: missing dimension score"
err_has "nothing imported"
printf 'email;rated role;frequent\nx@example.org;Dietitian;3\n' >semi.csv
expect 65 rc import semi.csv
err_has "semi.csv:1: the header is separated by semicolons"
printf 'email,rated role,frequent,timely,accurate,problem solving,shared goals,shared knowledge\n' >nodim.csv
expect 65 rc import nodim.csv
err_has "nodim.csv:1: the header has no mutual_respect column (a missing dimension)"
printf 'role_a,role_b,strength\nDietitian,Plumber,2\nDietitian,District Nurse,0.5\n' >badagg.csv
expect 65 rc import badagg.csv
err_has 'badagg.csv:2: role_b: unknown role "Plumber" (no member has it)'
err_has 'badagg.csv:3: strength: "0.5" is not from 1 to 5'
printf 'role_a,role_b,strength\nDietitian,District Nurse,2\ndistrict nurse,DIETITIAN,3\n' >dupagg.csv
expect 65 rc import dupagg.csv
err_has "dupagg.csv:3: duplicate row: this role pair was given on line 2"
expect 64 rc import bad.csv --date 2026-13-01
err_has "--date"
[ "$(snapshot)" = "$before" ] || fail "a refused import changed the database"

# --- per response: directional ratings combine into one pair ----------------------
cat >march.csv <<'CSV'
Respondent E-mail,Rated Role,Frequent,Timely,Accurate,Problem Solving,Shared Goals,Shared Knowledge,Mutual Respect
tom.hargreaves@riversideuh.example.org,Clinical Pharmacist,2,2,2,2,2,2,2
lukasz.nowak@riversideuh.example.org,Senior Staff Nurse,3,3,3,3,3,3,3
,,,,,,,,
amara.okafor@riversideuh.example.org,Discharge Coordinator,5,5,4,4,5,4,5
CSV
expect 0 rc import march.csv --dry-run --date 2026-01-02
out_has "checked march.csv: wave of 2026-01-02, 3 responses, 2 role pairs (1 weak, below 3.0)"
out_has "dry run: nothing changed"
[ "$(sql 'SELECT count(*) FROM rc_waves')" = 0 ] || fail "dry run wrote"
expect 0 rc import march.csv --date 2026-01-02
out_has "imported march.csv: wave of 2026-01-02"
[ "$(sql "SELECT printf('%.2f', strength) FROM rc_links WHERE role_a = 'Clinical Pharmacist'")" = 2.50 ] ||
    fail "directional ratings not combined"

# --- aggregated, a later wave; show uses the latest ----------------------------------
cat >june.csv <<'CSV'
role_a,role_b,strength
Senior Staff Nurse,Clinical Pharmacist,2.1
Consultant in Emergency Medicine,discharge-coordinator,4.4
Dietitian,District Nurse,2.6
physiotherapist,Consultant Physician,3.9
Senior staff nurse,Dietitian,2.9
CSV
expect 0 rc import june.csv --date 2026-03-01
out_has "5 link rows, 5 role pairs (3 weak, below 3.0)"
expect 0 rc import june.csv --date 2026-03-01
out_has "replacing the wave of that date"
[ "$(sql 'SELECT count(*) FROM rc_waves')" = 2 ] || fail "waves"

"$CT_PYTHON" "$CT_SRC/tests/report/make_history.py" "$db" --rounds 6 --seed 5 ||
    fail "make_history.py"
expect 0 rc show
out_has "wave of 2026-03-01 (june.csv): 5 role pairs, 3 weak (below 3.0)"
head -4 "$tmp/out" | tail -1 | grep -q "2.10 .* Clinical Pharmacist <-> Senior Staff Nurse  (weak)" ||
    fail "weakest link first"
expect 0 rc show --format json
"$CT_PYTHON" - "$tmp/out" "$db" <<'PY' || fail "rc show JSON"
import json, sqlite3, sys
r = json.load(open(sys.argv[1]))
assert r["wave"]["date"] == "2026-03-01" and r["wave"]["aggregated"] is True
s = [l["strength"] for l in r["links"]]
assert s == sorted(s) and s[0] == 2.1, s
db = sqlite3.connect(sys.argv[2])
def fold(x):
    return "".join(c for c in x.lower() if c.isalnum())
for l in r["links"]:
    want = 0
    q = """SELECT g.id, m.role FROM groups g JOIN rounds r ON r.id = g.round_id
           JOIN group_members gm ON gm.group_id = g.id AND gm.removed = 0
           JOIN members m ON m.id = gm.member_id
           WHERE g.state = 'sent' AND r.state = 'sent' AND r.date >= '2026-03-01'"""
    roles = {}
    for gid, role in db.execute(q):
        roles.setdefault(gid, []).append(fold(role or ""))
    a, b = fold(l["role_a"]), fold(l["role_b"])
    for rs in roles.values():
        if a != b and a in rs and b in rs:
            want += 1
    assert l["meetings"] == want, (l, want)
    assert l["weak"] == (l["strength"] < 3.0)
assert sum(l["meetings"] for l in r["links"]) > 0, r
PY

# --- the report's section: weak links of both waves, meetings per round --------------
expect 0 report
out_has "Relational Coordination: weak links (below 3.0), wave of 2026-03-01"
out_has "change since the wave of 2026-01-02 beside the meetings between the two"
out_has "not cause and effect"
awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$tmp/out" || fail "report wider than 80"
expect 0 report --format json
"$CT_PYTHON" - "$tmp/out" "$db" <<'PY' || fail "report JSON RC section"
import json, sqlite3, sys
r = json.load(open(sys.argv[1]))
rc = r["relational_coordination"]
assert rc["wave"] == "2026-03-01" and rc["previous_wave"] == "2026-01-02", rc
links = {(l["role_a"], l["role_b"]): l for l in rc["weak_links"]}
# Weak in the latest wave, or in the one before (Clinical Pharmacist-Senior Staff Nurse: 2.5 then 2.1).
assert ("Clinical Pharmacist", "Senior Staff Nurse") in links, links.keys()
l = links[("Clinical Pharmacist", "Senior Staff Nurse")]
assert l["previous_strength"] == 2.5 and l["strength"] == 2.1 and abs(l["change"] + 0.4) < 1e-9, l
assert ("Consultant Physician", "Physiotherapist") not in links  # 3.9: not weak
db = sqlite3.connect(sys.argv[2])
def fold(x):
    return "".join(c for c in (x or "").lower() if c.isalnum())
groups = {}
q = """SELECT g.id, r.id, r.date, m.role FROM groups g JOIN rounds r ON r.id = g.round_id
       JOIN group_members gm ON gm.group_id = g.id AND gm.removed = 0
       JOIN members m ON m.id = gm.member_id WHERE g.state = 'sent' AND r.state = 'sent'"""
for gid, rid, date, role in db.execute(q):
    groups.setdefault(gid, [rid, date, []])[2].append(fold(role))
dates = dict(db.execute("SELECT id, date FROM rounds"))
total = 0
for l in rc["weak_links"]:
    a, b = fold(l["role_a"]), fold(l["role_b"])
    for pr in l["meetings_per_round"]:
        want = sum(1 for rid, d, rs in groups.values() if rid == pr["round"] and a in rs and b in rs)
        assert pr["meetings"] == want, (l["role_a"], l["role_b"], pr, want)
        total += want
    between = sum(pr["meetings"] for pr in l["meetings_per_round"]
                  if "2026-01-02" <= dates[pr["round"]] < "2026-03-01")
    assert l["meetings_between_waves"] == between, l
assert total > 0
PY

expect 0 report --format html --out r.html
"$CT_PYTHON" - r.html <<'PY' || fail "report HTML RC heat maps"
import sys, xml.etree.ElementTree as ET
s = open(sys.argv[1], encoding="utf-8").read()
assert "Relational Coordination: how well roles coordinate" in s
svgs = []
for part in s.split("<figure class=\"rc\">")[1:]:
    svg = part.split("</figure>")[0]
    svgs.append(ET.fromstring(svg))  # well-formed
assert len(svgs) == 2, len(svgs)  # both waves, side by side
labels = [x.get("aria-label") for x in svgs]
assert labels == ["Relational Coordination strengths, wave of 2026-03-01",
                  "Relational Coordination strengths, wave of 2026-01-02"], labels
ns = "{http://www.w3.org/2000/svg}"
titles = [t.text for t in svgs[0].iter(ns + "title")]
assert "Clinical Pharmacist and Senior Staff Nurse: 2.1 of 5 (weak)" in titles, titles[:5]
texts = [t.text for t in svgs[0].iter(ns + "text")]
assert "2.1" in texts
PY

# --- the reason in a plan and in the invitation -----------------------------------
rm -f "$db"
cat >two.csv <<'CSV'
email,name,organisation,role
ana@example.org,Ana,North Trust,Ward Nurse
bo@example.org,Bo,South Trust,Community Pharmacist
CSV
expect 0 roster import two.csv
printf 'role_a,role_b,strength\nward nurse,Community-Pharmacist,2.14\n' >weak.csv
expect 0 rc import weak.csv --date 2026-03-09
expect 0 round plan --date 2026-12-14 --format json
out_has '"your roles coordinate weakly: 2.1 of 5 in the March survey"'
expect 0 round show 1 --explain
out_has "your roles coordinate weakly: 2.1 of 5 in the March survey"
out_has "coordination +0.71"
expect 0 round show 1 --explain --format json
out_has '"coordination": 0.71'
# (5 - 2.14) / 4 = 0.715 at the default weight; the members read one friendly line.
expect 0 round send 1
expect 0 outbox flush
grep -l "a staff survey says your two roles" spool/*.eml >/dev/null ||
    fail "the invitation lacks the survey line"
expect 0 config show
out_has "weight_coordination = 1"

# --- [roster] aliases apply to role names as to organisations ---------------------
rm -rf "$db" spool
mkdir conf
printf '[store]\npath = %s\n[roster]\naliases = aliases.txt\n' "$db" >conf/ct.ini
printf 'RN = Ward Nurse\nPharmacist = Community Pharmacist\n' >conf/aliases.txt
expect 0 -c conf/ct.ini roster import two.csv
printf 'role_a,role_b,strength\nR.N.,pharmacist,2.14\n' >alias.csv
expect 65 rc import alias.csv
err_has 'alias.csv:2: role_a: unknown role "R.N." (no member has it)'
expect 0 -c conf/ct.ini rc import alias.csv --date 2026-03-09
expect 0 -c conf/ct.ini rc show
out_has "Community Pharmacist <-> Ward Nurse  (weak)"
expect 0 -c conf/ct.ini round plan --date 2026-12-14 --format json
out_has '"your roles coordinate weakly: 2.1 of 5 in the March survey"'
# A member whose roster role is a variant is matched with the survey's name too.
sed 's/Ward Nurse/RN/' two.csv >two-rn.csv
expect 0 -c conf/ct.ini roster import two-rn.csv
[ "$(sql "SELECT role FROM members WHERE email = 'ana@example.org'")" = RN ] || fail "role not updated"
expect 0 -c conf/ct.ini round plan --date 2026-12-21 --dry-run --format json
out_has '"your roles coordinate weakly: 2.1 of 5 in the March survey"'
expect 0 round plan --date 2026-12-21 --dry-run --format json
out_lacks 'coordinate weakly'

# --- simulate --rc: weak links met with and without the weight -----------------------
cat >sim.csv <<'CSV'
role_a,role_b,strength
Senior Staff Nurse,Dietitian,2.4
Physiotherapist,Consultant Physician,2.9
Ward Manager,Senior Social Worker,2.5
Clinical Pharmacist,Senior Staff Nurse,1.8
District Nurse,Social Worker,2.2
CSV
expect 0 simulate --roster "$CT_SRC/conf/roster.example.csv" --rounds 6 --rc sim.csv
out_has "Weak links (below 3.0) of sim.csv with a conversation within 6 rounds:"
out_has "Relational Coordination: weak links (below 3.0)"
with=$(sed -n 's/^  \([0-9]*\) of 5 with weight_coordination 1; \([0-9]*\) of 5 without it$/\1/p' "$tmp/out")
without=$(sed -n 's/^  \([0-9]*\) of 5 with weight_coordination 1; \([0-9]*\) of 5 without it$/\2/p' "$tmp/out")
[ -n "$with" ] && [ -n "$without" ] || fail "simulate --rc: no comparison line"
[ "$with" -gt "$without" ] || fail "simulate --rc: the weight met $with weak links, without it $without"
expect 0 simulate --roster "$CT_SRC/conf/roster.example.csv" --rounds 2 --rc sim.csv --format json
err_has "of 5 with weight_coordination 1"
"$CT_PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" || fail "simulate JSON"
printf 'role_a,role_b,strength\nSenior Staff Nurse,Astronaut,2\n' >simbad.csv
expect 65 simulate --roster "$CT_SRC/conf/roster.example.csv" --rounds 2 --rc simbad.csv
err_has 'simbad.csv:2: role_b: unknown role "Astronaut"'

expect 64 rc import
expect 64 rc show --format csv
expect 0 --help
out_has "rc import"
out_has "rc show"
echo "rc CLI checks passed"
