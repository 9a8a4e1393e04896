#!/usr/bin/python3
"""http_proxy.py: a stand-in HTTP proxy for the [transport] proxy tests. It
records every request it is asked to forward and answers it ITSELF, never
opening a connection anywhere: a GET gets the --body file, a POST (the
http transport's gateway call) gets 200 {"id": "proxied"}, a CONNECT 403.
So a request for http://roster.example.invalid/... that reaches it proves
it went through the proxy, and nothing leaves 127.0.0.1.

Listens on 127.0.0.1 on an ephemeral port and prints "PORT\\n" once it
accepts connections. Each request line is appended to --log as it comes.
Stops on SIGTERM, or after --lifetime seconds.

    /usr/bin/python3 tests/servers/http_proxy.py --log FILE --body FILE
"""

import argparse
import http.server
import os
import signal
import sys
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--body", required=True)
    ap.add_argument("--lifetime", type=float, default=300)
    args = ap.parse_args()
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def record(self):
            with lock, open(args.log, "a") as f:
                f.write(self.requestline + "\n")

        def answer(self, code, body, ctype):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self.record()
            with open(args.body, "rb") as f:
                self.answer(200, f.read(), "text/csv")

        def do_POST(self):
            self.record()
            n = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(n)
            self.answer(200, b'{"id": "proxied"}', "application/json")

        def do_CONNECT(self):
            self.record()
            self.answer(403, b"no tunnels here\n", "text/plain")
            self.close_connection = True

        def log_message(self, fmt, *a):
            sys.stderr.write("proxy: " + (fmt % a) + "\n")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Timer(args.lifetime, lambda: os._exit(0)).start()
    sys.stdout.write("%d\n" % server.server_address[1])
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
