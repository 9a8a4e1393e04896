#!/usr/bin/python3
"""test_spool.py: the spool transport and the outbox commands through the CLI.

The spool writes MESSAGE-ID.eml files whole (the bytes queued, parsed back
with Python's email package), leaves no temporary files, rewrites the same
file when a message is sent again after a crash, and a first run with no
configuration at all spools to ./spool. Also the outbox command's
listings and its usage errors.
"""
import json
import os
import sqlite3
import subprocess

from harness import Env, check, finish, parse_mail

E = Env("spool")
spool = E.path("out")
rcpts = ["ana@a.example", "bo@b.example", "cy@c.example"]
ids = {r: E.enqueue(r, uid="group-%d@coffeetrial.test" % i) for i, r in enumerate(rcpts)}
settings = {"transport.kind": "spool", "spool.dir": spool}
rc, out, err = E.flush(settings)
check(rc == 0 and "3 sent, 0 to retry, 0 failed" in out, "flush to the spool exits 0")
files = sorted(os.listdir(spool))
check(files == sorted(ids[r] + ".eml" for r in rcpts), "one MESSAGE-ID.eml per message")
for r in rcpts:
    with open(os.path.join(spool, ids[r] + ".eml"), "rb") as f:
        written = f.read()
    with open(E.path("queue-%s.eml" % ids[r].split("@")[0]), "rb") as f:
        queued = f.read()
    check(written == queued, "%s: the spooled bytes are the queued message" % r)
    m = parse_mail(os.path.join(spool, ids[r] + ".eml"))
    check(m["Message-ID"].strip("<>") == ids[r] and m["To"] == r, "%s parses back" % r)
    check(oct(os.stat(os.path.join(spool, ids[r] + ".eml")).st_mode & 0o777) == "0o640",
          "spool files are not world-readable")

# Sent again after a crash: the same file is rewritten, nothing else appears.
child = subprocess.Popen(["true"])
child.wait()
db = sqlite3.connect(E.db)
db.execute("UPDATE outbox SET state='sending', claimed_by=?, claimed_at=0 "
           "WHERE recipient='bo@b.example'", (child.pid,))
db.commit()
db.close()
rc, out, err = E.flush(settings)
check(rc == 0 and "1 sent" in out and "1 interrupted earlier and requeued" in out,
      "interrupted message requeued and spooled again")
check(sorted(os.listdir(spool)) == files, "no duplicate file, no temporary file left")

# The listings.
r = E.cli("outbox")
check(r.returncode == 0 and "0 queued, 0 sending, 3 sent, 0 failed (dead)" in r.stdout,
      "text listing counts")
check(all(x in r.stdout for x in rcpts), "text listing names the recipients")
r = E.cli("outbox", "--format", "json", "--state", "sent")
doc = json.loads(r.stdout)
check(doc["counts"] == {"queued": 0, "sending": 0, "sent": 3, "dead": 0, "dropped": 0},
      "JSON counts")
check(len(doc["messages"]) == 3 and all(m["sent_at"] and m["next_attempt_at"] is None
                                        for m in doc["messages"]), "JSON messages")
check(set(doc["messages"][0]) == {"id", "message_id", "kind", "group", "recipient", "subject",
                                  "state", "attempts", "next_attempt_at", "last_error",
                                  "created_at", "sent_at"}, "JSON keys as documented")

# Usage errors.
for args, code in [(("outbox", "--format", "xml"), 64), (("outbox", "--state", "lost"), 64),
                   (("outbox", "extra"), 64), (("outbox", "flush", "extra"), 64),
                   (("outbox", "flush", "--limit", "0"), 64), (("outbox", "retry"), 64),
                   (("outbox", "retry", "x"), 64), (("outbox", "retry", "1", "--all-dead"), 64),
                   (("outbox", "retry", "999"), 65), (("outbox", "retry", "1"), 65)]:
    r = E.cli(*args)
    check(r.returncode == code and r.stderr.strip() != "",
          "%s exits %d with a message (got %d: %s)"
          % (" ".join(args), code, r.returncode, r.stderr.strip()))

# A first run with no configuration at all: built-in defaults spool to ./spool.
E2 = Env("spool-defaults")
mid = E2.enqueue("ana@a.example")
env = dict(os.environ)
env.pop("COFFEETRIAL_CONFIG", None)
r = subprocess.run([os.environ["CT_BIN"], "outbox", "flush"], cwd=E2.dir, env=env,
                   capture_output=True, text=True)
check(r.returncode == 0 and os.path.exists(E2.path("spool", mid + ".eml")),
      "no config: flush spools to ./spool")
finish()
