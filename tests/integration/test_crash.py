#!/usr/bin/python3
"""test_crash.py: kill -9 of a flush in the middle of a batch, then flush again.

A slow SMTP server (it stores each message, then waits before saying 250)
makes the kill land mid-batch, most likely between the server taking a
message and the outbox marking it sent. After the second flush every member
must have their invitation, and any duplicate must carry the same
Message-ID and the same calendar UID as the first copy.

Then the polite way: SIGTERM mid-batch finishes the message in flight,
returns the rest to the queue and exits 75; the next flush completes the
batch without a single duplicate.
"""
import os
import signal
import subprocess
import time

from harness import Env, Server, check, finish, parse_mail, read_json, read_log

E = Env("crash")
os.mkdir(E.path("mail"))
srv = Server("smtp_server.py", "--delay", "0.3", "--maildir", E.path("mail"),
             "--stats", E.path("stats.json"), "--log", E.path("deliveries.jsonl"),
             stderr_path=E.path("smtp.log"))
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
check(counts == {"queued": 0, "sending": 0, "sent": 20, "dead": 0, "dropped": 0},
      "everything sent: %s" % counts)

got = {}
for d in read_log(E.path("deliveries.jsonl")):
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

# SIGTERM: stop after the message in flight; nothing sent twice.
E2 = Env("sigterm")
os.mkdir(E2.path("mail"))
srv = Server("smtp_server.py", "--delay", "0.3", "--maildir", E2.path("mail"),
             "--stats", E2.path("stats.json"), "--log", E2.path("deliveries.jsonl"))
members = ["member%02d@m.example" % i for i in range(12)]
for m in members:
    E2.enqueue(m)
settings["smtp.url"] = "smtp://127.0.0.1:%d" % srv.port
flush = subprocess.Popen(E2.flush_command(settings), cwd=E2.dir, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
deadline = time.time() + 60
while time.time() < deadline and read_json(E2.path("stats.json"))["messages"] < 3:
    time.sleep(0.05)
flush.send_signal(signal.SIGTERM)
out, err = flush.communicate(timeout=60)
counts = E2.outbox()["counts"]
print("# after SIGTERM: exit %d, %s, %s" % (flush.returncode, out.strip(), counts))
check(flush.returncode == 75 and "(stopped)" in out, "SIGTERM: exit 75, summary says stopped")
check(counts["sending"] == 0 and counts["sent"] == read_json(E2.path("stats.json"))["messages"],
      "the message in flight was finished and recorded; the rest went back to the queue")
rc, out, err = E2.flush(settings)
log = read_log(E2.path("deliveries.jsonl"))
check(rc == 0 and sorted(d["rcpt_tos"][0] for d in log) == sorted(members),
      "after the next flush every member has exactly one invitation")
srv.stop()
finish()
