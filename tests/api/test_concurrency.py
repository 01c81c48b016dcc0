"""Uniqueness and counting rules hold under concurrent requests: of N simultaneous creations of
one name for one subject exactly one succeeds; N simultaneous revoke-alls advance the generation
by exactly N; concurrent renames never leave two tokens with one name."""
import threading

from harness import ServerTestCase

THREADS = 8


def parallel(fn, n=THREADS):
    results = [None] * n
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = fn(i)
        except Exception as e:  # reported by the caller
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


class Concurrency(ServerTestCase):
    @classmethod
    def setUpWorld(cls):
        cls.admin = cls.srv.admin_user()

    def test_same_name_created_concurrently(self):
        u = self.srv.quick_user()
        res = parallel(lambda i: self.srv.post("/user/tokens/named", body={"name": "racy"},
                                               token=u.token))
        statuses = sorted(getattr(r, "status", repr(r)) for r in res)
        self.assertEqual(statuses, [201] + [400] * (THREADS - 1), statuses)
        for r in res:
            if r.status == 400:
                self.assertError(r, 400, "badValueIdentifierOccupied", {"key": "name"})
        self.assertEqual(len(self.srv.get("/user/tokens/named", token=u.token).json["tokens"]), 1)

    def test_revoke_all_concurrently(self):
        u = self.srv.quick_user()
        named = self.srv.named_token("/user", u.token)[1]
        res = parallel(lambda i: self.srv.delete("/user/tokens/temporary", token=named))
        self.assertEqual([getattr(r, "status", repr(r)) for r in res], [204] * THREADS)
        gen = self.srv.get("/user/tokens/temporary", token=named).json["generation"]
        self.assertEqual(gen, 1 + THREADS)

    def test_concurrent_renames_to_one_name(self):
        u = self.srv.quick_user()
        ids = [self.srv.named_token("/user", u.token)[0] for _ in range(THREADS)]
        res = parallel(lambda i: self.srv.patch("/tokens/named/" + ids[i],
                                                body={"name": "wanted"}, token=u.token))
        statuses = sorted(getattr(r, "status", repr(r)) for r in res)
        self.assertEqual(statuses, [204] + [400] * (THREADS - 1), statuses)
        names = [self.srv.get("/tokens/named/" + t, token=u.token).json["name"] for t in ids]
        self.assertEqual(names.count("wanted"), 1)

    def test_concurrent_creations_of_distinct_names(self):
        u = self.srv.quick_user()
        res = parallel(lambda i: self.srv.post("/user/tokens/named", body={"name": "n-%d" % i},
                                               token=u.token))
        self.assertEqual([getattr(r, "status", repr(r)) for r in res], [201] * THREADS)
        listed = self.srv.get("/user/tokens/named", token=u.token).json["tokens"]
        self.assertEqual(sorted(listed), sorted(r.json["tokenId"] for r in res))
