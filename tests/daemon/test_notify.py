#!/usr/bin/python3
"""daemon.notify: the systemd notify protocol on a test NOTIFY_SOCKET:
STATUS= starting with the transport and the database (whole, however long),
READY=1 with a STATUS= a person can read, WATCHDOG=1 at half of
WATCHDOG_USEC, also while a long delivery run keeps the loop busy,
STOPPING=1 and exit 0 on SIGTERM; an abstract socket ("@name") works; a
watchdog meant for another pid is left alone."""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import (WAIT, Daemon, NotifySocket, check, execute, run,  # noqa: E402
                        scratch)

d = scratch()
ns = NotifySocket(d)
daemon = Daemon([], d, NOTIFY_SOCKET=ns.address, WATCHDOG_USEC=200000,
                COFFEETRIAL_TEST_NOW="2027-01-10T12:00:00Z")
ns.receive("READY=1")
status = [l for l in ns.lines() if l.startswith("STATUS=")]
check(status, "no STATUS= line: %r" % ns.messages)
real = os.path.realpath(d)
check(status[-1] == "STATUS=spool to %s/spool, database %s/coffeetrial.db; " % (real, real) +
      "next round 2027-02-01 09:00 Europe/London, 0 messages queued",
      "unexpected status %r" % status[-1])
# Under systemd, a spool transport is worth a warning: the mail goes nowhere.
daemon.wait_log(r"^coffeetriald: warning: transport is spool: invitations are written to "
                + re.escape(real) + "/spool, not mailed$")

# WATCHDOG=1 keeps coming while the daemon idles (every 100 ms here).
deadline = time.monotonic() + WAIT
while ns.lines().count("WATCHDOG=1") < 3 and time.monotonic() < deadline:
    ns.drain(0.2)
check(ns.lines().count("WATCHDOG=1") >= 3, "too few WATCHDOG=1: %r" % ns.messages[-5:])

daemon.signal(signal.SIGTERM)
ns.receive("STOPPING=1")
rc = daemon.wait_exit()
check(rc == 0, "SIGTERM: exit %d\n%s" % (rc, daemon.text()))
ns.close()

# Abstract socket; WATCHDOG_PID names another process, so no pings.
d2 = scratch()
ns = NotifySocket(d2, abstract=True)
daemon = Daemon([], d2, NOTIFY_SOCKET=ns.address, WATCHDOG_USEC=100000, WATCHDOG_PID=1)
ns.receive("READY=1")
ns.drain(1.0)
check("WATCHDOG=1" not in ns.lines(), "pinged a watchdog meant for pid 1")
daemon.signal(signal.SIGINT)
ns.receive("STOPPING=1")
rc = daemon.wait_exit()
check(rc == 0, "SIGINT: exit %d\n%s" % (rc, daemon.text()))

# STATUS= names the spool and the database in full, however long the paths
# (relative ones are shown made absolute against the working directory).
d4 = scratch()
deep = os.path.join(d4, *["a-rather-long-directory-name-%02d" % i for i in range(12)])
os.makedirs(deep)
ns = NotifySocket(d4)
daemon = Daemon([], deep, NOTIFY_SOCKET=ns.address, INVOCATION_ID="0123abcd")
ns.receive("READY=1")
status = [l for l in ns.lines() if l.startswith("STATUS=")]
real = os.path.realpath(deep)
want = "STATUS=spool to %s/spool, database %s/coffeetrial.db; next round " % (real, real)
check(len(want) > 800 and status and status[-1].startswith(want) and
      status[-1].endswith(", 0 messages queued"), "long status cut or wrong: %r" % status)
daemon.signal(signal.SIGTERM)
check(daemon.wait_exit() == 0, "SIGTERM: nonzero exit")
ns.close()

# A delivery run of 6 x 300 ms: the watchdog is fed between messages, so
# WATCHDOG=1 arrives before the STATUS= that follows the run.
d3 = scratch()
db = os.path.join(d3, "coffeetrial.db")
rc, err = run(["--once"], d3)
check(rc == 0, "--once: exit %d\n%s" % (rc, err))
for i in range(6):
    execute(db, "INSERT INTO outbox(message_id, kind, recipient, subject, text_body, message, "
                "next_attempt_at, created_at) VALUES (?, 'notice', 'a@b.org', 's', 't', x'00', "
                "0, 0)", ("m%d@test" % i,))
ns = NotifySocket(d3)
daemon = Daemon([], d3, NOTIFY_SOCKET=ns.address, WATCHDOG_USEC=200000,
                COFFEETRIAL_TEST_ACTIONS="fake", COFFEETRIAL_TEST_SEND_MS=300)
ns.receive("READY=1")
daemon.wait_log(r"stand-in delivery of outbox message 6$")
deadline = time.monotonic() + WAIT
while not any(m.startswith("STATUS=") for m in ns.messages[1:]) and time.monotonic() < deadline:
    ns.drain(0.2)
after_ready = ns.messages[1:]
first_status = next(i for i, m in enumerate(after_ready) if m.startswith("STATUS="))
during = after_ready[:first_status].count("WATCHDOG=1")
check(during >= 3, "only %d WATCHDOG=1 during a 1.8 s delivery run: %r" % (during, ns.messages))
check(after_ready[first_status].endswith(", 0 messages queued"),
      "status after the run: %r" % after_ready[first_status])
daemon.signal(signal.SIGTERM)
check(daemon.wait_exit() == 0, "SIGTERM: nonzero exit")

print("ok")
