#!/usr/bin/python3
"""send_resume.py: a round's send stopped between two batches (as a crash
would stop it) and resumed, through the real coffeetrial binary.

The stopped send leaves whole groups queued (every member's message or
none) and the round planned, round show prints how far it got, round send
again queues the rest; every message then delivered to the spool is built
from what the outbox stored, and delivering them all again (a resend)
writes byte-identical files with the same Message-IDs. The report's
outbox query uses an index.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BIN = os.environ["CT_BIN"]
SRC = os.environ["CT_SRC"]
ROSTER = os.path.join(SRC, "conf", "roster.example.csv")
NOW = "2027-03-01T08:00:00Z"

failures = []
tmp = tempfile.mkdtemp(prefix="ct-send-resume-")


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def finish():
    shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("ok")
    sys.exit(0)


def run(*args, env_extra=None):
    env = dict(os.environ)
    env["COFFEETRIAL_CONFIG"] = ""
    env["COFFEETRIAL_TEST_NOW"] = NOW
    env.update(env_extra or {})
    return subprocess.run([BIN] + list(args), cwd=tmp, env=env, capture_output=True, text=True,
                          timeout=120)


def ok(*args, **kw):
    r = run(*args, **kw)
    if not check(r.returncode == 0, "coffeetrial %s: exit %d\n%s%s"
                 % (" ".join(args), r.returncode, r.stdout, r.stderr)):
        finish()
    return r


def db(sql, args=()):
    c = sqlite3.connect(os.path.join(tmp, "coffeetrial.db"))
    try:
        rows = c.execute(sql, args).fetchall()
        c.commit()
        return rows
    finally:
        c.close()


def spool():
    d = os.path.join(tmp, "spool")
    out = {}
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            out[name] = f.read()
    return out


ok("roster", "import", ROSTER)
ok("round", "plan", "--seed", "3")
groups = db("SELECT count(*) FROM groups")[0][0]
check(groups >= 4, "the example roster makes at least 4 groups")

# Stopped after two batches of one group each.
r = run("round", "send", "1", env_extra={"COFFEETRIAL_TEST_SEND_STOP": "1:2"})
check(r.returncode != 0 and "stopped after batch 2" in r.stderr,
      "the send stops after batch 2: %d %s" % (r.returncode, r.stderr))
half = db("SELECT count(*) FROM groups g WHERE (SELECT count(*) FROM outbox o"
          " WHERE o.group_id = g.id) <> CASE g.state WHEN 'sent' THEN (SELECT count(*)"
          " FROM group_members gm WHERE gm.group_id = g.id) ELSE 0 END")[0][0]
check(half == 0, "no group half queued")
check(db("SELECT state FROM rounds")[0][0] == "planned", "the round is still planned")
show = ok("round", "show", "1").stdout
check("sending: 2 of %d groups queued; round send 1 queues the rest" % groups in show,
      "round show prints the progress:\n" + show)
first = db("SELECT id, message_id FROM outbox ORDER BY id")

# Resumed: the rest queued, the first messages untouched.
ok("round", "send", "1")
check(db("SELECT state FROM rounds")[0][0] == "sent", "the round is sent")
check(db("SELECT id, message_id FROM outbox ORDER BY id LIMIT ?", (len(first),)) == first,
      "the messages queued before the stop are unchanged")
members = db("SELECT count(*) FROM group_members")[0][0]
check(db("SELECT count(*), count(DISTINCT recipient) FROM outbox")[0] == (members, members),
      "one message per member")
check(db("SELECT count(*) FROM outbox WHERE recipe IS NULL OR length(message) > 0")[0][0] == 0,
      "each invitation is stored once, as its recipe")
check("sending:" not in ok("round", "show", "1").stdout, "no progress line once sent")

# Delivered; then everything sent again (as after a crash): the same bytes.
ok("outbox", "flush")
once = spool()
check(len(once) == members, "one spool file per member")
for name, data in once.items():
    check(("Message-ID: <%s>" % name[:-4]).encode() in data, "%s carries its Message-ID" % name)
db("UPDATE outbox SET state = 'queued', next_attempt_at = 0, sent_at = NULL")
shutil.rmtree(os.path.join(tmp, "spool"))
ok("outbox", "flush")
twice = spool()
check(twice == once, "a resend is byte for byte the same message")

# The report's count of invitations per member (lib/store/store_report.c, the same
# text) reads the group index in order, with no scan and no sort; a round's rows too.
with open(os.path.join(SRC, "lib", "store", "store_report.c")) as f:
    source = f.read()
start = source.index('"SELECT group_id, member_id, sum(state')
end = source.index("\n", source.index("GROUP BY group_id, member_id", start))
report_sql = "".join(part.rstrip(",")[1:-1] for part in
                     (p.strip() for p in source[start:end].splitlines()) if part)
check("FROM outbox" in report_sql, "found the report's outbox query: %r" % report_sql)
plan = [row[-1] for row in db("EXPLAIN QUERY PLAN " + report_sql)]
check(any("USING INDEX outbox_group" in p for p in plan)
      and not any("SCAN outbox" in p or "TEMP B-TREE" in p for p in plan),
      "the report's outbox query uses the index: %r" % plan)
plan = [row[-1] for row in db("EXPLAIN QUERY PLAN SELECT count(*) FROM outbox WHERE group_id IN"
                              " (SELECT id FROM groups WHERE round_id = 1)")]
check(any("outbox_group" in p for p in plan), "a round's rows by the index: %r" % plan)
finish()
