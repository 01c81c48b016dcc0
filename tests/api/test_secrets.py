"""Secrets and privileges of the running server:

* the data directory is created 0700 and every store file 0600, even under umask 000, for the
  server and the admin tool alike;
* token secrets (the 64-hex values in the store), password hashes, the admin password, Basic
  credentials and token strings never reach the server's log, and secrets, hashes and
  passwords never reach a reply (token strings only in the replies that issue them);
* the server makes itself non-dumpable (PR_SET_DUMPABLE 0), so that processes of the same
  unprivileged user cannot read its memory or its environment (which may hold
  TOKENZONE_ADMIN_PASSWORD). How this is observed from outside: the kernel makes the
  /proc/PID files of a non-dumpable process owned by root and refuses /proc/PID/environ to
  other processes of the same uid (ptrace access mode check). The test runs the server as
  `nobody` and compares with a control process of the same user."""
import base64
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import time

from harness import (ADMIN_PASSWORD, BIN, Server, ServerTestCase, TokenzoneTestCase,
                     sanitizer_report, time_caveat)

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
NOBODY = 65534


def store_files(data_dir):
    return sorted(os.path.join(data_dir, f) for f in os.listdir(data_dir))


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def db_text_values(data_dir):
    """Every text value of every table in every *.db file (read-only)."""
    values = []
    for name in os.listdir(data_dir):
        if not name.endswith(".db"):
            continue
        conn = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, name), uri=True,
                               timeout=10)
        try:
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            for t in tables:
                for row in conn.execute('SELECT * FROM "%s"' % t.replace('"', '""')):
                    values += [v for v in row if isinstance(v, str)]
        finally:
            conn.close()
    return values


class Permissions(TokenzoneTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tokenzone-perm-")
        self.addCleanup(self.tmp.cleanup)
        self.old_umask = os.umask(0)
        self.addCleanup(os.umask, self.old_umask)

    def assertPrivate(self, data_dir):
        self.assertEqual(mode(data_dir), 0o700, "data directory mode %o" % mode(data_dir))
        files = store_files(data_dir)
        self.assertTrue(any(f.endswith(".db") for f in files), "no database in %r" % files)
        for f in files:
            self.assertTrue(stat.S_ISREG(os.lstat(f).st_mode), "%s is not a regular file" % f)
            self.assertEqual(mode(f), 0o600, "%s has mode %o" % (os.path.basename(f), mode(f)))

    def test_server_creates_private_store_under_umask_000(self):
        data = os.path.join(self.tmp.name, "data")
        srv = Server(data_dir=data)
        srv.start()
        try:
            admin = srv.admin_user()
            srv.named_token("/user", admin.token, name="perm-check")
            self.assertPrivate(data)
            srv.restart()
            srv.temp_token("/user", admin.token)
            self.assertPrivate(data)
        finally:
            srv.kill()
        self.assertPrivate(data)
        self.assertIsNone(sanitizer_report(srv.log()))

    def test_nested_data_directory(self):
        data = os.path.join(self.tmp.name, "a", "b", "data")
        srv = Server(data_dir=data)
        try:
            srv.start()
        except RuntimeError as e:
            # refusing to create parents is acceptable, but it must say why
            self.assertIn(data, str(e))
            return
        try:
            self.assertPrivate(data)
        finally:
            srv.kill()

    def test_admin_tool_creates_private_store(self):
        data = os.path.join(self.tmp.name, "tooldata")
        proc = subprocess.run([BIN, "admin", "--data", data, "user", "create", "tooluser",
                               "--no-password"], capture_output=True, timeout=60,
                              stdin=subprocess.DEVNULL)
        self.assertEqual(proc.returncode, 0, proc)
        self.assertPrivate(data)


class NoSecretsInLogsOrReplies(ServerTestCase):
    """A workload that handles every kind of secret, then greps everything the server said."""

    @classmethod
    def server_args(cls):
        return {"store": "sqlite"}  # the secrets to look for are read from the SQLite file

    @classmethod
    def setUpWorld(cls):
        srv = cls.srv
        cls.replies = []        # (request description, Response)
        cls.tokens = []         # every token string the test saw
        cls.passwords = [ADMIN_PASSWORD, "alice-secret-password-1", "wrong-password-XYZ"]
        admin = srv.admin_user()
        alice = srv.user("alice", password=cls.passwords[1])
        srv.login(alice)
        cls.tokens += [admin.token, alice.token]

        def keep(what, resp):
            cls.replies.append((what, resp))
            return resp

        # issue tokens of every kind
        for body in ({"name": "n1"}, {"name": "n2", "type": {"identityToken": {}}},
                     {"name": "n3", "caveats": [time_caveat(600)]}):
            resp = keep("create named", srv.post("/user/tokens/named", body=body,
                                                 token=alice.token))
            cls.tokens.append(resp.json["token"])
        resp = keep("create temp", srv.post("/user/tokens/temporary",
                                            body={"caveats": [time_caveat(600)]},
                                            token=alice.token))
        cls.tokens.append(resp.json["token"])
        named_id = cls.replies[0][1].json["tokenId"]
        # use them, well and badly
        keep("get named", srv.get("/tokens/named/" + named_id, token=alice.token))
        keep("list", srv.get("/tokens/named", token=admin.token))
        for tok in list(cls.tokens):
            keep("user", srv.get("/user", token=tok))
            keep("examine", srv.post("/tokens/examine", body={"token": tok}))
            keep("verify", srv.post("/tokens/verify_access_token", body={"token": tok}))
            keep("confine", srv.post("/tokens/confine", body={
                "token": tok, "caveats": [{"type": "interface", "interface": "rest"}]}))
            keep("tampered header", srv.get("/user", token=tok[:-3] + "abc"))
            keep("tampered body", srv.post("/tokens/verify_access_token",
                                           body={"token": tok[:-3] + "abc"}))
            keep("bad consumer", srv.post("/tokens/verify_access_token",
                                          body={"token": tok, "consumerToken": tok}))
        keep("basic wrong", srv.get("/user", basic=("alice", cls.passwords[2])))
        keep("basic unknown", srv.get("/user", basic=("nobody-" + cls.passwords[1], "x")))
        keep("basic ok", srv.get("/user", basic=("alice", cls.passwords[1])))
        keep("basic admin", srv.get("/user", basic=("admin", ADMIN_PASSWORD)))
        keep("revoke", srv.patch("/tokens/named/" + named_id, body={"revoked": True},
                                 token=alice.token))
        keep("revoked use", srv.get("/user", token=cls.tokens[2]))
        keep("revoke all", srv.delete("/user/tokens/temporary", token=cls.tokens[4]))
        keep("revoked temp", srv.get("/user", token=alice.token))
        keep("delete", srv.delete("/tokens/named/" + named_id, token=cls.tokens[4]))
        keep("deleted use", srv.get("/user", token=cls.tokens[2]))
        srv.restart()   # start-up and shutdown lines are part of the log too
        keep("after restart", srv.get("/user", token=cls.tokens[4]))
        statuses = [r.status for w, r in cls.replies if w in ("revoke", "revoke all", "delete",
                                                               "after restart")]
        if statuses != [204, 204, 204, 200]:
            raise AssertionError("workload did not run as planned: %r" % statuses)
        # the stored secrets are sealed (tzs1$...); the master keys (64 hex each) sit in the key
        # file beside the store: neither may reach a log or a reply
        sealed = {v for v in db_text_values(srv.data_dir) if v.startswith("tzs1$")}
        with open(os.path.join(srv.data_dir, "master.key")) as f:
            keys = set(HEX64.findall(f.read()))
        if not keys:
            raise AssertionError("no key found in the master key file")
        cls.secrets = sorted(sealed | keys)
        cls.hashes = sorted({v for v in db_text_values(srv.data_dir) if v.startswith("$argon2")})

    def test_the_store_has_secrets_to_look_for(self):
        # the checks below would pass vacuously without them
        self.assertGreaterEqual(len(self.secrets), 4, "sealed secrets and master keys found")
        self.assertGreaterEqual(len(self.hashes), 2, "password hashes found in the store")

    def forbidden_in_log(self):
        basic = [base64.b64encode(("%s:%s" % (u, p)).encode()).decode()
                 for u, p in (("alice", self.passwords[1]), ("alice", self.passwords[2]),
                              ("admin", ADMIN_PASSWORD))]
        return ([("secret", s) for s in self.secrets] + [("hash", h) for h in self.hashes]
                + [("password", p) for p in self.passwords] + [("basic", b) for b in basic]
                + [("token", t) for t in self.tokens]
                + [("token prefix", t[:40]) for t in self.tokens])

    def test_log_has_no_secrets(self):
        log = self.srv.log()
        self.assertIn("listening on", log)
        for kind, value in self.forbidden_in_log():
            self.assertNotIn(value, log, "the server log contains a %s" % kind)

    def test_replies_have_no_secrets(self):
        for what, resp in self.replies:
            for s in self.secrets:
                self.assertNotIn(s, resp.text, "%s reply contains a stored secret" % what)
            for h in self.hashes:
                self.assertNotIn(h, resp.text, "%s reply contains a password hash" % what)
            self.assertNotIn("$argon2", resp.text, what)
            for p in self.passwords:
                self.assertNotIn(p, resp.text, "%s reply contains a password" % what)

    def test_error_replies_have_no_tokens(self):
        errors = [(w, r) for w, r in self.replies if r.status >= 400]
        self.assertGreater(len(errors), 10)
        for what, resp in errors:
            for t in self.tokens:
                self.assertNotIn(t[:40], resp.text, "%s error reply echoes a token" % what)


class NotDumpable(TokenzoneTestCase):
    """Runs as root: starts the server as `nobody` and looks at it from another `nobody`."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to run processes as nobody (uid %d)" % NOBODY)
        self.tmp = tempfile.mkdtemp(prefix="tokenzone-dump-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        os.chmod(self.tmp, 0o755)
        self.procs = []
        self.addCleanup(self.stop_all)

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait(15)

    def as_nobody(self, args, **kw):
        p = subprocess.Popen(args, user=NOBODY, group=NOBODY, extra_groups=[],
                             stdin=subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def read_environ_as_nobody(self, pid):
        """Exit status of a `nobody` process reading /proc/PID/environ: 0 = readable."""
        code = ("import sys\ntry:\n    open('/proc/%d/environ','rb').read()\n"
                "except PermissionError:\n    sys.exit(3)\n" % pid)
        p = self.as_nobody(["/usr/bin/python3", "-c", code])
        return p.wait(30)

    def test_server_is_not_dumpable(self):
        data = os.path.join(self.tmp, "data")
        log_path = os.path.join(self.tmp, "server.log")
        env = {"PATH": "/usr/bin:/bin", "TOKENZONE_ADMIN_PASSWORD": ADMIN_PASSWORD}
        with open(log_path, "wb") as log:
            os.chown(self.tmp, NOBODY, NOBODY)
            srv = self.as_nobody([BIN, "serve", "--data", data, "--listen", "127.0.0.1:0"],
                                 stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + 20
        while "listening on" not in open(log_path, errors="replace").read():
            self.assertIsNone(srv.poll(), "server exited: %s" % open(log_path).read())
            self.assertLess(time.monotonic(), deadline, "server did not start")
            time.sleep(0.05)
        control = self.as_nobody(["/bin/sleep", "30"])
        time.sleep(0.2)   # let the control exec

        # the method tells the two apart: the control is dumpable
        self.assertEqual(os.stat("/proc/%d/environ" % control.pid).st_uid, NOBODY)
        self.assertEqual(self.read_environ_as_nobody(control.pid), 0)
        # the server is not
        self.assertEqual(os.stat("/proc/%d/status" % srv.pid).st_uid, 0,
                         "/proc/PID of the server is owned by its user: still dumpable")
        self.assertEqual(self.read_environ_as_nobody(srv.pid), 3,
                         "another process of the same user can read the server's environment")
        self.assertIsNone(srv.poll(), "server died")
