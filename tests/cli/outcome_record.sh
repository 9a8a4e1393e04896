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
[ -s "$tmp/err" ] && fail "Timestamp is bookkeeping: no warning expected"
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
# Survey exports as Microsoft Forms and Google Forms write them
# (tests/data/surveys): the group comes from the respondent's e-mail and the
# round. Round 3 (2026-03-02) is sent: group 5 Ana and Bo, met on the 2nd;
# group 6 Eli and Zoe, met on the 3rd; group 7 Cy and Dee, meets on the 20th.
surveys="$data/surveys"
export COFFEETRIAL_TEST_NOW=2026-03-09T12:00:00Z
sqlite3 "$db" "
INSERT INTO rounds (id, date, seed, state, created_at) VALUES (3, '2026-03-02', 3, 'sent', 0);
INSERT INTO groups (id, round_id, uid, state, slot_start) VALUES
  (5, 3, 'uid-5@example.org', 'sent', strftime('%s', '2026-03-02 10:00')),
  (6, 3, 'uid-6@example.org', 'sent', strftime('%s', '2026-03-03 10:00')),
  (7, 3, 'uid-7@example.org', 'sent', strftime('%s', '2026-03-20 10:00'));
INSERT INTO group_members (group_id, member_id)
  SELECT 5, id FROM members WHERE email IN ('ana.alves@alpha.example.org', 'bo.berg@alpha.example.org');
INSERT INTO group_members (group_id, member_id)
  SELECT 6, id FROM members WHERE email IN ('eli.ekwe@gamma.example.org', 'zoe.okonkwo@delta.example.org');
INSERT INTO group_members (group_id, member_id)
  SELECT 7, id FROM members WHERE email IN ('cy.chen@beta.example.org', 'dee.doe@gamma.example.org');
"
outcomes() {
    sql "SELECT group_concat(group_id || ':' || met || ':' || coalesce(rating, '-') || ':' || coalesce(note, '-'), '|') FROM (SELECT * FROM outcomes ORDER BY group_id)"
}
before=$(outcomes)

# Microsoft Forms: ID, Start time, Completion time, Email, Name, questions; a
# BOM and CRLF. Its response IDs 1-3 are not groups (3 is a cancelled one).
expect 65 outcome import "$surveys/microsoft-forms.csv"
err_has "microsoft-forms.csv:1: header: an 'email' column needs the round"
expect 0 outcome import "$surveys/microsoft-forms.csv" --round 3 --dry-run
out_has "2 outcomes from 3 answers valid: 2 new, 0 replacing earlier records"
[ -s "$tmp/err" ] && fail "Forms bookkeeping columns must not warn"
[ "$(outcomes)" = "$before" ] || fail "dry run wrote"
expect 0 outcome import "$surveys/microsoft-forms.csv" --round 3
out_has "imported $surveys/microsoft-forms.csv: 2 outcomes from 3 answers, 2 new, 0 replacing earlier records"
[ "$(outcomes)" = "$before|5:1:5:Great chat, we swapped rota tips|6:0:-:Could not find a time, will try again" ] ||
    fail "Forms import stored: $(outcomes)"

# Google Forms: Timestamp, Email Address, questions; a quoted line break.
# The round by date; Ana answers again, so group 5 is replaced.
expect 0 outcome import "$surveys/google-forms.csv" --round 2026-03-02
out_has "2 outcomes, 0 new, 2 replacing earlier records"
[ "$(sql 'SELECT met || rating || note FROM outcomes WHERE group_id = 5')" = "13Good, if short" ] ||
    fail "group 5 not replaced: $(outcomes)"
[ "$(sql 'SELECT note FROM outcomes WHERE group_id = 6')" = "$(printf 'Eli was off sick;\nwe will try again')" ] ||
    fail "group 6 note: $(outcomes)"

# A round date column; Cy says met for group 7, whose slot is still to come.
before=$(snapshot)
expect 65 outcome import "$surveys/round-date-column.csv"
err_has "round-date-column.csv:3: met: group 7 meets on 2026-03-20 10:00 UTC, which is still to come; give --force if it has met already"
err_has "round-date-column.csv: 1 error; nothing imported"
[ "$(snapshot)" = "$before" ] || fail "a refused import changed the database"
expect 0 outcome import "$surveys/round-date-column.csv" --force
out_has "2 outcomes, 1 new, 1 replacing earlier records"
[ "$(sql 'SELECT met || rating FROM outcomes WHERE group_id = 7')" = "15" ] || fail "forced import"

# A group column must name a sent group and agree with the e-mail.
cat >"$tmp/groups.csv" <<'EOF'
Group,Email,Met
3,cy.chen@beta.example.org,yes
5,zoe.okonkwo@delta.example.org,no
42,,yes
EOF
expect 65 outcome import "$tmp/groups.csv"
err_has "groups.csv:2: group: group 3 was cancelled"
err_has "groups.csv:3: group: group 5 does not include zoe.okonkwo@delta.example.org (their group in round 3 is 6)"
err_has "groups.csv:4: group: no group 42"
expect 64 outcome import "$tmp/groups.csv" --round soon
err_has "--round: not a round number or date (YYYY-MM-DD): 'soon'"
expect 65 outcome import "$surveys/microsoft-forms.csv" --round 2
err_has "microsoft-forms.csv: --round: round 2 has not been sent yet (it is planned)"

# outcome record: met for a meeting still to come needs --force.
expect 65 outcome record 7 --met yes
err_has "group 7 meets on 2026-03-20 10:00 UTC, which is still to come"
expect 0 outcome record 7 --met no
expect 0 outcome record 7 --met yes --force
out_has "group 7: met"
echo "ok"
