#!/usr/bin/python3
"""test_crash.py: kill -9 of a flush in the middle of a batch, then flush again.

A slow SMTP server (it stores each message, then waits before saying 250)
makes the kill land mid-batch, most likely between the server taking a
message and the outbox marking it sent. After the second flush every member
must have their invitation, and any duplicate must carry the same
Message-ID and the same calendar UID as the first copy.
"""
import os
import signal
import subprocess
import time

from harness import Env, Server, check, finish, parse_mail, read_json

E = Env("crash")
os.mkdir(E.path("mail"))
srv = Server("smtp_server.py", "--delay", "0.3", "--maildir", E.path("mail"),
             "--stats", E.path("stats.json"), stderr_path=E.path("smtp.log"))
members = ["member%02d@m%d.example" % (i, i % 4) for i in range(20)]
ids = {m: E.enqueue(m, uid="group-%d@coffeetrial.test" % (i // 2))
       for i, m in enumerate(members)}
settings = {"transport.kind": "smtp", "smtp.url": "smtp://127.0.0.1:%d" % srv.port,
            "smtp.timeout": "20s"}

flush = subprocess.Popen(E.flush_command(settings), cwd=E.dir, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
deadline = time.time() + 60
while time.time() < deadline and read_json(E.path("stats.json"))["messages"] < 5:
    time.sleep(0.05)
flush.send_signal(signal.SIGKILL)
flush.wait()
received = read_json(E.path("stats.json"))["messages"]
check(flush.returncode == -signal.SIGKILL, "flush was killed mid-batch")
check(5 <= received < len(members), "the kill landed mid-batch (%d of %d received)"
      % (received, len(members)))
counts = E.outbox()["counts"]
print("# after the kill: %s" % counts)
check(counts["sending"] >= 1, "claims of the killed process remain in 'sending'")

rc, out, err = E.flush(settings)
check(rc == 0, "second flush exits 0")
check("interrupted earlier and requeued" in out, "the killed process's claims were taken back")
counts = E.outbox()["counts"]
check(counts == {"queued": 0, "sending": 0, "sent": 20, "dead": 0}, "everything sent: %s" % counts)

got = {}
for d in read_json(E.path("stats.json"))["deliveries"]:
    m = parse_mail(E.path("mail", d["file"]))
    cal = [p for p in m.walk() if p.get_content_type() == "text/calendar"][0]
    uid = [l for l in cal.get_content().splitlines() if l.startswith("UID:")][0]
    got.setdefault(d["rcpt_tos"][0], []).append((m["Message-ID"].strip("<>"), uid))
check(sorted(got) == sorted(members), "every member has their invitation")
dups = {r: v for r, v in got.items() if len(v) > 1}
print("# duplicates: %d" % sum(len(v) - 1 for v in dups.values()))
for r, copies in got.items():
    check(all(c == (ids[r], copies[0][1]) for c in copies),
          "%s: %d cop%s, same Message-ID and UID" % (r, len(copies),
                                                   "y" if len(copies) == 1 else "ies"))
srv.stop()
finish()
