"""Sealed secrets: a copy of the store alone cannot produce a token that verifies.

* StoreCopy: a workload issues every kind of token (named access/identity/invite tokens with
  caveats, temporary tokens of users and a provider, a provider's root token from the admin
  tool, revoke-all, deletion, restart); then every value of every column of the database, and
  every printable or 64-hex run in the raw bytes of the database, its WAL and shared-memory
  files (rows, free pages, old log frames), is tried as the secret, the root key and every
  chain state of every token held (sealcheck.chain_starters). None may match. The same check
  run on the right secret must match (control), so the check can fail. On PostgreSQL
  (run.py --store postgres) the values come from a `pg_dump` of the database and the raw bytes
  from the database's relation files.
* Legacy stores: plain secrets and whole tokens written the way earlier releases did are
  sealed at the first start with a key, the tokens keep verifying, GET returns the same token,
  and no plain value or old token survives anywhere in the files; a second start migrates
  nothing.
* Key errors stop the start with a clear reason: key file missing while the store holds sealed
  secrets, another key file, a key file readable by others, a shared store without an explicit
  key file. A sealed secret copied to another row does not open there.
* Rotation while the server runs: `admin master-key rotate` reseals everything, tokens issued
  before still verify (also after a restart), a revoke-all made during the rotation sticks,
  the old version is retired once unused and refused while used."""
import hashlib
import hmac
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time

import sealcheck
from harness import (BIN, Server, ServerTestCase, TokenzoneTestCase, craft, ident, mint, time_caveat)


def db_values(data_dir):
    """Every value of every column of every table (read-only; the WAL is read too)."""
    values = []
    conn = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, "tokenzone.db"), uri=True,
                           timeout=10)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for t in tables:
            for row in conn.execute('SELECT * FROM "%s"' % t.replace('"', '""')):
                values += [v for v in row if v is not None]
    finally:
        conn.close()
    return values


def file_values(data_dir):
    values = set()
    for name in os.listdir(data_dir):
        if name.startswith("tokenzone.db"):
            values |= sealcheck.raw_file_values(os.path.join(data_dir, name))
    return values


def file_bytes(data_dir):
    out = b""
    for name in sorted(os.listdir(data_dir)):
        if name.startswith("tokenzone.db"):
            with open(os.path.join(data_dir, name), "rb") as f:
                out += f.read()
    return out


def run(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([BIN] + list(args), capture_output=True, timeout=60, env=e,
                          stdin=subprocess.DEVNULL)


class CheckCanFail(TokenzoneTestCase):
    """The control: sealcheck finds a secret, a root key and a chain state when they are there."""

    def test_control(self):
        secret = "ab" * 32
        tok = mint("zone.test", "tid", "usr-u1", "named", {"accessToken": {}}, secret,
                   [time_caveat(3600)])
        found = sealcheck.chain_starters([tok], ["noise", "x:%s:y" % secret])
        self.assertIn("secret", [how for _, how, _ in found])
        k0 = hmac.new(b"macaroons-key-generator" + b"\0" * 9, secret.encode(), hashlib.sha256).digest()
        found = sealcheck.chain_starters([tok], [k0.hex()])
        self.assertIn("root key", [how for _, how, _ in found])
        ident, cids, sig = sealcheck.parse_token(tok)
        found = sealcheck.chain_starters([tok], [sig.hex()])
        self.assertIn("chain state 1", [how for _, how, _ in found])
        self.assertEqual(sealcheck.chain_starters([tok], ["cd" * 32, "nothing"]), [])


def store_values(srv):
    """Every column value of the server's store: the SQLite tables, or a `pg_dump` of the
    PostgreSQL database (a run with --store postgres)."""
    return srv.pgdb.dump_values() if srv.pgdb is not None else db_values(srv.data_dir)


def store_file_values(srv):
    if srv.pgdb is None:
        return file_values(srv.data_dir)
    values = set()
    for path in srv.pgdb.file_paths():
        values |= sealcheck.raw_file_values(path)
    return values


def store_file_bytes(srv):
    if srv.pgdb is None:
        return file_bytes(srv.data_dir)
    out = b""
    for path in srv.pgdb.file_paths():
        with open(path, "rb") as f:
            out += f.read()
    return out


def key_file(srv):
    """The master key file the server uses: DIR/master.key, or the PostgreSQL database's."""
    return srv.pgdb.master_key_file if srv.pgdb is not None else os.path.join(srv.data_dir, "master.key")


def run_admin(srv, *args):
    return run("admin", *(srv.store_args() + list(args)), env=srv.store_env())


class StoreCopy(ServerTestCase):
    @classmethod
    def setUpWorld(cls):
        srv = cls.srv
        admin = srv.admin_user()
        alice = srv.logged_user("alice")
        space = srv.admin("space", "create", "space-s", "--owner", alice.id)
        prov = srv.provider("prov-s", alice)
        cls.tokens = [admin.token, alice.token, prov.token]
        cls.tokens.append(srv.named_token("/user", alice.token, caveats=[time_caveat(3600)])[1])
        cls.tokens.append(srv.named_token("/user", alice.token, type={"identityToken": {}})[1])
        if srv.pgdb is None:
            # invite targets are checked through the directory operations, which the PostgreSQL
            # backend does not provide yet (docs/store.md): the invite token is SQLite-only
            cls.tokens.append(srv.named_token(
                "/user", alice.token, type={"inviteToken": {"inviteType": "userJoinSpace", "spaceId": space}})[1])
        cls.tokens.append(srv.temp_token("/provider", prov.token))
        cls.tokens.append(srv.temp_token("/user", alice.token, caveats=[{"type": "interface", "interface": "rest"}]))
        deleted_id, deleted = srv.named_token("/user", alice.token)
        resp = srv.delete("/tokens/named/" + deleted_id, token=alice.token)
        if resp.status != 204:
            raise AssertionError("delete failed: %r" % resp)
        cls.tokens.append(deleted)
        old_temp = srv.temp_token("/user", admin.token)
        if srv.delete("/user/tokens/temporary", token=admin.token).status != 204:
            raise AssertionError("revoke-all failed")
        cls.tokens.append(old_temp)
        srv.restart()
        # the workload's tokens are real: the live ones still authenticate after the restart
        for t in (alice.token, cls.tokens[3]):
            if srv.get("/user", token=t).status != 200:
                raise AssertionError("an issued token does not authenticate")

    def test_no_column_value_starts_a_chain(self):
        values = store_values(self.srv)
        self.assertGreater(len(values), 20)
        self.assertEqual(sealcheck.chain_starters(self.tokens, values), [])

    def test_no_byte_run_in_the_files_starts_a_chain(self):
        values = store_file_values(self.srv)
        self.assertGreater(len(values), 20)
        self.assertEqual(sealcheck.chain_starters(self.tokens, values), [])

    def test_no_token_or_signature_is_stored(self):
        raw = store_file_bytes(self.srv)
        for t in self.tokens:
            _, _, sig = sealcheck.parse_token(t)
            self.assertNotIn(t[:60].encode(), raw)
            self.assertNotIn(sig, raw)
            self.assertNotIn(sig.hex().encode(), raw)
        for v in store_values(self.srv):
            if isinstance(v, str) and len(v) > 40:
                with self.assertRaises(Exception, msg="a stored value parses as a token: %s" % v[:40]):
                    sealcheck.parse_token(v)

    def test_get_recomputes_the_issued_token(self):
        tok = self.tokens[3]
        ident, _, _ = sealcheck.parse_token(tok)
        token_id = ident.decode().split("/")[-1]
        resp = self.srv.get("/tokens/named/" + token_id, token=self.tokens[1])
        self.assertEqual(resp.status, 200, resp)
        self.assertEqual(resp.json["token"], tok)


def legacy_rows(data_dir, user_id, domain):
    """Writes a named token and a temporary-token secret the way releases before sealing did
    (plain 64-hex secrets, the whole token in the token column); returns (secrets, tokens)."""
    named_secret, temp_secret = "1f" * 32, "2e" * 32
    named_id = "legacy0named0token0id0000000001"
    named = mint(domain, named_id, "usr-" + user_id, "named", {"accessToken": {}}, named_secret,
                 [time_caveat(3600)])
    temp = mint(domain, "legacy-temp-id", "usr-" + user_id, "temporary:1", {"accessToken": {}},
                temp_secret, [time_caveat(3600)])
    conn = sqlite3.connect(os.path.join(data_dir, "tokenzone.db"), timeout=10)
    try:
        conn.execute("INSERT INTO named_tokens (id, name, subject_kind, subject_id, token, secret,"
                     " metadata, revoked) VALUES (?, 'legacy', 1, ?, ?, ?, ?, 0)",
                     (named_id, user_id, named, named_secret, '{"creationTime":1,"custom":{}}'))
        conn.execute("INSERT INTO temp_secrets (subject_kind, subject_id, secret, generation)"
                     " VALUES (1, ?, ?, 1)", (user_id, temp_secret))
        conn.commit()
    finally:
        conn.close()
    return [named_secret, temp_secret], [named, temp], named_id


class CraftedSubjects(ServerTestCase):
    """Temporary-token secrets are created (and sealed) on first use for whatever subject a
    token names; a very long or odd subject id must still give tokenInvalid, never a 500."""

    def test_long_subject_id_is_token_invalid(self):
        for sid in ("a" * 3000, "x" * 60000, "\u017c-\u00f3\u0142w"):
            tok = craft(ident("tmp-1", "usr-" + sid), [], secret="guess", location=self.srv.domain)
            resp = self.srv.post("/tokens/verify_access_token", body={"token": tok})
            self.assertError(resp, 400, "tokenInvalid")
            if len(tok) < 16000:   # as a header too, within the header limit
                self.assertAuthError(self.srv.get("/user", token=tok), "tokenInvalid")


class LegacyStore(TokenzoneTestCase):
    def test_plain_store_is_sealed_on_first_start_and_nothing_plain_survives(self):
        srv = Server(store="sqlite")
        try:
            srv.start()
            uid = srv.admin("user", "create", "olduser", "--no-password")
            srv.stop()
            os.remove(os.path.join(srv.data_dir, "master.key"))   # earlier releases had none
            secrets, tokens, named_id = legacy_rows(srv.data_dir, uid, srv.domain)
            self.assertIn(secrets[0].encode(), file_bytes(srv.data_dir))   # the control
            srv.start()
            self.assertIn("sealed 2 stored secrets", srv.log())
            for t in tokens:
                self.assertEqual(srv.get("/user", token=t).status, 200)
            admin = srv.admin_user()
            resp = srv.get("/tokens/named/" + named_id, token=admin.token)
            self.assertEqual(resp.status, 200, resp)
            self.assertEqual(resp.json["token"], tokens[0])
            srv.stop()
            raw = file_bytes(srv.data_dir)
            for s in secrets:
                self.assertNotIn(s.encode(), raw)
            for t in tokens:
                self.assertNotIn(t[:60].encode(), raw)
            self.assertEqual(sealcheck.chain_starters(tokens, db_values(srv.data_dir)), [])
            self.assertEqual(sealcheck.chain_starters(tokens, file_values(srv.data_dir)), [])
            srv.start()   # idempotent: nothing left to migrate
            self.assertEqual(srv.log().count("sealed 2 stored secrets"), 1)
            self.assertNotIn("sealed 0", srv.log())
            for t in tokens:
                self.assertEqual(srv.get("/user", token=t).status, 200)
        finally:
            srv.cleanup()

    def test_mixed_store_seals_only_the_plain_rows(self):
        srv = Server(store="sqlite")
        try:
            srv.start()
            admin = srv.admin_user()
            uid = srv.admin("user", "create", "mixuser", "--no-password")
            before = srv.named_token("/user", admin.token)[1]
            srv.stop()
            secrets, tokens, _ = legacy_rows(srv.data_dir, uid, srv.domain)
            srv.start()
            self.assertIn("sealed 2 stored secrets", srv.log())
            for t in tokens + [before]:
                self.assertEqual(srv.get("/user", token=t).status, 200)
        finally:
            srv.cleanup()


class KeyErrors(TokenzoneTestCase):
    def setUp(self):
        self.srv = Server(store="sqlite")
        self.srv.start()
        admin = self.srv.admin_user()
        self.tok = self.srv.named_token("/user", admin.token)[1]
        self.srv.stop()
        self.key = os.path.join(self.srv.data_dir, "master.key")

    def tearDown(self):
        self.srv.cleanup()

    def start_fails(self, expect):
        with self.assertRaises(RuntimeError) as cm:
            self.srv.start()
        self.assertIn(expect, str(cm.exception))
        self.assertNotIn("listening on", str(cm.exception))

    def test_missing_key_file(self):
        os.rename(self.key, self.key + ".away")
        self.start_fails("does not exist, but the store holds")
        self.assertFalse(os.path.exists(self.key), "a new key must not be made up")
        os.rename(self.key + ".away", self.key)
        self.srv.start()
        self.assertEqual(self.srv.get("/user", token=self.tok).status, 200)

    def test_another_key_file(self):
        other = Server(store="sqlite")
        try:
            other.start()
            other.stop()
            shutil.copy(os.path.join(other.data_dir, "master.key"), self.key)
        finally:
            other.cleanup()
        self.start_fails("does not open the store's secrets")

    def test_key_file_readable_by_others(self):
        os.chmod(self.key, 0o644)
        self.start_fails("accessible to group or others")

    def test_key_file_from_the_environment(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "k")
            shutil.move(self.key, path)
            old = os.environ.get("TOKENZONE_MASTER_KEY_FILE")
            os.environ["TOKENZONE_MASTER_KEY_FILE"] = path
            try:
                self.srv.start()
                self.assertEqual(self.srv.get("/user", token=self.tok).status, 200)
                self.srv.stop()
            finally:
                if old is None:
                    del os.environ["TOKENZONE_MASTER_KEY_FILE"]
                else:
                    os.environ["TOKENZONE_MASTER_KEY_FILE"] = old
            self.assertFalse(os.path.exists(self.key))

    def test_shared_store_needs_an_explicit_key_file(self):
        env = {"TOKENZONE_MASTER_KEY_FILE": ""}
        p = run("serve", "--store", "postgresql://tokenzone@127.0.0.1/tz", "--listen", "127.0.0.1:0", env=env)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"needs --master-key-file", p.stderr)

    def test_sealed_secret_copied_to_another_row_does_not_open(self):
        self.srv.start()
        admin = self.srv.admin_user()
        ids = [self.srv.named_token("/user", admin.token) for _ in range(2)]
        self.srv.stop()
        conn = sqlite3.connect(os.path.join(self.srv.data_dir, "tokenzone.db"), timeout=10)
        try:
            ids_sorted = [r[0] for r in conn.execute("SELECT id FROM named_tokens ORDER BY id")]
            mine = {i for i, _ in ids}
            victim = [i for i in ids_sorted if i in mine][-1]
            donor = [i for i in ids_sorted if i in mine][0]
            # not the first row: the start-up check opens the first row of each key version
            self.assertNotEqual(victim, ids_sorted[0])
            conn.execute("UPDATE named_tokens SET secret = (SELECT secret FROM named_tokens WHERE id = ?)"
                         " WHERE id = ?", (donor, victim))
            conn.commit()
        finally:
            conn.close()
        self.srv.start()
        tokens = dict(ids)
        # a store fault, not a "no": verification fails with 500 (the authentication path of a
        # request header answers the same once store errors are never wrapped into a 401)
        resp = self.srv.post("/tokens/verify_access_token", body={"token": tokens[victim]})
        self.assertError(resp, 500, "internalServerError")
        resp = self.srv.post("/tokens/verify_access_token", body={"token": tokens[donor]})
        self.assertEqual(resp.status, 200, resp)
        self.assertIn("cannot open", self.srv.log())


class Rotation(TokenzoneTestCase):
    def test_rotate_while_serving_then_retire(self):
        srv = Server()
        try:
            srv.start()
            admin = srv.admin_user()
            users = [srv.quick_user() for _ in range(4)]
            named = [srv.named_token("/user", admin.token)[1] for _ in range(30)]
            temps = [u.token for u in users]
            stop = threading.Event()
            revoked = []

            def writer():
                # keeps the server sealing and bumping while the rotation runs
                n = 0
                while not stop.is_set() and n < 200:
                    srv.named_token("/user", admin.token)
                    n += 1
                u = users[0]
                old = u.token
                if srv.delete("/users/%s/tokens/temporary" % u.id, token=admin.token).status == 204:
                    revoked.append(old)

            t = threading.Thread(target=writer)
            t.start()
            out = srv.admin_json("master-key", "rotate", "--batch", "3")
            stop.set()
            t.join(60)
            self.assertEqual(out["current"], 2)
            self.assertGreaterEqual(out["resealed"], 30)
            for tok in named + temps[1:]:
                self.assertEqual(srv.get("/user", token=tok).status, 200)
            self.assertEqual(len(revoked), 1)
            resp = srv.get("/user", token=revoked[0])
            self.assertEqual(resp.status, 401, resp)
            self.assertEqual(resp.json["error"]["details"]["authError"]["id"], "tokenRevoked")
            # the server seals with version 2 once it has re-read the key file (at its first use
            # of a version-2 secret or within 5 s): new secrets then need no resealing
            srv.admin_json("master-key", "reseal")
            deadline = time.monotonic() + 15
            while True:
                srv.named_token("/user", admin.token)
                status = srv.admin_json("master-key", "status")
                if status["versions"][0] == {"version": 1, "secrets": 0} or time.monotonic() > deadline:
                    break
                srv.admin_json("master-key", "reseal")
                time.sleep(0.5)
            self.assertEqual(status["versions"][0], {"version": 1, "secrets": 0})
            self.assertEqual(srv.admin_json("master-key", "retire", "1"), {"retired": 1})
            with open(key_file(srv)) as f:
                self.assertFalse(any(line.startswith("1 ") for line in f))
            srv.restart()
            for tok in named + temps[1:]:
                self.assertEqual(srv.get("/user", token=tok).status, 200)
        finally:
            srv.cleanup()

    def test_retire_refused_while_used_and_for_the_current_version(self):
        srv = Server()
        try:
            srv.start()
            admin = srv.admin_user()
            srv.named_token("/user", admin.token)
            p = run_admin(srv, "master-key", "retire", "1")
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"current one", p.stderr)
            # a second version by hand (as an operator restoring a key would): v1 still in use
            with open(key_file(srv), "a") as f:
                f.write("2 " + "ab" * 32 + "\n")
            p = run_admin(srv, "master-key", "retire", "1")
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"still use version 1", p.stderr)
            self.assertIn(b"ab" * 32, open(key_file(srv), "rb").read())
        finally:
            srv.cleanup()
