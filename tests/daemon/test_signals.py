#!/usr/bin/python3
"""daemon.signals: SIGTERM finishes the message in flight and exits 0,
leaving the rest queued and nothing half-sent; SIGHUP reloads with
RELOADING=1 then READY=1 and keeps serving; SIGINT exits 0. A reload
applies [log] level (warning -> debug -> warning), and a configuration that
does not load keeps the level in use."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import Daemon, NotifySocket, check, execute, query, run, scratch  # noqa: E402

d = scratch()
db = os.path.join(d, "coffeetrial.db")

# Create the database, then queue five messages that are due.
rc, err = run(["--once"], d, COFFEETRIAL_TEST_ACTIONS="fake")
check(rc == 0, "--once: exit %d\n%s" % (rc, err))
for i in range(5):
    execute(db, "INSERT INTO outbox(message_id, kind, recipient, subject, text_body, message, "
                "next_attempt_at, created_at) VALUES (?, 'notice', 'a@b.org', 's', 't', x'00', "
                "0, 0)", ("m%d@test" % i,))

# Each delivery takes 400 ms; stop the daemon during the second one.
ns = NotifySocket(d)
daemon = Daemon([], d, NOTIFY_SOCKET=ns.address, COFFEETRIAL_TEST_ACTIONS="fake",
                COFFEETRIAL_TEST_SEND_MS=400)
daemon.wait_log(r"stand-in delivery of outbox message 1$")
daemon.signal(signal.SIGTERM)
rc = daemon.wait_exit()
check(rc == 0, "SIGTERM during delivery: exit %d\n%s" % (rc, daemon.text()))
ns.drain(0.2)
check("STOPPING=1" in ns.lines(), "no STOPPING=1: %r" % ns.messages)
states = [r[0] for r in query(db, "SELECT state FROM outbox ORDER BY id")]
check("sending" not in states, "a message was left half-sent: %r" % states)
check(1 <= states.count("sent") < 5 and states.count("queued") >= 1,
      "SIGTERM did not stop after the message in flight: %r" % states)
ns.close()

# SIGHUP: RELOADING=1, then READY=1 with a status; the daemon keeps going.
# The real actions run from here: empty the outbox first, so no delivery
# (and its status update) can come between READY and the reload.
execute(db, "DELETE FROM outbox")
ns = NotifySocket(d)
daemon = Daemon([], d, NOTIFY_SOCKET=ns.address)
ns.receive("READY=1")
ns.messages.clear()
daemon.signal(signal.SIGHUP)
ns.receive("READY=1")
lines = ns.lines()
check(lines[0] == "RELOADING=1" and any(l.startswith("MONOTONIC_USEC=") for l in lines),
      "reload not announced first: %r" % ns.messages)
check(any(l.startswith("STATUS=spool to ") and "; next round " in l for l in lines),
      "no status after reload: %r" % lines)
daemon.wait_log("configuration reloaded from built-in defaults")
check(daemon.alive(), "daemon died on SIGHUP")
rc, err = run(["--once"], d)
check(rc == 75, "lock lost after reload: --once exit %d" % rc)
daemon.signal(signal.SIGHUP)
daemon.wait_log("(?s)reloaded.*reloaded")
daemon.signal(signal.SIGINT)
check(daemon.wait_exit() == 0, "SIGINT: nonzero exit\n" + daemon.text())

# [log] level through SIGHUP, in journal format (<6> info, <7> debug).
ini = os.path.join(d, "test.ini")


def write_level(level):
    with open(ini, "w") as f:
        f.write("[store]\npath = coffeetrial.db\n[log]\nlevel = %s\n" % level)


def reload_and_wait(ns):
    ns.messages.clear()
    daemon.signal(signal.SIGHUP)
    ns.receive("READY=1")


def priorities(text):
    return {l[:3] for l in text.splitlines()}


write_level("warning")
ns = NotifySocket(d)
daemon = Daemon(["-c", ini], d, journal=True, NOTIFY_SOCKET=ns.address)
ns.receive("READY=1")
ns.drain(0.3)
check(priorities(daemon.text()) <= {"<3>", "<4>"}, "info at warning:\n" + daemon.text())
write_level("debug")
reload_and_wait(ns)
daemon.wait_log(r"^<7>sleeping \d+ ms$")
check(daemon.alive(), "daemon died on SIGHUP")
# A bad level: not reloaded, still at debug.
write_level("loud")
reload_and_wait(ns)
daemon.wait_log(r"^<3>.*test\.ini:\d+: \[log\] level = loud: must be warning, info or debug$")
# The status published after the failed reload is still a debug line.
daemon.wait_log(r"(?s)configuration not reloaded[^\n]*\n.*^<7>status: ")
# Back to warning: nothing below <4> after the reload is done.
write_level("warning")
reload_and_wait(ns)
mark = len(daemon.text())
ns.drain(0.5)
daemon.signal(signal.SIGHUP)  # another reload, whose own info lines must not show
ns.receive("READY=1")
ns.drain(0.3)
check(priorities(daemon.text()[mark:]) <= {"<3>", "<4>"},
      "info or debug after going back to warning:\n" + daemon.text()[mark:])
daemon.signal(signal.SIGTERM)
check(daemon.wait_exit() == 0, "SIGTERM: nonzero exit\n" + daemon.text())
ns.close()

print("ok")
