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
"""
import glob
import imaplib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

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
