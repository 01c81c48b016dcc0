"""Public token utilities (rest-api.md §6): examine, confine, infer_access_token_scope,
verify_access_token, verify_identity_token, verify_invite_token. Callers may be nobody."""
import base64

from harness import ServerTestCase, World, craft, ident, now, time_caveat

ACCESS = {"accessToken": {}}
IDENTITY = {"identityToken": {}}
MAX_TOKEN_SIZE = 1048576

# token-format.md §15 vectors (Onedata 20.02.20)
V1 = ("MDAyMGxvY2F00aW9uIGRvbWFpbi5leGFtcGxlLmNvbQowMDRhaWRlbnRpZmllciAyL3RtcC003L3Vzci11aWQvYWN"
      "00OnNlc3NJZC8xMjM00NTY3ODkwZXhhbXBsZS1pZDEyMzQ1Njc4OTBhCjAwMWFjaWQgdGltZSA8IDgzNzQ4OTEyMzQK"
      "MDAxZGNpZCBpcCA9IDE3Mi45OC4xMS4yMy8zMgowMDEyY2lkIGFzbiA9IDMyMgowMDFjY2lkIGdlby5jb3VudHJ5ID00"
      "gUEx8RlIKMDAxZGNpZCBnZW8ucmVnaW9uID00gQXNpYXxFVQowMDFkY2lkIGF1dGhvcml6YXRpb24gPSBub25lCjAwMW"
      "VjaWQgc2VydmljZSA9IG96dy1vbmV6b25lCjAwMmNjaWQgY29uc3VtZXIgPSB1c3ItdXNlci1pZHxncnAtZ3JvdXAtaW"
      "QKMDAxZWNpZCBpbnRlcmZhY2UgPSBncmFwaHN5bmMKMDAxZWNpZCBhcGkgPSBhbGwvYWxsLyouKi4qOioKMDAxNmNpZC"
      "BkYXRhLnJlYWRvbmx5CjAwNGFjaWQgZGF00YS5wYXRoID00gTDNOd1lXTmxNUzltYVd4bE1TNTBlSFE9fEwzTndZV005"
      "sTWk5a2FYSXZabWxzWlRJdWRIaDAKMDA00MWNpZCBkYXRhLm9iamVjdGlkID00gMDAwMDAwMDAwMDBDREJEQTY3NzU2O"
      "TY00MjMzMTMyMzMyMzYxNjI2MwowMDJmc2lnbmF00dXJlIFzjctImjdheinIatewEE6qZxluQoX63kTHYBEbChVksCg")
V1_CAVEATS = [
    {"type": "time", "validUntil": 8374891234},
    {"type": "ip", "whitelist": ["172.98.11.23/32"]},
    {"type": "asn", "whitelist": [322]},
    {"type": "geo.country", "filter": "whitelist", "list": ["PL", "FR"]},
    {"type": "geo.region", "filter": "whitelist", "list": ["Asia", "EU"]},
    {"scope": "identityToken"},
    {"type": "service", "whitelist": ["ozw-onezone"]},
    {"type": "consumer", "whitelist": ["usr-user-id", "grp-group-id"]},
    {"type": "interface", "interface": "graphsync"},
    {"type": "api", "whitelist": ["all/all/*.*.*:*"]},
    {"type": "data.readonly"},
    {"type": "data.path", "whitelist": ["L3NwYWNlMS9maWxlMS50eHQ=", "L3NwYWNlMi9kaXIvZmlsZTIudHh0"]},
    {"type": "data.objectid", "whitelist": ["00000000000CDBDA677569642331323323616263"]},
]
V3 = ("MDAyMGxvY2F00aW9uIGRvbWFpbi5leGFtcGxlLmNvbQowMDQxaWRlbnRpZmllciAyL25tZC9wcnYtcGlkL2lkbi8xMj"
      "M00NTY3ODkwZXhhbXBsZS1pZDEyMzQ1Njc4OTBjCjAwMWNjaWQgZ2VvLnJlZ2lvbiA9IEFmcmljYQowMDE5Y2lkIGlud"
      "GVyZmFjZSA9IHJlc3QKMDAxYWNpZCB00aW1lIDwgODM3NDg5MTIzNAowMDFjY2lkIGdlby5jb3VudHJ5ID00gREV8UFQK"
      "MDAxMmNpZCBhc24gPSAzMjIKMDAyY2NpZCBjb25zdW1lciA9IHVzci11c2VyLWlkfGdycC1ncm91cC1pZAowMDFkY2lkI"
      "GlwID00gMTcyLjk4LjExLjIzLzMyCjAwMmZzaWduYXR1cmUgeHgOy1lx96LmS1DmJ8VFizT6WrsALQizK1p00PQnJnYUK")
V5 = ("MDAyMGxvY2F00aW9uIGRvbWFpbi5leGFtcGxlLmNvbQowMDU4aWRlbnRpZmllciAyL25tZC91c3ItaW52aXRhdGlvbi"
      "1zZW5kZXIvdWpnOkdyb3VwSWQ6LzEyMzQ1Njc4OTBleGFtcGxlLWlkMTIzNDU2Nzg5MGUKMDAyZnNpZ25hdHVyZSCH7Ml"
      "Ke97K7K5UHEpTU01nUb8AN77DBp7Ys20100nJBOAdwo")


class Utilities(ServerTestCase):
    @classmethod
    def setUpWorld(cls):
        cls.w = World(cls.srv)
        w = cls.w
        srv = cls.srv
        cls.alice_named_id, cls.alice_named = srv.named_token("/user", w.alice.token)
        cls.bob_identity = srv.named_token("/user", w.bob.token, type=IDENTITY)[1]
        cls.carol_identity = srv.named_token("/user", w.carol.token, type=IDENTITY)[1]
        cls.p_identity = srv.named_token("/provider", w.p.token, type=IDENTITY)[1]
        cls.invite_id, cls.invite = srv.named_token(
            "/user", w.alice.token,
            type={"inviteToken": {"inviteType": "userJoinSpace", "spaceId": w.space}},
            usageLimit=1)

    def post(self, route, body, **kw):
        return self.srv.post("/tokens/" + route, body=body, **kw)

    def alice_tok(self, *caveats, ttl=3600):
        return self.srv.temp_token("/user", self.w.alice.token, ttl=ttl, caveats=caveats)

    def confine(self, tok, caveats):
        resp = self.post("confine", {"token": tok, "caveats": caveats})
        self.assertStatus(resp, 200)
        return resp.json["token"]

    def verify_ok(self, route, body, subject, **kw):
        resp = self.post(route, body, **kw)
        self.assertStatus(resp, 200)
        self.assertSchema("VerifyTokenResponse", resp.json)
        self.assertEqual(set(resp.json.keys()), {"subject", "ttl"})
        self.assertEqual(resp.json["subject"], subject)
        return resp.json

    def unverified(self, resp, caveat):
        self.assertError(resp, 400, "tokenCaveatUnverified", {"caveat": caveat})

    # ---------------------------------------------------------------- token field rules
    def test_token_field_rules_on_every_utility(self):
        for route in ("examine", "confine", "infer_access_token_scope", "verify_access_token",
                      "verify_identity_token", "verify_invite_token"):
            extra = {"caveats": []} if route == "confine" else {}
            with self.subTest(route=route):
                resp = self.post(route, dict(extra))
                self.assertError(resp, 400, "missingRequiredValue", {"key": "token"})
                resp = self.post(route, dict(extra, token=""))
                self.assertError(resp, 400, "badValueEmpty", {"key": "token"})
                for bad in ("garbage", "rubbish-123", 5, {"a": 1}, [], True):
                    resp = self.post(route, dict(extra, token=bad))
                    self.assertError(resp, 400, "badValueToken", {
                        "key": "token", "tokenError": {
                            "id": "badToken",
                            "description": "Provided token could not be understood by the "
                                           "server."}})
                # nobody may call, and so may anyone authenticated
                resp = self.post(route, dict(extra, token=self.alice_named),
                                 token=self.w.bob.token)
                self.assertNotEqual(resp.status, 401, repr(resp))
                self.assertNotEqual(resp.status, 403, repr(resp))

    def test_token_too_large(self):
        resp = self.post("examine", {"token": "a" * (MAX_TOKEN_SIZE + 1)})
        self.assertError(resp, 400, "badValueToken")
        te = resp.json["error"]["details"]["tokenError"]
        self.assertEqual(resp.json["error"]["details"]["key"], "token")
        self.assertEqual(te["id"], "tokenTooLarge")
        self.assertEqual(te["details"], {"limit": MAX_TOKEN_SIZE})
        # exactly the limit is not too large (and still garbage)
        resp = self.post("examine", {"token": "a" * MAX_TOKEN_SIZE})
        self.assertError(resp, 400, "badValueToken")
        self.assertEqual(resp.json["error"]["details"]["tokenError"]["id"], "badToken")

    # ---------------------------------------------------------------- examine
    def test_examine_vectors(self):
        resp = self.post("examine", {"token": V1})
        self.assertStatus(resp, 200)
        self.assertSchema("ExaminedToken", resp.json)
        self.assertEqual(resp.json, {
            "onezoneDomain": "domain.example.com", "id": "1234567890example-id1234567890a",
            "persistence": "temporary", "subject": {"type": "user", "id": "uid"},
            "type": {"accessToken": {"sessionId": "sessId"}}, "caveats": V1_CAVEATS})
        resp = self.post("examine", {"token": V3})
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json, {
            "onezoneDomain": "domain.example.com", "id": "1234567890example-id1234567890c",
            "persistence": "named", "subject": {"type": "oneprovider", "id": "pid"},
            "type": IDENTITY, "caveats": [
                {"type": "geo.region", "filter": "whitelist", "list": ["Africa"]},
                {"type": "interface", "interface": "rest"},
                {"type": "time", "validUntil": 8374891234},
                {"type": "geo.country", "filter": "whitelist", "list": ["DE", "PT"]},
                {"type": "asn", "whitelist": [322]},
                {"type": "consumer", "whitelist": ["usr-user-id", "grp-group-id"]},
                {"type": "ip", "whitelist": ["172.98.11.23/32"]}]})
        resp = self.post("examine", {"token": V5})
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json, {
            "onezoneDomain": "domain.example.com", "id": "1234567890example-id1234567890e",
            "persistence": "named", "subject": {"type": "user", "id": "invitation-sender"},
            "type": {"inviteToken": {"inviteType": "userJoinGroup", "groupId": "GroupId",
                                     "parameters": {}}},
            "caveats": []})

    def test_examine_does_not_verify(self):
        tid, tok = self.srv.named_token("/user", self.w.alice.token, revoked=True)
        resp = self.post("examine", {"token": tok})
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["id"], tid)
        # a token of another Onezone with a wrong secret and an unknown caveat
        foreign = craft("2/nmd/usr-x/act/foreign-id", ["time < 5"], location="other.example")
        resp = self.post("examine", {"token": foreign})
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["onezoneDomain"], "other.example")
        self.assertEqual(resp.json["caveats"], [{"type": "time", "validUntil": 5}])

    def test_examine_service_prefix(self):
        resp = self.post("examine", {"token": "opw-" + self.w.p.token})
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["subject"], {"type": "oneprovider", "id": self.w.p.id})
        resp = self.post("examine", {"token": "ozw-" + self.w.p.token})
        self.assertError(resp, 400, "badValueToken")

    # ---------------------------------------------------------------- confine
    def test_confine(self):
        until = now() + 500
        tok = self.confine(self.alice_named, [{"type": "time", "validUntil": until},
                                              {"type": "ip", "whitelist": ["127.0.0.1"]}])
        self.assertEqual(self.srv.examine(tok)["caveats"],
                         [{"type": "time", "validUntil": until},
                          {"type": "ip", "whitelist": ["127.0.0.1/32"]}])
        tok2 = self.confine(tok, [{"type": "interface", "interface": "rest"}])
        ex = self.srv.examine(tok2)
        self.assertEqual(ex["caveats"][-1], {"type": "interface", "interface": "rest"})
        self.assertEqual(len(ex["caveats"]), 3)
        self.assertEqual(ex["id"], self.alice_named_id)
        resp = self.srv.get("/user", token=tok2)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["userId"], self.w.alice.id)

    def test_confine_with_no_caveats(self):
        tok = self.confine(self.alice_named, [])
        self.assertEqual(self.srv.examine(tok), self.srv.examine(self.alice_named))
        self.assertStatus(self.srv.get("/user", token=tok), 200)

    def test_confine_validation(self):
        self.assertError(self.post("confine", {}), 400, "missingRequiredValue", {"key": "caveats"})
        self.assertError(self.post("confine", {"token": self.alice_named}), 400,
                         "missingRequiredValue", {"key": "caveats"})
        self.assertError(self.post("confine", {"caveats": []}), 400, "missingRequiredValue",
                         {"key": "token"})
        for bad in ({}, "x", 1, None):
            resp = self.post("confine", {"token": self.alice_named, "caveats": bad})
            with self.subTest(caveats=bad):
                self.assertError(resp, 400, "badData", {"key": "caveats"})
        resp = self.post("confine", {"token": self.alice_named,
                                     "caveats": [{"type": "ip", "whitelist": []}]})
        self.assertError(resp, 400, "badValueCaveat",
                         {"caveat": {"type": "ip", "whitelist": []}})
        resp = self.post("confine", {"token": self.alice_named, "caveats": ["time < 5"]})
        self.assertError(resp, 400, "badValueCaveat", {"caveat": "time < 5"})

    def test_confine_does_not_verify_but_checks_services(self):
        revoked = self.srv.named_token("/user", self.w.alice.token, revoked=True)[1]
        self.confine(revoked, [time_caveat(60)])
        resp = self.post("confine", {"token": self.alice_named, "caveats": [
            {"type": "service", "whitelist": ["opw-" + self.w.p2.id]}]})
        self.assertError(resp, 400, "tokenServiceForbidden",
                         {"service": {"type": "op_worker", "id": self.w.p2.id}})
        self.confine(self.alice_named, [{"type": "service", "whitelist": ["opw-" + self.w.p.id]}])
        # identity tokens are not subject to the service rule
        self.confine(self.bob_identity, [{"type": "service", "whitelist": ["opw-" + self.w.p2.id]}])
        # a token whose subject does not exist
        ghost = craft(ident("nmd", "usr-no-such-user", "act", "x"), location=self.srv.domain)
        resp = self.post("confine", {"token": ghost, "caveats": [time_caveat(60)]})
        self.assertError(resp, 400, "tokenSubjectInvalid", None)

    def test_confine_legacy_scope(self):
        tok = self.confine(self.alice_named, [{"scope": "identityToken"}])
        self.assertEqual(self.srv.examine(tok)["caveats"], [{"scope": "identityToken"}])

    # ---------------------------------------------------------------- verify_access_token
    def test_verify_access_token(self):
        self.verify_ok("verify_access_token", {"token": self.alice_named},
                       {"type": "user", "id": self.w.alice.id})
        res = self.verify_ok("verify_access_token", {"token": self.alice_named},
                             {"type": "user", "id": self.w.alice.id})
        self.assertIsNone(res["ttl"])
        tok = self.alice_tok(ttl=600)
        res = self.verify_ok("verify_access_token", {"token": tok},
                             {"type": "user", "id": self.w.alice.id})
        self.assertTtl(res["ttl"], 600)
        tok = self.confine(tok, [time_caveat(100), time_caveat(300)])
        res = self.verify_ok("verify_access_token", {"token": tok},
                             {"type": "user", "id": self.w.alice.id})
        self.assertTtl(res["ttl"], 100)
        self.verify_ok("verify_access_token", {"token": self.w.p.token},
                       {"type": "oneprovider", "id": self.w.p.id})

    def test_verify_access_token_failures(self):
        resp = self.post("verify_access_token", {"token": self.bob_identity})
        self.assertError(resp, 400, "notAnAccessToken", {"received": IDENTITY})
        resp = self.post("verify_access_token", {"token": self.invite})
        self.assertError(resp, 400, "notAnAccessToken")
        wrong = craft(ident("nmd", "usr-" + self.w.alice.id, "act", self.alice_named_id),
                      location=self.srv.domain)
        self.assertError(self.post("verify_access_token", {"token": wrong}), 400, "tokenInvalid",
                         None)
        revoked = self.srv.named_token("/user", self.w.alice.token, revoked=True)[1]
        self.assertError(self.post("verify_access_token", {"token": revoked}), 400,
                         "tokenRevoked", None)
        expired = self.alice_tok(ttl=-10)
        resp = self.post("verify_access_token", {"token": expired})
        self.assertError(resp, 400, "tokenCaveatUnverified")
        self.assertEqual(resp.json["error"]["details"]["caveat"]["type"], "time")

    def test_verify_unknown_caveat(self):
        tok = craft(ident("nmd", "usr-" + self.w.alice.id, "act", self.alice_named_id),
                    ["grant = everything"], location=self.srv.domain)
        resp = self.post("verify_access_token", {"token": tok})
        self.assertError(resp, 400, "tokenCaveatUnknown", {"caveat": "grant = everything"},
                         description="Unknown caveat - 'grant = everything'.")
        resp = self.srv.get("/user", token=tok)
        self.assertAuthError(resp, "tokenCaveatUnknown", {"caveat": "grant = everything"})

    def test_verify_legacy_scope_and_lazy_api_caveats(self):
        tok = self.confine(self.alice_named, [{"scope": "identityToken"}])
        self.unverified(self.post("verify_access_token", {"token": tok}),
                        {"scope": "identityToken"})
        tok = self.confine(self.alice_named, [{"type": "api", "whitelist": ["opw/all/*.*.*:*"]}])
        self.verify_ok("verify_access_token", {"token": tok},
                       {"type": "user", "id": self.w.alice.id})

    def test_verify_peer_ip(self):
        cav = {"type": "ip", "whitelist": ["10.0.0.0/8"]}
        tok = self.confine(self.alice_named, [cav])
        self.unverified(self.post("verify_access_token", {"token": tok}), cav)
        self.verify_ok("verify_access_token", {"token": tok, "peerIp": "10.1.2.3"},
                       {"type": "user", "id": self.w.alice.id})
        self.unverified(self.post("verify_access_token", {"token": tok, "peerIp": None}), cav)
        self.unverified(self.post("verify_access_token", {"token": tok, "peerIp": "11.1.2.3"}),
                        cav)
        tok = self.confine(self.alice_named, [{"type": "ip", "whitelist": ["127.0.0.1"]}])
        self.verify_ok("verify_access_token", {"token": tok},
                       {"type": "user", "id": self.w.alice.id})
        for bad in ("abc", 5, "::1", "1.2.3", "1.2.3.4/8", "256.1.1.1", {}, True):
            resp = self.post("verify_access_token", {"token": tok, "peerIp": bad})
            with self.subTest(peerIp=bad):
                self.assertError(resp, 400, "badValueIPv4Address", {"key": "peerIp"})

    def test_verify_interface(self):
        cav = {"type": "interface", "interface": "rest"}
        tok = self.confine(self.alice_named, [cav])
        self.unverified(self.post("verify_access_token", {"token": tok}), cav)
        self.verify_ok("verify_access_token", {"token": tok, "interface": "rest"},
                       {"type": "user", "id": self.w.alice.id})
        self.unverified(self.post("verify_access_token", {"token": tok, "interface": "graphsync"}),
                        cav)
        for bad in ("ftp", None, "REST"):
            resp = self.post("verify_access_token", {"token": tok, "interface": bad})
            with self.subTest(interface=bad):
                self.assertError(resp, 400, "badValueNotAllowed", {
                    "key": "interface", "allowed": ["rest", "oneclient", "graphsync"]},
                    description='Bad value: provided "interface" must be one of: rest, '
                                'oneclient, graphsync.')
        for bad in (5, {}, []):
            resp = self.post("verify_access_token", {"token": tok, "interface": bad})
            with self.subTest(interface=bad):
                self.assertError(resp, 400, "badValueString", {"key": "interface"})

    def test_verify_data_access_caveats(self):
        cav = {"type": "data.readonly"}
        tok = self.confine(self.alice_named, [cav])
        self.unverified(self.post("verify_access_token", {"token": tok}), cav)
        self.unverified(self.post("verify_access_token",
                                  {"token": tok, "allowDataAccessCaveats": False}), cav)
        self.verify_ok("verify_access_token", {"token": tok, "allowDataAccessCaveats": True},
                       {"type": "user", "id": self.w.alice.id})
        for bad in ("yes", 1, "true", None):
            resp = self.post("verify_access_token", {"token": tok, "allowDataAccessCaveats": bad})
            with self.subTest(value=bad):
                self.assertError(resp, 400, "badValueBoolean", {"key": "allowDataAccessCaveats"})

    def test_verify_service_token(self):
        cav = {"type": "service", "whitelist": ["opw-" + self.w.p.id]}
        tok = self.confine(self.alice_named, [cav])
        self.unverified(self.post("verify_access_token", {"token": tok}), cav)
        for st in (self.w.p.token, self.p_identity, "opw-" + self.w.p.token):
            self.verify_ok("verify_access_token", {"token": tok, "serviceToken": st},
                           {"type": "user", "id": self.w.alice.id})
        self.unverified(self.post("verify_access_token",
                                  {"token": tok, "serviceToken": self.w.p2.token}), cav)
        resp = self.post("verify_access_token", {"token": self.alice_named,
                                                 "serviceToken": self.w.p2.token})
        self.assertError(resp, 400, "tokenServiceForbidden",
                         {"service": {"type": "op_worker", "id": self.w.p2.id}})
        resp = self.post("verify_access_token", {"token": self.alice_named,
                                                 "serviceToken": "opp-" + self.w.p.token})
        self.assertError(resp, 400, "tokenServiceForbidden",
                         {"service": {"type": "op_panel", "id": self.w.p.id}})
        self.verify_ok("verify_access_token", {"token": self.w.dave.token,
                                               "serviceToken": "opp-" + self.w.p.token},
                       {"type": "user", "id": self.w.dave.id})

    def test_verify_service_token_errors(self):
        base = {"token": self.alice_named}
        self.assertError(self.post("verify_access_token", dict(base, serviceToken="")), 400,
                         "badValueEmpty", {"key": "serviceToken"})
        resp = self.post("verify_access_token", dict(base, serviceToken="garbage"))
        self.assertError(resp, 400, "badValueToken")
        self.assertEqual(resp.json["error"]["details"]["key"], "serviceToken")
        resp = self.post("verify_access_token", dict(base, serviceToken=self.w.bob.token))
        self.assertError(resp, 400, "badServiceToken")
        te = resp.json["error"]["details"]["tokenError"]
        self.assertEqual((te["id"], te["details"]), ("notAnIdentityToken", {"received": ACCESS}))
        resp = self.post("verify_access_token", dict(base, serviceToken=self.bob_identity))
        self.assertError(resp, 400, "badServiceToken")
        self.assertEqual(resp.json["error"]["details"]["tokenError"]["id"], "tokenInvalid")

    def test_verify_consumer(self):
        cav = {"type": "consumer", "whitelist": ["usr-" + self.w.bob.id]}
        tok = self.confine(self.alice_named, [cav])
        alice = {"type": "user", "id": self.w.alice.id}
        # default consumer: the caller
        self.unverified(self.post("verify_access_token", {"token": tok}), cav)
        self.verify_ok("verify_access_token", {"token": tok}, alice, token=self.w.bob.token)
        self.unverified(self.post("verify_access_token", {"token": tok},
                                  token=self.w.carol.token), cav)
        # explicit consumer token
        self.verify_ok("verify_access_token", {"token": tok, "consumerToken": self.bob_identity},
                       alice)
        self.unverified(self.post("verify_access_token",
                                  {"token": tok, "consumerToken": self.carol_identity},
                                  token=self.w.bob.token), cav)
        # null = no consumer, even if the caller would match
        self.unverified(self.post("verify_access_token", {"token": tok, "consumerToken": None},
                                  token=self.w.bob.token), cav)
        base = {"token": tok}
        self.assertError(self.post("verify_access_token", dict(base, consumerToken="")), 400,
                         "badValueEmpty", {"key": "consumerToken"})
        resp = self.post("verify_access_token", dict(base, consumerToken="garbage"))
        self.assertError(resp, 400, "badValueToken")
        self.assertEqual(resp.json["error"]["details"]["key"], "consumerToken")
        resp = self.post("verify_access_token", dict(base, consumerToken=self.w.bob.token))
        self.assertError(resp, 400, "badConsumerToken")
        self.assertEqual(resp.json["error"]["details"]["tokenError"]["id"], "notAnIdentityToken")

    def test_verify_access_token_optional_keys_in_sorted_order(self):
        tok = self.alice_named
        resp = self.post("verify_access_token", {"peerIp": "bad"})
        self.assertError(resp, 400, "missingRequiredValue", {"key": "token"})
        resp = self.post("verify_access_token", {"token": tok, "peerIp": "bad",
                                                 "interface": "ftp"})
        self.assertError(resp, 400, "badValueNotAllowed")
        resp = self.post("verify_access_token", {"token": tok, "allowDataAccessCaveats": 1,
                                                 "consumerToken": ""})
        self.assertError(resp, 400, "badValueBoolean", {"key": "allowDataAccessCaveats"})
        resp = self.post("verify_access_token", {"token": tok, "consumerToken": "",
                                                 "interface": "ftp"})
        self.assertError(resp, 400, "badValueEmpty", {"key": "consumerToken"})
        resp = self.post("verify_access_token", {"token": tok, "peerIp": "x",
                                                 "serviceToken": ""})
        self.assertError(resp, 400, "badValueIPv4Address", {"key": "peerIp"})

    # ---------------------------------------------------------------- verify_identity_token
    def test_verify_identity_token(self):
        res = self.verify_ok("verify_identity_token", {"token": self.bob_identity},
                             {"type": "user", "id": self.w.bob.id})
        self.assertIsNone(res["ttl"])
        self.verify_ok("verify_identity_token", {"token": self.p_identity},
                       {"type": "oneprovider", "id": self.w.p.id})
        # a provider's plain access token is accepted (legacy)
        self.verify_ok("verify_identity_token", {"token": self.w.p.token},
                       {"type": "oneprovider", "id": self.w.p.id})
        # serviceToken / allowDataAccessCaveats are not fields of this route
        self.verify_ok("verify_identity_token", {"token": self.bob_identity,
                                                 "serviceToken": "garbage",
                                                 "allowDataAccessCaveats": "x"},
                       {"type": "user", "id": self.w.bob.id})

    def test_verify_identity_token_session_bound_and_temporary_provider_tokens(self):
        # session-bound access tokens are rejected before any verification
        tok = craft(ident("nmd", "usr-" + self.w.alice.id, "act:sess-1"), location=self.srv.domain)
        resp = self.post("verify_identity_token", {"token": tok})
        self.assertError(resp, 400, "notAnIdentityToken",
                         {"received": {"accessToken": {"sessionId": "sess-1"}}},
                         description='Expected an identity token, but received a(n) access token '
                                     'for session "sess-1".')
        resp = self.post("verify_identity_token", {"token": V1})
        self.assertError(resp, 400, "notAnIdentityToken",
                         {"received": {"accessToken": {"sessionId": "sessId"}}})
        ptemp = self.srv.temp_token("/provider", self.w.p.token, ttl=300)
        res = self.verify_ok("verify_identity_token", {"token": ptemp},
                             {"type": "oneprovider", "id": self.w.p.id})
        self.assertTtl(res["ttl"], 300)

    def test_verify_identity_token_rejects_other_types(self):
        resp = self.post("verify_identity_token", {"token": self.alice_named})
        self.assertError(resp, 400, "notAnIdentityToken", {"received": ACCESS},
                         description="Expected an identity token, but received a(n) access "
                                     "token.")
        resp = self.post("verify_identity_token", {"token": self.invite})
        received = {"inviteToken": {"inviteType": "userJoinSpace", "spaceId": self.w.space,
                                    "parameters": {}}}
        self.assertError(resp, 400, "notAnIdentityToken", {"received": received})
        # a plain access token is fully verified first
        revoked = self.srv.named_token("/user", self.w.alice.token, revoked=True)[1]
        self.assertError(self.post("verify_identity_token", {"token": revoked}), 400,
                         "tokenRevoked", None)

    def test_verify_identity_token_caveats(self):
        cav = {"type": "interface", "interface": "rest"}
        tok = self.confine(self.bob_identity, [cav])
        self.unverified(self.post("verify_identity_token", {"token": tok}), cav)
        self.verify_ok("verify_identity_token", {"token": tok, "interface": "rest"},
                       {"type": "user", "id": self.w.bob.id})
        for cav in ({"type": "data.readonly"}, {"type": "api", "whitelist": ["all/all/*.*.*:*"]},
                    {"type": "service", "whitelist": ["ozw-onezone"]}):
            tok = self.confine(self.bob_identity, [cav])
            with self.subTest(caveat=cav):
                self.unverified(self.post("verify_identity_token", {"token": tok}), cav)
        # a provider access token is verified with identity rules: service caveats unverified
        cav = {"type": "service", "whitelist": ["ozw-onezone"]}
        tok = self.confine(self.w.p.token, [cav])
        self.unverified(self.post("verify_identity_token", {"token": tok}), cav)
        # ... and the legacy scope caveat is honoured
        tok = self.confine(self.w.p.token, [{"scope": "identityToken"}])
        self.verify_ok("verify_identity_token", {"token": tok},
                       {"type": "oneprovider", "id": self.w.p.id})
        cav = {"type": "ip", "whitelist": ["10.0.0.0/8"]}
        tok = self.confine(self.bob_identity, [cav])
        self.unverified(self.post("verify_identity_token", {"token": tok}), cav)
        self.verify_ok("verify_identity_token", {"token": tok, "peerIp": "10.0.0.1"},
                       {"type": "user", "id": self.w.bob.id})
        cav = {"type": "consumer", "whitelist": ["usr-" + self.w.carol.id]}
        tok = self.confine(self.bob_identity, [cav])
        self.unverified(self.post("verify_identity_token", {"token": tok}), cav)
        self.verify_ok("verify_identity_token", {"token": tok,
                                                 "consumerToken": self.carol_identity},
                       {"type": "user", "id": self.w.bob.id})

    # ---------------------------------------------------------------- verify_invite_token
    def test_verify_invite_token(self):
        alice = {"type": "user", "id": self.w.alice.id}
        res = self.verify_ok("verify_invite_token", {"token": self.invite}, alice)
        self.assertIsNone(res["ttl"])
        self.verify_ok("verify_invite_token", {"token": self.invite,
                                               "expectedInviteType": "userJoinSpace"}, alice)
        # the usage limit is not checked by verification
        self.verify_ok("verify_invite_token", {"token": self.invite}, alice)

    def test_verify_invite_token_type_mismatch(self):
        received = {"inviteToken": {"inviteType": "userJoinSpace", "spaceId": self.w.space,
                                    "parameters": {}}}
        resp = self.post("verify_invite_token", {"token": self.invite,
                                                 "expectedInviteType": "groupJoinSpace"})
        self.assertError(resp, 400, "notAnInviteToken",
                         {"expectedInviteType": "groupJoinSpace", "received": received},
                         description="Expected an invitation token of type 'group_join_space', "
                                     "but received a(n) invite token for a user to join space "
                                     "\"%s\"." % self.w.space)
        resp = self.post("verify_invite_token", {"token": self.invite,
                                                 "expectedInviteType": "userJoinAtmInventory"})
        self.assertError(resp, 400, "notAnInviteToken",
                         {"expectedInviteType": "userJoinAtmInventory", "received": received})
        self.assertIn("'user_join_atm_inventory'", resp.json["error"]["description"])
        resp = self.post("verify_invite_token", {"token": self.alice_named})
        self.assertError(resp, 400, "notAnInviteToken",
                         {"expectedInviteType": "any", "received": ACCESS},
                         description="Expected an invitation token of type 'any', but received "
                                     "a(n) access token.")
        resp = self.post("verify_invite_token", {"token": self.bob_identity,
                                                 "expectedInviteType": "userJoinSpace"})
        self.assertError(resp, 400, "notAnInviteToken",
                         {"expectedInviteType": "userJoinSpace", "received": IDENTITY})

    def test_verify_invite_token_bad_expected_type(self):
        for bad in ("foo", 5, "UserJoinSpace", {}, "user_join_space"):
            resp = self.post("verify_invite_token", {"token": self.invite,
                                                     "expectedInviteType": bad})
            with self.subTest(expected=bad):
                self.assertError(resp, 400, "badValueInviteType", {"key": "expectedInviteType"})

    def test_verify_invite_token_failures_and_caveats(self):
        tid, tok = self.srv.named_token(
            "/user", self.w.alice.token,
            type={"inviteToken": {"inviteType": "userJoinGroup", "groupId": self.w.group}})
        self.srv.patch("/tokens/named/" + tid, body={"revoked": True}, token=self.w.alice.token)
        self.assertError(self.post("verify_invite_token", {"token": tok}), 400, "tokenRevoked",
                         None)
        # interface caveats are not supported by invite tokens
        cav = {"type": "interface", "interface": "rest"}
        tok = self.confine(self.invite, [cav])
        self.unverified(self.post("verify_invite_token", {"token": tok}), cav)
        cav = {"type": "consumer", "whitelist": ["usr-" + self.w.bob.id]}
        tok = self.confine(self.invite, [cav])
        self.unverified(self.post("verify_invite_token", {"token": tok}), cav)
        self.verify_ok("verify_invite_token", {"token": tok, "consumerToken": self.bob_identity},
                       {"type": "user", "id": self.w.alice.id})
        self.verify_ok("verify_invite_token", {"token": tok}, {"type": "user",
                                                               "id": self.w.alice.id},
                       token=self.w.bob.token)
        tok = self.confine(self.invite, [time_caveat(100)])
        res = self.verify_ok("verify_invite_token", {"token": tok},
                             {"type": "user", "id": self.w.alice.id})
        self.assertTtl(res["ttl"], 100)

    # ---------------------------------------------------------------- infer_access_token_scope
    def infer(self, body, **kw):
        resp = self.post("infer_access_token_scope", body, **kw)
        self.assertStatus(resp, 200)
        self.assertSchema("InferAccessTokenScopeResponse", resp.json)
        self.assertEqual(set(resp.json.keys()), {"validUntil", "dataAccessScope"})
        return resp.json

    def test_infer_user_token(self):
        until = now() + 900
        tok = self.confine(self.alice_named, [{"type": "time", "validUntil": until}])
        res = self.infer({"token": tok})
        self.assertEqual(res["validUntil"], until)
        scope = res["dataAccessScope"]
        self.assertEqual(set(scope.keys()), {"readonly", "spaces", "providers"})
        self.assertIs(scope["readonly"], False)
        self.assertEqual(scope["spaces"], {self.w.space: {
            "name": "space-a", "supports": {self.w.p.id: {"readonly": False}}}})
        self.assertEqual(list(scope["providers"].keys()), [self.w.p.id])
        info = scope["providers"][self.w.p.id]
        self.assertEqual(set(info.keys()), {"name", "domain", "version", "online"})
        self.assertEqual(info["name"], "provider-p")
        self.assertIsNone(self.infer({"token": self.alice_named})["validUntil"])

    def test_infer_user_without_spaces_and_provider(self):
        res = self.infer({"token": self.w.bob.token})
        self.assertEqual(res["dataAccessScope"], {"readonly": False, "spaces": {},
                                                  "providers": {}})
        res = self.infer({"token": self.w.p.token})
        self.assertIsNone(res["dataAccessScope"])

    def test_infer_narrowing(self):
        sp = self.w.space
        tok = self.confine(self.alice_named, [{"type": "data.readonly"}])
        self.assertIs(self.infer({"token": tok})["dataAccessScope"]["readonly"], True)
        path = base64.b64encode(("/%s/dir" % sp).encode()).decode()
        tok = self.confine(self.alice_named, [{"type": "data.path", "whitelist": [path]}])
        self.assertEqual(list(self.infer({"token": tok})["dataAccessScope"]["spaces"]), [sp])
        other = base64.b64encode(b"/other-space/dir").decode()
        tok = self.confine(self.alice_named, [{"type": "data.path", "whitelist": [other]}])
        scope = self.infer({"token": tok})["dataAccessScope"]
        self.assertEqual((scope["spaces"], scope["providers"]), ({}, {}))
        for wl in (["ozw-onezone"], ["opp-*"], ["ozw-*", "ozp-*"]):
            tok = self.confine(self.alice_named, [{"type": "service", "whitelist": wl}])
            scope = self.infer({"token": tok})["dataAccessScope"]
            with self.subTest(whitelist=wl):
                # a service caveat without opw entries leaves no providers
                self.assertEqual(scope["providers"], {})

    def test_infer_service_caveats_select_providers(self):
        srv = self.srv
        v = srv.logged_user()
        pa, pb = srv.provider(admin_user=v), srv.provider(admin_user=v)
        s1 = srv.admin("space", "create", "infer-s1", "--owner", v.id)
        s2 = srv.admin("space", "create", "infer-s2", "--owner", v.id)
        srv.admin("space", "support", s1, pa.id)
        srv.admin("space", "support", s2, pb.id)
        srv.admin("space", "support", s2, pa.id)
        tid, tok = srv.named_token("/user", v.token)
        scope = self.infer({"token": tok})["dataAccessScope"]
        self.assertEqual(set(scope["spaces"]), {s1, s2})
        self.assertEqual(set(scope["spaces"][s2]["supports"]), {pa.id, pb.id})
        self.assertEqual(set(scope["providers"]), {pa.id, pb.id})
        for wl, expected in ((["opw-*"], {pa.id, pb.id}), (["opw-" + pb.id], {pb.id}),
                             (["opw-" + pa.id, "ozw-onezone"], {pa.id})):
            ctok = self.confine(tok, [{"type": "service", "whitelist": wl}])
            scope = self.infer({"token": ctok})["dataAccessScope"]
            with self.subTest(whitelist=wl):
                self.assertEqual(set(scope["providers"]), expected)
        # every service caveat narrows
        ctok = self.confine(tok, [{"type": "service", "whitelist": ["opw-*"]},
                                  {"type": "service", "whitelist": ["opw-" + pa.id]}])
        self.assertEqual(set(self.infer({"token": ctok})["dataAccessScope"]["providers"]),
                         {pa.id})

    def test_infer_ignores_service_and_interface_caveats(self):
        tok = self.confine(self.alice_named, [{"type": "interface", "interface": "oneclient"},
                                              {"type": "service", "whitelist": ["opw-*"]}])
        self.infer({"token": tok})

    def test_infer_failures(self):
        resp = self.post("infer_access_token_scope", {"token": self.bob_identity})
        self.assertError(resp, 400, "notAnAccessToken", {"received": IDENTITY})
        revoked = self.srv.named_token("/user", self.w.alice.token, revoked=True)[1]
        self.assertError(self.post("infer_access_token_scope", {"token": revoked}), 400,
                         "tokenRevoked", None)
        cav = {"type": "ip", "whitelist": ["10.0.0.0/8"]}
        tok = self.confine(self.alice_named, [cav])
        self.unverified(self.post("infer_access_token_scope", {"token": tok}), cav)
        # no peerIp override on this route
        self.unverified(self.post("infer_access_token_scope", {"token": tok,
                                                               "peerIp": "10.0.0.1"}), cav)

    def test_infer_consumer(self):
        own = {"type": "consumer", "whitelist": ["usr-" + self.w.alice.id]}
        tok = self.confine(self.alice_named, [own])
        # absent consumerToken: the token's own subject is the consumer
        self.infer({"token": tok})
        self.unverified(self.post("infer_access_token_scope", {"token": tok,
                                                               "consumerToken": None}), own)
        cav = {"type": "consumer", "whitelist": ["usr-" + self.w.bob.id]}
        tok = self.confine(self.alice_named, [cav])
        self.unverified(self.post("infer_access_token_scope", {"token": tok}), cav)
        self.infer({"token": tok, "consumerToken": self.bob_identity})
        resp = self.post("infer_access_token_scope", {"token": tok, "consumerToken": "garbage"})
        self.assertError(resp, 400, "badValueToken")
        resp = self.post("infer_access_token_scope", {"token": tok,
                                                      "consumerToken": self.w.bob.token})
        self.assertError(resp, 400, "badConsumerToken")


class UtilitiesWithoutGeoIp(ServerTestCase):
    """Without GeoIP databases every lookup fails, so geo caveats are never satisfied."""

    @classmethod
    def setUpWorld(cls):
        cls.u = cls.srv.logged_user()
        cls.tid, cls.tok = cls.srv.named_token("/user", cls.u.token)

    def test_geo_caveats_fail_without_databases(self):
        for cav in ({"type": "asn", "whitelist": [15169]},
                    {"type": "geo.country", "filter": "blacklist", "list": ["PL"]},
                    {"type": "geo.region", "filter": "blacklist", "list": ["Asia"]}):
            tok = self.srv.post("/tokens/confine", body={"token": self.tok, "caveats": [cav]})
            tok = tok.json["token"]
            with self.subTest(caveat=cav):
                resp = self.srv.post("/tokens/verify_access_token",
                                     body={"token": tok, "peerIp": "1.0.0.1"})
                self.assertError(resp, 400, "tokenCaveatUnverified", {"caveat": cav})
