#!/usr/bin/python3
"""daemon.check: coffeetriald's options and -n/--check: a good configuration
exits 0 and says "ok" on stdout, as `coffeetrial config check` does; a
missing file 66, a bad one 78 with every problem named; usage errors exit
64; and an error about a hostile file name stays on one line."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import check, run, run_out, scratch  # noqa: E402

d = scratch()

# No file anywhere: the built-in defaults are a valid configuration.
rc, out, err = run_out(["-n"], d)
check(rc == 0, "-n on the defaults: exit %d\n%s" % (rc, err))
check(out == "built-in defaults (no configuration file): ok\n", "-n said %r" % out)
check(err == "", "-n on a good configuration printed problems:\n" + err)
rc, err = run(["--check"], d)
check(rc == 0, "--check on the defaults: exit %d" % rc)
check(not os.path.exists(os.path.join(d, "coffeetrial.db")), "-n created the database")

# A named file that does not exist: EX_NOINPUT, naming it.
rc, err = run(["-n", "-c", "missing.ini"], d)
check(rc == 66, "-n -c missing.ini: exit %d, want 66\n%s" % (rc, err))
check("missing.ini" in err, "the missing file is not named:\n" + err)
rc, err = run(["-n"], d, COFFEETRIAL_CONFIG=os.path.join(d, "also-missing.ini"))
check(rc == 66 and "also-missing.ini" in err, "$COFFEETRIAL_CONFIG not honoured: %d\n%s" % (rc, err))

# A bad file: EX_CONFIG, every problem as FILE...: message.
bad = os.path.join(d, "bad.ini")
with open(bad, "w") as f:
    f.write("[schedule]\nrrule = FREQ=SOMETIMES\n[no_such_section]\nkey = 1\n")
rc, err = run(["-n", "-c", bad], d)
check(rc == 78, "-n with a bad file: exit %d, want 78\n%s" % (rc, err))
check(("coffeetriald: %s:" % bad) in err, "problems are not named FILE: ...:\n" + err)

# Usage.
rc, err = run(["--no-such-option"], d)
check(rc == 64 and "usage: coffeetriald" in err, "bad option: exit %d\n%s" % (rc, err))
rc, err = run(["-n", "extra"], d)
check(rc == 64, "extra argument: exit %d" % rc)
rc, err = run(["-h"], d)
check(rc == 0, "-h: exit %d" % rc)
rc, err = run(["--version"], d)
check(rc == 0, "--version: exit %d" % rc)

# One event, one line: a newline in a file name is escaped, not obeyed.
rc, err = run(["-n", "-c", "evil\nforged line"], d)
check(rc == 66, "hostile name: exit %d" % rc)
lines = err.splitlines()
check(len(lines) == 1, "one error became %d lines: %r" % (len(lines), err))
check("evil\\nforged line" in lines[0], "the newline is not escaped: %r" % err)

print("ok")
