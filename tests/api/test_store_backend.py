"""The pluggable store, seen from outside: choosing the store (--store URL, --data DIR,
$TOKENZONE_STORE), several nodes starting at once on one empty store, a schema newer than the
binary, passwords kept out of messages, and `tokenzone store copy` with tokens that verify after
the copy."""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading

from harness import BIN, TokenzoneTestCase, Server, ADMIN_PASSWORD, sanitizer_report, time_caveat

TOOL_TIMEOUT = 60


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("TOKENZONE_STORE", None)
    if env:
        e.update(env)
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=TOOL_TIMEOUT, env=e)


class ChoosingTheStore(TokenzoneTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="tokenzone-store-")
        self.addCleanup(self.tmp.cleanup)
        self.dir = os.path.join(self.tmp.name, "data")

    def test_store_url_data_dir_and_environment_name_the_same_store(self):
        p = run("admin", "--store", "sqlite:" + self.dir, "user", "create", "alice", "--no-password")
        self.assertEqual(p.returncode, 0, p.stderr)
        uid = p.stdout.strip()
        for args, env in ((["admin", "--data", self.dir], None),
                          (["admin"], {"TOKENZONE_STORE": "sqlite:" + self.dir}),
                          (["admin", "--store=sqlite:" + self.dir], None)):
            p = run(*(args + ["user", "list"]), env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual([u["id"] for u in json.loads(p.stdout)], [uid], args)

    def test_bad_store_choices_are_usage_errors(self):
        p = run("admin", "--store", "sqlite:" + self.dir, "--data", self.dir, "user", "list")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("not both", p.stderr)
        p = run("admin", "--store", "mysql://x/y", "user", "list")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("unknown store", p.stderr)
        p = run("serve", "--listen", "127.0.0.1:0")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--store", p.stderr)
        for opt in ("--store-pool", "--store-connect-timeout", "--store-statement-timeout"):
            p = run("serve", "--data", self.dir, opt, "0")
            self.assertEqual(p.returncode, 2, opt)
            self.assertIn(opt, p.stderr)
        p = run("serve", "--help")
        for opt in ("--store URL", "--store-pool", "--store-connect-timeout", "--store-statement-timeout",
                    "TOKENZONE_STORE"):
            self.assertIn(opt, p.stdout)

    def test_password_in_a_store_url_never_appears(self):
        secret = "Sup3rSecretPw"
        for url in ("postgresql://tz:%s@127.0.0.1:1/tz" % secret,
                    "postgres://127.0.0.1:1/tz?user=tz&password=%s&sslmode=disable" % secret):
            p = run("admin", "--store", url, "user", "list")
            self.assertNotEqual(p.returncode, 0)
            self.assertNotIn(secret, p.stdout + p.stderr)
            self.assertIn("***", p.stderr)
            p = run("serve", "--store", url, "--listen", "127.0.0.1:0")
            self.assertNotEqual(p.returncode, 0)
            self.assertNotIn(secret, p.stdout + p.stderr)

    def test_newer_schema_is_refused_clearly(self):
        self.assertEqual(run("admin", "--data", self.dir, "user", "list").returncode, 0)
        conn = sqlite3.connect(os.path.join(self.dir, "tokenzone.db"))
        conn.execute("PRAGMA user_version=999")
        conn.commit()
        conn.close()
        p = run("admin", "--data", self.dir, "user", "list")
        self.assertEqual(p.returncode, 1)
        self.assertIn("schema version 999", p.stderr)
        self.assertIn("newer", p.stderr)
        p = run("serve", "--data", self.dir, "--listen", "127.0.0.1:0")
        self.assertEqual(p.returncode, 1)
        self.assertIn("newer", p.stderr)


class NodesStartingTogether(TokenzoneTestCase):
    NODES = 3
    OPEN_ROUNDS = 100

    def test_processes_opening_one_new_store_at_once_all_succeed(self):
        # the first opener switches the new file to write-ahead logging, which needs an exclusive
        # lock that SQLite refuses at once (no busy handler) while another opener holds one: a
        # race that the three-node start below meets rarely, so it is run here many times
        env = dict(os.environ)
        env.pop("TOKENZONE_STORE", None)
        # started by one shell, so that they really start together (spawning them one by one
        # from here spreads them too far apart to meet)
        script = ('for i in 1 2 3 4 5 6 7 8 9 10; do "$0" admin --data "$1" user list >/dev/null 2>"$1.err$i"'
                  ' || echo "exit $? of $i" >>"$1.failed" & done; wait')
        failures = []
        for r in range(self.OPEN_ROUNDS):
            with tempfile.TemporaryDirectory(prefix="tokenzone-open-") as tmp:
                data = os.path.join(tmp, "data")
                subprocess.run(["/bin/sh", "-c", script, BIN, data], env=env, check=True,
                               timeout=TOOL_TIMEOUT)
                errs = "".join(open(os.path.join(tmp, n)).read() for n in sorted(os.listdir(tmp))
                               if n.startswith("data.err"))
                if os.path.exists(data + ".failed") or sanitizer_report(errs):
                    failures.append("round %d: %s" % (r, errs.strip()))
        self.assertEqual(failures, [])

    def test_nodes_on_one_empty_store_all_come_up_with_one_admin(self):
        tmp = tempfile.TemporaryDirectory(prefix="tokenzone-nodes-")
        self.addCleanup(tmp.cleanup)
        data = os.path.join(tmp.name, "data")
        nodes = [Server(data_dir=data) for _ in range(self.NODES)]
        errors = []

        def start(node):
            try:
                node.start()
            except Exception as exc:  # reported below
                errors.append(exc)
        for node in nodes:
            self.addCleanup(node.kill)
        threads = [threading.Thread(target=start, args=(n,)) for n in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        created = [n for n in nodes if "admin user: admin" in n.log()]
        self.assertEqual(len(created), 1, "nodes that created the admin: %d" % len(created))
        users = json.loads(nodes[0].admin("user", "list"))
        self.assertEqual([u["username"] for u in users], ["admin"])
        self.assertEqual(users[0]["privileges"], ["oz_tokens_manage"])
        # every node serves, and a token issued by one verifies on the others
        resp = nodes[0].post("/user/tokens/temporary", body={"caveats": [time_caveat(600)]},
                             basic=("admin", ADMIN_PASSWORD))
        self.assertStatus(resp, 201)
        for node in nodes:
            self.assertStatus(node.get("/user", token=resp.json["token"]), 200)
        for node in nodes:
            self.assertEqual(node.stop(), 0)
            self.assertIsNone(sanitizer_report(node.log()))


class StoreCopy(TokenzoneTestCase):
    def test_tokens_issued_before_the_copy_verify_after_it(self):
        src = Server(domain="copy.zone.test", store="sqlite")
        src.start()
        self.addCleanup(src.cleanup)
        admin = src.admin_user()
        alice = src.logged_user("alice")                        # a password: its hash must travel
        named_id, named = src.named_token("/user", alice.token, name="kept", customMetadata={"k": 1})
        revoked_id, revoked = src.named_token("/user", alice.token, name="revoked")
        self.assertEmpty(src.patch("/tokens/named/" + revoked_id, body={"revoked": True}, token=alice.token))
        old_temp = src.temp_token("/user", alice.token)
        self.assertEmpty(src.delete("/user/tokens/temporary", token=named))   # generation 2
        temp = src.temp_token("/user", named)
        gen = src.get("/user/tokens/temporary", token=named).json["generation"]
        member = src.logged_user("member")
        prov = src.provider("copied", admin_user=member)
        group = src.admin("group", "create", "g", "--owner", member.id).strip()
        space = src.admin("space", "create", "s", "--owner", alice.id).strip()
        src.admin("space", "add-group", space, group)
        src.admin("space", "support", space, prov.id)
        # the directory's own rows: a nested group and a harvester with a member
        parent = src.admin("group", "create", "parent", "--owner", alice.id).strip()
        src.admin("group", "add-group", parent, group)
        harvester = src.admin("harvester", "create", "h", "--owner", alice.id).strip()
        src.admin("harvester", "add-user", harvester, member.id)
        self.assertEqual(src.stop(), 0)

        tmp = tempfile.TemporaryDirectory(prefix="tokenzone-copy-")
        self.addCleanup(tmp.cleanup)
        target = os.path.join(tmp.name, "copy")
        p = run("store", "copy", "--from", "sqlite:" + src.data_dir, "--to", "sqlite:" + target)
        self.assertEqual(p.returncode, 0, p.stderr)
        counts = json.loads(p.stdout)
        self.assertEqual(counts["users"], 3)
        self.assertEqual(counts["providers"], 1)
        self.assertGreaterEqual(counts["namedTokens"], 3)      # two of alice's + the root token
        self.assertEqual(counts["supports"], 1)
        self.assertEqual((counts["groups"], counts["harvesters"], counts["atmInventories"]), (2, 1, 0))
        # a second copy into the now non-empty target is refused and changes nothing
        p = run("store", "copy", "--from", "sqlite:" + src.data_dir, "--to", "sqlite:" + target)
        self.assertEqual(p.returncode, 1)
        self.assertIn("not empty", p.stderr)

        # secrets are copied sealed: the copy is served with the source's master key file
        shutil.copy2(os.path.join(src.data_dir, "master.key"), os.path.join(target, "master.key"))
        dst = Server(domain="copy.zone.test", data_dir=target)
        dst.start()
        self.addCleanup(dst.kill)
        self.assertNotIn("admin password", dst.log())            # the admin came along
        for tok in (named, temp):
            resp = dst.get("/user", token=tok)
            self.assertStatus(resp, 200)
            self.assertEqual(resp.json["userId"], alice.id)
        self.assertAuthError(dst.get("/user", token=revoked), "tokenRevoked", None)
        self.assertAuthError(dst.get("/user", token=old_temp), "tokenRevoked", None)
        self.assertEqual(dst.get("/user/tokens/temporary", token=named).json["generation"], gen)
        resp = dst.get("/tokens/named/" + named_id, token=named)
        self.assertStatus(resp, 200)
        self.assertEqual(resp.json["metadata"]["custom"], {"k": 1})
        self.assertEqual(resp.json["token"], named)
        self.assertStatus(dst.get("/user", basic=("alice", alice.password)), 200)
        self.assertStatus(dst.get("/provider/tokens/named", token=prov.token), 200)
        # the provider may read alice's generation: it supports her space (through the copy)
        self.assertStatus(dst.get("/users/%s/tokens/temporary" % alice.id, token=prov.token), 200)
        self.assertStatus(dst.get("/users/%s/tokens/named" % alice.id, token=admin.token), 200)
        resp = dst.get("/user/effective_groups", token=member.token)
        self.assertStatus(resp, 200)
        self.assertEqual(sorted(resp.json["groups"]), sorted([group, parent]))
        self.assertEqual(dst.get("/user/harvesters", token=member.token).json["harvesters"],
                         [harvester])
        self.assertEqual(dst.stop(), 0)
        self.assertIsNone(sanitizer_report(src.log() + dst.log()))
        self.assertEqual(dst.admin("check").strip(), "ok")

    def test_copy_arguments(self):
        p = run("store", "copy", "--from", "sqlite:/nonexistent-a")
        self.assertEqual(p.returncode, 2)
        p = run("store", "copy", "--from", "sqlite:/x", "--to", "sqlite:/x")
        self.assertEqual(p.returncode, 2)
        p = run("store", "copy", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("--from URL", p.stdout)
        self.assertIn("harvester", p.stdout)
        self.assertNotIn("Not copied", p.stdout)


class NodesOnOneStore(TokenzoneTestCase):
    """Three server processes on one SQLite store: the same guarantees the PostgreSQL multi-node
    tests check, for the embedded store (several processes on one directory)."""
    NODES = 3
    ROUNDS = 40

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="tokenzone-multi-")
        data = os.path.join(cls.tmp.name, "data")
        cls.nodes = []
        try:
            for _ in range(cls.NODES):
                cls.nodes.append(Server(data_dir=data).start())
            cls.user = cls.nodes[0].quick_user("multi")
            # a named token: the revoke-all test below must not take the class's credential
            cls.user.token = cls.nodes[0].named_token("/user", cls.user.token, name="base")[1]
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for node in cls.nodes:
            node.kill()
        cls.tmp.cleanup()

    def parallel(self, calls):
        results = [None] * len(calls)

        def run_one(i):
            try:
                results[i] = calls[i]()
            except Exception as exc:  # reported by the caller
                results[i] = exc
        threads = [threading.Thread(target=run_one, args=(i,)) for i in range(len(calls))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        return results

    def test_same_name_from_every_node_at_once(self):
        for round_ in range(5):
            name = "race%d" % round_
            results = self.parallel([
                (lambda n=n: n.post("/user/tokens/named", body={"name": name}, token=self.user.token))
                for n in self.nodes for _ in range(2)])
            statuses = sorted(r.status for r in results)
            self.assertEqual(statuses.count(201), 1, statuses)
            for r in results:
                if r.status != 201:
                    self.assertError(r, 400, "badValueIdentifierOccupied", {"key": "name"})

    def test_generation_counts_every_acknowledged_bump(self):
        tok = self.nodes[0].named_token("/user", self.user.token, name="bumper")[1]
        start = self.nodes[1].get("/user/tokens/temporary", token=tok).json["generation"]
        results = self.parallel([
            (lambda n=n: n.delete("/user/tokens/temporary", token=tok))
            for n in self.nodes for _ in range(4)])
        acked = sum(1 for r in results if r.status == 204)
        self.assertEqual(acked, len(results), [r.status for r in results])
        for n in self.nodes:
            self.assertEqual(n.get("/user/tokens/temporary", token=tok).json["generation"], start + acked)

    def test_revocation_is_seen_by_every_node_at_once(self):
        owner = self.nodes[0].named_token("/user", self.user.token, name="owner")[1]
        successes_after_revoke = 0
        for i in range(self.ROUNDS):
            a, b = self.nodes[i % self.NODES], self.nodes[(i + 1) % self.NODES]
            tid, tok = a.named_token("/user", owner, name="r%d" % i)
            self.assertStatus(b.get("/user", token=tok), 200)
            how = i % 3
            if how == 0:
                self.assertEmpty(a.patch("/tokens/named/" + tid, body={"revoked": True}, token=owner))
            elif how == 1:
                self.assertEmpty(a.delete("/tokens/named/" + tid, token=owner))
            else:
                temp = a.temp_token("/user", owner)
                self.assertStatus(b.get("/user", token=temp), 200)
                self.assertEmpty(a.delete("/user/tokens/temporary", token=owner))
                tok = temp
            for n in (b, self.nodes[(i + 2) % self.NODES]):
                if n.get("/user", token=tok).status == 200:
                    successes_after_revoke += 1
        self.assertEqual(successes_after_revoke, 0)

    def test_concurrent_metadata_updates_all_land_whole(self):
        tid, tok = self.nodes[0].named_token("/user", self.user.token, name="meta")
        values = [{"writer": i, "pad": "x" * 100} for i in range(6)]
        results = self.parallel([
            (lambda i=i: self.nodes[i % self.NODES].patch("/tokens/named/" + tid,
                                                          body={"customMetadata": values[i]},
                                                          token=self.user.token))
            for i in range(len(values))])
        self.assertEqual([r.status for r in results], [204] * len(values))
        final = self.nodes[1].get("/tokens/named/" + tid, token=self.user.token).json["metadata"]
        self.assertIn(final["custom"], values)
        self.assertIn("creationTime", final)      # the rest of the metadata survived every write
