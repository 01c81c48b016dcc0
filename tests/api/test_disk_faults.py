"""Storage faults while the server runs: a full file system and a store made read-only.

While the fault lasts, every write either succeeds durably or fails with a 5xx Onedata error
object (internalServerError or serviceUnavailable) and the server logs a line saying why; reads
(token authentication, named-token lookups, lists, examine, verify) keep working. When the fault
goes away the server recovers by itself (no restart), nothing acknowledged is lost, and the store
passes the integrity check.

A full disk is a small tmpfs mounted for the test (needs root and mount permission: skipped with
the reason otherwise). A read-only store is the immutable attribute (chattr +i) on the database
files, which refuses writes even to root and even through descriptors opened before (skipped
when the file system does not support it)."""
import os
import shutil
import subprocess
import tempfile
import time

from harness import Server, TokenzoneTestCase, sanitizer_report, time_caveat

TMPFS_SIZE = "4M"
PAD = "p" * 50000           # custom metadata that makes each create grow the WAL
MAX_WRITES = 200            # attempts while full; the first failure ends the loop
RECOVERY_LIMIT = 10.0       # seconds for writes to come back once the fault is gone
STORE_REASONS = ("full", "space", "read-only", "readonly", "permission", "not permitted",
                 "disk i/o", "i/o error", "attempt to write")


class StoreFaultBase(TokenzoneTestCase):
    srv = None

    def start_world(self, data_dir):
        self.srv = Server(data_dir=data_dir, domain="faults.zone.test")
        self.srv.start()
        self.addCleanup(self.srv.kill)
        self.admin = self.srv.admin_user()
        self.user = self.srv.quick_user("faultuser")
        self.named_id, self.named = self.srv.named_token("/user", self.user.token, name="stable")
        self.temp = self.srv.temp_token("/user", self.user.token)
        self.acked = {self.named_id: "stable"}   # id -> name of every acknowledged create

    def tearDown(self):
        if self.srv is not None:
            problem = sanitizer_report(self.srv.log())
            self.assertIsNone(problem, "sanitizer report:\n%s" % problem)

    # ---------------------------------------------------------------- checks
    def create(self, name, pad=True):
        body = {"name": name}
        if pad:
            body["customMetadata"] = {"pad": PAD}
        return self.srv.post("/user/tokens/named", body=body, token=self.user.token)

    def assertStoreError(self, resp, what):
        self.assertIn(resp.status, (500, 503), "%s during the fault: %r" % (what, resp))
        self.assertIsInstance(resp.json, dict, "%s: 5xx without an error object: %r" % (what, resp))
        self.assertEqual(list(resp.json), ["error"], what)
        err = resp.json["error"]
        self.assertIn(err.get("id"), ("internalServerError", "serviceUnavailable"), what)
        self.check_error_object(err)
        if err.get("id") == "internalServerError":
            # the reference the client can quote is in the request's log line
            ref = err.get("details", {}).get("reference")
            self.assertRegex(ref or "", r"^[0-9a-f]{10}$", what)
            deadline = time.monotonic() + 5
            while "ref=" + ref not in self.srv.log() and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertIn("ref=" + ref, self.srv.log(), what)

    def writes_during_fault(self):
        """Writes until one fails; every outcome is a success or a clean 5xx."""
        log_before = len(self.srv.log())
        failed = 0
        for i in range(MAX_WRITES):
            resp = self.create("during%d" % i)
            if resp.status == 201:
                self.acked[resp.json["tokenId"]] = "during%d" % i
                continue
            self.assertStoreError(resp, "create named")
            failed += 1
            break
        self.assertEqual(failed, 1, "%d writes all succeeded: the fault had no effect" % MAX_WRITES)
        # other kinds of writes fail cleanly too (or succeed, if they fit in what is left)
        for what, resp in (
                ("rename", self.srv.patch("/tokens/named/" + self.named_id,
                                          body={"customMetadata": {"pad": PAD}},
                                          token=self.user.token)),
                ("revoke all", self.srv.delete("/user/tokens/temporary", token=self.named)),
                ("create again", self.create("during-again"))):
            if resp.status in (201, 204):
                if what == "create again":
                    self.acked[resp.json["tokenId"]] = "during-again"
                if what == "revoke all":
                    self.temp = self.srv.temp_token("/user", self.named)
                continue
            self.assertStoreError(resp, what)
        new_log = self.srv.log()[log_before:]
        store_lines = [line for line in new_log.splitlines()
                       if " 500 " not in line and " 503 " not in line
                       and any(r in line.lower() for r in STORE_REASONS)]
        self.assertTrue(store_lines, "no log line explains the failed writes:\n%s" % new_log[-3000:])

    def reads_keep_working(self):
        for tok in (self.named, self.temp):
            resp = self.srv.get("/user", token=tok)
            self.assertStatus(resp, 200)
            self.assertEqual(resp.json["userId"], self.user.id)
        self.assertStatus(self.srv.get("/tokens/named/" + self.named_id, token=self.named), 200)
        self.assertStatus(self.srv.get("/user/tokens/named", token=self.named), 200)
        self.assertStatus(self.srv.get("/user/tokens/named/name/stable", token=self.named), 200)
        self.assertStatus(self.srv.get("/user/tokens/temporary", token=self.named), 200)
        self.assertStatus(self.srv.post("/tokens/examine", body={"token": self.named}), 200)
        self.assertStatus(self.srv.post("/tokens/verify_access_token", body={"token": self.named}),
                          200)
        self.assertStatus(self.srv.post("/tokens/confine", body={
            "token": self.named, "caveats": [time_caveat(60)]}), 200)
        self.assertStatus(self.srv.get("/configuration"), 200)

    def writes_recover(self):
        deadline = time.monotonic() + RECOVERY_LIMIT
        i = 0
        while True:
            i += 1
            resp = self.create("after%d" % i, pad=False)
            if resp.status == 201:
                self.acked[resp.json["tokenId"]] = "after%d" % i
                break
            self.assertStoreError(resp, "create after the fault")
            self.assertLess(time.monotonic(), deadline,
                            "writes still fail %.0f s after the fault ended" % RECOVERY_LIMIT)
            time.sleep(0.2)
        self.assertEmpty(self.srv.patch("/tokens/named/" + self.named_id, body={"revoked": True},
                                        token=self.user.token))
        self.assertEmpty(self.srv.patch("/tokens/named/" + self.named_id, body={"revoked": False},
                                        token=self.user.token))
        self.assertEmpty(self.srv.delete("/user/tokens/temporary", token=self.named))
        self.assertAuthError(self.srv.get("/user", token=self.temp), "tokenRevoked", None)
        self.temp = self.srv.temp_token("/user", self.named)

    def nothing_acknowledged_is_lost(self):
        resp = self.srv.get("/user/tokens/named", token=self.named)
        self.assertStatus(resp, 200)
        self.assertTrue(set(self.acked) <= set(resp.json["tokens"]),
                        "acknowledged tokens missing: %r" % (set(self.acked) - set(resp.json["tokens"])))
        for tid, name in self.acked.items():
            resp = self.srv.get("/tokens/named/" + tid, token=self.named)
            self.assertStatus(resp, 200)
            self.assertEqual(resp.json["name"], name)

    def full_cycle_checks(self):
        self.nothing_acknowledged_is_lost()
        self.srv.restart()
        self.nothing_acknowledged_is_lost()
        self.srv.stop()
        self.assertEqual(self.srv.admin("check").strip(), "ok")


class DiskFull(StoreFaultBase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a small tmpfs needs root")
        self.tmp = tempfile.mkdtemp(prefix="tokenzone-full-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(self.mnt)
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % TMPFS_SIZE,
                               "tmpfs", self.mnt], capture_output=True, timeout=30)
        if proc.returncode != 0:
            self.skipTest("cannot mount a %s tmpfs: %s" % (TMPFS_SIZE, proc.stderr.decode().strip()))
        self.addCleanup(subprocess.run, ["umount", "-l", self.mnt], capture_output=True, timeout=30)
        self.filler = os.path.join(self.mnt, "filler")

    def fill(self):
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (1 << 16, 512, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * size)
                except OSError:
                    pass
        finally:
            os.close(fd)
        st = os.statvfs(self.mnt)
        self.assertLess(st.f_bavail * st.f_frsize, 4096, "the file system is not full")

    def test_disk_full_then_space_returns(self):
        self.start_world(os.path.join(self.mnt, "data"))
        self.fill()
        self.writes_during_fault()
        self.reads_keep_working()
        os.unlink(self.filler)
        self.writes_recover()
        self.reads_keep_working()
        self.full_cycle_checks()


class ReadOnlyStore(StoreFaultBase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("chattr +i needs root")
        self.tmp = tempfile.mkdtemp(prefix="tokenzone-ro-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.immutable = []
        self.addCleanup(self.make_writable)
        probe = os.path.join(self.tmp, "probe")
        open(probe, "w").close()
        proc = subprocess.run(["chattr", "+i", probe], capture_output=True, timeout=30)
        subprocess.run(["chattr", "-i", probe], capture_output=True, timeout=30)
        if proc.returncode != 0:
            self.skipTest("chattr +i not supported here: %s" % proc.stderr.decode().strip())

    def make_read_only(self, data_dir):
        # the database files, and the directory so that no journal can be created beside them
        paths = [os.path.join(data_dir, f) for f in sorted(os.listdir(data_dir))
                 if f.endswith(".db") or f.endswith(".db-wal")] + [data_dir]
        self.assertGreaterEqual(len(paths), 2)
        for p in paths:
            subprocess.run(["chattr", "+i", p], check=True, capture_output=True, timeout=30)
            self.immutable.append(p)

    def make_writable(self):
        for p in reversed(self.immutable):
            subprocess.run(["chattr", "-i", p], capture_output=True, timeout=30)
        self.immutable = []

    def test_read_only_store_then_writable_again(self):
        data = os.path.join(self.tmp, "data")
        self.start_world(data)
        self.make_read_only(data)
        self.writes_during_fault()
        self.reads_keep_working()
        self.make_writable()
        self.writes_recover()
        self.reads_keep_working()
        self.full_cycle_checks()
