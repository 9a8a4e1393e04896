#!/usr/bin/python3
"""test_smtp.py: the SMTP transport against aiosmtpd on 127.0.0.1.

Delivery over STARTTLS with AUTH, [smtp] connections reused for a batch, the
delivered mail parsed with Python's email package; 550 permanent and 451
temporary (at RCPT and at the end of data); retries with backoff up to
max_attempts; and every way the service can be unusable (no STARTTLS when
TLS is required, an untrusted certificate, a wrong password, a refused
sender, nothing listening), which must keep messages queued and exit 69.
"""
import os
import time

from harness import Env, Server, check, finish, iso_to_unix, parse_mail, read_json, read_log

E = Env("smtp")
cert, key = E.make_cert()
E.write_secret("smtp.password", "s3cret pass")
os.mkdir(E.path("mail"))
BASE = 60  # retry_base, seconds


def settings(port, **more):
    s = {"transport.kind": "smtp", "transport.max_attempts": "3",
         "transport.retry_base": "%ds" % BASE,
         "smtp.url": "smtp://127.0.0.1:%d" % port, "smtp.tls": "required",
         "smtp.username": "coffee", "smtp.password_file": E.path("smtp.password"),
         "smtp.ca_file": cert, "smtp.timeout": "10s"}
    s.update(more)
    return s


def delivered():
    log = read_log(E.path("deliveries.jsonl"))
    return read_json(E.path("stats.json")), log, [parse_mail(E.path("mail", d["file"]))
                                                  for d in log]


# 1. A batch over STARTTLS + AUTH: one connection, every message intact.
srv = Server("smtp_server.py", "--starttls", cert, key, "--auth", "coffee:s3cret pass",
             "--reject", "gone@b.example", "--defer", "busy@c.example",
             "--reject-data", "spam@d.example", "--defer-data", "scan@e.example",
             "--maildir", E.path("mail"), "--stats", E.path("stats.json"),
             "--log", E.path("deliveries.jsonl"), stderr_path=E.path("smtp.log"))
good = ["ana@a.example", "bo@a.example", "cy@b.example", "dee@c.example", "ed@d.example"]
ids = {r: E.enqueue(r) for r in good}
rc, out, err = E.flush(settings(srv.port, **{"smtp.connections": "2"}))
check(rc == 0, "flush of deliverable messages exits 0")
check("5 sent, 0 to retry" in out, "summary counts 5 sent")
stats, log, mails = delivered()
check(stats["messages"] == 5, "server received 5 messages")
check(stats["connections"] == 2, "[smtp] connections = 2: two connections, reused for the "
      "batch (got %d)" % stats["connections"])
check(stats["tls_messages"] == 5 and stats["auth_messages"] == 5,
      "every message went over STARTTLS after AUTH")
for d, m in zip(log, mails):
    rcpt = d["rcpt_tos"][0]
    check(d["rcpt_tos"] == [rcpt] and rcpt in ids, "one recipient per message (%s)" % rcpt)
    check(d["mail_from"] == E.organiser, "MAIL FROM is the organiser")
    check(m["Message-ID"].strip("<>") == ids[rcpt], "Message-ID kept for %s" % rcpt)
    check(m["To"] == rcpt, "To: is the recipient alone")
    parts = [p.get_content_type() for p in m.walk()]
    check("text/calendar" in parts and "text/html" in parts, "MIME parts intact")
    body = m.get_body(("plain",)).get_content()
    check(".a line starting with a dot" in body, "dot-stuffing undone correctly")
box = E.by_recipient()
check(all(box[r]["state"] == "sent" and box[r]["attempts"] == 1 for r in good),
      "outbox shows them sent after 1 attempt")

# 2. Refusals: 550 at RCPT and 554 after DATA are permanent; 451 temporary.
bad = {"gone@b.example": "dead", "spam@d.example": "dead",
       "busy@c.example": "queued", "scan@e.example": "queued"}
for r in bad:
    ids[r] = E.enqueue(r)
t0 = time.time()
rc, out, err = E.flush(settings(srv.port))
check(rc == 75, "flush with deferred messages exits 75 (got %d)" % rc)
check("0 sent, 2 to retry" in out and "2 failed" in out, "summary: 2 to retry, 2 failed")
box = E.by_recipient()
for r, state in bad.items():
    check(box[r]["state"] == state, "%s is %s" % (r, state))
    check(box[r]["attempts"] == 1, "%s: 1 attempt counted" % r)
check("recipient refused: 550" in (box["gone@b.example"]["last_error"] or ""),
      "550 kept as last error")
check("no such user" in (box["gone@b.example"]["last_error"] or ""),
      "server's reply text kept in last error: %s" % box["gone@b.example"]["last_error"])
check("451" in (box["busy@c.example"]["last_error"] or ""), "451 kept as last error")
nxt = iso_to_unix(box["busy@c.example"]["next_attempt_at"])
check(t0 + 0.8 * BASE - 2 <= nxt <= time.time() + 1.2 * BASE + 2,
      "first retry after retry_base +-20%% (%ds)" % (nxt - t0))
check("failed for good" in err and "gone@b.example" in err, "permanent failure reported")
r = E.cli("outbox")
check(r.returncode == 0 and "gone@b.example" in r.stdout and "550" in r.stdout
      and "2 queued, 0 sending, 5 sent, 2 failed" in r.stdout, "outbox text listing")
r = E.cli("outbox", "--state", "dead", "--format", "json")
check(r.returncode == 0 and r.stdout.count('"state":"dead"') == 2, "outbox --state dead")

# 3. Not due yet: nothing is tried, exit 75.
rc, out, err = E.flush(settings(srv.port))
check(rc == 75 and "0 sent, 2 to retry" in out, "nothing due: exits 75, no attempt")
check(E.by_recipient()["busy@c.example"]["attempts"] == 1, "attempts unchanged when not due")

# 4. Time passes: retried until max_attempts (3), then dead with the error kept.
now = time.time()
for n in (2, 3):
    now += 3 * 86400
    rc, out, err = E.flush(settings(srv.port), now=now)
box = E.by_recipient()
check(box["busy@c.example"]["state"] == "dead" and box["busy@c.example"]["attempts"] == 3,
      "deferred message dead after max_attempts")
check("451" in (box["busy@c.example"]["last_error"] or ""), "last 451 kept on the dead message")
check(rc == 65, "flush whose last messages failed for good exits 65 (got %d)" % rc)
r = E.cli("outbox", "retry", "--all-dead")
check(r.returncode == 0 and "requeued 4 messages" in r.stdout, "outbox retry --all-dead")
box = E.by_recipient()
check(box["gone@b.example"]["state"] == "queued" and box["gone@b.example"]["attempts"] == 0,
      "requeued message starts over")
srv.stop()

# 5. TLS required but the server offers no STARTTLS: refuse to send in the clear.
E2 = Env("smtp-plain")
os.mkdir(E2.path("mail"))
plain = Server("smtp_server.py", "--maildir", E2.path("mail"), "--stats", E2.path("stats.json"))
mid = E2.enqueue("ana@a.example")
s = settings(plain.port)
del s["smtp.username"], s["smtp.password_file"]
rc, out, err = E2.flush(s)
check(rc == 69, "no STARTTLS with tls=required: exit 69 (got %d)" % rc)
check("STARTTLS" in err, "the error says STARTTLS is missing")
check(read_json(E2.path("stats.json"))["messages"] == 0, "nothing was sent in the clear")
m = E2.by_recipient()["ana@a.example"]
check(m["state"] == "queued" and m["attempts"] == 0, "message stays queued, no attempt counted")
check("STARTTLS" in (m["last_error"] or ""), "outbox shows why")

# 6. Loopback is exempt from the STARTTLS rule under tls = auto.
s["smtp.tls"] = "auto"
rc, out, err = E2.flush(s)
check(rc == 0, "loopback with tls=auto delivers without TLS")
check(read_json(E2.path("stats.json"))["messages"] == 1, "server got the message")
plain.stop()

# 7. The service unusable in other ways: every one exits 69 and keeps the message queued.
E3 = Env("smtp-unavailable")
os.mkdir(E3.path("mail"))
E3.write_secret("wrong.password", "not it")
other_cert, _ = Env("smtp-other-ca").make_cert()
tls = Server("smtp_server.py", "--starttls", cert, key, "--auth", "coffee:s3cret pass",
             "--maildir", E3.path("mail"), "--stats", E3.path("stats.json"))
refusing = Server("smtp_server.py", "--reject-sender", "--maildir", E3.path("mail"))
E3.enqueue("ana@a.example")
cases = [
    ("untrusted certificate", settings(tls.port, **{"smtp.ca_file": other_cert})),
    ("wrong password", settings(tls.port, **{"smtp.password_file": E3.path("wrong.password")})),
    ("sender refused", {"transport.kind": "smtp",
                        "smtp.url": "smtp://127.0.0.1:%d" % refusing.port}),
    ("nothing listening", settings(1)),
]
for what, st in cases:
    rc, out, err = E3.flush(st)
    m = E3.by_recipient()["ana@a.example"]
    check(rc == 69, "%s: exit 69 (got %d)" % (what, rc))
    check(m["state"] == "queued" and m["attempts"] == 0, "%s: message stays queued" % what)
check(read_json(E3.path("stats.json"))["messages"] == 0, "nothing delivered meanwhile")
rc, out, err = E3.flush(settings(tls.port, **{"smtp.connections": "0"}))
check(rc == 78 and "connections" in err, "[smtp] connections = 0 is a config error (78): %s"
      % err.strip())
rc, out, err = E3.flush(settings(tls.port, **{"smtp.ca_file": E3.path("nothing.pem")}))
check(rc == 78 and "[smtp] ca_file" in err, "a missing ca_file is a config error (78)")
rc, out, err = E3.flush(settings(tls.port))
check(rc == 0 and read_json(E3.path("stats.json"))["messages"] == 1,
      "with the right settings it goes out")
tls.stop()
refusing.stop()

finish()
