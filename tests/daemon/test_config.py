#!/usr/bin/python3
"""daemon.config: coffeetriald with real INI files. SIGHUP with a broken
file logs every problem as FILE:LINE: message and keeps running on the old
configuration; a good file then applies; review_period = 0 sends at once;
an explicit past start catches up its latest occurrence on the first run;
a changed rule counts from now, not as a catch-up; a failing roster refresh
is logged and planning goes on with the last good roster."""

import calendar
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import (Daemon, NotifySocket, check, query, run, run_out,  # noqa: E402
                        scratch)


def utc(y, mo, d, h=0, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def write_ini(path, d, **schedule):
    lines = ["[store]", "path = %s" % os.path.join(d, "coffeetrial.db"),
             "[spool]", "dir = %s" % os.path.join(d, "spool"), "[schedule]"]
    lines += ["%s = %s" % kv for kv in schedule.items()]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# --- SIGHUP: a broken file is refused line by line, a good one applies ---
d = scratch()
ini = os.path.join(d, "coffeetrial.ini")
write_ini(ini, d, rrule="FREQ=MONTHLY;BYDAY=1MO", time="09:00")
rc, out, err = run_out(["-n", "-c", ini], d)
check(rc == 0 and out == "%s: ok\n" % ini, "-n on a good file: %d %r %r" % (rc, out, err))

# A rule the INI reader lets through but the schedule refuses: still FILE:LINE.
bad = os.path.join(d, "byhour.ini")
write_ini(bad, d, time="09:00", rrule="FREQ=DAILY;BYHOUR=9")
rc, out, err = run_out(["-n", "-c", bad], d)
check(rc == 78 and ("coffeetriald: %s:7: [schedule] rrule" % bad) in err,
      "BYHOUR: %d %r" % (rc, err))

ns = NotifySocket(d)
daemon = Daemon(["-c", ini], d, NOTIFY_SOCKET=ns.address,
                COFFEETRIAL_TEST_NOW="2027-01-10T12:00:00Z")
ns.receive("READY=1")
old_status = [l for l in ns.lines() if l.startswith("STATUS=")][-1]
check("next round 2027-02-01 09:00" in old_status, "status: %r" % old_status)

with open(ini, "w") as f:
    f.write("[store]\npath = %s\n[schedule]\nrrule = FREQ=SOMETIMES\ncolour = blue\n"
            % os.path.join(d, "coffeetrial.db"))
ns.messages.clear()
daemon.signal(signal.SIGHUP)
ns.receive("READY=1")
check(ns.lines()[0] == "RELOADING=1", "reload not announced: %r" % ns.messages)
daemon.wait_log("configuration not reloaded; still running on the previous one")
log = daemon.text()
check(re.search(r"^coffeetriald: %s:4: .*rrule" % re.escape(ini), log, re.M),
      "the bad rrule is not named with its line:\n" + log)
check(re.search(r"^coffeetriald: %s:5: .*colour" % re.escape(ini), log, re.M),
      "the unknown key is not named with its line:\n" + log)
check(daemon.alive(), "daemon died on a broken reload")
check(ns.lines()[-1] == old_status, "status changed after a refused reload: %r" % ns.messages)
write_ini(ini, d, rrule="FREQ=WEEKLY;BYDAY=TU", time="10:30")
ns.messages.clear()
daemon.signal(signal.SIGHUP)
ns.receive("READY=1")
daemon.wait_log("configuration reloaded from %s" % re.escape(ini))
status = [l for l in ns.lines() if l.startswith("STATUS=")][-1]
check("next round 2027-01-12 10:30 Europe/London" in status, "new rule not applied: %r" % status)
daemon.signal(signal.SIGTERM)
check(daemon.wait_exit() == 0, "SIGTERM: nonzero exit\n" + daemon.text())

# --- review_period = 0 sends at once; an explicit past start catches up once ---
d = scratch()
db = os.path.join(d, "coffeetrial.db")
ini = os.path.join(d, "coffeetrial.ini")
write_ini(ini, d, rrule="FREQ=MONTHLY;BYDAY=1MO", start="2027-01-01", review_period="0")
rc, err = run(["--once", "-c", ini], d, COFFEETRIAL_TEST_NOW=iso(utc(2027, 3, 10)),
              COFFEETRIAL_TEST_ACTIONS="fake")
check(rc == 0, "--once: %d\n%s" % (rc, err))
rows = query(db, "SELECT date, state FROM rounds ORDER BY id")
check(rows == [("2027-03-01", "sent")], "first run with a past start: %r\n%s" % (rows, err))
check("3 scheduled rounds (2027-01-04 to 2027-03-01) passed" in err, "no catch-up note:\n" + err)

# --- a changed rule counts from now: no round for its past occurrences ---
write_ini(ini, d, rrule="FREQ=WEEKLY;BYDAY=MO", start="2027-01-01", review_period="0")
rc, err = run(["--once", "-c", ini], d, COFFEETRIAL_TEST_NOW=iso(utc(2027, 3, 12)),
              COFFEETRIAL_TEST_ACTIONS="fake")
check(rc == 0 and "schedule changed" in err, "rule change not noticed: %d\n%s" % (rc, err))
check(len(query(db, "SELECT id FROM rounds")) == 1, "a stale round was planned after a rule change")
rc, err = run(["--once", "-c", ini], d, COFFEETRIAL_TEST_NOW=iso(utc(2027, 3, 15, 9, 0, 30)),
              COFFEETRIAL_TEST_ACTIONS="fake")
rows = query(db, "SELECT date, state FROM rounds ORDER BY id")
check(rows[-1] == ("2027-03-15", "sent"), "the new rule's next occurrence: %r\n%s" % (rows, err))

# --- a failed roster refresh is logged; planning goes on ---
with open(ini, "a") as f:
    f.write("[roster]\nsource = %s\n" % os.path.join(d, "fail-roster.csv"))
rc, err = run(["--once", "-c", ini], d, COFFEETRIAL_TEST_NOW=iso(utc(2027, 3, 22, 9, 0, 30)),
              COFFEETRIAL_TEST_ACTIONS="fake")
check("roster refresh from %s failed (keeping the last good roster)"
      % os.path.join(d, "fail-roster.csv") in err, "refresh failure not logged:\n" + err)
rows = query(db, "SELECT date, state FROM rounds ORDER BY id")
check(rows[-1] == ("2027-03-22", "sent"), "planning stopped on a failed refresh: %r" % rows)

print("ok")
