#!/usr/bin/python3
"""http_files.py: a small HTTP(S) server for tests of everything that
fetches a URL (the roster source, and anything else that needs a server
that misbehaves on purpose).

Listens on 127.0.0.1 on an ephemeral port and writes "PORT\\n" to stdout
(in one write) once it accepts connections; keep reading until the newline. It stops when its standard input closes (so a
test that dies takes it along), on SIGTERM, or after --lifetime seconds,
whichever comes first.

Paths:
  /file/NAME          200, the file NAME from --root (404 if absent)
  /status/CODE        that status with a short body (503 adds Retry-After: 1)
  /big?bytes=N        200 with N bytes of CSV-ish text, no Content-Length
  /declared?bytes=N   200 announcing Content-Length: N, sending 10 bytes
  /slow?seconds=S     waits S seconds before answering 200
  /stall?seconds=S    sends headers and half a body, then waits S seconds
  /redirect?to=URL    302 to URL (a path or an absolute URL)
  /loop               302 to itself, forever
  /gzip/NAME          the file NAME, gzip-encoded (Content-Encoding: gzip)
  /auth/NAME          the file NAME if the request carries basic auth
                      user:secret, else 401
  /log                the request lines served so far, one a line

    /usr/bin/python3 tests/servers/http_files.py --root DIR [--tls DIR]
"""

import argparse
import base64
import gzip
import http.server
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

LOG = []
LOG_LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def reply(self, code, body=b"", headers=None, content_length=True):
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if content_length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_file(self, name):
        path = os.path.join(self.root, os.path.basename(name))
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def do_GET(self):
        with LOG_LOCK:
            LOG.append(self.requestline)
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = url.path.strip("/").split("/", 1)
        head, rest = parts[0], parts[1] if len(parts) > 1 else ""

        if head in ("file", "gzip", "auth"):
            if head == "auth":
                expected = "Basic " + base64.b64encode(b"user:secret").decode()
                if self.headers.get("Authorization") != expected:
                    self.reply(401, b"who are you?\n",
                               {"WWW-Authenticate": 'Basic realm="roster"'})
                    return
            data = self.read_file(rest)
            if data is None:
                self.reply(404, b"no such file\n")
            elif head == "gzip":
                self.reply(200, gzip.compress(data), {"Content-Type": "text/csv",
                                                      "Content-Encoding": "gzip"})
            else:
                self.reply(200, data, {"Content-Type": "text/csv; charset=utf-8"})
        elif head == "status":
            code = int(rest or "500")
            headers = {"Retry-After": "1"} if code == 503 else {}
            self.reply(code, f"status {code}\n".encode(), headers)
        elif head == "big":
            size = int(query.get("bytes", "1000000"))
            self.reply(200, b"", {"Content-Type": "text/csv"}, content_length=False)
            line = b"member@example.org,Member,Organisation\n"
            sent = 0
            while sent < size:
                chunk = (line * 1000)[: size - sent]
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return
                sent += len(chunk)
        elif head == "declared":
            size = int(query.get("bytes", "1000000000"))
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            self.wfile.write(b"email,name")
            self.close_connection = True
        elif head == "slow":
            time.sleep(float(query.get("seconds", "10")))
            self.reply(200, b"email,name,organisation\n")
        elif head == "stall":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"email,name,organisation\n")
            self.wfile.flush()
            time.sleep(float(query.get("seconds", "10")))
            self.close_connection = True
        elif head == "redirect":
            self.reply(302, b"", {"Location": query.get("to", "/")})
        elif head == "loop":
            self.reply(302, b"", {"Location": "/loop"})
        elif head == "log":
            with LOG_LOCK:
                body = "".join(line + "\n" for line in LOG).encode()
            self.reply(200, body)
        else:
            self.reply(404, b"unknown path\n")

    do_HEAD = do_GET


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 and localhost."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=".", help="directory served under /file/")
    parser.add_argument("--tls", metavar="DIR",
                        help="serve HTTPS with a new self-signed DIR/cert.pem")
    parser.add_argument("--lifetime", type=float, default=120,
                        help="exit after this many seconds at the latest")
    args = parser.parse_args()

    Handler.root = args.root
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if args.tls:
        cert, key = make_certificate(args.tls)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)

    def stop(*_):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    timer = threading.Timer(args.lifetime, stop)
    timer.daemon = True  # never keeps a failed server alive
    timer.start()

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            stop()

    threading.Thread(target=watch_stdin, daemon=True).start()
    # One write: with PYTHONUNBUFFERED, print() would write the port and the
    # newline separately, and a reader may see a partial line.
    try:
        os.write(sys.stdout.fileno(), f"{server.server_address[1]}\n".encode())
    except OSError:
        stop()
    server.serve_forever()


if __name__ == "__main__":
    main()
