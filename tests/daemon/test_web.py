#!/usr/bin/python3
"""daemon.web: the members' pages through the real coffeetriald on an
ephemeral 127.0.0.1 port, driven over HTTP as a browser, a mail scanner
and an attacker would.

Links come from the spooled invitations. Every route's GET answers a page
with one POST form and the security headers, and changes nothing (the
database is the same afterwards); each POST acts (pause, stop, resume,
one-click unsubscribe: the member's status; preferences: shown back;
check-in and skip: their result pages). Refused without any change: a
changed token, a token for another route, an expired one, one signed with
another key, one for an unknown member, a stopped member's; malformed forms,
a wrong content type, a body over 16 KB, other methods, unknown routes;
many requests from one client get 429. /metrics has counts and no address.
The log names routes and statuses, never a token."""

import base64
import hashlib
import hmac
import http.client
import os
import re
import socket
import struct
import subprocess
import sys
import time
import email
import email.policy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import Daemon, base_env, check, query, scratch  # noqa: E402

CLI = os.environ["CT_BIN"]
ROSTER = os.path.join(os.environ["CT_SRC"], "tests", "data", "roster-small.csv")
NOW = "2027-03-01T08:00:00Z"
T0 = 1803888000
ACTIONS = ["skip", "pause", "stop", "resume", "preferences", "checkin", "unsubscribe"]

d = scratch()


def cli(*args):
    p = subprocess.run([CLI, "-c", os.path.join(d, "c.ini")] + list(args), cwd=d,
                       env=base_env(COFFEETRIAL_TEST_NOW=NOW), capture_output=True, text=True,
                       timeout=60)
    check(p.returncode == 0, "coffeetrial %s: exit %d\n%s" % (" ".join(args), p.returncode,
                                                              p.stderr))
    return p.stdout


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


port = free_port()
with open(os.path.join(d, "c.ini"), "w") as f:
    f.write("[network]\nname = Riverside Coffee\n[web]\npublic_url = https://coffee.example.org\n"
            "secret_file = key\nlisten = 127.0.0.1:%d\nmetrics = yes\n" % port)
cli("web", "keygen", "key")
KEY = bytes.fromhex(open(os.path.join(d, "key")).read().strip())
cli("roster", "import", ROSTER)
cli("round", "plan", "--seed", "7")
cli("round", "send", "1")
cli("outbox", "flush")


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(member, action, expires, key=KEY, rnd=1, group=1):
    payload = bytes([1, ACTIONS.index(action)]) + struct.pack(">qqqq", member, rnd, group, expires)
    return b64(payload) + "." + b64(hmac.new(key, payload, hashlib.sha256).digest())


# Each member's links, from their spooled invitation.
links = {}
for name in sorted(os.listdir(os.path.join(d, "spool"))):
    with open(os.path.join(d, "spool", name), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    rcpt = m["To"].addresses[0].addr_spec.lower()
    text = m.get_body(("plain",)).get_content()
    found = dict(re.findall(r"https://coffee\.example\.org/([a-z]+/[A-Za-z0-9_.-]+)", text)
                 and [(u.split("/")[0], "/" + u) for u in
                      re.findall(r"https://coffee\.example\.org/([a-z]+/[A-Za-z0-9_.-]+)", text)])
    lu = re.search(r"<https://coffee\.example\.org(/unsubscribe/[^>]+)>", m["List-Unsubscribe"])
    found["unsubscribe"] = lu.group(1)
    links[rcpt] = found
emails = sorted(links)
check(len(emails) >= 4, "invitations for at least four members: %s" % emails)
ids = {e.lower(): i for i, e in query(os.path.join(d, "coffeetrial.db"),
                                       "SELECT id, email FROM members")}

daemon = Daemon(["-c", os.path.join(d, "c.ini")], d, COFFEETRIAL_TEST_NOW=NOW)
daemon.wait_log(r"members' pages and /metrics served on 127\.0\.0\.1:%d" % port)


def request(method, path, body=None, ctype="application/x-www-form-urlencoded", headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    h = dict(headers or {})
    if body is not None:
        h["Content-Type"] = ctype
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read().decode("utf-8", "replace")
    c.close()
    return r.status, r, data


def state():
    return query(os.path.join(d, "coffeetrial.db"),
                 "SELECT id, status, coalesce(paused_until, '') FROM members ORDER BY id")


def status_of(addr):
    return query(os.path.join(d, "coffeetrial.db"), "SELECT status FROM members WHERE id = ?",
                 (ids[addr],))[0][0]


def page_ok(path, what):
    st, r, body = request("GET", path)
    check(st == 200, "%s: GET %s -> %d\n%s" % (what, path.split("/")[1], st, body))
    csp = r.getheader("Content-Security-Policy") or ""
    for part in ("default-src 'none'", "frame-ancestors 'none'", "form-action 'self'",
                 "style-src 'sha256-"):
        check(part in csp, "%s: CSP has %s: %s" % (what, part, csp))
    check(r.getheader("Referrer-Policy") == "no-referrer", "%s: Referrer-Policy" % what)
    check(r.getheader("Cache-Control") == "no-store", "%s: Cache-Control" % what)
    check(r.getheader("X-Content-Type-Options") == "nosniff", "%s: nosniff" % what)
    check('<html lang="en">' in body and 'name="viewport"' in body, "%s: lang, viewport" % what)
    check("Riverside Coffee" in body, "%s: in the network's name" % what)
    check(body.count('<form method="post"') == 1 and body.count("<button") == 1,
          "%s: exactly one form with one button" % what)
    check(not re.search(r"<script|<link|src=|https?://", body), "%s: no external asset" % what)
    # The CSP hash is the inline style's.
    style = re.search(r"<style>(.*?)</style>", body, re.S).group(1)
    want = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    check("'sha256-%s'" % want in csp, "%s: the CSP hash matches the style" % what)
    return body


# --- GET shows and never acts ----------------------------------------------
before = state()
a, b, c_, e = emails[0], emails[1], emails[2], emails[3]
for action in ("skip", "pause", "stop", "preferences", "checkin", "unsubscribe"):
    body = page_ok(links[a][action], action)
    request("HEAD", links[a][action])
check(state() == before, "GET and HEAD of every page changed nothing")
body = page_ok(links[a]["pause"], "pause")
check('type="radio" name="for" value="1m"' in body and 'type="date"' in body,
      "pause offers one month, three months, a date")
body = page_ok(links[a]["checkin"], "checkin")
check('name="met" value="moved"' in body and 'name="rating" value="5"' in body,
      "check-in offers yes/moved/no and a rating")
check(" checked" not in body, "a bare check-in link preselects nothing")
body = page_ok(links[a]["checkin"] + "?answer=met", "checkin")
check('value="yes" required checked' in body, "the check-in message's 'met' link preselects yes")
body = page_ok(links[a]["checkin"] + "?answer=not_met", "checkin")
check('value="no" checked' in body and 'value="yes" required checked' not in body,
      "the 'not met' link preselects no")
check(state() == before, "a check-in page opened from either link changed nothing")
for label in re.findall(r'<input type="(?:text|date)" id="([a-z_]+)"', page_ok(
        links[a]["preferences"], "preferences")):
    check('<label for="%s">' % label, "preferences: field %s has a label" % label)

# --- refused without any change -------------------------------------------
skip = links[a]["skip"]
tok = skip.split("/")[2]
tampered = tok[:-3] + ("AAA" if tok[-3:] != "AAA" else "BBB")
cases = [
    ("tampered", "GET", "/skip/" + tampered, 403),
    ("tampered POST", "POST", "/skip/" + tampered, 403),
    ("another route's token", "POST", "/stop/" + tok, 403),
    ("expired", "POST", "/skip/" + token(ids[a], "skip", T0 - 1), 410),
    ("another key (rotated)", "POST", "/skip/" + token(ids[a], "skip", T0 + 99999, key=b"k" * 32), 403),
    ("unknown member", "GET", "/skip/" + token(999999, "skip", T0 + 99999), 410),
    ("no token", "GET", "/skip/", 404),
    ("unknown route", "GET", "/nope/" + tok, 404),
    ("root", "GET", "/", 404),
    ("deeper path", "GET", skip + "/x", 404),
    ("PUT", "PUT", skip, 405),
    ("DELETE", "DELETE", skip, 405),
]
for what, method, path, want in cases:
    st, r, body = request(method, path, body="" if method in ("POST", "PUT") else None)
    check(st == want, "%s: %s -> %d, want %d" % (what, method, st, want))
    check(r.getheader("Content-Security-Policy") and r.getheader("Cache-Control") == "no-store",
          "%s: the headers on a refusal too" % what)
st, r, _ = request("PUT", skip, body="")
check("POST" in (r.getheader("Allow") or ""), "405 says what is allowed")
# The same refusals through curl(1), as an operator probing the listener would see them.
for what, method, path, want in cases:
    args = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
            "-X", method]
    if method in ("POST", "PUT"):
        args += ["--data", ""]
    got = subprocess.run(args + ["http://127.0.0.1:%d%s" % (port, path)], capture_output=True,
                         text=True, timeout=30).stdout
    check(got == str(want), "curl, %s: %s -> %s, want %d" % (what, method, got, want))
forms = [
    ("bad escape", links[a]["pause"], "for=%zz", "application/x-www-form-urlencoded", 400),
    ("no value", links[a]["pause"], "for", "application/x-www-form-urlencoded", 400),
    ("NUL", links[a]["pause"], "for=1m%00", "application/x-www-form-urlencoded", 400),
    ("wrong type", links[a]["pause"], "for=1m", "text/plain", 400),
    ("past date", links[a]["pause"], "for=date&until=2000-01-01",
     "application/x-www-form-urlencoded", 400),
    ("no choice", links[a]["pause"], "x=1", "application/x-www-form-urlencoded", 400),
    ("bad rating", links[a]["checkin"], "met=yes&rating=9", "application/x-www-form-urlencoded",
     400),
    ("unknown field", links[a]["preferences"], "evil=1", "application/x-www-form-urlencoded", 400),
    ("unsubscribe without One-Click", links[a]["unsubscribe"], "List-Unsubscribe=yes",
     "application/x-www-form-urlencoded", 400),
    ("over 16 KB", links[a]["pause"], "for=1m&pad=" + "x" * 17000,
     "application/x-www-form-urlencoded", 413),
]
for what, path, body, ctype, want in forms:
    st, _, page = request("POST", path, body=body, ctype=ctype)
    check(st == want, "%s: POST -> %d, want %d\n%s" % (what, st, want, page))
check(state() == before, "no refused request changed anything")

# --- POST acts -------------------------------------------------------------------
st, _, body = request("POST", links[a]["checkin"], "met=yes&rating=4&note=Lovely+chat")
check(st == 200 and "Thank you" in body, "check-in: %d %s" % (st, body))
st, _, body = request("POST", links[a]["skip"], "")
check(st == 200 and "skipping this round" in body, "skip: %d %s" % (st, body))
st, _, body = request("POST", links[a]["preferences"],
                      "greeting=Ana&working_hours=08%3A00-16%3A00&days=MO&days=TU&frequency=2"
                      "&mode=video&intro=Hello+%26+welcome&timezone=Europe%2FLondon")
check(st == 200 and "preferences are saved" in body and "Hello &amp; welcome" in body,
      "preferences saved and shown escaped: %d %s" % (st, body))
body = page_ok(links[a]["preferences"], "preferences again")
check('value="Ana"' in body and 'value="MO" checked' in body and 'value="video" checked' in body,
      "the preferences page shows what was saved")
st, _, body = request("POST", links[a]["pause"], "for=1m")
check(st == 200 and "paused" in body and status_of(a) == "paused", "pause for a month: %d %s %s"
      % (st, status_of(a), body))
# Stop, its undo, and a stopped member's links are refused.
st, _, body = request("POST", links[b]["stop"], "")
check(st == 200 and status_of(b) == "left", "stop: %d %s" % (st, status_of(b)))
undo = re.search(r'<form method="post" action="\.\./resume/([A-Za-z0-9_.-]+)">', body)
check(undo is not None, "the stop result has an undo button:\n%s" % body)
st, _, body = request("POST", "/resume/" + undo.group(1), "")
check(st == 200 and status_of(b) == "active", "undo: %d %s" % (st, status_of(b)))
request("POST", links[b]["stop"], "")
before = state()
for action in ("skip", "pause", "preferences", "checkin", "stop"):
    st, _, _ = request("GET", links[b][action])
    check(st == 410, "a stopped member's %s link: %d, want 410" % (action, st))
    st, _, _ = request("POST", links[b][action], "met=yes")
    check(st == 410, "a stopped member's %s POST: %d, want 410" % (action, st))
check(state() == before, "a stopped member's links changed nothing")
# RFC 8058 one-click: acts without a page, twice is harmless.
st, _, body = request("POST", links[c_]["unsubscribe"], "List-Unsubscribe=One-Click")
check(st == 200 and status_of(c_) == "left", "one-click unsubscribe: %d %s" % (st, status_of(c_)))
st, _, body = request("POST", links[c_]["unsubscribe"], "List-Unsubscribe=One-Click")
check(st == 200, "one-click again: %d" % st)
st, _, body = request("POST", links[e]["unsubscribe"],
                      '--XX\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
                      'One-Click\r\n--XX--\r\n', ctype="multipart/form-data; boundary=XX")
check(st == 200 and status_of(e) == "left", "one-click as multipart: %d %s" % (st, status_of(e)))

# --- /metrics ------------------------------------------------------------------------
st, r, text = request("GET", "/metrics")
check(st == 200 and r.getheader("Content-Type").startswith("text/plain; version=0.0.4"),
      "metrics: %d %s" % (st, r.getheader("Content-Type")))
sent = query(os.path.join(d, "coffeetrial.db"),
             "SELECT count(*) FROM outbox WHERE kind = 'request' AND state = 'sent'")[0][0]
check('coffeetrial_messages{kind="request",state="sent"} %d\n' % sent in text,
      "metrics count the sent invitations (%d):\n%s" % (sent, text))
check(re.search(r'^coffeetrial_members\{status="left"\} 3$', text, re.M),
      "metrics count the members who left")
check(re.search(r'^coffeetrial_rounds\{state="sent"\} 1$', text, re.M), "metrics count rounds")
check("# TYPE coffeetrial_messages gauge" in text, "metrics typed")
check("@" not in text and "Riverside" not in text, "metrics carry no address or name")
st, _, _ = request("POST", "/metrics", "")
check(st == 405, "POST /metrics -> %d" % st)

# --- slow clients hold nothing up ---------------------------------------------------
slow = []
for _ in range(10):
    k = socket.create_connection(("127.0.0.1", port), timeout=5)
    k.sendall(b"POST /skip/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\nab")
    slow.append(k)
t = time.monotonic()
st, _, _ = request("GET", "/metrics")
took = time.monotonic() - t
check(st == 200 and took < 5, "a request beside ten stalled ones: %d in %.2fs" % (st, took))
print("# /metrics beside ten stalled uploads: %.3fs" % took)
for k in slow:
    k.close()

# --- many requests from one client ------------------------------------------------
codes = [request("GET", links[a]["skip"])[0] for _ in range(250)]
check(429 in codes, "250 quick requests from one client meet the limit: %s" % sorted(set(codes)))
st, r, _ = request("GET", links[a]["skip"])
check(st != 429 or r.getheader("Retry-After"), "429 says when to retry")

# --- the log, and the daemon goes on ------------------------------------------------
log = daemon.text()
check(re.search(r"web: GET skip 200", log) and re.search(r"web: POST stop 200", log),
      "the log names route and status")
check(re.search(r"web: GET - 429", log), "the log counts the limited requests")
for addr in links:
    for path in links[addr].values():
        check(path.split("/")[2][:20] not in log, "a token in the log")
check(daemon.alive(), "the daemon runs on")
daemon.signal(15)
check(daemon.wait_exit() == 0, "the daemon stops cleanly:\n%s" % daemon.text())

# --- socket activation: systemd's socket at fd 3 (LISTEN_PID = the daemon) -----------
lsock = socket.socket()
lsock.bind(("127.0.0.1", 0))
lsock.listen(16)
port = lsock.getsockname()[1]


def as_fd3():
    os.dup2(lsock.fileno(), 3)
    os.set_inheritable(3, True)


env = base_env(COFFEETRIAL_TEST_NOW=NOW, LISTEN_FDS="1")
log = open(os.path.join(d, "socket.log"), "w")
proc = subprocess.Popen(["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$0" "$@"', os.environ["CT_DAEMON"],
                         "-c", os.path.join(d, "c.ini")], cwd=d, env=env,
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                        preexec_fn=as_fd3, close_fds=False)
try:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "the socket systemd passed" not in open(log.name).read():
        time.sleep(0.05)
    check("served on the socket systemd passed" in open(log.name).read(),
          "the daemon takes the passed socket:\n%s" % open(log.name).read())
    st, _, _ = request("GET", "/metrics")
    check(st == 200, "metrics through the passed socket: %d" % st)
finally:
    proc.terminate()
    proc.wait(timeout=20)
    lsock.close()
print("ok")
