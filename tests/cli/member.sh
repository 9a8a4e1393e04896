#!/bin/sh
# member.sh: "member show|pause|resume|remove|erase" through the real
# binary, their messages and exit codes, and that a pause or removal
# survives re-importing the same roster.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

small="$data/roster-small.csv"
ana=ana.alves@alpha.example.org
bo=bo.berg@alpha.example.org
status_of() {
    sql "SELECT status || coalesce(' ' || paused_until, '') FROM members WHERE email = '$1'"
}

expect 0 roster import "$small"

# show
expect 0 member show "$ana"
out_has "Ana Alves"
out_has "Alpha Trust"
out_has "$bo"
expect 0 member show ANA.ALVES@alpha.example.org --format json
"$CT_PYTHON" -c 'import json,sys; m = json.load(sys.stdin); assert m["email"] == "ana.alves@alpha.example.org" and m["groups"] == 0 and m["team"] == "Cardiology" and m["site"] == "North Site", m' <"$tmp/out" ||
    fail "member show json"
expect 65 member show nobody@example.org
err_has "coffeetrial: no member with e-mail nobody@example.org"
expect 64 member show
expect 64 member show "$ana" "$bo"

# pause / resume
expect 0 member pause "$ana"
out_has "paused $ana until resumed"
[ "$(status_of "$ana")" = paused ] || fail "not paused"
expect 0 member pause "$ana" --until 2099-06-30
out_has "until 2099-06-30"
[ "$(status_of "$ana")" = "paused 2099-06-30" ] || fail "no pause date"
expect 0 roster list
out_has "paused to 2099-06-30"
expect 64 member pause "$ana" --until 2001-01-01
err_has "not in the future"
expect 64 member pause "$ana" --until 2099-02-30
err_has "2099-02-30"
expect 64 member pause "$ana" --until tomorrow
[ "$(status_of "$ana")" = "paused 2099-06-30" ] || fail "a bad date changed the pause"
expect 65 member pause nobody@example.org
err_has "no member with e-mail nobody@example.org"

# The roster still says active, and has not changed: the pause stays.
expect 0 roster import "$small"
out_has "6 unchanged"
[ "$(status_of "$ana")" = "paused 2099-06-30" ] || fail "re-import undid a pause"

expect 0 member resume "$ana"
out_has "resumed $ana"
[ "$(status_of "$ana")" = active ] || fail "not resumed"
expect 0 member resume "$ana"
out_has "already active"
expect 65 member resume nobody@example.org

# remove
expect 0 member remove "$bo"
out_has "removed $bo"
[ "$(status_of "$bo")" = left ] || fail "not removed"
expect 0 member remove "$bo"
out_has "already left"
expect 65 member pause "$bo"
err_has "$bo has left"
expect 0 roster import "$small"
[ "$(status_of "$bo")" = left ] || fail "re-import undid a removal"
expect 0 member resume "$bo"
[ "$(status_of "$bo")" = active ] || fail "a removed member could not be resumed"

# erase: needs --yes, removes personal data, keeps the anonymous row.
org_count=$(sql "SELECT count(*) FROM members WHERE organisation = 'Alpha Trust'")
expect 0 exclude add "$ana" eli.ekwe@gamma.example.org
expect 64 member erase "$ana"
err_has "--yes"
[ "$(status_of "$ana")" = active ] || fail "erase without --yes did something"
expect 0 member erase "$ana" --yes
out_has "erased $ana"
[ -z "$(sql "SELECT id FROM members WHERE email = '$ana'")" ] || fail "e-mail kept"
[ "$(sql "SELECT count(*) FROM members WHERE status = 'erased' AND name IS NULL AND team IS NULL")" = 1 ] ||
    fail "erased row"
[ "$(sql "SELECT count(*) FROM members WHERE organisation = 'Alpha Trust'")" = "$org_count" ] ||
    fail "anonymous count changed"
[ "$(sql 'SELECT count(*) FROM exclusions')" = 0 ] || fail "exclusion kept"
if sqlite3 -readonly "$db" .dump | grep -qi -e "ana.alves" -e "Ana Alves" -e Cardiology.*Consultant; then
    fail "personal data left in the database"
fi
expect 65 member show "$ana"
expect 65 member erase "$ana" --yes
expect 0 roster list --status all
out_lacks "$ana"
# Back in the roster: a new member.
expect 0 roster import "$small"
out_has "1 added"
[ "$(sql 'SELECT count(*) FROM members')" = 7 ] || fail "erased member resurrected"
echo "ok"
