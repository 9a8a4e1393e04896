"""daemontest.py: what the coffeetriald integration tests share: a scratch
directory, the real daemon binary started and always stopped, a systemd
notify socket to listen on, and the database read with Python's sqlite3.

Everything is bounded in time: every wait has a deadline, and every process
a test starts is killed when the test ends, however it ends."""

import atexit
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

DAEMON = os.environ["CT_DAEMON"]
WAIT = 20.0  # seconds: generous for the sanitizer build, never a timing assertion

_procs = []
_dirs = []


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    for d in _dirs:
        if os.environ.get("CT_KEEP"):
            print("# kept %s" % d, file=sys.stderr)
        else:
            shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def scratch():
    d = tempfile.mkdtemp(prefix="ct-daemon-")
    _dirs.append(d)
    return d


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def base_env(**extra):
    env = dict(os.environ)
    for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "INVOCATION_ID",
              "COFFEETRIAL_TEST_NOW", "COFFEETRIAL_TEST_ACTIONS", "COFFEETRIAL_TEST_SEND_MS"):
        env.pop(k, None)
    env["COFFEETRIAL_CONFIG"] = ""
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(args, cwd, timeout=WAIT, **env):
    """Run coffeetriald to completion; returns (exit code, stderr)."""
    return run_out(args, cwd, timeout, **env)[::2]


def run_out(args, cwd, timeout=WAIT, **env):
    """Run coffeetriald to completion; returns (exit code, stdout, stderr)."""
    p = subprocess.run([DAEMON] + args, cwd=cwd, env=base_env(**env), capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class Daemon:
    """A coffeetriald running in the background, its stderr in a file."""

    def __init__(self, args, cwd, journal=False, **env):
        """journal: set JOURNAL_STREAM to the log file, so lines carry <N> priorities."""
        self.log_path = os.path.join(cwd, "daemon-%d.log" % len(_procs))
        self.log = open(self.log_path, "w")
        if journal:
            st = os.fstat(self.log.fileno())
            env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        self.proc = subprocess.Popen([DAEMON] + args, cwd=cwd, env=base_env(**env),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.log)
        _procs.append(self.proc)

    @property
    def pid(self):
        return self.proc.pid

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, pattern, timeout=WAIT):
        """Wait until the log matches pattern; returns the match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.text(), re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                m = re.search(pattern, self.text(), re.M)
                if m:
                    return m
                fail("daemon exited (%s) before logging /%s/:\n%s"
                     % (self.proc.returncode, pattern, self.text()))
            time.sleep(0.05)
        fail("no /%s/ in the log within %ss:\n%s" % (pattern, timeout, self.text()))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=WAIT):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            fail("daemon did not exit within %ss:\n%s" % (timeout, self.text()))

    def alive(self):
        return self.proc.poll() is None


class NotifySocket:
    """A unix datagram socket standing in for systemd's $NOTIFY_SOCKET."""

    def __init__(self, directory, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "ct-notify-%d-%d" % (os.getpid(), time.monotonic_ns())
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = tempfile.mktemp(prefix="notify-", suffix=".sock", dir=directory)
            self.sock.bind(self.address)
        self.messages = []

    def receive(self, until, timeout=WAIT):
        """Collect datagrams until one contains the line `until`; returns all so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, m in enumerate(self.messages):
                if until in m.split("\n"):
                    return self.messages
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                break
            self.messages.append(data.decode())
        fail("no %r notification within %ss; got %r" % (until, timeout, self.messages))

    def drain(self, seconds):
        """Collect whatever arrives during the next seconds."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return self.messages
            self.sock.settimeout(left)
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                return self.messages

    def lines(self):
        return [l for m in self.messages for l in m.split("\n")]

    def close(self):
        self.sock.close()


def query(db, sql, params=()):
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def execute(db, sql, params=()):
    con = sqlite3.connect(db, timeout=10)
    try:
        con.execute(sql, params)
        con.commit()
    finally:
        con.close()
