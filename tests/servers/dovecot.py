"""dovecot.py: a throwaway Dovecot IMAP server for the tests.

Runs /usr/sbin/dovecot in the foreground with its own config, base and state
directories under a temporary directory, on 127.0.0.1 with free ports, one
passwd-file user and a maildir. Dovecot will not serve mail as root, so when
the tests run as root (CI) the whole server runs as 'nobody'; otherwise as
the invoking user; the directory given must then be reachable (+x) by
'nobody'. Always stopped (its process group, by pid) on exit.

    with Dovecot(tmpdir, tls=True) as dv:
        dv.deliver("reply.eml", data)
        ... imap://127.0.0.1:{dv.imap_port}/INBOX, user dv.user, dv.password ...
"""
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time

START_TIMEOUT = 15


def free_port():
    """A TCP port nobody listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary(name):
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


class Dovecot:
    def __init__(self, root, tls=False, user="organiser", password="s3cret pass!"):
        self.root = os.path.abspath(root)
        self.tls = tls
        self.user = user
        self.password = password
        self.proc = None
        self.imap_port = None
        self.imaps_port = None
        self.cert = None
        self.log_path = os.path.join(self.root, "dovecot.log")
        self.maildir = os.path.join(self.root, "mail", user)
        if os.geteuid() == 0:
            self.account = pwd.getpwnam("nobody")
        else:
            self.account = pwd.getpwuid(os.geteuid())
        self.group = grp.getgrgid(self.account.pw_gid).gr_name
        self._seq = 0

    # -- set-up --------------------------------------------------------------
    def _write_config(self):
        a = self.account
        for d in ("run", "state", "mail"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.maildir, d), exist_ok=True)
        with open(os.path.join(self.root, "passwd"), "w") as f:
            f.write("%s:{PLAIN}%s:%d:%d::%s\n" % (self.user, self.password, a.pw_uid, a.pw_gid,
                                                 self.maildir))
        ssl = "ssl = no\n"
        imaps = ""
        if self.tls:
            self.cert = os.path.join(self.root, "cert.pem")
            key = os.path.join(self.root, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", key, "-out", self.cert, "-days", "2",
                            "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            ssl = "ssl = yes\nssl_cert = <%s\nssl_key = <%s\n" % (self.cert, key)
            self.imaps_port = free_port()
            imaps = ("  inet_listener imaps {\n    address = 127.0.0.1\n"
                     "    port = %d\n    ssl = yes\n  }\n" % self.imaps_port)
        else:
            imaps = "  inet_listener imaps {\n    port = 0\n  }\n"
        self.imap_port = free_port()
        conf = """# throwaway test server, see tests/servers/dovecot.py
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = coffeetrial-test
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
first_valid_gid = 1
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{maildir}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
{imaps}}}
service anvil {{
  chroot =
}}
""".format(root=self.root, user=self.account.pw_name, group=self.group, ssl=ssl,
           maildir=self.maildir, port=self.imap_port, imaps=imaps)
        self.conf = os.path.join(self.root, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self._own(self.root)

    def _own(self, path):
        if os.geteuid() != 0:
            return
        uid, gid = self.account.pw_uid, self.account.pw_gid
        os.chown(path, uid, gid)
        for dirpath, dirnames, filenames in os.walk(path):
            for name in dirnames + filenames:
                os.lchown(os.path.join(dirpath, name), uid, gid)

    def _run_as(self):
        if os.geteuid() == 0:
            return {"user": self.account.pw_uid, "group": self.account.pw_gid,
                    "extra_groups": []}
        return {}

    # -- life cycle ----------------------------------------------------------
    def start(self):
        binary = _binary("dovecot")
        if binary is None:
            raise RuntimeError("dovecot not found: install dovecot-imapd (scripts/deps.sh test)")
        self._write_config()
        log = open(self.log_path, "ab")
        self._own(self.log_path)
        self.proc = subprocess.Popen([binary, "-F", "-c", self.conf], stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     **self._run_as())
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("dovecot exited with %s:\n%s" % (self.proc.returncode,
                                                                   self.log()))
            try:
                with socket.create_connection(("127.0.0.1", self.imap_port), timeout=2) as s:
                    if s.recv(200).startswith(b"* OK"):
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("dovecot did not answer within %ds:\n%s" % (START_TIMEOUT,
                                                                      self.log()))

    def stop(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- helpers -------------------------------------------------------------
    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return "(no log)"

    def deliver(self, data):
        """Drop a message into the maildir, as a local delivery agent would."""
        self._seq += 1
        name = "%d.M%dP%d.coffeetrial-test" % (int(time.time()), self._seq, os.getpid())
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        self._own(tmp)
        os.rename(tmp, os.path.join(self.maildir, "new", name))

    def doveadm(self, *args):
        """Run doveadm against this server's config, as its user."""
        return subprocess.run([_binary("doveadm"), "-c", self.conf] + list(args), check=True,
                              capture_output=True, text=True, timeout=30,
                              **self._run_as()).stdout
