#!/usr/bin/python3
"""test_proxy.py: [transport] proxy decides, not the environment.

A recording stand-in proxy (tests/servers/http_proxy.py) and a file server
(http_files.py), both on 127.0.0.1; the proxy answers what it is asked
itself, so nothing leaves the machine. Checked with `roster import URL
--dry-run` (the roster fetch) and `outbox flush` (http and smtp, which
asks for a CONNECT tunnel):
  - proxy = URL sends a request for a remote name through the proxy,
  - but 127.0.0.1 and localhost never (always in CURLOPT_NOPROXY);
  - proxy = none (and the default) ignores http_proxy in the environment;
  - proxy = env follows it, with loopback still exempt.
COFFEETRIAL_TEST_NOPROXY (test builds) empties the loopback exemption so a
127.0.0.1 URL can show whether the environment's proxy was used.
"""
import os
import shutil
import subprocess
import time

from harness import CT_SRC, PYTHON, SERVERS, Env, Server, check, finish

E = Env("proxy")
roster = os.path.join(CT_SRC, "tests", "data", "roster-small.csv")
proxy_log = E.path("proxy.log")
open(proxy_log, "w").close()
proxy = Server("http_proxy.py", "--log", proxy_log, "--body", roster,
               stderr_path=E.path("proxy.err"))
PROXY = "http://127.0.0.1:%d" % proxy.port

www = E.path("www")
os.mkdir(www)
shutil.copy(roster, os.path.join(www, "roster.csv"))
files = subprocess.Popen([PYTHON, os.path.join(SERVERS, "http_files.py"), "--root", www,
                          "--lifetime", "120"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
LOCAL = "http://127.0.0.1:%d/file/roster.csv" % int(files.stdout.readline())
REMOTE = "http://roster.example.invalid/people/roster.csv"
PROXY_ENV = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
             "ALL_PROXY", "no_proxy", "NO_PROXY", "COFFEETRIAL_TEST_NOPROXY")


def proxied():
    with open(proxy_log) as f:
        return f.read().splitlines()


def import_roster(proxy_setting, url, **env):
    """roster import --dry-run with [transport] proxy (None: the key unset)."""
    E.write_ini({} if proxy_setting is None else {"transport.proxy": proxy_setting})
    full = {k: v for k, v in os.environ.items() if k not in PROXY_ENV}
    full.pop("COFFEETRIAL_CONFIG", None)
    full.update(env)
    before = len(proxied())
    r = subprocess.run([E_BIN, "-c", E.ini, "roster", "import", url, "--dry-run"],
                       capture_output=True, text=True, env=full, cwd=E.dir, timeout=60)
    print("# proxy=%s %s: exit %d %s" % (proxy_setting, url, r.returncode, r.stderr.strip()))
    return r.returncode, r.stderr, proxied()[before:]


E_BIN = os.environ["CT_BIN"]
try:
    # A URL: a remote name goes through it (the proxy, not DNS, answers).
    rc, err, new = import_roster(PROXY, REMOTE)
    check(rc == 0, "proxy = URL: a remote roster is fetched through the proxy")
    check(new == ["GET %s HTTP/1.1" % REMOTE], "the proxy saw the request (%r)" % new)

    # Loopback never goes through it, whatever the setting.
    rc, err, new = import_roster(PROXY, LOCAL)
    check(rc == 0 and new == [], "proxy = URL: 127.0.0.1 is reached directly (%r)" % new)
    rc, err, new = import_roster(PROXY, LOCAL.replace("127.0.0.1", "localhost"))
    check(rc == 0 and new == [], "proxy = URL: localhost is reached directly (%r)" % new)

    # The environment's proxy: used with env, ignored with none and by default.
    # (The hook lifts the loopback exemption, so a 127.0.0.1 URL can tell.)
    env = {"http_proxy": PROXY, "HTTP_PROXY": PROXY, "COFFEETRIAL_TEST_NOPROXY": "x.invalid"}
    rc, err, new = import_roster("env", LOCAL, **env)
    check(rc == 0 and new == ["GET %s HTTP/1.1" % LOCAL],
          "proxy = env: http_proxy is followed (%r)" % new)
    rc, err, new = import_roster("none", LOCAL, **env)
    check(rc == 0 and new == [], "proxy = none: http_proxy is ignored (%r)" % new)
    rc, err, new = import_roster(None, LOCAL, **env)
    check(rc == 0 and new == [], "proxy unset (default none): http_proxy is ignored (%r)" % new)
    rc, err, new = import_roster("env", REMOTE, http_proxy=PROXY, no_proxy="other.example.org")
    check(rc == 0 and new == ["GET %s HTTP/1.1" % REMOTE],
          "proxy = env: a remote name goes through http_proxy (%r)" % new)

    # Without the hook, env keeps loopback direct, even with no_proxy set to something else.
    rc, err, new = import_roster("env", LOCAL, http_proxy=PROXY, no_proxy="other.example.org")
    check(rc == 0 and new == [], "proxy = env: 127.0.0.1 is still reached directly (%r)" % new)

    # The http transport goes through the same helper: an https gateway on a
    # remote name is asked of the proxy as a CONNECT (which it refuses, so the
    # message stays queued and nothing leaves the machine).
    E.write_secret("gateway.token", "tok-proxy")
    E.enqueue("ana@a.example")
    rc, out, err = E.flush({"transport.kind": "http", "transport.proxy": PROXY,
                            "http.url": "https://gateway.example.invalid/v1/messages",
                            "http.token_file": E.path("gateway.token"), "http.timeout": "10s"})
    check(rc != 0 and "sent" not in out.replace("0 sent", ""),
          "http transport: nothing sent through a refusing proxy")
    check("CONNECT gateway.example.invalid:443 HTTP/1.1" in proxied(),
          "the proxy was asked for the gateway (%r)" % proxied()[-1:])

    # smtp asks an HTTP proxy for a CONNECT tunnel to the relay's port.
    rc, out, err = E.flush({"transport.kind": "smtp", "transport.proxy": PROXY,
                            "smtp.url": "smtp://mail.example.invalid:587", "smtp.timeout": "10s"},
                           now=time.time() + 3600)  # the message is due again
    check(rc != 0 and "CONNECT mail.example.invalid:587 HTTP/1.1" in proxied(),
          "smtp: the proxy was asked for a tunnel to the relay (%r)" % proxied()[-1:])
    # ... but a relay on loopback is reached directly: nothing listens there, no proxy asked.
    before = len(proxied())
    rc, out, err = E.flush({"transport.kind": "smtp", "transport.proxy": PROXY,
                            "smtp.url": "smtp://127.0.0.1:1", "smtp.timeout": "10s"},
                           now=time.time() + 7200)
    check(rc != 0 and proxied()[before:] == [],
          "smtp: a loopback relay is not proxied (%r)" % proxied()[before:])

    # Credentials never go in the URL: refused, naming the line.
    rc, err, new = import_roster("http://user:secret@127.0.0.1:%d" % proxy.port, LOCAL)
    check(rc == 78 and "test.ini:2: [transport] proxy" in err and new == [],
          "a proxy URL with a password is refused (%r)" % err.strip())
    check("secret" not in err, "the refusal does not repeat the password")
finally:
    files.stdin.close()
    files.wait(10)
    proxy.stop()
finish()
