"""Revocation must be immediate, also under load: while verify requests for a named token are
running, the token is revoked (PATCH /tokens/named/{id} {"revoked": true}); every verification
*sent after the revocation was acknowledged* must fail with tokenRevoked.

Checker threads each keep one HTTP/1.1 connection and stamp every request with its send time, so
the verdict does not depend on how the load generator orders its connections. Requests that were
in flight while the PATCH was being processed are legitimately either way and only counted."""
import threading
import time

from benchlib import BenchError, Client, error_id


MAX_PROBES = 100000  # per prober thread: the loop is bounded in count as well as in time


class _Prober(threading.Thread):
    def __init__(self, port, token, stop):
        super().__init__(daemon=True)
        self.client = Client(port, timeout=10)
        self.body = {"token": token, "interface": "rest"}
        self.stop = stop
        self.records = []  # (sent, received, status, error id)
        self.failure = None

    def run(self):
        try:
            while not self.stop.is_set() and len(self.records) < MAX_PROBES:
                sent = time.monotonic()
                status, body, _ = self.client.call("POST", "/tokens/verify_access_token", body=self.body)
                self.records.append((sent, time.monotonic(), status, error_id(body)))
        except Exception as e:  # reported by check(); a prober must not die silently
            self.failure = e
        finally:
            self.client.close()


def check(port, token, token_id, auth_token, before=2.0, after=2.5, probers=4):
    """Runs the probers, revokes after `before` seconds, keeps probing for `after` seconds.
    Returns a dict with the counts and `ok` (True iff no verification sent after the revocation
    succeeded, and there were successes before and probes after)."""
    stop = threading.Event()
    threads = [_Prober(port, token, stop) for _ in range(probers)]
    for t in threads:
        t.start()
    time.sleep(before)
    admin = Client(port)
    revoke_sent = time.monotonic()
    status, body, _ = admin.call("PATCH", f"/tokens/named/{token_id}", body={"revoked": True},
                                 token=auth_token)
    revoke_done = time.monotonic()
    admin.close()
    if status != 204:
        stop.set()
        raise BenchError(f"revoking the token: expected 204, got {status}: {body}")
    time.sleep(after)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    failures = [t.failure for t in threads if t.failure]
    if failures:
        raise BenchError(f"a prober failed: {failures[0]!r}")
    records = [r for t in threads for r in t.records]
    ok_before = sum(1 for s, r, st, _ in records if r < revoke_sent and st == 200)
    later = [(st, eid) for s, r, st, eid in records if s > revoke_done]
    later_ok = sum(1 for st, _ in later if st == 200)
    later_revoked = sum(1 for st, eid in later if st == 400 and eid == "tokenRevoked")
    later_other = len(later) - later_ok - later_revoked
    in_flight = len(records) - len(later) - sum(1 for s, r, st, _ in records if r < revoke_sent)
    return {
        "ok_before": ok_before,
        "later": len(later),
        "later_succeeded": later_ok,
        "later_revoked": later_revoked,
        "later_other": later_other,
        "in_flight": in_flight,
        "revoke_ms": (revoke_done - revoke_sent) * 1e3,
        "ok": ok_before > 0 and len(later) > 0 and later_ok == 0 and later_other == 0,
    }
