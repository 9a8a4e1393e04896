#!/usr/bin/python3
"""imap_replies.py: reading replies from a real IMAP server (Dovecot).

Fills a throwaway mailbox with the real-shaped replies of tests/data/replies,
fetches them into a database holding the three groups they answer, and checks
what a user would: the summary line, the database (with the sqlite3 CLI),
which messages are left unread, and that fetching again -- with no new mail,
with one new message, after the mailbox's UIDVALIDITY changed, over imaps://
or STARTTLS, by the daemon -- never counts anything twice. Failures of the server side give
the exit codes SPEC.md promises (69 unreachable, 78 bad login).

Every fetch is "coffeetrial -c FILE outcome fetch" with a throwaway INI file.

Then replies you can trust (issue 13): a round planned, sent and flushed to
the spool by the real binary, each member's own UID read from the mail they
received, and the attacks delivered to the same Dovecot: an outsider who has
seen one invitation answering for another member, a partner writing the
member's From, a relay listing two attendees, a guessed UID; a genuine reply
through an iCloud-style noreply relay; a reply without DTSTAMP ordered by
arrival; a comment with control characters and 3,000 characters; held
replies listed, applied by hand, and never pausing anyone; and a trio in
which one member accepted and another left: the updated REQUEST keeps the
acceptance (RSVP=FALSE), "Updated:" only in the Subject.

Then one-word replies (issue 14): SKIP from a member replying to their own
invitation is acted on; the same word from someone else quoting it, or
with no reference to a message we sent, is held; other text is not a reply.
"""
import email
import email.policy
import json
import glob
import imaplib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import icalendar

SRC = os.environ["CT_SRC"]
BIN = os.environ["CT_BIN"]
sys.path.insert(0, os.path.join(SRC, "tests", "servers"))
from dovecot import Dovecot, free_port  # noqa: E402

FIXTURES = sorted(glob.glob(os.path.join(SRC, "tests", "data", "replies", "*.eml")))
FIRST_BATCH = [f for f in FIXTURES if not os.path.basename(f).startswith("14-")]
LATER = [f for f in FIXTURES if os.path.basename(f).startswith("14-")]

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, flush=True)
    return cond


def write_ini(tmp, db, url, user, secret, ca=None):
    """A throwaway configuration for one fetch; returns its path."""
    path = os.path.join(tmp, "coffeetrial.ini")
    with open(path, "w") as f:
        f.write("[store]\npath = %s\n\n[imap]\nurl = %s\nusername = %s\n"
                "password_file = %s\n" % (db, url, user, secret))
        if ca:
            f.write("ca_file = %s\n" % ca)
    return path


def run(ini, *args, env=None):
    full_env = dict(os.environ)
    full_env.pop("COFFEETRIAL_CONFIG", None)
    full_env.update(env or {})
    p = subprocess.run([BIN, "-c", ini] + list(args), capture_output=True, text=True,
                       timeout=120, env=full_env)
    with open(ini) as f:
        url = [line for line in f if line.startswith("url")][0].strip()
    print("$ coffeetrial %s   (%s)\n  exit %d\n  stdout: %s\n  stderr: %s" % (
        " ".join(args), url, p.returncode, p.stdout.strip(),
        p.stderr.strip().replace("\n", "\n          ")), flush=True)
    return p


def fetch(tmp, db, url, user, secret, ca=None, env=None):
    return run(write_ini(tmp, db, url, user, secret, ca), "outcome", "fetch", env=env)


def sql(db, query):
    """Ask the database with the sqlite3 CLI, as an operator would."""
    out = subprocess.run(["sqlite3", "-batch", "-noheader", db, query], capture_output=True,
                         text=True, check=True, timeout=30)
    return out.stdout.strip()


def populate(db):
    con = sqlite3.connect(db)
    con.executescript("""
        INSERT INTO members(id, email, name, organisation, created_at, updated_at) VALUES
          (1, 'ana@nhs-a.example', 'Ana Silva', 'Trust A', 0, 0),
          (2, 'bo@uni-b.example', 'Bo Chen', 'University B', 0, 0),
          (3, 'cy@trust-c.example', 'Cy Okafor', 'Trust C', 0, 0),
          (4, 'dee@council-d.example', 'Dee Patel', 'Council D', 0, 0),
          (5, 'jose@clinic-e.example', 'José Müller', 'Clinic E', 0, 0),
          (6, 'fay@charity-f.example', 'Fay Kowalski', 'Charity F', 0, 0);
        -- sent "now", so no answer window closes during the test
        INSERT INTO rounds(id, date, seed, state, created_at, sent_at)
          VALUES (1, '2026-11-30', 1, 'sent', 0, strftime('%s', 'now'));
        INSERT INTO groups(id, round_id, uid, sequence, state, slot_start, slot_minutes) VALUES
          (1, 1, 'ct-1-1-7f3a9c@coffee.example', 0, 'sent', 1796292000, 30),
          (2, 1, 'ct-1-2-0b81e4@coffee.example', 1, 'sent', 1796378400, 30),
          (3, 1, 'ct-1-3-5ad2f0@coffee.example', 0, 'sent', 1796292000, 30);
        INSERT INTO group_members(group_id, member_id) VALUES
          (1, 1), (1, 2), (2, 3), (2, 4), (3, 5), (3, 6);
        -- groups sent before per-member UIDs: their members share the group's UID,
        -- as the migration leaves them, so these replies are read as they always were
        UPDATE group_members SET uid = (SELECT g.uid FROM groups g WHERE g.id = group_id);
    """)
    con.commit()
    con.close()


def unseen_subjects(dv):
    """Message-ID headers of the messages still unread, as a mail client sees them."""
    box = imaplib.IMAP4("127.0.0.1", dv.imap_port)
    try:
        box.login(dv.user, dv.password)
        box.select("INBOX", readonly=True)
        typ, data = box.uid("SEARCH", None, "UNSEEN")
        subjects = []
        for uid in data[0].split():
            typ, msg = box.uid("FETCH", uid, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            subjects.append(msg[0][1].decode(errors="replace").strip())
        return sorted(subjects)
    finally:
        box.logout()

TRUST_NOW = "2027-03-01T08:00:00Z"  # a Monday, before the schedule's 09:00
TRUST_ROSTER = """email,name,organisation,team,site,role,timezone,status,frequency,ties
ana@a.example,Ana Silva,Org A,T1,S1,Nurse,Europe/London,active,monthly,
bo@b.example,Bo Chen,Org B,T2,S2,Doctor,Europe/London,active,monthly,
cy@c.example,Cy Okafor,Org C,T3,S3,Manager,Europe/London,active,monthly,
dee@d.example,Dee Patel,Org D,T4,S4,Pharmacist,Europe/London,active,monthly,
eve@e.example,Eve Ng,Org E,T5,S5,Therapist,Europe/London,active,monthly,
fay@f.example,Fay Kowalski,Org F,T6,S6,Social worker,Europe/London,active,monthly,
"""


def trust_run(ini, *args, now=TRUST_NOW):
    env = dict(os.environ)
    env.pop("COFFEETRIAL_CONFIG", None)
    env["COFFEETRIAL_TEST_NOW"] = now
    p = subprocess.run([BIN, "-c", ini] + list(args), capture_output=True, text=True,
                       timeout=120, env=env)
    print("$ coffeetrial %s   (now %s)\n  exit %d\n  stdout: %s\n  stderr: %s" % (
        " ".join(args), now, p.returncode, p.stdout.strip().replace("\n", "\n          "),
        p.stderr.strip().replace("\n", "\n          ")), flush=True)
    return p


def sent_invitations(spool):
    """{recipient: (UID, SEQUENCE, [attendees])} from the spooled REQUESTs, as a client reads them."""
    out = {}
    for name in sorted(os.listdir(spool)):
        with open(os.path.join(spool, name), "rb") as f:
            m = email.message_from_bytes(f.read(), policy=email.policy.default)
        rcpt = m["To"].addresses[0].addr_spec.lower()
        for part in m.walk():
            if part.get_content_type() == "text/calendar":
                cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
                ev = [c for c in cal.walk() if c.name == "VEVENT"][0]
                atts = ev.get("ATTENDEE")
                atts = atts if isinstance(atts, list) else [atts]
                out[rcpt] = (str(ev["UID"]), int(ev["SEQUENCE"]),
                             sorted(str(a)[7:].lower() for a in atts))
                break
    return out


def reply_eml(n, sender, uid, seq, attendees, dtstamp="20270301T073000Z", comment=None):
    """A METHOD:REPLY as a calendar client sends it; attendees = [(address, PARTSTAT)]."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//forger//EN", "METHOD:REPLY",
             "BEGIN:VEVENT", "UID:" + uid, "SEQUENCE:%d" % seq]
    if dtstamp:
        lines.append("DTSTAMP:" + dtstamp)
    for addr, partstat in attendees:
        lines.append("ATTENDEE;PARTSTAT=%s:mailto:%s" % (partstat, addr))
    if comment is not None:
        lines.append("COMMENT:" + comment)
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    ics = "\r\n".join(lines)
    return ("From: %s\r\nTo: organiser@example.org\r\nSubject: reply %d\r\n"
            "Message-ID: <trust-%d@test.example>\r\nDate: Mon, 1 Mar 2027 08:30:00 +0000\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/calendar; charset=UTF-8; method=REPLY\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n%s" % (sender, n, n, ics)).encode()


def trust_scenarios(dv, tmp, secret):
    """Every attack on a real round's invitations; see the module docstring."""
    box = os.path.join(tmp, "trust")
    os.makedirs(box)
    db = os.path.join(box, "trust.db")
    spool = os.path.join(box, "spool")
    roster = os.path.join(box, "roster.csv")
    with open(roster, "w") as f:
        f.write(TRUST_ROSTER)
    ini = os.path.join(box, "coffeetrial.ini")
    with open(ini, "w") as f:
        f.write("[store]\npath = %s\n\n[spool]\ndir = %s\n\n[pairing]\nunanswered_limit = 1\n\n"
                "[imap]\nurl = imap://127.0.0.1:%d/Trust\nusername = %s\npassword_file = %s\n"
                % (db, spool, dv.imap_port, dv.user, secret))
    for args in (["roster", "import", roster], ["round", "plan", "--date", "2027-03-01"],
                 ["round", "send", "1"], ["outbox", "flush"]):
        check(trust_run(ini, *args).returncode == 0, "trust: coffeetrial " + " ".join(args))
    inv = sent_invitations(spool)
    check(len(inv) == 6 and len({u for u, _, _ in inv.values()}) == 6,
          "trust: six invitations, six different UIDs: %r" % inv)
    if len(inv) != 6:
        return
    partner = {r: [a for a in atts if a != r][0] for r, (_, _, atts) in inv.items()}
    uid = {r: u for r, (u, _, _) in inv.items()}
    seq = {r: q for r, (_, q, _) in inv.items()}
    a = "ana@a.example"
    b = partner[a]
    c = sorted(r for r in inv if r not in (a, b))[0]
    d = partner[c]
    e = sorted(r for r in inv if r not in (a, b, c, d))[0]
    f = partner[e]

    def partstat(who):
        return sql(db, "SELECT gm.partstat FROM group_members gm JOIN members m ON m.id = "
                       "gm.member_id WHERE m.email = '%s'" % who)

    long_comment = "Bell\x07 and \x1b[31mred\x1b[0m\\nnew line " + "é" * 3000
    guessed = uid[e].split("@")[0][:-4] + "aaaa@" + uid[e].split("@")[1]
    replies = [
        # 1. an outsider who has seen a's invitation answers for b with it: held
        reply_eml(1, "mallory@evil.example", uid[a], seq[a], [(b, "DECLINED")]),
        # 2. the partner b writes a's address in From and ATTENDEE, with b's own UID: held
        reply_eml(2, a, uid[b], seq[b], [(a, "DECLINED")]),
        # 3. a relay listing both attendees of c's invitation: only c's entry counts
        reply_eml(3, "relay@calendar.example", uid[c], seq[c], [(c, "ACCEPTED"), (d, "DECLINED")]),
        # 4. a genuine answer through iCloud's relay, whose From is not e's: applied
        reply_eml(4, "noreply@email.icloud.com", uid[e], seq[e], [(e, "ACCEPTED")]),
        # 5. a guessed UID for e's group: held, nothing changed
        reply_eml(5, "mallory@evil.example", guessed, seq[e], [(e, "DECLINED")]),
        # 6./7. f accepts (DTSTAMP 07:00), then declines without DTSTAMP: arrival orders them
        reply_eml(6, f, uid[f], seq[f], [(f, "ACCEPTED")], dtstamp="20270301T070000Z"),
        reply_eml(7, f, uid[f], seq[f], [(f, "DECLINED")], dtstamp=None),
        # 8. d accepts with a hostile, overlong comment
        reply_eml(8, d, uid[d], seq[d], [(d, "ACCEPTED")], comment=long_comment),
        # 9. the partner d forges a decline for c (c accepted): held, c is never paused for it
        reply_eml(9, c, uid[d], seq[d], [(c, "DECLINED")]),
    ]
    # Delivered in this order into a mailbox of their own, over IMAP (APPEND).
    imap = imaplib.IMAP4("127.0.0.1", dv.imap_port)
    try:
        imap.login(dv.user, dv.password)
        imap.create("Trust")
        for raw in replies:
            check(imap.append("Trust", None, None, raw)[0] == "OK", "trust: APPEND")
    finally:
        imap.logout()
    p = trust_run(ini, "outcome", "fetch", "-v", now="2027-03-01T09:00:00Z")
    check(p.returncode == 0, "trust: fetch exits 0")
    check("4 held for the organiser (not to be trusted)" in p.stdout,
          "trust: four replies held: " + p.stdout)
    check(("answers for %s, but its UID is the invitation of %s" % (b, a)) in p.stderr,
          "trust: fetch -v says why the outsider's reply is held")
    check(("answers for %s, but its UID is the invitation of %s" % (a, b)) in p.stderr,
          "trust: fetch -v says why the partner's reply is held")
    check("names a meeting but no member's invitation" in p.stderr,
          "trust: fetch -v says why the guessed UID is held")
    check(partstat(a) == "NEEDS-ACTION" and partstat(b) == "NEEDS-ACTION",
          "trust: forged answers changed nobody: a=%s b=%s" % (partstat(a), partstat(b)))
    check(partstat(c) == "ACCEPTED", "trust: the relay's owner entry applied: " + partstat(c))
    check(partstat(d) == "ACCEPTED", "trust: the relay's other entry ignored, d's own applied")
    check(partstat(e) == "ACCEPTED", "trust: the iCloud-relayed reply applied: " + partstat(e))
    check(partstat(f) == "DECLINED",
          "trust: the reply without DTSTAMP, arriving later, wins: " + partstat(f))
    stored = sql(db, "SELECT r.comment FROM replies r JOIN members m ON m.id = r.member_id "
                     "WHERE m.email = '%s'" % d)
    check(len(stored) == 2000 and not any(ord(ch) < 32 or 0x7f <= ord(ch) <= 0x9f
                                          for ch in stored)
          and stored.startswith("Bell and [31mred[0m new line é"),
          "trust: comment cleaned and cut to 2,000 characters: %d %r" % (len(stored),
                                                                           stored[:40]))
    check(sql(db, "SELECT count(*) FROM held_replies") == "4", "trust: four held rows")

    # round show lists the held replies of its round, with the reason.
    rid = sql(db, "SELECT min(g.round_id) FROM held_replies h JOIN groups g ON g.id = h.group_id")
    in_round = sql(db, "SELECT count(*) FROM held_replies h JOIN groups g ON g.id = h.group_id "
                       "WHERE g.round_id = %s" % rid)
    shown = json.loads(trust_run(ini, "round", "show", rid, "--format", "json").stdout)
    check(len(shown["held"]) == int(in_round) > 0 and all(h["reason"] for h in shown["held"]),
          "trust: round show lists the round's held replies: %r" % shown.get("held"))
    text = trust_run(ini, "round", "show", rid).stdout
    check("held replies, not applied" in text, "trust: round show text has the held replies")

    # The organiser's listing, and applying one by hand.
    p = trust_run(ini, "outcome", "held", "--format", "json")
    held = json.loads(p.stdout)["held"] if p.returncode == 0 else []
    check(len(held) == 4 and all(h["reason"] for h in held), "trust: held listed with reasons")
    text = trust_run(ini, "outcome", "held").stdout
    check("the From line proves nothing" in text and "#1" in text, "trust: held as text")
    first = [h for h in held if h["from"] == "mallory@evil.example" and h["answers_for"] == b]
    if check(len(first) == 1, "trust: the outsider's reply is listed"):
        p = trust_run(ini, "outcome", "apply", str(first[0]["id"]), "--member", b)
        check(p.returncode == 0 and "applied" in p.stdout, "trust: apply by hand")
        check(partstat(b) == "DECLINED", "trust: the organiser's choice applied: " + partstat(b))
        check(sql(db, "SELECT count(*) FROM replies WHERE by_organiser = 1") == "1",
              "trust: recorded as the organiser's")
        p = trust_run(ini, "outcome", "apply", str(first[0]["id"]), "--member", b)
        check(p.returncode != 0 and "applied already" in p.stderr, "trust: applied once only")
    check(len(json.loads(trust_run(ini, "outcome", "held", "--format", "json").stdout)["held"])
          == 3, "trust: three still held")

    # Windows close long after the meetings: with unanswered_limit = 1 the members who
    # did not answer are paused, but no held reply counts: c (forged decline held) is not.
    p = trust_run(ini, "outcome", "fetch", now="2027-04-30T09:00:00Z")
    check(p.returncode == 0, "trust: fetch after the windows closed")
    status = dict(r.split("|") for r in sql(db, "SELECT email, status FROM members").split("\n"))
    check(status[c] == "active" and status[e] == "active" and status[d] == "active",
          "trust: members who answered are not paused: %r" % status)
    check(status[a] == "paused", "trust: a, who never answered, is paused: %r" % status)


WORDS_ROSTER = """email,name,organisation,team,site,role,timezone,status,frequency,ties
kim@k.example,Kim Lee,Org K,T1,S1,Nurse,Europe/London,active,monthly,
lou@l.example,Lou Diaz,Org L,T2,S2,Doctor,Europe/London,active,monthly,
max@m.example,Max Roy,Org M,T3,S3,Manager,Europe/London,active,monthly,
ned@n.example,Ned Ito,Org N,T4,S4,Pharmacist,Europe/London,active,monthly,
"""


def word_eml(n, sender, in_reply_to, text):
    """A plain reply with one word on its first line, quoting what it answers."""
    head = "From: %s\r\nTo: organiser@example.org\r\nSubject: Re: coffee\r\n" % sender
    if in_reply_to:
        head += "In-Reply-To: %s\r\nReferences: %s\r\n" % (in_reply_to, in_reply_to)
    return (head + "Message-ID: <word-%d@test.example>\r\nDate: Mon, 1 Mar 2027 08:30:00 +0000\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n\r\n"
            "On Monday the organiser wrote:\r\n> Coffee?\r\n" % (n, text)).encode()


def word_scenarios(dv, tmp, secret):
    """One-word replies (issue 14): trusted by the Message-ID a member received, never by From."""
    box = os.path.join(tmp, "words")
    os.makedirs(box)
    db = os.path.join(box, "words.db")
    spool = os.path.join(box, "spool")
    roster = os.path.join(box, "roster.csv")
    with open(roster, "w") as f:
        f.write(WORDS_ROSTER)
    ini = os.path.join(box, "coffeetrial.ini")
    with open(ini, "w") as f:
        f.write("[store]\npath = %s\n\n[spool]\ndir = %s\n\n"
                "[imap]\nurl = imap://127.0.0.1:%d/Words\nusername = %s\npassword_file = %s\n"
                % (db, spool, dv.imap_port, dv.user, secret))
    for args in (["roster", "import", roster], ["round", "plan", "--date", "2027-03-01"],
                 ["round", "send", "1"], ["outbox", "flush"]):
        check(trust_run(ini, *args).returncode == 0, "words: coffeetrial " + " ".join(args))
    ids = {}
    for name in os.listdir(spool):
        with open(os.path.join(spool, name), "rb") as f:
            m = email.message_from_bytes(f.read(), policy=email.policy.default)
        ids[m["To"].addresses[0].addr_spec.lower()] = m["Message-ID"].strip()
    check(len(ids) == 4, "words: four invitations spooled: %r" % ids)
    if len(ids) != 4:
        return
    kim, max_ = "kim@k.example", "max@m.example"
    replies = [
        word_eml(1, "Kim Lee <%s>" % kim, ids[kim], "Skip"),         # trusted
        word_eml(2, "mallory@evil.example", ids[max_], "STOP"),      # someone else: held
        word_eml(3, max_, None, "STOP"),                             # From alone: held
        word_eml(4, max_, ids[max_], "I will be a bit late"),        # not a word: as before
    ]
    imap = imaplib.IMAP4("127.0.0.1", dv.imap_port)
    try:
        imap.login(dv.user, dv.password)
        imap.create("Words")
        for raw in replies:
            check(imap.append("Words", None, None, raw)[0] == "OK", "words: APPEND")
    finally:
        imap.logout()
    p = trust_run(ini, "outcome", "fetch", "-v", now="2027-03-01T09:00:00Z")
    check(p.returncode == 0, "words: fetch exits 0")
    check("1 acted on (one-word reply)" in p.stdout and
          "2 held for the organiser (not to be trusted)" in p.stdout,
          "words: one acted on, two held: " + p.stdout)
    check("not the address the message went to" in p.stderr and
          "answers no message we sent a member" in p.stderr, "words: fetch -v says why")
    check(sql(db, "SELECT count(*) FROM skips s JOIN members m ON m.id = s.member_id "
                  "WHERE m.email = '%s' AND s.round_id = 1 AND s.via = 'reply'" % kim) == "1",
          "words: Kim skips round 1")
    check(sql(db, "SELECT group_concat(status) FROM members WHERE email = '%s'" % max_)
          == "active", "words: nobody stopped Max")
    shown = json.loads(trust_run(ini, "round", "show", "1", "--format", "json").stdout)
    check([k["email"] for k in shown["skips"]] == [kim], "words: round show marks the skip")
    text = trust_run(ini, "member", "show", kim).stdout
    check("skip        by reply     round 1" in text, "words: member show says how: " + text)


TRIO_ROSTER = """email,name,organisation,team,site,role,timezone,status,frequency,ties
gil@g.example,Gil Ortiz,Org G,T7,S7,Nurse,Europe/London,active,monthly,
hal@h.example,Hal Berg,Org H,T8,S8,Doctor,Europe/London,active,monthly,
ivy@i.example,Ivy Sato,Org I,T9,S9,Manager,Europe/London,active,monthly,
"""


def spool_messages(spool, names):
    """{recipient: (Subject, SUMMARY, UID, SEQUENCE, {attendee: (PARTSTAT, RSVP)})}."""
    out = {}
    for name in names:
        with open(os.path.join(spool, name), "rb") as f:
            m = email.message_from_bytes(f.read(), policy=email.policy.default)
        for part in m.walk():
            if part.get_content_type() == "text/calendar":
                cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
                ev = [c for c in cal.walk() if c.name == "VEVENT"][0]
                atts = ev.get("ATTENDEE")
                atts = atts if isinstance(atts, list) else [atts]
                out[m["To"].addresses[0].addr_spec.lower()] = (
                    str(m["Subject"]), str(ev["SUMMARY"]), str(ev["UID"]), int(ev["SEQUENCE"]),
                    {str(a)[7:].lower(): (a.params.get("PARTSTAT"), a.params.get("RSVP"))
                     for a in atts})
                break
    return out


def updated_request_keeps_answers(dv, tmp, secret):
    """A trio: one accepts, one leaves; the update keeps the answer and does not ask again."""
    box = os.path.join(tmp, "trio")
    os.makedirs(box)
    spool = os.path.join(box, "spool")
    roster = os.path.join(box, "roster.csv")
    with open(roster, "w") as f:
        f.write(TRIO_ROSTER)
    ini = os.path.join(box, "coffeetrial.ini")
    with open(ini, "w") as f:
        f.write("[store]\npath = %s\n\n[spool]\ndir = %s\n\n"
                "[imap]\nurl = imap://127.0.0.1:%d/Trio\nusername = %s\npassword_file = %s\n"
                % (os.path.join(box, "trio.db"), spool, dv.imap_port, dv.user, secret))
    for args in (["roster", "import", roster], ["round", "plan", "--date", "2027-03-01"],
                 ["round", "send", "1"], ["outbox", "flush"]):
        check(trust_run(ini, *args).returncode == 0, "trio: coffeetrial " + " ".join(args))
    first = sorted(os.listdir(spool))
    sent = spool_messages(spool, first)
    if not check(len(sent) == 3 and all(len(v[4]) == 3 for v in sent.values()),
                 "trio: one trio invited: %r" % sent):
        return
    gil, hal, ivy = "gil@g.example", "hal@h.example", "ivy@i.example"
    imap = imaplib.IMAP4("127.0.0.1", dv.imap_port)
    try:
        imap.login(dv.user, dv.password)
        imap.create("Trio")
        imap.append("Trio", None, None, reply_eml(20, gil, sent[gil][2], 0, [(gil, "ACCEPTED")]))
    finally:
        imap.logout()
    check(trust_run(ini, "outcome", "fetch", now="2027-03-01T09:00:00Z").returncode == 0,
          "trio: fetch Gil's acceptance")
    check(trust_run(ini, "member", "remove", ivy, now="2027-03-01T09:30:00Z").returncode == 0,
          "trio: Ivy leaves")
    trust_run(ini, "outbox", "flush", now="2027-03-01T09:30:00Z")
    upd = spool_messages(spool, sorted(set(os.listdir(spool)) - set(first)))
    for who in (gil, hal):
        if not check(who in upd, "trio: %s gets the update" % who):
            continue
        subject, summary, uid, seq, atts = upd[who]
        check(subject.startswith("Updated: ") and not summary.startswith("Updated"),
              "trio: 'Updated:' in the Subject only: %r / %r" % (subject, summary))
        check(uid == sent[who][2] and seq == 1, "trio: %s's own UID, SEQUENCE 1" % who)
        check(atts.get(gil) == ("ACCEPTED", "FALSE"),
              "trio: Gil's acceptance kept, not asked again: %r" % (atts.get(gil),))
        check(atts.get(hal) == ("NEEDS-ACTION", "TRUE"), "trio: Hal still asked: %r"
              % (atts.get(hal),))
        check(ivy not in atts, "trio: Ivy no longer listed")
    if check(ivy in upd, "trio: Ivy gets a CANCEL"):
        check(upd[ivy][0].startswith("Cancelled: ") and not upd[ivy][1].startswith("Cancelled")
              and upd[ivy][2] == sent[ivy][2], "trio: Ivy's CANCEL: own UID, plain SUMMARY")


def main():
    tmp = tempfile.mkdtemp(prefix="ct-imap-")
    os.chmod(tmp, 0o711)  # the server may run as 'nobody' and must reach its directory
    try:
        server_dir = os.path.join(tmp, "server")
        os.makedirs(server_dir)
        db = os.path.join(tmp, "coffeetrial.db")
        secret = os.path.join(tmp, "imap-password")
        with Dovecot(server_dir, tls=True) as dv:
            with open(secret, "w") as f:
                f.write(dv.password + "\n")
            os.chmod(secret, 0o600)
            # Any command creates the database; the groups are then put in by hand.
            check(run(write_ini(tmp, db, "imap://127.0.0.1/INBOX", dv.user, secret),
                      "roster", "list").returncode == 0, "create the database")
            populate(db)
            for path in FIRST_BATCH:
                with open(path, "rb") as f:
                    dv.deliver(f.read())
            url = "imap://127.0.0.1:%d/INBOX" % dv.imap_port

            # 1. First fetch: every message read once, each with the right outcome.
            p = fetch(tmp, db, url, dv.user, secret)
            check(p.returncode == 0, "first fetch exits 0")
            check(p.stdout.strip() == "fetched 13 messages: 6 replies recorded, 1 proposed "
                  "another time, 1 ignored (old sequence), 1 skipped (unknown meeting), "
                  "1 skipped (not from an attendee), 3 skipped (not a calendar reply)",
                  "first fetch summary")
            check("zed@elsewhere.example is not an attendee" in p.stderr,
                  "non-attendee logged")
            check("no meeting with UID ct-9-9-deadbeef@coffee.example" in p.stderr,
                  "unknown UID logged")
            check("fay@charity-f.example proposed another time for group 3: 2026-12-11 "
                  "15:00 UTC" in p.stderr, "counter-proposal shown")
            partstats = sql(db, "SELECT group_concat(partstat, ',') FROM "
                                "(SELECT partstat FROM group_members ORDER BY member_id)")
            check(partstats == "ACCEPTED,DECLINED,TENTATIVE,ACCEPTED,ACCEPTED,ACCEPTED",
                  "partstats after first fetch: " + partstats)
            check(sql(db, "SELECT count(*) FROM replies") == "7", "7 replies rows")
            check(sql(db, "SELECT count(*) FROM imap_seen") == "13", "13 messages remembered")
            check(sql(db, "SELECT name FROM members WHERE id = 5") == "José Müller",
                  "UTF-8 names intact")
            # Mail that is not about our meetings is left unread for the people sharing
            # the mailbox; replies we recorded are read.
            unseen = unseen_subjects(dv)
            check(unseen == sorted(["",  # the garbage message has no Message-ID
                                    "Message-ID: <zed-9@elsewhere.example>",
                                    "Message-ID: <unknown-10@nhs-a.example>",
                                    "Message-ID: <request-11@elsewhere.example>",
                                    "Message-ID: <plain-13@uni-b.example>"]),
                  "unrelated mail left unread: %r" % unseen)

            # 2. Again, nothing new: nothing fetched, nothing counted.
            p = fetch(tmp, db, url, dv.user, secret)
            check(p.returncode == 0 and p.stdout.strip() == "fetched 0 messages: 0 replies "
                  "recorded", "second fetch reads nothing")
            check(sql(db, "SELECT count(*) FROM replies") == "7", "still 7 replies rows")

            # 3. One new reply arrives: only it is fetched.
            with open(LATER[0], "rb") as f:
                dv.deliver(f.read())
            p = fetch(tmp, db, url, dv.user, secret)
            check(p.stdout.strip() == "fetched 1 message: 1 reply recorded", "third fetch")
            check(sql(db, "SELECT partstat FROM group_members WHERE member_id = 4") ==
                  "DECLINED", "Dee's later decline recorded")

            # 4. The server renumbers the mailbox (UIDVALIDITY changes): everything is
            #    read again and nothing is counted twice.
            before = sql(db, "SELECT count(*), group_concat(unanswered) FROM replies, "
                             "(SELECT group_concat(unanswered) AS unanswered FROM members)")
            dv.doveadm("mailbox", "update", "-u", dv.user, "--uid-validity", "4242", "INBOX")
            p = fetch(tmp, db, url, dv.user, secret)
            check(p.returncode == 0, "fetch after UIDVALIDITY change exits 0")
            check(p.stdout.strip() == "fetched 14 messages: 0 replies recorded, 8 already "
                  "recorded, 1 ignored (old sequence), 1 skipped (unknown meeting), 1 skipped "
                  "(not from an attendee), 3 skipped (not a calendar reply)",
                  "re-read after UIDVALIDITY change counts nothing")
            check(sql(db, "SELECT count(*), group_concat(unanswered) FROM replies, "
                          "(SELECT group_concat(unanswered) AS unanswered FROM members)")
                  == before, "replies and counters unchanged after UIDVALIDITY change")
            check(sql(db, "SELECT count(DISTINCT uidvalidity) FROM imap_seen") == "2",
                  "both UIDVALIDITY generations remembered")

            # 5. imaps:// and STARTTLS reach the same mailbox: nothing new.
            imaps = "imaps://127.0.0.1:%d/INBOX" % dv.imaps_port
            p = fetch(tmp, db, imaps, dv.user, secret, dv.cert)
            check(p.returncode == 0 and p.stdout.startswith("fetched 0 messages"),
                  "imaps with ca_file")
            p = fetch(tmp, db, imaps, dv.user, secret)
            check(p.returncode == 69 and "ca_file" in p.stderr,
                  "imaps with an unknown CA is refused (69)")
            p = fetch(tmp, db, url, dv.user, secret, dv.cert,
                    env={"COFFEETRIAL_TEST_IMAP_NOT_LOOPBACK": "1"})
            check(p.returncode == 0 and p.stdout.startswith("fetched 0 messages"),
                  "STARTTLS required off loopback, and works")

            # 6. Bad password, closed port, bad URL.
            wrong = os.path.join(tmp, "wrong-password")
            with open(wrong, "w") as f:
                f.write("not it\n")
            p = fetch(tmp, db, url, dv.user, wrong)
            check(p.returncode == 78 and "login refused" in p.stderr, "bad password is 78")
            check("not it" not in p.stderr + p.stdout, "password never printed")
            p = fetch(tmp, db, "imap://127.0.0.1:%d/INBOX" % free_port(), dv.user, secret)
            check(p.returncode == 69, "closed port is 69")
            p = fetch(tmp, db, "imap://127.0.0.1:%d/NoSuchBox" % dv.imap_port, dv.user,
                    secret)
            check(p.returncode == 78 and "cannot be selected" in p.stderr, "missing mailbox")
            p = fetch(tmp, db, "https://127.0.0.1/INBOX", dv.user, secret)
            check(p.returncode == 78 and "[imap] url" in p.stderr, "non-IMAP URL is 78")

            # 7. The daemon polls the same mailbox into a fresh database, once.
            db2 = os.path.join(tmp, "daemon.db")
            ini = write_ini(tmp, db2, url, dv.user, secret)
            check(run(ini, "roster", "list").returncode == 0, "create the daemon's database")
            populate(db2)
            env = dict(os.environ, COFFEETRIAL_CONFIG="")
            p = subprocess.run([os.environ["CT_DAEMON"], "-c", ini, "--once"], capture_output=True,
                               text=True, timeout=120, env=env)
            print("$ coffeetriald --once\n  exit %d\n  stderr: %s" % (
                p.returncode, p.stderr.strip().replace("\n", "\n          ")), flush=True)
            check(p.returncode == 0, "coffeetriald --once exits 0")
            check("fetched 14 messages: 7 replies recorded, 1 proposed another time" in p.stderr,
                  "the daemon logs what it fetched")
            check(sql(db2, "SELECT count(*) FROM replies") == "8", "the daemon recorded replies")
            check(sql(db2, "SELECT partstat FROM group_members WHERE member_id = 4") == "DECLINED",
                  "the daemon applies the later answer")
            # 8. Replies you can trust, on a round the real binary sent.
            trust_scenarios(dv, tmp, secret)
            updated_request_keeps_answers(dv, tmp, secret)
            word_scenarios(dv, tmp, secret)
            if failures:
                print("--- dovecot log ---\n" + dv.log())

        # 8. A server without TLS, reached as if it were remote: no plain-text login.
        plain_dir = os.path.join(tmp, "plain")
        os.makedirs(plain_dir)
        with Dovecot(plain_dir, tls=False) as dv:
            with open(secret, "w") as f:
                f.write(dv.password + "\n")
            url = "imap://127.0.0.1:%d/INBOX" % dv.imap_port
            p = fetch(tmp, db, url, dv.user, secret,
                    env={"COFFEETRIAL_TEST_IMAP_NOT_LOOPBACK": "1"})
            check(p.returncode == 69 and "STARTTLS" in p.stderr,
                  "no STARTTLS offered: refused with 69")
            p = fetch(tmp, db, url, dv.user, secret)
            check(p.returncode == 0, "plain IMAP allowed on loopback")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
