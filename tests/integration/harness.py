"""harness.py: what the outbox and transport integration tests share.

A temporary directory per test run, a test certificate made on the spot,
test servers started on 127.0.0.1 (port read from their first stdout line)
and always stopped, invitation-like messages built with Python's email
package and queued through the library, flushes, and the outbox as
`coffeetrial outbox --format json` reports it.

Flushes and listings go through the real CLI with a test.ini written for
each run (`coffeetrial -c test.ini outbox flush`).
"""
import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid

CT_BIN = os.environ["CT_BIN"]
CT_SRC = os.environ["CT_SRC"]
CT_TOOL = os.environ.get("CT_OUTBOX_TOOL")  # only the outbox tests queue messages
PYTHON = os.environ.get("CT_PYTHON", "/usr/bin/python3")
SERVERS = os.path.join(CT_SRC, "tests", "servers")

FAILURES = []


def check(cond, what):
    """Record a failed expectation (and go on, so one run shows them all)."""
    if cond:
        print("ok   - %s" % what)
    else:
        print("FAIL - %s" % what)
        FAILURES.append(what)
    return cond


def finish():
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


class Server:
    """A test server process; its port is the first line it prints."""

    def __init__(self, script, *args, stderr_path=None):
        self.stderr = open(stderr_path or os.devnull, "wb")
        self.proc = subprocess.Popen([PYTHON, os.path.join(SERVERS, script)] + list(args),
                                     stdout=subprocess.PIPE, stderr=self.stderr)
        _RUNNING.append(self)
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        line = self.proc.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError("%s did not start (see %s)" % (script, stderr_path))
        self.port = int(line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        if self in _RUNNING:
            _RUNNING.remove(self)


_RUNNING = []


@atexit.register
def _stop_all():
    for s in list(_RUNNING):
        s.stop()


class Env:
    """One test directory with its database and configuration."""

    def __init__(self, name):
        self.dir = tempfile.mkdtemp(prefix="ct-%s-" % name)
        if not os.environ.get("CT_KEEP"):
            atexit.register(shutil.rmtree, self.dir, True)
        self.db = os.path.join(self.dir, "coffeetrial.db")
        self.ini = os.path.join(self.dir, "test.ini")
        self.organiser = "organiser@coffeetrial.test"
        self.write_ini({})

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def make_cert(self):
        """A self-signed certificate for localhost and 127.0.0.1."""
        cert, key = self.path("cert.pem"), self.path("key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return cert, key

    def write_secret(self, name, value):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(value + "\n")
        os.chmod(p, 0o600)
        return p

    def message(self, rcpt, subject="Coffee this month", uid="group-1@coffeetrial.test"):
        """An invitation-shaped message (text, html, calendar) to rcpt."""
        msg = EmailMessage()
        msg["From"] = "Coffee Trial <%s>" % self.organiser
        msg["To"] = rcpt
        msg["Subject"] = subject
        msg["Date"] = format_datetime(__import__("datetime").datetime.now().astimezone())
        msg["Message-ID"] = make_msgid(domain="coffeetrial.test")
        msg.set_content("Hello, your partner this month is someone new.\n"
                        ".a line starting with a dot\n")
        msg.add_alternative("<p>Hello</p>", subtype="html")
        ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
               "BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20261207T090000Z\r\n"
               "DTSTART:20261209T100000Z\r\nDTEND:20261209T103000Z\r\n"
               "SUMMARY:Coffee\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" % uid)
        msg.add_attachment(ics.encode(), maintype="text", subtype="calendar",
                           filename="invite.ics", params={"method": "REQUEST"})
        return msg

    def enqueue(self, rcpt, **kw):
        """Queue one message through ct_store_outbox_enqueue; returns its Message-ID."""
        msg = self.message(rcpt, **kw)
        raw = msg.as_bytes(policy=policy.SMTP)
        mid = msg["Message-ID"].strip("<>")
        p = self.path("queue-%s.eml" % mid.split("@")[0])
        with open(p, "wb") as f:
            f.write(raw)
        subprocess.run([CT_TOOL, self.db, "enqueue", mid, rcpt, p, "request",
                        str(msg["Subject"]), "REQUEST"], check=True)
        return mid

    def seed(self, n, domain):
        subprocess.run([CT_TOOL, self.db, "seed", str(n), domain], check=True)

    def write_ini(self, settings):
        sections = {}
        for key, value in settings.items():
            sec, _, k = key.partition(".")
            sections.setdefault(sec, {})[k] = value
        sections.setdefault("store", {})["path"] = self.db
        sections.setdefault("network", {}).setdefault("organiser_email", self.organiser)
        with open(self.ini, "w") as f:
            for sec, kv in sections.items():
                f.write("[%s]\n" % sec)
                for k, v in kv.items():
                    f.write("%s = %s\n" % (k, v))
                f.write("\n")

    def flush_command(self, settings):
        """The command line of a flush with these settings (written to test.ini)."""
        settings = dict(settings)
        settings.setdefault("network.organiser_email", self.organiser)
        self.write_ini(settings)
        return [CT_BIN, "-c", self.ini, "outbox", "flush"]

    def flush(self, settings, now=None, timeout=120):
        """Run a flush; returns (exit code, stdout, stderr)."""
        env = dict(os.environ)
        if now is not None:
            env["COFFEETRIAL_TEST_NOW"] = str(int(now))
        r = subprocess.run(self.flush_command(settings), capture_output=True, text=True,
                           env=env, timeout=timeout, cwd=self.dir)
        print("# flush exit %d: %s %s" % (r.returncode, r.stdout.strip(), r.stderr.strip()))
        return r.returncode, r.stdout, r.stderr

    def cli(self, *args, now=None):
        """Run coffeetrial -c test.ini in the test directory."""
        env = dict(os.environ)
        env.pop("COFFEETRIAL_CONFIG", None)
        if now is not None:
            env["COFFEETRIAL_TEST_NOW"] = str(int(now))
        return subprocess.run([CT_BIN, "-c", self.ini] + list(args), capture_output=True, text=True, env=env,
                              cwd=self.dir, timeout=60)

    def outbox(self):
        """The outbox as `coffeetrial outbox --format json` shows it."""
        r = self.cli("outbox", "--format", "json")
        if r.returncode != 0:
            raise RuntimeError("outbox failed: " + r.stderr)
        return json.loads(r.stdout)

    def by_recipient(self):
        return {m["recipient"]: m for m in self.outbox()["messages"]}


def parse_mail(path):
    with open(path, "rb") as f:
        return BytesParser(policy=policy.default).parse(f)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_log(path):
    """The SMTP server's --log: one dict per accepted message (none yet: [])."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        # A last line without its newline is still being written.
        return [json.loads(line) for line in f if line.endswith("\n") and line.strip()]


def iso_to_unix(s):
    import calendar
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
