#!/usr/bin/python3
"""daemon.journal: with JOURNAL_STREAM naming its stderr, every log line
starts with a syslog priority prefix (<3> error, <4> warning, <6> info,
<7> debug with -v) and no program name; with a JOURNAL_STREAM that names
another stream, lines are plain "coffeetriald: ..."."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import DAEMON, base_env, check, scratch  # noqa: E402

d = scratch()


def run_logged(args, journal_stream=None):
    path = os.path.join(d, "stderr.log")
    with open(path, "w") as f:
        st = os.fstat(f.fileno())
        stream = journal_stream or "%d:%d" % (st.st_dev, st.st_ino)
        env = base_env(JOURNAL_STREAM=stream, COFFEETRIAL_TEST_ACTIONS="fake",
                       COFFEETRIAL_TEST_NOW="2027-02-01T09:00:10Z")
        rc = subprocess.run([DAEMON] + args, cwd=d, env=env, stderr=f, stdout=subprocess.DEVNULL,
                            timeout=20).returncode
    with open(path) as f:
        return rc, f.read().splitlines()


# A first run is planned at 2027-03-01; --once -v logs warnings, info and debug lines.
rc, lines = run_logged(["--once", "-v"])
check(rc == 0, "--once: exit %d: %r" % (rc, lines))
check(lines and all(re.match(r"<[3467]>\S", l) for l in lines), "unprefixed lines: %r" % lines)
prefixes = {l[:3] for l in lines}
check({"<4>", "<6>", "<7>"} <= prefixes, "missing priorities: %r" % sorted(prefixes))
check(not any("coffeetriald:" in l for l in lines), "program name in journal lines: %r" % lines)
check(any(l.startswith("<4>test build: using stand-in actions") for l in lines),
      "warning not at priority 4: %r" % lines)

rc, lines = run_logged(["-n", "-c", "missing.ini"])
check(rc == 66 and lines and lines[0].startswith("<3>missing.ini:"), "error line: %r" % lines)

# JOURNAL_STREAM for some other stream (inherited by accident): plain lines.
rc, lines = run_logged(["--once"], journal_stream="1:1")
check(rc == 0 and lines and all(l.startswith("coffeetriald: ") for l in lines),
      "plain lines expected: %r" % lines)

print("ok")
