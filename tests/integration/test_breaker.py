#!/usr/bin/python3
"""test_breaker.py: a relay that misbehaves costs no attempts.

Real servers on 127.0.0.1: an HTTP gateway that accepts connections and
never answers, and an SMTP server that drops the connection in the middle
of DATA. 49 queued messages each time: the breaker trips after 3 relay
faults in a row, the flush stops as "service unavailable" (exit 69) in a
bounded time, no message loses an attempt, and the next flush waits out
the breaker's backoff (without touching the relay) before trying again.
A fault followed by an answer (one message the relay drops, others it
takes) is the message's own and counts as an attempt.
"""
import os
import time

from harness import Env, Server, check, finish, iso_to_unix, read_json

N = 49
BASE = 60


def attempts(env):
    return [m["attempts"] for m in env.outbox()["messages"]]


# 1. An HTTP gateway that accepts and never answers.
E = Env("breaker-http")
E.write_secret("gateway.token", "tok-breaker")
hung = Server("bad_relay.py", "--mode", "hang", "--stats", E.path("hung.json"))
E.seed(N, "h.example")
http = {"transport.kind": "http", "transport.max_attempts": "3",
        "transport.retry_base": "%ds" % BASE, "http.timeout": "1s",
        "http.url": "http://127.0.0.1:%d/v1/messages" % hung.port,
        "http.token_file": E.path("gateway.token")}
t0 = time.time()
rc, out, err = E.flush(http)
took = time.time() - t0
check(rc == 69, "hung gateway: exit 69 (got %d)" % rc)
check(took < 20, "the flush stops after a few timeouts (%.1f s)" % took)
check("service unavailable" in out, "summary says service unavailable")
check("breaker open" in err and "no attempts counted" in err and "next try at" in err,
      "one line says the breaker is open and when it tries next: %s" % err.strip())
check(read_json(E.path("hung.json"))["requests"] == 3,
      "3 requests reached the gateway (got %d)" % read_json(E.path("hung.json"))["requests"])
a = attempts(E)
check(len(a) == N and all(x == 0 for x in a), "none of %d messages lost an attempt" % N)
box = E.outbox()["messages"]
check(all(m["state"] == "queued" for m in box), "all still queued")
timed_out = [m for m in box if "timed out" in (m["last_error"] or "").lower()]
check(len(timed_out) == 3, "the 3 tried show the timeout (got %d)" % len(timed_out))
for m in timed_out:
    nxt = iso_to_unix(m["next_attempt_at"])
    check(t0 + 0.8 * BASE - 2 <= nxt <= time.time() + 1.2 * BASE + 2,
          "a faulted message waits the first retry delay (%+ds)" % (nxt - t0))

# The next flush respects the breaker: no request, exit 69 at once.
rc, out, err = E.flush(http)
check(rc == 69 and "breaker open" in err, "breaker open: the next flush exits 69 (%d)" % rc)
check(read_json(E.path("hung.json"))["requests"] == 3, "and does not touch the gateway")
check(all(x == 0 for x in attempts(E)), "still no attempt counted")
r = E.cli("outbox", "--format", "json")
check(r.returncode == 0, "outbox lists while the breaker is open")

# After the backoff, with the gateway mended, everything goes and the breaker closes.
hung.stop()
os.makedirs(E.path("requests"), exist_ok=True)
gw = Server("http_gateway.py", "--token", "tok-breaker", "--record", E.path("requests"),
            "--stats", E.path("gw.json"))
http["http.url"] = "http://127.0.0.1:%d/v1/messages" % gw.port
later = time.time() + 4 * 3600
rc, out, err = E.flush(http, now=later)
check(rc == 0 and "%d sent" % N in out, "after the backoff all %d are sent (exit %d)" % (N, rc))
check(all(m["state"] == "sent" and m["attempts"] == 1 for m in E.outbox()["messages"]),
      "each sent on its first counted attempt")
E.seed(1, "after.example")
rc, out, err = E.flush(http, now=later + 1)
check(rc == 0 and "1 sent" in out, "the breaker closed: the next flush goes at once")
gw.stop()

# 2. An SMTP server that drops the connection in the middle of DATA.
E2 = Env("breaker-smtp")
drop = Server("bad_relay.py", "--mode", "smtp-drop", "--stats", E2.path("drop.json"))
E2.seed(N, "s.example")
smtp = {"transport.kind": "smtp", "transport.max_attempts": "3",
        "transport.retry_base": "%ds" % BASE, "smtp.timeout": "5s",
        "smtp.url": "smtp://127.0.0.1:%d" % drop.port}
t0 = time.time()
rc, out, err = E2.flush(smtp)
took = time.time() - t0
check(rc == 69, "mid-DATA drop: exit 69 (got %d)" % rc)
check(took < 20, "bounded in time (%.1f s)" % took)
st = read_json(E2.path("drop.json"))
# Over 4 connections ([smtp] connections' default) the messages in flight
# when the third fault comes finish too: 3 to 6 reach DATA, none is taken.
check(3 <= st["requests"] <= 6 and st["accepted"] == 0,
      "3 to 6 messages reached DATA before the breaker tripped (got %d)" % st["requests"])
check(st["connections"] <= 3 + 4, "a new connection per dropped one, at most (got %d)"
      % st["connections"])
a = attempts(E2)
check(len(a) == N and all(x == 0 for x in a), "none of %d messages lost an attempt" % N)
check("breaker open" in err, "the breaker is named: %s" % err.strip())
drop.stop()

# 3. A fault followed by answers: the message, not the relay; it counts.
E3 = Env("breaker-one")
one = Server("bad_relay.py", "--mode", "smtp-drop", "--drop-only", "poison@p.example",
             "--stats", E3.path("one.json"))
E3.enqueue("poison@p.example")
E3.seed(5, "fine.example")
smtp["smtp.url"] = "smtp://127.0.0.1:%d" % one.port
rc, out, err = E3.flush(smtp)
box = {m["recipient"]: m for m in E3.outbox()["messages"]}
check(rc == 75, "one dropped message among good ones: exit 75 (got %d)" % rc)
check(box["poison@p.example"]["attempts"] == 1 and box["poison@p.example"]["state"] == "queued",
      "the dropped message's attempt is counted")
check(sum(1 for m in box.values() if m["state"] == "sent") == 5, "the others are sent")
check("breaker" not in err, "the breaker did not trip")
one.stop()

finish()
