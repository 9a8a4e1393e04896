#!/usr/bin/python3
"""test_http.py: the HTTP gateway transport against a Python gateway on 127.0.0.1.

One JSON document per message with the bearer token and the Message-ID as
Idempotency-Key, on one kept-alive connection; 2xx sent; 429 (Retry-After in
seconds or as an HTTP-date) and 500 retried, the server's wait honoured;
400 permanent with the gateway's reason kept; a wrong token keeps every
message queued (exit 69); a message resent after a crash is recognised by
the gateway through its Idempotency-Key.
"""
import json
import os
import sqlite3
import subprocess
import time

from harness import Env, Server, check, finish, iso_to_unix, read_json

E = Env("http")
TOKEN = "tok-3f9a1c"
E.write_secret("gateway.token", TOKEN)
gw = Server("http_gateway.py", "--token", TOKEN, "--record", E.path("requests"),
            "--stats", E.path("stats.json"), stderr_path=E.path("gateway.log"))
BASE = 60


def settings(token_file=E.path("gateway.token")):
    return {"transport.kind": "http", "transport.max_attempts": "3",
            "transport.retry_base": "%ds" % BASE,
            "http.url": "http://127.0.0.1:%d/v1/messages" % gw.port,
            "http.token_file": token_file, "http.timeout": "10s"}


def requests():
    d = E.path("requests")
    return [read_json(os.path.join(d, f)) for f in sorted(os.listdir(d)) if f.endswith(".json")]


rcpts = ["ana@a.example", "bo@a.example", "busy-3600@b.example", "busydate@c.example",
         "fail@d.example", "bad@e.example", "flaky@f.example"]
ids = {r: E.enqueue(r, subject="Coffee with Zoë \"Z\" Ørsted") for r in rcpts}
t0 = time.time()
rc, out, err = E.flush(settings())
t1 = time.time()
check(rc == 75, "flush with retries pending exits 75 (got %d)" % rc)
check("2 sent, 4 to retry" in out and "1 failed" in out, "summary: 2 sent, 4 to retry, 1 failed")
box = E.by_recipient()
reqs = requests()
check(len(reqs) == 7, "one POST per message")
check(read_json(E.path("stats.json"))["connections"] == 1,
      "one kept-alive connection for the batch (got %d)"
      % read_json(E.path("stats.json"))["connections"])
for req in reqs:
    h = {k.lower(): v for k, v in req["headers"].items()}
    doc = json.loads(req["body"])
    rcpt = doc["recipients"][0]
    check(req["path"] == "/v1/messages", "POST to the configured path")
    check(h.get("authorization") == "Bearer " + TOKEN, "bearer token sent (%s)" % rcpt)
    check(h.get("idempotency-key") == ids[rcpt] == doc["message_id"],
          "Idempotency-Key is the Message-ID (%s)" % rcpt)
    check(h.get("content-type") == "application/json", "JSON content type")
    check(doc["recipients"] == [rcpt], "one recipient per document")
    check(doc["subject"] == "Coffee with Zoë \"Z\" Ørsted", "subject survives JSON escaping")
    check(doc["from"] == E.organiser and doc["method"] == "REQUEST", "from and method")
    check(doc["text"] == "Hello" and doc["html"] == "<p>Hello</p>"
          and doc["ics"].startswith("BEGIN:VCALENDAR"), "text, html and ics fields")
for r in ("ana@a.example", "bo@a.example"):
    check(box[r]["state"] == "sent", "%s sent (202)" % r)
m = box["busy-3600@b.example"]
nxt = iso_to_unix(m["next_attempt_at"])
check(m["state"] == "queued" and t0 + 3600 - 2 <= nxt <= t1 + 3600 + 2,
      "429 Retry-After: 3600 honoured over the 60 s backoff (%+ds)" % (nxt - t0))
m = box["busydate@c.example"]
nxt = iso_to_unix(m["next_attempt_at"])
check(m["state"] == "queued" and t0 + 3600 - 5 <= nxt <= t1 + 3600 + 5,
      "429 Retry-After as HTTP-date honoured (%+ds)" % (nxt - t0))
m = box["fail@d.example"]
nxt = iso_to_unix(m["next_attempt_at"])
check(m["state"] == "queued" and "HTTP 500" in (m["last_error"] or "")
      and t0 + 0.8 * BASE - 2 <= nxt <= t1 + 1.2 * BASE + 2, "500 retried after the backoff")
m = box["bad@e.example"]
check(m["state"] == "dead" and m["attempts"] == 1, "400 is permanent")
check("HTTP 400" in (m["last_error"] or "") and "invalid recipient" in (m["last_error"] or ""),
      "the gateway's reason is kept: %s" % m["last_error"])
check(box["flaky@f.example"]["state"] == "queued", "first 500 of a flaky gateway retried")

# Two hours later: flaky goes through; busy still busy; attempts counted.
rc, out, err = E.flush(settings(), now=time.time() + 7200)
box = E.by_recipient()
check(box["flaky@f.example"]["state"] == "sent" and box["flaky@f.example"]["attempts"] == 2,
      "retried message sent on the second attempt")
check(box["busy-3600@b.example"]["attempts"] == 2, "busy retried once more")

# A crash after the POST and before it was marked sent: the resend carries the
# same Idempotency-Key and the gateway does not deliver it twice.
child = subprocess.Popen(["true"])
child.wait()
db = sqlite3.connect(E.db)
db.execute("UPDATE outbox SET state='sending', claimed_by=?, claimed_at=strftime('%s','now') "
           "WHERE recipient='ana@a.example'", (child.pid,))
db.commit()
db.close()
accepted = read_json(E.path("stats.json"))["accepted"]
rc, out, err = E.flush(settings(), now=time.time() + 7200)
st = read_json(E.path("stats.json"))
check("1 interrupted earlier and requeued" in out, "interrupted send requeued")
check(E.by_recipient()["ana@a.example"]["state"] == "sent", "and marked sent again")
check(st["duplicates"] == 1 and st["accepted"] == accepted,
      "gateway saw the same Idempotency-Key and did not accept it twice")
check(TOKEN not in out + err and all(TOKEN not in (m["last_error"] or "")
                                     for m in E.outbox()["messages"]),
      "the token appears in no output")

# A wrong token: the service refuses us, not the message.
E2 = Env("http-token")
E2.write_secret("wrong.token", "not-the-token")
E2.enqueue("ana@a.example")
rc, out, err = E2.flush(settings(E2.path("wrong.token")))
m = E2.by_recipient()["ana@a.example"]
check(rc == 69, "wrong token: exit 69 (got %d)" % rc)
check(m["state"] == "queued" and m["attempts"] == 0 and "HTTP 401" in (m["last_error"] or ""),
      "message stays queued with the 401 noted")
check("not-the-token" not in out + err, "the wrong token is not printed either")
gw.stop()

# Nothing listening: exit 69.
rc, out, err = E2.flush(settings(E2.path("wrong.token")))
check(rc == 69, "gateway down: exit 69 (got %d)" % rc)
finish()
