#!/usr/bin/python3
"""groups.py: [pairing] group_size = 4 (and 3) through the real coffeetrial
binary on the shipped example roster and the spool transport.

config check refuses a size out of range; round plan makes groups of four (the remainder in threes, as
docs/pairing.md says) with every pair within the rules; round send and
outbox flush give every member one invitation listing the whole group as
ATTENDEEs; a member who leaves a group of four after the send gets a
CANCEL and the three others an updated REQUEST that lists the three of
them ("goes ahead with the three of you"). group_size = 3 plans threes;
with odd = sit_out the members left over sit out instead.
"""
import email
import email.policy
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile

import icalendar

BIN = os.environ["CT_BIN"]
SRC = os.environ["CT_SRC"]
ROSTER = os.path.join(SRC, "conf", "roster.example.csv")
NOW = "2027-03-01T08:00:00Z"  # a Monday, before the schedule's 09:00

failures = []
tmp = tempfile.mkdtemp(prefix="ct-groups-")


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def finish():
    shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        sys.exit(1)
    print("ok")
    sys.exit(0)


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


def network(name, pairing):
    d = os.path.join(tmp, name)
    os.mkdir(d)
    with open(os.path.join(d, "c.ini"), "w") as f:
        f.write("[network]\norganiser_email = coffee+trial@example.org\n[pairing]\n" + pairing)
    return d


def spooled(d, names=None):
    """(recipient, METHOD, attendees, text) of every spooled message (or those named)."""
    out = []
    sp = os.path.join(d, "spool")
    for name in sorted(os.listdir(sp)) if os.path.isdir(sp) else []:
        if names is not None and name not in names:
            continue
        with open(os.path.join(sp, name), "rb") as f:
            m = email.message_from_bytes(f.read(), policy=email.policy.default)
        rcpt = m.get_all("To")[0].addresses[0].addr_spec.lower()
        cal = None
        for part in m.walk():
            if part.get_content_type() == "text/calendar":
                cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
        text = m.get_body(("plain",)).get_content()
        if cal is None:
            out.append((rcpt, "notice", set(), text))
            continue
        ev = [c for c in cal.walk() if c.name == "VEVENT"][0]
        att = ev.get("ATTENDEE")
        att = att if isinstance(att, list) else [att]
        out.append((rcpt, str(cal["METHOD"]),
                    {str(a).lower().replace("mailto:", "") for a in att}, text))
    return out


# config check: the size is 2 to 4.
d = network("big", "group_size = 5\n")
r = run(d, "config", "check")
check(r.returncode != 0 and "group_size" in r.stdout + r.stderr and "c.ini:" in r.stdout + r.stderr,
      "config check refuses group_size = 5: %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
d = network("show", "group_size = 4\n")
check("group_size = 4" in ok(d, "config", "show").stdout, "config show prints group_size")

# group_size = 4: plan, send, deliver.
d = network("four", "group_size = 4\n")
ok(d, "roster", "import", ROSTER)
roster = {m["email"]: m for m in json.loads(ok(d, "roster", "list", "--format", "json").stdout)}
plan = json.loads(ok(d, "round", "plan", "--seed", "5", "--format", "json").stdout)
sizes = sorted(len(g["members"]) for g in plan["groups"])
grouped = sum(sizes)
fours = [g for g in plan["groups"] if len(g["members"]) == 4]
check(len(fours) >= grouped // 4 - 3 and all(3 <= s <= 4 for s in sizes),
      "groups of four, the remainder in threes: %r" % sizes)
active = [e for e, m in roster.items() if m["status"] == "active"]
check(grouped + len(plan["unpaired"]) == len(active), "everyone active is placed once")
ties = set()
for m in roster.values():
    for t in (m.get("ties") or []):
        ties.add(frozenset((m["email"], t)))
for g in plan["groups"]:
    for a, b in itertools.combinations(g["members"], 2):
        check(frozenset((a, b)) not in ties, "a tied pair shares group %d" % g["id"])
show = ok(d, "round", "show", "1").stdout
check("(%d of 4" % len(fours) in show, "round show counts the groups by size:\n" + show)
explain = ok(d, "round", "show", "1", "--explain").stdout
check("score:" in explain, "--explain prints the scores")

ok(d, "round", "send", "1")
ok(d, "outbox", "flush")
mail = spooled(d)
invited = {rcpt for rcpt, _, _, _ in mail}
members_of = {e: set(g["members"]) for g in plan["groups"] for e in g["members"]}
check(len(mail) == grouped, "one invitation per member: %d of %d" % (len(mail), grouped))
for rcpt, method, att, text in mail:
    check(method == "REQUEST", "%s: a REQUEST" % rcpt)
    check(att == members_of[rcpt], "%s's invitation lists the whole group: %r" % (rcpt, att))
    if len(att) == 4:
        check("brings the four of you together" in " ".join(text.split()),
              "%s: the text speaks to the four" % rcpt)
check(any(len(att) == 4 for _, _, att, _ in mail), "some invitations list 4 attendees")

# The report counts the groups by size, and six pairings in a four.
rep = json.loads(ok(d, "report", "--format", "json").stdout)["rounds"][0]
sizes = [len(g["members"]) for g in plan["groups"]]
check(rep["fours"] == sizes.count(4) and rep["trios"] == sizes.count(3),
      "report: %r fours, %r trios, for sizes %r" % (rep["fours"], rep["trios"], sorted(set(sizes))))
check(rep["pairings"] == sum(n * (n - 1) // 2 for n in sizes),
      "report: %r pairings" % rep["pairings"])
csv_head = ok(d, "report", "--format", "csv").stdout.splitlines()[0].split(",")
check(csv_head[6:8] == ["trios", "fours"], "report CSV: trios, fours: %r" % csv_head[:9])
html = ok(d, "report", "--format", "html").stdout
check("in a group of three or four" in html, "the HTML chart names groups of three or four")

# A member leaves a group of four after the send: the three others go on.
four = fours[0]
leaver = four["members"][0]
rest = set(four["members"][1:])
before = set(os.listdir(os.path.join(d, "spool")))
ok(d, "member", "remove", leaver)
ok(d, "outbox", "flush")
new = set(os.listdir(os.path.join(d, "spool"))) - before
after = spooled(d, new)
kinds = {}
for rcpt, method, att, text in after:
    kinds.setdefault(rcpt, []).append((method, att, " ".join(text.split())))
check([k[0] for k in kinds.get(leaver, [])] == ["CANCEL"],
      "the leaver's copy is cancelled: %r" % kinds.get(leaver))
for e in rest:
    got = kinds.get(e, [])
    check(len(got) == 1 and got[0][0] == "REQUEST" and got[0][1] == rest,
          "%s gets an update listing the three: %r" % (e, got))
    check(got and "goes ahead with the three of you" in got[0][2],
          "%s is told the meeting goes ahead with three" % e)
shown = json.loads(ok(d, "round", "show", "1", "--format", "json").stdout)
g = next(x for x in shown["groups"] if x["id"] == four["id"])
check(g["state"] == "sent", "the group of four goes on as three: %r" % g["state"])

# group_size = 3: threes, the remainder as docs/pairing.md says.
d = network("three", "group_size = 3\n")
ok(d, "roster", "import", ROSTER)
plan = json.loads(ok(d, "round", "plan", "--seed", "5", "--format", "json").stdout)
sizes = sorted(len(g["members"]) for g in plan["groups"])
check(sizes.count(3) >= len(sizes) - 2 and all(2 <= s <= 4 for s in sizes),
      "groups of three: %r" % sizes)
check(sizes.count(4) + sizes.count(2) <= 2, "at most one four or two pairs: %r" % sizes)

# odd = sit_out: only groups of four; the members left over sit out.
d = network("sitout", "group_size = 4\nodd = sit_out\n")
ok(d, "config", "check")
ok(d, "roster", "import", ROSTER)
plan = json.loads(ok(d, "round", "plan", "--seed", "5", "--format", "json").stdout)
sizes = sorted(len(g["members"]) for g in plan["groups"])
sat = [u for u in plan["unpaired"] if u["reason"].startswith("sits out this round")]
check(set(sizes) == {4}, "odd = sit_out: groups of four only: %r" % sizes)
check(len(sat) == (sum(sizes) + len(sat)) % 4 and len(sat) == len(plan["unpaired"]),
      "the members left over sit out: %r" % plan["unpaired"])
finish()
