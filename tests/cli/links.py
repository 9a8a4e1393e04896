#!/usr/bin/python3
"""links.py: every message to a member carries their own signed links and
the List-Unsubscribe headers, checked on the spooled .eml files as a mail
client (and a mail provider's one-click unsubscribe) would read them.

With [web] public_url: List-Unsubscribe has the https link then the
mailto, List-Unsubscribe-Post is One-Click; every token verifies with an
independent HMAC-SHA256 (Python's hmac) under the key file, names the
recipient, the right action, round and group, and expires as documented
(window + 14 days; unsubscribe a year); the text and HTML bodies carry the
links and the calendar's DESCRIPTION does not. Updates, cancels and
notices carry them too (a cancel without skip/check-in). Without
public_url: only the mailto, no Post header, no links in the bodies. A
missing key file stops the send with a clear error and queues nothing.
"""
import base64
import email
import email.policy
import hashlib
import hmac
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile

import icalendar

BIN = os.environ["CT_BIN"]
SRC = os.environ["CT_SRC"]
ROSTER = os.path.join(SRC, "tests", "data", "roster-small.csv")
NOW = "2027-03-01T08:00:00Z"
ACTIONS = ["skip", "pause", "stop", "resume", "preferences", "checkin", "unsubscribe"]
WINDOW = 14 * 86400

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


tmp = tempfile.mkdtemp(prefix="ct-links-")


def run(d, *args):
    env = dict(os.environ)
    env["COFFEETRIAL_CONFIG"] = ""
    env["COFFEETRIAL_TEST_NOW"] = NOW
    return subprocess.run([BIN, "-c", os.path.join(d, "c.ini")] + list(args), cwd=d, env=env,
                          capture_output=True, text=True, timeout=120)


def ok(d, *args):
    r = run(d, *args)
    if not check(r.returncode == 0, "coffeetrial %s: exit %d\n%s%s"
                 % (" ".join(args), r.returncode, r.stdout, r.stderr)):
        finish()
    return r


def finish():
    shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("ok")
    sys.exit(0)


def network(name, web):
    d = os.path.join(tmp, name)
    os.mkdir(d)
    with open(os.path.join(d, "c.ini"), "w") as f:
        f.write("[network]\norganiser_email = coffee+trial@example.org\n" + web)
    return d


def b64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def verify(key, token):
    """The token's fields if its HMAC is right, else None."""
    m = re.fullmatch(r"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)", token)
    if not m:
        return None
    payload, sig = b64(m.group(1)), b64(m.group(2))
    if not hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).digest(), sig):
        return None
    version, action = payload[0], payload[1]
    member, rnd, group, expires = struct.unpack(">qqqq", payload[2:])
    return {"version": version, "action": ACTIONS[action], "member": member, "round": rnd,
            "group": group, "expires": expires}


def messages(d):
    out = []
    sd = os.path.join(d, "spool")
    for name in sorted(os.listdir(sd)) if os.path.isdir(sd) else []:
        with open(os.path.join(sd, name), "rb") as f:
            raw = f.read()
        out.append((name, raw, email.message_from_bytes(raw, policy=email.policy.default)))
    return out


def db(d, sql, args=()):
    c = sqlite3.connect(os.path.join(d, "coffeetrial.db"))
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


T0 = 1803888000  # NOW as Unix seconds

# --- with public_url -------------------------------------------------------
web = network("web", "[web]\npublic_url = https://coffee.example.org/ct/\nsecret_file = key\n")
ok(web, "web", "keygen", "key")
key = bytes.fromhex(open(os.path.join(web, "key")).read().strip())
ok(web, "roster", "import", ROSTER)
ok(web, "round", "plan", "--seed", "7")
# A missing key: the send fails, says which key, queues nothing.
os.rename(os.path.join(web, "key"), os.path.join(web, "key.away"))
r = run(web, "round", "send", "1")
check(r.returncode != 0 and "[web] secret_file" in r.stderr,
      "send without the key fails naming [web] secret_file: %d %s" % (r.returncode, r.stderr))
check(db(web, "SELECT count(*) FROM outbox")[0][0] == 0, "nothing queued without the key")
os.rename(os.path.join(web, "key.away"), os.path.join(web, "key"))
ok(web, "round", "send", "1")
ok(web, "outbox", "flush")
ids = {e.lower(): i for i, e in db(web, "SELECT id, email FROM members")}
group_of = {m: g for g, m in db(web, "SELECT group_id, member_id FROM group_members")}
sent = messages(web)
check(len(sent) >= 4, "invitations spooled: %d" % len(sent))


def check_member_message(name, raw, m, want_actions, group):
    rcpt = m["To"].addresses[0].addr_spec.lower()
    member = ids[rcpt]
    lu = m.get_all("List-Unsubscribe")
    check(lu is not None and len(lu) == 1, "%s: one List-Unsubscribe" % name)
    if not lu:
        return
    targets = re.findall(r"<([^<>]*)>", str(lu[0]))
    check(len(targets) == 2 and targets[0].startswith("https://coffee.example.org/ct/unsubscribe/")
          and targets[1] == "mailto:coffee+trial@example.org?subject=unsubscribe",
          "%s: List-Unsubscribe https then mailto: %s" % (name, lu[0]))
    check(m.get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click",
          "%s: List-Unsubscribe-Post One-Click" % name)
    # Raw header lines within RFC 5322's limit, no stray CR/LF.
    for line in raw.split(b"\r\n"):
        check(len(line) <= 998, "%s: a line over 998 octets" % name)
    t = verify(key, targets[0].rsplit("/", 1)[1])
    check(t is not None and t["action"] == "unsubscribe" and t["member"] == member
          and t["expires"] == T0 + 365 * 86400,
          "%s: the unsubscribe token verifies, is the recipient's, lives a year: %s" % (name, t))
    text = m.get_body(("plain",)).get_content()
    html = m.get_body(("html",)).get_content() if m.get_body(("html",)) else ""
    found = dict(re.findall(r"https://coffee\.example\.org/ct/([a-z]+)/([A-Za-z0-9_.-]+)", text))
    check(set(found) == set(want_actions), "%s: text links %s, want %s"
          % (name, sorted(found), sorted(want_actions)))
    for action, token in found.items():
        t = verify(key, token)
        check(t is not None and t["action"] == action and t["member"] == member
              and t["group"] == group and t["expires"] == T0 + WINDOW + 14 * 86400,
              "%s: %s token is the recipient's, for group %d, window + 14d: %s"
              % (name, action, group, t))
        if html:
            check("/ct/%s/%s\"" % (action, token) in html, "%s: HTML has the %s link" % (name, action))
    # The calendar (forwardable) never carries the member's links.
    for part in m.walk():
        if part.get_content_type() == "text/calendar":
            cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            for ev in cal.walk("VEVENT"):
                check("coffee.example.org/ct" not in str(ev.get("DESCRIPTION", "")),
                      "%s: links kept out of the calendar's DESCRIPTION" % name)
    return member


invite_actions = {"skip", "checkin", "pause", "preferences", "stop"}
for name, raw, m in sent:
    rcpt = m["To"].addresses[0].addr_spec.lower()
    check_member_message(name, raw, m, invite_actions, group_of[ids[rcpt]])
    check(verify(key, "x" + "A" * 45 + "." + "A" * 43) is None, "the checker itself refuses junk")

# A member paused after sending: a cancel to them, news to their partner(s).
before = {n for n, _, _ in sent}
victim = sent[0][2]["To"].addresses[0].addr_spec.lower()
ok(web, "member", "pause", victim)
ok(web, "outbox", "flush")
later = [x for x in messages(web) if x[0] not in before]
check(len(later) >= 2, "pausing after send mails the member and the partner(s): %d" % len(later))
kinds = set()
for name, raw, m in later:
    rcpt = m["To"].addresses[0].addr_spec.lower()
    ctype = m.get_content_type()
    if ctype == "text/plain":
        kinds.add("notice")
        check_member_message(name, raw, m, {"pause", "preferences", "stop"}, 0)
        body = m.get_content()
        check("\n-- \n" not in body or body.index("/ct/stop/") < body.index("\n-- \n"),
              "%s: the notice's links come before its signature" % name)
    else:
        method = [p.get_param("method") for p in m.walk() if p.get_content_type() == "text/calendar"]
        kinds.add(method[0] if method else "?")
        want = invite_actions if method == ["REQUEST"] else {"pause", "preferences", "stop"}
        check_member_message(name, raw, m, want, group_of[ids[rcpt]])
check("CANCEL" in kinds, "a CANCEL was sent and checked: %s" % kinds)

# --- without public_url -------------------------------------------------------
plain = network("plain", "")
ok(plain, "roster", "import", ROSTER)
ok(plain, "round", "plan", "--seed", "7")
ok(plain, "round", "send", "1")
ok(plain, "outbox", "flush")
for name, raw, m in messages(plain):
    check(m.get("List-Unsubscribe") == "<mailto:coffee+trial@example.org?subject=unsubscribe>",
          "%s: without public_url only the mailto: %s" % (name, m.get("List-Unsubscribe")))
    check(m.get("List-Unsubscribe-Post") is None, "%s: no One-Click without an https link" % name)
    check("Your coffee trial, your choice" not in m.get_body(("plain",)).get_content(),
          "%s: no links block without public_url" % name)
check(len(messages(plain)) >= 4, "plain network spooled its invitations")
finish()
