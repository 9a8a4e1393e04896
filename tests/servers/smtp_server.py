#!/usr/bin/python3
"""smtp_server.py: an SMTP server for coffeetrial's tests, on aiosmtpd.

Listens on 127.0.0.1 on a free port (or the one --port names, so a test
can restart it where a client expects it) and prints that port on its
first line of stdout. Options choose what it does: offer and require
STARTTLS, require AUTH, refuse chosen recipients (550) or put them off
(451), refuse or put off at the end of data, refuse the sender, take a
while before saving or before answering each message. Every message can be
saved as a file and logged (one JSON line each: file, Message-ID, envelope,
TLS, connection number); connections and messages are counted in a small
JSON stats file, so tests can check delivery and reuse.

It exits on SIGTERM/SIGINT, or by itself after --lifetime seconds. The
signal is handled between two steps of the event loop, and saving a
message and writing its 250 happen in one step (unless --delay puts a wait
between them), so a stopped server has answered every message it saved.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
from email.parser import BytesHeaderParser

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"),
                   help="offer STARTTLS and require it before AUTH and MAIL")
    p.add_argument("--auth", metavar="USER:PASSWORD",
                   help="require AUTH (PLAIN/LOGIN) with these credentials")
    p.add_argument("--reject", action="append", default=[], metavar="ADDR",
                   help="answer 550 to RCPT TO this address")
    p.add_argument("--defer", action="append", default=[], metavar="ADDR",
                   help="answer 451 to RCPT TO this address")
    p.add_argument("--reject-data", action="append", default=[], metavar="ADDR",
                   help="answer 554 at the end of DATA for this recipient")
    p.add_argument("--defer-data", action="append", default=[], metavar="ADDR",
                   help="answer 451 at the end of DATA for this recipient")
    p.add_argument("--reject-sender", action="store_true",
                   help="answer 553 to every MAIL FROM")
    p.add_argument("--delay", type=float, default=0.0,
                   help="seconds to wait after saving a message before answering 250")
    p.add_argument("--accept-delay", type=float, default=0.0,
                   help="seconds to wait at the end of DATA before saving the message "
                        "(a slow relay: stopping the server meanwhile loses the message, "
                        "and the client must send it again)")
    p.add_argument("--maildir", help="save each accepted message here as NNNNNN.eml")
    p.add_argument("--stats", help="keep counts here (JSON), rewritten on every change")
    p.add_argument("--log", help="append one JSON line per accepted message here")
    p.add_argument("--port", type=int, default=0,
                   help="listen on this port instead of a free one")
    p.add_argument("--lifetime", type=float, default=600.0,
                   help="exit after this many seconds in any case")
    return p.parse_args()


class Stats:
    def __init__(self, path):
        self.path = path
        self.data = {"connections": 0, "messages": 0, "tls_messages": 0,
                     "auth_messages": 0, "rejected": 0, "deferred": 0}
        self.save()

    def save(self):
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f)
        os.replace(tmp, self.path)


class Handler:
    def __init__(self, args, stats):
        self.args = args
        self.stats = stats
        # A restarted server carries on numbering where the last one stopped.
        self.seq = len(os.listdir(args.maildir)) if args.maildir else 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.args.reject_sender:
            return "553 5.7.1 sender address not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.args.reject:
            self.stats.data["rejected"] += 1
            self.stats.save()
            return "550 5.1.1 <%s>: no such user here" % address
        if address in self.args.defer:
            self.stats.data["deferred"] += 1
            self.stats.save()
            return "451 4.2.0 <%s>: mailbox busy, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpts = envelope.rcpt_tos
        if any(r in self.args.reject_data for r in rcpts):
            return "554 5.6.0 message content rejected"
        if any(r in self.args.defer_data for r in rcpts):
            return "451 4.3.0 content scanner busy"
        if self.args.accept_delay:
            await asyncio.sleep(self.args.accept_delay)
        self.seq += 1
        name = "%06d.eml" % self.seq
        if self.args.maildir:
            path = os.path.join(self.args.maildir, name)
            with open(path + ".tmp", "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.replace(path + ".tmp", path)
        d = self.stats.data
        d["messages"] += 1
        if session.ssl is not None:
            d["tls_messages"] += 1
        if session.authenticated:
            d["auth_messages"] += 1
        if self.args.log:
            with open(self.args.log, "a") as f:
                headers = BytesHeaderParser().parsebytes(envelope.original_content
                                                         or envelope.content)
                f.write(json.dumps({"file": name, "message_id": headers["Message-ID"],
                                    "mail_from": envelope.mail_from,
                                    "rcpt_tos": rcpts, "tls": session.ssl is not None,
                                    "connection": server.connection_number}) + "\n")
        self.stats.save()
        if self.args.delay:
            await asyncio.sleep(self.args.delay)
        return "250 2.0.0 OK queued as %s" % name


def main():
    args = parse_args()
    stats = Stats(args.stats)
    handler = Handler(args, stats)
    tls_context = None
    if args.starttls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.starttls[0], args.starttls[1])
    authenticator = None
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        stats.data["connections"] += 1
        stats.save()
        smtp = SMTP(handler, hostname="test.invalid", tls_context=tls_context,
                    require_starttls=bool(tls_context), authenticator=authenticator,
                    auth_required=bool(args.auth), auth_require_tls=bool(tls_context),
                    loop=loop)
        smtp.connection_number = stats.data["connections"]
        return smtp

    server = loop.run_until_complete(loop.create_server(factory, host="127.0.0.1",
                                                          port=args.port))
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    loop.call_later(args.lifetime, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
        stats.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
