#!/usr/bin/python3
"""daemon.lock: one coffeetriald per database. A second instance (loop or
--once) is refused with exit 75 and a message naming the running pid and
the database; -n does not need the lock; a lock left by a killed daemon
does not block the next start; another database is independent."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import Daemon, NotifySocket, check, run, scratch  # noqa: E402

d = scratch()
ns = NotifySocket(d)
first = Daemon([], d, NOTIFY_SOCKET=ns.address)
ns.receive("READY=1")

want = "coffeetriald: another instance (pid %d) is using coffeetrial.db" % first.pid
for args in ([], ["--once"]):
    rc, err = run(args, d)
    check(rc == 75, "second instance %r: exit %d, want 75\n%s" % (args, rc, err))
    check(want in err, "refusal does not name the running pid: want %r in\n%s" % (want, err))
check(first.alive(), "the first instance died")

rc, err = run(["-n"], d)
check(rc == 0, "-n refused while the daemon runs: %d\n%s" % (rc, err))

# Another database next to it is another instance's business.
other = scratch()
rc, err = run(["--once"], other)
check(rc == 0, "--once on another database: exit %d\n%s" % (rc, err))

# SIGKILL leaves the lock file behind, but not the lock.
first.signal(signal.SIGKILL)
first.wait_exit()
check(os.path.exists(os.path.join(d, "coffeetrial.db.lock")), "no lock file beside the database")
rc, err = run(["--once"], d)
check(rc == 0, "start after a killed instance: exit %d\n%s" % (rc, err))

print("ok")
