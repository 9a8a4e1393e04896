#!/usr/bin/python3
"""daemon.soak: coffeetriald runs a dozen rounds by itself against a real
SMTP server (aiosmtpd) that is restarted twice mid-run, and nothing is lost,
nothing is sent twice, and neither memory nor file descriptors grow.

The daemon is the real one with its real actions on the example roster.
The test build's clock runs fast (COFFEETRIAL_TEST_CLOCK_RATE): with
`FREQ=DAILY;COUNT=12` a day passes every DAY_SECONDS real seconds, so
a round is planned, reviewed for an hour and sent every few seconds, and
the twelve cross the change to summer time. The server saves each message
only after a short delay, so the run has deliveries in flight; each restart
stops it in the middle of one round's deliveries (the messages not yet
accepted must be sent again) and keeps it down for a while (the outbox
retries and waits). The server stops on SIGTERM, which it handles between
two steps of its event loop: a message it saved has had its 250 written.

At the end, with every round sent and the outbox empty:
- every outbox message is 'sent', and the server received each Message-ID
  exactly once, and none it was not meant to;
- resident memory at the end is within RSS_SLACK_KB of what it was after
  WARM_ROUNDS rounds (a leak per message or per round would show: each
  round handles some forty messages of 15 kB and a plan; the sanitizer
  build's leak checker sees smaller leaks when the daemon exits);
- the daemon holds the same file descriptors as after WARM_ROUNDS rounds,
  and never held more than a few more during the run (/proc/PID/fd);
- SIGTERM stops it with exit 0.

Bounded: the whole run takes about a minute and a half, every wait has a
deadline, and both processes are always stopped."""

import calendar
from collections import Counter
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from daemontest import Daemon, base_env, check, query, scratch  # noqa: E402
from harness import Server, read_log  # noqa: E402

CLI = os.environ["CT_BIN"]
SRC = os.environ["CT_SRC"]
ROSTER = os.path.join(SRC, "conf", "roster.example.csv")

ROUNDS = 12
DAY_SECONDS = 5.0  # real seconds per day of the daemon's clock
RATE = int(86400 / DAY_SECONDS)
DOWN_SECONDS = 2.5  # each restart keeps the server down this long (about 12 hours)
RESTART_AFTER = (3, 8)  # restart during the deliveries of these rounds
ACCEPT_DELAY = 0.02  # seconds the server takes over each message
DEADLINE = 240.0  # the whole run, even on the sanitizer build
WARM_ROUNDS = 4  # by then SQLite's page cache, libical's zones and curl are warm
# AddressSanitizer's allocator keeps freed chunks by size class and never
# merges them, so its RSS settles more slowly; its leak checker runs at exit.
SANITIZED = os.environ.get("CT_SANITIZE") == "1"
RSS_SLACK_KB = 2048 if SANITIZED else 512
# Held only while delivering: the SMTP connections ([smtp] connections, 4 by
# default), the socket pair libcurl's multi handle keeps for waking its
# transfer loop, and SQLite's temporary file for a sort.
FD_BUSY = 4 + 2 + 1
START = calendar.timegm((2027, 3, 20, 8, 0, 0))  # 08:00 in London, a week before summer time


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Smtp:
    """tests/servers/smtp_server.py, restarted on the same port."""

    def __init__(self, directory):
        self.log = os.path.join(directory, "smtp.jsonl")
        self.directory = directory
        self.port = 0
        self.starts = 0
        self.start()

    def start(self):
        self.server = Server("smtp_server.py", "--port", str(self.port), "--log", self.log,
                             "--accept-delay", str(ACCEPT_DELAY), "--lifetime", str(DEADLINE),
                             stderr_path=os.path.join(self.directory, "smtp-%d.err" % self.starts))
        self.starts += 1
        self.port = self.server.port

    def stop(self):
        self.server.stop()

    def received(self):
        return [entry["message_id"] for entry in read_log(self.log)]


def proc_sample(pid):
    """(VmRSS in kB, open file descriptors) of a running process."""
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    while True:
        try:
            return rss, sorted(os.readlink("/proc/%d/fd/%s" % (pid, fd))
                               for fd in os.listdir("/proc/%d/fd" % pid))
        except FileNotFoundError:
            pass  # closed while we looked: look again


def db_kb(db):
    """The database's size in kB: SQLite's page cache holds up to 2,000 kB of its pages."""
    return query(db, "PRAGMA page_count")[0][0] * query(db, "PRAGMA page_size")[0][0] // 1024


def progress(db):
    """(rounds sent, outbox messages not yet sent or failed)."""
    sent = query(db, "SELECT count(*) FROM rounds WHERE state = 'sent'")[0][0]
    pending = query(db, "SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')")[0][0]
    return sent, pending


d = scratch()
db = os.path.join(d, "coffeetrial.db")
ini = os.path.join(d, "soak.ini")
smtp = Smtp(d)
with open(ini, "w") as f:
    f.write("[network]\norganiser_email = organiser@coffeetrial.test\ntimezone = Europe/London\n"
            "[store]\npath = %s\n"
            "[schedule]\nrrule = FREQ=DAILY;COUNT=%d\nstart = 2027-03-20\ntime = 09:00\n"
            "review_period = 1h\n"
            "[transport]\nkind = smtp\n"
            "[smtp]\nurl = smtp://127.0.0.1:%d\n" % (db, ROUNDS, smtp.port))
p = subprocess.run([CLI, "-c", ini, "roster", "import", ROSTER], cwd=d,
                   env=base_env(COFFEETRIAL_TEST_NOW=iso(START - 86400)), capture_output=True,
                   text=True, timeout=60)
check(p.returncode == 0, "roster import: %s" % p.stderr)

env = {"COFFEETRIAL_TEST_NOW": iso(START), "COFFEETRIAL_TEST_CLOCK_RATE": RATE}
if SANITIZED:
    # Freed memory held back to catch use after free would swamp the RSS
    # figures (256 MB by default); every other test keeps it.
    env["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0"
daemon = Daemon(["-c", ini], d, **env)
deadline = time.monotonic() + DEADLINE
daemon.wait_log(r"coffeetriald \S+ started", timeout=30)

samples = {}  # rounds sent -> (rss, fds) at a quiet moment after that round
seen_fds = set()  # every distinct set of descriptors sampled
restarts = []
while time.monotonic() < deadline:
    check(daemon.alive(), "the daemon exited during the soak:\n" + daemon.text())
    sent, pending = progress(db)
    rss, fds = proc_sample(daemon.pid)
    seen_fds.add(tuple(fds))
    if pending == 0 and sent not in samples:
        # The last batch is marked sent just before the flush closes its
        # connections: sample again once it has had time to.
        time.sleep(0.2)
        if progress(db) == (sent, 0):
            rss, fds = proc_sample(daemon.pid)
            samples[sent] = (rss, fds, db_kb(db))
    if len(restarts) < len(RESTART_AFTER) and sent >= RESTART_AFTER[len(restarts)] and pending:
        # Mid-delivery: some of this round's messages are accepted, some not yet.
        restarts.append((sent, pending, len(smtp.received())))
        smtp.stop()
        time.sleep(DOWN_SECONDS)
        smtp.start()
        continue
    if sent == ROUNDS and pending == 0 and len(restarts) == len(RESTART_AFTER):
        break
    time.sleep(0.02)

sent, pending = progress(db)
print("# restarts at (rounds sent, messages pending, messages received): %r" % restarts)
check(sent == ROUNDS and pending == 0,
      "not finished within %ds: %d of %d rounds sent, %d messages pending\n%s"
      % (DEADLINE, sent, ROUNDS, pending, daemon.text()[-4000:]))
check(len(restarts) == 2, "the server was restarted %d times, not twice" % len(restarts))

# Quiet, and stays quiet: nothing more is due until the next day of the clock.
final_rss, final_fds = proc_sample(daemon.pid)
daemon.signal(signal.SIGTERM)
rc = daemon.wait_exit(timeout=30)
smtp.stop()
log = daemon.text()
check(rc == 0, "SIGTERM: exit %s\n%s" % (rc, log[-4000:]))

# Every round planned by the daemon, one per day, and sent.
rounds = query(db, "SELECT date, state, origin FROM rounds ORDER BY date")
check(len(rounds) == ROUNDS and all(r[1:] == ("sent", "daemon") for r in rounds)
      and len({r[0] for r in rounds}) == ROUNDS, "rounds: %r" % rounds)

# Every planned message delivered exactly once per Message-ID.
outbox = query(db, "SELECT message_id, state, attempts FROM outbox")
grouped = query(db, "SELECT count(*) FROM group_members")[0][0]
received = smtp.received()
counts = {}
for mid in received:
    counts[mid.strip("<>")] = counts.get(mid.strip("<>"), 0) + 1
ids = {m for m, _, _ in outbox}
twice = sorted(m for m, n in counts.items() if n > 1)
print("# %d rounds, %d messages, %d deliveries, %d sent again after a failed attempt, %d grouped"
      % (len(rounds), len(outbox), len(received), sum(1 for o in outbox if o[2] > 1), grouped))
check(len(outbox) >= grouped > 0, "an invitation for every grouped member")
check(all(s == "sent" for _, s, _ in outbox),
      "messages not sent: %r" % [o for o in outbox if o[1] != "sent"])
check(not twice, "delivered more than once: %r" % twice[:10])
check(ids == set(counts), "received but not in the outbox: %r; never received: %r"
      % (sorted(set(counts) - ids)[:10], sorted(ids - set(counts))[:10]))
check("127.0.0.1:%d" % smtp.port in log, "the daemon never noticed the server was down:\n" + log)

# Memory and descriptors: compared with a quiet moment after the first rounds.
base = min(k for k in samples if k >= WARM_ROUNDS)
base_rss, base_fds, base_db = samples[base]
# The page cache fills as the database grows until it holds SQLite's 2,000 kB:
# a small database (the outbox stores each message once) is still growing into it.
cache_growth = max(0, min(db_kb(db), 2000) - min(base_db, 2000))
def busy_extra(fds):
    """The descriptors held beyond the quiet set, which must be of the busy kinds."""
    extra = Counter(fds) - Counter(base_fds)
    return sorted(extra.elements())


def busy_kind(path):
    """Sockets, SQLite's temporary files, and the zone files the C library
    and libical open, read and close while converting a time."""
    return (path.startswith("socket:") or "/etilqs_" in path
            or path.startswith("/usr/share/zoneinfo/"))


peak = max(len(busy_extra(f)) for f in seen_fds)
print("# RSS %d kB after %d rounds, %d kB after %d; fds %d then %d, at most %d more while busy"
      % (base_rss, base, final_rss, ROUNDS, len(base_fds), len(final_fds), peak))
for k in sorted(samples):
    print("#   after %2d rounds: RSS %6d kB, %d fds, database %d kB"
          % (k, samples[k][0], len(samples[k][1]), samples[k][2]))
check(final_rss <= base_rss + RSS_SLACK_KB + cache_growth,
      "RSS grew from %d kB to %d kB (the database by %d kB)" % (base_rss, final_rss,
                                                              cache_growth))
check(final_fds == base_fds, "file descriptors changed: %r -> %r" % (base_fds, final_fds))
for f in seen_fds:
    extra = busy_extra(f)
    check(len(extra) <= FD_BUSY
          and all(busy_kind(e) for e in extra),
          "descriptors held while busy: %r" % extra)
print("ok")
