#!/usr/bin/python3
"""rounds.py: a round's whole life through the real coffeetrial binary, on
the shipped example roster and the built-in defaults (spool transport).

Plan (text within 80 columns; JSON in SPEC.md's shape, every eligible
member grouped once or listed unpaired), dry run (writes nothing), show
--explain, list, send, outbox flush to the spool; every .eml parsed with
Python's email and icalendar as a mail client would: one recipient, the
method parameter equal to METHOD, attendees equal to the planned group,
the slot inside each member's working hours in their own zone. Then a
member leaving a sent trio (a CANCEL to them, an update to the other
two), a cancel of the round (CANCEL with the same UID and a higher
SEQUENCE to everyone still in), a send that fails half way (nothing
queued), and the usage errors.
"""
import datetime
import email
import email.policy
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zoneinfo

import icalendar

BIN = os.environ["CT_BIN"]
SRC = os.environ["CT_SRC"]
ROSTER = os.path.join(SRC, "conf", "roster.example.csv")
NOW = "2027-03-01T08:00:00Z"  # a Monday, before the schedule's 09:00
NETWORK_ZONE = "Europe/London"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


tmp = tempfile.mkdtemp(prefix="ct-rounds-")


def run(*args, now=NOW, cwd=None):
    env = dict(os.environ)
    env["COFFEETRIAL_CONFIG"] = ""
    env["COFFEETRIAL_TEST_NOW"] = now
    return subprocess.run([BIN] + list(args), cwd=cwd or tmp, env=env, capture_output=True,
                          text=True, timeout=120)


def ok(*args, **kw):
    r = run(*args, **kw)
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


def db_rows(sql, args=()):
    db = sqlite3.connect(os.path.join(tmp, "coffeetrial.db"))
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def narrow(text, what):
    for line in text.splitlines():
        check(len(line) <= 80, "%s: line wider than 80 columns: %r" % (what, line))


def spool_files():
    d = os.path.join(tmp, "spool")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def parse_eml(name):
    """(recipient, method param, calendar) of a spooled message, checked as a client would."""
    with open(os.path.join(tmp, "spool", name), "rb") as f:
        m = email.message_from_bytes(f.read(), policy=email.policy.default)
    to = m.get_all("To")
    check(to is not None and len(to) == 1 and len(to[0].addresses) == 1,
          "%s: exactly one recipient" % name)
    rcpt = to[0].addresses[0].addr_spec.lower()
    check(m.get_content_type() == "multipart/mixed", "%s: multipart/mixed" % name)
    cal_part = None
    attachment = None
    for part in m.walk():
        if part.get_content_type() == "text/calendar":
            cal_part = part
        if part.get_filename() == "invite.ics":
            attachment = part.get_payload(decode=True)
    check(cal_part is not None, "%s: a text/calendar part" % name)
    data = cal_part.get_payload(decode=True)
    check(attachment == data, "%s: invite.ics is the same calendar" % name)
    cal = icalendar.Calendar.from_ical(data)
    method = str(cal.get("METHOD"))
    check(cal_part.get_param("method") == method,
          "%s: method=%s but METHOD:%s" % (name, cal_part.get_param("method"), method))
    return rcpt, method, cal


def event_of(cal):
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    check(len(events) == 1, "one VEVENT")
    return events[0]


def attendees(ev):
    v = ev.get("ATTENDEE")
    v = v if isinstance(v, list) else [v]
    return sorted(str(a).lower().replace("mailto:", "") for a in v)


def utc_dt(prop):
    dt = prop.dt
    check(dt.tzinfo is not None, "DTSTART/DTEND carry a zone")
    return dt.astimezone(datetime.timezone.utc)


# --- the network -----------------------------------------------------------------------
ok("roster", "import", ROSTER)
members = {m["email"]: m for m in json.loads(ok("roster", "list", "--format", "json").stdout)}
eligible = {e for e, m in members.items() if m["status"] == "active"}
check(len(eligible) >= 40, "the example roster has its active members (%d)" % len(eligible))


def zone_of(addr):
    return members[addr]["timezone"] or NETWORK_ZONE


def inside_working_hours(start, end, addr):
    z = zoneinfo.ZoneInfo(zone_of(addr))
    ls, le = start.astimezone(z), end.astimezone(z)
    return (ls.weekday() < 5 and ls.date() == le.date()
            and (ls.hour, ls.minute) >= (9, 0) and (le.hour, le.minute) <= (17, 0))


# --- plan --------------------------------------------------------------------------------
r = ok("round", "plan", "--seed", "7", "--format", "json")
plan = json.loads(r.stdout)
check(set(plan) == {"round", "date", "seed", "state", "groups", "unpaired",
                   "total_score"},
      "plan JSON keys: %s" % sorted(plan))
check(plan["round"] == 1 and plan["seed"] == 7 and plan["state"] == "planned",
      "plan JSON round/seed/state: %r" % {k: plan[k] for k in ("round", "seed", "state")})
check(plan["date"] == "2027-03-01", "the default date is today in the network's zone")
seen = []
for g in plan["groups"]:
    check(set(g) == {"id", "members", "score", "reasons", "slot"}, "group keys: %s" % sorted(g))
    check(isinstance(g["id"], int) and g["id"] > 0, "group id")
    check(len(g["members"]) in (2, 3), "a pair or a trio")
    check(isinstance(g["score"], (int, float)), "score is a number")
    check(all(isinstance(x, str) and x for x in g["reasons"]) and g["reasons"], "reasons")
    check(set(g["slot"]) == {"start", "minutes"} and g["slot"]["minutes"] == 30, "slot shape")
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", g["slot"]["start"]) is not None,
          "slot start is ISO UTC: %s" % g["slot"]["start"])
    start = datetime.datetime.strptime(g["slot"]["start"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    end = start + datetime.timedelta(minutes=30)
    for addr in g["members"]:
        check(inside_working_hours(start, end, addr),
              "group %d: %s outside %s's working hours" % (g["id"], start, addr))
    seen += g["members"]
for u in plan["unpaired"]:
    check(set(u) == {"email", "reason"} and u["reason"], "unpaired shape: %r" % u)
    seen.append(u["email"])
check(sorted(seen) == sorted(eligible), "every eligible member grouped or unpaired, once")
trios = [g for g in plan["groups"] if len(g["members"]) == 3]
check(len(trios) == len(eligible) % 2, "one trio for an odd count")
groups = {g["id"]: g for g in plan["groups"]}

# The dry run writes nothing, and the same seed gives the same groups.
before = db_rows("SELECT count(*), (SELECT count(*) FROM groups) FROM rounds")
r = ok("round", "plan", "--seed", "7", "--dry-run", "--format", "json")
dry = json.loads(r.stdout)
check(dry["round"] is None and dry.get("dry_run") is True, "dry run JSON says so")
check(sorted(sorted(g["members"]) for g in dry["groups"])
      == sorted(sorted(g["members"]) for g in plan["groups"]), "dry run: same seed, same groups")
check(db_rows("SELECT count(*), (SELECT count(*) FROM groups) FROM rounds") == before,
      "dry run wrote nothing")
r = ok("round", "plan", "--seed", "7", "--dry-run")
check(r.stdout.startswith("dry run for 2027-03-01 (seed 7): nothing was written"), "dry run text")
narrow(r.stdout, "plan --dry-run")

# show, list.
r = ok("round", "show", "1")
narrow(r.stdout, "round show")
check(r.stdout.startswith("round 1 for 2027-03-01 (seed 7): planned"), "show header")
# An organiser's table: a plain word for the fit, no bare score figure.
check("SCORE" not in r.stdout and re.search(r"^GROUP\s+FIT\s+WHEN\s+MEMBERS$", r.stdout, re.M),
      "show has a FIT column and no SCORE column:\n" + r.stdout)
for gid in groups:
    check(re.search(r"^\s*%d  (strong|good|fair|low)\s+\w{3} \d\d \w{3} \d\d:\d\d  " % gid,
                    r.stdout, re.M) is not None, "show has a line for group %d" % gid)
r = ok("round", "show", "1", "--explain")
narrow(r.stdout, "round show --explain")
for gid in groups:
    check(re.search(r"^\s*%d\s+\d+\.\d\d  \w{3} \d\d \w{3} \d\d:\d\d  " % gid, r.stdout, re.M)
          is not None, "show --explain has the score of group %d" % gid)
check(r.stdout.count("       score: ") == len(groups), "one score breakdown per group")
check("organisation +" in r.stdout and "why: " in r.stdout, "breakdown by rule, and reasons")
shown = json.loads(ok("round", "show", "1", "--format", "json", "--explain").stdout)
check([(g["id"], g["members"]) for g in shown["groups"]]
      == [(g["id"], g["members"]) for g in plan["groups"]], "show JSON: the planned groups")
for g in shown["groups"]:
    total = sum(g["explain"].values())
    check(abs(total - g["score"]) < 0.05, "group %d: terms add up to the score" % g["id"])
    check(g["state"] == "planned" and g["sequence"] == 0 and g["left"] == [], "group state")
r = ok("round", "list")
narrow(r.stdout, "round list")
check(re.search(r"^\s+1\s+2027-03-01\s+planned\s+cli\s+%d\s" % len(groups), r.stdout, re.M)
      is not None, "list shows the planned round:\n" + r.stdout)
lst = json.loads(ok("round", "list", "--format", "json").stdout)
check(lst["rounds"][0]["round"] == 1 and lst["rounds"][0]["groups"] == len(groups)
      and lst["rounds"][0]["members"] == len(seen) - len(plan["unpaired"])
      and lst["rounds"][0]["sent_at"] is None, "list JSON")

# A replan replaces the planned round; the groups stay the same with the same seed.
r = ok("round", "plan", "--seed", "7")
check("it replaces round 1" in r.stdout and "round 2 for 2027-03-01" in r.stdout,
      "replan replaces:\n" + r.stdout)
narrow(r.stdout, "round plan")
check(db_rows("SELECT id, state FROM rounds ORDER BY id") == [(1, "replaced"), (2, "planned")],
      "round 1 replaced by round 2")
plan = json.loads(ok("round", "show", "2", "--format", "json").stdout)
groups = {g["id"]: g for g in plan["groups"]}
check(sorted(sorted(g["members"]) for g in plan["groups"])
      == sorted(sorted(g["members"]) for g in shown["groups"]), "replan with the same seed")

# --- send and deliver ----------------------------------------------------------------------
r = ok("round", "send", "2")
n_members = sum(len(g["members"]) for g in plan["groups"])
check("%d invitations queued for %d groups" % (n_members, len(groups)) in r.stdout,
      "send summary: " + r.stdout)
r = run("round", "send", "2")
check(r.returncode == 65 and "round 2 is sent" in r.stderr, "a second send is refused")
r = run("round", "plan", "--seed", "8")
check(r.returncode == 65 and "already sent" in r.stderr and "round cancel 2" in r.stderr,
      "planning a sent date is refused: " + r.stderr)
r = ok("outbox", "flush")
check("%d sent" % n_members in r.stdout, "flush: " + r.stdout)
files = spool_files()
check(len(files) == n_members, "one .eml per member (%d, want %d)" % (len(files), n_members))

by_uid = {}
uid_of = {}
for name in files:
    rcpt, method, cal = parse_eml(name)
    ev = event_of(cal)
    check(method == "REQUEST" and int(ev.get("SEQUENCE")) == 0, "%s: a first REQUEST" % name)
    group = [g for g in plan["groups"] if rcpt in g["members"]]
    if not check(len(group) == 1, "%s: the recipient is in one planned group" % rcpt):
        continue
    g = group[0]
    check(attendees(ev) == sorted(g["members"]), "%s: attendees are the planned group" % name)
    start, end = utc_dt(ev.get("DTSTART")), utc_dt(ev.get("DTEND"))
    check(start.strftime("%Y-%m-%dT%H:%M:%SZ") == g["slot"]["start"], "%s: the planned slot" % name)
    for addr in g["members"]:
        check(inside_working_hours(start, end, addr),
              "%s: slot outside %s's working hours in %s" % (name, addr, zone_of(addr)))
    by_uid.setdefault(str(ev.get("UID")), set()).add(rcpt)
    uid_of[rcpt] = str(ev.get("UID"))
# Every member's copy carries its own UID (replies you can trust, issue 13).
check(len(by_uid) == n_members and all(len(v) == 1 for v in by_uid.values()),
      "one UID per member's copy, never shared")

# --- a member leaves a sent trio ------------------------------------------------------------
trio = [g for g in plan["groups"] if len(g["members"]) == 3]
if check(len(trio) == 1, "the plan has its trio"):
    trio = trio[0]
    leaver, rest = trio["members"][0], sorted(trio["members"][1:])
    old = set(spool_files())
    r = ok("member", "remove", leaver)
    check("1 group changed, 3 messages queued" in r.stdout, "member remove summary: " + r.stdout)
    ok("outbox", "flush")
    new = sorted(set(spool_files()) - old)
    check(len(new) == 3, "three messages after the leaver left: %r" % new)
    got = {}
    for name in new:
        rcpt, method, cal = parse_eml(name)
        ev = event_of(cal)
        got[rcpt] = (method, attendees(ev), int(ev.get("SEQUENCE")), str(ev.get("UID")))
    check(got.get(leaver) == ("CANCEL", [leaver], 1, uid_of[leaver]),
          "the leaver: CANCEL listing only them, same UID, SEQUENCE 1: %r" % (got.get(leaver),))
    for addr in rest:
        check(got.get(addr) == ("REQUEST", rest, 1, uid_of[addr]),
              "%s: updated REQUEST without the leaver: %r" % (addr, got.get(addr)))
    shown = json.loads(ok("round", "show", "2", "--format", "json").stdout)
    g = [x for x in shown["groups"] if x["id"] == trio["id"]][0]
    check(sorted(g["members"]) == rest and g["left"] == [leaver] and g["sequence"] == 1
          and g["state"] == "sent", "the trio is now a pair: %r" % g)
    r = ok("round", "show", "2")
    check("(left)" in r.stdout, "show marks the member who left")

# --- cancel the round -------------------------------------------------------------------
old = set(spool_files())
r = ok("round", "cancel", "2", now="2027-03-01T10:00:00Z")
still = sum(len(g["members"]) for g in plan["groups"]) - 1
check("cancelled round 2: %d cancellations queued" % still in r.stdout, "cancel: " + r.stdout)
ok("outbox", "flush", now="2027-03-01T10:00:00Z")
new = sorted(set(spool_files()) - old)
check(len(new) == still, "one CANCEL per member still in a group (%d, want %d)"
      % (len(new), still))
for name in new:
    rcpt, method, cal = parse_eml(name)
    ev = event_of(cal)
    g = [x for x in plan["groups"] if rcpt in x["members"]][0]
    want_seq = 2 if len(g["members"]) == 3 else 1
    check(method == "CANCEL" and str(ev.get("UID")) == uid_of[rcpt]
          and int(ev.get("SEQUENCE")) == want_seq and str(ev.get("STATUS")) == "CANCELLED",
          "%s: CANCEL, same UID, SEQUENCE %d" % (name, want_seq))
r = run("round", "cancel", "2")
check(r.returncode == 65 and "already cancelled" in r.stderr, "cancel twice is refused")
r = ok("round", "list")
check(re.search(r"^\s+2\s+2027-03-01\s+cancelled\s", r.stdout, re.M) is not None,
      "list shows the cancelled round")

# --- a send that fails half way queues nothing -------------------------------------------
ok("round", "plan", "--date", "2027-04-05", "--seed", "3")
rid = db_rows("SELECT max(id) FROM rounds")[0][0]
queued = db_rows("SELECT count(*) FROM outbox")[0][0]
db = sqlite3.connect(os.path.join(tmp, "coffeetrial.db"))
db.execute("CREATE TRIGGER fail_half AFTER INSERT ON outbox WHEN (SELECT count(*) FROM outbox)"
           " >= %d BEGIN SELECT RAISE(ABORT, 'disk on fire'); END" % (queued + 5))
db.commit()
db.close()
r = run("round", "send", str(rid))
check(r.returncode != 0 and "disk on fire" in r.stderr, "failed send reports the cause")
check(db_rows("SELECT count(*) FROM outbox")[0][0] == queued, "failed send queued nothing")
check(db_rows("SELECT state FROM rounds WHERE id = ?", (rid,)) == [("planned",)],
      "failed send leaves the round planned")
db = sqlite3.connect(os.path.join(tmp, "coffeetrial.db"))
db.execute("DROP TRIGGER fail_half")
db.commit()
db.close()
ok("round", "send", str(rid))
check(db_rows("SELECT state FROM rounds WHERE id = ?", (rid,)) == [("sent",)], "sent after all")

# --- history: the next round repeats no pair of the sent one -----------------------------
sent3 = json.loads(ok("round", "show", str(rid), "--format", "json").stdout)
met = {frozenset(p) for g in sent3["groups"] for p in
       [(a, b) for i, a in enumerate(g["members"]) for b in g["members"][i + 1:]]}
nxt = json.loads(ok("round", "plan", "--date", "2027-05-03", "--seed", "4", "--format",
                    "json", now="2027-04-20T08:00:00Z").stdout)
again = [p for g in nxt["groups"] for p in
         [frozenset((a, b)) for i, a in enumerate(g["members"]) for b in g["members"][i + 1:]]
         if p in met]
check(nxt["groups"] and not again, "the next round repeats no pair: %r" % again[:3])

# --- usage errors -------------------------------------------------------------------------
for args, code, text in [
    (("round", "show", "999"), 65, "no round 999"),
    (("round", "show", "abc"), 64, "not a round number"),
    (("round", "show"), 64, "usage"),
    (("round", "plan", "--date", "2027-02-30"), 64, "--date"),
    (("round", "plan", "--seed", "0"), 64, "--seed"),
    (("round", "plan", "--format", "xml"), 64, "--format"),
    (("round", "plan", "extra"), 64, "usage"),
    (("round", "send"), 64, "usage"),
    (("round", "cancel", "0"), 64, "not a round number"),
    (("round", "list", "--format", "csv"), 64, "--format"),
]:
    r = run(*args)
    check(r.returncode == code and text in r.stderr,
          "%s: exit %d (want %d), stderr %r" % (" ".join(args), r.returncode, code, r.stderr))

finish()
