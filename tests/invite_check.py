#!/usr/bin/python3
"""invite_check.py: parse every invitation of a hostile trio as a mail client
would (Python's email package for the MIME tree and headers, icalendar for the
calendar) and check what SPEC.md promises: one recipient per message, the
method parameter equal to METHOD, attendees equal to the group, a stable UID,
SEQUENCE rising, the slot inside each member's working hours in their own
zone, the attachment identical to the inline calendar, and names that decode
to what the roster said (with control characters neutralised), never to an
extra header, recipient or calendar line.

usage: invite_check.py PATH/TO/invite_dump
"""
import datetime
import email
import email.policy
import json
import os
import subprocess
import sys
import tempfile
import urllib.parse
import zoneinfo

import icalendar

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def clean(s):
    """What invite.c promises to make of roster text on one line."""
    out = []
    for ch in s:
        c = ord(ch)
        if c < 0x20 or 0x7F <= c <= 0x9F or ch in "\u2028\u2029":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def single_spaced(s):
    return " ".join(w for w in s.split(" ") if w)


def icalendar_quirk(s):
    """python3-icalendar 4.0.3 turns "%2C", "%3A", "%3B" and "%5C" in any value
    into ",", ":", ";" and "\\" (its parser's private escaping leaks): apply
    the same to what we expect, so the comparison is about our output."""
    return s.replace("%2C", ",").replace("%3A", ":").replace("%3B", ";").replace("%5C", "\\")


def check_display_name(got, name, header, where):
    """Display names are cleaned and single-spaced. Python's address parser
    puts a space between adjacent encoded-words (RFC 2047 6.2 says to drop
    it); invite.c splits long names after spaces, so only spacing differs."""
    want = single_spaced(clean(name))
    if header.count("=?") <= 1:
        check(got == want, f"{where}: display name {got!r} != {want!r}")
    check(single_spaced(got) == want, f"{where}: display name {got!r} !~ {want!r}")


def names_of(members, skip=None):
    names = [clean(m["name"]) for i, m in enumerate(members) if i != skip]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def raw_header(raw, name):
    """One header's value as sent, unfolded."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    value = None
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t"):
            if value is not None:
                value += line
        elif value is not None:
            break
        elif line.split(":", 1)[0] == name:
            value = line.split(":", 1)[1]
    return value or ""


def check_raw(raw, where):
    """Line ends, line lengths and the header block as bytes on the wire."""
    check(b"\r\n\r\n" in raw, f"{where}: no header/body separator")
    lines = raw.split(b"\r\n")
    for n, line in enumerate(lines):
        check(b"\r" not in line and b"\n" not in line, f"{where}: line {n + 1}: bare CR or LF")
        check(len(line) <= 998, f"{where}: line {n + 1} longer than 998 octets")
    head = raw.split(b"\r\n\r\n", 1)[0]
    names = []
    for n, line in enumerate(head.split(b"\r\n")):
        check(all(b < 0x80 for b in line), f"{where}: header line {n + 1} is not ASCII")
        if line[:1] in (b" ", b"\t"):
            check(len(line) <= 78, f"{where}: folded header line {n + 1} over 78 octets")
            continue
        name = line.split(b":", 1)[0].decode("ascii", "replace")
        names.append(name)
        if name != "Message-ID":
            check(len(line) <= 78, f"{where}: header {name} over 78 octets")
    check(sorted(names) == sorted(["From", "To", "Subject", "Date", "Message-ID",
                                   "MIME-Version", "Content-Type"]),
          f"{where}: unexpected header set {names}")


def check_ics_text(ics_bytes, where):
    """RFC 5545 content lines: CRLF, <= 75 octets, UTF-8 never split."""
    check(ics_bytes.endswith(b"\r\n"), f"{where}: calendar does not end in CRLF")
    props = []
    for n, line in enumerate(ics_bytes.split(b"\r\n")[:-1]):
        check(len(line) <= 75, f"{where}: calendar line {n + 1} is {len(line)} octets")
        check(b"\r" not in line and b"\n" not in line, f"{where}: calendar line {n + 1}: bare CR/LF")
        if line[:1] == b" ":
            check(len(line) < 2 or (line[1] & 0xC0) != 0x80,
                  f"{where}: calendar line {n + 1} starts inside a UTF-8 character")
            continue
        props.append(line.split(b":", 1)[0].split(b";", 1)[0].decode())
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            check(False, f"{where}: calendar line {n + 1} is not whole UTF-8")
    return props


def check_message(man, m, raw, seen_ids):
    where = m["file"]
    members = man["members"][: m["members"]]
    me = members[m["recipient"]]
    method = m["method"]
    check_raw(raw, where)

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for h in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
        check(len(msg.get_all(h) or []) == 1, f"{where}: {h} not exactly once")
    check(msg.get_all("Bcc") is None and msg.get_all("Cc") is None, f"{where}: Cc/Bcc present")

    to = msg["To"].addresses
    if check(len(to) == 1, f"{where}: To has {len(to)} addresses"):
        check(to[0].addr_spec == me["email"], f"{where}: To is {to[0].addr_spec}")
        check_display_name(to[0].display_name, me["name"], raw_header(raw, "To"), where + ": To")
    frm = msg["From"].addresses
    if check(len(frm) == 1, f"{where}: From has {len(frm)} addresses"):
        check(frm[0].addr_spec == man["organiser"]["email"], f"{where}: From address")
        check_display_name(frm[0].display_name, man["organiser"]["name"], raw_header(raw, "From"),
                           where + ": From")

    subject = f"{clean(man['network'])} #3 (2026-03-02): coffee with {names_of(members, m['recipient'])}"
    title = subject  # SUMMARY: the event's own title, whatever the mail's Subject says
    if method == "CANCEL":
        subject = "Cancelled: " + subject
    elif m["sequence"] > 0:
        subject = "Updated: " + subject
    check(str(msg["Subject"]) == subject, f"{where}: Subject {str(msg['Subject'])!r} != {subject!r}")
    check(str(msg["Subject"]) == m["subject"], f"{where}: Subject differs from the struct's")
    check(msg["Message-ID"] == "<" + m["message_id"] + ">", f"{where}: Message-ID")
    check(m["message_id"] not in seen_ids, f"{where}: Message-ID reused")
    seen_ids.add(m["message_id"])
    check(msg["Date"].datetime is not None, f"{where}: Date does not parse")
    check(msg["MIME-Version"] == "1.0", f"{where}: MIME-Version")

    # The MIME tree.
    check(msg.get_content_type() == "multipart/mixed", f"{where}: top is {msg.get_content_type()}")
    top = list(msg.iter_parts())
    if not check(len(top) == 2, f"{where}: multipart/mixed has {len(top)} parts"):
        return None
    alt, att = top
    check(alt.get_content_type() == "multipart/alternative", f"{where}: first part type")
    parts = list(alt.iter_parts())
    types = [p.get_content_type() for p in parts]
    if not check(types == ["text/plain", "text/html", "text/calendar"], f"{where}: parts {types}"):
        return None
    plain, html, cal_part = parts
    for p in parts:
        check(p.get_content_charset() == "utf-8", f"{where}: {p.get_content_type()} charset")
    check(cal_part.get_param("method") == method, f"{where}: method= {cal_part.get_param('method')}")
    check(att.get_content_type() in ("application/ics", "text/calendar"), f"{where}: attachment type")
    check(att.get_content_disposition() == "attachment", f"{where}: not an attachment")
    check(att.get_filename() == "invite.ics", f"{where}: attachment name {att.get_filename()}")
    ics_bytes = cal_part.get_payload(decode=True)
    check(att.get_payload(decode=True) == ics_bytes, f"{where}: attachment differs from inline calendar")
    props = check_ics_text(ics_bytes, where)
    expected_props = {"BEGIN", "END", "PRODID", "VERSION", "CALSCALE", "METHOD", "UID", "SEQUENCE",
                      "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "LOCATION", "URL",
                      "ORGANIZER", "ATTENDEE", "STATUS", "TRANSP"}
    check(set(props) <= expected_props, f"{where}: unexpected calendar properties {set(props) - expected_props}")
    check(props.count("ATTENDEE") == (1 if m["only_recipient"] else len(members)),
          f"{where}: {props.count('ATTENDEE')} ATTENDEE lines")

    # The calendar, as a calendar client reads it.
    cal = icalendar.Calendar.from_ical(ics_bytes.decode("utf-8"))
    check(str(cal["METHOD"]) == method, f"{where}: METHOD {cal['METHOD']}")
    events = list(cal.walk("VEVENT"))
    if not check(len(events) == 1, f"{where}: {len(events)} events"):
        return None
    ev = events[0]
    # Each member's copy carries that member's own UID (issue 13), never the group's.
    check(str(ev["UID"]) == me["uid"], f"{where}: UID {ev['UID']} is not the recipient's")
    check(str(ev["UID"]) != man["uid"] and str(ev["UID"]).startswith(man["uid"].split("@")[0] + "-"),
          f"{where}: UID {ev['UID']} is not derived from the group's")
    check(int(ev["SEQUENCE"]) == m["sequence"], f"{where}: SEQUENCE {ev['SEQUENCE']}")
    check(str(ev["STATUS"]) == ("CANCELLED" if method == "CANCEL" else "CONFIRMED"), f"{where}: STATUS")
    check(str(ev["SUMMARY"]) == title, f"{where}: SUMMARY {str(ev['SUMMARY'])!r} != {title!r}")
    org = ev["ORGANIZER"]
    check(str(org).lower() == "mailto:" + man["organiser"]["email"], f"{where}: ORGANIZER {org}")
    check(org.params.get("CN") == clean(man["organiser"]["name"]).replace('"', "'"),
          f"{where}: ORGANIZER CN {org.params.get('CN')!r}")
    attendees = ev.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    got = {str(a).lower(): a for a in attendees}
    want = {"mailto:" + x["email"]: x for x in members}
    if m["only_recipient"]:
        want = {"mailto:" + me["email"]: me}
    check(set(got) == set(want), f"{where}: attendees {sorted(got)} != {sorted(want)}")
    for addr, a in got.items():
        if addr not in want:
            continue
        p = a.params
        check(p.get("CN") == clean(want[addr]["name"]).replace('"', "'"), f"{where}: CN of {addr} {p.get('CN')!r}")
        check(p.get("CUTYPE") == "INDIVIDUAL", f"{where}: CUTYPE of {addr}")
        check(p.get("ROLE") == "REQ-PARTICIPANT", f"{where}: ROLE of {addr}")
        # An update keeps the answer recorded (RSVP=FALSE once answered): only
        # the first member has answered, from version 2 on.
        answer = m["first_answer"] if addr == "mailto:" + members[0]["email"] else "NEEDS-ACTION"
        check(p.get("PARTSTAT") == answer, f"{where}: PARTSTAT of {addr} {p.get('PARTSTAT')} != {answer}")
        want_rsvp = "TRUE" if answer == "NEEDS-ACTION" else "FALSE"
        check(p.get("RSVP") == want_rsvp, f"{where}: RSVP of {addr} {p.get('RSVP')} != {want_rsvp}")

    # The slot: UTC, the planned one, inside each member's hours in their zone.
    start = ev["DTSTART"].dt
    end = ev["DTEND"].dt
    check(start.utcoffset() == datetime.timedelta(0), f"{where}: DTSTART not UTC")
    check(int(start.timestamp()) == man["start"], f"{where}: DTSTART {start}")
    check(int((end - start).total_seconds()) == man["duration"], f"{where}: DTEND {end}")
    check(man["window"][0] <= man["start"] and man["start"] + man["duration"] <= man["window"][1],
          f"{where}: slot outside the meeting window")
    check(man["start"] >= man["not_before"], f"{where}: slot in the past")
    hours = man["hours"]
    for x in members:
        z = zoneinfo.ZoneInfo(x["timezone"])
        ls, le = start.astimezone(z), end.astimezone(z)
        smin = ls.hour * 60 + ls.minute
        emin = (le - ls.replace(hour=0, minute=0, second=0)).total_seconds() / 60
        check(ls.date() == (le - datetime.timedelta(seconds=1)).date(), f"{where}: crosses midnight for {x['email']}")
        check(hours["days"] & (1 << ls.weekday()), f"{where}: {ls} not a working day in {x['timezone']}")
        check(hours["start"] <= smin and emin <= hours["end"],
              f"{where}: {ls:%H:%M}-{le:%H:%M} outside working hours in {x['timezone']}")

    # The bodies: who, when (in the recipient's zone), nothing raw.
    text = plain.get_content()
    desc = str(ev["DESCRIPTION"])
    check(icalendar_quirk(text.replace("\r\n", "\n")) == desc, f"{where}: text/plain differs from DESCRIPTION")
    html_text = html.get_content()
    for i, x in enumerate(members):
        if i != m["recipient"]:
            check(clean(x["name"]) in text, f"{where}: partner {x['email']} not named in the text")
    local = start.astimezone(zoneinfo.ZoneInfo(me["timezone"]))
    check(local.strftime("%H:%M") in text, f"{where}: local time {local:%H:%M} not in the text")
    check(f"{local.day} {local:%B %Y}" in text, f"{where}: local date not in the text")
    check("<evil@" not in html_text and "\x1b" not in html_text and "\x1b" not in text,
          f"{where}: raw roster text in a body")
    if method == "REQUEST":
        check("Some questions to start the conversation" in text, f"{where}: no prompts")
        all_names = names_of(members)
        check(str(ev.get("LOCATION")) == f'Room "{all_names}"  X-INJECTED:1',
              f"{where}: LOCATION {str(ev.get('LOCATION'))!r}")
        url = "https://meet.example/" + urllib.parse.quote(man["uid"], safe="") + "?who=" + \
              urllib.parse.quote(all_names, safe="")
        check(str(ev.get("URL")) == icalendar_quirk(url), f"{where}: URL {str(ev.get('URL'))!r} != {url!r}")
        check(("\r\nURL:" + url + "\r\n").encode() in ics_bytes.replace(b"\r\n ", b""),
              f"{where}: URL line is not {url!r}")
    return ev


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    checked = 0
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as again:
        subprocess.run([sys.argv[1], tmp], check=True)
        subprocess.run([sys.argv[1], again], check=True)
        with open(os.path.join(tmp, "manifest.json"), encoding="utf-8") as f:
            man = json.load(f)
        seen_ids = set()
        for m in man["messages"]:
            with open(os.path.join(tmp, m["file"]), "rb") as f:
                raw = f.read()
            check_message(man, m, raw, seen_ids)
            checked += 1
            # Built again from the same data: the same bytes, so a resend is
            # recognisable by its Message-ID and identical content.
            with open(os.path.join(again, m["file"]), "rb") as f:
                check(f.read() == raw, f"{m['file']}: differs when built again")
        seqs = [m["sequence"] for m in man["messages"]]
        check(seqs == sorted(seqs) and seqs[0] < seqs[-1], f"SEQUENCE does not rise: {seqs}")
    check(checked == 3 + 3 + 2 + 1, f"checked {checked} messages, expected 9")
    for f in failures:
        print("FAIL:", f)
    print(f"{checked} messages parsed, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
