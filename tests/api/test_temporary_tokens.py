"""Temporary tokens (rest-api.md §4.3, §5.2, §5.9–5.11): creation and the TTL rule, shared
secret generations and revoke-all, named token status."""
from harness import ServerTestCase, World, craft, ident, now, time_caveat

ACCESS = {"accessToken": {}}
IDENTITY = {"identityToken": {}}
DEFAULT_MAX_TTL = 2592000


class TemporaryTokens(ServerTestCase):
    @classmethod
    def setUpWorld(cls):
        cls.w = World(cls.srv)

    def create(self, body, owner="/user", token=None):
        return self.srv.post(owner + "/tokens/temporary", body=body,
                             token=token or self.w.alice.token)

    # ---------------------------------------------------------------- create
    def test_create_for_every_owner_path(self):
        w = self.w
        cases = [("/user", w.alice, {"type": "user", "id": w.alice.id}),
                 ("/users/" + w.alice.id, w.alice, {"type": "user", "id": w.alice.id}),
                 ("/provider", w.p, {"type": "oneprovider", "id": w.p.id}),
                 ("/providers/" + w.p.id, w.p, {"type": "oneprovider", "id": w.p.id})]
        for owner, who, subject in cases:
            resp = self.create({"caveats": [time_caveat(600)]}, owner=owner, token=who.token)
            with self.subTest(owner=owner):
                self.assertStatus(resp, 201)
                self.assertIsNone(resp.headers.get("Location"))
                self.assertEqual(list(resp.json.keys()), ["token"])
                self.assertSchema("SerializedTokenObject", resp.json)
                ex = self.srv.examine(resp.json["token"])
                self.assertEqual(ex["persistence"], "temporary")
                self.assertEqual(ex["subject"], subject)
                self.assertEqual(ex["type"], ACCESS)
                self.assertEqual(ex["onezoneDomain"], self.srv.domain)
                self.assertEqual([c["type"] for c in ex["caveats"]], ["time"])

    def test_token_is_usable(self):
        tok = self.srv.temp_token("/user", self.w.alice.token)
        resp = self.srv.get("/user", token=tok)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["userId"], self.w.alice.id)
        ptok = self.srv.temp_token("/provider", self.w.p.token)
        self.assertStatus(self.srv.get("/provider/tokens/named", token=ptok), 200)

    def test_temporary_tokens_are_not_listed(self):
        u = self.srv.logged_user()
        self.srv.temp_token("/user", u.token)
        self.assertEqual(self.srv.get("/user/tokens/named", token=u.token).json, {"tokens": []})

    def test_time_caveat_required(self):
        for body in ({}, {"caveats": []}, {"caveats": [{"type": "ip", "whitelist": ["1.2.3.4"]}]},
                     {"caveats": [time_caveat(DEFAULT_MAX_TTL + 600)]}):
            resp = self.create(body)
            with self.subTest(body=body):
                self.assertError(resp, 400, "tokenTimeCaveatRequired",
                                 {"maxTtl": DEFAULT_MAX_TTL})

    def test_ttl_up_to_default_max(self):
        # our clock reading precedes the server's, so the server sees a TTL <= the maximum
        resp = self.create({"caveats": [time_caveat(DEFAULT_MAX_TTL)]})
        self.assertStatus(resp, 201)

    def test_smallest_time_caveat_counts(self):
        resp = self.create({"caveats": [time_caveat(DEFAULT_MAX_TTL * 3), time_caveat(60)]})
        self.assertStatus(resp, 201)

    def test_time_caveat_in_the_past_is_accepted(self):
        resp = self.create({"caveats": [time_caveat(-100)]})
        self.assertStatus(resp, 201)
        self.assertAuthError(self.srv.get("/user", token=resp.json["token"]),
                             "tokenCaveatUnverified")

    def test_other_fields_are_ignored(self):
        resp = self.create({"caveats": [time_caveat(60)], "name": 5, "usageLimit": "x",
                            "privileges": 7, "customMetadata": 1, "revoked": "x"})
        self.assertStatus(resp, 201)

    def test_validation_order(self):
        # caveats, then type, then subject/service checks, then the TTL rule
        resp = self.create({"caveats": [{"type": "bogus"}], "type": {"bad": 1}})
        self.assertError(resp, 400, "badValueCaveat", {"caveat": {"type": "bogus"}})
        resp = self.create({"caveats": 5})
        self.assertError(resp, 400, "badData", {"key": "caveats"})
        resp = self.create({"type": {"bad": 1}})
        self.assertError(resp, 400, "badValueTokenType", {"key": "type"})
        resp = self.create({"caveats": [{"type": "service", "whitelist": ["opw-" + self.w.p2.id]}]})
        self.assertError(resp, 400, "tokenServiceForbidden",
                         {"service": {"type": "op_worker", "id": self.w.p2.id}})
        resp = self.create({"type": {"inviteToken": {"inviteType": "userJoinSpace",
                                                     "spaceId": "nospace"}}})
        self.assertError(resp, 400, "inviteTokenTargetIdInvalid", {"id": "nospace"})
        resp = self.create({"type": {"accessToken": {"sessionId": "nosession"}}})
        self.assertError(resp, 400, "tokenSessionInvalid", None)

    def test_identity_and_invite_temporary_tokens(self):
        resp = self.create({"type": IDENTITY, "caveats": [time_caveat(600)]})
        self.assertStatus(resp, 201)
        self.assertEqual(self.srv.examine(resp.json["token"])["type"], IDENTITY)
        t = {"inviteToken": {"inviteType": "userJoinSpace", "spaceId": self.w.space}}
        resp = self.create({"type": t, "caveats": [time_caveat(600)], "usageLimit": 1})
        self.assertStatus(resp, 201)
        t["inviteToken"]["parameters"] = {}
        self.assertEqual(self.srv.examine(resp.json["token"])["type"], t)
        resp = self.create({"type": t, "caveats": [time_caveat(600)]}, token=self.w.bob.token)
        self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized", None)

    def test_subject_must_exist(self):
        admin = self.w.admin.token
        for owner in ("/users/no-such-user", "/providers/no-such-provider"):
            resp = self.create({"caveats": [time_caveat(60)]}, owner=owner, token=admin)
            with self.subTest(owner=owner):
                self.assertError(resp, 400, "tokenSubjectInvalid", None)

    # ---------------------------------------------------------------- generations
    def test_generation_and_revoke_all(self):
        u = self.srv.logged_user()
        first = u.token
        named_id, named = self.srv.named_token("/user", u.token)
        for path in ("/user/tokens/temporary", "/users/%s/tokens/temporary" % u.id):
            resp = self.srv.get(path, token=u.token)
            self.assertStatus(resp, 200)
            self.assertEqual(resp.json, {"generation": 1})
            self.assertSchema("TemporaryTokenGeneration", resp.json)
        self.assertEmpty(self.srv.delete("/user/tokens/temporary", token=u.token))
        self.assertAuthError(self.srv.get("/user", token=first), "tokenRevoked", None)
        # named tokens are not affected
        self.assertEqual(self.srv.get("/user/tokens/temporary", token=named).json,
                         {"generation": 2})
        second = self.srv.temp_token("/user", named)
        self.assertStatus(self.srv.get("/user", token=second), 200)
        self.assertEmpty(self.srv.delete("/users/%s/tokens/temporary" % u.id, token=named))
        self.assertEqual(self.srv.get("/user/tokens/temporary", token=named).json,
                         {"generation": 3})
        for t in (first, second):
            self.assertAuthError(self.srv.get("/user", token=t), "tokenRevoked", None)
        resp = self.srv.post("/tokens/verify_access_token", body={"token": second})
        self.assertError(resp, 400, "tokenRevoked", None)
        self.assertEqual(self.srv.examine(second)["persistence"], "temporary")
        self.assertStatus(self.srv.get("/tokens/named/" + named_id, token=named), 200)

    def test_revoke_all_creates_lazily_without_increment(self):
        u = self.srv.user()      # never logged in: no temporary secret yet
        admin = self.w.admin.token
        self.assertEmpty(self.srv.delete("/users/%s/tokens/temporary" % u.id, token=admin))
        resp = self.srv.get("/users/%s/tokens/temporary" % u.id, token=admin)
        self.assertEqual(resp.json, {"generation": 1})
        self.srv.login(u)
        self.assertStatus(self.srv.get("/user", token=u.token), 200)

    def test_generation_of_unknown_subject_for_admin(self):
        # the record is created on read without checking the subject (code-derived)
        admin = self.w.admin.token
        for path in ("/users/ghost-user/tokens/temporary", "/providers/ghost-prv/tokens/temporary"):
            resp = self.srv.get(path, token=admin)
            with self.subTest(path=path):
                self.assertStatus(resp, 200)
                self.assertEqual(resp.json, {"generation": 1})

    def test_provider_revoke_all(self):
        p = self.srv.provider(admin_user=self.w.dave)
        tok = self.srv.temp_token("/provider", p.token)
        self.assertEqual(self.srv.get("/provider/tokens/temporary", token=p.token).json,
                         {"generation": 1})
        self.assertEmpty(self.srv.delete("/provider/tokens/temporary", token=p.token))
        self.assertAuthError(self.srv.get("/provider/tokens/named", token=tok), "tokenRevoked",
                             None)
        self.assertEqual(self.srv.get("/providers/%s/tokens/temporary" % p.id,
                                      token=p.token).json, {"generation": 2})

    def test_minted_token_with_current_generation_but_wrong_secret(self):
        u = self.srv.logged_user()
        self.assertEmpty(self.srv.delete("/user/tokens/temporary", token=u.token))
        self.srv.login(u)
        tok = craft(ident("tmp-2", "usr-" + u.id), ["time < %d" % (now() + 600)],
                    location=self.srv.domain)
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenInvalid", None)
        tok = craft(ident("tmp-1", "usr-" + u.id), ["time < %d" % (now() + 600)],
                    location=self.srv.domain)
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenRevoked", None)
        tok = craft(ident("tmp-3", "usr-" + u.id), ["time < %d" % (now() + 600)],
                    location=self.srv.domain)
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenInvalid", None)

    # ---------------------------------------------------------------- named token status
    def test_named_token_status(self):
        tid, _ = self.srv.named_token("/user", self.w.alice.token)
        resp = self.srv.get("/tokens/named/%s/status" % tid, token=self.w.alice.token)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json, {"revoked": False})
        self.assertSchema("NamedTokenStatus", resp.json)
        self.srv.patch("/tokens/named/" + tid, body={"revoked": True}, token=self.w.alice.token)
        resp = self.srv.get("/tokens/named/%s/status" % tid, token=self.w.alice.token)
        self.assertEqual(resp.json, {"revoked": True})

    def test_unknown_token_is_404_before_authorization(self):
        for token in (None, self.w.bob.token, self.w.p.token, self.w.admin.token):
            for method, path in (("GET", "/tokens/named/nosuch"),
                                 ("GET", "/tokens/named/nosuch/status"),
                                 ("DELETE", "/tokens/named/nosuch")):
                resp = self.srv.request(method, path, token=token)
                with self.subTest(method=method, path=path, token=bool(token)):
                    self.assertNotFound(resp)
            resp = self.srv.patch("/tokens/named/nosuch", body={"bogus": 1}, token=token)
            self.assertNotFound(resp)


class MaxTemporaryTtl(ServerTestCase):
    @classmethod
    def server_args(cls):
        return {"max_ttl": 1000}

    @classmethod
    def setUpWorld(cls):
        cls.u = cls.srv.logged_user("ttl-user")

    def create(self, caveats):
        return self.srv.post("/user/tokens/temporary", body={"caveats": caveats},
                             token=self.u.token)

    def test_configured_max_ttl(self):
        self.assertStatus(self.create([time_caveat(1000)]), 201)
        self.assertStatus(self.create([time_caveat(1)]), 201)
        self.assertError(self.create([time_caveat(1100)]), 400, "tokenTimeCaveatRequired",
                         {"maxTtl": 1000},
                         description="You must specify a time caveat with maximum TTL of 1000 "
                                     "seconds.")
        self.assertError(self.create([]), 400, "tokenTimeCaveatRequired", {"maxTtl": 1000})
        self.assertStatus(self.create([time_caveat(5000), time_caveat(900)]), 201)

    def test_named_tokens_need_no_time_caveat(self):
        resp = self.srv.post("/user/tokens/named", body={"name": "long-lived"},
                             token=self.u.token)
        self.assertStatus(resp, 201)
        resp = self.srv.post("/user/tokens/named", body={"name": "far", "caveats": [
            {"type": "time", "validUntil": now() + 10 ** 8}]}, token=self.u.token)
        self.assertStatus(resp, 201)
