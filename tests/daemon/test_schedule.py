#!/usr/bin/python3
"""daemon.schedule: the schedule's decisions, end to end with the real
daemon and stand-in actions (COFFEETRIAL_TEST_ACTIONS=fake, test builds
only) on the default schedule, the first Monday at 09:00 Europe/London,
review period 2 days. The clock is set with COFFEETRIAL_TEST_NOW.

Covers: planning at the occurrence while running; the review period;
--once twice sends nothing new; a round planned by hand is used, a replan
replaces the daemon's, a cancel stops it; one catch-up after downtime,
never a burst; outbox deliveries; STATUS names what is pending."""

import calendar
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import Daemon, NotifySocket, check, execute, query, run, scratch  # noqa: E402


def utc(y, mo, d, h=0, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s))


def iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


d = scratch()
db = os.path.join(d, "coffeetrial.db")


def once(when):
    rc, err = run(["--once"], d, COFFEETRIAL_TEST_NOW=iso(when), COFFEETRIAL_TEST_ACTIONS="fake")
    check(rc == 0, "--once at %s: exit %d\n%s" % (iso(when), rc, err))
    return err


def rounds(date=None):
    if date:
        return query(db, "SELECT id, state, origin, send_after FROM rounds WHERE date = ? "
                         "ORDER BY id", (date,))
    return query(db, "SELECT id, date, state, origin, send_after, sent_at FROM rounds ORDER BY id")


# A. Running through the first occurrence: 2 s before 09:00 on Monday 1 February 2027.
ns = NotifySocket(d)
daemon = Daemon(["-v"], d, NOTIFY_SOCKET=ns.address, COFFEETRIAL_TEST_NOW="2027-02-01T08:59:58Z",
                COFFEETRIAL_TEST_ACTIONS="fake")
ns.receive("READY=1")
daemon.wait_log(r"planned round 1 for 2027-02-01; sending it at 2027-02-03 09:00")
check(rounds("2027-02-01") == [(1, "planned", "daemon", utc(2027, 2, 3, 9))],
      "planned round: %r" % rounds())
ns.drain(0.5)
status = [l for l in ns.lines() if l.startswith("STATUS=")][-1]
sd = os.path.realpath(d)
check(status == "STATUS=spool to %s/spool, database %s/coffeetrial.db; " % (sd, sd) +
      "next round 2027-03-01 09:00 Europe/London, round 2027-02-01 in review "
                "until 2027-02-03 09:00, 0 messages queued", "status after planning: %r" % status)
daemon.signal(signal.SIGTERM)
check(daemon.wait_exit() == 0, "SIGTERM: nonzero exit")

# B. The review period is respected.
once(utc(2027, 2, 2, 9))
once(utc(2027, 2, 3, 8, 59))
check(rounds("2027-02-01")[0][1] == "planned", "sent before the review period ended")
err = once(utc(2027, 2, 3, 9, 0, 30))
check("sent round 1 for 2027-02-01" in err, "not sent after review:\n" + err)
check(rounds("2027-02-01")[0][1] == "sent", "round 1 not sent: %r" % rounds())

# C. --once twice sends nothing new.
before = rounds()
err = once(utc(2027, 2, 3, 9, 1))
check(rounds() == before, "second --once changed rounds: %r -> %r" % (before, rounds()))
check("sent round" not in err and "planned round" not in err, "second --once did work:\n" + err)

# D. A round the organiser planned by hand for the date is used, not replanned.
execute(db, "INSERT INTO rounds(date, seed, state, origin, created_at) "
            "VALUES ('2027-03-01', 7, 'planned', 'cli', ?)", (utc(2027, 2, 20),))
err = once(utc(2027, 3, 1, 9, 0, 30))
check(len(rounds("2027-03-01")) == 1, "replanned a hand-planned date: %r" % rounds())
check("round 2 for 2027-03-01 is already planned" in err, "hand plan not adopted:\n" + err)
once(utc(2027, 3, 3, 9, 1))
check(rounds("2027-03-01")[0][1] == "sent", "hand-planned round not sent: %r" % rounds())

# E. A replan by hand during the review replaces the daemon's plan (1 April: BST).
err = once(utc(2027, 4, 5, 8, 0, 30))
check("planned round 3 for 2027-04-05" in err, "April not planned:\n" + err)
execute(db, "UPDATE rounds SET state = 'replaced' WHERE id = 3")
execute(db, "INSERT INTO rounds(date, seed, state, origin, created_at) "
            "VALUES ('2027-04-05', 9, 'planned', 'cli', ?)", (utc(2027, 4, 5, 10),))
once(utc(2027, 4, 7, 8, 1))
check([r[1] for r in rounds("2027-04-05")] == ["replaced", "sent"],
      "replan not honoured: %r" % rounds("2027-04-05"))

# F. A cancel during the review stops the send.
once(utc(2027, 5, 3, 8, 0, 30))
execute(db, "UPDATE rounds SET state = 'cancelled' WHERE date = '2027-05-03'")
err = once(utc(2027, 5, 5, 8, 1))
check("was cancelled by the organiser; nothing to send" in err, "cancel not honoured:\n" + err)
check([r[1] for r in rounds("2027-05-03")] == ["cancelled"], "cancelled round changed")

# G. Downtime from June to 20 September: one catch-up (6 September), never a burst.
err = once(utc(2027, 9, 20))
check("4 scheduled rounds (2027-06-07 to 2027-09-06) passed" in err, "no catch-up note:\n" + err)
dates = [r[1] for r in rounds()]
check("2027-06-07" not in dates and "2027-07-05" not in dates and "2027-08-02" not in dates,
      "stale rounds planned: %r" % dates)
check(rounds("2027-09-06") == [(6, "planned", "daemon", utc(2027, 9, 22))],
      "catch-up round: %r (review counts from the catch-up)" % rounds("2027-09-06"))
err = once(utc(2027, 9, 20, 0, 5))
check(len(rounds()) == 6 and "planned round" not in err, "a second catch-up: %r" % rounds())

# H. A date the organiser cancelled ahead of time is not planned.
execute(db, "INSERT INTO rounds(date, seed, state, origin, created_at, cancelled_at) "
            "VALUES ('2027-10-04', 1, 'cancelled', 'cli', ?, ?)", (utc(2027, 9, 30),) * 2)
err = once(utc(2027, 10, 4, 8, 0, 30))
check("was cancelled by the organiser; not planning another" in err, "planned anyway:\n" + err)
check(len(rounds("2027-10-04")) == 1, "planned a cancelled date: %r" % rounds("2027-10-04"))

# I. Outbox messages due are delivered; one due later waits.
for i, due in enumerate((utc(2027, 10, 1), utc(2027, 10, 2), utc(2028, 1, 1))):
    execute(db, "INSERT INTO outbox(message_id, kind, recipient, subject, text_body, message, "
                "next_attempt_at, created_at) VALUES (?, 'notice', 'a@b.org', 's', 't', x'00', "
                "?, ?)", ("m%d@test" % i, due, due))
err = once(utc(2027, 10, 5))
states = [r[0] for r in query(db, "SELECT state FROM outbox ORDER BY id")]
check(states == ["sent", "sent", "queued"], "outbox after --once: %r\n%s" % (states, err))

print("ok")
