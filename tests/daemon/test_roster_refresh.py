#!/usr/bin/python3
"""daemon.roster_refresh: coffeetriald re-imports [roster] source from an
http URL served on 127.0.0.1 with the real actions: a good roster is synced;
a roster with a bad row, or a server answering 500, is logged (with the
file's line for the bad row) and the members stay exactly as they were."""

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
finally:
    server.stdin.close()
    server.wait(timeout=30)
print("ok")
