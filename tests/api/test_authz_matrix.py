"""Authorization matrix (rest-api.md §3): every token route against every kind of caller —
the subject itself, another user, a supporting provider, an unrelated provider, a cluster member
without and with cluster_update, a user holding oz_tokens_manage, and nobody."""
import urllib.parse

from harness import ServerTestCase, World, time_caveat

OWNER = "owner"
# forbidden callers first and the owner last: an allowed destructive call (revoke-all, delete-all)
# by the owner may invalidate the owner's own credential
USER_TARGET_CALLERS = ("nobody", "bob", "p", "p2", "carol", "dave", "admin", OWNER)
PROVIDER_TARGET_CALLERS = ("nobody", "p2", "alice", "carol", "dave", "admin", OWNER)


def expect(allowed_code, allowed, callers):
    """Maps each caller to allowed_code if in `allowed`, 401 for nobody, else 403."""
    out = {}
    for c in callers:
        if c in allowed:
            out[c] = allowed_code
        elif c == "nobody":
            out[c] = 401
        else:
            out[c] = 403
    return out


class AuthorizationMatrix(ServerTestCase):
    @classmethod
    def setUpWorld(cls):
        cls.w = World(cls.srv)

    # ---------------------------------------------------------------- targets
    def user_target(self):
        """A fresh user T in the space supported by p (so p "supports" T)."""
        t = self.srv.quick_user()
        self.srv.admin("space", "add-user", self.w.space, t.id)
        return t

    def provider_target(self):
        """A fresh provider P' administered by dave (cluster_update) with carol as a plain member.
        P'.temp is a temporary token of P' (survives deleting its named tokens)."""
        p = self.srv.provider(admin_user=self.w.dave)
        self.srv.admin("cluster", "add-user", p.id, self.w.carol.id)
        p.temp = self.srv.temp_token("/provider", p.token)
        return p

    def token_of(self, caller, owner_token):
        w = self.w
        return {"nobody": None, OWNER: owner_token, "alice": w.alice.token, "bob": w.bob.token,
                "carol": w.carol.token, "dave": w.dave.token, "admin": w.admin.token,
                "p": w.p.token, "p2": w.p2.token}[caller]

    def run_matrix(self, method, path, expected, owner_token, body_fn=None, order=None):
        for caller in order or expected:
            want = expected[caller]
            body = body_fn() if body_fn else None
            kw = {"token": self.token_of(caller, owner_token)}
            if body is not None:
                kw["body"] = body
            resp = self.srv.request(method, path, **kw)
            with self.subTest(caller=caller, method=method, path=path):
                if want == 401:
                    self.assertUnauthenticated(resp)
                elif want == 403:
                    self.assertForbidden(resp)
                elif want == 404:
                    self.assertNotFound(resp)
                else:
                    self.assertEqual(resp.status, want, "%s %s by %s: %r"
                                     % (method, path, caller, resp))

    def temp_body(self):
        return {"caveats": [time_caveat(600)]}

    def named_body(self):
        return {"name": self.srv.unique("matrix")}

    # ---------------------------------------------------------------- /users/{uid}/...
    def test_user_create_temporary(self):
        t = self.user_target()
        self.run_matrix("POST", "/users/%s/tokens/temporary" % t.id,
                        expect(201, {OWNER, "admin"}, USER_TARGET_CALLERS), t.token,
                        self.temp_body)

    def test_user_get_generation(self):
        t = self.user_target()
        self.run_matrix("GET", "/users/%s/tokens/temporary" % t.id,
                        expect(200, {OWNER, "admin", "p"}, USER_TARGET_CALLERS), t.token)

    def test_user_revoke_all_temporary(self):
        t = self.user_target()
        named = self.srv.named_token("/user", t.token)[1]   # survives the admin's revoke-all
        self.run_matrix("DELETE", "/users/%s/tokens/temporary" % t.id,
                        expect(204, {OWNER, "admin"}, USER_TARGET_CALLERS), named)

    def test_user_create_named(self):
        t = self.user_target()
        self.run_matrix("POST", "/users/%s/tokens/named" % t.id,
                        expect(201, {OWNER, "admin"}, USER_TARGET_CALLERS), t.token,
                        self.named_body)

    def test_user_list_named(self):
        t = self.user_target()
        self.run_matrix("GET", "/users/%s/tokens/named" % t.id,
                        expect(200, {OWNER, "admin"}, USER_TARGET_CALLERS), t.token)

    def test_user_delete_all_named(self):
        t = self.user_target()
        self.srv.named_token("/user", t.token)
        self.run_matrix("DELETE", "/users/%s/tokens/named" % t.id,
                        expect(204, {OWNER, "admin"}, USER_TARGET_CALLERS), t.token)

    def test_user_get_named_by_name(self):
        t = self.user_target()
        self.srv.named_token("/user", t.token, name="by name")
        self.run_matrix("GET", "/users/%s/tokens/named/name/by%%20name" % t.id,
                        expect(200, {OWNER, "admin"}, USER_TARGET_CALLERS), t.token)
        # authorization comes before the lookup
        self.run_matrix("GET", "/users/%s/tokens/named/name/unknown" % t.id,
                        expect(404, {OWNER, "admin"}, USER_TARGET_CALLERS), t.token)

    # ---------------------------------------------------------------- /providers/{pid}/...
    def test_provider_create_temporary(self):
        p = self.provider_target()
        self.run_matrix("POST", "/providers/%s/tokens/temporary" % p.id,
                        expect(201, {OWNER, "admin", "dave"}, PROVIDER_TARGET_CALLERS), p.temp,
                        self.temp_body)

    def test_provider_get_generation(self):
        p = self.provider_target()
        self.run_matrix("GET", "/providers/%s/tokens/temporary" % p.id,
                        expect(200, {OWNER, "admin", "dave", "carol"}, PROVIDER_TARGET_CALLERS),
                        p.temp)

    def test_provider_revoke_all_temporary(self):
        p = self.provider_target()
        self.run_matrix("DELETE", "/providers/%s/tokens/temporary" % p.id,
                        expect(204, {OWNER, "admin", "dave"}, PROVIDER_TARGET_CALLERS), p.token)

    def test_provider_create_named(self):
        p = self.provider_target()
        self.run_matrix("POST", "/providers/%s/tokens/named" % p.id,
                        expect(201, {OWNER, "admin", "dave"}, PROVIDER_TARGET_CALLERS), p.temp,
                        self.named_body)

    def test_provider_list_named(self):
        p = self.provider_target()
        self.run_matrix("GET", "/providers/%s/tokens/named" % p.id,
                        expect(200, {OWNER, "admin", "dave"}, PROVIDER_TARGET_CALLERS), p.temp)

    def test_provider_delete_all_named(self):
        p = self.provider_target()
        self.run_matrix("DELETE", "/providers/%s/tokens/named" % p.id,
                        expect(204, {OWNER, "admin", "dave"}, PROVIDER_TARGET_CALLERS), p.temp)

    def test_provider_get_named_by_name(self):
        p = self.provider_target()
        path = "/providers/%s/tokens/named/name/%s" % (p.id, urllib.parse.quote("root token"))
        self.run_matrix("GET", path,
                        expect(200, {OWNER, "admin", "dave"}, PROVIDER_TARGET_CALLERS), p.temp)
        self.run_matrix("GET", "/providers/%s/tokens/named/name/unknown" % p.id,
                        expect(404, {OWNER, "admin", "dave"}, PROVIDER_TARGET_CALLERS), p.temp)

    # ---------------------------------------------------------------- /tokens/named/{id}
    def test_user_token_instance(self):
        t = self.user_target()
        tid, _ = self.srv.named_token("/user", t.token)
        path = "/tokens/named/" + tid
        self.run_matrix("GET", path, expect(200, {OWNER, "admin"}, USER_TARGET_CALLERS), t.token)
        self.run_matrix("PATCH", path, expect(204, {OWNER, "admin"}, USER_TARGET_CALLERS),
                        t.token, lambda: {"customMetadata": {"k": 1}})
        self.run_matrix("GET", path + "/status",
                        expect(200, {OWNER, "admin", "p"}, USER_TARGET_CALLERS), t.token)

    def test_user_token_delete(self):
        t = self.user_target()
        for caller in USER_TARGET_CALLERS:
            tid, _ = self.srv.named_token("/user", t.token)
            want = expect(204, {OWNER, "admin"}, USER_TARGET_CALLERS)
            self.run_matrix("DELETE", "/tokens/named/" + tid, want, t.token, order=[caller])

    def test_provider_token_instance(self):
        p = self.provider_target()
        tid, _ = self.srv.named_token("/provider", p.token)
        path = "/tokens/named/" + tid
        allowed = {OWNER, "admin", "dave"}
        self.run_matrix("GET", path, expect(200, allowed, PROVIDER_TARGET_CALLERS), p.temp)
        self.run_matrix("PATCH", path, expect(204, allowed, PROVIDER_TARGET_CALLERS), p.temp,
                        lambda: {"customMetadata": {"k": 1}})
        self.run_matrix("GET", path + "/status",
                        expect(200, allowed | {"carol"}, PROVIDER_TARGET_CALLERS), p.temp)

    def test_provider_token_delete(self):
        p = self.provider_target()
        for caller in PROVIDER_TARGET_CALLERS:
            tid, _ = self.srv.named_token("/provider", p.token)
            want = expect(204, {OWNER, "admin", "dave"}, PROVIDER_TARGET_CALLERS)
            self.run_matrix("DELETE", "/tokens/named/" + tid, want, p.temp, order=[caller])

    def test_authorization_before_body_validation(self):
        t = self.user_target()
        tid, _ = self.srv.named_token("/user", t.token)
        resp = self.srv.patch("/tokens/named/" + tid, body={"revoked": "bad"},
                              token=self.w.bob.token)
        self.assertForbidden(resp)
        resp = self.srv.patch("/tokens/named/" + tid, body={"revoked": "bad"})
        self.assertUnauthenticated(resp)
        resp = self.srv.post("/users/%s/tokens/named" % t.id, body={}, token=self.w.bob.token)
        self.assertForbidden(resp)
        resp = self.srv.post("/users/%s/tokens/temporary" % t.id, body={"caveats": 5},
                             token=self.w.p.token)
        self.assertForbidden(resp)

    # ---------------------------------------------------------------- GET /tokens/named
    def test_list_all_named(self):
        expected = {"nobody": 401, "alice": 403, "dave": 403, "p": 403, "admin": 200}
        self.run_matrix("GET", "/tokens/named", expected, None)

    # ---------------------------------------------------------------- /user/... and /provider/...
    def test_self_user_routes_reject_providers_and_nobody(self):
        name = "/user/tokens/named/name/x"
        for method, path, body in (("POST", "/user/tokens/temporary", self.temp_body()),
                                   ("GET", "/user/tokens/temporary", None),
                                   ("DELETE", "/user/tokens/temporary", None),
                                   ("POST", "/user/tokens/named", self.named_body()),
                                   ("GET", "/user/tokens/named", None),
                                   ("DELETE", "/user/tokens/named", None),
                                   ("GET", name, None)):
            kw = {} if body is None else {"body": body}
            with self.subTest(method=method, path=path):
                self.assertForbidden(self.srv.request(method, path, token=self.w.p2.token, **kw))
                self.assertUnauthenticated(self.srv.request(method, path, **kw))

    def test_self_provider_routes_reject_users_and_nobody(self):
        name = "/provider/tokens/named/name/x"
        for method, path, body in (("POST", "/provider/tokens/temporary", self.temp_body()),
                                   ("GET", "/provider/tokens/temporary", None),
                                   ("DELETE", "/provider/tokens/temporary", None),
                                   ("POST", "/provider/tokens/named", self.named_body()),
                                   ("GET", "/provider/tokens/named", None),
                                   ("DELETE", "/provider/tokens/named", None),
                                   ("GET", name, None)):
            kw = {} if body is None else {"body": body}
            with self.subTest(method=method, path=path):
                for user in (self.w.alice, self.w.carol, self.w.dave):
                    self.assertForbidden(self.srv.request(method, path, token=user.token, **kw))
                self.assertUnauthenticated(self.srv.request(method, path, **kw))

    def test_self_provider_routes_for_admin_user(self):
        # code-derived quirk: the request proceeds on a "provider" whose id is the admin's id
        admin = self.w.admin.token
        resp = self.srv.post("/provider/tokens/named", body=self.named_body(), token=admin)
        self.assertError(resp, 400, "tokenSubjectInvalid", None)
        resp = self.srv.post("/provider/tokens/temporary", body=self.temp_body(), token=admin)
        self.assertError(resp, 400, "tokenSubjectInvalid", None)
        resp = self.srv.get("/provider/tokens/named", token=admin)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json, {"tokens": []})
        self.assertNotFound(self.srv.get("/provider/tokens/named/name/x", token=admin))

    def test_self_routes_address_the_caller(self):
        w = self.w
        resp = self.srv.get("/user/tokens/named", token=w.bob.token)
        self.assertStatus(resp, 200)
        direct = self.srv.get("/users/%s/tokens/named" % w.bob.id, token=w.bob.token)
        self.assertEqual(resp.json, direct.json)
        resp = self.srv.get("/provider/tokens/named", token=w.p2.token)
        self.assertStatus(resp, 200)
        direct = self.srv.get("/providers/%s/tokens/named" % w.p2.id, token=w.p2.token)
        self.assertEqual(resp.json, direct.json)
        self.assertEqual(len(resp.json["tokens"]), 1)   # the root token

    # ---------------------------------------------------------------- admin privilege
    def test_oz_tokens_manage_is_the_admin_privilege(self):
        t = self.user_target()
        u = self.srv.quick_user()
        path = "/users/%s/tokens/named" % t.id
        self.assertForbidden(self.srv.get(path, token=u.token))
        self.assertForbidden(self.srv.get("/tokens/named", token=u.token))
        self.srv.admin("user", "grant", u.id, "oz_tokens_manage")
        self.assertStatus(self.srv.get(path, token=u.token), 200)
        self.assertStatus(self.srv.get("/tokens/named", token=u.token), 200)
        self.srv.admin("user", "revoke", u.id, "oz_tokens_manage")
        self.assertForbidden(self.srv.get(path, token=u.token))
        self.assertForbidden(self.srv.get("/tokens/named", token=u.token))

    def test_other_admin_privileges_do_not_grant_token_management(self):
        u = self.srv.quick_user()
        # both are Onezone admin privileges the tool knows: a failed grant fails the test (it
        # would otherwise check nothing)
        self.srv.admin("user", "grant", u.id, "oz_users_view", "oz_providers_list")
        granted = [x for x in self.srv.admin_json("user", "list") if x["id"] == u.id][0]["privileges"]
        self.assertEqual(granted, ["oz_providers_list", "oz_users_view"])
        self.assertForbidden(self.srv.get("/tokens/named", token=u.token))
        self.assertForbidden(self.srv.get("/users/%s/tokens/named" % self.w.alice.id,
                                          token=u.token))
