#!/usr/bin/python3
"""rematch.py: `coffeetrial round rematch ID [--dry-run]` through the real
binary on the shipped example roster and the spool transport (docs/rounds.md
"Re-match").

After a round is sent, two members of two different pairs pause: their
partners are left alone. A dry run says what it would do and changes
nothing; the real run pairs the two with each other (a new invitation, a
new UID, never their old partner) and a second run finds nobody alone. A
third pause leaves one more member alone: they join a pair as a third
(that pair gets an updated REQUEST, same UID, SEQUENCE 1) or are told
there is no partner this time.
"""
import email
import email.policy
import json
import os
import sys

import icalendar

SRC = os.environ["CT_SRC"]
ROSTER = os.path.join(SRC, "conf", "roster.example.csv")
NOW = "2027-03-01T08:00:00Z"  # a Monday, before the schedule's 09:00

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctcli  # noqa: E402  (beside this script)

cli = ctcli.Cli("ct-rematch-", NOW)
tmp, check, finish, run, ok, spool = cli.tmp, cli.check, cli.finish, cli.run, cli.ok, cli.spool


def read(name):
    """(recipient, METHOD or "notice", UID, SEQUENCE, attendees, text) of a spooled message."""
    with open(os.path.join(tmp, "spool", name), "rb") as f:
        m = email.message_from_bytes(f.read(), policy=email.policy.default)
    rcpt = m.get_all("To")[0].addresses[0].addr_spec.lower()
    text = m.get_body(("plain",)).get_content()
    for part in m.walk():
        if part.get_content_type() == "text/calendar":
            cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            ev = [c for c in cal.walk() if c.name == "VEVENT"][0]
            att = ev.get("ATTENDEE")
            att = att if isinstance(att, list) else [att]
            return (rcpt, str(cal["METHOD"]), str(ev["UID"]), int(ev.get("SEQUENCE", 0)),
                    {str(a).lower().replace("mailto:", "") for a in att}, text)
    return rcpt, "notice", None, 0, set(), text


def state():
    return (ok("round", "show", "1", "--format", "json").stdout,
            ok("outbox", "--format", "json").stdout)


ok("roster", "import", ROSTER)
plan = json.loads(ok("round", "plan", "--seed", "7", "--format", "json").stdout)
pairs = [g for g in plan["groups"] if len(g["members"]) == 2]
check(len(pairs) >= 4, "enough pairs to work on (%d)" % len(pairs))
ok("round", "send", "1")
ok("outbox", "flush")
first = {}
for n in spool():
    rcpt, method, uid, _, _, _ = read(n)
    first[rcpt] = uid

# Two pairs whose partners left alone work for different organisations (so the
# rules let them meet: they never met, and nobody requires more).
members = {m["email"]: m for m in json.loads(ok("roster", "list", "--format", "json").stdout)}
org = {e: members[e]["organisation"] for e in members}
(p1, o1) = pairs[0]["members"]
(p2, o2) = next(g["members"] for g in pairs[1:] if org[g["members"][1]] != org[o1])
ok("member", "pause", p1)
ok("member", "pause", p2)
ok("outbox", "flush")

# A dry run says what it would do and changes nothing.
before = state()
sent = spool()
r = ok("round", "rematch", "1", "--dry-run")
check(r.stdout.startswith("dry run, nothing written: round 1: 2 members alone; 2 re-paired"),
      "dry run summary:\n%s" % r.stdout)
check("(new invitation)" in r.stdout, "dry run names the new group:\n%s" % r.stdout)
check(state() == before, "a dry run changes nothing")
ok("outbox", "flush")
check(spool() == sent, "a dry run queues nothing")

# The real run: the two left alone meet each other, with a new UID.
r = ok("round", "rematch", "1")
check(r.stdout.startswith("round 1: 2 members alone; 2 re-paired, 0 joined"),
      "rematch summary:\n%s" % r.stdout)
ok("outbox", "flush")
new = spool() - sent
got = {}
for n in new:
    rcpt, method, uid, seq, att, text = read(n)
    got.setdefault(rcpt, []).append((method, uid, seq, att, text))
check(set(got) == {o1, o2}, "only the two left alone get mail: %r" % sorted(got))
for who in (o1, o2):
    reqs = [g for g in got.get(who, []) if g[0] == "REQUEST"]
    if check(len(reqs) == 1, "%s: one new REQUEST: %r" % (who, got.get(who))):
        method, uid, seq, att, text = reqs[0]
        check(att == {o1, o2}, "%s: invited with the other one left alone: %r" % (who, att))
        check(uid != first.get(who), "%s: a new UID" % who)
        check(seq == 0, "%s: a new event, SEQUENCE 0" % who)
        check("someone new to meet" in " ".join(text.split()), "%s: the invitation says why:\n%s"
              % (who, text))
shown = json.loads(ok("round", "show", "1", "--format", "json").stdout)
for g in shown["groups"]:
    check(not ({p1, p2} & set(g["members"]) and g.get("state") == "sent"),
          "no sent group holds the paused: %r" % g)

# A second run finds nobody alone.
r = ok("round", "rematch", "1")
check(r.stdout.startswith("round 1: 0 members alone"), "second run:\n%s" % r.stdout)
ok("outbox", "flush")
check(spool() == sent | new, "a second run queues nothing")

# One more left alone: a third for a pair, or told.
(p3, o3) = next(g["members"] for g in shown["groups"] if len(g["members"]) == 2
                and not {p1, p2, o1, o2} & set(g["members"]))
ok("member", "pause", p3)
ok("outbox", "flush")
sent = spool()
r = ok("round", "rematch", "1")
check(r.stdout.startswith("round 1: 1 member alone;"), "the remainder:\n%s" % r.stdout)
ok("outbox", "flush")
mail = [read(n) for n in spool() - sent]
if "joins as a third" in r.stdout:
    reqs = [m for m in mail if m[1] == "REQUEST"]
    check(len(reqs) == 3, "the trio: an updated REQUEST to each of three: %r" % mail)
    check(all(o3 in m[4] and len(m[4]) == 3 and m[3] == 1 for m in reqs),
          "the trio's REQUEST lists three, SEQUENCE 1")
    olduids = {m[2] for m in reqs if m[0] != o3}
    check(all(first.get(m[0]) == m[2] for m in reqs if m[0] != o3),
          "the pair keeps its UIDs: %r" % olduids)
else:
    check("no partner this time" in r.stdout, "else told:\n%s" % r.stdout)
    check([m[1] for m in mail if m[0] == o3] == ["notice"], "the told get a notice: %r" % mail)
finish()
