#!/usr/bin/python3
"""http_gateway.py: a mail-sending HTTP gateway for coffeetrial's tests.

Listens on 127.0.0.1 on a free port (printed on the first line of stdout)
and takes POSTed JSON messages. What it answers depends on the local part
of the first recipient:
  busy-N@...     429 with Retry-After: N (seconds)
  busydate@...   429 with Retry-After as an HTTP-date one hour ahead
  fail@...       500
  bad@...        400 with a JSON error body
  flaky@...      500 the first time a message comes, 202 after
  anything else  202
A wrong or missing bearer token is 401. Each request (method, path, headers,
body) is recorded as NNNNNN.json in --record; a message already accepted
under the same Idempotency-Key is answered 200 and not counted again.
Stats (connections, requests, accepted) go to --stats.
"""
import argparse
import email.utils
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--token", required=True)
    p.add_argument("--record", required=True)
    p.add_argument("--stats")
    p.add_argument("--lifetime", type=float, default=600.0)
    return p.parse_args()


ARGS = None
LOCK = threading.Lock()
STATE = {"connections": 0, "requests": 0, "accepted": 0, "duplicates": 0,
         "seen": {}, "accepted_keys": []}


def save_stats():
    if not ARGS.stats:
        return
    tmp = ARGS.stats + ".tmp"
    with open(tmp, "w") as f:
        json.dump({k: v for k, v in STATE.items() if k != "seen"}, f)
    os.replace(tmp, ARGS.stats)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with LOCK:
            STATE["connections"] += 1
            save_stats()

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with LOCK:
            STATE["requests"] += 1
            n = STATE["requests"]
            record = {"method": "POST", "path": self.path,
                      "headers": {k: v for k, v in self.headers.items()},
                      "body": body.decode("utf-8", "replace")}
            path = os.path.join(ARGS.record, "%06d.json" % n)
            with open(path + ".tmp", "w") as f:
                json.dump(record, f)
            os.replace(path + ".tmp", path)
            save_stats()
        if self.headers.get("Authorization") != "Bearer " + ARGS.token:
            return self.reply(401, b'{"error":"bad token"}')
        try:
            doc = json.loads(body)
            rcpt = doc["recipients"][0]
        except (ValueError, KeyError, IndexError, TypeError):
            return self.reply(400, b'{"error":"not a message document"}')
        key = self.headers.get("Idempotency-Key", "")
        local = rcpt.split("@")[0]
        with LOCK:
            seen = STATE["seen"].get(key, 0)
            STATE["seen"][key] = seen + 1
            if key in STATE["accepted_keys"]:
                STATE["duplicates"] += 1
                save_stats()
                return self.reply(200, b'{"status":"duplicate"}')
        if local.startswith("busydate"):
            when = email.utils.formatdate(time.time() + 3600, usegmt=True)
            return self.reply(429, b'{"error":"slow down"}', [("Retry-After", when)])
        if local.startswith("busy"):
            secs = local.partition("-")[2] or "120"
            return self.reply(429, b'{"error":"slow down"}', [("Retry-After", secs)])
        if local == "fail":
            return self.reply(500, b'{"error":"internal"}')
        if local == "bad":
            return self.reply(400, b'{"error":"invalid recipient\\nsee docs"}')
        if local == "flaky" and seen == 0:
            return self.reply(500, b'{"error":"try again"}')
        with LOCK:
            STATE["accepted"] += 1
            STATE["accepted_keys"].append(key)
            save_stats()
        return self.reply(202, b'{"status":"queued"}')


def main():
    global ARGS
    ARGS = parse_args()
    os.makedirs(ARGS.record, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    save_stats()
    print(server.server_address[1], flush=True)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    timer = threading.Timer(ARGS.lifetime, stop)
    timer.daemon = True
    timer.start()
    server.serve_forever()
    save_stats()
    return 0


if __name__ == "__main__":
    sys.exit(main())
