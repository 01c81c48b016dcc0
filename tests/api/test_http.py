"""HTTP conventions of rest-api.md §1: 405 before authentication, content negotiation (415/406),
body parsing (malformedData), trailing slashes, success codes and error body shape."""
import json

import routes
from harness import ServerTestCase, time_caveat


class HttpConventions(ServerTestCase):
    @classmethod
    def setUpWorld(cls):
        srv = cls.srv
        cls.alice = srv.logged_user("alice")
        cls.bob = srv.logged_user("bob")
        cls.tid, cls.tok = srv.named_token("/user", cls.alice.token, name="conventions")

    # ---------------------------------------------------------------- 405
    def test_405_for_every_undefined_method_even_with_bad_token(self):
        checked = 0
        for template, allowed in routes.PATHS.items():
            path = routes.fill(template, uid=self.alice.id, pid="someprovider", tid=self.tid)
            for method in routes.ALL_METHODS:
                if method in allowed:
                    continue
                body = b"{}" if method in ("POST", "PUT", "PATCH") else None
                headers = {"x-auth-token": "garbage-token"}
                if body is not None:
                    headers["Content-Type"] = "application/json"
                resp = self.srv.raw_request(method, path, body, headers)
                with self.subTest(method=method, path=template):
                    self.assertEqual(resp.status, 405, "%s %s: %r" % (method, template, resp))
                    self.assertEqual(resp.body, b"", "405 body must be empty")
                checked += 1
        self.assertGreater(checked, 60)

    def test_405_for_head_and_options(self):
        # only the listed methods exist (§0); HEAD and OPTIONS are not listed for any path
        for method in ("HEAD", "OPTIONS"):
            for path in ("/user/tokens/named", "/tokens/named/" + self.tid, "/tokens/examine"):
                resp = self.srv.raw_request(method, path, None, {"x-auth-token": self.alice.token})
                with self.subTest(method=method, path=path):
                    self.assertEqual(resp.status, 405, repr(resp))

    def test_405_on_related_routes(self):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            for path in ("/configuration", "/provider/public/get_current_time"):
                resp = self.srv.raw_request(method, path, b"{}" if method != "DELETE" else None,
                                            {"Content-Type": "application/json"})
                with self.subTest(method=method, path=path):
                    self.assertEqual(resp.status, 405, repr(resp))

    # ---------------------------------------------------------------- 415
    def test_415_body_with_other_content_type(self):
        body = json.dumps({"token": self.tok}).encode()
        resp = self.srv.raw_request("POST", "/tokens/examine", body, {"Content-Type": "text/plain"})
        self.assertEqual(resp.status, 415, repr(resp))
        self.assertEqual(resp.body, b"")

    def test_415_body_without_content_type(self):
        body = json.dumps({"token": self.tok}).encode()
        resp = self.srv.raw_request("POST", "/tokens/examine", body, {})
        self.assertEqual(resp.status, 415, repr(resp))

    def test_415_on_patch_and_authenticated_post(self):
        resp = self.srv.raw_request("PATCH", "/tokens/named/" + self.tid, b'{"revoked":false}',
                                    {"Content-Type": "application/x-www-form-urlencoded",
                                     "x-auth-token": self.alice.token})
        self.assertEqual(resp.status, 415, repr(resp))
        resp = self.srv.raw_request("POST", "/user/tokens/named", b'{"name":"x415"}',
                                    {"Content-Type": "text/json",
                                     "x-auth-token": self.alice.token})
        self.assertEqual(resp.status, 415, repr(resp))
        # nothing was created
        resp = self.srv.get("/user/tokens/named/name/x415", token=self.alice.token)
        self.assertNotFound(resp)

    def test_415_comes_after_authentication(self):
        resp = self.srv.raw_request("POST", "/tokens/examine", b'{"token":"x"}',
                                    {"Content-Type": "text/plain", "x-auth-token": "garbage"})
        self.assertAuthError(resp, "badToken")

    def test_content_type_with_charset_is_accepted(self):
        # rest-api.md §1.1 is *uncertain* here (cowboy may match the media type exactly); an HTTP
        # client expects `application/json; charset=utf-8` to be JSON, so that is asserted.
        resp = self.srv.request("POST", "/tokens/examine", body={"token": self.tok},
                                content_type="application/json; charset=utf-8")
        self.assertStatus(resp, 200)

    def test_request_without_body_accepts_any_content_type(self):
        resp = self.srv.raw_request("POST", "/tokens/examine", b"",
                                    {"Content-Type": "text/plain"})
        self.assertError(resp, 400, "missingRequiredValue", {"key": "token"})
        resp = self.srv.raw_request("DELETE", "/tokens/named/unknown-id-415", None,
                                    {"Content-Type": "text/plain",
                                     "x-auth-token": self.alice.token})
        self.assertNotFound(resp)

    # ---------------------------------------------------------------- 406
    def test_406_accept_excluding_json(self):
        # *uncertain* in the spec (cowboy default); 406 is what HTTP prescribes.
        resp = self.srv.raw_request("GET", "/user/tokens/named", None,
                                    {"Accept": "text/html", "x-auth-token": self.alice.token})
        self.assertEqual(resp.status, 406, repr(resp))
        self.assertEqual(resp.body, b"")

    def test_accept_variants_including_json(self):
        for accept in ("application/json", "*/*", "application/*",
                       "text/html, application/json;q=0.5"):
            resp = self.srv.raw_request("GET", "/user/tokens/named", None,
                                        {"Accept": accept, "x-auth-token": self.alice.token})
            with self.subTest(accept=accept):
                self.assertStatus(resp, 200)

    def test_406_comes_after_authentication(self):
        resp = self.srv.raw_request("GET", "/user/tokens/named", None,
                                    {"Accept": "text/html", "x-auth-token": "garbage"})
        self.assertAuthError(resp, "badToken")

    # ---------------------------------------------------------------- body parsing
    def test_invalid_json_is_malformed_data(self):
        for raw in (b"{bad", b"{\"token\": }", b"\xff\xfe", b"{\"a\":1} trailing"):
            resp = self.srv.request("POST", "/tokens/examine", raw=raw)
            with self.subTest(raw=raw):
                self.assertError(resp, 400, "malformedData", None)

    def test_json_that_is_not_an_object_is_malformed_data(self):
        for raw in (b"[]", b'"str"', b"1", b"null", b"true", b'[{"token":"x"}]'):
            resp = self.srv.request("POST", "/tokens/examine", raw=raw)
            with self.subTest(raw=raw):
                self.assertError(resp, 400, "malformedData", None)

    def test_invalid_json_wins_over_authorization(self):
        # parsing (§1.1 step 5) precedes the entity logic, so nobody gets malformedData
        resp = self.srv.request("POST", "/user/tokens/named", raw=b"{bad")
        self.assertError(resp, 400, "malformedData", None)

    def test_non_object_json_is_checked_after_authorization(self):
        resp = self.srv.request("POST", "/user/tokens/named", raw=b"[]")
        self.assertUnauthenticated(resp)
        resp = self.srv.request("POST", "/users/%s/tokens/named" % self.alice.id, raw=b"[]",
                                token=self.bob.token)
        self.assertForbidden(resp)
        resp = self.srv.request("POST", "/user/tokens/named", raw=b"[]", token=self.alice.token)
        self.assertError(resp, 400, "malformedData", None)

    def test_empty_body_means_empty_object(self):
        resp = self.srv.request("POST", "/tokens/examine", raw=b"")
        self.assertError(resp, 400, "missingRequiredValue", {"key": "token"})
        resp = self.srv.request("POST", "/user/tokens/named", raw=b"", token=self.alice.token)
        self.assertError(resp, 400, "missingRequiredValue", {"key": "name"})
        resp = self.srv.request("POST", "/user/tokens/temporary", raw=b"",
                                token=self.alice.token)
        self.assertEqual(resp.status, 400, repr(resp))
        self.assertEqual(resp.json["error"]["id"], "tokenTimeCaveatRequired")

    def test_get_and_delete_bodies_are_ignored(self):
        resp = self.srv.raw_request("GET", "/user/tokens/named", b"{garbage",
                                    {"Content-Type": "text/plain",
                                     "x-auth-token": self.alice.token})
        self.assertStatus(resp, 200)
        self.assertIn(self.tid, resp.json["tokens"])
        tid, _ = self.srv.named_token("/user", self.alice.token)
        resp = self.srv.raw_request("DELETE", "/tokens/named/" + tid, b"[1,2",
                                    {"Content-Type": "application/json",
                                     "x-auth-token": self.alice.token})
        self.assertEmpty(resp)

    # ---------------------------------------------------------------- trailing slash
    def test_trailing_slash_is_tolerated(self):
        resp = self.srv.get("/user/tokens/named/", token=self.alice.token)
        self.assertStatus(resp, 200)
        self.assertIn(self.tid, resp.json["tokens"])
        resp = self.srv.get("/tokens/named/%s/" % self.tid, token=self.alice.token)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["id"], self.tid)
        resp = self.srv.get("/tokens/named/%s/status/" % self.tid, token=self.alice.token)
        self.assertStatus(resp, 200)
        resp = self.srv.post("/tokens/examine/", body={"token": self.tok})
        self.assertStatus(resp, 200)
        resp = self.srv.get("/users/%s/tokens/named/name/conventions/" % self.alice.id,
                            token=self.alice.token)
        self.assertStatus(resp, 200)
        resp = self.srv.get("/users/%s/tokens/temporary/" % self.alice.id,
                            token=self.alice.token)
        self.assertStatus(resp, 200)

    # ---------------------------------------------------------------- success codes
    def test_json_replies_have_json_content_type(self):
        for resp in (self.srv.get("/user/tokens/named", token=self.alice.token),
                     self.srv.post("/tokens/examine", body={"token": self.tok}),
                     self.srv.post("/tokens/examine", body={"token": 5})):
            ctype = resp.headers.get("Content-Type", "")
            self.assertTrue(ctype.startswith("application/json"), "Content-Type %r" % ctype)

    def test_success_codes(self):
        resp = self.srv.post("/user/tokens/named", body={"name": "codes"},
                             token=self.alice.token)
        self.assertStatus(resp, 201)
        self.assertIsNotNone(resp.headers.get("Location"))
        tid = resp.json["tokenId"]
        resp = self.srv.post("/user/tokens/temporary", body={"caveats": [time_caveat(60)]},
                             token=self.alice.token)
        self.assertStatus(resp, 201)
        self.assertIsNone(resp.headers.get("Location"), "no Location for temporary tokens")
        self.assertEqual(list(resp.json.keys()), ["token"])
        self.assertEmpty(self.srv.patch("/tokens/named/" + tid, body={"revoked": True},
                                        token=self.alice.token))
        self.assertEmpty(self.srv.delete("/tokens/named/" + tid, token=self.alice.token))
        resp = self.srv.post("/tokens/examine", body={"token": self.tok})
        self.assertStatus(resp, 200)

    def test_error_body_shape(self):
        resp = self.srv.get("/user/tokens/named")
        self.assertUnauthenticated(resp)
        self.assertEqual(set(resp.json["error"].keys()), {"id", "description"})
        resp = self.srv.post("/tokens/examine", body={})
        self.assertError(resp, 400, "missingRequiredValue", {"key": "token"},
                         description="Missing required value: token.")
        self.assertEqual(set(resp.json["error"].keys()), {"id", "description", "details"})
