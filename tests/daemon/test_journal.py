#!/usr/bin/python3
"""daemon.journal: with JOURNAL_STREAM naming its stderr, every log line
starts with a syslog priority prefix (<3> error, <4> warning, <6> info,
<7> debug with -v) and no program name; with a JOURNAL_STREAM that names
another stream, lines are plain "coffeetriald: ...". [log] level = warning
keeps only <3> and <4> lines, debug adds <7> without -v, and -v forces
debug. The first info line names the version, network, database,
transport and proxy; a spool transport under systemd (INVOCATION_ID) is a
warning, another transport is not."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import DAEMON, base_env, check, scratch  # noqa: E402

VERSION = subprocess.run([DAEMON, "--version"], capture_output=True, text=True).stdout.split()[1]

d = scratch()


def run_logged(args, journal_stream=None, **extra):
    path = os.path.join(d, "stderr.log")
    with open(path, "w") as f:
        st = os.fstat(f.fileno())
        stream = journal_stream or "%d:%d" % (st.st_dev, st.st_ino)
        env = base_env(JOURNAL_STREAM=stream, COFFEETRIAL_TEST_ACTIONS="fake",
                       COFFEETRIAL_TEST_NOW="2027-02-01T09:00:10Z", **extra)
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

# The start line: what runs where (relative paths made absolute).
real = os.path.realpath(d)
starts = [l for l in lines if " started" in l]
check(len(starts) == 1 and starts[0].startswith(
    "coffeetriald: coffeetriald %s started for one pass (--once): network 'Coffee Trial', "
    "database %s/coffeetrial.db, transport spool (%s/spool), proxy none; rounds "
    % (VERSION, real, real)), "start line: %r" % starts)
check(not any("transport is spool" in l for l in lines), "spool warning outside systemd: %r" % lines)


def write_ini(text):
    with open(os.path.join(d, "test.ini"), "w") as f:
        f.write("[store]\npath = coffeetrial.db\n" + text)


# [log] level = warning: errors and warnings only; the spool warning under systemd.
write_ini("[log]\nlevel = warning\n")
rc, lines = run_logged(["--once", "-c", "test.ini"], INVOCATION_ID="4f1c")
check(rc == 0 and lines, "--once at warning: exit %d: %r" % (rc, lines))
check(all(l[:3] in ("<3>", "<4>") for l in lines), "info or debug at warning: %r" % lines)
check("<4>transport is spool: invitations are written to %s/spool, not mailed" % real in lines,
      "no spool warning under systemd: %r" % lines)
# -v forces debug whatever the file says.
rc, lines = run_logged(["--once", "-v", "-c", "test.ini"])
check(rc == 0 and {"<6>", "<7>"} <= {l[:3] for l in lines}, "-v at warning: %r" % lines)
# debug without -v.
write_ini("[log]\nlevel = debug\n")
rc, lines = run_logged(["--once", "-c", "test.ini"])
check(rc == 0 and "<7>" in {l[:3] for l in lines}, "no debug at level debug: %r" % lines)
# info (the default): no debug.
write_ini("[log]\nlevel = info\n")
rc, lines = run_logged(["--once", "-c", "test.ini"])
check(rc == 0 and "<6>" in {l[:3] for l in lines} and "<7>" not in {l[:3] for l in lines},
      "level info: %r" % lines)

# smtp and a proxy URL: both in the start line, and no spool warning.
write_ini("[transport]\nkind = smtp\nproxy = socks5h://127.0.0.1:1080\n"
          "[smtp]\nurl = smtps://mail.example.org:465\n")
rc, lines = run_logged(["--once", "-c", "test.ini"], INVOCATION_ID="4f1c")
starts = [l for l in lines if " started" in l]
check(rc == 0 and len(starts) == 1 and
      ", transport smtp (smtps://mail.example.org:465), proxy socks5h://127.0.0.1:1080; " in
      starts[0], "smtp start line: %r" % lines)
check(not any("transport is spool" in l for l in lines), "spool warning for smtp: %r" % lines)

print("ok")
