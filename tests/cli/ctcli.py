"""ctcli.py: what the Python CLI tests share: the real coffeetrial binary
(CT_BIN) run in a scratch directory at a pinned time, with failures
collected and reported at the end.

    cli = ctcli.Cli("ct-name-", "2027-03-01T08:00:00Z")
    cli.ok("roster", "import", roster)   # exit 0 or the test ends
    cli.check(cond, "what went wrong")
    cli.finish()                         # removes the directory, exits 0 or 1
"""
import os
import shutil
import subprocess
import sys
import tempfile


class Cli:
    def __init__(self, prefix, now):
        self.bin = os.environ["CT_BIN"]
        self.now = now
        self.failures = []
        self.tmp = tempfile.mkdtemp(prefix=prefix)

    def check(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL: " + what, file=sys.stderr)
        return cond

    def finish(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.failures:
            print("%d failure(s)" % len(self.failures), file=sys.stderr)
            sys.exit(1)
        print("ok")
        sys.exit(0)

    def run(self, *args):
        env = dict(os.environ)
        env["COFFEETRIAL_CONFIG"] = ""
        env["COFFEETRIAL_TEST_NOW"] = self.now
        return subprocess.run([self.bin] + list(args), cwd=self.tmp, env=env,
                              capture_output=True, text=True, timeout=120)

    def ok(self, *args):
        r = self.run(*args)
        if not self.check(r.returncode == 0, "coffeetrial %s: exit %d\n%s%s"
                          % (" ".join(args), r.returncode, r.stdout, r.stderr)):
            self.finish()
        return r

    def spool(self):
        """The names of the files in the spool directory (an empty set before any)."""
        d = os.path.join(self.tmp, "spool")
        return set(os.listdir(d)) if os.path.isdir(d) else set()
