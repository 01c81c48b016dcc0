"""Fault injection for the PostgreSQL store: the database server stopped, and statements killed
with pg_terminate_backend under load. Every answer is then a 5xx (503 serviceUnavailable for an
unreachable database) with a log line, never a 2xx/4xx that pretends to know; the process stays
up and serves again when the database is back, without a restart; nothing half-done is visible
afterwards. The module starts its own PostgreSQL cluster (pg.py)."""
import subprocess
import threading
import time

import pg
from harness import Server, TokenzoneTestCase, sanitizer_report

ANSWER_BOUND = 2.0


class PgFaults(TokenzoneTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cluster = pg.Cluster()
        cls.srv = None
        try:
            cls.cluster.start()
            cls.db = cls.cluster.new_database("faults")
            cls.srv = Server(database=cls.db, domain="faults.zone.test").start()
            cls.admin = cls.srv.admin_user()
            cls.user = cls.srv.quick_user()
            _, cls.user.named = cls.srv.named_token("/user", cls.user.token)
            cls.provider = cls.srv.provider(admin_user=cls.user)
        except BaseException:
            if cls.srv:
                cls.srv.cleanup()
            cls.cluster.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        log = cls.srv.log()
        cls.srv.cleanup()
        cls.cluster.cleanup()
        super().tearDownClass()
        problem = sanitizer_report(log)
        if problem:
            raise AssertionError("sanitizer report:\n" + problem)
        if rc not in (0, None):
            raise AssertionError("server exit status %s on SIGTERM:\n%s" % (rc, log[-3000:]))

    def setUp(self):
        if not self.cluster.running():
            self.cluster.start()

    def requests(self, tag):
        """One request of each route class that needs the store: (label, callable)."""
        s, u, p = self.srv, self.user, self.provider
        return [
            ("authenticate (temporary token)", lambda: s.get("/user", token=u.token)),
            ("authenticate (named token)", lambda: s.get("/user", token=u.named)),
            ("verify access token", lambda: s.post("/tokens/verify_access_token",
                                                   body={"token": u.named})),
            ("create named token", lambda: s.post("/user/tokens/named",
                                                  body={"name": "down-" + tag}, token=u.named)),
            ("list named tokens", lambda: s.get("/user/tokens/named", token=u.named)),
            ("create temporary token", lambda: s.post("/user/tokens/temporary",
                                                      body={"caveats": [{"type": "time",
                                                                         "validUntil": int(time.time()) + 600}]},
                                                      token=u.named)),
            ("revoke all temporary", lambda: s.delete("/user/tokens/temporary", token=u.named)),
            ("provider token", lambda: s.get("/provider/tokens/temporary", token=p.token)),
            ("basic login", lambda: s.post("/user/tokens/temporary",
                                           body={"caveats": [{"type": "time",
                                                              "validUntil": int(time.time()) + 600}]},
                                           basic=("admin", "admin-password-for-tests"))),
        ]

    def test_database_stopped(self):
        log_before = len(self.srv.log())
        self.cluster.stop("fast")
        try:
            for label, call in self.requests("stopped"):
                t0 = time.monotonic()
                resp = call()
                secs = time.monotonic() - t0
                self.assertError(resp, 503, "serviceUnavailable")
                self.assertLess(secs, ANSWER_BOUND, label)
            self.assertIsNone(self.srv.proc.poll(), "the server exited")
            new_log = self.srv.log()[log_before:]
            self.assertIn("cannot connect", new_log)
            self.assertNotIn(self.db.password, self.srv.log())
        finally:
            self.cluster.start()
        # back without a restart of the node; the failed creation left nothing behind
        self.assertStatus(self.srv.get("/user", token=self.user.named), 200)
        names = [self.srv.get("/tokens/named/" + t, token=self.user.named).json["name"]
                 for t in self.srv.get("/user/tokens/named", token=self.user.named).json["tokens"]]
        self.assertNotIn("down-stopped", names)
        for label, call in self.requests("after"):
            self.assertLess(call().status, 300, label)

    def test_restart_with_idle_pooled_connections(self):
        """PostgreSQL restarts while the node holds several idle pooled connections: every later
        request succeeds at once. A read goes out on its pooled connection unprobed and, finding
        it dead, runs once more on a checked one; a write checks its connection first."""
        s, u = self.srv, self.user
        u.token = s.temp_token("/user", u.named)  # earlier tests may have revoked it
        tid, _ = s.named_token("/user", u.named)
        threads = [threading.Thread(target=lambda: [s.post("/tokens/verify_access_token",
                                                           body={"token": u.named}) for _ in range(5)])
                   for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.cluster.restart("fast")
        for round_ in range(3):
            for label, call in self.requests("restart%d" % round_):
                resp = call()
                self.assertLess(resp.status, 300, "%s (round %d): %s" % (label, round_, resp.body[:200]))
            u.token = s.temp_token("/user", u.named)  # the round revoked the temporary tokens
            # authentication and the token read in one statement (named_verify_state_and_get)
            resp = s.get("/tokens/named/%s/status" % tid, token=u.named)
            self.assertStatus(resp, 200)
            self.assertEqual(resp.json, {"revoked": False})

    def test_statements_terminated_under_load(self):
        stop = threading.Event()
        lock = threading.Lock()
        acked, answered = [], []

        def load(k):
            i = 0
            while not stop.is_set():
                i += 1
                name = "kill-%d-%d" % (k, i)
                r = self.srv.post("/user/tokens/named", body={"name": name}, token=self.user.named)
                v = self.srv.get("/user", token=self.user.named)
                with lock:
                    answered.append((name, r.status, r.json))
                    answered.append(("verify", v.status, v.json))
                    if r.status == 201:
                        acked.append(r.json["tokenId"])
        workers = [threading.Thread(target=load, args=(k,), daemon=True) for k in range(3)]
        for w in workers:
            w.start()
        try:
            for _ in range(15):
                time.sleep(0.15)
                self.cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                  " WHERE datname = '%s' AND pid <> pg_backend_pid()" % self.db.name)
        finally:
            stop.set()
            for w in workers:
                w.join(60)
        self.assertIsNone(self.srv.proc.poll(), "the server exited")
        wrong = [a for a in answered if a[1] not in (200, 201) and
                 not (a[1] >= 500 and isinstance(a[2], dict))]
        self.assertEqual(wrong, [], "answers other than success or a 5xx error")
        failures = [a for a in answered if a[1] >= 500]
        if failures:
            self.assertIn("unavailable", self.srv.log())
        # every acknowledged token is there, complete; the database holds nothing half-done
        for t in acked:
            self.assertStatus(self.srv.get("/tokens/named/" + t, token=self.user.named), 200)
        orphans = self.cluster.psql(
            "SELECT count(*) FROM named_tokens t WHERE NOT EXISTS"
            " (SELECT 1 FROM users u WHERE u.id = t.subject_id) AND NOT EXISTS"
            " (SELECT 1 FROM providers p WHERE p.id = t.subject_id)", db=self.db.name)
        self.assertEqual(orphans, "0")
        clusters = self.cluster.psql(
            "SELECT count(*) FROM providers p WHERE NOT EXISTS"
            " (SELECT 1 FROM entities e WHERE e.kind = 'cluster' AND e.id = p.id)", db=self.db.name)
        self.assertEqual(clusters, "0")
        self.assertStatus(self.srv.get("/user", token=self.user.named), 200)

    def test_row_locked_elsewhere_is_503_within_bound(self):
        """Another session holds the row a revoke-all must update: the request gives up at the
        lock timeout with 503 (not a hang), and succeeds once the lock is gone."""
        c = self.cluster
        sql = ("BEGIN; SELECT 1 FROM temp_secrets WHERE subject_kind = 1 AND subject_id = '%s'"
               " FOR UPDATE; SELECT pg_sleep(3); COMMIT;" % self.user.id)
        holder = subprocess.Popen(pg._as_pg_user() + [
            pg.PSQL, "-X", "-q", "-h", c.socket_dir, "-p", str(c.port), "-U", pg.PG_USER,
            "-d", self.db.name, "-c", sql], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=c.tmp)
        try:
            # wait (bounded) until the other session holds the row lock, however slowly psql starts
            deadline = time.monotonic() + 20
            while self.cluster.psql(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'transactionid' AND l.mode = 'ExclusiveLock'"
                    " AND a.datname = '%s' AND a.query LIKE '%%pg_sleep%%'" % self.db.name) == "0":
                self.assertIsNone(holder.poll(), "the lock holder exited early")
                self.assertLess(time.monotonic(), deadline, "the lock holder never took the lock")
                time.sleep(0.05)
            t0 = time.monotonic()
            resp = self.srv.delete("/user/tokens/temporary", token=self.user.named)
            secs = time.monotonic() - t0
            self.assertError(resp, 503, "serviceUnavailable")
            self.assertLess(secs, ANSWER_BOUND)
            self.assertIn("lock timeout", self.srv.log())
        finally:
            holder.wait(30)
        self.assertEmpty(self.srv.delete("/user/tokens/temporary", token=self.user.named))
        self.user.token = self.srv.temp_token("/user", self.user.named)

    def test_serialization_failures_and_deadlocks_are_retried(self):
        """A trigger makes the first inserts of named tokens fail with 40001 / 40P01: the store
        runs the statement again (bounded) and the client sees one 201; when every attempt
        fails, the answer is 503 and nothing was written."""
        c, db = self.cluster, self.db.name
        c.psql("CREATE SEQUENCE tz_fail_seq; CREATE TABLE tz_fail_plan (limit_n bigint, code text);"
               " INSERT INTO tz_fail_plan VALUES (0, '40001');"
               " CREATE FUNCTION tz_fail() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$"
               " DECLARE p tz_fail_plan; BEGIN SELECT * INTO p FROM tz_fail_plan;"
               " IF nextval('tz_fail_seq') <= p.limit_n THEN"
               "   RAISE EXCEPTION 'injected failure' USING ERRCODE = p.code; END IF;"
               " RETURN NEW; END $$;"
               " CREATE TRIGGER tz_fail BEFORE INSERT ON named_tokens"
               " FOR EACH ROW EXECUTE FUNCTION tz_fail()", db=db)
        try:
            for code in ("40001", "40P01"):
                c.psql("SELECT setval('tz_fail_seq', 1, false); UPDATE tz_fail_plan SET"
                       " limit_n = 2, code = '%s'" % code, db=db)
                resp = self.srv.post("/user/tokens/named", body={"name": "retried-" + code},
                                     token=self.user.named)
                self.assertStatus(resp, 201)
                self.assertEqual(c.psql("SELECT last_value FROM tz_fail_seq", db=db), "3")
            c.psql("SELECT setval('tz_fail_seq', 1, false); UPDATE tz_fail_plan SET"
                   " limit_n = 1000, code = '40001'", db=db)
            resp = self.srv.post("/user/tokens/named", body={"name": "never"},
                                 token=self.user.named)
            self.assertError(resp, 503, "serviceUnavailable")
            self.assertEqual(c.psql("SELECT last_value FROM tz_fail_seq", db=db), "5")
            self.assertEqual(c.psql("SELECT count(*) FROM named_tokens WHERE name = 'never'",
                                    db=db), "0")
            self.assertIn("will retry", self.srv.log())
        finally:
            c.psql("DROP TRIGGER tz_fail ON named_tokens; DROP FUNCTION tz_fail();"
                   " DROP TABLE tz_fail_plan; DROP SEQUENCE tz_fail_seq", db=db)

    def test_provider_registration_killed_is_all_or_nothing(self):
        """`admin provider create` (provider, cluster, admin membership, root token in one
        transaction) while its backends are terminated: either all of it exists or none."""
        stop = threading.Event()

        def killer():
            while not stop.is_set():
                self.cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                  " WHERE datname = '%s' AND pid <> pg_backend_pid()"
                                  % self.db.name)
                time.sleep(0.02)
        th = threading.Thread(target=killer, daemon=True)
        th.start()
        outcomes = []
        try:
            for i in range(10):
                try:
                    self.srv.provider("killed-%d" % i, admin_user=self.user)
                    outcomes.append(True)
                except Exception:  # the tool failed: nothing may remain
                    outcomes.append(False)
        finally:
            stop.set()
            th.join(30)
        half = self.cluster.psql(
            "SELECT count(*) FROM providers p WHERE name LIKE 'killed-%' AND (NOT EXISTS"
            " (SELECT 1 FROM named_tokens t WHERE t.subject_kind = 2 AND t.subject_id = p.id)"
            " OR NOT EXISTS (SELECT 1 FROM user_members m WHERE m.kind = 'cluster'"
            " AND m.entity_id = p.id))", db=self.db.name)
        self.assertEqual(half, "0", "a provider registered only in part")
        created = self.cluster.psql("SELECT count(*) FROM providers WHERE name LIKE 'killed-%'",
                                    db=self.db.name)
        self.assertLessEqual(outcomes.count(True), int(created))


class PasswordInUri(TokenzoneTestCase):
    """A password written into the URI (not recommended, but accepted) never shows in a log
    line: not on a good start, not while the database is down."""

    def test_password_never_logged(self):
        cluster = pg.Cluster()
        srv = None
        try:
            cluster.start()
            db = cluster.new_database("secretive")
            cluster.forget_password(db)           # only the URI carries it now
            uri = db.uri.replace("@", ":%s@" % db.password, 1)
            srv = Server(database=db, domain="pw.zone.test")
            srv.store_args = lambda: ["--store", uri]
            srv.start()
            self.assertStatus(srv.get("/user", basic=("admin", "admin-password-for-tests")), 200)
            with open("/proc/%d/cmdline" % srv.proc.pid, "rb") as f:
                cmdline = f.read().decode("utf-8", "replace")
            self.assertNotIn(db.password, cmdline, "the password still shows in ps")
            self.assertIn(":" + "*" * len(db.password) + "@", cmdline)
            cluster.stop("immediate")
            self.assertError(srv.get("/user", basic=("admin", "admin-password-for-tests")), 503,
                             "serviceUnavailable")
            log = srv.log()
            self.assertIn("***", log)
            self.assertNotIn(db.password, log)
        finally:
            if srv:
                srv.cleanup()
            cluster.cleanup()


class PoolBound(TokenzoneTestCase):
    def test_connections_stay_within_store_pool(self):
        """--store-pool 2: however many requests run at once, the node holds at most two
        connections, and every request is still answered."""
        cluster = pg.cluster()
        db = cluster.new_database("pool")
        srv = Server(database=db, extra_args=["--store-pool", "2"])
        try:
            srv.start()
            user = srv.quick_user()
            stop = threading.Event()
            peak = [0]

            def watch():
                while not stop.is_set():
                    n = int(cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '%s'"
                                         " AND application_name = 'tokenzone'" % db.name))
                    peak[0] = max(peak[0], n)
                    time.sleep(0.05)
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            statuses = []
            lock = threading.Lock()

            def hammer():
                for _ in range(30):
                    r = srv.get("/user", token=user.token)
                    with lock:
                        statuses.append(r.status)
            workers = [threading.Thread(target=hammer) for _ in range(12)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(120)
            stop.set()
            watcher.join(30)
            self.assertEqual(set(statuses), {200})
            self.assertGreaterEqual(peak[0], 1)
            self.assertLessEqual(peak[0], 2)
            self.assertEqual(srv.stop(), 0)
            self.assertIsNone(sanitizer_report(srv.log()))
        finally:
            srv.cleanup()
            db.drop()
