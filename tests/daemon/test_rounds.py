#!/usr/bin/python3
"""daemon.rounds: coffeetriald with its real actions (no stand-ins) on the
built-in defaults and the example roster: the first Monday at 09:00
Europe/London, review period 2 days, spool transport. The clock is set
with COFFEETRIAL_TEST_NOW (test builds).

--once after the schedule's time plans exactly one round (real groups,
origin daemon, send_after at the end of the review period); --once after
the review period sends it (one invitation per member, delivered to the
spool in the same pass); --once again sends nothing new. A round the
organiser replanned by hand in between is the one sent. A member paused
after the send leaves a partner alone, whom the re-match job pairs again
(or tells) once."""

import calendar
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import base_env, check, query, run, scratch  # noqa: E402

CLI = os.environ["CT_BIN"]
ROSTER = os.path.join(os.environ["CT_SRC"], "conf", "roster.example.csv")


def utc(y, mo, d, h=0, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s))


def iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def cli(d, when, *args):
    p = subprocess.run([CLI] + list(args), cwd=d, env=base_env(COFFEETRIAL_TEST_NOW=iso(when)),
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "coffeetrial %s: exit %d\n%s" % (" ".join(args), p.returncode,
                                                              p.stderr))
    return p.stdout


def once(d, when):
    rc, err = run(["--once", "-v"], d, COFFEETRIAL_TEST_NOW=iso(when))
    check(rc == 0, "--once at %s: exit %d\n%s" % (iso(when), rc, err))
    check("sending planned rounds is not available" not in err,
          "the real build lacks the round actions:\n" + err)
    return err


def spool(d):
    p = os.path.join(d, "spool")
    return sorted(os.listdir(p)) if os.path.isdir(p) else []


def scenario(replan):
    d = scratch()
    db = os.path.join(d, "coffeetrial.db")
    cli(d, utc(2027, 1, 20), "roster", "import", ROSTER)
    active = query(db, "SELECT count(*) FROM members WHERE status = 'active'")[0][0]

    # First run, before the occurrence: the schedule starts today; nothing is due.
    err = once(d, utc(2027, 2, 1, 8, 59))
    check(query(db, "SELECT count(*) FROM rounds") == [(0,)], "planned before the time:\n" + err)

    # At the occurrence: exactly one round, planned by the daemon.
    err = once(d, utc(2027, 2, 1, 9, 0, 30))
    check("planned round 1 for 2027-02-01; sending it at 2027-02-03 09:00" in err,
          "no plan logged:\n" + err)
    rounds = query(db, "SELECT id, date, state, origin, send_after FROM rounds")
    check(rounds == [(1, "2027-02-01", "planned", "daemon", utc(2027, 2, 3, 9, 0, 30))],
          "one planned round: %r" % rounds)
    grouped = query(db, "SELECT count(*) FROM group_members")[0][0]
    unpaired = query(db, "SELECT count(*) FROM unpaired")[0][0]
    check(grouped > 0 and grouped + unpaired == active,
          "every active member grouped or unpaired: %d + %d != %d" % (grouped, unpaired, active))
    slots = query(db, "SELECT min(slot_start) FROM groups")[0][0]
    check(slots >= utc(2027, 2, 3, 9), "slots open after the review period")
    check(query(db, "SELECT count(*) FROM outbox") == [(0,)], "nothing queued during review")

    # Within the review period nothing is sent.
    once(d, utc(2027, 2, 2, 12))
    check(query(db, "SELECT state FROM rounds WHERE id = 1") == [("planned",)],
          "sent during the review period")

    expect_id = 1
    if replan:
        # The organiser replans the date by hand: the daemon sends the new plan.
        out = cli(d, utc(2027, 2, 2, 13), "round", "plan", "--date", "2027-02-01", "--seed", "5")
        check("it replaces round 1" in out, "the hand plan replaces the daemon's:\n" + out)
        expect_id = 2
        grouped = query(db, "SELECT count(*) FROM group_members gm JOIN groups g"
                            " ON g.id = gm.group_id WHERE g.round_id = 2")[0][0]

    # After the review period: sent and delivered to the spool in the same pass.
    err = once(d, utc(2027, 2, 3, 9, 1))
    check("sent round %d for 2027-02-01" % expect_id in err, "no send logged:\n" + err)
    check("%d invitations queued" % grouped in err, "send count not logged:\n" + err)
    states = query(db, "SELECT id, state FROM rounds ORDER BY id")
    want = [(1, "sent")] if not replan else [(1, "replaced"), (2, "sent")]
    check(states == want, "round states: %r" % states)
    check(query(db, "SELECT count(*), count(DISTINCT recipient) FROM outbox WHERE kind ="
                    " 'request' AND state = 'sent'") == [(grouped, grouped)],
          "one invitation per grouped member, delivered")
    check(len(spool(d)) == grouped, "spool holds %d messages, want %d" % (len(spool(d)), grouped))

    # Once more: nothing new.
    before = (query(db, "SELECT id, state, sent_at FROM rounds ORDER BY id"),
              query(db, "SELECT count(*) FROM outbox"), spool(d))
    err = once(d, utc(2027, 2, 3, 9, 3))
    after = (query(db, "SELECT id, state, sent_at FROM rounds ORDER BY id"),
             query(db, "SELECT count(*) FROM outbox"), spool(d))
    check(before == after, "a second --once changed something")
    check("sent round" not in err and "planned round" not in err, "second --once did work:\n" + err)

    # A member paused after the send: the daemon's re-match job pairs the one
    # left alone again (a third for a pair, or told), once.
    pair = query(db, "SELECT g.id, min(gm.member_id), max(gm.member_id) FROM groups g JOIN"
                     " group_members gm ON gm.group_id = g.id WHERE g.round_id = ? AND"
                     " g.state = 'sent' GROUP BY g.id HAVING count(*) = 2 ORDER BY g.id LIMIT 1",
                 (expect_id,))[0]
    who = query(db, "SELECT email FROM members WHERE id = ?", (pair[1],))[0][0]
    cli(d, utc(2027, 2, 3, 9, 5), "member", "pause", who)
    queued = query(db, "SELECT count(*) FROM outbox")[0][0]
    err = once(d, utc(2027, 2, 3, 9, 30))
    check("re-match: 1 members alone" in err, "no re-match logged:\n" + err)
    got = query(db, "SELECT kind FROM outbox WHERE member_id = ? AND id > ?", (pair[2], queued))
    check(got in ([("request",)], [("notice",)]),
          "the one left alone is invited again or told: %r" % got)
    err = once(d, utc(2027, 2, 3, 9, 50))
    check("re-match:" not in err, "re-matched twice:\n" + err)


scenario(replan=False)
scenario(replan=True)
print("ok")
