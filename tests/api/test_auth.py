"""REST authentication (rest-api.md §2): the four credential headers and their precedence, Basic
auth outcomes, token verification failures, caveats checked on REST, service and consumer token
headers. Every failure is 401 unauthorized with details.authError."""
import base64

from harness import ServerTestCase, World, craft, ident, time_caveat, now

ACCESS = {"accessToken": {}}
IDENTITY = {"identityToken": {}}


def basic_header(raw):
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


class Auth(ServerTestCase):
    @classmethod
    def setUpWorld(cls):
        cls.w = World(cls.srv)
        w = cls.w
        cls.alice_named_id, cls.alice_named = cls.srv.named_token("/user", w.alice.token,
                                                                  name="alice-access")
        cls.bob_identity_id, cls.bob_identity = cls.srv.named_token(
            "/user", w.bob.token, name="bob-identity", type=IDENTITY)
        cls.carol_identity_id, cls.carol_identity = cls.srv.named_token(
            "/user", w.carol.token, name="carol-identity", type=IDENTITY)
        cls.p_identity_id, cls.p_identity = cls.srv.named_token(
            "/provider", w.p.token, name="p-identity", type=IDENTITY)

    def craft(self, identifier, caveats=()):
        return craft(identifier, caveats, secret="not-the-secret", location=self.srv.domain)

    def me(self, resp):
        self.assertStatus(resp, 200)
        return resp.json["userId"]

    def alice_token(self, *caveats):
        return self.srv.temp_token("/user", self.w.alice.token, caveats=caveats)

    # ---------------------------------------------------------------- credential sources
    def test_x_auth_token(self):
        self.assertEqual(self.me(self.srv.get("/user", token=self.w.alice.token)), self.w.alice.id)

    def test_authorization_bearer(self):
        resp = self.srv.get("/user", headers={"Authorization": "Bearer " + self.w.alice.token})
        self.assertEqual(self.me(resp), self.w.alice.id)

    def test_macaroon_header(self):
        resp = self.srv.get("/user", headers={"macaroon": self.w.alice.token})
        self.assertEqual(self.me(resp), self.w.alice.id)

    def test_basic(self):
        resp = self.srv.get("/user", basic=("alice", self.w.alice.password))
        self.assertEqual(self.me(resp), self.w.alice.id)

    def test_named_access_token_authenticates(self):
        self.assertEqual(self.me(self.srv.get("/user", token=self.alice_named)), self.w.alice.id)

    def test_x_auth_token_wins_over_bearer(self):
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"Authorization": "Bearer " + self.w.bob.token})
        self.assertEqual(self.me(resp), self.w.alice.id)
        resp = self.srv.get("/user", token="garbage",
                            headers={"Authorization": "Bearer " + self.w.bob.token})
        self.assertAuthError(resp, "badToken", None)

    def test_bearer_wins_over_macaroon(self):
        resp = self.srv.get("/user", headers={"Authorization": "Bearer " + self.w.bob.token,
                                              "macaroon": self.w.alice.token})
        self.assertEqual(self.me(resp), self.w.bob.id)
        resp = self.srv.get("/user", headers={"Authorization": "Bearer garbage",
                                              "macaroon": self.w.alice.token})
        self.assertAuthError(resp, "badToken", None)

    def test_token_header_excludes_basic(self):
        resp = self.srv.get("/user", headers={"macaroon": "garbage"},
                            basic=("alice", self.w.alice.password))
        self.assertAuthError(resp, "badToken", None)
        # a valid token header with a wrong Basic password: Basic is never consulted
        resp = self.srv.get("/user", token=self.w.bob.token, basic=("alice", "wrong"))
        self.assertEqual(self.me(resp), self.w.bob.id)

    def test_other_authorization_scheme_counts_as_absent(self):
        resp = self.srv.get("/user", headers={"Authorization": "Digest username=alice"})
        self.assertUnauthenticated(resp)
        resp = self.srv.post("/tokens/examine", body={"token": self.alice_named},
                             headers={"Authorization": "Negotiate abc"})
        self.assertStatus(resp, 200)

    def test_bad_credential_never_falls_back_to_anonymous(self):
        for headers in ({"x-auth-token": "garbage"}, {"Authorization": "Bearer garbage"},
                        {"macaroon": "garbage"}):
            resp = self.srv.post("/tokens/examine", body={"token": self.alice_named},
                                 headers=headers)
            with self.subTest(headers=headers):
                self.assertAuthError(resp, "badToken", None)
        resp = self.srv.post("/tokens/examine", body={"token": self.alice_named},
                             basic=("alice", "wrong"))
        self.assertAuthError(resp, "badBasicCredentials", None)

    def test_nobody_on_protected_route(self):
        self.assertUnauthenticated(self.srv.get("/user/tokens/named"))

    # ---------------------------------------------------------------- Basic outcomes
    def test_basic_wrong_password(self):
        resp = self.srv.get("/user", basic=("alice", "not-the-password"))
        self.assertAuthError(resp, "badBasicCredentials", None)

    def test_basic_unknown_user(self):
        resp = self.srv.get("/user", basic=("no-such-user", "whatever"))
        self.assertAuthError(resp, "badBasicCredentials", None)

    def test_basic_malformed(self):
        for hdr in ({"Authorization": "Basic !!!not-base64!!!"}, basic_header(b"alice"),
                    {"Authorization": "Basic "}):
            resp = self.srv.get("/user", headers=hdr)
            with self.subTest(header=hdr):
                self.assertAuthError(resp, "badBasicCredentials", None)

    def test_basic_blocked_before_per_user_switch(self):
        name = self.srv.unique("blocked-nobasic")
        uid = self.srv.admin("user", "create", name, "--password", "pw-x", "--no-basic-auth")
        self.srv.admin("user", "block", uid)
        self.assertAuthError(self.srv.get("/user", basic=(name, "pw-x")), "userBlocked", None)

    def test_basic_password_with_colon(self):
        u = self.srv.user(password="pa:ss:word")
        resp = self.srv.get("/user", basic=(u.username, "pa:ss:word"))
        self.assertEqual(self.me(resp), u.id)

    def test_basic_blocked_user_even_with_wrong_password(self):
        u = self.srv.user()
        self.srv.admin("user", "block", u.id)
        resp = self.srv.get("/user", basic=(u.username, u.password))
        self.assertAuthError(resp, "userBlocked", None)
        resp = self.srv.get("/user", basic=(u.username, "wrong"))
        self.assertAuthError(resp, "userBlocked", None)

    def test_basic_auth_disabled_for_user(self):
        for flag in ("--no-password", "--no-basic-auth"):
            name = self.srv.unique("nobasic")
            args = ["user", "create", name, flag]
            if flag == "--no-basic-auth":
                args += ["--password", "secret-pw"]
            self.srv.admin(*args)
            with self.subTest(flag=flag):
                resp = self.srv.get("/user", basic=(name, "secret-pw"))
                self.assertAuthError(resp, "basicAuthDisabled", None)
                # the per-user flag is checked before the password
                resp = self.srv.get("/user", basic=(name, "wrong"))
                self.assertAuthError(resp, "basicAuthDisabled", None)

    # ---------------------------------------------------------------- token failures
    def test_garbage_tokens(self):
        for tok in ("rubbish-123", "abc", "ozw-" + self.alice_named, "0z", "!!!!", ""):
            resp = self.srv.get("/user", token=tok)
            with self.subTest(token=tok):
                self.assertAuthError(resp, "badToken", None)

    def test_opw_prefix_is_discarded_for_user_tokens(self):
        resp = self.srv.get("/user", token="opw-" + self.alice_named)
        self.assertEqual(self.me(resp), self.w.alice.id)

    def test_provider_token_with_service_prefix(self):
        for prefix in ("opw-", "opp-"):
            resp = self.srv.get("/provider/tokens/named", token=prefix + self.w.p.token)
            with self.subTest(prefix=prefix):
                self.assertStatus(resp, 200)

    def test_named_token_wrong_secret(self):
        tok = self.craft(ident("nmd", "usr-" + self.w.alice.id, "act", self.alice_named_id))
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenInvalid", None)

    def test_named_token_unknown_id(self):
        tok = self.craft(ident("nmd", "usr-" + self.w.alice.id, "act", "unknown-token-id"))
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenInvalid", None)

    def test_named_token_other_subject(self):
        tok = self.craft(ident("nmd", "usr-" + self.w.bob.id, "act", self.alice_named_id))
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenSubjectInvalid", None)

    def test_temporary_token_wrong_secret(self):
        tok = self.craft(ident("tmp-1", "usr-" + self.w.alice.id), ["time < %d" % (now() + 600)])
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenInvalid", None)

    def test_temporary_token_future_generation(self):
        tok = self.craft(ident("tmp-99", "usr-" + self.w.alice.id), ["time < %d" % (now() + 600)])
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenInvalid", None)

    def test_temporary_token_older_generation_is_revoked(self):
        u = self.srv.logged_user()
        old = u.token
        self.assertEmpty(self.srv.delete("/user/tokens/temporary", token=old))
        self.assertAuthError(self.srv.get("/user", token=old), "tokenRevoked", None)
        # the generation check comes before the signature check
        tok = self.craft(ident("tmp-1", "usr-" + u.id), ["time < %d" % (now() + 600)])
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenRevoked", None)

    def test_legacy_token(self):
        # version-1 identifier: just the id; the stored record would supply the subject
        tok = craft("legacy-token-id", location=self.srv.domain)
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenInvalid", None)
        ex = self.srv.examine(tok)
        self.assertEqual(ex["subject"], {"type": "nobody", "id": None})
        self.assertEqual((ex["id"], ex["persistence"], ex["type"]),
                         ("legacy-token-id", "named", ACCESS))

    def test_session_bound_token_without_valid_signature(self):
        tok = self.craft(ident("tmp-1", "usr-" + self.w.alice.id, "act:some-session"),
                         ["time < %d" % (now() + 600)])
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenInvalid", None)

    def test_identity_token_is_not_an_access_token(self):
        resp = self.srv.get("/user", token=self.bob_identity)
        self.assertAuthError(resp, "notAnAccessToken", {"received": IDENTITY})
        inner = resp.json["error"]["details"]["authError"]
        self.assertEqual(inner["description"],
                         "Expected an access token, but received a(n) identity token.")

    def test_invite_token_is_not_an_access_token(self):
        itype = {"inviteToken": {"inviteType": "userJoinSpace", "spaceId": self.w.space}}
        _, tok = self.srv.named_token("/user", self.w.alice.token, type=itype)
        resp = self.srv.get("/user", token=tok)
        received = {"inviteToken": {"inviteType": "userJoinSpace", "spaceId": self.w.space,
                                    "parameters": {}}}
        self.assertAuthError(resp, "notAnAccessToken", {"received": received})
        self.assertEqual(resp.json["error"]["details"]["authError"]["description"],
                         'Expected an access token, but received a(n) invite token for a user to '
                         'join space "%s".' % self.w.space)

    def test_revoked_and_deleted_named_tokens(self):
        tid, tok = self.srv.named_token("/user", self.w.alice.token)
        self.assertEmpty(self.srv.patch("/tokens/named/" + tid, body={"revoked": True},
                                        token=self.w.alice.token))
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenRevoked", None)
        self.assertEmpty(self.srv.patch("/tokens/named/" + tid, body={"revoked": False},
                                        token=self.w.alice.token))
        self.assertEqual(self.me(self.srv.get("/user", token=tok)), self.w.alice.id)
        self.assertEmpty(self.srv.delete("/tokens/named/" + tid, token=self.w.alice.token))
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenInvalid", None)

    # ---------------------------------------------------------------- caveats on REST
    def test_expired_time_caveat(self):
        # a time caveat in the past is accepted at creation: the token is born expired
        tok = self.srv.temp_token("/user", self.w.alice.token, ttl=-30)
        caveat = self.srv.examine(tok)["caveats"][0]
        self.assertEqual(caveat["type"], "time")
        self.assertLess(caveat["validUntil"], now())
        resp = self.srv.get("/user", token=tok)
        self.assertAuthError(resp, "tokenCaveatUnverified", {"caveat": caveat})

    def test_ip_caveat(self):
        tok = self.alice_token({"type": "ip", "whitelist": ["127.0.0.1"]})
        self.assertEqual(self.me(self.srv.get("/user", token=tok)), self.w.alice.id)
        tok = self.alice_token({"type": "ip", "whitelist": ["127.0.0.0/8", "10.1.2.3"]})
        self.assertEqual(self.me(self.srv.get("/user", token=tok)), self.w.alice.id)
        tok = self.alice_token({"type": "ip", "whitelist": ["10.0.0.0/8", "192.168.1.1"]})
        resp = self.srv.get("/user", token=tok)
        self.assertAuthError(resp, "tokenCaveatUnverified", {"caveat": {
            "type": "ip", "whitelist": ["10.0.0.0/8", "192.168.1.1/32"]}})

    def test_interface_caveat(self):
        tok = self.alice_token({"type": "interface", "interface": "rest"})
        self.assertEqual(self.me(self.srv.get("/user", token=tok)), self.w.alice.id)
        for itf in ("oneclient", "graphsync"):
            cav = {"type": "interface", "interface": itf}
            tok = self.alice_token(cav)
            with self.subTest(interface=itf):
                self.assertAuthError(self.srv.get("/user", token=tok), "tokenCaveatUnverified",
                                     {"caveat": cav})

    def test_data_access_caveats_are_disallowed_on_rest(self):
        for cav in ({"type": "data.readonly"},
                    {"type": "data.path", "whitelist": ["L3NwYWNlMS9maWxlMS50eHQ="]}):
            tok = self.alice_token(cav)
            with self.subTest(caveat=cav):
                self.assertAuthError(self.srv.get("/user", token=tok), "tokenCaveatUnverified",
                                     {"caveat": cav})

    def test_legacy_scope_caveat_is_unverified_for_access(self):
        cav = {"scope": "identityToken"}
        tok = self.alice_token(cav)
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenCaveatUnverified",
                             {"caveat": cav})

    def test_service_caveat(self):
        tok = self.alice_token({"type": "service", "whitelist": ["ozw-onezone"]})
        self.assertEqual(self.me(self.srv.get("/user", token=tok)), self.w.alice.id)
        tok = self.alice_token({"type": "service", "whitelist": ["ozw-*"]})
        self.assertEqual(self.me(self.srv.get("/user", token=tok)), self.w.alice.id)
        cav = {"type": "service", "whitelist": ["opw-" + self.w.p.id]}
        tok = self.alice_token(cav)
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenCaveatUnverified",
                             {"caveat": cav})

    def test_consumer_caveat(self):
        cav = {"type": "consumer", "whitelist": ["usr-" + self.w.bob.id]}
        tok = self.alice_token(cav)
        # no consumer token -> consumer undefined -> unverified
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenCaveatUnverified",
                             {"caveat": cav})
        resp = self.srv.get("/user", token=tok,
                            headers={"x-onedata-consumer-token": self.bob_identity})
        self.assertEqual(self.me(resp), self.w.alice.id)
        resp = self.srv.get("/user", token=tok,
                            headers={"x-onedata-consumer-token": self.carol_identity})
        self.assertAuthError(resp, "tokenCaveatUnverified", {"caveat": cav})
        # even the subject itself must prove it is the consumer
        cav = {"type": "consumer", "whitelist": ["usr-" + self.w.alice.id]}
        tok = self.alice_token(cav)
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenCaveatUnverified",
                             {"caveat": cav})

    def test_consumer_caveat_with_provider_consumer(self):
        cav = {"type": "consumer", "whitelist": ["prv-" + self.w.p.id]}
        tok = self.alice_token(cav)
        resp = self.srv.get("/user", token=tok,
                            headers={"x-onedata-consumer-token": self.p_identity})
        self.assertEqual(self.me(resp), self.w.alice.id)
        tok = self.alice_token({"type": "consumer", "whitelist": ["prv-*"]})
        resp = self.srv.get("/user", token=tok,
                            headers={"x-onedata-consumer-token": self.w.p.token})
        self.assertEqual(self.me(resp), self.w.alice.id)

    def test_api_caveat(self):
        cav = {"type": "api", "whitelist": ["ozw/get/*.*.*:*"]}
        tok = self.alice_token(cav)
        resp = self.srv.get("/user/tokens/named", token=tok)
        self.assertStatus(resp, 200)
        resp = self.srv.post("/user/tokens/temporary", body={"caveats": [time_caveat(60)]},
                             token=tok)
        self.assertAuthError(resp, "tokenCaveatUnverified",
                             {"caveat": {"type": "api", "whitelist": ["ozw/get/*.*.*:*"]}})
        cav = {"type": "api", "whitelist": ["opw/all/*.*.*:*"]}
        tok = self.alice_token(cav)
        self.assertAuthError(self.srv.get("/user/tokens/named", token=tok),
                             "tokenCaveatUnverified", {"caveat": cav})
        tok = self.alice_token({"type": "api", "whitelist": ["all/all/*.*.*:*"]})
        self.assertStatus(self.srv.post("/user/tokens/temporary",
                                        body={"caveats": [time_caveat(60)]}, token=tok), 201)

    def test_api_caveat_normalised_scope(self):
        tok = self.alice_token({"type": "api", "whitelist": ["ozw/create/*.*.*"]})
        cav = self.srv.examine(tok)["caveats"][1]
        self.assertEqual(cav, {"type": "api", "whitelist": ["ozw/create/*.*.*:private"]})
        resp = self.srv.get("/user/tokens/named", token=tok)
        self.assertAuthError(resp, "tokenCaveatUnverified", {"caveat": cav})

    def test_confined_token(self):
        resp = self.srv.post("/tokens/confine", body={
            "token": self.alice_named, "caveats": [{"type": "ip", "whitelist": ["10.0.0.0/8"]}]})
        self.assertStatus(resp, 200)
        self.assertAuthError(self.srv.get("/user", token=resp.json["token"]),
                             "tokenCaveatUnverified",
                             {"caveat": {"type": "ip", "whitelist": ["10.0.0.0/8"]}})
        resp = self.srv.post("/tokens/confine", body={
            "token": self.alice_named, "caveats": [{"type": "ip", "whitelist": ["127.0.0.0/8"]}]})
        self.assertEqual(self.me(self.srv.get("/user", token=resp.json["token"])),
                         self.w.alice.id)

    def test_first_failing_caveat_is_reported(self):
        cavs = [{"type": "ip", "whitelist": ["10.0.0.0/8"]},
                {"type": "interface", "interface": "oneclient"}]
        tok = self.alice_token(*cavs)
        resp = self.srv.get("/user", token=tok)
        self.assertAuthError(resp, "tokenCaveatUnverified")
        # spec: one of the failing caveats (presumably the first in token order)
        self.assertIn(resp.json["error"]["details"]["authError"]["details"]["caveat"], cavs)

    def test_failing_caveat_wins_over_bad_signature(self):
        cav = {"type": "ip", "whitelist": ["10.0.0.0/8"]}
        tok = self.craft(ident("nmd", "usr-" + self.w.alice.id, "act", self.alice_named_id),
                         ["ip = 10.0.0.0/8"])
        self.assertAuthError(self.srv.get("/user", token=tok), "tokenCaveatUnverified",
                             {"caveat": cav})

    # ---------------------------------------------------------------- service token header
    def test_service_token_garbage(self):
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"x-onedata-service-token": "garbage"})
        self.assertAuthError(resp, "badServiceToken")
        inner = resp.json["error"]["details"]["authError"]
        self.assertEqual(inner["details"]["tokenError"]["id"], "badToken")

    def test_service_token_user_access_token(self):
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"x-onedata-service-token": self.w.bob.token})
        self.assertAuthError(resp, "badServiceToken")
        te = resp.json["error"]["details"]["authError"]["details"]["tokenError"]
        self.assertEqual(te["id"], "notAnIdentityToken")
        self.assertEqual(te["details"], {"received": ACCESS})

    def test_service_token_user_identity_token(self):
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"x-onedata-service-token": self.bob_identity})
        self.assertAuthError(resp, "badServiceToken")
        te = resp.json["error"]["details"]["authError"]["details"]["tokenError"]
        self.assertEqual(te["id"], "tokenInvalid")

    def test_service_token_of_supporting_provider(self):
        cav = {"type": "service", "whitelist": ["opw-" + self.w.p.id]}
        tok = self.alice_token(cav)
        for service_token in (self.w.p.token, self.p_identity, "opw-" + self.p_identity):
            resp = self.srv.get("/user", token=tok,
                                headers={"x-onedata-service-token": service_token})
            with self.subTest(service_token=service_token[:8]):
                self.assertEqual(self.me(resp), self.w.alice.id)
        # op_worker's implied API limits do not include creating tokens in Onezone, nor reading
        # token records (entity type "token")
        resp = self.srv.post("/user/tokens/temporary", body={"caveats": [time_caveat(60)]},
                             token=tok, headers={"x-onedata-service-token": self.w.p.token})
        self.assertAuthError(resp, "tokenCaveatUnverified", {"caveat": cav})
        resp = self.srv.get("/user/tokens/named", token=tok,
                            headers={"x-onedata-service-token": self.w.p.token})
        self.assertAuthError(resp, "tokenCaveatUnverified", {"caveat": cav})

    def test_service_token_of_non_supporting_provider(self):
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"x-onedata-service-token": self.w.p2.token})
        self.assertAuthError(resp, "tokenServiceForbidden",
                             {"service": {"type": "op_worker", "id": self.w.p2.id}})

    def test_service_token_op_panel(self):
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"x-onedata-service-token": "opp-" + self.w.p.token})
        self.assertAuthError(resp, "tokenServiceForbidden",
                             {"service": {"type": "op_panel", "id": self.w.p.id}})
        # dave administers p's cluster
        resp = self.srv.get("/user", token=self.w.dave.token,
                            headers={"x-onedata-service-token": "opp-" + self.w.p.token})
        self.assertEqual(self.me(resp), self.w.dave.id)

    def test_service_token_checked_before_token_type(self):
        resp = self.srv.get("/user", token=self.bob_identity,
                            headers={"x-onedata-service-token": "garbage"})
        self.assertAuthError(resp, "badServiceToken")

    def test_service_and_consumer_headers_ignored_without_access_token(self):
        resp = self.srv.post("/tokens/examine", body={"token": self.alice_named},
                             headers={"x-onedata-service-token": "garbage",
                                      "x-onedata-consumer-token": "garbage"})
        self.assertStatus(resp, 200)
        self.assertUnauthenticated(self.srv.get("/user", headers={
            "x-onedata-service-token": self.w.p.token}))

    # ---------------------------------------------------------------- consumer token header
    def test_consumer_token_garbage(self):
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"x-onedata-consumer-token": "garbage"})
        self.assertAuthError(resp, "badConsumerToken")
        te = resp.json["error"]["details"]["authError"]["details"]["tokenError"]
        self.assertEqual(te["id"], "badToken")

    def test_consumer_token_user_access_token(self):
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"x-onedata-consumer-token": self.w.bob.token})
        self.assertAuthError(resp, "badConsumerToken")
        te = resp.json["error"]["details"]["authError"]["details"]["tokenError"]
        self.assertEqual(te["id"], "notAnIdentityToken")

    def test_service_and_consumer_tokens_are_fully_verified(self):
        expired = self.srv.post("/tokens/confine", body={
            "token": self.p_identity, "caveats": [time_caveat(-60)]}).json["token"]
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"x-onedata-service-token": expired})
        self.assertAuthError(resp, "badServiceToken")
        te = resp.json["error"]["details"]["authError"]["details"]["tokenError"]
        self.assertEqual(te["id"], "tokenCaveatUnverified")
        self.assertEqual(te["details"]["caveat"]["type"], "time")
        forged = self.craft(ident("nmd", "usr-" + self.w.bob.id, "idn", "forged-identity"))
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"x-onedata-consumer-token": forged})
        self.assertAuthError(resp, "badConsumerToken")
        te = resp.json["error"]["details"]["authError"]["details"]["tokenError"]
        self.assertEqual(te["id"], "tokenInvalid")

    def test_service_token_checked_before_consumer_token(self):
        resp = self.srv.get("/user", token=self.w.alice.token,
                            headers={"x-onedata-consumer-token": "garbage",
                                     "x-onedata-service-token": "garbage"})
        self.assertAuthError(resp, "badServiceToken")


class BasicAuthDisabledZoneWide(ServerTestCase):
    """`serve --no-basic-auth`: every Basic header that decodes to user:password gets
    basicAuthNotSupported, whatever the credentials."""

    @classmethod
    def server_args(cls):
        return {"extra_args": ["--no-basic-auth"]}

    @classmethod
    def setUpWorld(cls):
        cls.u = cls.srv.user("zonewide", password="right-password")

    def test_any_credentials(self):
        for cred in (("zonewide", "right-password"), ("zonewide", "wrong"),
                     ("no-such-user", "x"), ("admin", "admin-password-for-tests")):
            resp = self.srv.get("/user", basic=cred)
            with self.subTest(user=cred[0]):
                self.assertAuthError(resp, "basicAuthNotSupported", None)

    def test_public_route_with_basic(self):
        resp = self.srv.post("/tokens/examine", body={"token": "x"},
                             basic=("zonewide", "right-password"))
        self.assertAuthError(resp, "basicAuthNotSupported", None)
