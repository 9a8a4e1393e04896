#!/usr/bin/python3
"""bad_relay.py: a relay that misbehaves, for coffeetrial's breaker tests.

Listens on 127.0.0.1 on a free port (printed on the first line of stdout).
  --mode hang        accepts connections, reads what comes, never answers
                     (an HTTP gateway stuck behind its load balancer);
  --mode smtp-drop   speaks SMTP up to DATA, then drops the connection in
                     the middle of the message (after its first line);
                     with --drop-only ADDR, only messages to ADDR are
                     dropped and every other one is accepted (250).
Stats (connections, requests: HTTP requests or DATA commands seen,
accepted) go to --stats, rewritten on every change.
"""
import argparse
import json
import os
import signal
import socket
import sys
import threading

ARGS = None
LOCK = threading.Lock()
STATS = {"connections": 0, "requests": 0, "accepted": 0}


def save():
    if ARGS.stats:
        tmp = ARGS.stats + ".tmp"
        with open(tmp, "w") as f:
            json.dump(STATS, f)
        os.replace(tmp, ARGS.stats)


def bump(key):
    with LOCK:
        STATS[key] += 1
        save()


def hang(conn):
    """Read forever, answer nothing."""
    seen = b""
    while True:
        data = conn.recv(65536)
        if not data:
            return
        seen += data
        while b"\r\n\r\n" in seen:
            seen = seen.split(b"\r\n\r\n", 1)[1]
            bump("requests")


def smtp(conn):
    f = conn.makefile("rb")
    rcpt = ""

    def say(line):
        conn.sendall(line.encode() + b"\r\n")

    say("220 bad-relay ESMTP")
    for raw in f:
        cmd = raw.decode("utf-8", "replace").strip()
        verb = cmd.split(" ", 1)[0].upper()
        if verb in ("EHLO", "HELO"):
            say("250-bad-relay\r\n250 8BITMIME")
        elif verb == "MAIL":
            rcpt = ""
            say("250 OK")
        elif verb == "RCPT":
            rcpt = cmd.split(":", 1)[1].strip().strip("<>") if ":" in cmd else ""
            say("250 OK")
        elif verb == "DATA":
            bump("requests")
            say("354 go ahead")
            dropping = not ARGS.drop_only or rcpt == ARGS.drop_only
            for line in f:
                if dropping:
                    # One line of the message in, then the line goes dead.
                    conn.shutdown(socket.SHUT_RDWR)
                    return
                if line in (b".\r\n", b".\n"):
                    break
            bump("accepted")
            say("250 queued")
        elif verb == "RSET" or verb == "NOOP":
            say("250 OK")
        elif verb == "QUIT":
            say("221 bye")
            return
        else:
            say("502 not implemented")


def serve(conn):
    bump("connections")
    try:
        if ARGS.mode == "hang":
            hang(conn)
        else:
            smtp(conn)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--mode", choices=("hang", "smtp-drop"), required=True)
    p.add_argument("--drop-only", metavar="ADDR")
    p.add_argument("--stats")
    p.add_argument("--lifetime", type=float, default=600.0)
    ARGS = p.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    save()
    print(sock.getsockname()[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Timer(ARGS.lifetime, lambda: os._exit(0)).start()
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
