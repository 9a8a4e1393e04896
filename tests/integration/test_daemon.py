#!/usr/bin/python3
"""test_daemon.py: coffeetriald delivers the outbox through the real transports.

`coffeetriald --once` spools what is due; against aiosmtpd it sends, logs
a deferred message with its retry time and a refused one as failed for
good, and logs the flush summary; with the relay unreachable it keeps the
messages queued and exits 69. SIGTERM to a running daemon mid-batch
finishes the message in flight, queues the rest and exits 0.
"""
import os
import signal
import subprocess
import time

from harness import Env, Server, check, finish, read_json, read_log

CT_DAEMON = os.environ["CT_DAEMON"]


def once(env, settings):
    env.write_ini(dict(settings, **{"network.organiser_email": env.organiser}))
    e = dict(os.environ)
    e.pop("NOTIFY_SOCKET", None)
    e.pop("JOURNAL_STREAM", None)
    r = subprocess.run([CT_DAEMON, "-c", env.ini, "--once"], cwd=env.dir, env=e,
                       capture_output=True, text=True, timeout=120)
    print("# coffeetriald --once exit %d\n%s" % (r.returncode, r.stderr.strip()))
    return r


# Spool.
E = Env("daemon-spool")
ids = [E.enqueue(r) for r in ("ana@a.example", "bo@b.example")]
r = once(E, {"transport.kind": "spool", "spool.dir": E.path("out")})
check(r.returncode == 0, "--once exits 0")
check(sorted(os.listdir(E.path("out"))) == sorted(i + ".eml" for i in ids),
      "the daemon spooled every queued message")
check("flush: 2 sent, 0 to retry, 0 failed" in r.stderr, "the daemon logs the flush summary")

# SMTP: one sent, one deferred, one refused.
E2 = Env("daemon-smtp")
os.mkdir(E2.path("mail"))
srv = Server("smtp_server.py", "--defer", "busy@b.example", "--reject", "gone@c.example",
             "--maildir", E2.path("mail"), "--stats", E2.path("stats.json"),
             "--log", E2.path("log.jsonl"))
for rcpt in ("ana@a.example", "busy@b.example", "gone@c.example"):
    E2.enqueue(rcpt)
smtp = {"transport.kind": "smtp", "smtp.url": "smtp://127.0.0.1:%d" % srv.port,
        "transport.retry_base": "10m"}
r = once(E2, smtp)
box = E2.by_recipient()
check(r.returncode == 0, "--once with a deferral and a refusal exits 0 (they are recorded)")
check([d["rcpt_tos"] for d in read_log(E2.path("log.jsonl"))] == [["ana@a.example"]],
      "the deliverable message went out")
check(box["busy@b.example"]["state"] == "queued" and "retry at" in r.stderr
      and "busy@b.example" in r.stderr, "the deferral is logged with its retry time")
check(box["gone@c.example"]["state"] == "dead" and "failed for good" in r.stderr,
      "the refusal is logged as failed for good")
check("flush: 1 sent, 1 to retry" in r.stderr, "summary logged")
srv.stop()

# The relay unreachable: exit 69, nothing lost, attempts not spent.
E2.enqueue("cy@d.example")
r = once(E2, dict(smtp, **{"smtp.url": "smtp://127.0.0.1:1"}))
box = E2.by_recipient()
check(r.returncode == 69, "--once with the relay down exits 69 (got %d)" % r.returncode)
check(box["cy@d.example"]["state"] == "queued" and box["cy@d.example"]["attempts"] == 0
      and "127.0.0.1:1" in (box["cy@d.example"]["last_error"] or ""),
      "the due message stays queued, no attempt spent, the reason noted")
check(box["busy@b.example"]["attempts"] == 1, "the message not yet due was not touched")

# SIGTERM while the daemon is delivering.
E3 = Env("daemon-sigterm")
srv = Server("smtp_server.py", "--delay", "0.3", "--stats", E3.path("stats.json"))
for i in range(10):
    E3.enqueue("member%d@m.example" % i)
E3.write_ini({"transport.kind": "smtp", "smtp.url": "smtp://127.0.0.1:%d" % srv.port,
              "network.organiser_email": E3.organiser})
e = dict(os.environ)
e.pop("NOTIFY_SOCKET", None)
e.pop("JOURNAL_STREAM", None)
daemon = subprocess.Popen([CT_DAEMON, "-c", E3.ini], cwd=E3.dir, env=e,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
deadline = time.time() + 60
while time.time() < deadline and read_json(E3.path("stats.json"))["messages"] < 3:
    time.sleep(0.05)
daemon.send_signal(signal.SIGTERM)
try:
    _, err = daemon.communicate(timeout=60)
except subprocess.TimeoutExpired:
    daemon.kill()
    _, err = daemon.communicate()
counts = E3.outbox()["counts"]
print("# after SIGTERM: exit %d, %s" % (daemon.returncode, counts))
check(daemon.returncode == 0, "SIGTERM: the daemon exits 0")
check(counts["sending"] == 0 and counts["queued"] >= 1
      and counts["sent"] == read_json(E3.path("stats.json"))["messages"],
      "the message in flight was finished and recorded, the rest queued")
srv.stop()
finish()
