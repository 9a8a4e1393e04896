#!/bin/bash
# outbox_drop.sh: "outbox drop" through the real binary, on a round sent
# from the example roster: a dry run, then dropping by id and by round and
# kind; a dropped message is listed (--state dropped, all), never flushed
# to the spool, and cannot be dropped again; sent and unknown ids are
# refused (exit 65) and bad usage is 64.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
export COFFEETRIAL_TEST_NOW=2026-12-07T09:00:00Z

expect 0 roster import "$CT_SRC/conf/roster.example.csv"
expect 0 round plan --seed 7
expect 0 round send 1
queued=$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")
[ "$queued" -gt 10 ] || fail "the round queued only $queued messages"

# Usage: ID or --round, not both, not neither; a bad kind.
expect 64 outbox drop
expect 64 outbox drop 3 --round 1
expect 64 outbox drop --round 1 --kind invite
err_has "--kind: 'invite' is not request, cancel or notice"
expect 64 outbox drop abc

# A dry run names what would go and changes nothing.
before=$(snapshot)
expect 0 outbox drop 3 --dry-run
recipient=$(sql "SELECT recipient FROM outbox WHERE id = 3")
out_has "would drop 3: request to $recipient"
out_has "would drop 1 queued message; dry run: nothing changed"
[ "$(snapshot)" = "$before" ] || fail "a dry run changed the database"

# For real.
expect 0 outbox drop 3
out_has "dropped 3: request to $recipient"
out_has "dropped 1 queued message; it will not be sent"
[ "$(sql "SELECT state FROM outbox WHERE id = 3")" = dropped ] || fail "message 3 not dropped"
expect 65 outbox drop 3
err_has "outbox message 3 is dropped; only a queued message can be dropped"
expect 65 outbox drop 9999
err_has "outbox message 9999 does not exist"
expect 65 outbox drop --round 99
err_has "no round 99"

# Listed: by state and among all.
expect 0 outbox --state dropped
out_has "dropped by the organiser"
out_has "1 dropped"
expect 0 outbox --state all --format json
"$CT_PYTHON" -c '
import json, sys
box = json.load(sys.stdin)
assert box["counts"]["dropped"] == 1, box["counts"]
assert [m["id"] for m in box["messages"] if m["state"] == "dropped"] == [3]
' <"$tmp/out" || fail "outbox --state all: the dropped message"

# By round and kind: no cancellations queued, so nothing to drop.
expect 0 outbox drop --round 1 --kind cancel
out_has "dropped 0 queued messages"

# Flush: everything but the dropped message goes to the spool.
expect 0 outbox flush
[ "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" = $((queued - 1)) ] ||
    fail "the flush did not send the others"
mid=$(sql "SELECT message_id FROM outbox WHERE id = 3")
sent_mid=$(sql "SELECT message_id FROM outbox WHERE id = 4")
grep -rqF "$sent_mid" spool || fail "the spool does not hold the sent messages"
if grep -rqF "$mid" spool; then fail "the dropped message reached the spool"; fi
[ "$(sql "SELECT state FROM outbox WHERE id = 3")" = dropped ] || fail "the flush touched it"

# A sent message cannot be dropped; nor a whole sent round's messages.
expect 65 outbox drop 4
err_has "outbox message 4 is sent; only a queued message can be dropped"
expect 0 outbox drop --round 1 --dry-run
out_has "would drop 0 queued messages"
echo ok
