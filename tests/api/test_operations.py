"""Operating the server: health checks, Prometheus metrics, the audit trail and online backups
(docs/operations.md).

* /healthz and /readyz answer one word, unauthenticated, also on HEAD; other methods get 405.
* /metrics is off on the main listener unless --metrics; --metrics-listen serves it alone (the
  API is not there). `promtool check metrics` accepts the exposition, and the counters move by
  exactly the operations the test performs.
* --audit-log: every change, failed authentication and authorization refusal leaves exactly one
  JSON line with the request id that the access log line shows; no token, secret or password is
  in the file; tokens appear as the HMAC that `admin audit-hash` computes; admin-tool changes
  append to the same file; SIGHUP reopens it. On a full file system changes fail with 503 and
  reads go on, and every acknowledged change has a complete line.
* `admin backup --to FILE` under write load: the restored copy holds every change acknowledged
  before the backup started, and every such token verifies.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from harness import ADMIN_PASSWORD, BIN, Server, ServerTestCase, TokenzoneTestCase, sanitizer_report

TMPFS_SIZE = "1M"


def parse_metrics(text):
    """{(name, ((label, value), ...)): float} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        assert m, "unparsable sample line: %r" % line
        labels = tuple(sorted(re.findall(r'([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"', m.group(3) or "")))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def sample(metrics, name, **labels):
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


def metrics_port(srv):
    m = re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", srv.log())
    assert m, "no metrics listener line in the log:\n" + srv.log()[-2000:]
    return int(m.group(1))


def audit_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    text = data.decode("utf-8")
    assert text == "" or text.endswith("\n"), "the audit log ends in half a line: %r" % text[-200:]
    return [json.loads(line) for line in text.splitlines()]


class Health(ServerTestCase):
    def test_healthz_and_readyz(self):
        for path, word in (("/healthz", "ok\n"), ("/readyz", "ready\n")):
            resp = self.srv.request("GET", path, prefix=False)
            self.assertEqual(resp.status, 200, path)
            self.assertEqual(resp.text, word, path)
            self.assertTrue(resp.headers["content-type"].startswith("text/plain"))
            head = self.srv.raw_request("HEAD", path, prefix=False)
            self.assertEqual(head.status, 200)
            self.assertEqual(head.body, b"")
            post = self.srv.raw_request("POST", path, prefix=False)
            self.assertEqual(post.status, 405)
            self.assertEqual(post.headers["allow"], "GET")

    def test_metrics_off_on_the_main_listener_by_default(self):
        self.assertEqual(self.srv.request("GET", "/metrics", prefix=False).status, 404)


class Metrics(ServerTestCase):
    @classmethod
    def server_args(cls):
        return {"extra_args": ["--metrics-listen", "127.0.0.1:0"]}

    @classmethod
    def setUpWorld(cls):
        cls.port = metrics_port(cls.srv)
        cls.user = cls.srv.quick_user("metricsuser")

    def scrape(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/metrics")
            resp = conn.getresponse()
            body = resp.read().decode("utf-8")
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.getheader("content-type"), "text/plain; version=0.0.4; charset=utf-8")
            return body
        finally:
            conn.close()

    def test_promtool_accepts_the_exposition(self):
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool (Debian package prometheus) is not installed")
        self.srv.get("/configuration")
        text = self.scrape()
        proc = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True,
                              timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stdout.decode() + proc.stderr.decode())
        for name in ("tokenzone_build_info", "process_resident_memory_bytes", "process_cpu_seconds_total",
                     "process_open_fds", "process_start_time_seconds", "tokenzone_http_open_connections",
                     "tokenzone_http_connections_refused_total", "tokenzone_basic_auth_throttled_total"):
            self.assertRegex(text, r"(?m)^%s[ {]" % name)

    def test_metrics_listener_serves_nothing_else(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/api/v3/onezone/configuration")
            self.assertEqual(conn.getresponse().status, 404)
        finally:
            conn.close()

    def test_counters_move_by_exactly_the_operations_performed(self):
        before = parse_metrics(self.scrape())
        tok = self.user.token
        ids = []
        for i in range(3):
            resp = self.srv.post("/user/tokens/named", body={"name": "m%d" % i}, token=tok)
            self.assertStatus(resp, 201)
            ids.append(resp.json["tokenId"])
        for tid in ids[:2]:
            self.assertStatus(self.srv.get("/tokens/named/" + tid, token=tok), 200)
        self.assertStatus(self.srv.get("/tokens/named/nosuchid", token=tok), 404)
        for _ in range(2):
            self.assertStatus(self.srv.post("/tokens/verify_access_token", body={"token": tok}), 200)
        self.assertStatus(self.srv.post("/tokens/verify_access_token", body={"token": "garbage"}), 400)
        self.srv.get("/user", basic=("admin", "wrong password"))
        # a request is counted when libmicrohttpd reports it complete, just after its reply was
        # sent: wait (bounded) until the last one is in, then compare exactly
        deadline = time.monotonic() + 10
        while True:
            after = parse_metrics(self.scrape())
            key = ("tokenzone_http_requests_total",
                   (("code", "4xx"), ("method", "GET"), ("route", "/api/v3/onezone/user")))
            if after.get(key, 0) > before.get(key, 0) or time.monotonic() > deadline:
                break
            time.sleep(0.05)

        def delta(name, **labels):
            return sample(after, name, **labels) - sample(before, name, **labels)

        named = "/api/v3/onezone/user/tokens/named"
        by_id = "/api/v3/onezone/tokens/named/{id}"
        verify = "/api/v3/onezone/tokens/verify_access_token"
        self.assertEqual(delta("tokenzone_http_requests_total", route=named, method="POST", code="2xx"), 3)
        self.assertEqual(delta("tokenzone_http_requests_total", route=by_id, method="GET", code="2xx"), 2)
        self.assertEqual(delta("tokenzone_http_requests_total", route=by_id, method="GET", code="4xx"), 1)
        self.assertEqual(delta("tokenzone_http_requests_total", route=verify, method="POST", code="2xx"), 2)
        self.assertEqual(delta("tokenzone_http_requests_total", route=verify, method="POST", code="4xx"), 1)
        self.assertEqual(delta("tokenzone_http_requests_total", route="/api/v3/onezone/user", method="GET",
                               code="4xx"), 1)
        self.assertEqual(delta("tokenzone_http_request_duration_seconds_count", route=named), 3)
        self.assertEqual(delta("tokenzone_http_request_duration_seconds_bucket", route=named, le="+Inf"), 3)
        self.assertEqual(delta("tokenzone_token_operations_total", op="create_named", type="access",
                               persistence="named", result="ok"), 3)
        self.assertEqual(delta("tokenzone_token_operations_total", op="get_named", type="access",
                               persistence="named", result="ok"), 2)
        self.assertEqual(delta("tokenzone_token_operations_total", op="get_named", type="unknown",
                               persistence="unknown", result="notFound"), 1)
        self.assertEqual(delta("tokenzone_token_verifications_total", kind="access", result="ok"), 2)
        self.assertEqual(delta("tokenzone_token_verifications_total", kind="access",
                               result="badValueToken"), 1)
        # the backend label names the store the server really runs on
        backend = "postgresql" if self.srv.pgdb is not None else "sqlite"
        self.assertEqual(delta("tokenzone_store_call_duration_seconds_count", backend=backend,
                               op="named_create"), 3)
        other = "sqlite" if backend == "postgresql" else "postgresql"
        self.assertFalse([n for (n, labels) in after if ("backend", other) in labels
                          or ("store_backend", other) in labels])
        # no route label carries an id
        for (name, labels) in after:
            for k, v in labels:
                if k == "route":
                    self.assertNotIn(ids[0], v)


    def test_throttle_refusals_are_counted(self):
        before = parse_metrics(self.scrape())
        statuses = [self.srv.get("/user", basic=("ghost-of-metrics", "guess%d" % i)).status for i in range(12)]
        self.assertIn(429, statuses)
        after = parse_metrics(self.scrape())
        self.assertEqual(sample(after, "tokenzone_basic_auth_throttled_total") -
                         sample(before, "tokenzone_basic_auth_throttled_total"), statuses.count(429))


class MetricsOnTheMainListener(ServerTestCase):
    @classmethod
    def server_args(cls):
        return {"extra_args": ["--metrics"]}

    def test_metrics_beside_the_api(self):
        self.assertStatus(self.srv.get("/configuration"), 200)
        resp = self.srv.request("GET", "/metrics", prefix=False)
        self.assertEqual(resp.status, 200)
        self.assertIn('tokenzone_build_info{version="', resp.text)
        self.assertNotIn("metrics on http://", self.srv.log())


class AuditBase(TokenzoneTestCase):
    def start(self, audit_path, data_dir=None):
        self.srv = Server(data_dir=data_dir, extra_args=["--audit-log", audit_path])
        self.audit_key_beside(self.srv)
        self.srv.start()
        self.addCleanup(self.srv.cleanup)
        return self.srv

    def audit_key_beside(self, srv):
        """The audit key is kept beside an SQLite store (DIR/audit.key); a server on any other
        store needs $TOKENZONE_AUDIT_KEY_FILE (docs/operations.md), so a PostgreSQL run sets it
        for this test: the server and the admin tool it runs read it from the environment."""
        if srv.pgdb is None or "TOKENZONE_AUDIT_KEY_FILE" in os.environ:
            return
        keydir = tempfile.mkdtemp(prefix="tokenzone-auditkey-")
        self.addCleanup(shutil.rmtree, keydir, True)
        os.environ["TOKENZONE_AUDIT_KEY_FILE"] = os.path.join(keydir, "audit.key")
        self.addCleanup(os.environ.pop, "TOKENZONE_AUDIT_KEY_FILE", None)

    def audit_key_path(self, srv):
        return os.environ.get("TOKENZONE_AUDIT_KEY_FILE") or os.path.join(srv.data_dir, "audit.key")

    def tearDown(self):
        if getattr(self, "srv", None) is not None:
            problem = sanitizer_report(self.srv.log())
            self.assertIsNone(problem, "sanitizer report:\n%s" % problem)


class AuditTrail(AuditBase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="tokenzone-audit-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.audit = os.path.join(self.tmp, "audit.log")

    def test_invites_clients_and_oauth_revocation_leave_their_lines(self):
        import base64
        import urllib.parse
        srv = self.start(self.audit)
        owner = srv.user("owner", password="owner-password-1")
        joiner = srv.user("joiner", password="joiner-password-2")
        owner_tok, joiner_tok = srv.login(owner), srv.login(joiner)
        space = srv.admin("space", "create", "audited-space", "--owner", owner.id)
        n0 = len(audit_lines(self.audit))
        _, invite = srv.named_token("/user", owner_tok, name="inv",
                                    type={"inviteToken": {"inviteType": "userJoinSpace", "spaceId": space}})
        resp = srv.post("/user/spaces/join", body={"token": invite}, token=joiner_tok)
        self.assertStatus(resp, 201)
        client = json.loads(subprocess.run(
            [BIN, "admin"] + srv.store_args() + ["--audit-log", self.audit, "client", "create",
                                                 "gw", "--allow-revoke"],
            capture_output=True, check=True).stdout)
        tid, victim = srv.named_token("/user", owner_tok, name="victim")
        basic = base64.b64encode(("%s:%s" % (client["clientId"], client["clientSecret"])).encode()).decode()
        resp = srv.raw_request("POST", "/oauth2/revoke", urllib.parse.urlencode({"token": victim}).encode(),
                               headers={"Authorization": "Basic " + basic,
                                        "Content-Type": "application/x-www-form-urlencoded"},
                               prefix=False)
        self.assertEqual(resp.status, 200)
        self.assertTrue(srv.get("/tokens/named/" + tid, token=owner_tok).json["revoked"])
        lines = audit_lines(self.audit)[n0:]
        got = [l["op"] for l in lines if l["op"] != "create_temporary"]
        self.assertEqual(got, ["create_named", "join_user_space", "admin client create", "create_named",
                               "oauth_revoke"])
        revoke = lines[-1]
        self.assertEqual(revoke["target"]["token_id"], tid)
        self.assertEqual(revoke["target"]["token"], srv.admin("audit-hash", victim))
        with open(self.audit, "rb") as f:
            text = f.read()
        for secret in (client["clientSecret"], invite, victim, owner_tok, joiner_tok):
            self.assertNotIn(secret.encode(), text)

    def test_every_operation_leaves_exactly_its_line(self):
        srv = self.start(self.audit)
        user = srv.user("auditor", password="auditor-password-1")
        other = srv.user("other", password="other-password-2")
        tok = srv.login(user)
        secrets = [ADMIN_PASSWORD, "auditor-password-1", "other-password-2", tok]
        n0 = len(audit_lines(self.audit))
        expected = []   # (op, result, request ok?) in order

        resp = srv.post("/user/tokens/named", body={"name": "first"}, token=tok)
        self.assertStatus(resp, 201)
        tid, named = resp.json["tokenId"], resp.json["token"]
        secrets.append(named)
        expected.append(("create_named", "ok"))
        resp = srv.post("/user/tokens/temporary", body={"caveats": [{"type": "time", "validUntil": int(time.time()) + 600}]},
                        token=tok)
        self.assertStatus(resp, 201)
        temp = resp.json["token"]
        secrets.append(temp)
        expected.append(("create_temporary", "ok"))
        self.assertEmpty(srv.patch("/tokens/named/" + tid, body={"name": "renamed"}, token=tok))
        expected.append(("update_named", "ok"))
        self.assertEmpty(srv.patch("/tokens/named/" + tid, body={"revoked": True}, token=tok))
        expected.append(("update_named", "ok"))
        self.assertEmpty(srv.patch("/tokens/named/" + tid, body={"revoked": False}, token=tok))
        expected.append(("update_named", "ok"))
        self.assertEmpty(srv.delete("/tokens/named/" + tid, token=tok))
        expected.append(("delete_named", "ok"))
        self.assertStatus(srv.post("/user/tokens/named", body={"name": "second"}, token=tok), 201)
        expected.append(("create_named", "ok"))
        self.assertEmpty(srv.delete("/user/tokens/named", token=tok))
        expected.append(("delete_all_named", "ok"))
        self.assertEmpty(srv.delete("/user/tokens/temporary", token=tok))
        expected.append(("revoke_all_temporary", "ok"))
        # a refusal: another user's tokens
        self.assertStatus(srv.get("/users/%s/tokens/named" % other.id, token=srv.login(other)), 200)
        resp = srv.get("/users/%s/tokens/named" % other.id, token=srv.login(user))
        self.assertEqual(resp.status, 403)
        expected.append(("list_named", "forbidden"))
        # failed authentications: a wrong password, a bad token
        self.assertEqual(srv.get("/user", basic=("auditor", "wrong-password-3")).status, 401)
        expected.append(("authenticate", "unauthorized/badBasicCredentials"))
        self.assertEqual(srv.get("/user", token=temp).status, 401)   # revoked with all temporary
        expected.append(("authenticate", "unauthorized/tokenRevoked"))
        # reads leave no line
        srv.get("/user", token=srv.login(user))
        srv.post("/tokens/examine", body={"token": named})

        lines = audit_lines(self.audit)[n0:]
        # srv.login() creates temporary tokens too: compare the other lines in order, and find
        # the temporary token made above by its HMAC
        got = [(l["op"], l["result"]) for l in lines]
        self.assertEqual([g for g in got if g[0] != "create_temporary"],
                         [e for e in expected if e[0] != "create_temporary"])
        temp_hmac = srv.admin("audit-hash", temp)
        self.assertEqual(len([l for l in lines if l["target"].get("token") == temp_hmac]), 1)
        by_op = {}
        for l in lines:
            by_op.setdefault(l["op"], []).append(l)
        create = by_op["create_named"][0]
        self.assertEqual(create["event"], "change")
        self.assertEqual(create["actor"], {"type": "user", "id": "usr-" + user.id, "auth": "token",
                                           "credential": srv.admin("audit-hash", tok)})
        self.assertEqual(create["target"]["token_id"], tid)
        self.assertEqual(create["target"]["token"], srv.admin("audit-hash", named))
        self.assertEqual(create["target"]["subject"], "usr-" + user.id)
        self.assertEqual(create["target"]["type"], "access")
        self.assertEqual(create["target"]["persistence"], "named")
        self.assertEqual(create["remote_address"], "127.0.0.1")
        self.assertEqual([l["target"].get("detail") for l in by_op["update_named"]],
                         ["rename", "revoke", "unrevoke"])
        self.assertEqual(by_op["list_named"][0]["event"], "authorization")
        self.assertEqual(by_op["list_named"][0]["status"], 403)
        auth = by_op["authenticate"]
        self.assertEqual(auth[1]["actor"]["credential"], srv.admin("audit-hash", temp))
        # the request id is on the access log line of the same request
        log = srv.log()
        for l in lines:
            self.assertRegex(l["request_id"], r"^[0-9a-f]{16}$")
            self.assertIn(" rid=%s\n" % l["request_id"], log)
        self.assertEqual(len({l["request_id"] for l in lines}), len(lines))

        # the admin tool appends to the same file while the server runs
        srv.admin("--audit-log", self.audit, "user", "create", "carl", "--password", "carl-password-4")
        secrets.append("carl-password-4")
        last = audit_lines(self.audit)[-1]
        self.assertEqual((last["op"], last["result"], last["actor"]["type"], last["target"]["subject"]),
                         ("admin user create", "ok", "admin-tool", "carl"))
        srv.admin("--audit-log", self.audit, "user", "list")   # not a change
        self.assertEqual(audit_lines(self.audit)[-1], last)

        with open(self.audit, "rb") as f:
            data = f.read()
        for s in secrets:
            self.assertNotIn(s.encode(), data, "a secret is in the audit log")
        self.assertEqual(os.stat(self.audit).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(self.audit_key_path(srv)).st_mode & 0o777, 0o600)

    def test_audit_log_from_the_environment(self):
        os.environ["TOKENZONE_AUDIT_LOG"] = self.audit
        try:
            srv = Server()
            self.audit_key_beside(srv)
            srv.start()
        finally:
            del os.environ["TOKENZONE_AUDIT_LOG"]
        self.srv = srv
        self.addCleanup(srv.cleanup)
        user = srv.quick_user("envuser")   # quick_user makes a temporary token: one line
        self.assertStatus(srv.post("/user/tokens/named", body={"name": "from-env"}, token=user.token), 201)
        self.assertEqual([l["op"] for l in audit_lines(self.audit)][-1], "create_named")
        # the admin tool reads it too
        env_admin = subprocess.run([BIN, "admin"] + srv.store_args() + ["user", "block", user.id], capture_output=True, timeout=60,
                                   env=dict(os.environ, TOKENZONE_AUDIT_LOG=self.audit))
        self.assertEqual(env_admin.returncode, 0, env_admin.stderr)
        last = audit_lines(self.audit)[-1]
        self.assertEqual((last["op"], last["target"]["subject"]), ("admin user block", user.id))
        self.assertEqual(srv.stop(), 0)

    def test_sighup_reopens_the_file(self):
        srv = self.start(self.audit)
        user = srv.quick_user("rotator")
        self.assertStatus(srv.post("/user/tokens/named", body={"name": "before"}, token=user.token), 201)
        rotated = self.audit + ".1"
        os.rename(self.audit, rotated)
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "audit log reopened" not in srv.log():
            self.assertLess(time.monotonic(), deadline, "no reopen line in the log")
            time.sleep(0.05)
        self.assertStatus(srv.post("/user/tokens/named", body={"name": "after"}, token=user.token), 201)
        self.assertEqual([l["op"] for l in audit_lines(self.audit)], ["create_named"])
        self.assertIn("create_named", [l["op"] for l in audit_lines(rotated)])


class AuditDiskFull(AuditBase):
    """The audit log on a small tmpfs (the store elsewhere): once it is full, changes fail with
    503 and nothing is acknowledged without its line; reads go on."""

    def setUp(self):
        self.assertEqual(os.geteuid(), 0, "mounting a small tmpfs needs root")
        self.tmp = tempfile.mkdtemp(prefix="tokenzone-auditfull-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(self.mnt)
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % TMPFS_SIZE,
                               "tmpfs", self.mnt], capture_output=True, timeout=30)
        self.assertEqual(proc.returncode, 0, "cannot mount a tmpfs: %s" % proc.stderr.decode())
        self.addCleanup(subprocess.run, ["umount", "-l", self.mnt], capture_output=True, timeout=30)

    def fill(self, keep):
        fd = os.open(os.path.join(self.mnt, "filler"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            st = os.statvfs(self.mnt)
            free = st.f_bavail * st.f_frsize
            os.write(fd, b"\0" * max(0, free - keep))
            for size in (4096, 512, 64, 1):
                try:
                    while os.statvfs(self.mnt).f_bavail * st.f_frsize > keep:
                        os.write(fd, b"\0" * size)
                except OSError:
                    pass
        finally:
            os.close(fd)

    def test_full_audit_log_fails_changes_cleanly(self):
        audit = os.path.join(self.mnt, "audit.log")
        srv = self.start(audit, data_dir=os.path.join(self.tmp, "data"))
        user = srv.quick_user("fulluser")
        tok = user.token
        resp = srv.post("/user/tokens/named", body={"name": "stable"}, token=tok)
        self.assertStatus(resp, 201)
        stable = resp.json["tokenId"]
        self.fill(keep=0)
        acked, refused = [], 0
        for i in range(40):
            resp = srv.post("/user/tokens/named", body={"name": "n%d" % i}, token=tok)
            if resp.status == 201:
                acked.append(resp.json["tokenId"])
            else:
                self.assertEqual(resp.status, 503, resp)
                self.assertEqual(resp.json["error"]["id"], "serviceUnavailable")
                refused += 1
        self.assertGreater(refused, 0, "no change was refused on a full audit log")
        # reads go on
        self.assertStatus(srv.get("/tokens/named/" + stable, token=tok), 200)
        self.assertStatus(srv.post("/tokens/verify_access_token", body={"token": tok}), 200)
        self.assertIn("audit log write failed", srv.log())
        # every acknowledged change has its complete line
        lines = audit_lines(audit)
        logged = {l["target"].get("token_id") for l in lines if l["op"] == "create_named" and l["result"] == "ok"}
        self.assertTrue(set(acked) <= logged, "acknowledged without a line: %r" % (set(acked) - logged))
        # space returns: changes work again
        os.unlink(os.path.join(self.mnt, "filler"))
        deadline = time.monotonic() + 10
        while True:
            resp = srv.post("/user/tokens/named", body={"name": "back"}, token=tok)
            if resp.status == 201:
                break
            self.assertLess(time.monotonic(), deadline, "changes still fail after space returned")
            time.sleep(0.3)
        self.assertEqual(audit_lines(audit)[-1]["target"]["token_id"], resp.json["tokenId"])
        self.assertEqual(srv.stop(), 0)


class Backup(TokenzoneTestCase):
    WRITERS = 2
    PER_WRITER = 60

    def test_backup_under_write_load_restores_every_acknowledged_change(self):
        tmp = tempfile.mkdtemp(prefix="tokenzone-backup-")
        self.addCleanup(shutil.rmtree, tmp, True)
        srv = Server(data_dir=os.path.join(tmp, "data"))
        srv.start()
        self.addCleanup(srv.cleanup)
        user = srv.quick_user("backupuser")
        acked = []          # (time acknowledged, id, token)
        lock = threading.Lock()
        errors = []

        def writer(w):
            for i in range(self.PER_WRITER):
                resp = srv.post("/user/tokens/named", body={"name": "w%d-%d" % (w, i)}, token=user.token)
                if resp.status != 201:
                    errors.append(resp)
                    return
                with lock:
                    acked.append((time.monotonic(), resp.json["tokenId"], resp.json["token"]))

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(self.WRITERS)]
        for t in threads:
            t.start()
        while len(acked) < self.PER_WRITER // 2 and all(t.is_alive() for t in threads):
            time.sleep(0.01)
        started = time.monotonic()
        dest = os.path.join(tmp, "backup.db")
        out = srv.admin("backup", "--to", dest)
        self.assertEqual(out, dest)
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        before = [(tid, tok) for (at, tid, tok) in acked if at < started]
        self.assertGreater(len(before), 0)
        self.assertGreater(len(acked), len(before), "no write happened during the backup")
        self.assertEqual(os.stat(dest).st_mode & 0o777, 0o600)
        self.assertEqual(srv.stop(), 0)
        with self.assertRaises(Exception):
            srv.admin("backup", "--to", dest)   # never overwrites

        # restore: the backup file becomes the store of a new data directory
        restored = os.path.join(tmp, "restored")
        os.mkdir(restored, 0o700)
        shutil.copy2(dest, os.path.join(restored, "tokenzone.db"))
        # the master key file is backed up separately (docs/operations.md): restore it too
        shutil.copy2(os.path.join(tmp, "data", "master.key"), os.path.join(restored, "master.key"))
        r = Server(data_dir=restored)
        r.start()
        self.addCleanup(r.cleanup)
        self.assertEqual(r.admin("check"), "ok")
        listed = set(r.get("/user/tokens/named", token=user.token).json["tokens"])
        for tid, tok in before:
            self.assertIn(tid, listed)
            resp = r.post("/tokens/verify_access_token", body={"token": tok})
            self.assertStatus(resp, 200)
            self.assertEqual(resp.json["subject"]["id"], user.id)
        self.assertEqual(r.stop(), 0)
