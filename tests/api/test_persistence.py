"""Restart persistence: stopping the server (SIGTERM, exit status 0) and starting it on the same
data directory keeps users, providers, named tokens, revocations, renames, metadata, temporary
token generations and secrets."""
from harness import Server, TokenzoneTestCase, sanitizer_report


class Persistence(TokenzoneTestCase):
    def setUp(self):
        self.srv = Server(domain="persist.zone.test")
        self.srv.start()
        self.addCleanup(self.srv.cleanup)

    def tearDown(self):
        problem = sanitizer_report(self.srv.log())
        self.assertIsNone(problem, "the server reported a sanitizer error:\n%s" % problem)

    def test_state_survives_restart(self):
        srv = self.srv
        admin = srv.admin_user()
        u = srv.logged_user()
        blocked = srv.logged_user()
        p = srv.provider(admin_user=u)
        keep_id, keep = srv.named_token("/user", u.token, name="keep me",
                                        customMetadata={"a": [1, 2]})
        rev_id, rev = srv.named_token("/user", u.token, name="revoke me")
        ren_id, _ = srv.named_token("/user", u.token, name="rename me")
        del_id, deleted = srv.named_token("/user", u.token, name="delete me")
        p_named_id, p_named = srv.named_token("/provider", p.token, name="provider token")
        self.assertEmpty(srv.patch("/tokens/named/" + rev_id, body={"revoked": True},
                                   token=u.token))
        self.assertEmpty(srv.patch("/tokens/named/" + ren_id, body={"name": "renamed"},
                                   token=u.token))
        self.assertEmpty(srv.delete("/tokens/named/" + del_id, token=u.token))
        old_temp = u.token
        self.assertEmpty(srv.delete("/user/tokens/temporary", token=keep))
        self.assertEmpty(srv.delete("/user/tokens/temporary", token=keep))
        new_temp = srv.temp_token("/user", keep)
        p_temp = srv.temp_token("/provider", p.token)
        srv.admin("user", "block", blocked.id)
        before = {tid: srv.get("/tokens/named/" + tid, token=admin.token).json
                  for tid in (keep_id, rev_id, ren_id, p_named_id)}
        list_before = srv.get("/tokens/named", token=admin.token).json
        users_before = srv.admin_json("user", "list")

        self.assertEqual(srv.stop(), 0, "SIGTERM must stop the server with exit status 0:\n"
                         + srv.log())
        srv.start()

        for tid, body in before.items():
            resp = srv.get("/tokens/named/" + tid, token=admin.token)
            self.assertStatus(resp, 200)
            self.assertEqual(resp.json, body)
        self.assertEqual(srv.get("/tokens/named", token=admin.token).json, list_before)
        self.assertEqual(srv.admin_json("user", "list"), users_before)
        self.assertNotFound(srv.get("/tokens/named/" + del_id, token=admin.token))
        self.assertAuthError(srv.get("/user", token=deleted), "tokenInvalid", None)
        self.assertAuthError(srv.get("/user", token=rev), "tokenRevoked", None)
        self.assertAuthError(srv.get("/user", token=old_temp), "tokenRevoked", None)
        for tok in (keep, new_temp):
            resp = srv.get("/user", token=tok)
            self.assertStatus(resp, 200)
            self.assertEqual(resp.json["userId"], u.id)
        self.assertEqual(srv.get("/user/tokens/temporary", token=keep).json, {"generation": 3})
        self.assertEqual(srv.get("/user/tokens/named/name/renamed", token=keep).json["id"],
                         ren_id)
        for tok in (p.token, p_named, p_temp):
            self.assertStatus(srv.get("/provider/tokens/named", token=tok), 200)
        self.assertAuthError(srv.get("/user", token=blocked.token), "userBlocked", None)
        # the admin is created only on the first start, with the same id and password
        resp = srv.get("/user", basic=("admin", admin.password))
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["userId"], admin.id)
        self.assertStatus(srv.get("/tokens/named", token=admin.token), 200)
        # the space of names still knows the old tokens
        resp = srv.post("/user/tokens/named", body={"name": "keep me"}, token=keep)
        self.assertError(resp, 400, "badValueIdentifierOccupied", {"key": "name"})
        self.assertStatus(srv.post("/user/tokens/named", body={"name": "delete me"},
                                   token=keep), 201)

    def test_sigterm_exit_status_on_idle_server(self):
        self.assertEqual(self.srv.stop(), 0, self.srv.log())
