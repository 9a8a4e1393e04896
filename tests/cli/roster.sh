#!/bin/sh
# roster.sh: "roster import" and "roster list" through the real binary:
# first import, the three list formats, dry runs, broken rosters, sync
# versus merge, the CSV round trip, and a database from a newer version.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

small="$data/roster-small.csv"

# A broken roster on a fresh directory: every problem, exit 65, no database.
expect 65 roster import "$data/roster-broken.csv"
err_has "roster-broken.csv:3: email:"
err_has "roster-broken.csv:4: organisation:"
err_has "nothing imported"
[ ! -e "$db" ] || fail "a broken roster created the database"

expect 66 roster import "$tmp/missing.csv"
err_has "missing.csv"
expect 64 roster import
err_has "no roster given"
expect 64 roster import a.csv b.csv

# First import.
expect 0 roster import "$small"
out_has "imported $small: 6 rows, 6 added, 0 updated, 0 marked left, 0 unchanged"
[ "$(sql 'SELECT count(*) FROM members')" = 6 ] || fail "members not stored"
[ "$(sql "SELECT mode || rows || added FROM imports")" = sync66 ] || fail "import not recorded"
[ "$(sql 'PRAGMA user_version')" -ge 1 ] || fail "no schema version"

# Text: an aligned table within 80 columns, current members by default.
expect 0 roster list
out_has "EMAIL"
out_has "ana.alves@alpha.example.org"
out_has "paused"
out_has "6 members: 5 active, 1 paused, 0 left"
long=$(LC_ALL=C awk '{ n = 0; s = $0; n = gsub(/[^\200-\277]/, "", s); if (n > 80) print }' "$tmp/out")
[ -z "$long" ] || fail "lines wider than 80 columns: $long"

# JSON: valid, every field, ties both ways.
expect 0 roster list --format json
"$CT_PYTHON" - "$tmp/out" <<'EOF' || fail "bad JSON"
import json, sys
members = json.load(open(sys.argv[1], encoding="utf-8"))
assert len(members) == 6, members
by = {m["email"]: m for m in members}
keys = {"email", "name", "organisation", "team", "site", "role", "timezone", "status",
        "paused_until", "frequency", "ties"}
for m in members:
    assert set(m) == keys, m
dee = by["dee.doe@gamma.example.org"]
assert dee["name"] == "Doe, Dee" and dee["team"] == 'Research "Lab" 2', dee
assert dee["site"] is None and dee["frequency"] == "bimonthly" and dee["status"] == "active"
assert by["zoe.okonkwo@delta.example.org"]["name"] == "Zo\u00eb Okonkwo"
assert by["cy.chen@beta.example.org"]["status"] == "paused"
assert by["cy.chen@beta.example.org"]["frequency"] == "quarterly"
assert by["bo.berg@alpha.example.org"]["timezone"] is None
assert sorted(by["ana.alves@alpha.example.org"]["ties"]) == [
    "bo.berg@alpha.example.org", "eli.ekwe@gamma.example.org"]
assert by["bo.berg@alpha.example.org"]["ties"] == ["ana.alves@alpha.example.org"]
assert [m["email"] for m in members] == sorted(by), "not sorted by e-mail"
EOF

# CSV: the import format, readable by Python's csv module.
expect 0 roster list --format csv
"$CT_PYTHON" - "$tmp/out" <<'EOF' || fail "bad CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
assert len(rows) == 6
dee = [r for r in rows if r["email"] == "dee.doe@gamma.example.org"][0]
assert dee["name"] == "Doe, Dee" and dee["team"] == 'Research "Lab" 2', dee
assert rows[0]["ties"].split(";") == ["bo.berg@alpha.example.org", "eli.ekwe@gamma.example.org"]
EOF

expect 64 roster list --format xml
err_has "unknown format 'xml'"
expect 64 roster list --status gone
expect 0 roster list --status paused --format json
[ "$("$CT_PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$tmp/out")" = 1 ] ||
    fail "--status paused"

# The same file again: nothing changes, but the import is recorded.
expect 0 roster import "$small"
out_has "0 added, 0 updated, 0 marked left, 6 unchanged"

# CSV round trip: importing the export changes nothing.
"$CT_BIN" roster list --status all --format csv >export.csv
"$CT_BIN" roster list --status all --format json >before.json
expect 0 roster import export.csv --dry-run
out_has "6 rows: 0 to add, 0 to update, 0 to mark left, 6 unchanged"
expect 0 roster import export.csv
out_has "0 added, 0 updated, 0 marked left, 6 unchanged"
"$CT_BIN" roster list --status all --format json >after.json
cmp -s before.json after.json || fail "round trip changed the members"

# A changed roster: dry run lists the changes and writes nothing.
{
    head -n 1 "$small"
    grep "^ana.alves" "$small" | sed 's/Cardiology,North Site/Surgery,South Site/'
    grep "^bo.berg" "$small"
    grep "^dee.doe" "$small"
    grep "^eli.ekwe" "$small"
    grep "^zoe.okonkwo" "$small"
    printf 'fay.fox@epsilon.example.org,Fay Fox,Epsilon CIC,,,,,,,\r\n'
} >changed.csv
before=$(snapshot)
expect 0 roster import changed.csv --dry-run
out_has "+ fay.fox@epsilon.example.org (new)"
out_has "~ ana.alves@alpha.example.org: team, site"
out_has "- cy.chen@beta.example.org (would be marked left)"
out_has "changed.csv: 6 rows: 1 to add, 1 to update, 1 to mark left, 4 unchanged"
out_has "dry run: nothing changed"
out_has "note: 1 of 6 current members would leave, more than [roster] max_left allows (0); a sync needs --yes"
[ "$(snapshot)" = "$before" ] || fail "dry run changed the database"

# Merge: adds and updates, marks nobody left.
expect 0 roster import --merge changed.csv
out_has "merged changed.csv: 6 rows, 1 added, 1 updated, 0 marked left, 4 unchanged"
[ "$(sql "SELECT status FROM members WHERE email = 'cy.chen@beta.example.org'")" = paused ] ||
    fail "merge touched a member missing from the file"

# Roster safety: 1 of 7 is more than the default max_left (10%, which
# rounds down to 0 here): refused with the dry-run summary, nothing written.
before=$(snapshot)
expect 65 roster import changed.csv
out_has "- cy.chen@beta.example.org (would be marked left)"
out_has "changed.csv: 6 rows: 0 to add, 0 to update, 1 to mark left, 6 unchanged"
err_has "changed.csv: refused: this sync would mark 1 of 7 current members left"
err_has "apply it with --yes"
[ "$(snapshot)" = "$before" ] || fail "a refused sync changed the database"
# A count: one may leave.
printf '[roster]\nmax_left = 1\n' >one.ini
expect 0 -c one.ini roster import changed.csv --dry-run
out_lacks "note:"

# Sync with --yes: the missing member is marked left, history kept.
expect 0 roster import changed.csv --yes
out_has "0 added, 0 updated, 1 marked left, 6 unchanged"
[ "$(sql "SELECT status FROM members WHERE email = 'cy.chen@beta.example.org'")" = left ] ||
    fail "sync did not mark left"
expect 0 roster list
out_lacks "cy.chen@beta.example.org"
expect 0 roster list --status left
out_has "cy.chen@beta.example.org"
[ "$(sql 'SELECT count(*) FROM imports')" = 5 ] || fail "import history"

# A file with only the required columns leaves the other fields alone.
printf 'email,name,organisation\r\nbo.berg@alpha.example.org,Bo Berg,Alpha Trust\r\n' >slim.csv
expect 0 roster import --merge slim.csv
out_has "merged slim.csv: 1 row, 0 added, 0 updated, 0 marked left, 1 unchanged"
[ "$(sql "SELECT team FROM members WHERE email = 'bo.berg@alpha.example.org'")" = Cardiology ] ||
    fail "a missing column cleared a field"

# All or nothing: a roster with one bad row changes nothing.
{
    cat changed.csv
    printf 'broken-address,Gus,Zeta,,,,,,,\r\n'
} >bad.csv
before=$(snapshot)
expect 65 roster import bad.csv
err_has "bad.csv:8: email:"
[ "$(snapshot)" = "$before" ] || fail "a rejected roster changed the database"

# An empty roster would mark everyone left: refused.
head -n 1 "$small" >empty.csv
expect 65 roster import empty.csv
err_has "empty.csv"
[ "$(snapshot)" = "$before" ] || fail "an empty roster changed the database"

# The example roster that ships with coffeetrial, into a fresh database,
# and back out without a change.
mkdir example
(
    cd example
    db="$PWD/coffeetrial.db"
    expect 0 roster import "$CT_SRC/conf/roster.example.csv"
    out_has "52 rows, 52 added, 0 updated, 0 marked left, 0 unchanged"
    expect 0 roster list --format json
    "$CT_PYTHON" -c 'import json, sys; m = json.load(sys.stdin); assert len(m) == 51, len(m)' \
        <"$tmp/out" || fail "example roster: current members"
    "$CT_BIN" roster list --status all --format csv >export.csv
    expect 0 roster import export.csv
    out_has "52 rows, 0 added, 0 updated, 0 marked left, 52 unchanged"
)

# Organisation names: spellings that fold are one organisation; names that
# only look alike are warned about, once per pair, the smaller first; an
# aliases file folds them.
mkdir orgs
(
    cd orgs
    db="$PWD/coffeetrial.db"
    {
        echo "email,name,organisation,site,status"
        for i in 1 2 3 4; do echo "r$i@x.org,R $i,Riverside University Hospitals,Main Site,"; done
        echo "s1@x.org,S 1,Riverside University Hospital,Main site,"
        echo "n1@x.org,N 1,NUH,,"
        echo "n2@x.org,N 2,N.U.H.,,"
        echo "m1@x.org,M 1,St. Mary's NHS Trust,,"
        echo "m2@x.org,M 2,st marys nhs trust,,"
        printf 'm3@x.org,M 3,St Mary\342\200\231s  NHS-Trust,,\n'
        echo "h1@x.org,H 1,Health & Care,,"
        echo "h2@x.org,H 2,Health and Care,Mian Site,"
        echo "l1@x.org,L 1,Left Trusts,,left"
        echo "l2@x.org,L 2,Left Trust,,left"
    } >orgs.csv
    w="warning: organisation 'Riverside University Hospital' (1 member) looks like 'Riverside University Hospitals' (4); if they are one, add the line 'Riverside University Hospital = Riverside University Hospitals' to the [roster] aliases file"
    expect 0 roster import orgs.csv --dry-run
    err_has "$w"
    [ "$(grep -c 'looks like' "$tmp/err")" = 2 ] || fail "dry run: two warnings, none for who left"
    expect 0 roster import orgs.csv
    out_has "14 rows, 14 added"
    err_has "$w"
    err_has "warning: site 'Mian Site' (1 member) looks like 'Main Site' (5)"
    [ "$(grep -c 'looks like' "$tmp/err")" = 2 ] ||
        fail "one warning per pair, members who left not counted"
    # Stored as the roster spells them.
    [ "$(sql "SELECT organisation FROM members WHERE email = 'n2@x.org'")" = N.U.H. ] ||
        fail "the roster's spelling was not stored"

    expect 0 roster orgs
    out_has "ORGANISATION"
    out_has "5 organisations, 12 current members"
    grep -q "^St Mary’s  NHS-Trust  *3  'St Mary’s  NHS-Trust' (1), 'St. Mary's NHS Trust' (1), 'st marys nhs trust' (1)$" "$tmp/out" ||
        fail "St Mary's: three spellings folded"
    grep -q "^Riverside University Hospitals  *4$" "$tmp/out" || fail "one spelling: no list"
    err_has "$w"
    expect 0 roster orgs --format json
    "$CT_PYTHON" - "$tmp/out" <<'EOF' || fail "roster orgs JSON"
import json, sys
orgs = json.load(open(sys.argv[1], encoding="utf-8"))
assert [o["members"] for o in orgs] == [4, 3, 2, 2, 1], orgs
by = {o["key"]: o for o in orgs}
assert set(orgs[0]) == {"name", "key", "members", "spellings"}, orgs[0]
assert by["healthandcare"]["spellings"] == [
    {"name": "Health & Care", "members": 1}, {"name": "Health and Care", "members": 1}]
assert sum(s["members"] for s in by["stmarysnhstrust"]["spellings"]) == 3
assert "lefttrust" not in by and "lefttrusts" not in by, "members who left are not counted"
EOF

    # An aliases file, relative to the configuration's directory, folds the pair.
    mkdir conf
    printf '[store]\npath = %s\n[roster]\naliases = aliases.txt\n' "$db" >conf/ct.ini
    printf '# trusts\n\nRiverside University Hospital = Riverside University Hospitals\nMian Site = Main Site\n' \
        >conf/aliases.txt
    expect 0 -c conf/ct.ini roster orgs
    grep -q "^Riverside University Hospitals  *5  'Riverside University Hospitals' (4), 'Riverside University Hospital' (1)$" \
        "$tmp/out" || fail "the alias did not fold the spellings"
    [ ! -s "$tmp/err" ] || fail "warned about a pair the aliases fold"
    expect 0 -c conf/ct.ini roster import orgs.csv
    [ ! -s "$tmp/err" ] || fail "import warned about a pair the aliases fold"
    expect 0 -c conf/ct.ini config show
    out_has "aliases = conf/aliases.txt"

    # A bad aliases file: every bad line named, nothing runs.
    printf 'a = b\nno equals\nNUH = N.U.H.\nb = a\n' >conf/aliases.txt
    before=$(snapshot)
    expect 78 -c conf/ct.ini roster import orgs.csv
    err_has "conf/aliases.txt:2: expected 'variant = canonical'"
    err_has "conf/aliases.txt:3: 'NUH' is an alias of itself"
    err_has "conf/aliases.txt:1: 'a' = 'b' makes a cycle of aliases"
    err_has "conf/aliases.txt:4: 'b' = 'a' makes a cycle of aliases"
    [ "$(snapshot)" = "$before" ] || fail "a bad aliases file changed the database"
    rm conf/aliases.txt
    expect 78 -c conf/ct.ini roster orgs
    err_has "conf/ct.ini:4: [roster] aliases: conf/aliases.txt"
)

# A database written by a newer coffeetrial is refused, and left alone.
sqlite3 "$db" "PRAGMA user_version = 999"
expect 78 roster list
err_has "version 999"
err_has "newer coffeetrial"
[ "$(sql 'PRAGMA user_version')" = 999 ] || fail "refused database was changed"

# Not a database at all.
rm -f "$db" "$db-wal" "$db-shm"
cp "$small" "$db"
run roster list
[ "$rc" -ne 0 ] || fail "a CSV file was accepted as a database"
err_has "not a database"
echo "ok"
