"""Several stateless `tokenzone serve` nodes on one PostgreSQL database (issue: scale out).

The module starts its own throwaway PostgreSQL 15 cluster (pg.py), whatever TOKENZONE_TEST_STORE
says, and three nodes A, B, C on one database of it. What it checks:
  * a token created on one node is read and listed on the others at once;
  * a revocation (PATCH revoked, DELETE, delete-all, revoke-all temporary, user block) acknowledged
    by one node is seen by the others on their next request: >= 200 rounds, nodes rotated,
    0 successes after the revoking call returned;
  * concurrent creation of one name from all nodes: exactly one 201, the others
    badValueIdentifierOccupied; concurrent revoke-all from all nodes: the generation rises by
    exactly the number of acknowledged calls; concurrent custom-metadata updates racing a
    revocation: no update lost or torn;
  * SIGKILL of a node under mixed write load, repeatedly: no acknowledged write lost, the other
    nodes keep serving;
  * `pg_ctl restart -m fast` and `-m immediate` under load: only 503 during the outage, every
    answer within 2 s, full service afterwards without restarting a node, nothing acknowledged
    lost;
  * nodes started at once against an empty database all come up with one `admin` user, and a
    schema newer than the binary is refused;
  * `tokenzone store copy` SQLite -> PostgreSQL -> SQLite with tokens verifying on every side,
    and with the whole directory (nested groups, harvesters, inventories, supports with sizes,
    provider subdomains, invite usage counts) answering the same on every side;
  * an invite with usage limit 5 consumed by 20 users at once through all nodes: exactly 5 joins,
    usageCount 5, the others inviteTokenUsageLimitReached; an introspection client created with
    the admin tool authenticates on every node, and its deletion is seen by all;
  * two nodes nesting groups A in B and B in A at once: exactly one succeeds (no cycle);
  * `admin backup` on a PostgreSQL store refuses with a pointer to pg_dump.
The 2 s bound is the product's promise for an unreachable database (a timeout, not a speed
measurement)."""
import base64
import json
import concurrent.futures
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error

import pg
from harness import BIN, Server, TokenzoneTestCase, sanitizer_report

ROUNDS = 210               # revocation rounds (>= 200)
ANSWER_BOUND = 2.0         # seconds: the promised bound for a request while PG is unreachable
LOAD_SECONDS = 3.0         # load before and after each fault
PG_SCHEMA_VERSION = "3"    # migrations in src/store/pg_schema.c (3: the directory)


def _status(fn, *a, **kw):
    """(status, json, seconds); status 0 when no HTTP answer came (connection refused/reset)."""
    t0 = time.monotonic()
    try:
        r = fn(*a, **kw)
        return r.status, r.json, time.monotonic() - t0
    except (OSError, urllib.error.URLError) as e:  # a killed node
        return 0, str(e), time.monotonic() - t0


def introspect(node, client, token):
    """POST /oauth2/introspect on node as the introspection client (admin `client create`)."""
    auth = "Basic " + base64.b64encode(
        ("%s:%s" % (client["clientId"], client["clientSecret"])).encode()).decode()
    return node.raw_request("POST", "/oauth2/introspect", body_bytes=("token=" + token).encode(),
                            headers={"Authorization": auth,
                                     "Content-Type": "application/x-www-form-urlencoded"},
                            prefix=False)


class MultiNodeBase(TokenzoneTestCase):
    N = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cluster = pg.Cluster()
        cls.nodes = []
        try:
            cls.cluster.start()
            cls.db = cls.cluster.new_database("multi")
            cls.nodes = [Server(database=cls.db, domain="multi.zone.test") for _ in range(cls.N)]
            with concurrent.futures.ThreadPoolExecutor(cls.N) as ex:
                list(ex.map(lambda s: s.start(), cls.nodes))
        except BaseException:
            cls._teardown_all()
            raise

    @classmethod
    def _teardown_all(cls):
        for n in cls.nodes:
            n.cleanup()
        cls.cluster.cleanup()

    @classmethod
    def tearDownClass(cls):
        problems = []
        for n in cls.nodes:
            rc = n.stop()
            log = n.log()
            if sanitizer_report(log):
                problems.append(sanitizer_report(log))
            if rc not in (0, None):
                problems.append("node exited with %s on SIGTERM:\n%s" % (rc, log[-2000:]))
        cls._teardown_all()
        super().tearDownClass()
        if problems:
            raise AssertionError("\n".join(problems))

    def node(self, i):
        return self.nodes[i % len(self.nodes)]

    def quick_user(self):
        """A password-less user created with the admin tool, with an admin-issued temporary
        token and a named token (the latter survives revoke-all of temporary tokens)."""
        a = self.nodes[0]
        u = a.quick_user()
        _, u.named = a.named_token("/user", u.token, name="named")
        return u


class CrossNode(MultiNodeBase):
    def test_create_on_one_read_and_list_on_others(self):
        a, b, c = self.nodes
        u = self.quick_user()
        tid, tok = a.named_token("/user", u.token, name="seen everywhere")

        def read(n):
            return (n.get("/tokens/named/" + tid, token=u.token).status,
                    n.get("/user/tokens/named", token=u.token).json,
                    n.get("/user", token=tok).status)
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            results = list(ex.map(read, (b, c)))
        for status, listing, verify in results:
            self.assertEqual(status, 200)
            self.assertIn(tid, listing["tokens"])
            self.assertEqual(verify, 200)

    def test_revocation_seen_by_every_node(self):
        """Each round: create on one node, check it verifies on the other two, revoke on one,
        then verify on the two others: any success after the revoking call returned counts."""
        kinds = ("patch", "delete", "delete_all", "revoke_temporary", "block")
        late_successes = []
        rounds = 0
        shared = self.quick_user()
        for i in range(ROUNDS):
            kind = kinds[i % len(kinds)]
            maker, revoker = self.node(i), self.node(i + 1)
            others = [self.node(i + 2), maker]
            if kind == "block":
                u = self.quick_user()
            else:
                u = shared
            if kind == "revoke_temporary" or kind == "block":
                tok = maker.temp_token("/user", u.named)
            else:
                tid, tok = maker.named_token("/user", u.token, name="round-%d" % i)
            for n in others + [revoker]:
                self.assertEqual(n.get("/user", token=tok).status, 200, "round %d (%s)" % (i, kind))
            if kind == "patch":
                r = revoker.patch("/tokens/named/" + tid, body={"revoked": True}, token=u.named)
            elif kind == "delete":
                r = revoker.delete("/tokens/named/" + tid, token=u.named)
            elif kind == "delete_all":
                # deletes every named token of the user, including the caller's own: use the
                # temporary token and make a new named one afterwards
                r = revoker.delete("/user/tokens/named", token=u.token)
            elif kind == "revoke_temporary":
                r = revoker.delete("/user/tokens/temporary", token=u.named)
            else:
                revoker.admin("user", "block", u.id)
                r = None
            if r is not None:
                self.assertIn(r.status, (204,), "round %d (%s): %r" % (i, kind, r))
            for n in others:
                resp = n.get("/user", token=tok)
                if resp.status == 200:
                    late_successes.append((i, kind))
                else:
                    self.assertEqual(resp.status, 401, "round %d (%s): %r" % (i, kind, resp))
            if kind == "delete_all":
                _, u.named = maker.named_token("/user", u.token, name="named-%d" % i)
            if kind == "revoke_temporary":
                u.token = maker.temp_token("/user", u.named)
            rounds += 1
        self.assertGreaterEqual(rounds, 200)
        self.assertEqual(late_successes, [], "revoked tokens that still verified on another node")

    def test_concurrent_same_name(self):
        u = self.quick_user()
        for i in range(15):
            name = "race-%d" % i
            barrier = threading.Barrier(len(self.nodes))

            def create(n):
                barrier.wait(10)
                return n.post("/user/tokens/named", body={"name": name}, token=u.token)
            with concurrent.futures.ThreadPoolExecutor(len(self.nodes)) as ex:
                replies = list(ex.map(create, self.nodes))
            created = [r for r in replies if r.status == 201]
            self.assertEqual(len(created), 1, "replies: %r" % replies)
            for r in replies:
                if r.status != 201:
                    self.assertError(r, 400, "badValueIdentifierOccupied", {"key": "name"})

    def test_concurrent_metadata_updates_and_revocation(self):
        """Custom-metadata PATCHes from every node at once, racing a revocation: every call
        succeeds, the final metadata is one writer's whole value with creationTime kept, and the
        revocation is not lost."""
        u = self.quick_user()
        tid, tok = self.nodes[0].named_token("/user", u.token, name="meta-race")
        values = [{"writer": i, "pad": "x" * 64} for i in range(9)]
        barrier = threading.Barrier(len(values) + 1)

        def patch(i):
            barrier.wait(10)
            return self.node(i).patch("/tokens/named/" + tid, body={"customMetadata": values[i]},
                                      token=u.named)

        def revoke():
            barrier.wait(10)
            return self.node(1).patch("/tokens/named/" + tid, body={"revoked": True},
                                      token=u.named)
        with concurrent.futures.ThreadPoolExecutor(len(values) + 1) as ex:
            futures = [ex.submit(patch, i) for i in range(len(values))] + [ex.submit(revoke)]
            replies = [f.result() for f in futures]
        self.assertEqual([r.status for r in replies], [204] * len(replies), replies)
        for n in self.nodes:
            body = n.get("/tokens/named/" + tid, token=u.named).json
            self.assertIn(body["metadata"]["custom"], values)
            self.assertIn("creationTime", body["metadata"])
            self.assertTrue(body["revoked"])
            self.assertEqual(n.get("/user", token=tok).status, 401)

    def test_concurrent_generation_bumps(self):
        u = self.quick_user()
        before = self.nodes[0].get("/user/tokens/temporary", token=u.named).json["generation"]
        per_node = 12
        barrier = threading.Barrier(len(self.nodes))

        def bumps(n):
            barrier.wait(10)
            ok = 0
            for _ in range(per_node):
                r = n.delete("/user/tokens/temporary", token=u.named)
                if r.status == 204:
                    ok += 1
                else:
                    self.assertIn(r.status, (503,), "bump: %r" % r)
            return ok
        with concurrent.futures.ThreadPoolExecutor(len(self.nodes)) as ex:
            acknowledged = sum(ex.map(bumps, self.nodes))
        for n in self.nodes:
            after = n.get("/user/tokens/temporary", token=u.named).json["generation"]
            self.assertEqual(after, before + acknowledged)
        self.assertEqual(acknowledged, per_node * len(self.nodes))


class InvitesAndClients(MultiNodeBase):
    def test_invite_usage_limit_across_nodes(self):
        """20 consumers spread over the three nodes race for an invite with usageLimit 5: the
        invite's row is locked from its read to the commit of the join, on whichever node."""
        a = self.nodes[0]
        owner = a.quick_user()
        space = a.admin("space", "create", a.unique("space"), "--owner", owner.id)
        tid, inv = a.named_token("/user", owner.token, name="invite",
                                 type={"inviteToken": {"inviteType": "userJoinSpace",
                                                       "spaceId": space}},
                                 usageLimit=5)
        users = [a.quick_user() for _ in range(20)]
        barrier = threading.Barrier(len(users), timeout=60)

        def consume(i):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
            return self.node(i).post("/user/spaces/join", body={"token": inv},
                                     token=users[i].token)
        with concurrent.futures.ThreadPoolExecutor(len(users)) as ex:
            results = list(ex.map(consume, range(len(users))))
        ok = [i for i, r in enumerate(results) if r.status == 201]
        self.assertEqual(len(ok), 5, [(r.status, r.json) for r in results])
        for r in results:
            if r.status != 201:
                self.assertError(r, 400, "inviteTokenUsageLimitReached")
        for n in self.nodes:
            resp = n.get("/tokens/named/" + tid, token=owner.token)
            self.assertStatus(resp, 200)
            self.assertEqual(resp.json["metadata"]["usageCount"], 5)
        joined = [i for i, u in enumerate(users)
                  if self.node(i + 1).get("/user/spaces", token=u.token).json["spaces"] == [space]]
        self.assertEqual(joined, ok)

    def test_concurrent_nestings_cannot_close_a_cycle(self):
        """Two nodes at once: group A joins B as a child while B joins A. Each join alone is
        fine; both together would make a cycle. Exactly one may succeed, every round."""
        a_node, b_node = self.nodes[0], self.nodes[1]
        owner = a_node.quick_user()
        for _ in range(8):
            ga = a_node.admin("group", "create", a_node.unique("ga"), "--owner", owner.id)
            gb = a_node.admin("group", "create", a_node.unique("gb"), "--owner", owner.id)
            invites = {}
            for g in (ga, gb):
                _, invites[g] = a_node.named_token(
                    "/user", owner.token, type={"inviteToken": {"inviteType": "groupJoinGroup",
                                                                "groupId": g}})
            barrier = threading.Barrier(2, timeout=30)

            def nest(args):
                node, child, parent = args
                barrier.wait()
                return node.post("/groups/%s/parents/join" % child,
                                 body={"token": invites[parent]}, token=owner.token)
            with concurrent.futures.ThreadPoolExecutor(2) as ex:
                replies = list(ex.map(nest, ((a_node, ga, gb), (b_node, gb, ga))))
            self.assertEqual(sorted(r.status for r in replies), [201, 400],
                             [(r.status, r.json) for r in replies])
            for r in replies:
                if r.status != 201:
                    self.assertError(r, 400, "cannotAddRelationToSelf")

    def test_introspection_client_on_every_node(self):
        a = self.nodes[0]
        client = a.admin_json("client", "create", "gateway")
        u = a.quick_user()
        _, tok = a.named_token("/user", u.token, name="introspected")
        for n in self.nodes:
            resp = introspect(n, client, tok)
            self.assertStatus(resp, 200)
            self.assertTrue(resp.json["active"], resp.json)
            self.assertEqual(resp.json.get("sub"), "usr-" + u.id)
        listed = self.nodes[1].admin_json("client", "list")
        self.assertIn(client["clientId"], [c["clientId"] for c in listed])
        self.nodes[2].admin("client", "delete", client["clientId"])
        for n in self.nodes:
            resp = introspect(n, client, tok)
            self.assertStatus(resp, 401)
            self.assertEqual(resp.json, {"error": "invalid_client"})


class AdminOnPostgres(TokenzoneTestCase):
    """`admin backup` is SQLite's online copy: on a PostgreSQL store it refuses cleanly and
    points at pg_dump (docs/operations.md), creating nothing and logging no internal error."""

    def test_backup_refused_with_pg_dump_hint(self):
        cluster = pg.Cluster()
        self.addCleanup(cluster.cleanup)
        cluster.start()
        db = cluster.new_database("backup")
        srv = Server(database=db)
        self.addCleanup(srv.cleanup)
        srv.start()
        with tempfile.TemporaryDirectory() as tmp:
            dest = os.path.join(tmp, "copy.db")
            r = subprocess.run([BIN, "admin"] + srv.store_args() + ["backup", "--to", dest],
                               capture_output=True, timeout=60)
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 1, err)
            self.assertIn("pg_dump", err)
            self.assertIn("docs/operations.md", err)
            self.assertNotIn("internal", err.lower())
            self.assertNotIn(db.uri, err + r.stdout.decode())
            self.assertEqual(os.listdir(tmp), [])
        self.assertEqual(srv.get("/configuration").status, 200)


class Load:
    """Mixed load against a set of nodes from a few threads: named-token creation (acknowledged
    ids are recorded with the node that acknowledged them) and verification of an existing token.
    Records (start, seconds, status) of every request."""

    def __init__(self, nodes, user, threads=4):
        self.nodes = nodes
        self.user = user
        self.threads = threads
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.acked = []          # token ids answered 201
        self.samples = []        # (node index, start monotonic, seconds, status)
        self.errors = []
        self._workers = []
        self._counter = 0

    def _one(self, idx, k):
        n = self.nodes[idx]
        if not n.proc or n.proc.poll() is not None:
            time.sleep(0.01)
            return
        start = time.monotonic()
        if k % 2 == 0:
            with self.lock:
                self._counter += 1
                name = "load-%d-%d" % (os.getpid(), self._counter)
            st, body, secs = _status(n.post, "/user/tokens/named", body={"name": name},
                                     token=self.user.named)
            if st == 201:
                with self.lock:
                    self.acked.append(body["tokenId"])
        else:
            st, body, secs = _status(n.get, "/user", token=self.user.named)
        with self.lock:
            self.samples.append((idx, start, secs, st))
            if st not in (0, 200, 201, 503):
                self.errors.append((idx, st, body))

    def _run(self, t):
        k = t
        while not self.stop_flag.is_set():
            self._one(k % len(self.nodes), k // len(self.nodes))
            k += self.threads

    def start(self):
        for t in range(self.threads):
            th = threading.Thread(target=self._run, args=(t,), daemon=True)
            th.start()
            self._workers.append(th)

    def stop(self):
        self.stop_flag.set()
        for th in self._workers:
            th.join(60)


class Faults(MultiNodeBase):
    def _assert_all_exist(self, ids):
        a = self.nodes[0]
        admin = a.admin_user()
        missing = [t for t in ids if a.get("/tokens/named/" + t, token=admin.token).status != 200]
        self.assertEqual(missing, [], "acknowledged writes lost")

    def test_sigkill_node_under_load(self):
        u = self.quick_user()
        victim = self.nodes[2]
        load = Load(self.nodes, u)
        load.start()
        try:
            for _ in range(3):
                time.sleep(1.0)
                killed_at = time.monotonic()
                victim.proc.send_signal(signal.SIGKILL)
                victim.proc.wait(10)
                time.sleep(1.0)
                restarted_at = time.monotonic()
                victim.start()
                # the survivors answered everything while the victim was down
                with load.lock:
                    window = [s for s in load.samples
                              if s[0] != 2 and killed_at <= s[1] <= restarted_at]
                self.assertTrue(window, "no load reached the surviving nodes")
                bad = [s for s in window if s[3] not in (200, 201)]
                self.assertEqual(bad, [], "surviving nodes failed while a node was killed")
            time.sleep(1.0)
        finally:
            load.stop()
        self.assertEqual(load.errors, [])
        self.assertGreater(len(load.acked), 10)
        self._assert_all_exist(load.acked)

    def _restart_under_load(self, mode):
        u = self.quick_user()
        load = Load(self.nodes, u)
        load.start()
        try:
            time.sleep(LOAD_SECONDS)
            outage_start = time.monotonic()
            self.cluster.restart(mode)
            outage_end = time.monotonic()
            time.sleep(LOAD_SECONDS)
        finally:
            load.stop()
        self.assertEqual(load.errors, [], "answers other than 2xx/503")
        slow = [s for s in load.samples if s[2] > ANSWER_BOUND]
        self.assertEqual(slow, [], "answers slower than %s s" % ANSWER_BOUND)
        refused = [s for s in load.samples if s[3] == 0]
        self.assertEqual(refused, [], "a node stopped answering")
        # a 503 is allowed only for a request that started before the restart was over (plus a
        # second for a request already queued on a dead pooled connection)
        late = [s for s in load.samples if s[3] == 503 and
                not (outage_start - ANSWER_BOUND <= s[1] <= outage_end + 1.0)]
        self.assertEqual(late, [], "503 outside the outage")
        after = [s for s in load.samples if s[1] > outage_end + 1.0]
        self.assertTrue(after and all(s[3] in (200, 201) for s in after),
                        "full service after the restart")
        for n in self.nodes:
            self.assertEqual(n.get("/user", token=u.named).status, 200)
        self._assert_all_exist(load.acked)
        for i, n in enumerate(self.nodes):
            if any(s[0] == i and s[3] == 503 for s in load.samples):
                log = n.log()
                self.assertTrue("unavailable" in log or "cannot connect" in log,
                                "a 503 without a log line saying why")

    def test_restart_fast_under_load(self):
        self._restart_under_load("fast")

    def test_restart_immediate_under_load(self):
        self._restart_under_load("immediate")


class StoreCopyAcrossBackends(TokenzoneTestCase):
    """`tokenzone store copy` SQLite -> PostgreSQL -> SQLite: tokens issued on the first store
    verify on both others, revocations, generations and introspection clients travel, and a
    non-empty target is refused."""

    def copy(self, src, dst):
        proc = subprocess.run([BIN, "store", "copy", "--from", src, "--to", dst],
                              capture_output=True, text=True, timeout=120)
        return proc

    def test_sqlite_to_postgresql_and_back(self):
        tmp = tempfile.TemporaryDirectory(prefix="tokenzone-copy-")
        self.addCleanup(tmp.cleanup)
        first_dir = os.path.join(tmp.name, "first")
        src = Server(domain="copy.zone.test", data_dir=first_dir)
        src.start()
        self.addCleanup(src.cleanup)
        alice = src.logged_user("alice")
        named_id, named = src.named_token("/user", alice.token, name="kept",
                                          customMetadata={"k": 1})
        revoked_id, revoked = src.named_token("/user", alice.token, name="revoked")
        self.assertEmpty(src.patch("/tokens/named/" + revoked_id, body={"revoked": True},
                                   token=alice.token))
        old_temp = src.temp_token("/user", alice.token)
        self.assertEmpty(src.delete("/user/tokens/temporary", token=named))
        temp = src.temp_token("/user", named)
        prov = src.provider("copied", admin_user=alice)
        p_temp = src.temp_token("/provider", prov.token)
        client = src.admin_json("client", "create", "copied-gateway")
        self.assertEqual(src.stop(), 0)

        db = pg.cluster().new_database("copy")
        self.addCleanup(db.drop)
        proc = self.copy("sqlite:" + first_dir, db.uri)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        proc = self.copy("sqlite:" + first_dir, db.uri)
        self.assertEqual(proc.returncode, 1, "a non-empty PostgreSQL target must be refused")
        self.assertIn("not empty", proc.stderr)
        # the copy holds the secrets sealed as they were: the target needs the source's key file
        shutil.copy2(os.path.join(first_dir, "master.key"), db.master_key_file)

        def check(node):
            for tok in (named, temp):
                resp = node.get("/user", token=tok)
                self.assertStatus(resp, 200)
                self.assertEqual(resp.json["userId"], alice.id)
            self.assertStatus(node.get("/provider/tokens/named", token=prov.token), 200)
            self.assertStatus(node.get("/provider/tokens/named", token=p_temp), 200)
            self.assertAuthError(node.get("/user", token=revoked), "tokenRevoked", None)
            self.assertAuthError(node.get("/user", token=old_temp), "tokenRevoked", None)
            resp = node.get("/tokens/named/" + named_id, token=named)
            self.assertStatus(resp, 200)
            self.assertEqual(resp.json["metadata"]["custom"], {"k": 1})
            self.assertStatus(node.get("/user", basic=("alice", alice.password)), 200)
            resp = introspect(node, client, named)   # the client's secret travelled as its hash
            self.assertStatus(resp, 200)
            self.assertTrue(resp.json["active"], resp.json)

        on_pg = Server(domain="copy.zone.test", database=db)
        on_pg.start()
        self.addCleanup(on_pg.cleanup)
        self.assertNotIn("admin password", on_pg.log())
        check(on_pg)
        self.assertEqual(on_pg.stop(), 0)

        back_dir = os.path.join(tmp.name, "back")
        proc = self.copy(db.uri, "sqlite:" + back_dir)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        shutil.copy2(db.master_key_file, os.path.join(back_dir, "master.key"))
        back = Server(domain="copy.zone.test", data_dir=back_dir)
        back.start()
        self.addCleanup(back.cleanup)
        check(back)
        self.assertEqual(back.stop(), 0)
        for n in (src, on_pg, back):
            self.assertIsNone(sanitizer_report(n.log()))


class DirectoryCopyAcrossBackends(TokenzoneTestCase):
    """`tokenzone store copy` SQLite -> PostgreSQL -> SQLite carries the whole directory: nested
    groups, harvesters with their members and spaces, automation inventories, a provider
    registered with a subdomain, its support of a space with the size, and named invites with
    their usage counts. Every directory read answers the same on all three stores."""

    DOMAIN = "dircopy.zone.test"

    def copy(self, src, dst):
        return subprocess.run([BIN, "store", "copy", "--from", src, "--to", dst],
                              capture_output=True, text=True, timeout=120)

    @staticmethod
    def invite(node, token, itype, key, target, named=True, **fields):
        ttype = {"inviteToken": {"inviteType": itype, key: target}}
        if named:
            return node.named_token("/user", token, type=ttype, **fields)
        return None, node.temp_token("/user", token, type=ttype, **fields)

    def joined(self, node, path, token, invite):
        self.assertStatus(node.post(path, body={"token": invite}, token=token), 201)

    def register(self, node, invite, subdomain):
        return node.post("/providers", body={
            "token": invite, "name": "copied-p", "subdomainDelegation": True,
            "subdomain": subdomain, "ipList": ["10.0.0.1"], "adminEmail": "admin@example.com"})

    def build(self, node):
        w = {}
        owner, member = node.quick_user("owner"), node.quick_user("member")
        w["owner"], w["member"] = owner, member
        mk = lambda area: node.admin(area, "create", node.unique(area.replace("-", "")),
                                     "--owner", owner.id)
        top, mid, space = mk("group"), mk("group"), mk("space")
        harvester, inventory = mk("harvester"), mk("atm-inventory")
        w.update(top=top, mid=mid, space=space, harvester=harvester, inventory=inventory)
        _, inv = self.invite(node, owner.token, "groupJoinGroup", "groupId", top)
        self.joined(node, "/groups/%s/parents/join" % mid, owner.token, inv)
        _, inv = self.invite(node, owner.token, "groupJoinSpace", "spaceId", space)
        self.joined(node, "/groups/%s/spaces/join" % top, owner.token, inv)
        # a named invite used once of twice: its count must travel
        w["inv_id"], w["inv"] = self.invite(node, owner.token, "userJoinGroup", "groupId", mid,
                                            usageLimit=2)
        self.joined(node, "/user/groups/join", member.token, w["inv"])
        _, inv = self.invite(node, owner.token, "userJoinHarvester", "harvesterId", harvester)
        self.joined(node, "/user/harvesters/join", member.token, inv)
        _, inv = self.invite(node, owner.token, "spaceJoinHarvester", "harvesterId", harvester)
        self.joined(node, "/spaces/%s/harvesters/join" % space, owner.token, inv)
        _, inv = self.invite(node, owner.token, "groupJoinAtmInventory", "atmInventoryId",
                             inventory)
        self.joined(node, "/groups/%s/atm_inventories/join" % mid, owner.token, inv)
        _, inv = self.invite(node, owner.token, "registerOneprovider", "adminUserId", owner.id)
        resp = self.register(node, inv, "copiedsub")
        self.assertStatus(resp, 200)
        w["pid"], w["root"] = resp.json["providerId"], resp.json["providerRootToken"]
        _, inv = self.invite(node, owner.token, "supportSpace", "spaceId", space)
        resp = node.post("/provider/spaces/support", body={"token": inv, "size": 7000000},
                         token=w["root"])
        self.assertStatus(resp, 201)
        return w

    def reads(self, node, w):
        """Every directory read of the world, as (path, status, body)."""
        member, owner, root = w["member"], w["owner"], w["root"]
        out = []
        for path, token in (
                ("/user/groups", member.token), ("/user/effective_groups", member.token),
                ("/user/spaces", member.token), ("/user/effective_spaces", member.token),
                ("/user/harvesters", member.token), ("/user/effective_harvesters", member.token),
                ("/user/atm_inventories", member.token),
                ("/user/effective_atm_inventories", member.token),
                ("/user/clusters", owner.token), ("/user/effective_clusters", member.token),
                ("/groups/" + w["top"], member.token), ("/spaces/" + w["space"], member.token),
                ("/spaces/%s/providers" % w["space"], member.token),
                ("/provider/spaces", root), ("/spaces/" + w["space"], root),
                ("/tokens/named/" + w["inv_id"], owner.token)):
            resp = node.get(path, token=token)
            body = resp.json
            if isinstance(body, dict):
                for k, v in body.items():
                    if isinstance(v, list):
                        body[k] = sorted(v)
            out.append((path, resp.status, body))
        return out

    def test_directory_sqlite_to_postgresql_and_back(self):
        tmp = tempfile.TemporaryDirectory(prefix="tokenzone-dircopy-")
        self.addCleanup(tmp.cleanup)
        first_dir = os.path.join(tmp.name, "first")
        src = Server(domain=self.DOMAIN, data_dir=first_dir)
        src.start()
        self.addCleanup(src.cleanup)
        w = self.build(src)
        before = self.reads(src, w)
        # the world is what the test means it to be
        got = dict((p, b) for p, _, b in before)
        self.assertEqual(got["/user/effective_groups"]["groups"], sorted([w["top"], w["mid"]]))
        self.assertEqual(got["/user/effective_spaces"]["spaces"], [w["space"]])
        self.assertEqual(got["/user/effective_atm_inventories"]["atmInventories"], [w["inventory"]])
        self.assertEqual(got["/spaces/" + w["space"]]["providers"], {w["pid"]: 7000000})
        self.assertEqual(got["/tokens/named/" + w["inv_id"]]["metadata"]["usageCount"], 1)
        self.assertTrue(all(s == 200 for _, s, _ in before), before)
        self.assertEqual(src.stop(), 0)

        db = pg.cluster().new_database("dircopy")
        self.addCleanup(db.drop)
        proc = self.copy("sqlite:" + first_dir, db.uri)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        counts = json.loads(proc.stdout)
        self.assertEqual((counts["groups"], counts["spaces"], counts["harvesters"],
                          counts["atmInventories"], counts["supports"]), (2, 1, 1, 1, 1), counts)
        shutil.copy2(os.path.join(first_dir, "master.key"), db.master_key_file)
        on_pg = Server(domain=self.DOMAIN, database=db)
        on_pg.start()
        self.addCleanup(on_pg.cleanup)
        self.assertEqual(self.reads(on_pg, w), before)
        self.assertEqual(on_pg.stop(), 0)

        back_dir = os.path.join(tmp.name, "back")
        proc = self.copy(db.uri, "sqlite:" + back_dir)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout), counts)
        shutil.copy2(db.master_key_file, os.path.join(back_dir, "master.key"))
        back = Server(domain=self.DOMAIN, data_dir=back_dir)
        back.start()
        self.addCleanup(back.cleanup)
        self.assertEqual(self.reads(back, w), before)
        # the relations hold: joining again is refused as existing, the copied invite counts on
        # and stops at its limit, the subdomain stays taken
        _, inv = self.invite(back, w["owner"].token, "spaceJoinHarvester", "harvesterId",
                             w["harvester"], named=False)
        resp = back.post("/spaces/%s/harvesters/join" % w["space"], body={"token": inv},
                         token=w["owner"].token)
        self.assertError(resp, 409, "relationAlreadyExists")
        second, third = back.quick_user(), back.quick_user()
        self.joined(back, "/user/groups/join", second.token, w["inv"])
        resp = back.get("/tokens/named/" + w["inv_id"], token=w["owner"].token)
        self.assertEqual(resp.json["metadata"]["usageCount"], 2)
        resp = back.post("/user/groups/join", body={"token": w["inv"]}, token=third.token)
        self.assertError(resp, 400, "inviteTokenUsageLimitReached")
        resp = back.get("/user/effective_spaces", token=second.token)
        self.assertEqual(resp.json["spaces"], [w["space"]])
        _, inv = self.invite(back, w["owner"].token, "registerOneprovider", "adminUserId",
                             w["owner"].id)
        self.assertError(self.register(back, inv, "copiedsub"), 400,
                         "badValueIdentifierOccupied", {"key": "subdomain"})
        self.assertStatus(self.register(back, inv, "othersub"), 200)
        self.assertEqual(back.stop(), 0)
        for n in (src, on_pg, back):
            self.assertIsNone(sanitizer_report(n.log()))


class SimultaneousStart(TokenzoneTestCase):
    def test_nodes_started_at_once_on_empty_database(self):
        cluster = pg.cluster()
        db = cluster.new_database("start")
        nodes = [Server(database=db) for _ in range(3)]
        try:
            with concurrent.futures.ThreadPoolExecutor(3) as ex:
                futures = [ex.submit(n.start) for n in nodes]
                errors = [f.exception() for f in futures]
            self.assertEqual([e for e in errors if e], [])
            users = nodes[0].admin_json("user", "list")
            users = users if isinstance(users, list) else users.get("users", [])
            self.assertEqual([x.get("username") for x in users].count("admin"), 1)
            for n in nodes:
                self.assertEqual(n.get("/user", basic=("admin", "admin-password-for-tests")).status,
                                 200)
            # every migration applied exactly once, however many nodes raced to apply them
            version = cluster.psql("SELECT max(version) FROM tokenzone_schema", db=db.name)
            self.assertEqual(version, PG_SCHEMA_VERSION)
            self.assertEqual(cluster.psql("SELECT count(*) FROM tokenzone_schema", db=db.name),
                             PG_SCHEMA_VERSION)
            for n in nodes:
                self.assertEqual(n.stop(), 0)
                self.assertIsNone(sanitizer_report(n.log()))
        finally:
            for n in nodes:
                n.cleanup()
            db.drop()

    def test_newer_schema_refused(self):
        cluster = pg.cluster()
        db = cluster.new_database("newer")
        node = Server(database=db)
        try:
            node.start()
            node.stop()
            cluster.psql("INSERT INTO tokenzone_schema (version) VALUES (999)", db=db.name)
            with self.assertRaises(RuntimeError) as cm:
                node.start()
            self.assertIn("newer than", str(cm.exception))
        finally:
            node.cleanup()
            db.drop()


if __name__ == "__main__":
    import unittest
    unittest.main()
