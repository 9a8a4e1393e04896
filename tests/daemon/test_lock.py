#!/usr/bin/python3
"""daemon.lock: one coffeetriald per database. A second instance (loop or
--once) is refused with exit 75 and a message naming the running pid and
the database; -n does not need the lock; a lock left by a killed daemon
does not block the next start; another database is independent. The
database and lock file are created group read-write (0660 less umask)."""

import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import (DAEMON, WAIT, Daemon, NotifySocket, base_env, check, run,  # noqa: E402
                        scratch)

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

# Files the daemon creates are for its group too (the unit sets UMask=0007).
shared = scratch()
p = subprocess.run([DAEMON, "--once"], cwd=shared, env=base_env(), capture_output=True,
                   preexec_fn=lambda: os.umask(0o007), timeout=WAIT)
check(p.returncode == 0, "--once with umask 007: exit %d" % p.returncode)
for name in ("coffeetrial.db", "coffeetrial.db.lock"):
    mode = os.stat(os.path.join(shared, name)).st_mode & 0o777
    check(mode == 0o660, "%s has mode %o, want 660 (group read-write)" % (name, mode))

print("ok")
