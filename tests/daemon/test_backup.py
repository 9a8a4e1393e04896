#!/usr/bin/python3
"""daemon.backup: "coffeetrial backup" and "restore" against a running
coffeetriald. A backup taken while another process writes continuously
is a consistent database (quick_check ok, a snapshot of the writes) and
0600 even under umask 0; an existing FILE is refused without --force (74).
A restore is refused (75, naming the daemon's pid) while coffeetriald
holds the database, and leaves it untouched; with the daemon stopped it
brings back the same "round list" and outbox, keeping the replaced
database as DB.pre-restore-STAMP. A backup from a newer schema is refused
(78), a file that is not SQLite (65) without any of its content shown."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import (WAIT, Daemon, NotifySocket, base_env, check, query,  # noqa: E402
                        scratch)

BIN = os.environ["CT_BIN"]
SRC = os.environ["CT_SRC"]
NOW = "2027-03-01T08:00:00Z"  # a Monday, before the schedule's 09:00

d = scratch()
db = os.path.join(d, "coffeetrial.db")


def cli(*args, umask=None):
    p = subprocess.run([BIN] + list(args), cwd=d, env=base_env(COFFEETRIAL_TEST_NOW=NOW),
                       capture_output=True, text=True, timeout=WAIT * 3,
                       preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)
    return p.returncode, p.stdout, p.stderr


def ok(*args, **kw):
    rc, out, err = cli(*args, **kw)
    check(rc == 0, "coffeetrial %s: exit %d\n%s%s" % (" ".join(args), rc, out, err))
    return out


def state():
    """What the organiser sees: the rounds and the outbox."""
    return (json.loads(ok("round", "list", "--format", "json")),
            json.loads(ok("outbox", "--state", "all", "--format", "json")))


# A network with a sent round: invitations queued in the outbox.
ok("roster", "import", os.path.join(SRC, "conf", "roster.example.csv"))
ok("round", "plan", "--seed", "7")
ok("round", "send", "1")
check(state()[1]["counts"]["queued"] > 0, "no messages queued")

# The daemon runs (stand-in actions: it holds the database, delivers nothing).
ns = NotifySocket(d)
daemon = Daemon([], d, NOTIFY_SOCKET=ns.address, COFFEETRIAL_TEST_ACTIONS="fake",
                COFFEETRIAL_TEST_NOW=NOW)
ns.receive("READY=1")
# Its stand-in delivery marks the queue sent; then nothing changes but our writes.
deadline = time.monotonic() + WAIT
while state()[1]["counts"]["queued"] and time.monotonic() < deadline:
    time.sleep(0.1)
before = state()
check(before[1]["counts"]["sent"] > 0 and before[1]["counts"]["queued"] == 0,
      "the daemon delivered nothing: %r" % (before[1]["counts"],))

# Continuous writes from another process while backups are taken.
stop = threading.Event()
written = [0]


def writer():
    con = sqlite3.connect(db, timeout=10)
    while not stop.is_set():
        con.execute("INSERT INTO meta(key, value) VALUES (?, 'x')", ("w-%06d" % written[0],))
        con.commit()
        written[0] += 1
    con.close()


t = threading.Thread(target=writer)
t.start()
counts = []
try:
    for i in range(5):
        out = ok("backup", "b%d.db" % i, umask=0)
        check(("to b%d.db" % i) in out, "backup says where: %r" % out)
        path = os.path.join(d, "b%d.db" % i)
        mode = os.stat(path).st_mode & 0o777
        check(mode == 0o600, "b%d.db has mode %o under umask 0, want 600" % (i, mode))
        con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        check(con.execute("PRAGMA quick_check").fetchone()[0] == "ok", "b%d.db damaged" % i)
        n = con.execute("SELECT count(*) FROM meta WHERE key LIKE 'w-%'").fetchone()[0]
        # A snapshot: the writes it holds are exactly w-0 .. w-(n-1).
        top = con.execute("SELECT max(key) FROM meta WHERE key LIKE 'w-%'").fetchone()[0]
        check(n == 0 or top == "w-%06d" % (n - 1), "b%d.db: %d writes up to %s" % (i, n, top))
        counts.append(n)
        con.close()
finally:
    stop.set()
    t.join()
check(written[0] > 0 and counts == sorted(counts), "writes %d, backups saw %r"
      % (written[0], counts))
check(counts[-1] > counts[0], "the writer made no progress during the backups: %r" % counts)
check(not [f for f in os.listdir(d) if f.startswith(".b")], "temporary files left behind")

rc, out, err = cli("backup", "b0.db")
check(rc == 74 and "already exists" in err and "--force" in err,
      "an existing FILE: exit %d\n%s" % (rc, err))
ok("backup", "b0.db", "--force", umask=0)
check(os.stat(os.path.join(d, "b0.db")).st_mode & 0o777 == 0o600, "--force copy is not 0600")

# Restore while the daemon holds the database: refused, nothing changed.
ok("member", "pause", "aisha.rahman@rmhp.example.org")
changed = query(db, "SELECT count(*) FROM members WHERE status = 'paused'")
rc, out, err = cli("restore", "b0.db")
check(rc == 75, "restore while coffeetriald runs: exit %d, want 75\n%s" % (rc, err))
check("coffeetriald (pid %d) is using coffeetrial.db; stop it first" % daemon.pid in err,
      "the refusal does not name the daemon: %s" % err)
check(query(db, "SELECT count(*) FROM members WHERE status = 'paused'") == changed,
      "a refused restore changed the database")
check(not [f for f in os.listdir(d) if ".pre-restore-" in f], "a refused restore saved a copy")
check(daemon.alive(), "the daemon died")

daemon.signal(signal.SIGTERM)
check(daemon.wait_exit() == 0, "daemon did not stop cleanly:\n" + daemon.text())

# Foreign files: refused before anything is touched, their content unseen.
with open(os.path.join(d, "notes.db"), "w") as f:
    f.write("SECRET-CONTENT of some other file\n" * 50)
open(os.path.join(d, "empty.db"), "w").close()
for name in ("notes.db", "empty.db"):
    rc, out, err = cli("restore", name)
    check(rc == 65 and "not a SQLite database" in err, "%s: exit %d\n%s" % (name, rc, err))
    check("SECRET" not in err and len(err) < 300, "%s: content echoed: %s" % (name, err))
newer = os.path.join(d, "newer.db")
with open(os.path.join(d, "b0.db"), "rb") as src, open(newer, "wb") as dst:
    dst.write(src.read())
con = sqlite3.connect(newer)
con.execute("PRAGMA user_version = 9999")
con.commit()
con.close()
rc, out, err = cli("restore", "newer.db")
check(rc == 78 and "newer coffeetrial" in err, "newer schema: exit %d\n%s" % (rc, err))
rc, out, err = cli("restore", "missing.db")
check(rc == 66, "missing backup: exit %d\n%s" % (rc, err))
check(not [f for f in os.listdir(d) if ".pre-restore-" in f], "a refused restore saved a copy")

# The round trip: the rounds and outbox as they were at the backup.
inode = os.stat(db).st_ino
out = ok("restore", "b0.db")
check("restored coffeetrial.db from b0.db" in out
      and "saved as coffeetrial.db.pre-restore-20270301T08" in out,
      "summary: %r" % out)
after = state()
check(after == before, "round list / outbox differ after the round trip:\n%r\n%r"
      % (before, after))
AISHA = "SELECT status FROM members WHERE email = 'aisha.rahman@rmhp.example.org'"
check(query(db, AISHA) == [("active",)], "the pause made after the backup survived the restore")
check(os.stat(db).st_ino == inode, "the database file was replaced, not restored in place")
saved = [f for f in os.listdir(d) if f.startswith("coffeetrial.db.pre-restore-")]
check(len(saved) == 1, "pre-restore copies: %r" % saved)
saved_db = os.path.join(d, saved[0])
check(os.stat(saved_db).st_mode & 0o777 == 0o600, "the saved copy is not 0600")
check(query(saved_db, AISHA) == [("paused",)], "the saved copy is not the replaced database")
check(not os.path.exists(db + "-wal") or os.path.getsize(db + "-wal") == 0,
      "a -wal file with content survived the restore")

# And the daemon starts on the restored database.
rc = subprocess.run([os.environ["CT_DAEMON"], "--once"], cwd=d, capture_output=True,
                    env=base_env(COFFEETRIAL_TEST_ACTIONS="fake", COFFEETRIAL_TEST_NOW=NOW),
                    timeout=WAIT).returncode
check(rc == 0, "coffeetriald --once on the restored database: exit %d" % rc)
print("ok")
