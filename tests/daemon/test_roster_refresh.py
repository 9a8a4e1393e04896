#!/usr/bin/python3
"""daemon.roster_refresh: coffeetriald re-imports [roster] source from an
http URL served on 127.0.0.1 with the real actions: a good roster is synced;
a roster with a bad row, or a server answering 500, is logged (with the
file's line for the bad row) and the members stay exactly as they were.
Roster safety: a file that would mark more than [roster] max_left (10%)
of the members left is never applied; the refusal is logged and the
organiser mailed once per distinct refused file."""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemontest import check, query, run, scratch  # noqa: E402

SRC = os.environ["CT_SRC"]
PYTHON = os.environ.get("CT_PYTHON", "/usr/bin/python3")

d = scratch()
root = os.path.join(d, "www")
os.mkdir(root)
shutil.copy(os.path.join(SRC, "conf", "roster.example.csv"), os.path.join(root, "roster.csv"))
server = subprocess.Popen([PYTHON, os.path.join(SRC, "tests", "servers", "http_files.py"),
                           "--root", root, "--lifetime", "120"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
try:
    port = int(server.stdout.readline())
    db = os.path.join(d, "coffeetrial.db")
    ini = os.path.join(d, "coffeetrial.ini")

    def write_ini(path):
        with open(ini, "w") as f:
            f.write("[store]\npath = %s\n[spool]\ndir = %s\n"
                    "[network]\norganiser_email = org@example.org\n"
                    "[roster]\nsource = http://127.0.0.1:%d%s\nrefresh = 1m\ntimeout = 10s\n"
                    # No round falls due during the test: only the roster job runs.
                    "[schedule]\nstart = 2030-01-07\n"
                    % (db, os.path.join(d, "spool"), port, path))

    def members():
        return query(db, "SELECT count(*) FROM members WHERE status = 'active'")[0][0]

    write_ini("/file/roster.csv")
    rc, err = run(["--once", "-c", ini], d, COFFEETRIAL_TEST_NOW="2027-01-10T12:00:00Z")
    check(rc == 0, "first --once: %d\n%s" % (rc, err))
    before = members()
    check(before == 49, "the example roster's 49 active members were not imported: %d\n%s"
          % (before, err))

    # A bad row: the whole file is refused, its line named, nothing changes.
    with open(os.path.join(root, "roster.csv"), "a") as f:
        f.write("not-an-address,Nobody,Nowhere,,,,,,,\n")
    rc, err = run(["--once", "-c", ini], d, COFFEETRIAL_TEST_NOW="2027-01-10T12:05:00Z")
    check("roster.csv:54: email" in err, "the bad row is not named with its line:\n" + err)
    check("keeping the last good roster" in err, "no word of keeping the roster:\n" + err)
    check(members() == before, "members changed after a bad refresh")

    # The server failing: logged, nothing changes.
    write_ini("/status/500")
    rc, err = run(["--once", "-c", ini], d, COFFEETRIAL_TEST_NOW="2027-01-10T12:10:00Z")
    check("500" in err and "keeping the last good roster" in err,
          "a 500 from the server is not reported:\n" + err)
    check(members() == before, "members changed after a failed fetch")

    # Roster safety. A truncated file (the first 30 rows): more than 10% of
    # the members would leave. Refused, logged, one mail to the organiser.
    with open(os.path.join(SRC, "conf", "roster.example.csv")) as f:
        rows = f.read().splitlines(True)

    def serve(lines):
        with open(os.path.join(root, "roster.csv"), "w") as f:
            f.writelines(lines)

    def notices():
        return query(db, "SELECT count(*) FROM outbox WHERE kind = 'notice'"
                     " AND recipient = 'org@example.org'")[0][0]

    def refresh(minute):
        return run(["--once", "-c", ini], d,
                   COFFEETRIAL_TEST_NOW="2027-01-10T13:%02d:00Z" % minute)

    write_ini("/file/roster.csv")
    serve(rows[:31])
    current = query(db, "SELECT count(*) FROM members WHERE status IN ('active', 'paused')")[0][0]
    rc, err = refresh(0)
    refusals = [line for line in err.splitlines() if "refused" in line]
    check(len(refusals) == 1, "not one line about the refusal:\n" + err)
    check("roster.csv" in refusals[0] and "of %d current members left" % current in refusals[0]
          and "max_left = 10% allows (5)" in refusals[0]
          and "keeping the last good roster" in refusals[0],
          "the refusal does not name the source, the count and the limit:\n" + err)
    check(members() == before, "a refused sync changed the members")
    check(notices() == 1, "the organiser was not mailed once: %d" % notices())
    body = query(db, "SELECT text_body FROM outbox WHERE recipient = 'org@example.org'")[0][0]
    check("coffeetrial roster import --yes" in body, "the notice says not how to apply:\n" + body)

    # The same file again: refused again, but no second mail.
    rc, err = refresh(5)
    check("already told" in err, "the second refusal does not say the organiser knows:\n" + err)
    check(notices() == 1, "the same refused file mailed again: %d" % notices())
    check(members() == before, "a refused sync changed the members")

    # A different bad file mails again.
    serve(rows[:1] + rows[25:])
    rc, err = refresh(10)
    check("refused" in err and notices() == 2, "a new refused file was not mailed: %d" % notices())

    # A good sync applies and clears the memory: the first bad file mails again.
    serve(rows)
    rc, err = refresh(15)
    check("refused" not in err and members() == before, "the good roster was not synced:\n" + err)
    check(query(db, "SELECT value FROM meta WHERE key = 'roster_refused_file'")[0][0] is None,
          "a good sync did not forget the refused file")
    serve(rows[:31])
    rc, err = refresh(20)
    check(notices() == 3, "the bad file after a good sync was not mailed: %d" % notices())
finally:
    server.stdin.close()
    server.wait(timeout=30)
print("ok")
