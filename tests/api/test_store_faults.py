"""Storage errors never turn into answers (issue: fail-closed storage).

The store is made to fail for real while the server runs (store_faults.py: a table taken away
under the server, or the write lock held by another client), at each step of each route class:
authenticating the caller (token, Basic), authorizing (admin privilege, cluster membership),
the operation itself (reads and writes), and the verify endpoints. Every answer must be a 5xx
Onedata error (500 internalServerError with a reference, or 503 serviceUnavailable), never
401/403/404/2xx; the server logs why, stays up, and once the store is repaired everything works
again with nothing half-done left behind."""
import time

from harness import TokenzoneTestCase, Server, sanitizer_report, time_caveat
from store_faults import faults_for

STATEMENT_TIMEOUT_MS = 300


class StoreFaults(TokenzoneTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(domain="storefaults.zone.test", store="sqlite",
                         extra_args=["--store-statement-timeout", str(STATEMENT_TIMEOUT_MS)])
        cls.srv.start()
        try:
            cls.admin = cls.srv.admin_user()
            cls.user = cls.srv.logged_user("faulty")
            cls.named_id, cls.named = cls.srv.named_token("/user", cls.user.token, name="kept")
            cls.temp = cls.srv.temp_token("/user", cls.user.token)
            cls.member = cls.srv.logged_user("clustermember")
            cls.provider = cls.srv.provider("faultprov", admin_user=cls.member)
            cls.root_id = cls.srv.examine(cls.provider.token)["id"]
        except BaseException:
            cls.srv.cleanup()
            raise
        cls.faults = faults_for(cls.srv)

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        problem = sanitizer_report(cls.srv.log())
        cls.srv.cleanup()
        if rc != 0:
            raise AssertionError("the server exited with %r after the faults" % rc)
        if problem:
            raise AssertionError("sanitizer report:\n%s" % problem)

    def setUp(self):
        self.addCleanup(self.faults.repair)
        self.log_mark = len(self.srv.log())
        self.failures_seen = 0

    def tearDown(self):
        # every failure the test provoked left a line saying what the store did
        if self.failures_seen:
            self.assertLogged("tokenzone: store:")

    # ------------------------------------------------------------------ checks
    def assertServerFailure(self, resp, what, statuses=(500, 503)):
        self.assertIn(resp.status, statuses, "%s with a failing store answered %r" % (what, resp))
        self.assertIsInstance(resp.json, dict, what)
        err = resp.json.get("error", {})
        self.assertIn(err.get("id"), ("internalServerError", "serviceUnavailable"), what)
        self.check_error_object(err)
        if err["id"] == "internalServerError":
            ref = err.get("details", {}).get("reference", "")
            self.assertRegex(ref, r"^[0-9a-f]{10}$", what)
            # the request's log line carries the reference the client can quote
            deadline = time.monotonic() + 5
            while "ref=" + ref not in self.srv.log() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertIn("ref=" + ref, self.srv.log(), what)
        self.failures_seen += 1

    def assertLogged(self, *words):
        deadline = time.monotonic() + 5
        while True:
            new = self.srv.log()[self.log_mark:]
            lines = [ln for ln in new.splitlines() if "store" in ln and all(w in ln for w in words)]
            if lines or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertTrue(lines, "no store log line with %r in:\n%s" % (words, new[-2000:]))

    def assertAlive(self):
        self.assertStatus(self.srv.get("/configuration"), 200)
        resp = self.srv.get("/user", token=self.named)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["userId"], self.user.id)

    def named_ids(self):
        resp = self.srv.get("/user/tokens/named", token=self.user.token)
        self.assertStatus(resp, 200)
        return set(resp.json["tokens"])

    # ------------------------------------------------------------------ authentication
    def test_token_authentication_fails_closed(self):
        self.faults.break_table("temp_secrets")
        self.assertServerFailure(self.srv.get("/user", token=self.temp), "temporary-token auth")
        self.faults.repair()
        self.faults.break_table("named_tokens")
        self.assertServerFailure(self.srv.get("/user", token=self.named), "named-token auth")
        self.assertLogged("no such table")
        self.faults.repair()
        self.assertAlive()
        self.assertStatus(self.srv.get("/user", token=self.temp), 200)

    def test_subject_state_read_fails_closed(self):
        # the token row is fine, the subject's row cannot be read
        self.faults.break_table("users")
        for tok, what in ((self.temp, "temporary"), (self.named, "named")):
            self.assertServerFailure(self.srv.get("/user", token=tok), what + " token, users gone")
        self.faults.repair()
        self.assertAlive()

    def test_basic_authentication_fails_closed(self):
        self.faults.break_table("users")
        resp = self.srv.get("/user", basic=(self.user.username, self.user.password))
        self.assertServerFailure(resp, "Basic auth")
        resp = self.srv.post("/user/tokens/temporary", body={"caveats": [time_caveat(60)]},
                             basic=("nobody-at-all", "x"))
        self.assertServerFailure(resp, "Basic auth of an unknown user")
        self.faults.repair()
        self.assertStatus(self.srv.get("/user", basic=(self.user.username, self.user.password)), 200)

    # ------------------------------------------------------------------ authorization
    def test_admin_privilege_check_fails_closed(self):
        self.faults.break_table("user_oz_privileges")
        resp = self.srv.get("/users/%s/tokens/named" % self.user.id, token=self.admin.token)
        self.assertServerFailure(resp, "admin listing another user's tokens")
        resp = self.srv.get("/tokens/named/" + self.named_id, token=self.admin.token)
        self.assertServerFailure(resp, "admin reading another user's token")
        self.faults.repair()
        resp = self.srv.get("/users/%s/tokens/named" % self.user.id, token=self.admin.token)
        self.assertStatus(resp, 200)

    def test_cluster_membership_check_fails_closed(self):
        self.faults.break_table("user_members")
        resp = self.srv.get("/tokens/named/%s/status" % self.root_id, token=self.member.token)
        self.assertServerFailure(resp, "cluster member reading the provider token status")
        resp = self.srv.get("/providers/%s/tokens/named" % self.provider.id, token=self.member.token)
        self.assertServerFailure(resp, "cluster admin listing the provider's tokens")
        self.faults.repair()
        resp = self.srv.get("/tokens/named/%s/status" % self.root_id, token=self.member.token)
        self.assertStatus(resp, 200)

    # ------------------------------------------------------------------ the operation itself
    def test_reads_fail_closed(self):
        self.faults.break_table("named_tokens")
        # authenticated with a temporary token: only the operation's own read fails
        for path in ("/user/tokens/named", "/tokens/named/" + self.named_id,
                     "/user/tokens/named/name/kept", "/tokens/named/%s/status" % self.named_id):
            self.assertServerFailure(self.srv.get(path, token=self.temp), "GET " + path)
        self.faults.repair()
        self.faults.break_table("temp_secrets")
        resp = self.srv.get("/user/tokens/temporary", token=self.named)
        self.assertServerFailure(resp, "generation read")
        self.faults.repair()
        self.assertAlive()

    def test_writes_fail_closed_and_leave_nothing(self):
        before = self.named_ids()
        gen = self.srv.get("/user/tokens/temporary", token=self.named).json["generation"]
        self.faults.break_table("named_tokens")
        resp = self.srv.post("/user/tokens/named", body={"name": "never"}, token=self.temp)
        self.assertServerFailure(resp, "create named")
        resp = self.srv.patch("/tokens/named/" + self.named_id, body={"revoked": True}, token=self.temp)
        self.assertServerFailure(resp, "revoke named")
        resp = self.srv.delete("/user/tokens/named", token=self.temp)
        self.assertServerFailure(resp, "delete all named")
        self.faults.repair()
        self.assertEqual(self.named_ids(), before, "a failed write left something behind")
        resp = self.srv.get("/tokens/named/%s/status" % self.named_id, token=self.named)
        self.assertEqual(resp.json, {"revoked": False})
        self.faults.break_table("temp_secrets")
        self.assertServerFailure(self.srv.delete("/user/tokens/temporary", token=self.named),
                                 "revoke all temporary")
        self.assertServerFailure(self.srv.post("/user/tokens/temporary",
                                               body={"caveats": [time_caveat(60)]}, token=self.named),
                                 "create temporary")
        self.faults.repair()
        self.assertEqual(self.srv.get("/user/tokens/temporary", token=self.named).json["generation"], gen)
        self.assertStatus(self.srv.get("/user", token=self.temp), 200)

    def test_busy_store_is_service_unavailable(self):
        before = self.named_ids()
        with self.faults.hold_write_lock():
            resp = self.srv.post("/user/tokens/named", body={"name": "locked-out"}, token=self.temp)
            self.assertServerFailure(resp, "create named while locked", statuses=(503,))
            resp = self.srv.delete("/user/tokens/temporary", token=self.named)
            self.assertServerFailure(resp, "revoke all while locked", statuses=(503,))
            # reads do not wait for writers
            self.assertStatus(self.srv.get("/user", token=self.named), 200)
        self.assertLogged("locked")
        self.assertEqual(self.named_ids(), before)
        self.assertStatus(self.srv.get("/user", token=self.temp), 200)

    # ------------------------------------------------------------------ verify endpoints
    def test_verify_endpoints_fail_closed(self):
        self.faults.break_table("temp_secrets")
        for path in ("/tokens/verify_access_token", "/tokens/verify_identity_token"):
            resp = self.srv.post(path, body={"token": self.temp})
            self.assertServerFailure(resp, path + " of a temporary token")
        self.faults.repair()
        self.faults.break_table("named_tokens")
        resp = self.srv.post("/tokens/verify_access_token", body={"token": self.named})
        self.assertServerFailure(resp, "verify of a named token")
        resp = self.srv.post("/tokens/infer_access_token_scope", body={"token": self.named})
        self.assertServerFailure(resp, "infer scope")
        self.faults.repair()
        resp = self.srv.post("/tokens/verify_access_token", body={"token": self.named})
        self.assertStatus(resp, 200)

    def test_vanished_store_fails_closed(self):
        before = self.named_ids()
        self.faults.make_unreachable()
        for what, resp in (
                ("named-token auth", self.srv.get("/user", token=self.named)),
                ("temporary-token auth", self.srv.get("/user", token=self.temp)),
                ("Basic auth", self.srv.get("/user", basic=(self.user.username, self.user.password))),
                ("create named", self.srv.post("/user/tokens/named", body={"name": "lost"},
                                               token=self.temp)),
                ("verify", self.srv.post("/tokens/verify_access_token", body={"token": self.named}))):
            self.assertServerFailure(resp, what + " with the store gone")
        self.assertLogged("deleted, moved or replaced")
        self.assertStatus(self.srv.get("/configuration"), 200)   # needs no store: still served
        self.faults.repair()
        self.assertAlive()
        self.assertEqual(self.named_ids(), before)

    # ------------------------------------------------------------------ the admin tool
    def test_admin_tool_leaves_nothing_half_done(self):
        users = self.faults.count("users")
        providers = self.faults.count("providers")
        entities = self.faults.count("entities")
        members = self.faults.count("user_members")
        # registering a provider is one transaction: the root token cannot be stored
        self.faults.break_table("named_tokens")
        with self.assertRaises(Exception):
            self.srv.provider("halfway", admin_user=self.member)
        self.faults.repair()
        self.assertEqual(self.faults.count("providers"), providers)
        self.assertEqual(self.faults.count("entities"), entities)   # no cluster left
        self.assertEqual(self.faults.count("user_members"), members)
        # deleting a user is one transaction: their temporary secret cannot be deleted
        victim = self.srv.logged_user("victim")
        vid, vtok = self.srv.named_token("/user", victim.token, name="victims")
        self.faults.break_table("temp_secrets")
        with self.assertRaises(Exception):
            self.srv.admin("user", "delete", victim.id)
        self.faults.repair()
        self.assertEqual(self.faults.count("users"), users + 1)
        self.assertStatus(self.srv.get("/user", token=vtok), 200)
        self.srv.admin("user", "delete", victim.id)
        self.assertEqual(self.faults.count("users"), users)
