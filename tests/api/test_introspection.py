"""The standard integration endpoints called directly: RFC 7662 introspection (every field, caller
authentication, active:false with no other member for every kind of bad token, the context
parameters), RFC 7009 revocation, RFC 8414 metadata, forward auth, introspection clients and their
admin commands, `tokenzone introspect`, and `--trusted-proxy` (X-Forwarded-For believed only from
trusted peers, rightmost untrusted address wins; spoofing from an untrusted peer fails).

Loopback addresses other than 127.0.0.1 (127.0.0.2, ...) play distinct clients: Linux routes the
whole 127.0.0.0/8 to lo, so a socket can bind any of them as its source address."""
import base64
import http.client
import json
import os
import subprocess
import urllib.parse

from harness import BIN, HTTP_TIMEOUT, Response, ServerTestCase, now, time_caveat

INTROSPECT = "/oauth2/introspect"
REVOKE = "/oauth2/revoke"


def basic_header(user, secret):
    cred = "%s:%s" % (urllib.parse.quote(user, safe=""), urllib.parse.quote(secret, safe=""))
    return "Basic " + base64.b64encode(cred.encode()).decode()


def call(srv, method, path, body=None, headers=None, source="127.0.0.1"):
    """A request from the given loopback source address, with exactly these headers."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=HTTP_TIMEOUT,
                                      source_address=(source, 0))
    try:
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            if isinstance(body, dict):
                data = urllib.parse.urlencode(body).encode()
                hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
            else:
                data = body
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        return Response(r.status, r.headers, r.read())
    finally:
        conn.close()


class IntegrationCase(ServerTestCase):
    """A server with a registered client (may revoke) and a plain one."""

    @classmethod
    def setUpWorld(cls):
        srv = cls.srv
        cls.client = srv.admin_json("client", "create", "gateway")
        cls.revoker = srv.admin_json("client", "create", "revoker", "--allow-revoke")
        cls.secrets = [cls.client["clientSecret"], cls.revoker["clientSecret"]]
        cls.tokens_seen = []
        cls.alice = srv.quick_user("alice")
        cls.tokens_seen.append(cls.alice.token)

    def auth(self, client=None):
        c = client or self.client
        return {"Authorization": basic_header(c["clientId"], c["clientSecret"])}

    def introspect(self, token, client=None, headers=None, **params):
        body = {"token": token}
        body.update(params)
        hdrs = self.auth(client) if headers is None else headers
        return call(self.srv, "POST", INTROSPECT, body, hdrs)

    def named(self, user=None, caveats=(), name=None):
        user = user or self.alice
        tid, tok = self.srv.named_token("/user", user.token, name=name, caveats=list(caveats))
        self.tokens_seen.append(tok)
        return tid, tok

    def confine(self, token, *caveats):
        resp = self.srv.post("/tokens/confine", body={"token": token, "caveats": list(caveats)})
        self.assertStatus(resp, 200)
        self.tokens_seen.append(resp.json["token"])
        return resp.json["token"]

    def assertInactive(self, resp):
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json, {"active": False})

    def assertInvalidClient(self, resp, scheme="Basic"):
        self.assertStatus(resp, 401)
        self.assertEqual(resp.json, {"error": "invalid_client"})
        self.assertTrue(resp.headers.get("WWW-Authenticate", "").startswith(scheme), resp.headers)


class Introspection(IntegrationCase):
    def test_named_user_token_every_field(self):
        tid, tok = self.named(caveats=[time_caveat(600)])
        info = self.srv.get("/tokens/named/" + tid, token=self.alice.token).json
        resp = self.introspect(tok)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.headers.get("Cache-Control"), "no-store")
        j = resp.json
        exp = j["onedata"]["caveats"][0]["validUntil"]
        self.assertEqual(j, {
            "active": True,
            "sub": "usr-" + self.alice.id,
            "username": self.alice.username,
            "jti": tid,
            "iss": self.srv.domain,
            "exp": exp,
            "iat": info["metadata"]["creationTime"],
            "token_type": "access_token",
            "onedata": {"subject": {"type": "user", "id": self.alice.id},
                        "persistence": "named",
                        "caveats": [{"type": "time", "validUntil": exp}]},
        })
        self.assertTrue(now() < exp <= now() + 601)

    def test_temporary_token_has_exp_no_iat(self):
        tok = self.srv.temp_token("/user", self.alice.token, ttl=300)
        self.tokens_seen.append(tok)
        j = self.introspect(tok).json
        self.assertTrue(j["active"])
        self.assertNotIn("iat", j)
        self.assertEqual(j["onedata"]["persistence"], "temporary")
        self.assertEqual(j["exp"], j["onedata"]["caveats"][0]["validUntil"])
        self.assertEqual(j["jti"], self.srv.examine(tok)["id"])

    def test_named_token_without_time_caveat_has_no_exp(self):
        _, tok = self.named()
        j = self.introspect(tok).json
        self.assertTrue(j["active"])
        self.assertNotIn("exp", j)
        self.assertEqual(j["onedata"]["caveats"], [])

    def test_provider_token(self):
        dave = self.srv.quick_user("dave")
        p = self.srv.provider("prov-i", dave)
        self.tokens_seen.append(p.token)
        j = self.introspect(p.token).json
        self.assertTrue(j["active"])
        self.assertEqual(j["sub"], "prv-" + p.id)
        self.assertNotIn("username", j)
        self.assertEqual(j["onedata"]["subject"], {"type": "oneprovider", "id": p.id})

    def test_client_secret_post_and_json_body(self):
        _, tok = self.named()
        resp = call(self.srv, "POST", INTROSPECT,
                    {"token": tok, "client_id": self.client["clientId"],
                     "client_secret": self.client["clientSecret"]})
        self.assertTrue(resp.json["active"], resp)
        body = json.dumps({"token": tok}).encode()
        resp = call(self.srv, "POST", INTROSPECT, body,
                    dict(self.auth(), **{"Content-Type": "application/json"}))
        self.assertTrue(resp.json["active"], resp)

    def test_token_type_hint_ignored(self):
        _, tok = self.named()
        for hint in ("access_token", "refresh_token", "bogus"):
            self.assertTrue(self.introspect(tok, token_type_hint=hint).json["active"])

    def test_missing_token_is_invalid_request(self):
        resp = call(self.srv, "POST", INTROSPECT, {"foo": "bar"}, self.auth())
        self.assertStatus(resp, 400)
        self.assertEqual(resp.json, {"error": "invalid_request"})

    def test_get_not_allowed(self):
        resp = call(self.srv, "GET", INTROSPECT + "?token=x", None, self.auth())
        self.assertStatus(resp, 405)
        self.assertEqual(resp.headers.get("Allow"), "POST")


class IntrospectionAuth(IntegrationCase):
    def test_no_credentials(self):
        _, tok = self.named()
        self.assertInvalidClient(self.introspect(tok, headers={}))

    def test_wrong_secret_unknown_client_malformed(self):
        _, tok = self.named()
        cid = self.client["clientId"]
        for hdr in (basic_header(cid, "x" * 43), basic_header("0" * 32, "x" * 43),
                    basic_header(cid, ""), "Basic !!!", "Basic " + base64.b64encode(b"nocolon").decode(),
                    "Digest abc", basic_header(cid, self.revoker["clientSecret"])):
            with self.subTest(header=hdr[:20]):
                self.assertInvalidClient(self.introspect(tok, headers={"Authorization": hdr}))
        resp = call(self.srv, "POST", INTROSPECT,
                    {"token": tok, "client_id": cid, "client_secret": "wrong"})
        self.assertInvalidClient(resp)
        # two methods at once are refused (RFC 6749 2.3)
        resp = call(self.srv, "POST", INTROSPECT,
                    {"token": tok, "client_id": cid, "client_secret": self.client["clientSecret"]},
                    self.auth())
        self.assertInvalidClient(resp)

    def test_oversized_parameter(self):
        _, tok = self.named()
        resp = call(self.srv, "POST", INTROSPECT,
                    {"token": tok, "client_id": self.client["clientId"], "client_secret": "x" * 70000})
        self.assertStatus(resp, 400)
        self.assertEqual(resp.json, {"error": "invalid_request"})
        resp = self.introspect(tok, peer_ip="1" * 70000)
        self.assertStatus(resp, 400)

    def test_bad_bearer(self):
        _, tok = self.named()
        resp = self.introspect(tok, headers={"Authorization": "Bearer garbage"})
        self.assertInvalidClient(resp, "Bearer")

    def test_bearer_of_plain_user_lacks_scope(self):
        _, tok = self.named()
        bob = self.srv.quick_user("bob")
        self.tokens_seen.append(bob.token)
        resp = self.introspect(tok, headers={"Authorization": "Bearer " + bob.token})
        self.assertStatus(resp, 401)
        self.assertEqual(resp.json, {"error": "insufficient_scope"})
        self.assertIn("insufficient_scope", resp.headers.get("WWW-Authenticate", ""))

    def test_bearer_of_provider_and_admin(self):
        _, tok = self.named()
        p = self.srv.provider("prov-a", self.srv.quick_user("erin"))
        admin = self.srv.admin_user()
        for bearer in (p.token, admin.token):
            resp = self.introspect(tok, headers={"Authorization": "Bearer " + bearer})
            self.assertTrue(resp.json["active"], resp)

    def test_basic_of_admin_user(self):
        from harness import ADMIN_PASSWORD
        _, tok = self.named()
        resp = self.introspect(tok, headers={"Authorization": basic_header("admin", ADMIN_PASSWORD)})
        self.assertTrue(resp.json["active"], resp)
        resp = self.introspect(tok, headers={"Authorization": basic_header("admin", "wrong")})
        self.assertInvalidClient(resp)

    def test_rotate_and_delete(self):
        c = self.srv.admin_json("client", "create", "short-lived")
        _, tok = self.named()
        self.assertTrue(self.introspect(tok, client=c).json["active"])
        rotated = self.srv.admin_json("client", "rotate-secret", c["clientId"])
        self.assertEqual(rotated["clientId"], c["clientId"])
        self.assertNotEqual(rotated["clientSecret"], c["clientSecret"])
        self.assertInvalidClient(self.introspect(tok, client=c))
        self.assertTrue(self.introspect(tok, client=rotated).json["active"])
        listed = self.srv.admin_json("client", "list")
        entry = [x for x in listed if x["clientId"] == c["clientId"]]
        self.assertEqual(len(entry), 1)
        self.assertEqual(set(entry[0]), {"clientId", "name", "allowRevoke", "creationTime"})
        self.assertEqual(entry[0]["name"], "short-lived")
        self.assertFalse(entry[0]["allowRevoke"])
        self.srv.admin("client", "delete", c["clientId"])
        self.assertInvalidClient(self.introspect(tok, client=rotated))
        with self.assertRaises(Exception):
            self.srv.admin("client", "delete", c["clientId"])

    def test_admin_usage_errors(self):
        def admin(*args):
            return subprocess.run([BIN, "admin"] + self.srv.store_args() + ["client"] + list(args),
                                  capture_output=True, timeout=60)
        self.assertEqual(admin("create").returncode, 2)
        self.assertEqual(admin("create", "x", "--bogus").returncode, 2)
        self.assertEqual(admin("frobnicate").returncode, 2)
        r = admin("create", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"--allow-revoke", r.stdout)
        r = admin("rotate-secret", "0" * 32)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"notFound", r.stderr)
        # the list never shows a secret or its hash
        listed = admin("list").stdout.decode()
        for s in self.secrets:
            self.assertNotIn(s, listed)
        self.assertNotIn("secret", listed.lower())

    def test_secret_shape(self):
        s = self.client["clientSecret"]
        self.assertEqual(len(s), 43)
        self.assertEqual(len(base64.urlsafe_b64decode(s + "=")), 32)

    def test_store_keeps_only_a_hash(self):
        import glob
        if self.srv.pgdb is not None:
            # the whole database as SQL text (every table, the clients' among them)
            db = self.srv.pgdb
            dump = db.cluster.psql("SELECT string_agg(c::text, ' ') FROM oauth_clients c", db=db.name)
            self.assertIn(self.client["clientId"], dump)
            data = dump.encode()
        else:
            data = b"".join(open(f, "rb").read()
                            for f in glob.glob(os.path.join(self.srv.data_dir, "*"))
                            if os.path.isfile(f))
        for s in self.secrets:
            self.assertNotIn(s.encode(), data)


class InactiveTokens(IntegrationCase):
    """Every kind of token that must not verify: {"active": false} and nothing else."""

    def test_garbage_and_empty(self):
        for tok in ("garbage", "", "x" * 5000, "MDAx" * 10):
            with self.subTest(token=tok[:10]):
                self.assertInactive(self.introspect(tok))

    def test_revoked_then_unrevoked_named(self):
        tid, tok = self.named()
        self.assertStatus(self.srv.patch("/tokens/named/" + tid, body={"revoked": True},
                                         token=self.alice.token), 204)
        self.assertInactive(self.introspect(tok))
        self.assertStatus(self.srv.patch("/tokens/named/" + tid, body={"revoked": False},
                                         token=self.alice.token), 204)
        self.assertTrue(self.introspect(tok).json["active"])

    def test_deleted_named(self):
        tid, tok = self.named()
        self.assertStatus(self.srv.delete("/tokens/named/" + tid, token=self.alice.token), 204)
        self.assertInactive(self.introspect(tok))

    def test_temporary_after_revoke_all(self):
        u = self.srv.quick_user()
        tok = self.srv.temp_token("/user", u.token, ttl=300)
        self.assertTrue(self.introspect(tok).json["active"])
        self.assertStatus(self.srv.delete("/user/tokens/temporary", token=u.token), 204)
        self.assertInactive(self.introspect(tok))

    def test_expired(self):
        _, tok = self.named()
        self.assertInactive(self.introspect(self.confine(tok, {"type": "time", "validUntil": now() - 5})))

    def test_wrong_signature(self):
        _, tok = self.named()
        other = self.srv.examine(tok)
        self.assertTrue(other["id"])
        # same identifier, different secret: an independently crafted copy
        from harness import craft, ident
        forged = craft(ident("nmd", "usr-" + self.alice.id, token_id=other["id"]),
                       secret="not-the-secret", location=self.srv.domain)
        self.assertInactive(self.introspect(forged))

    def test_identity_and_invite_tokens(self):
        resp = self.srv.post("/user/tokens/temporary",
                             body={"type": {"identityToken": {}}, "caveats": [time_caveat(300)]},
                             token=self.alice.token)
        self.assertStatus(resp, 201)
        self.assertInactive(self.introspect(resp.json["token"]))

    def test_blocked_user(self):
        u = self.srv.quick_user()
        _, tok = self.named(user=u)
        self.srv.admin("user", "block", u.id)
        self.assertInactive(self.introspect(tok))

    def test_interface_caveat_needs_context(self):
        _, tok = self.named()
        t = self.confine(tok, {"type": "interface", "interface": "oneclient"})
        self.assertInactive(self.introspect(t))
        self.assertInactive(self.introspect(t, interface="rest"))
        self.assertTrue(self.introspect(t, interface="oneclient").json["active"])
        # static context in the endpoint's query string (for gateways that send only `token`)
        resp = call(self.srv, "POST", INTROSPECT + "?interface=oneclient", {"token": t}, self.auth())
        self.assertTrue(resp.json["active"], resp)
        resp = call(self.srv, "POST", INTROSPECT + "?interface=rest", {"token": t}, self.auth())
        self.assertInactive(resp)
        # the body wins over the query string
        resp = call(self.srv, "POST", INTROSPECT + "?interface=rest",
                    {"token": t, "interface": "oneclient"}, self.auth())
        self.assertTrue(resp.json["active"], resp)

    def test_ip_caveat_needs_peer_ip(self):
        _, tok = self.named()
        t = self.confine(tok, {"type": "ip", "whitelist": ["10.1.2.0/24"]})
        self.assertInactive(self.introspect(t))
        self.assertInactive(self.introspect(t, peer_ip="10.1.3.1"))
        self.assertTrue(self.introspect(t, peer_ip="10.1.2.7").json["active"])

    def test_data_access_caveat_needs_allow(self):
        _, tok = self.named()
        t = self.confine(tok, {"type": "data.readonly"})
        self.assertInactive(self.introspect(t))
        self.assertTrue(self.introspect(t, allow_data_access_caveats="true").json["active"])

    def test_service_caveat(self):
        dave = self.srv.quick_user("dave2")
        p = self.srv.provider("prov-s", dave)
        space = self.srv.admin("space", "create", "space-s", "--owner", self.alice.id)
        self.srv.admin("space", "support", space, p.id)
        _, tok = self.named()
        t = self.confine(tok, {"type": "service", "whitelist": ["opw-" + p.id]})
        # without a service token the service is Onezone: not in the whitelist
        self.assertInactive(self.introspect(t))
        self.assertInactive(self.introspect(t, service_token="garbage"))
        j = self.introspect(t, service_token=p.token).json
        self.assertTrue(j["active"], j)
        # a token without a service caveat is valid for the provider as well
        self.assertTrue(self.introspect(tok, service_token=p.token).json["active"])

    def test_bad_context_parameter(self):
        _, tok = self.named()
        for k, v in (("peer_ip", "300.1.1.1"), ("interface", "carrier-pigeon"),
                     ("allow_data_access_caveats", "yes")):
            with self.subTest(param=k):
                resp = self.introspect(tok, **{k: v})
                self.assertStatus(resp, 400)
                self.assertEqual(resp.json, {"error": "invalid_request"})


class Revocation(IntegrationCase):
    def revoke(self, token, headers):
        return call(self.srv, "POST", REVOKE, {"token": token, "token_type_hint": "access_token"},
                    headers)

    def test_client_with_allow_revoke(self):
        tid, tok = self.named()
        resp = self.revoke(tok, self.auth(self.revoker))
        self.assertStatus(resp, 200)
        self.assertInactive(self.introspect(tok))
        st = self.srv.get("/tokens/named/%s/status" % tid, token=self.alice.token)
        self.assertEqual(st.json, {"revoked": True})
        # again: still 200
        self.assertStatus(self.revoke(tok, self.auth(self.revoker)), 200)

    def test_client_without_allow_revoke(self):
        _, tok = self.named()
        resp = self.revoke(tok, self.auth(self.client))
        self.assertStatus(resp, 400)
        self.assertEqual(resp.json, {"error": "unauthorized_client"})
        self.assertTrue(self.introspect(tok).json["active"])

    def test_own_subject_and_others(self):
        u = self.srv.quick_user()
        _, tok = self.named(user=u)
        other = self.srv.quick_user()
        resp = self.revoke(tok, {"Authorization": "Bearer " + other.token})
        self.assertStatus(resp, 400)
        self.assertEqual(resp.json, {"error": "unauthorized_client"})
        self.assertTrue(self.introspect(tok).json["active"])
        self.assertStatus(self.revoke(tok, {"Authorization": "Bearer " + u.token}), 200)
        self.assertInactive(self.introspect(tok))

    def test_admin_may_revoke(self):
        _, tok = self.named()
        admin = self.srv.admin_user()
        self.assertStatus(self.revoke(tok, {"Authorization": "Bearer " + admin.token}), 200)
        self.assertInactive(self.introspect(tok))

    def test_temporary_unsupported(self):
        tok = self.srv.temp_token("/user", self.alice.token, ttl=300)
        resp = self.revoke(tok, self.auth(self.revoker))
        self.assertStatus(resp, 400)
        self.assertEqual(resp.json, {"error": "unsupported_token_type"})
        self.assertTrue(self.introspect(tok).json["active"])

    def test_invalid_unknown_forged(self):
        from harness import craft, ident
        tid, tok = self.named()
        forged = craft(ident("nmd", "usr-" + self.alice.id, token_id=tid), secret="nope",
                       location=self.srv.domain)
        for t in ("garbage", forged, craft(ident("nmd", "usr-x", token_id="nope"))):
            self.assertStatus(self.revoke(t, self.auth(self.revoker)), 200)
        self.assertTrue(self.introspect(tok).json["active"])

    def test_auth_required(self):
        _, tok = self.named()
        self.assertInvalidClient(self.revoke(tok, {}))
        self.assertTrue(self.introspect(tok).json["active"])


class MetadataAndForwardAuth(IntegrationCase):
    def test_metadata(self):
        resp = call(self.srv, "GET", "/.well-known/oauth-authorization-server")
        self.assertStatus(resp, 200)
        j = resp.json
        base = "http://127.0.0.1:%d" % self.srv.port
        self.assertEqual(j["issuer"], "https://" + self.srv.domain)
        self.assertEqual(j["introspection_endpoint"], base + INTROSPECT)
        self.assertEqual(j["revocation_endpoint"], base + REVOKE)
        for k in ("introspection_endpoint_auth_methods_supported",
                  "revocation_endpoint_auth_methods_supported"):
            self.assertEqual(set(j[k]), {"client_secret_basic", "client_secret_post", "bearer"})

    def test_forward_auth_headers(self):
        tid, tok = self.named()
        for hdrs in ({"Authorization": "Bearer " + tok}, {"x-auth-token": tok}):
            for method, path in (("GET", "/forward-auth"), ("POST", "/forward-auth"),
                                 ("HEAD", "/forward-auth"), ("GET", "/forward-auth/app/x?y=1")):
                resp = call(self.srv, method, path, None, hdrs)
                self.assertStatus(resp, 204)
                self.assertEqual(resp.headers["X-Token-Subject"], "usr-" + self.alice.id)
                self.assertEqual(resp.headers["X-Token-Id"], tid)
                self.assertEqual(resp.headers["X-Token-Username"], self.alice.username)

    def test_forward_auth_refusals(self):
        tid, tok = self.named()
        expired = self.confine(tok, {"type": "time", "validUntil": now() - 5})
        oneclient = self.confine(tok, {"type": "interface", "interface": "oneclient"})
        for hdrs in ({}, {"Authorization": "Bearer garbage"}, {"x-auth-token": expired},
                     {"x-auth-token": oneclient}, {"Authorization": "Basic abc"}):
            resp = call(self.srv, "GET", "/forward-auth", None, hdrs)
            self.assertStatus(resp, 401)
            self.assertTrue(resp.headers["WWW-Authenticate"].startswith("Bearer"))
            self.assertNotIn("X-Token-Subject", resp.headers)
        resp = call(self.srv, "GET", "/forward-auth", None,
                    {"x-auth-token": oneclient, "X-Onedata-Interface": "oneclient"})
        self.assertStatus(resp, 204)
        self.assertEqual(call(self.srv, "GET", "/forward-authx", None, {"x-auth-token": tok}).status, 404)

    def test_cli_introspect(self):
        _, tok = self.named()
        env = dict(os.environ, ONEZONE_HOST="http://127.0.0.1:%d" % self.srv.port,
                   TOKENZONE_CLIENT_ID=self.client["clientId"],
                   TOKENZONE_CLIENT_SECRET=self.client["clientSecret"])
        for var in ("http_proxy", "HTTP_PROXY"):
            env.pop(var, None)
        r = subprocess.run([BIN, "introspect", "-"], input=tok.encode(), env=env,
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["sub"], "usr-" + self.alice.id)
        r = subprocess.run([BIN, "introspect", "garbage"], env=env, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"active": False})
        env["TOKENZONE_CLIENT_SECRET"] = "wrong"
        r = subprocess.run([BIN, "introspect", "garbage"], env=env, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"invalid_client", r.stderr)


class SecretsNotLogged(IntegrationCase):
    def test_zz_log_has_no_secret_or_token(self):
        # runs after the others of this class: exercise success and failure paths first
        _, tok = self.named()
        self.introspect(tok)
        self.introspect(tok, headers={"Authorization": basic_header(self.client["clientId"], "bad")})
        call(self.srv, "POST", INTROSPECT, {"token": tok, "client_id": self.client["clientId"],
                                            "client_secret": self.client["clientSecret"]})
        call(self.srv, "POST", REVOKE, {"token": tok}, self.auth(self.revoker))
        call(self.srv, "GET", "/forward-auth", None, {"x-auth-token": tok})
        log = self.srv.log()
        self.assertIn("/oauth2/introspect", log)
        for s in self.secrets + self.tokens_seen:
            self.assertNotIn(s, log)
            self.assertNotIn(s[:24], log)


class TrustedProxy(ServerTestCase):
    """127.0.0.1 is the trusted proxy; 127.0.0.2 an ordinary client."""

    @classmethod
    def server_args(cls):
        return {"extra_args": ["--trusted-proxy", "127.0.0.1/32", "--trusted-proxy", "10.9.0.0/16"]}

    @classmethod
    def setUpWorld(cls):
        cls.u = cls.srv.quick_user("tp")
        resp = cls.srv.post("/tokens/confine", body={
            "token": cls.u.token, "caveats": [{"type": "ip", "whitelist": ["127.0.0.9/32"]}]})
        cls.tok = resp.json["token"]

    def whoami(self, source, xff=None, path="/api/v3/onezone/user"):
        hdrs = {"x-auth-token": self.tok}
        if xff is not None:
            hdrs["X-Forwarded-For"] = xff
        return call(self.srv, "GET", path, None, hdrs, source=source)

    def test_trusted_proxy_forwarded_client(self):
        self.assertStatus(self.whoami("127.0.0.1", "127.0.0.9"), 200)
        self.assertStatus(self.whoami("127.0.0.1", "127.0.0.9", "/forward-auth"), 204)

    def test_rightmost_untrusted_wins(self):
        # what the client wrote before the proxy appended its view does not count
        self.assertEqual(self.whoami("127.0.0.1", "127.0.0.9, 127.0.0.5").status, 401)
        self.assertEqual(self.whoami("127.0.0.1", "127.0.0.9, 127.0.0.5", "/forward-auth").status, 401)
        # trusted hops on the right are skipped
        self.assertStatus(self.whoami("127.0.0.1", "1.2.3.4, 127.0.0.9, 10.9.3.3, 127.0.0.1"), 200)

    def test_spoofing_from_untrusted_peer(self):
        self.assertEqual(self.whoami("127.0.0.2", "127.0.0.9").status, 401)
        self.assertEqual(self.whoami("127.0.0.2", "127.0.0.9", "/forward-auth").status, 401)

    def test_unreadable_header_fails_closed(self):
        for xff in ("garbage", "127.0.0.9, fe80::1", "127.0.0.9, unknown"):
            with self.subTest(xff=xff):
                self.assertEqual(self.whoami("127.0.0.1", xff).status, 401)

    def test_no_header_direct_peer(self):
        self.assertEqual(self.whoami("127.0.0.1").status, 401)
        self.assertStatus(self.whoami("127.0.0.9"), 200)

    def test_bad_option_refused(self):
        r = subprocess.run([BIN, "serve", "--data", "/nonexistent", "--trusted-proxy", "10.0.0.0/33"],
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--trusted-proxy", r.stderr)


class UntrustedByDefault(ServerTestCase):
    def test_xff_ignored_without_trusted_proxy(self):
        u = self.srv.quick_user("ut")
        resp = self.srv.post("/tokens/confine", body={
            "token": u.token, "caveats": [{"type": "ip", "whitelist": ["127.0.0.9/32"]}]})
        tok = resp.json["token"]
        r = call(self.srv, "GET", "/forward-auth", None,
                 {"x-auth-token": tok, "X-Forwarded-For": "127.0.0.9"})
        self.assertEqual(r.status, 401)
        r = call(self.srv, "GET", "/api/v3/onezone/user", None,
                 {"x-auth-token": tok, "X-Forwarded-For": "127.0.0.9"})
        self.assertEqual(r.status, 401)


class ThrottleBehindProxy(ServerTestCase):
    """The Basic-auth throttle counts per client address as resolved through trusted proxies:
    a client cannot spread its failures over made-up X-Forwarded-For values, and clients behind
    one trusted proxy are counted apart."""

    @classmethod
    def server_args(cls):
        return {"extra_args": ["--trusted-proxy", "127.0.0.1/32", "--throttle-loopback"]}

    def basic_get(self, source, username, xff=None):
        cred = base64.b64encode(("%s:guess" % username).encode()).decode()
        hdrs = {"Authorization": "Basic " + cred}
        if xff:
            hdrs["X-Forwarded-For"] = xff
        return call(self.srv, "GET", "/api/v3/onezone/user", None, hdrs, source=source)

    def test_spoofed_xff_does_not_spread_failures(self):
        throttled_at = None
        for i in range(120):
            # a new claimed address each time, from one untrusted peer
            resp = self.basic_get("127.0.0.2", "nobody%d" % i, "10.0.%d.%d" % (i // 250, i % 250 + 1))
            if resp.status == 429:
                throttled_at = i
                break
            self.assertEqual(resp.status, 401, resp)
        self.assertIsNotNone(throttled_at, "failures under spoofed X-Forwarded-For were never throttled")
        self.assertIn("Retry-After", resp.headers)
        # the throttled client, seen through the proxy, is still throttled; its first backoff
        # window is 1 s, which a slow (sanitizer) build may have let pass: then this failure is
        # counted against it again and opens the next window, so the one after must be refused
        resp = self.basic_get("127.0.0.1", "someone2", "127.0.0.2")
        if resp.status == 401:
            resp = self.basic_get("127.0.0.1", "someone3", "127.0.0.2")
        self.assertEqual(resp.status, 429)
        # while a client behind the trusted proxy has its own count
        self.assertEqual(self.basic_get("127.0.0.1", "someone", "127.0.0.4").status, 401)
