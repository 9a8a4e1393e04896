#!/usr/bin/python3
"""show.py: what an organiser reads, through the real coffeetrial binary on
the shipped example roster.

The plan table (no bare SCORE column, a fit word; names in the trio whole,
one member a line; organisation initials explained once below the table;
a trio's --explain naming each reason once; the next commands keeping the
-c FILE they were run with, quoted when needed, and working when run).
Then members' answers written as the replies module records them
(group_members.partstat, a COUNTER row in replies): round show in text and
JSON, --declined, member show, the report's counts. And "did you mean" for
a mistyped member e-mail in every command that takes one.
"""
import datetime
import csv
import io
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zoneinfo

BIN = os.environ["CT_BIN"]
SRC = os.environ["CT_SRC"]
ROSTER = os.path.join(SRC, "conf", "roster.example.csv")
NOW = "2027-03-01T08:00:00Z"  # a Monday
NETWORK_ZONE = "Europe/London"

failures = []
tmp = tempfile.mkdtemp(prefix="ct-show-")
CONF = "conf.ini"
SPACED = "my conf.ini"
for name in (CONF, SPACED):
    open(os.path.join(tmp, name), "w").close()  # empty: the built-in defaults


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def run(*args, conf=CONF):
    env = dict(os.environ)
    env.pop("COFFEETRIAL_CONFIG", None)
    env["COFFEETRIAL_TEST_NOW"] = NOW
    argv = [BIN] + (["-c", conf] if conf else []) + list(args)
    return subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True, timeout=120)


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


def db_exec(sql, args=()):
    db = sqlite3.connect(os.path.join(tmp, "coffeetrial.db"))
    try:
        rows = db.execute(sql, args).fetchall()
        db.commit()
        return rows
    finally:
        db.close()


def narrow(text, what):
    for line in text.splitlines():
        check(len(line) <= 80, "%s: line wider than 80 columns: %r" % (what, line))


def hint(text, label):
    """The command after 'label' in text, run as a shell would run it."""
    m = re.search(r"^%s\s+(coffeetrial .*)$" % re.escape(label), text, re.M)
    if not check(m is not None, "a %r hint in:\n%s" % (label, text)):
        return None
    return m.group(1)


def run_hint(cmd):
    words = shlex.split(cmd)
    env = dict(os.environ)
    env.pop("COFFEETRIAL_CONFIG", None)
    env["COFFEETRIAL_TEST_NOW"] = NOW
    return subprocess.run([BIN] + words[1:], cwd=tmp, env=env, capture_output=True, text=True,
                          timeout=120)


ok("roster", "import", ROSTER)
members = {m["email"]: m for m in json.loads(ok("roster", "list", "--format", "json").stdout)}
name_of = {e: m["name"] for e, m in members.items()}

# --- the plan as an organiser reads it ---------------------------------------------------
r = ok("round", "plan", "--seed", "7")
plan_text = r.stdout
narrow(plan_text, "round plan")
lines = plan_text.splitlines()
check(lines[0].startswith("round 1 for 2027-03-01 (seed 7): planned"),
      "the first line keeps its shape (scripts/quickstart.sh reads it): %r" % lines[0])
check("SCORE" not in plan_text and not re.search(r"^\s*\d+\s+\d+\.\d\d\s", plan_text, re.M),
      "no bare score figure by default:\n" + plan_text)
check(re.search(r"^GROUP  FIT     WHEN\s+MEMBERS$", plan_text, re.M) is not None, "FIT column")
plan = json.loads(ok("round", "show", "1", "--format", "json").stdout)
trio = [g for g in plan["groups"] if len(g["members"]) == 3]
check(len(trio) == 1, "the example roster plans one trio")
trio = trio[0]
# Every name in the trio whole, one member a line.
for addr in trio["members"]:
    check(name_of[addr] in plan_text, "trio member %r shown whole:\n%s" % (name_of[addr],
                                                                         plan_text))
check("\u2026" not in plan_text, "no name cut short in the plan")
at = [i for i, l in enumerate(lines) if re.match(r"^\s*%d  " % trio["id"], l)][0]
check(lines[at + 1].lstrip().startswith("+ ") and lines[at + 2].lstrip().startswith("+ "),
      "the trio wraps, one member a line:\n" + "\n".join(lines[at:at + 3]))
# Initials come with a legend, each once, below the table.
legend = re.findall(r"^([A-Z][A-Z0-9'&]+) = (.+)$", plan_text, re.M)
check(legend, "a legend of initials:\n" + plan_text)
orgs = {m["organisation"] for m in members.values()}
for ini, full in legend:
    check(full in orgs, "legend names a real organisation: %r" % full)
    check(re.search(r"\(%s\)" % re.escape(ini), plan_text) is not None,
          "legend entry %s is used in the table" % ini)
check(len({i for i, _ in legend}) == len(legend), "each initial once in the legend")
used = set(re.findall(r"\(([A-Z][A-Z0-9'&]{1,7})\)", plan_text))
check(used <= {i for i, _ in legend}, "every initial used is explained: %r" % (used,))
# The next commands keep -c FILE, and work.
review = hint(plan_text, "review it with:")
send = hint(plan_text, "send it with:")
check(review == "coffeetrial -c conf.ini round show 1 --explain", "review hint: %r" % review)
check(send == "coffeetrial -c conf.ini round send 1", "send hint: %r" % send)
r = run_hint(review)
check(r.returncode == 0 and r.stdout.startswith("round 1 for"), "the review hint runs")
r = ok("round", "plan", "--seed", "7", conf=SPACED)
review = hint(r.stdout, "review it with:")
check(review == "coffeetrial -c 'my conf.ini' round show 2 --explain",
      "a path with a space is quoted: %r" % review)
r = run_hint(review)
check(r.returncode == 0 and "round 2 for" in r.stdout, "the quoted hint runs: " + r.stderr)
plan = json.loads(ok("round", "show", "2", "--format", "json").stdout)
trio = [g for g in plan["groups"] if len(g["members"]) == 3][0]

# A trio's --explain names each reason once, not once per pair.
r = ok("round", "show", "2", "--explain")
narrow(r.stdout, "round show --explain")
check(re.search(r"^GROUP\s+SCORE\s+WHEN", r.stdout, re.M) is not None, "--explain: SCORE")
block = r.stdout.split("\n%5d  " % trio["id"], 1)[1].split("\n", 1)[1]
block = block[:re.search(r"^\s*\d+\s+\d", block, re.M).start()]
check(" & " not in block.split("why:", 1)[1].split("different organisation", 1)[0],
      "trio reasons shared by all pairs carry no pair names:\n" + block)
check(block.count("different organisation") == 1 and block.count("first meeting") == 1,
      "trio --explain names each reason once:\n" + block)
check(len(block.splitlines()) <= 8, "trio --explain is compact (%d lines):\n%s"
      % (len(block.splitlines()), block))

# --- answers ------------------------------------------------------------------------------
r = ok("round", "send", "2", conf=SPACED)
check("coffeetrial -c 'my conf.ini' outbox flush delivers them" in r.stdout,
      "send's hint keeps -c: " + r.stdout)
pairs = [g for g in plan["groups"] if len(g["members"]) == 2]
ga, gb, gc = pairs[0], pairs[1], trio
ids = {e: db_exec("SELECT id FROM members WHERE email = ?", (e,))[0][0]
       for g in (ga, gb, gc) for e in g["members"]}


def answer(g, addr, partstat):
    db_exec("UPDATE group_members SET partstat = ? WHERE group_id = ? AND member_id = ?",
            (partstat, g["id"], ids[addr]))


proposed_at = int(datetime.datetime(2027, 3, 9, 14, 0, tzinfo=datetime.timezone.utc).timestamp())
answer(ga, ga["members"][0], "ACCEPTED")
answer(ga, ga["members"][1], "DECLINED")
answer(gb, gb["members"][0], "TENTATIVE")
db_exec("INSERT INTO replies (group_id, member_id, method, partstat, sequence, dtstamp,"
        " proposed_start, received_at) VALUES (?, ?, 'COUNTER', 'NEEDS-ACTION', 0, 5, ?, 0)",
        (gb["id"], ids[gb["members"][0]], proposed_at))
answer(gc, gc["members"][0], "DELEGATED")

shown = json.loads(ok("round", "show", "2", "--format", "json").stdout)
by_id = {g["id"]: g for g in shown["groups"]}
check(by_id[ga["id"]]["answers"] == {ga["members"][0]: "accepted", ga["members"][1]: "declined"},
      "JSON answers of group A: %r" % by_id[ga["id"]]["answers"])
check(by_id[gb["id"]]["answers"] == {gb["members"][0]: "tentative",
                                      gb["members"][1]: "needs-action"},
      "JSON answers of group B: %r" % by_id[gb["id"]]["answers"])
check(by_id[gb["id"]]["proposed"] == {gb["members"][0]: "2027-03-09T14:00:00Z"},
      "JSON proposed of group B: %r" % by_id[gb["id"]]["proposed"])
check(by_id[gc["id"]]["answers"][gc["members"][0]] == "delegated", "delegated")
check(all(by_id[g]["proposed"] == {} for g in by_id if g != gb["id"]), "no other proposals")
check(all(set(g["answers"]) == set(g["members"]) for g in shown["groups"]),
      "every member has an answer in JSON")

r = ok("round", "show", "2")
text = r.stdout
narrow(text, "round show with answers")
check(re.search(r"^GROUP  FIT     WHEN\s+MEMBERS: ANSWERS$", text, re.M) is not None,
      "answers heading:\n" + text)


def member_line(addr):
    """The member's line and the lines continuing it."""
    name = name_of[addr]
    all_lines = text.splitlines()
    for i, l in enumerate(all_lines):
        if name in l:
            out = [l]
            for x in all_lines[i + 1:]:
                if not x.startswith(" " * 37):
                    break
                out.append(x.strip())
            return " ".join(out)
    return ""


check(member_line(ga["members"][0]).rstrip().endswith(": accepted"), "A0 accepted in text")
check(member_line(ga["members"][1]).rstrip().endswith(": declined"),
      "A1 declined in text: %r" % member_line(ga["members"][1]))
zone = members[gb["members"][0]]["timezone"] or NETWORK_ZONE
local = datetime.datetime.fromtimestamp(proposed_at, zoneinfo.ZoneInfo(zone))
want = "tentative, proposed %s %d %s (%s)" % (local.strftime("%a"), local.day,
                                             local.strftime("%b %H:%M"), zone)
check(want in member_line(gb["members"][0]), "B0: %r in %r" % (want, member_line(gb["members"][0])))
check(member_line(gb["members"][1]).rstrip().endswith(": no answer"), "B1: no answer")
check(member_line(gc["members"][0]).rstrip().endswith(": delegated"), "C0 delegated")

# --declined: only the group with a decline.
r = ok("round", "show", "2", "--declined")
groups_listed = re.findall(r"^\s*(\d+)  (?:strong|good|fair|low)", r.stdout, re.M)
check(groups_listed == [str(ga["id"])], "--declined lists group A only: %r" % groups_listed)
dj = json.loads(ok("round", "show", "2", "--declined", "--format", "json").stdout)
check([g["id"] for g in dj["groups"]] == [ga["id"]], "--declined JSON: group A only")

# member show: the member's answers.
r = ok("member", "show", gb["members"][0])
check(re.search(r"^\s+2\s+2027-03-01\s+%d\s+tentative\s+%s" % (gb["id"],
                                                              re.escape(name_of[gb["members"][1]])),
                r.stdout, re.M) is not None, "member show lists the answer:\n" + r.stdout)
check("proposed 2027-03-09" in r.stdout, "member show: the proposed time")
mj = json.loads(ok("member", "show", gb["members"][0], "--format", "json").stdout)
check(mj["answers"] == [{"round": 2, "date": "2027-03-01", "group": gb["id"],
                         "partners": [name_of[gb["members"][1]]], "answer": "tentative",
                         "proposed": "2027-03-09T14:00:00Z"}], "member JSON answers: %r"
      % mj.get("answers"))
mj = json.loads(ok("member", "show", gc["members"][1], "--format", "json").stdout)
check(mj["answers"][0]["answer"] == "needs-action" and
      sorted(mj["answers"][0]["partners"]) ==
      sorted(name_of[a] for a in gc["members"] if a != gc["members"][1]),
      "a trio member's partners: %r" % mj["answers"])

# The report: tentative and proposed beside accepted and declined.
r = ok("report")
m = re.search(r"^\s*2 2027-03-01\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$",
              r.stdout, re.M)
check(re.search(r"accepted tentative declined proposed", r.stdout) is not None,
      "report heading:\n" + r.stdout)
check(m is not None and m.groups()[3:] == ("1", "1", "1", "1"),
      "report counts accepted 1, tentative 1, declined 1, proposed 1: %r"
      % ((m.groups() if m else None),))
rj = json.loads(ok("report", "--format", "json").stdout)
row = [x for x in rj["rounds"] if x["id"] == 2][0]
check((row["accepted"], row["tentative"], row["declined"], row["proposed"]) == (1, 1, 1, 1),
      "report JSON counts: %r" % row)
csv_rows = list(csv.DictReader(io.StringIO(ok("report", "--format", "csv").stdout)))
check([r["proposed"] for r in csv_rows if r["round"] == "2"] == ["1"], "report CSV proposed column")

# --- did you mean -------------------------------------------------------------------------
real = ga["members"][0]
typo = real[:-1] + ("g" if real[-1] != "g" else "x")  # ...example.org -> ...example.org
typo = real.replace(".org", ".og")
for args in (("member", "show", typo), ("member", "pause", typo), ("member", "resume", typo),
             ("member", "remove", typo), ("member", "erase", typo, "--yes"),
             ("exclude", "add", real, typo), ("exclude", "add", typo, real)):
    r = run(*args)
    check(r.returncode == 65 and
          "no member with e-mail %s (did you mean %s?)" % (typo, real) in r.stderr,
          "%s: %r" % (" ".join(args), r.stderr))
r = run("member", "show", "nobody.at.all@nowhere.example")
check(r.returncode == 65 and "did you mean" not in r.stderr, "nothing close: no suggestion")
check(db_exec("SELECT status FROM members WHERE email = ?", (real,)) == [("active",)],
      "a mistyped address changed nobody")

finish()
