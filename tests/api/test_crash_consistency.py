"""Crash consistency: several client threads create, rename, revoke, un-revoke and delete named
tokens, create temporary tokens, revoke all temporary tokens and delete all named tokens while
the server is killed with SIGKILL at random moments; after each kill the store must pass SQLite's
integrity check and, once restarted on the same data directory, the server must show exactly the
acknowledged history:

* every change that got its 201/204 is there (creates, renames, revocations, deletions,
  revoke-alls, delete-alls);
* the one request per thread that was in flight at the kill is either fully applied or not at
  all (a created token exists with every field and verifies, or does not exist; a delete-all
  removed all or none; a revoke-all moved the generation by exactly one or not at all);
* nothing appears that nobody asked for (the listed ids are exactly the known ones);
* every revoked, deleted or revoked-all token stays rejected.

Each thread owns one user (so the expected state is sequential per user) and acts through the
admin's token, which no thread touches. The random choices are seeded (TZ_CRASH_SEED, printed on
failure); the kill moments depend on timing as well. Bounded: KILLS kills, at most
TIME_BUDGET seconds."""
import http.client
import json
import os
import random
import sqlite3
import threading
import time
import urllib.error

from harness import Server, TokenzoneTestCase, sanitizer_report, time_caveat

KILLS = 24
THREADS = 4
TIME_BUDGET = 120.0          # seconds for the kill loop; the test needs >= MIN_KILLS in it
MIN_KILLS = 20
SEED = int(os.environ.get("TZ_CRASH_SEED", "20241022"))
SAMPLE = 8                   # deleted/revoked/temporary tokens re-verified per user and cycle
                             # (all of them at the end)

# operation weights: (name, weight)
OPS = [("create", 30), ("rename", 14), ("revoke", 10), ("unrevoke", 8), ("delete", 10),
       ("create_temp", 12), ("revoke_all", 5), ("delete_all", 3)]

NETWORK_ERRORS = (OSError, http.client.HTTPException, urllib.error.URLError)


class Model:
    """What the acknowledged responses say about one user's tokens."""

    def __init__(self, uid, index):
        self.uid = uid
        self.index = index
        self.named = {}          # id -> {"name", "revoked", "token"}
        self.gone = {}           # id -> token (deleted: must fail with tokenInvalid)
        self.generation = None   # acknowledged temporary-token generation
        self.temp_valid = []     # temporary tokens of the current generation
        self.temp_revoked = []   # temporary tokens of older generations
        self.pending = None      # (op, args) of the request in flight at the kill, if any
        self.counter = 0
        self.acked = 0
        self.unexpected = []     # replies that are wrong even without any crash

    def fresh_name(self, cycle):
        self.counter += 1
        return "c%dw%dn%d" % (cycle, self.index, self.counter)


class CrashConsistency(TokenzoneTestCase):
    def setUp(self):
        self.srv = Server(domain="crash.zone.test")
        self.srv.start()
        self.addCleanup(self.srv.cleanup)
        self.admin = self.srv.admin_user()
        self.models = []
        for i in range(THREADS):
            uid = self.srv.admin("user", "create", "crash%d" % i, "--no-password")
            m = Model(uid, i)
            m.generation = self.generation(m)
            self.models.append(m)

    def tearDown(self):
        problem = sanitizer_report(self.srv.log())
        self.assertIsNone(problem, "the server reported a sanitizer error:\n%s" % problem)

    # ---------------------------------------------------------------- requests
    def req(self, method, path, body=None):
        kw = {"token": self.admin.token}
        if body is not None:
            kw["body"] = body
        return self.srv.request(method, path, **kw)

    def verify(self, token):
        return self.srv.post("/tokens/verify_access_token", body={"token": token})

    def generation(self, m):
        resp = self.req("GET", "/users/%s/tokens/temporary" % m.uid)
        self.assertStatus(resp, 200)
        return resp.json["generation"]

    # ---------------------------------------------------------------- the workload
    def step(self, m, rng, cycle):
        """One operation for user m; returns normally when acknowledged (or refused as
        expected), raises a network error when the server went away mid-request."""
        names = [op for op, _ in OPS]
        weights = [w for _, w in OPS]
        op = rng.choices(names, weights)[0]
        if op in ("rename", "revoke", "unrevoke", "delete") and not m.named:
            op = "create"
        base = "/users/%s/tokens" % m.uid
        if op == "create":
            name = m.fresh_name(cycle)
            m.pending = ("create", name)
            resp = self.req("POST", base + "/named",
                            {"name": name, "customMetadata": {"cycle": cycle, "n": m.counter}})
            if resp.status != 201:
                return self.wrong(m, "create named", resp)
            m.named[resp.json["tokenId"]] = {"name": name, "revoked": False,
                                             "token": resp.json["token"]}
        elif op in ("rename", "revoke", "unrevoke"):
            tid = rng.choice(sorted(m.named))
            cur = m.named[tid]
            if op == "rename":
                field, new = "name", m.fresh_name(cycle)
            else:
                field, new = "revoked", op == "revoke"
            m.pending = ("update", tid, field, cur[field], new)
            resp = self.req("PATCH", "/tokens/named/" + tid, {field: new})
            if resp.status != 204:
                return self.wrong(m, "update named " + field, resp)
            cur[field] = new
        elif op == "delete":
            tid = rng.choice(sorted(m.named))
            m.pending = ("delete", tid)
            resp = self.req("DELETE", "/tokens/named/" + tid)
            if resp.status != 204:
                return self.wrong(m, "delete named", resp)
            m.gone[tid] = m.named.pop(tid)["token"]
        elif op == "create_temp":
            m.pending = ("create_temp",)
            resp = self.req("POST", base + "/temporary", {"caveats": [time_caveat(3600)]})
            if resp.status != 201:
                return self.wrong(m, "create temporary", resp)
            m.temp_valid.append(resp.json["token"])
        elif op == "revoke_all":
            m.pending = ("revoke_all", m.generation)
            resp = self.req("DELETE", base + "/temporary")
            if resp.status != 204:
                return self.wrong(m, "revoke all temporary", resp)
            m.generation += 1
            m.temp_revoked += m.temp_valid
            m.temp_valid = []
        elif op == "delete_all":
            m.pending = ("delete_all", set(m.named))
            resp = self.req("DELETE", base + "/named")
            if resp.status != 204:
                return self.wrong(m, "delete all named", resp)
            for tid, rec in m.named.items():
                m.gone[tid] = rec["token"]
            m.named = {}
        m.pending = None
        m.acked += 1

    def wrong(self, m, what, resp):
        m.unexpected.append("%s for user %s: %r" % (what, m.uid, resp))
        m.pending = None

    def worker(self, m, cycle, stop):
        rng = random.Random(SEED * 1000 + cycle * 10 + m.index)
        while not stop.is_set():
            try:
                self.step(m, rng, cycle)
            except NETWORK_ERRORS:
                return   # killed mid-request: m.pending says what may or may not have happened

    # ---------------------------------------------------------------- checks after a kill
    def check_integrity(self):
        out = self.srv.admin("check")
        self.assertEqual(out.strip(), "ok", "`tokenzone admin check` after SIGKILL: %r" % out)
        if self.srv.pgdb is not None:
            return  # PostgreSQL run: no SQLite file; the database keeps itself consistent
        dbs = [f for f in os.listdir(self.srv.data_dir) if f.endswith(".db")]
        self.assertTrue(dbs, "no *.db file in the data directory")
        for name in dbs:
            uri = "file:%s?mode=ro" % os.path.join(self.srv.data_dir, name)
            conn = sqlite3.connect(uri, uri=True, timeout=10)
            try:
                rows = conn.execute("PRAGMA integrity_check").fetchall()
            finally:
                conn.close()
            self.assertEqual(rows, [("ok",)], "PRAGMA integrity_check of %s" % name)

    def resolve_pending(self, m, ctx):
        """Decides what happened to the request that was in flight: all or nothing."""
        if m.pending is None:
            return
        op = m.pending[0]
        if op == "create":
            name = m.pending[1]
            resp = self.req("GET", "/users/%s/tokens/named/name/%s" % (m.uid, name))
            if resp.status == 200:
                rec = resp.json
                self.assertEqual(rec.get("name"), name, ctx)
                self.assertEqual(rec.get("subject"), {"type": "user", "id": m.uid}, ctx)
                self.assertIs(rec.get("revoked"), False, ctx)
                self.assertIsInstance((rec.get("metadata") or {}).get("creationTime"), int, ctx)
                self.assertIsInstance(rec.get("token"), str, "half-created token: %r" % rec)
                self.assertEqual(self.srv.examine(rec["token"]).get("id"), rec.get("id"), ctx)
                m.named[rec["id"]] = {"name": name, "revoked": False, "token": rec["token"]}
            elif resp.status != 404:
                self.fail("%s: unacknowledged create %r: %r" % (ctx, name, resp))
        elif op == "update":
            _, tid, field, old, new = m.pending
            resp = self.req("GET", "/tokens/named/" + tid)
            self.assertStatus(resp, 200, "%s: token %s lost after an update" % (ctx, tid))
            self.assertIn(resp.json.get(field), (old, new),
                          "%s: %s of %s is neither the old nor the new value" % (ctx, field, tid))
            m.named[tid][field] = resp.json[field]
        elif op == "delete":
            tid = m.pending[1]
            resp = self.req("GET", "/tokens/named/" + tid)
            if resp.status == 404:
                m.gone[tid] = m.named.pop(tid)["token"]
            else:
                self.assertStatus(resp, 200, "%s: token %s after an unacknowledged delete" % (ctx, tid))
        elif op == "revoke_all":
            before = m.pending[1]
            gen = self.generation(m)
            self.assertIn(gen, (before, before + 1),
                          "%s: generation after an unacknowledged revoke-all" % ctx)
            if gen == before + 1:
                m.generation = gen
                m.temp_revoked += m.temp_valid
                m.temp_valid = []
        elif op == "delete_all":
            snapshot = m.pending[1]
            resp = self.req("GET", "/users/%s/tokens/named" % m.uid)
            self.assertStatus(resp, 200)
            listed = set(resp.json["tokens"])
            self.assertIn(listed, (snapshot, set()),
                          "%s: delete-all half applied: %d of %d tokens left"
                          % (ctx, len(listed & snapshot), len(snapshot)))
            if not listed and snapshot:
                for tid, rec in m.named.items():
                    m.gone[tid] = rec["token"]
                m.named = {}
        m.pending = None

    def check_model(self, m, ctx, rng, everything=False):
        resp = self.req("GET", "/users/%s/tokens/named" % m.uid)
        self.assertStatus(resp, 200)
        self.assertEqual(sorted(resp.json["tokens"]), sorted(m.named),
                         "%s: listed named tokens differ from the acknowledged ones" % ctx)
        self.assertEqual(self.generation(m), m.generation, "%s: temporary-token generation" % ctx)
        for tid, rec in m.named.items():
            resp = self.req("GET", "/tokens/named/" + tid)
            self.assertStatus(resp, 200)
            got = {k: resp.json.get(k) for k in ("name", "revoked", "token")}
            self.assertEqual(got, rec, "%s: named token %s" % (ctx, tid))
            resp = self.verify(rec["token"])
            if rec["revoked"]:
                self.assertError(resp, 400, "tokenRevoked", details=None)
            else:
                self.assertStatus(resp, 200, "%s: live named token rejected" % ctx)
        gone = sorted(m.gone.items())
        if not everything:
            gone = rng.sample(gone, min(SAMPLE, len(gone)))
        for tid, tok in gone:
            if not everything:   # the final pass over all of them only verifies (half the time)
                self.assertNotFound(self.req("GET", "/tokens/named/" + tid))
            self.assertError(self.verify(tok), 400, "tokenInvalid", details=None)
        revoked = m.temp_revoked if everything else rng.sample(m.temp_revoked,
                                                               min(SAMPLE, len(m.temp_revoked)))
        for tok in revoked:
            self.assertError(self.verify(tok), 400, "tokenRevoked", details=None)
        valid = m.temp_valid if everything else rng.sample(m.temp_valid,
                                                           min(SAMPLE, len(m.temp_valid)))
        for tok in valid:
            self.assertStatus(self.verify(tok), 200, "%s: live temporary token rejected" % ctx)

    # ---------------------------------------------------------------- the test
    def test_sigkill_during_mixed_writes(self):
        kill_rng = random.Random(SEED)
        check_rng = random.Random(SEED + 1)
        started = time.monotonic()
        kills = 0
        in_flight = 0
        for cycle in range(KILLS):
            if time.monotonic() - started > TIME_BUDGET:
                break
            ctx = "seed %d, cycle %d" % (SEED, cycle)
            stop = threading.Event()
            threads = [threading.Thread(target=self.worker, args=(m, cycle, stop), daemon=True)
                       for m in self.models]
            for t in threads:
                t.start()
            time.sleep(kill_rng.uniform(0.15, 1.2))
            self.srv.kill()                       # SIGKILL, waits for the process to be gone
            kills += 1
            stop.set()
            for t in threads:
                t.join(30)
                self.assertFalse(t.is_alive(), "%s: a client thread hangs" % ctx)
            in_flight += sum(1 for m in self.models if m.pending)
            self.check_integrity()
            self.srv.start()
            for m in self.models:
                self.assertEqual(m.unexpected, [], "%s: replies wrong even without a crash" % ctx)
                self.resolve_pending(m, ctx)
                self.check_model(m, ctx, check_rng)
        self.assertGreaterEqual(kills, MIN_KILLS, "only %d kills within %.0f s"
                                % (kills, TIME_BUDGET))
        for m in self.models:
            self.check_model(m, "final (seed %d)" % SEED, check_rng, everything=True)
        acked = sum(m.acked for m in self.models)
        self.assertGreater(acked, 10 * kills, "too few acknowledged writes to mean anything")
        # a line for docs/testing.md when run with -v
        print("\ncrash consistency: %d SIGKILLs, %d acknowledged operations, %d requests in "
              "flight at a kill, %d named tokens live, %d deleted, %.1f s (seed %d)"
              % (kills, acked, in_flight, sum(len(m.named) for m in self.models),
                 sum(len(m.gone) for m in self.models), time.monotonic() - started, SEED))
