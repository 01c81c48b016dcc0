"""Every route's success reply (and a representative error reply) validated against the swagger
schema of that route (with the rest-api.md §8 adjustments made in schemas.py); routes absent from
the swagger are validated against schemas written from the spec."""
import urllib.parse

import routes
from harness import ServerTestCase, World, time_caveat


class Schemas(ServerTestCase):
    @classmethod
    def setUpWorld(cls):
        cls.w = World(cls.srv)
        w = cls.w
        srv = cls.srv
        cls.invite_id, cls.invite = srv.named_token(
            "/user", w.alice.token, name="schema invite", usageLimit=4,
            type={"inviteToken": {"inviteType": "userJoinSpace", "spaceId": w.space}},
            caveats=[time_caveat(3600), {"type": "ip", "whitelist": ["127.0.0.1"]}],
            customMetadata={"k": ["v"]})
        cls.access_id, cls.access = srv.named_token("/user", w.alice.token, name="schema access")
        cls.bob_identity = srv.named_token("/user", w.bob.token, type={"identityToken": {}})[1]

    def call(self, method, template, want, token, body=None, **fill):
        path = routes.fill(template, **fill)
        kw = {"token": token}
        if body is not None:
            kw["body"] = body
        resp = self.srv.request(method, path, **kw)
        self.assertEqual(resp.status, want, "%s %s: %r" % (method, path, resp))
        if want != 204:
            self.assertRouteSchema(method, template, resp)
        else:
            self.assertEqual(resp.body, b"")
        return resp

    def test_public_utilities(self):
        a = self.w.alice
        self.call("POST", "/tokens/examine", 200, None, {"token": self.invite})
        self.call("POST", "/tokens/examine", 200, None, {"token": self.w.p.token})
        self.call("POST", "/tokens/confine", 200, None,
                  {"token": self.access, "caveats": [{"type": "data.readonly"}]})
        self.call("POST", "/tokens/verify_access_token", 200, None, {"token": a.token})
        self.call("POST", "/tokens/verify_access_token", 200, None, {"token": self.access})
        self.call("POST", "/tokens/verify_identity_token", 200, None,
                  {"token": self.bob_identity})
        self.call("POST", "/tokens/verify_invite_token", 200, None, {"token": self.invite})
        resp = self.srv.post("/tokens/infer_access_token_scope", body={"token": a.token})
        self.assertStatus(resp, 200)
        self.assertSchema("InferAccessTokenScopeResponse", resp.json)

    def test_named_token_routes(self):
        w = self.w
        uid, pid = w.alice.id, w.p.id
        self.call("GET", "/tokens/named", 200, w.admin.token)
        for tid in (self.invite_id, self.access_id):
            resp = self.call("GET", "/tokens/named/{id}", 200, w.alice.token, tid=tid)
            self.assertSchema("NamedToken", resp.json)
            self.call("GET", "/tokens/named/{id}/status", 200, w.alice.token, tid=tid)
        self.call("PATCH", "/tokens/named/{id}", 204, w.alice.token, {"revoked": False},
                  tid=self.access_id)
        name = urllib.parse.quote("schema invite")
        self.call("GET", "/users/{uid}/tokens/named/name/{name}", 200, w.alice.token,
                  uid=uid, name=name)
        self.call("GET", "/user/tokens/named/name/{name}", 200, w.alice.token, name=name)
        root = urllib.parse.quote("root token")
        self.call("GET", "/providers/{pid}/tokens/named/name/{name}", 200, w.p.token,
                  pid=pid, name=root)
        self.call("GET", "/provider/tokens/named/name/{name}", 200, w.p.token, name=root)
        for owner, tok in (("/users/{uid}", w.alice.token), ("/user", w.alice.token),
                           ("/providers/{pid}", w.p.token), ("/provider", w.p.token)):
            self.call("POST", owner + "/tokens/named", 201, tok,
                      {"name": self.srv.unique("schema")}, uid=uid, pid=pid)
            self.call("GET", owner + "/tokens/named", 200, tok, uid=uid, pid=pid)
            self.call("POST", owner + "/tokens/temporary", 201, tok,
                      {"caveats": [time_caveat(60)]}, uid=uid, pid=pid)
            self.call("GET", owner + "/tokens/temporary", 200, tok, uid=uid, pid=pid)

    def test_destructive_routes(self):
        u = self.srv.logged_user()
        p = self.srv.provider(admin_user=self.w.dave)
        ptemp = self.srv.temp_token("/provider", p.token)
        tid, _ = self.srv.named_token("/user", u.token)
        self.call("DELETE", "/tokens/named/{id}", 204, u.token, tid=tid)
        self.call("DELETE", "/users/{uid}/tokens/named", 204, u.token, uid=u.id)
        self.call("DELETE", "/user/tokens/named", 204, u.token)
        self.call("DELETE", "/providers/{pid}/tokens/named", 204, ptemp, pid=p.id)
        self.call("DELETE", "/provider/tokens/named", 204, ptemp)
        named = self.srv.named_token("/user", u.token)[1]
        self.call("DELETE", "/users/{uid}/tokens/temporary", 204, named, uid=u.id)
        self.call("DELETE", "/user/tokens/temporary", 204, named)
        padmin = self.w.admin.token
        self.call("DELETE", "/providers/{pid}/tokens/temporary", 204, padmin, pid=p.id)
        p2 = self.srv.provider(admin_user=self.w.dave)
        self.call("DELETE", "/provider/tokens/temporary", 204, p2.token)

    def test_error_replies_match_the_error_schema(self):
        w = self.w
        self.call("POST", "/tokens/examine", 400, None, {"token": 5})
        self.call("GET", "/tokens/named", 401, None)
        self.call("GET", "/tokens/named", 403, w.alice.token)
        self.call("GET", "/tokens/named/{id}", 404, w.alice.token, tid="nosuch")
        self.call("GET", "/users/{uid}/tokens/named", 401, "garbage", uid=w.alice.id)
        self.call("POST", "/user/tokens/temporary", 400, w.alice.token, {})
        self.call("PATCH", "/tokens/named/{id}", 400, w.alice.token, {}, tid=self.access_id)

    def test_related_routes(self):
        resp = self.srv.get("/configuration")
        self.assertSchema("Configuration", resp.json)
        resp = self.srv.get("/provider/public/get_current_time")
        self.assertSchema("CurrentTime", resp.json)
        resp = self.srv.get("/user", token=self.w.alice.token)
        self.assertSchema("User", resp.json)
