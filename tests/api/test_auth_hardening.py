"""Authentication hardening:

* An unknown username costs what a wrong password costs: the server checks the password against
  a fixed dummy Argon2id hash with the parameters of real hashes, so the time of a
  badBasicCredentials reply does not tell whether the username exists. Checked as a behavioural
  property, not a speed: the median reply time of unknown usernames must lie within 0.5-2x the
  median of wrong passwords for existing users (the Argon2 check takes tens of milliseconds;
  without the dummy check the ratio is ~100x). Samples are interleaved so that machine load
  affects both sides alike; users get at most 9 failures each (the throttle starts after 10).
* The server accepts connections only when it is ready: on a first start the `admin` user
  exists before the port answers, so a Basic login sent the moment a connection is accepted
  succeeds."""
import base64
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from harness import ADMIN_PASSWORD, BIN, PREFIX, ServerTestCase, TokenzoneTestCase

USERS = 6
TRIES_PER_USER = 9     # below the per-username throttle of 10 failures


class UnknownUserTiming(ServerTestCase):
    @classmethod
    def setUpWorld(cls):
        cls.users = [cls.srv.user(password="right-%d" % i) for i in range(USERS)]

    def timed(self, username, password):
        t0 = time.monotonic()
        resp = self.srv.get("/user", basic=(username, password))
        elapsed = time.monotonic() - t0
        self.assertAuthError(resp, "badBasicCredentials")
        return elapsed

    def test_unknown_username_costs_what_a_wrong_password_costs(self):
        wrong, unknown = [], []
        n = 0
        for i in range(TRIES_PER_USER):
            for u in self.users:
                wrong.append(self.timed(u.username, "wrong-%d" % i))
                unknown.append(self.timed("nobody-%d" % n, "wrong-%d" % i))
                n += 1
        mw, mu = statistics.median(wrong), statistics.median(unknown)
        ratio = mu / mw
        self.assertTrue(0.5 <= ratio <= 2.0,
                        "median unknown-user reply %.1f ms vs wrong-password %.1f ms (ratio %.2f)"
                        % (mu * 1000, mw * 1000, ratio))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ReadyBeforeListening(TokenzoneTestCase):
    def first_login(self, data_dir):
        port = free_port()
        env = dict(os.environ, TOKENZONE_ADMIN_PASSWORD=ADMIN_PASSWORD)
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env.pop(var, None)
        log = open(os.path.join(os.path.dirname(data_dir), "server.log"), "wb")
        proc = subprocess.Popen([BIN, "serve", "--data", data_dir, "--listen", "127.0.0.1:%d" % port],
                                stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        self.fail("the server did not start listening")
                    time.sleep(0.0005)
            auth = base64.b64encode(("admin:" + ADMIN_PASSWORD).encode()).decode()
            req = urllib.request.Request("http://127.0.0.1:%d%s/user" % (port, PREFIX),
                                         headers={"Authorization": "Basic " + auth})
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                with opener.open(req, timeout=30) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(15)
            log.close()

    def test_admin_exists_when_the_port_first_answers(self):
        for attempt in range(3):
            with tempfile.TemporaryDirectory(prefix="tokenzone-ready-") as d:
                status = self.first_login(os.path.join(d, "data"))
                self.assertEqual(status, 200, "attempt %d: the first Basic login got %s" % (attempt, status))
