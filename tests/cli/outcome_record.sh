#!/bin/sh
# outcome_record.sh: "outcome record" and "outcome import" through the real
# binary: messages, exit codes, replacing, and that a bad survey file
# changes nothing. Rounds and groups are written with sqlite3, as the
# pairing engine would.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

expect 0 roster import "$data/roster-small.csv"
sqlite3 "$db" "
INSERT INTO rounds (id, date, seed, state, created_at) VALUES
  (1, '2026-01-05', 1, 'sent', 0), (2, '2026-02-02', 2, 'planned', 0);
INSERT INTO groups (id, round_id, uid, state) VALUES
  (1, 1, 'uid-1@example.org', 'sent'), (2, 1, 'uid-2@example.org', 'sent'),
  (3, 1, 'uid-3@example.org', 'cancelled'), (4, 2, 'uid-4@example.org', 'planned');
INSERT INTO group_members (group_id, member_id)
  SELECT 1, id FROM members WHERE email IN ('ana.alves@alpha.example.org', 'eli.ekwe@gamma.example.org');
INSERT INTO group_members (group_id, member_id)
  SELECT 2, id FROM members WHERE email IN ('bo.berg@alpha.example.org', 'zoe.okonkwo@delta.example.org');
"

# record
expect 0 outcome record 1 --met yes --rating 5 --note "Talked about discharge planning"
out_has "group 1: met, rating 5"
[ "$(sql 'SELECT met, rating, source FROM outcomes WHERE group_id = 1')" = "1|5|cli" ] ||
    fail "outcome not stored"
expect 0 outcome record 1 --met NO
out_has "group 1: did not meet (replaces the earlier record: met, rating 5)"
[ "$(sql 'SELECT met || coalesce(rating, "-") FROM outcomes WHERE group_id = 1')" = "0-" ] ||
    fail "outcome not replaced"

expect 65 outcome record 99 --met yes
err_has "coffeetrial: no group 99"
expect 65 outcome record 4 --met yes
err_has "group 4 has not been sent yet (round 2 is planned)"
expect 65 outcome record 3 --met yes
err_has "group 3 was cancelled"
expect 64 outcome record 1
err_has "--met yes|no is required"
expect 64 outcome record 1 --met maybe
err_has "--met: not yes or no: 'maybe'"
expect 64 outcome record 1 --met yes --rating 0
err_has "--rating: not a whole number from 1 to 5: '0'"
expect 64 outcome record 1 --met yes --rating 4.5
expect 64 outcome record one --met yes
err_has "GROUP_ID: not a group number: 'one'"
expect 64 outcome record --met yes
expect 64 outcome record 1 2 --met yes
expect 64 outcome record 1 --met yes --note "$(printf 'esc \033[31m')"
err_has "--note: control character U+001B not allowed"
[ "$(sql 'SELECT count(*) FROM outcomes')" = 1 ] || fail "a refused record wrote something"

# import: a good file, then a bad one that must change nothing
cat >"$tmp/survey.csv" <<'EOF'
Group ID,Met,Rating,Comments,Timestamp
1,yes,4,"Good, useful",2026-01-20
2,no,,Could not find a time,2026-01-21
EOF
expect 0 outcome import "$tmp/survey.csv" --dry-run
out_has "2 outcomes valid: 1 new, 1 replacing earlier records"
out_has "dry run: nothing changed"
err_has "survey.csv:1: warning: header: unknown column 'Timestamp' ignored"
[ "$(sql 'SELECT met FROM outcomes WHERE group_id = 1')" = 0 ] || fail "dry run wrote"
expect 0 outcome import "$tmp/survey.csv"
out_has "2 outcomes, 1 new, 1 replacing earlier records"
[ "$(sql 'SELECT group_concat(group_id || ":" || met || ":" || coalesce(rating, "-") || ":" || source, " ") FROM outcomes')" = "1:1:4:import 2:0:-:import" ] ||
    fail "import not stored: $(sql 'SELECT * FROM outcomes')"

before=$(snapshot)
cat >"$tmp/bad.csv" <<'EOF'
uid,met,rating
uid-1@example.org,no,
uid-2@example.org,perhaps,3
uid-9@example.org,yes,
uid-4@example.org,yes,9
EOF
expect 65 outcome import "$tmp/bad.csv"
err_has "bad.csv:3: met: not yes or no: 'perhaps'"
err_has "bad.csv:4: uid: no group has the UID 'uid-9@example.org'"
err_has "bad.csv:5: rating: not a whole number from 1 to 5: '9'"
err_has "bad.csv:5: uid: group 4 has not been sent yet"
err_has "bad.csv: 4 errors; nothing imported"
[ "$(snapshot)" = "$before" ] || fail "a bad import changed the database"

expect 66 outcome import "$tmp/missing.csv"
err_has "missing.csv"
expect 64 outcome import
echo "ok"
