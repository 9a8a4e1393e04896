#!/usr/bin/python3
"""review.py: decisions taken between `round plan` and `round send` are
honoured (docs/rounds.md "After review"), through the real coffeetrial
binary on the shipped example roster and the spool transport.

Plan; `member pause` and `exclude add` say at once what the planned round
will do; a member removed after the plan; then `round send` prints one
line per changed group, the partners left alone meet each other, the
excluded pair is never grouped, and nobody paused or removed gets mail
(every spooled .eml parsed with Python's email and icalendar). `round
show` marks the re-formed groups in text and JSON. After the send, a
pause cancels the member's sent pair at once and the partner is told.
"""
import email
import email.policy
import json
import os
import re
import sys

import icalendar

SRC = os.environ["CT_SRC"]
ROSTER = os.path.join(SRC, "conf", "roster.example.csv")
NOW = "2027-03-01T08:00:00Z"  # a Monday, before the schedule's 09:00

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctcli  # noqa: E402  (beside this script)

cli = ctcli.Cli("ct-review-", NOW)
tmp, check, finish, run, ok = cli.tmp, cli.check, cli.finish, cli.run, cli.ok


def spooled():
    """(recipient, set of attendees) of every spooled message."""
    out = []
    d = os.path.join(tmp, "spool")
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, name), "rb") as f:
            m = email.message_from_bytes(f.read(), policy=email.policy.default)
        rcpt = m.get_all("To")[0].addresses[0].addr_spec.lower()
        cal = None
        for part in m.walk():
            if part.get_content_type() == "text/calendar":
                cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
        check(cal is not None, "%s: a calendar" % name)
        ev = [c for c in cal.walk() if c.name == "VEVENT"][0]
        att = ev.get("ATTENDEE")
        att = att if isinstance(att, list) else [att]
        out.append((rcpt, {str(a).lower().replace("mailto:", "") for a in att}))
    return out


def spooled_names():
    d = os.path.join(tmp, "spool")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def spooled_kind(name):
    """(recipient, METHOD, or "notice" for plain text) of a spooled message."""
    with open(os.path.join(tmp, "spool", name), "rb") as f:
        m = email.message_from_bytes(f.read(), policy=email.policy.default)
    rcpt = m.get_all("To")[0].addresses[0].addr_spec.lower()
    for part in m.walk():
        if part.get_content_type() == "text/calendar":
            return rcpt, str(icalendar.Calendar.from_ical(part.get_payload(decode=True))["METHOD"])
    check("someone new" in m.get_body(("plain",)).get_content(), "%s: the notice's words" % name)
    return rcpt, "notice"


ok("roster", "import", ROSTER)
members = {m["email"]: m for m in json.loads(ok("roster", "list", "--format", "json").stdout)}
plan = json.loads(ok("round", "plan", "--seed", "7", "--format", "json").stdout)
pairs = [g for g in plan["groups"] if len(g["members"]) == 2]
check(len(pairs) >= 4, "enough pairs to work on (%d)" % len(pairs))
(p1, o1), (p2, o2) = pairs[0]["members"], pairs[1]["members"]
(x1, x2) = pairs[2]["members"]
(gone, o3) = pairs[3]["members"]
name = {e: (members[e]["name"] or e) for e in members}

# A pause says at once what the send will do.
r = ok("member", "pause", p1)
want = ("round 1 (planned for 2027-03-01) has %s in group %d with %s: at send, %s will be "
        "re-paired" % (name[p1], pairs[0]["id"], name[o1], name[o1]))
check(want in r.stdout, "member pause warns about the planned round:\n%s" % r.stdout)
r = ok("member", "pause", p2, "--until", "2027-06-01")
check("has %s in group %d" % (name[p2], pairs[1]["id"]) in r.stdout,
      "member pause --until warns too:\n%s" % r.stdout)
r = ok("exclude", "add", x1, x2)
check("has %s and %s together in group %d" % (name[x1], name[x2], pairs[2]["id"]) in r.stdout,
      "exclude add warns about the planned round:\n%s" % r.stdout)
ok("member", "remove", gone)

# Before the send, show says what is pending.
r = ok("round", "show", "1")
flat = " ".join(r.stdout.split())
check("changed since the plan (handled at send):" in r.stdout, "show lists pending changes")
check("group %d: %s paused since the plan; at send, %s will be re-paired"
      % (pairs[0]["id"], name[p1], name[o1]) in flat, "pending line for the pause:\n%s" % r.stdout)
check("group %d: %s and %s are now excluded from meeting; at send, " % (pairs[2]["id"], name[x1],
                                                                      name[x2]) in flat
      or "group %d: %s and %s are now excluded from meeting; at send, " % (pairs[2]["id"],
                                                                         name[x2], name[x1])
      in flat, "pending line for the exclusion:\n%s" % r.stdout)

# The send prints one line per changed group.
r = ok("round", "send", "1")
lines = r.stdout.splitlines()
check("changed since the plan:" in lines, "send lists the changes:\n%s" % r.stdout)
changed = [ln.strip() for ln in lines if re.match(r"\s+group \d+: ", ln)]
check(len(changed) == 4, "one line per changed group: %r" % changed)
check(any(ln.startswith("group %d: %s paused since the plan; %s now with "
                        % (pairs[0]["id"], name[p1], name[o1])) for ln in changed),
      "the pause line names the new partner: %r" % changed)
check(any(ln.startswith("group %d: %s and %s are now excluded from meeting; "
                        % (pairs[2]["id"], name[x1], name[x2]))
          or ln.startswith("group %d: %s and %s are now excluded from meeting; "
                           % (pairs[2]["id"], name[x2], name[x1])) for ln in changed),
      "the exclusion line: %r" % changed)
check(any(ln.startswith("group %d: %s left since the plan; " % (pairs[3]["id"], name[gone]))
          for ln in changed), "the removal line: %r" % changed)

# Nobody paused or removed is invited; the excluded pair never meet.
ok("outbox", "flush")
mail = spooled()
recipients = {rcpt for rcpt, _ in mail}
for e in (p1, p2, gone):
    check(e not in recipients, "%s got no mail" % e)
for rcpt, att in mail:
    check(not {p1, p2, gone} & att, "%s's invitation lists nobody paused or removed" % rcpt)
    check(not {x1, x2} <= att, "%s's invitation does not put the excluded pair together" % rcpt)
shown = json.loads(ok("round", "show", "1", "--format", "json").stdout)
grouped = {e for g in shown["groups"] for e in g["members"]}
unpaired = {u["email"] for u in shown["unpaired"]}
for e in (o1, o2, o3, x1, x2):
    check(e in grouped or e in unpaired, "%s is re-grouped or unpaired" % e)
for e in grouped:
    check(e in recipients, "%s of a sent group was invited" % e)
check(len(mail) == len(grouped), "one invitation per grouped member")

# show marks the re-formed groups, in text and JSON.
check([c["group"] for c in shown["changes"]] == sorted(g["id"] for g in pairs[:4]),
      "show JSON: one change per changed group: %r" % shown["changes"])
for c in shown["changes"]:
    check(c["line"].startswith("group %d: %s" % (c["group"], c["cause"])), "change line shape")
reformed = [g for g in shown["groups"] if g["reformed"]]
check(reformed, "show JSON marks re-formed groups")
for g in shown["groups"]:
    check(g["reformed"] is None or g["id"] > max(x["id"] for x in plan["groups"]),
          "only new groups are marked re-formed")
r = ok("round", "show", "1")
check(r.stdout.count("(re-formed at send: ") == len(reformed), "show text marks them:\n%s"
      % r.stdout)
check("changed since the plan:" in r.stdout, "show text lists the changes")
for line in r.stdout.splitlines():
    check(len(line) <= 80, "round show: line wider than 80 columns: %r" % line)

# After the send: a pause cancels the sent pair at once and tells the partner.
pair = next(g for g in shown["groups"] if len(g["members"]) == 2 and g["reformed"] is None)
(q1, q2) = pair["members"]
before = set(spooled_names())
r = ok("member", "pause", q1)
check("1 sent group changed, 3 messages queued" in r.stdout, "pause after send:\n%s" % r.stdout)
ok("outbox", "flush")
new = set(spooled_names()) - before
kinds = {}
for n in new:
    rcpt, method = spooled_kind(n)
    kinds.setdefault(rcpt, []).append(method)
check(sorted(kinds.get(q1, [])) == ["CANCEL"], "the paused member's copy is cancelled: %r" % kinds)
check(sorted(kinds.get(q2, [])) == ["CANCEL", "notice"], "the partner: a CANCEL and a notice: %r"
      % kinds)
finish()
