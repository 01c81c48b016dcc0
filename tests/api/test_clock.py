"""Time caveats against the wall clock: a token is valid while now < validUntil and expired from
validUntil on. Exactly at the boundary with the offline tool (`tokenzone token verify --now`),
and on the server both without waiting (a caveat at the moment the request is sent has already
expired: the server's clock cannot be behind the client's earlier reading) and with a caveat a
couple of seconds ahead, waited out with a bounded sleep. The only timing assumption is the one
the product makes: after validUntil the token is expired."""
import json
import subprocess
import time

import catalogue
from harness import BIN, ServerTestCase, TokenzoneTestCase, World, mint, now

SECRET = "clock-test-secret"
N = 1893456000                     # 2030-01-01T00:00:00Z
AHEAD = 2                          # seconds ahead for the waiting server test
WAIT_LIMIT = 10.0                  # seconds; the wait below needs about AHEAD + 1


def expired_error(valid_until):
    err = {"id": "tokenCaveatUnverified",
           "details": {"caveat": {"type": "time", "validUntil": valid_until}}}
    err["description"] = catalogue.describe(err)
    return err


def verify_offline(token, at):
    return subprocess.run([BIN, "token", "verify", token, "--secret", SECRET, "--now", str(at)],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=60)


class OfflineBoundary(TokenzoneTestCase):
    def token(self, caveats):
        return mint("clock.zone.test", "clocktoken", "usr-clockuser", "named",
                    {"accessToken": {}}, SECRET, caveats)

    def assertValid(self, token, at, ttl):
        proc = verify_offline(token, at)
        self.assertEqual(proc.returncode, 0, "valid at %d: %r" % (at, proc))
        self.assertEqual(json.loads(proc.stdout), {"subject": {"type": "user", "id": "clockuser"},
                                                   "ttl": ttl})

    def assertExpired(self, token, at, valid_until):
        proc = verify_offline(token, at)
        self.assertEqual(proc.returncode, 1, "expired at %d: %r" % (at, proc))
        self.assertEqual(json.loads(proc.stderr), {"error": expired_error(valid_until)})

    def test_valid_until_is_exclusive(self):
        tok = self.token([{"type": "time", "validUntil": N}])
        self.assertValid(tok, N - 3600, 3600)
        self.assertValid(tok, N - 1, 1)
        self.assertExpired(tok, N, N)
        self.assertExpired(tok, N + 1, N)
        self.assertExpired(tok, N + 10 ** 6, N)

    def test_earliest_of_several_time_caveats_decides(self):
        tok = self.token([{"type": "time", "validUntil": N + 100},
                          {"type": "time", "validUntil": N}])
        self.assertValid(tok, N - 1, 1)
        self.assertExpired(tok, N, N)       # only the second caveat fails
        # both fail: the spec requires one of the failing caveats to be reported
        proc = verify_offline(tok, N + 100)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(json.loads(proc.stderr), [{"error": expired_error(N + 100)},
                                                {"error": expired_error(N)}])

    def test_epoch_edges(self):
        tok = self.token([{"type": "time", "validUntil": 1}])
        self.assertValid(tok, 0, 1)
        self.assertExpired(tok, 1, 1)
        far = 253402300799   # 9999-12-31T23:59:59Z
        tok = self.token([{"type": "time", "validUntil": far}])
        self.assertValid(tok, far - 1, 1)
        self.assertExpired(tok, far, far)


class ServerClock(ServerTestCase):
    @classmethod
    def server_args(cls):
        return {"domain": "clock.zone.test"}

    @classmethod
    def setUpWorld(cls):
        cls.user = cls.srv.quick_user("clockuser")
        cls.named_id, cls.named = cls.srv.named_token("/user", cls.user.token, name="clock-named")

    def confined(self, valid_until):
        resp = self.srv.post("/tokens/confine", body={
            "token": self.named, "caveats": [{"type": "time", "validUntil": valid_until}]})
        self.assertStatus(resp, 200)
        return resp.json["token"]

    def assertExpiredEverywhere(self, token, valid_until):
        resp = self.srv.get("/user", token=token)
        self.assertAuthError(resp, "tokenCaveatUnverified",
                             {"caveat": {"type": "time", "validUntil": valid_until}})
        resp = self.srv.post("/tokens/verify_access_token", body={"token": token})
        self.assertError(resp, 400, "tokenCaveatUnverified",
                         details={"caveat": {"type": "time", "validUntil": valid_until}})

    def test_caveat_at_send_time_is_already_expired(self):
        t = now()
        self.assertExpiredEverywhere(self.confined(t), t)
        self.assertExpiredEverywhere(self.confined(t - 1), t - 1)

    def test_temporary_token_born_expired(self):
        # a time caveat in the past is accepted at creation; the token is unusable
        t = now() - 30
        resp = self.srv.post("/user/tokens/temporary",
                             body={"caveats": [{"type": "time", "validUntil": t}]},
                             token=self.user.token)
        self.assertStatus(resp, 201)
        self.assertExpiredEverywhere(resp.json["token"], t)

    def test_expires_after_valid_until(self):
        valid_until = now() + AHEAD
        resp = self.srv.post("/user/tokens/temporary",
                             body={"caveats": [{"type": "time", "validUntil": valid_until}]},
                             token=self.user.token)
        self.assertStatus(resp, 201)
        temp = resp.json["token"]
        named = self.confined(valid_until)
        # Usable while the clock is clearly before validUntil (checked only when it is: no
        # assertion depends on how fast this machine is).
        if time.time() < valid_until - 0.5:
            resp = self.srv.get("/user", token=temp)
            if time.time() < valid_until:
                self.assertStatus(resp, 200)
        deadline = time.monotonic() + WAIT_LIMIT
        while time.time() < valid_until:
            self.assertLess(time.monotonic(), deadline, "wall clock does not advance")
            time.sleep(0.05)
        self.assertExpiredEverywhere(temp, valid_until)
        self.assertExpiredEverywhere(named, valid_until)
        # the untouched named token (no time caveat) is still fine
        self.assertStatus(self.srv.get("/user", token=self.named), 200)
