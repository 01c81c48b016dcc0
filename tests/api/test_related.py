"""Related non-token routes clients use together with tokens (rest-api.md §9)."""
import time

from harness import ServerTestCase, now


class RelatedRoutes(ServerTestCase):
    @classmethod
    def server_args(cls):
        return {"domain": "related.zone.test"}

    @classmethod
    def setUpWorld(cls):
        cls.alice = cls.srv.user("alice", full_name="Alice Liddell")
        cls.srv.login(cls.alice)
        cls.t0 = now()

    def test_configuration_rest_is_public(self):
        resp = self.srv.get("/configuration")
        self.assertStatus(resp, 200)
        self.assertSchema("Configuration", resp.json)
        self.assertEqual(resp.json["domain"], "related.zone.test")

    def test_configuration_at_root_is_the_same(self):
        rest = self.srv.get("/configuration")
        root = self.srv.get("/configuration", prefix=False)
        self.assertStatus(root, 200)
        self.assertEqual(root.json, rest.json)

    def test_configuration_with_bad_token_is_401(self):
        # a present but bad credential never falls back to anonymous access (§1.1)
        resp = self.srv.get("/configuration", token="garbage")
        self.assertAuthError(resp, "badToken")

    def test_current_time(self):
        before = int(time.time() * 1000)
        resp = self.srv.get("/provider/public/get_current_time")
        after = int(time.time() * 1000)
        self.assertStatus(resp, 200)
        self.assertSchema("CurrentTime", resp.json)
        self.assertEqual(list(resp.json.keys()), ["timeMillis"])
        # same machine, same clock: allow a second of rounding either way
        self.assertLessEqual(before - 1000, resp.json["timeMillis"])
        self.assertLessEqual(resp.json["timeMillis"], after + 1000)

    def test_get_user(self):
        resp = self.srv.get("/user", token=self.alice.token)
        self.assertStatus(resp, 200)
        self.assertSchema("User", resp.json)
        u = resp.json
        self.assertEqual(u["userId"], self.alice.id)
        self.assertEqual(u["username"], "alice")
        self.assertEqual(u["fullName"], "Alice Liddell")
        self.assertIs(u["basicAuthEnabled"], True)
        self.assertIs(u["blocked"], False)
        self.assertEqual(u["emails"], [])
        self.assertEqual(u["linkedAccounts"], [])
        self.assertLessEqual(abs(u["creationTime"] - self.t0), 120)
        # deprecated aliases carry the same values
        self.assertEqual(u["name"], u["fullName"])
        self.assertEqual(u["login"], u["username"])
        self.assertEqual(u["alias"], u["username"])
        self.assertEqual(u["emailList"], u["emails"])

    def test_get_user_nobody(self):
        self.assertUnauthenticated(self.srv.get("/user"))

    def test_get_user_with_basic_auth(self):
        resp = self.srv.get("/user", basic=("alice", self.alice.password))
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["userId"], self.alice.id)
