#!/usr/bin/python3
"""daemon.messages: coffeetriald's lifecycle messages job with its real
actions, [messages] welcome = yes and reminder_before = 3d: --once three
days before the schedule's next round queues one welcome and one reminder
to every active member (text and HTML), and a second --once (a restart)
queues nothing more. With [messages] all off the job says so and queues
nothing."""

import calendar
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import base_env, check, query, run, scratch  # noqa: E402

CLI = os.environ["CT_BIN"]
ROSTER = os.path.join(os.environ["CT_SRC"], "conf", "roster.example.csv")


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def once(d, when, ini):
    rc, err = run(["--once", "-v", "-c", ini], d, COFFEETRIAL_TEST_NOW=iso(when))
    check(rc == 0, "--once at %s: exit %d\n%s" % (iso(when), rc, err))
    return err


d = scratch()
db = os.path.join(d, "coffeetrial.db")
p = subprocess.run([CLI, "roster", "import", ROSTER], cwd=d,
                   env=base_env(COFFEETRIAL_TEST_NOW="2027-01-20T10:00:00Z"),
                   capture_output=True, text=True, timeout=60)
check(p.returncode == 0, "roster import: %s" % p.stderr)
active = query(db, "SELECT count(*) FROM members WHERE status = 'active'")[0][0]

off = os.path.join(d, "off.ini")
with open(off, "w") as f:
    f.write("[schedule]\nstart = 2027-01-20\n")
err = once(d, calendar.timegm((2027, 1, 29, 12, 0, 0)), off)
check("messages job off" in err, "the job says it is off:\n" + err)
check(query(db, "SELECT count(*) FROM outbox WHERE kind = 'notice'") == [(0,)], "off: nothing")

on = os.path.join(d, "on.ini")
with open(on, "w") as f:
    f.write("[schedule]\nstart = 2027-01-20\n[messages]\nwelcome = yes\nreminder_before = 3d\n")
err = once(d, calendar.timegm((2027, 1, 29, 12, 0, 0)), on)
check("lifecycle messages queued: %d welcomes, %d reminders, 0 check-ins" % (active, active)
      in err, "the run is logged:\n" + err)
rows = query(db, "SELECT count(*), count(DISTINCT recipient), sum(html_body LIKE '%viewport%')"
                 " FROM outbox WHERE kind = 'notice'")
check(rows == [(2 * active, active, 2 * active)], "a welcome and a reminder each: %r" % rows)
check(query(db, "SELECT count(*) FROM outbox WHERE subject LIKE '%a new round on 2027-02-01'")
      == [(active,)], "the reminder names the round's date")

# A restart and another pass: nothing twice.
err = once(d, calendar.timegm((2027, 1, 29, 12, 30, 0)), on)
check("lifecycle messages queued" not in err, "a second pass queued more:\n" + err)
check(query(db, "SELECT count(*) FROM outbox WHERE kind = 'notice'") == [(2 * active,)],
      "nothing queued twice")
print("ok")
