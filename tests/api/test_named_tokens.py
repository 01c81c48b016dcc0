"""Named tokens (rest-api.md §5.1, 5.3–5.5, 5.7–5.9): create, body validation and its order,
name rule, invite types with targets, issuing rights, privileges and usage limits, get by id and
by name, list, update, delete."""
import urllib.parse

from harness import ServerTestCase, World, now, time_caveat

ACCESS = {"accessToken": {}}
IDENTITY = {"identityToken": {}}


def invite(itype, key, target):
    return {"inviteToken": {"inviteType": itype, key: target}}


def invite_out(itype, key, target):
    return {"inviteToken": {"inviteType": itype, key: target, "parameters": {}}}


class NamedTokens(ServerTestCase):
    @classmethod
    def setUpWorld(cls):
        cls.w = World(cls.srv)

    def create(self, body, owner="/user", token=None):
        return self.srv.post(owner + "/tokens/named", body=body,
                             token=token or self.w.alice.token)

    def get(self, tid, token=None):
        resp = self.srv.get("/tokens/named/" + tid, token=token or self.w.alice.token)
        self.assertStatus(resp, 200)
        return resp.json

    # ---------------------------------------------------------------- create + get
    def test_create_and_get(self):
        t0 = now()
        resp = self.create({"name": "first token"})
        self.assertStatus(resp, 201)
        self.assertEqual(set(resp.json.keys()), {"tokenId", "token"})
        self.assertSchema("NamedTokenCreateResponse", resp.json)
        tid, tok = resp.json["tokenId"], resp.json["token"]
        self.assertEqual(resp.headers.get("Location"),
                         "https://%s/api/v3/onezone/tokens/named/%s" % (self.srv.domain, tid))
        got = self.get(tid)
        self.assertSchema("NamedToken", got)
        self.assertEqual(set(got.keys()), {"id", "name", "subject", "type", "caveats",
                                           "metadata", "revoked", "token"})
        self.assertEqual(got["id"], tid)
        self.assertEqual(got["name"], "first token")
        self.assertEqual(got["subject"], {"type": "user", "id": self.w.alice.id})
        self.assertEqual(got["type"], ACCESS)
        self.assertEqual(got["caveats"], [])
        self.assertEqual(set(got["metadata"].keys()), {"creationTime", "custom"})
        self.assertEqual(got["metadata"]["custom"], {})
        self.assertTrue(t0 - 2 <= got["metadata"]["creationTime"] <= now() + 2)
        self.assertIs(got["revoked"], False)
        self.assertEqual(got["token"], tok)
        ex = self.srv.examine(tok)
        self.assertEqual(ex["id"], tid)
        self.assertEqual(ex["persistence"], "named")
        self.assertEqual(ex["onezoneDomain"], self.srv.domain)
        self.assertEqual(ex["subject"], {"type": "user", "id": self.w.alice.id})

    def test_create_for_user_by_id(self):
        resp = self.create({"name": "by-id"}, owner="/users/" + self.w.alice.id)
        self.assertStatus(resp, 201)
        got = self.get(resp.json["tokenId"])
        self.assertEqual(got["subject"], {"type": "user", "id": self.w.alice.id})

    def test_create_for_provider(self):
        for owner in ("/provider", "/providers/" + self.w.p.id):
            resp = self.create({"name": self.srv.unique("prov")}, owner=owner,
                               token=self.w.p.token)
            with self.subTest(owner=owner):
                self.assertStatus(resp, 201)
                got = self.get(resp.json["tokenId"], token=self.w.p.token)
                self.assertEqual(got["subject"], {"type": "oneprovider", "id": self.w.p.id})

    def test_create_with_every_field(self):
        until = now() + 3600
        resp = self.create({"name": "full", "caveats": [
            {"type": "time", "validUntil": until}, {"type": "ip", "whitelist": ["1.2.3.4"]}],
            "customMetadata": {"job": "x", "n": [1, 2]}, "revoked": True})
        self.assertStatus(resp, 201)
        got = self.get(resp.json["tokenId"])
        self.assertEqual(got["caveats"], [{"type": "time", "validUntil": until},
                                          {"type": "ip", "whitelist": ["1.2.3.4/32"]}])
        self.assertEqual(got["metadata"]["custom"], {"job": "x", "n": [1, 2]})
        self.assertIs(got["revoked"], True)
        self.assertAuthError(self.srv.get("/user", token=resp.json["token"]), "tokenRevoked")

    def test_unknown_and_inapplicable_keys_are_ignored(self):
        resp = self.create({"name": "ignored", "usageLimit": "bogus", "privileges": 5,
                            "foo": {"bar": 1}})
        self.assertStatus(resp, 201)
        got = self.get(resp.json["tokenId"])
        self.assertEqual(set(got["metadata"].keys()), {"creationTime", "custom"})

    def test_identity_token(self):
        resp = self.create({"name": "idn", "type": {"identityToken": "anything"}})
        self.assertStatus(resp, 201)
        self.assertEqual(self.get(resp.json["tokenId"])["type"], IDENTITY)

    def test_extra_keys_next_to_a_type_are_ignored(self):
        resp = self.create({"name": "extra-type", "type": {"accessToken": {}, "foo": 1}})
        self.assertStatus(resp, 201)
        self.assertEqual(self.get(resp.json["tokenId"])["type"], ACCESS)

    def test_get_by_name(self):
        for name in ("plain", "with space (1)", "żółw_token", "dots.and-dashes"):
            resp = self.create({"name": name})
            self.assertStatus(resp, 201)
            quoted = urllib.parse.quote(name, safe="")
            for prefix in ("/user", "/users/" + self.w.alice.id):
                got = self.srv.get("%s/tokens/named/name/%s" % (prefix, quoted),
                                   token=self.w.alice.token)
                with self.subTest(name=name, prefix=prefix):
                    self.assertStatus(got, 200)
                    self.assertEqual(got.json["id"], resp.json["tokenId"])
                    self.assertEqual(got.json["name"], name)
                    self.assertEqual(got.json["token"], resp.json["token"])
                    self.assertSchema("NamedToken", got.json)
        self.assertNotFound(self.srv.get("/user/tokens/named/name/no-such-name",
                                         token=self.w.alice.token))

    def test_list_is_per_subject_and_ordered_by_name(self):
        u = self.srv.logged_user()
        ids = {}
        for name in ("bb", "aa", "cc"):
            ids[name], _ = self.srv.named_token("/user", u.token, name=name)
        self.srv.temp_token("/user", u.token)
        for path in ("/user/tokens/named", "/users/%s/tokens/named" % u.id):
            resp = self.srv.get(path, token=u.token)
            self.assertStatus(resp, 200)
            self.assertSchema("Tokens", resp.json)
            # ordered by token name (code-derived, §4.2)
            self.assertEqual(resp.json, {"tokens": [ids["aa"], ids["bb"], ids["cc"]]})

    def test_provider_root_token(self):
        resp = self.srv.get("/provider/tokens/named/name/" + urllib.parse.quote("root token"),
                            token=self.w.p.token)
        self.assertStatus(resp, 200)
        root = resp.json
        self.assertEqual(root["name"], "root token")
        self.assertEqual(root["token"], self.w.p.token)
        self.assertEqual(root["type"], ACCESS)
        self.assertEqual(root["subject"], {"type": "oneprovider", "id": self.w.p.id})
        lst = self.srv.get("/provider/tokens/named", token=self.w.p.token)
        self.assertStatus(lst, 200)
        self.assertIn(root["id"], lst.json["tokens"])

    def test_list_all_named_tokens_as_admin(self):
        mine, _ = self.srv.named_token("/user", self.w.bob.token)
        resp = self.srv.get("/tokens/named", token=self.w.admin.token)
        self.assertStatus(resp, 200)
        self.assertSchema("Tokens", resp.json)
        root = self.srv.get("/provider/tokens/named", token=self.w.p.token).json["tokens"]
        self.assertIn(mine, resp.json["tokens"])
        for tid in root:
            self.assertIn(tid, resp.json["tokens"])
        # users' tokens first, then providers'
        self.assertLess(resp.json["tokens"].index(mine), resp.json["tokens"].index(root[0]))

    # ---------------------------------------------------------------- names
    def test_valid_names(self):
        for name in ("ab", "a b", "a.b-c_d", "(x)", "_x_", "ż1", "x" * 128, "Token (v2.0) - copy",
                     "12"):
            resp = self.create({"name": name})
            with self.subTest(name=name):
                self.assertStatus(resp, 201)
                self.assertEqual(self.get(resp.json["tokenId"])["name"], name)

    def test_invalid_names(self):
        for name in ("", "a", "-asd", "/asd", ":asd", "asd★", "asd-", ".asd", "asd ", " asd",
                     "x" * 129, None, "a/b", "a\nb"):
            resp = self.create({"name": name})
            with self.subTest(name=name):
                self.assertError(resp, 400, "badValueName", None)

    def test_name_must_be_a_string(self):
        for name in (5, {}, [], 1.5):
            resp = self.create({"name": name})
            with self.subTest(name=name):
                self.assertError(resp, 400, "badValueString", {"key": "name"})

    def test_boolean_name_is_coerced(self):
        u = self.srv.logged_user()
        resp = self.create({"name": True}, token=u.token)
        self.assertStatus(resp, 201)
        self.assertEqual(self.get(resp.json["tokenId"], token=u.token)["name"], "true")

    def test_missing_name(self):
        self.assertError(self.create({}), 400, "missingRequiredValue", {"key": "name"})
        self.assertError(self.create({"caveats": []}), 400, "missingRequiredValue",
                         {"key": "name"})

    def test_duplicate_name(self):
        self.assertStatus(self.create({"name": "dup"}), 201)
        self.assertError(self.create({"name": "dup"}), 400, "badValueIdentifierOccupied",
                         {"key": "name"})
        # names are unique per subject only
        self.assertStatus(self.create({"name": "dup"}, token=self.w.bob.token), 201)
        self.assertStatus(self.create({"name": "dup"}, owner="/provider", token=self.w.p.token),
                          201)

    # ---------------------------------------------------------------- body validation
    def test_bad_custom_metadata(self):
        for value in ("x", [], 5, True):
            resp = self.create({"name": "cm", "customMetadata": value})
            with self.subTest(value=value):
                self.assertError(resp, 400, "badValueJSON", {"key": "customMetadata"})

    def test_bad_revoked(self):
        for value in ("true", 1, {}, "yes"):
            resp = self.create({"name": "rv", "revoked": value})
            with self.subTest(value=value):
                self.assertError(resp, 400, "badValueBoolean", {"key": "revoked"})

    def test_caveats_not_a_list(self):
        for value in ({}, "x", 1, None, {"type": "time", "validUntil": 5}):
            resp = self.create({"name": "cv", "caveats": value})
            with self.subTest(value=value):
                self.assertError(resp, 400, "badData", {"key": "caveats"})

    def test_invalid_caveat_elements(self):
        for cav in INVALID_CAVEATS:
            resp = self.create({"name": "cv", "caveats": [time_caveat(60), cav]})
            with self.subTest(caveat=cav):
                self.assertError(resp, 400, "badValueCaveat", {"caveat": cav})

    def test_invalid_caveat_scalars_are_printed(self):
        for cav, printed in ((1, "1"), (None, "null"), (True, "true"),
                             ("time < 123", "time < 123")):
            resp = self.create({"name": "cv", "caveats": [cav]})
            with self.subTest(caveat=cav):
                self.assertError(resp, 400, "badValueCaveat", {"caveat": printed},
                                 description="Provided caveat is invalid: '\"%s\"'." % printed)

    def test_caveat_normalisation(self):
        until = now() + 100
        cavs = [{"type": "time", "validUntil": until, "extra": 1},
                {"type": "ip", "whitelist": ["1.2.3.4", "10.0.0.0/8"]},
                {"type": "api", "whitelist": ["ozw/all/user.*.*"]},
                {"type": "geo.country", "filter": "blacklist", "list": ["pl"]},
                {"scope": "identityToken"}]
        resp = self.create({"name": "norm", "caveats": cavs})
        self.assertStatus(resp, 201)
        got = self.get(resp.json["tokenId"])
        self.assertEqual(got["caveats"], [
            {"type": "time", "validUntil": until},
            {"type": "ip", "whitelist": ["1.2.3.4/32", "10.0.0.0/8"]},
            {"type": "api", "whitelist": ["ozw/all/user.*.*:private"]},
            {"type": "geo.country", "filter": "blacklist", "list": ["pl"]},
            {"scope": "identityToken"}])
        self.assertSchema("NamedToken", got)

    def test_every_valid_caveat_kind(self):
        resp = self.create({"name": "all-kinds", "caveats": VALID_CAVEATS})
        self.assertStatus(resp, 201)
        got = self.get(resp.json["tokenId"])
        self.assertEqual(got["caveats"], VALID_CAVEATS)
        self.assertSchema("NamedToken", got)

    def test_bad_types(self):
        for t in BAD_TYPES:
            resp = self.create({"name": "bt", "type": t})
            with self.subTest(type=t):
                self.assertError(resp, 400, "badValueTokenType", {"key": "type"})

    def test_session_bound_type_needs_a_session(self):
        t = {"accessToken": {"sessionId": "no-such-session"}}
        self.assertError(self.create({"name": "sess", "type": t}), 400, "tokenSessionInvalid",
                         None)
        self.assertError(self.create({"name": "sess", "type": t}, owner="/provider",
                                     token=self.w.p.token), 400, "tokenSessionInvalid", None)

    def test_service_caveat_checks_at_creation(self):
        ok = ["ozw-onezone", "ozw-*", "opw-" + self.w.p.id, "opw-*", "opp-*", "ozp-*"]
        resp = self.create({"name": "svc-ok", "caveats": [{"type": "service", "whitelist": ok}]})
        self.assertStatus(resp, 201)
        resp = self.create({"name": "svc", "caveats": [
            {"type": "service", "whitelist": ["opw-" + self.w.p2.id]}]})
        self.assertError(resp, 400, "tokenServiceForbidden",
                         {"service": {"type": "op_worker", "id": self.w.p2.id}})
        resp = self.create({"name": "svc", "caveats": [
            {"type": "service", "whitelist": ["opp-" + self.w.p.id]}]})
        self.assertError(resp, 400, "tokenServiceForbidden",
                         {"service": {"type": "op_panel", "id": self.w.p.id}})
        resp = self.create({"name": "svc", "caveats": [
            {"type": "service", "whitelist": ["opp-" + self.w.p.id]}]}, token=self.w.dave.token)
        self.assertStatus(resp, 201)
        resp = self.create({"name": "svc", "caveats": [
            {"type": "service", "whitelist": ["opp-" + self.w.p.id]}]}, token=self.w.carol.token)
        self.assertStatus(resp, 201)   # a plain cluster member may name the provider's panel
        resp = self.create({"name": "svc", "caveats": [
            {"type": "service", "whitelist": ["ozp-onezone"]}]})
        self.assertError(resp, 400, "tokenServiceForbidden",
                         {"service": {"type": "oz_panel", "id": "onezone"}})
        zm = self.srv.logged_user()
        self.srv.admin("cluster", "add-user", "onezone", zm.id)
        resp = self.create({"name": "svc", "caveats": [
            {"type": "service", "whitelist": ["ozp-onezone"]}]}, token=zm.token)
        self.assertStatus(resp, 201)
        # providers may name nothing but ozw services
        resp = self.create({"name": "svc", "caveats": [
            {"type": "service", "whitelist": ["opw-*"]}]}, owner="/provider",
            token=self.w.p.token)
        self.assertError(resp, 400, "tokenServiceForbidden",
                         {"service": {"type": "op_worker", "id": "*"}})
        resp = self.create({"name": "svc-ozw", "caveats": [
            {"type": "service", "whitelist": ["ozw-*"]}]}, owner="/provider",
            token=self.w.p.token)
        self.assertStatus(resp, 201)

    def test_service_checks_do_not_apply_to_identity_tokens(self):
        resp = self.create({"name": "svc-idn", "type": IDENTITY, "caveats": [
            {"type": "service", "whitelist": ["opw-" + self.w.p2.id]}]})
        self.assertStatus(resp, 201)

    # ---------------------------------------------------------------- validation order
    def test_order_bad_type_object_before_missing_name(self):
        resp = self.create({"type": {"bad": {}}})
        self.assertError(resp, 400, "badValueTokenType", {"key": "type"})
        # a non-object type is checked in its turn, after the name
        resp = self.create({"type": "accessToken"})
        self.assertError(resp, 400, "missingRequiredValue", {"key": "name"})

    def test_order_name_before_optional_keys(self):
        resp = self.create({"name": "a", "caveats": 5, "revoked": 5})
        self.assertError(resp, 400, "badValueName", None)

    def test_order_optional_keys_sorted(self):
        body = {"name": "order", "caveats": 5, "customMetadata": 5, "revoked": 5,
                "type": "accessToken"}
        self.assertError(self.create(body), 400, "badData", {"key": "caveats"})
        body["caveats"] = []
        self.assertError(self.create(body), 400, "badValueJSON", {"key": "customMetadata"})
        body["customMetadata"] = {}
        self.assertError(self.create(body), 400, "badValueBoolean", {"key": "revoked"})
        body["revoked"] = False
        self.assertError(self.create(body), 400, "badValueTokenType", {"key": "type"})

    def test_order_privileges_before_revoked_and_type_before_usage_limit(self):
        t = invite("userJoinSpace", "spaceId", self.w.space)
        resp = self.create({"name": "oo", "type": t, "privileges": 5, "revoked": 5})
        self.assertError(resp, 400, "badValueListOfStrings", {"key": "privileges"})
        resp = self.create({"name": "oo", "type": invite("userJoinSpace", "spaceId", "nospace"),
                            "usageLimit": 0})
        self.assertError(resp, 400, "inviteTokenTargetIdInvalid", {"id": "nospace"})

    def test_order_caveat_errors_before_service_checks_and_name_uniqueness(self):
        self.assertStatus(self.create({"name": "taken"}), 201)
        resp = self.create({"name": "taken", "caveats": [
            {"type": "service", "whitelist": ["opw-" + self.w.p2.id]}]})
        self.assertError(resp, 400, "tokenServiceForbidden")
        resp = self.create({"name": "taken", "caveats": [{"type": "bogus"}]})
        self.assertError(resp, 400, "badValueCaveat", {"caveat": {"type": "bogus"}})

    # ---------------------------------------------------------------- invite tokens
    def test_invite_token_defaults(self):
        t = invite("userJoinSpace", "spaceId", self.w.space)
        resp = self.create({"name": "inv-default", "type": t})
        self.assertStatus(resp, 201)
        got = self.get(resp.json["tokenId"])
        self.assertSchema("NamedToken", got)
        self.assertEqual(got["type"], invite_out("userJoinSpace", "spaceId", self.w.space))
        md = got["metadata"]
        self.assertEqual(set(md.keys()),
                         {"creationTime", "custom", "usageLimit", "usageCount", "privileges"})
        self.assertEqual(md["usageLimit"], "infinity")
        self.assertEqual(md["usageCount"], 0)
        self.assertIsInstance(md["privileges"], list)
        self.assertTrue(md["privileges"], "default privileges are not empty")
        self.assertEqual(md["privileges"], sorted(set(md["privileges"])))
        self.assertTrue(all(p.startswith("space_") for p in md["privileges"]))

    def test_invite_token_privileges_and_usage_limit(self):
        t = invite("userJoinSpace", "spaceId", self.w.space)
        resp = self.create({"name": "inv-priv", "type": t, "usageLimit": 3,
                            "privileges": ["space_view", "space_read_data", "space_view"]})
        self.assertStatus(resp, 201)
        md = self.get(resp.json["tokenId"])["metadata"]
        self.assertEqual(md["privileges"], ["space_read_data", "space_view"])
        self.assertEqual(md["usageLimit"], 3)
        for i, (limit, stored) in enumerate((("5", 5), ("infinity", "infinity"), (1, 1))):
            resp = self.create({"name": "inv-ul-%d" % i, "type": t, "usageLimit": limit})
            with self.subTest(limit=limit):
                self.assertStatus(resp, 201)
                self.assertEqual(self.get(resp.json["tokenId"])["metadata"]["usageLimit"],
                                 stored)

    def test_invite_token_bad_usage_limit(self):
        t = invite("userJoinSpace", "spaceId", self.w.space)
        for limit in (0, -1, "0"):
            resp = self.create({"name": "ul", "type": t, "usageLimit": limit})
            with self.subTest(limit=limit):
                self.assertError(resp, 400, "badValueTooLow", {"key": "usageLimit", "limit": 1})
        for limit in ("abc", 1.5, [], {}, "infinite"):
            resp = self.create({"name": "ul", "type": t, "usageLimit": limit})
            with self.subTest(limit=limit):
                self.assertError(resp, 400, "badValueInteger", {"key": "usageLimit"})

    def test_invite_token_bad_privileges(self):
        t = invite("userJoinSpace", "spaceId", self.w.space)
        for privs in ("space_view", [1], {"a": 1}, ["space_view", None]):
            resp = self.create({"name": "pr", "type": t, "privileges": privs})
            with self.subTest(privileges=privs):
                self.assertError(resp, 400, "badValueListOfStrings", {"key": "privileges"})
        resp = self.create({"name": "pr", "type": t, "privileges": ["space_view", "nope"]})
        self.assertError(resp, 400, "badValueListNotAllowed")
        d = resp.json["error"]["details"]
        self.assertEqual(d["key"], "privileges")
        self.assertIn("space_view", d["allowed"])
        self.assertNotIn("nope", d["allowed"])
        self.assertTrue(all(a.startswith("space_") for a in d["allowed"]))
        # group privileges are not space privileges
        resp = self.create({"name": "pr", "type": t, "privileges": ["group_view"]})
        self.assertError(resp, 400, "badValueListNotAllowed")

    def test_invite_types_without_privileges(self):
        resp = self.create({"name": "ssp", "type": invite("supportSpace", "spaceId",
                                                          self.w.space)})
        self.assertStatus(resp, 201)
        got = self.get(resp.json["tokenId"])
        self.assertEqual(got["type"], invite_out("supportSpace", "spaceId", self.w.space))
        self.assertIsNone(got["metadata"]["privileges"])
        self.assertEqual(got["metadata"]["usageLimit"], "infinity")
        self.assertSchema("NamedToken", got)

    def test_invite_target_must_exist(self):
        cases = [("userJoinGroup", "groupId"), ("groupJoinGroup", "groupId"),
                 ("userJoinSpace", "spaceId"), ("groupJoinSpace", "spaceId"),
                 ("supportSpace", "spaceId"), ("harvesterJoinSpace", "spaceId"),
                 ("registerOneprovider", "adminUserId"), ("userJoinCluster", "clusterId"),
                 ("groupJoinCluster", "clusterId"), ("userJoinHarvester", "harvesterId"),
                 ("groupJoinHarvester", "harvesterId"), ("spaceJoinHarvester", "harvesterId"),
                 ("userJoinAtmInventory", "atmInventoryId"),
                 ("groupJoinAtmInventory", "atmInventoryId")]
        for itype, key in cases:
            resp = self.create({"name": "tgt", "type": invite(itype, key, "no-such-target")},
                               token=self.w.admin.token)
            with self.subTest(type=itype):
                self.assertError(resp, 400, "inviteTokenTargetIdInvalid", {"id": "no-such-target"})

    def test_invite_rights_of_users(self):
        w = self.w
        allowed = [(w.alice, invite("userJoinGroup", "groupId", w.group)),
                   (w.alice, invite("groupJoinGroup", "groupId", w.group)),
                   (w.alice, invite("userJoinSpace", "spaceId", w.space)),
                   (w.alice, invite("groupJoinSpace", "spaceId", w.space)),
                   (w.alice, invite("supportSpace", "spaceId", w.space)),
                   (w.alice, invite("harvesterJoinSpace", "spaceId", w.space)),
                   (w.alice, invite("registerOneprovider", "adminUserId", w.alice.id)),
                   (w.dave, invite("userJoinCluster", "clusterId", w.p.id)),
                   (w.dave, invite("groupJoinCluster", "clusterId", w.p.id))]
        for i, (user, t) in enumerate(allowed):
            resp = self.create({"name": "may-%d" % i, "type": t}, token=user.token)
            with self.subTest(user=user.username, type=t):
                self.assertStatus(resp, 201)
        denied = [(w.bob, invite("userJoinGroup", "groupId", w.group)),
                  (w.bob, invite("userJoinSpace", "spaceId", w.space)),
                  (w.bob, invite("supportSpace", "spaceId", w.space)),
                  (w.alice, invite("registerOneprovider", "adminUserId", w.bob.id)),
                  (w.carol, invite("userJoinCluster", "clusterId", w.p.id)),
                  (w.alice, invite("userJoinCluster", "clusterId", w.p.id)),
                  (w.alice, invite("userJoinCluster", "clusterId", "onezone"))]
        for user, t in denied:
            resp = self.create({"name": "may-not", "type": t}, token=user.token)
            with self.subTest(user=user.username, type=t):
                self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized", None)

    def test_invite_rights_of_providers(self):
        p = self.w.p
        for i, t in enumerate((invite("userJoinCluster", "clusterId", p.id),
                               invite("groupJoinCluster", "clusterId", p.id))):
            resp = self.create({"name": "pinv-%d" % i, "type": t, "privileges": ["cluster_view"]},
                               owner="/provider", token=p.token)
            with self.subTest(type=t):
                self.assertStatus(resp, 201)
        for t in (invite("userJoinCluster", "clusterId", self.w.p2.id),
                  invite("userJoinSpace", "spaceId", self.w.space),
                  invite("supportSpace", "spaceId", self.w.space),
                  invite("registerOneprovider", "adminUserId", self.w.dave.id)):
            resp = self.create({"name": "pinv-no", "type": t}, owner="/provider", token=p.token)
            with self.subTest(type=t):
                self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized", None)

    def test_invite_rights_are_the_subjects_not_the_callers(self):
        t = invite("userJoinSpace", "spaceId", self.w.space)
        resp = self.create({"name": "on-behalf", "type": t}, owner="/users/" + self.w.alice.id,
                           token=self.w.admin.token)
        self.assertStatus(resp, 201)
        self.assertEqual(self.get(resp.json["tokenId"], token=self.w.admin.token)["subject"],
                         {"type": "user", "id": self.w.alice.id})
        resp = self.create({"name": "on-behalf", "type": t}, owner="/users/" + self.w.bob.id,
                           token=self.w.admin.token)
        self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized", None)

    def test_setting_privileges_needs_set_privileges(self):
        u = self.srv.logged_user()
        self.srv.admin("cluster", "add-user", self.w.p.id, u.id, "--privileges",
                       "cluster_view,cluster_add_user")
        t = invite("userJoinCluster", "clusterId", self.w.p.id)
        self.assertStatus(self.create({"name": "no-privs", "type": t}, token=u.token), 201)
        resp = self.create({"name": "with-privs", "type": t, "privileges": ["cluster_view"]},
                           token=u.token)
        self.assertError(resp, 400, "inviteTokenSubjectNotAuthorized", None)
        resp = self.create({"name": "with-privs", "type": t, "privileges": ["cluster_view"]},
                           token=self.w.dave.token)
        self.assertStatus(resp, 201)

    # ---------------------------------------------------------------- update
    def test_rename(self):
        tid, _ = self.srv.named_token("/user", self.w.alice.token, name="before-rename")
        self.assertEmpty(self.srv.patch("/tokens/named/" + tid, body={"name": "after rename"},
                                        token=self.w.alice.token))
        self.assertEqual(self.get(tid)["name"], "after rename")
        self.assertNotFound(self.srv.get("/user/tokens/named/name/before-rename",
                                         token=self.w.alice.token))
        self.assertStatus(self.srv.get("/user/tokens/named/name/after%20rename",
                                       token=self.w.alice.token), 200)
        # renaming to its own name is fine
        self.assertEmpty(self.srv.patch("/tokens/named/" + tid, body={"name": "after rename"},
                                        token=self.w.alice.token))

    def test_rename_to_occupied_or_invalid_name(self):
        tid, _ = self.srv.named_token("/user", self.w.alice.token, name="rn-one")
        self.srv.named_token("/user", self.w.alice.token, name="rn-two")
        resp = self.srv.patch("/tokens/named/" + tid, body={"name": "rn-two"},
                              token=self.w.alice.token)
        self.assertError(resp, 400, "badValueIdentifierOccupied", {"key": "name"})
        resp = self.srv.patch("/tokens/named/" + tid, body={"name": "-bad"},
                              token=self.w.alice.token)
        self.assertError(resp, 400, "badValueName", None)
        resp = self.srv.patch("/tokens/named/" + tid, body={"name": 12},
                              token=self.w.alice.token)
        self.assertError(resp, 400, "badValueString", {"key": "name"})
        self.assertEqual(self.get(tid)["name"], "rn-one")

    def test_custom_metadata_is_replaced(self):
        tid, _ = self.srv.named_token("/user", self.w.alice.token,
                                      customMetadata={"a": 1, "b": 2})
        self.assertEmpty(self.srv.patch("/tokens/named/" + tid, body={"customMetadata": {"c": 3}},
                                        token=self.w.alice.token))
        self.assertEqual(self.get(tid)["metadata"]["custom"], {"c": 3})
        resp = self.srv.patch("/tokens/named/" + tid, body={"customMetadata": "x"},
                              token=self.w.alice.token)
        self.assertError(resp, 400, "badValueJSON", {"key": "customMetadata"})

    def test_update_needs_at_least_one_key(self):
        tid, _ = self.srv.named_token("/user", self.w.alice.token)
        for body in ({}, {"foo": 1}, {"caveats": []}):
            resp = self.srv.patch("/tokens/named/" + tid, body=body,
                                  token=self.w.alice.token)
            with self.subTest(body=body):
                self.assertError(
                    resp, 400, "missingAtLeastOneValue",
                    {"keys": ["customMetadata", "name", "revoked"]},
                    description='Missing data, you must provide at least one of: '
                                '[<<"customMetadata">>,<<"name">>,<<"revoked">>].')
        resp = self.srv.request("PATCH", "/tokens/named/" + tid, raw=b"",
                                token=self.w.alice.token)
        self.assertError(resp, 400, "missingAtLeastOneValue")

    def test_update_bad_revoked(self):
        tid, _ = self.srv.named_token("/user", self.w.alice.token)
        resp = self.srv.patch("/tokens/named/" + tid, body={"revoked": "yes"},
                              token=self.w.alice.token)
        self.assertError(resp, 400, "badValueBoolean", {"key": "revoked"})

    def test_update_keeps_immutable_fields(self):
        until = now() + 999
        tid, tok = self.srv.named_token("/user", self.w.alice.token,
                                        caveats=[{"type": "time", "validUntil": until}])
        before = self.get(tid)
        self.assertEmpty(self.srv.patch("/tokens/named/" + tid, body={
            "name": "immutable-check", "caveats": [], "type": IDENTITY,
            "subject": {"type": "user", "id": self.w.bob.id}}, token=self.w.alice.token))
        after = self.get(tid)
        self.assertEqual(after["name"], "immutable-check")
        for key in ("caveats", "type", "subject", "token", "id"):
            self.assertEqual(after[key], before[key], key)
        self.assertEqual(after["metadata"]["creationTime"], before["metadata"]["creationTime"])

    def test_revocation_toggles_and_covers_confined_tokens(self):
        tid, tok = self.srv.named_token("/user", self.w.alice.token)
        confined = self.srv.post("/tokens/confine", body={
            "token": tok, "caveats": [time_caveat(600)]}).json["token"]
        self.assertEmpty(self.srv.patch("/tokens/named/" + tid, body={"revoked": True},
                                        token=self.w.alice.token))
        self.assertIs(self.get(tid)["revoked"], True)
        for t in (tok, confined):
            self.assertAuthError(self.srv.get("/user", token=t), "tokenRevoked", None)
        self.assertEmpty(self.srv.patch("/tokens/named/" + tid, body={"revoked": False},
                                        token=self.w.alice.token))
        for t in (tok, confined):
            self.assertStatus(self.srv.get("/user", token=t), 200)

    def test_update_unknown_id(self):
        resp = self.srv.patch("/tokens/named/no-such-id", body={"revoked": True},
                              token=self.w.alice.token)
        self.assertNotFound(resp)

    # ---------------------------------------------------------------- delete
    def test_delete(self):
        tid, tok = self.srv.named_token("/user", self.w.alice.token, name="to-delete")
        confined = self.srv.post("/tokens/confine", body={
            "token": tok, "caveats": [time_caveat(600)]}).json["token"]
        self.assertEmpty(self.srv.delete("/tokens/named/" + tid, token=self.w.alice.token))
        self.assertNotFound(self.srv.get("/tokens/named/" + tid, token=self.w.alice.token))
        self.assertNotFound(self.srv.delete("/tokens/named/" + tid, token=self.w.alice.token))
        self.assertNotIn(tid, self.srv.get("/user/tokens/named",
                                           token=self.w.alice.token).json["tokens"])
        for t in (tok, confined):
            self.assertAuthError(self.srv.get("/user", token=t), "tokenInvalid", None)
        resp = self.srv.post("/tokens/verify_access_token", body={"token": tok})
        self.assertError(resp, 400, "tokenInvalid", None)
        # the name is free again
        self.assertStatus(self.create({"name": "to-delete"}), 201)

    def test_delete_all_named_of_user(self):
        u = self.srv.logged_user()
        toks = [self.srv.named_token("/user", u.token)[1] for _ in range(3)]
        for path in ("/user/tokens/named", "/users/%s/tokens/named" % u.id):
            self.srv.named_token("/user", u.token)
            self.assertEmpty(self.srv.delete(path, token=u.token))
            self.assertEqual(self.srv.get("/user/tokens/named", token=u.token).json,
                             {"tokens": []})
        for t in toks:
            self.assertAuthError(self.srv.get("/user", token=t), "tokenInvalid", None)
        # temporary tokens are untouched
        self.assertStatus(self.srv.get("/user", token=u.token), 200)

    def test_delete_all_named_of_provider_includes_root_token(self):
        p = self.srv.provider(admin_user=self.w.dave)
        other = self.srv.temp_token("/provider", p.token)
        self.assertEmpty(self.srv.delete("/provider/tokens/named", token=p.token))
        self.assertAuthError(self.srv.get("/provider/tokens/named", token=p.token),
                             "tokenInvalid", None)
        resp = self.srv.get("/providers/%s/tokens/named" % p.id, token=other)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json, {"tokens": []})


INVALID_CAVEATS = [
    {"type": "time", "validUntil": "123"},
    {"type": "time", "validUntil": 1.5},
    {"type": "time"},
    {"type": "ip", "whitelist": []},
    {"type": "ip", "whitelist": ["1.2.3"]},
    {"type": "ip", "whitelist": ["1.2.3.4/33"]},
    {"type": "ip", "whitelist": ["256.1.1.1"]},
    {"type": "ip", "whitelist": ["::1"]},
    {"type": "ip", "whitelist": "1.2.3.4"},
    {"type": "asn", "whitelist": ["x"]},
    {"type": "asn", "whitelist": []},
    {"filter": "whitelist", "list": ["POL"], "type": "geo.country"},
    {"filter": "whitelist", "list": [], "type": "geo.country"},
    {"filter": "greylist", "list": ["PL"], "type": "geo.country"},
    {"filter": "whitelist", "list": ["Mars"], "type": "geo.region"},
    {"filter": "blacklist", "list": ["europe"], "type": "geo.region"},
    {"type": "service", "whitelist": ["xyz-onezone"]},
    {"type": "service", "whitelist": []},
    {"type": "service", "whitelist": ["ozwonezone"]},
    {"type": "consumer", "whitelist": ["nobody"]},
    {"type": "consumer", "whitelist": ["abc-x"]},
    {"type": "consumer", "whitelist": []},
    {"interface": "ftp", "type": "interface"},
    {"interface": 5, "type": "interface"},
    {"type": "api", "whitelist": ["bad"]},
    {"type": "api", "whitelist": ["ozw/all/unknowntype.*.*"]},
    {"type": "api", "whitelist": ["xyz/all/user.*.*"]},
    {"type": "api", "whitelist": ["ozw/read/user.*.*"]},
    {"type": "api", "whitelist": []},
    {"type": "data.path", "whitelist": ["L3NwYWNlMS8="]},     # "/space1/": trailing slash
    {"type": "data.path", "whitelist": ["Lw=="]},             # "/": no space component
    {"type": "data.path", "whitelist": ["c3BhY2Ux"]},         # "space1": not absolute
    {"type": "data.path", "whitelist": []},
    {"type": "data.objectid", "whitelist": ["XYZ"]},
    {"type": "data.objectid", "whitelist": []},
    {"type": "unknown"},
    {},
    {"scope": "other"},
    {"type": "time", "validUntil": True},
]

VALID_CAVEATS = [
    {"type": "time", "validUntil": 8374891234},
    {"type": "ip", "whitelist": ["172.98.11.23/32", "10.0.0.0/8"]},
    {"type": "asn", "whitelist": [322, 15169]},
    {"type": "geo.country", "filter": "whitelist", "list": ["PL", "FR"]},
    {"type": "geo.region", "filter": "blacklist", "list": ["Asia", "EU"]},
    {"type": "service", "whitelist": ["ozw-onezone"]},
    {"type": "consumer", "whitelist": ["usr-user-id", "grp-group-id", "prv-*"]},
    {"type": "interface", "interface": "graphsync"},
    {"type": "api", "whitelist": ["all/all/*.*.*:*", "ozw/get/user.*.instance:private"]},
    {"type": "data.readonly"},
    {"type": "data.path", "whitelist": ["L3NwYWNlMS9maWxlMS50eHQ=",
                                        "L3NwYWNlMi9kaXIvZmlsZTIudHh0"]},
    {"type": "data.objectid", "whitelist": ["00000000000CDBDA677569642331323323616263"]},
    {"scope": "identityToken"},
]

BAD_TYPES = [
    "accessToken", 5, [], {}, {"bad": {}},
    {"accessToken": {"bad": 1}},
    {"accessToken": {"sessionId": ""}},
    {"accessToken": {"sessionId": 5}},
    {"accessToken": "x"},
    {"inviteToken": {"inviteType": "nope", "groupId": "g"}},
    {"inviteToken": {"inviteType": "UserJoinGroup", "groupId": "g"}},
    {"inviteToken": {"inviteType": "userJoinGroup"}},
    {"inviteToken": {"inviteType": "userJoinGroup", "spaceId": "x"}},
    {"inviteToken": {"inviteType": "userJoinGroup", "groupId": ""}},
    {"inviteToken": {"inviteType": "userJoinGroup", "groupId": 5}},
    {"inviteToken": {"inviteType": "userJoinGroup", "groupId": "a:b"}},
    {"inviteToken": "userJoinGroup"},
]
