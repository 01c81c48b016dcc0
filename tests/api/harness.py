"""Black-box harness for the tokenzone REST API tests (tests/api/).

Everything talks to a real `tokenzone serve` process over loopback HTTP. Standard library only,
plus Debian's python3-yaml and python3-jsonschema for the swagger checks (schemas.py).

Public API
----------
Paths and constants
    REPO_ROOT, BIN (env TOKENZONE_BIN, default build/tokenzone under the repo root),
    SHARED_DIR (../shared beside the repo, never needed by a test), GEOIP_DIR and SWAGGER_DIR
    (tests/fixtures), PREFIX ("/api/v3/onezone"),
    ADMIN_PASSWORD (the password given to the auto-created user "admin").

Server(domain=..., max_ttl=None, geoip=False, data_dir=None, extra_args=(), database=None)
                        with TOKENZONE_TEST_STORE=postgres every Server without data_dir gets
                        its own database of a throwaway PostgreSQL cluster (pg.py); database=
                        a pg.Database serves that one instead (several nodes on one store);
                        store="sqlite" keeps a temporary SQLite directory in a PostgreSQL run
                        (tests that read or break the SQLite files themselves)
    .start()            starts `tokenzone serve` on 127.0.0.1:0, waits (bounded) for the
                        "listening on http://127.0.0.1:PORT" line; returns self
    .stop() -> int      SIGTERM, bounded wait, returns the exit status (kills on timeout)
    .restart()          stop + start on the same data dir
    .kill()             SIGKILL if running (used at teardown; also registered with atexit)
    .log()              the server's stderr/stdout so far, over all starts
    .cleanup()          kill if running and remove the temporary data directory
    .port, .base, .data_dir, .domain
    .request(method, path, body=NOBODY, headers=None, token=None, basic=None,
             raw=None, content_type="application/json", prefix=True) -> Response
                        path is relative to PREFIX unless prefix=False; body is JSON-encoded;
                        raw sends bytes as they are; token sets x-auth-token; basic=(user, pw)
    .get/.post/.patch/.delete(path, **kw)   shorthands
    .raw_request(method, path, body_bytes=None, headers=None) -> Response
                        http.client without any automatic header (for 405/415/406 checks)
    .admin(*args) -> str                    `tokenzone admin --data DIR ARGS...`, stdout stripped;
                                            raises ToolError on a non-zero exit
    .admin_json(*args)                      same, parsed as JSON
    .user(username, password=None, full_name=None, privileges=()) -> User
                        creates a user with the admin tool (and grants oz privileges)
    .login(user, ttl=None) -> str           a temporary access token for the user obtained once with
                                            Basic auth (also stored as user.token); ttl defaults
                                            to 3600 s or the server's max TTL if smaller
    .named_token(owner_path, token, name=None, **fields) -> (tokenId, token)
    .temp_token(owner_path, token, ttl=None, caveats=(), **fields) -> token
    .examine(token) -> dict
    .provider(name, admin_user) -> Provider creates a provider (provider.token = its root token)
    .logged_user(username=None, **kw) -> User   user() + login()
    .quick_user(username=None) -> User      a password-less user with an admin-issued token
                                            (no Argon2 hashing: use where Basic is not needed)
    .admin_user() -> User                   the auto-created "admin", logged in

Response: .status, .headers (case-insensitive), .body (bytes), .json (parsed or None), .text

token_tool(*args) -> str        `tokenzone token ARGS...` (offline mint/examine/confine)
mint(domain, id, subject, persistence, type_json, secret, caveats=None) -> str   (via token_tool)
craft(identifier, caveats=(), secret="x", location=DEFAULT_DOMAIN) -> str
                                a token built here, independently of the product (token-format.md:
                                libmacaroons v1 packets, derived HMAC key, base64url, base62
                                escaping); caveats are raw caveat strings such as "time < 123"
ident(persistence, subject, type_wire="act", token_id="crafted-id") -> str
                                a version-2 identifier, e.g. ident("tmp-1", "usr-U")
now() -> int                    wall clock seconds
time_caveat(ttl) -> dict        {"type": "time", "validUntil": now()+ttl}

TokenzoneTestCase (unittest.TestCase) adds
    assertError(resp, status, error_id, details=ANY, description=AUTO)
        checks the HTTP status, the Onedata error body, the details (exact unless ANY) and the
        description (rendered from errors.md via catalogue.describe unless given explicitly)
    assertAuthError(resp, inner_id, inner_details=ANY)  401 unauthorized{authError: inner}
    assertStatus(resp, status)       with the body in the failure message
    assertTtl(ttl, expected)         a server-computed TTL for a caveat `expected` s ahead
    assertUnauthenticated(resp) / assertForbidden(resp) / assertNotFound(resp)
                                     the plain 401 / 403 / 404 bodies (no details)
    assertEmpty(resp, status=204)    status and an empty body
    assertSchema(definition_name, instance)  swagger validation (skips if swagger is absent)
    assertRouteSchema(method, template, resp) the reply against its route's swagger response
                                     schema (template as in routes.py)
    Every error body checked by assertError is also validated against the swagger Error.

ServerTestCase(TokenzoneTestCase)
    one Server per class as cls.srv (server_args() -> Server kwargs; setUpWorld() for fixtures);
    tearDownClass stops it with SIGTERM and fails the class if the exit status is not 0 or the
    log holds a sanitizer report (sanitizer_report(log) -> excerpt or None)
World(srv)
    the standard cast on one server: admin, alice (owns `space`, supported by p, and `group`),
    bob, carol (plain member of p's cluster), dave (p's admin: cluster_update), erin (p2's
    admin), providers p and p2 (p2 supports nothing)
"""
import atexit
import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import catalogue
import pg

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TOKENZONE_BIN") or os.path.join(REPO_ROOT, "build", "tokenzone")
SHARED_DIR = os.path.join(REPO_ROOT, "..", "shared")
# fixtures the repository carries itself (origin and license in each directory's README)
FIXTURES_DIR = os.path.join(REPO_ROOT, "tests", "fixtures")
GEOIP_DIR = os.path.join(FIXTURES_DIR, "geoip")
SWAGGER_DIR = os.path.join(FIXTURES_DIR, "onezone-swagger")
PREFIX = "/api/v3/onezone"
ADMIN_PASSWORD = "admin-password-for-tests"
DEFAULT_DOMAIN = "zone.tokenzone.test"

START_TIMEOUT = 20.0     # seconds until the server must print its listening line
STOP_TIMEOUT = 15.0      # seconds after SIGTERM before it is killed
HTTP_TIMEOUT = 30.0      # per request
TOOL_TIMEOUT = 60.0      # per admin/token tool run

NOBODY = object()        # "no body" marker for Server.request
ANY = object()           # "do not compare" marker for assertError

_LIVE_SERVERS = set()


@atexit.register
def _kill_leftovers():
    for srv in list(_LIVE_SERVERS):
        srv.kill()


def now():
    return int(time.time())


def time_caveat(ttl):
    return {"type": "time", "validUntil": now() + ttl}


class ToolError(Exception):
    pass


def _run_tool(args, timeout=TOOL_TIMEOUT, env=None):
    try:
        proc = subprocess.run([BIN] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise ToolError("tokenzone %s: timed out after %ss" % (" ".join(map(str, args)), timeout))
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise ToolError("tokenzone %s: exit %d\nstdout: %s\nstderr: %s" % (
            " ".join(map(str, args)), proc.returncode, out,
            proc.stderr.decode("utf-8", "replace")))
    return out.strip()


def token_tool(*args):
    return _run_tool(["token"] + list(args))


def mint(domain, token_id, subject, persistence, type_json, secret, caveats=None):
    """Mints a token offline. subject: "usr-U" / "prv-P"; persistence: "named" / "temporary:N";
    type_json: dict or JSON string; caveats: list of caveat JSON (optional)."""
    if not isinstance(type_json, str):
        type_json = json.dumps(type_json)
    args = ["mint", "--domain", domain, "--id", token_id, "--subject", subject,
            "--persistence", persistence, "--type", type_json, "--secret", secret]
    if caveats is not None:
        args += ["--caveats", json.dumps(caveats)]
    return token_tool(*args)


def _packet(key, value):
    body = key.encode("ascii") + b" " + value + b"\n"
    return ("%04x" % (len(body) + 4)).encode("ascii") + body


def craft(identifier, caveats=(), secret="x", location=DEFAULT_DOMAIN):
    key = hmac.new(b"macaroons-key-generator" + b"\0" * 9, secret.encode("utf-8"),
                   hashlib.sha256).digest()
    sig = hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).digest()
    out = _packet("location", location.encode("utf-8"))
    out += _packet("identifier", identifier.encode("utf-8"))
    for cav in caveats:
        raw = cav.encode("utf-8")
        out += _packet("cid", raw)
        sig = hmac.new(sig, raw, hashlib.sha256).digest()
    out += _packet("signature", sig)
    b64 = base64.urlsafe_b64encode(out).decode("ascii").rstrip("=")
    return "".join({"0": "00", "_": "01", "-": "02"}.get(ch, ch) for ch in b64)


def ident(persistence, subject, type_wire="act", token_id="crafted-id"):
    return "2/%s/%s/%s/%s" % (persistence, subject, type_wire, token_id)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body or b""
        self.text = self.body.decode("utf-8", "replace")
        try:
            self.json = json.loads(self.text) if self.body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<HTTP %d %s>" % (self.status, self.text[:2000])


class User:
    def __init__(self, uid, username, password):
        self.id = uid
        self.username = username
        self.password = password
        self.token = None

    def __repr__(self):
        return "User(%s, %s)" % (self.username, self.id)


class Provider:
    def __init__(self, pid, token, name):
        self.id = pid
        self.token = token
        self.name = name

    def __repr__(self):
        return "Provider(%s, %s)" % (self.name, self.id)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


class Server:
    def __init__(self, domain=DEFAULT_DOMAIN, max_ttl=None, geoip=False, data_dir=None,
                 extra_args=(), database=None, store=None):
        self.domain = domain
        self.max_ttl = max_ttl
        self.geoip = geoip
        self.extra_args = list(extra_args)
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="tokenzone-api-")
            data_dir = os.path.join(self._tmp.name, "data")
        self.data_dir = data_dir
        # TOKENZONE_TEST_STORE=postgres: the store is a fresh database of the shared throwaway
        # PostgreSQL cluster (pg.py) instead of data_dir, unless the test asked for a directory
        # database=pg.Database: serve that one (several nodes on one store; not dropped here)
        # store="sqlite": a test of SQLite files keeps SQLite in a PostgreSQL run
        self._own_db = (database is None and store != "sqlite" and pg.enabled()
                        and self._tmp is not None)
        self.pgdb = database if database is not None else (
            pg.cluster().new_database() if self._own_db else None)
        self.proc = None
        self.port = None
        self.base = None
        self._log_paths = []     # one per start; log() concatenates them
        self._log_file = None
        self._admin_user = None
        self._counter = 0

    # ---------------------------------------------------------------- process lifecycle
    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("server already running")
        if not os.path.exists(BIN):
            raise RuntimeError("tokenzone binary not found: %s (set TOKENZONE_BIN)" % BIN)
        args = [BIN, "serve"] + self.store_args() + ["--listen", "127.0.0.1:0",
                                                     "--domain", self.domain]
        if self.max_ttl is not None:
            args += ["--max-temporary-token-ttl", str(self.max_ttl)]
        if self.geoip:
            args += ["--geoip-asn", os.path.join(GEOIP_DIR, "GeoLite2-ASN-Test.mmdb"),
                     "--geoip-country", os.path.join(GEOIP_DIR, "GeoLite2-Country-Test.mmdb"),
                     "--geoip-city", os.path.join(GEOIP_DIR, "GeoIP2-City-Test.mmdb")]
        args += self.extra_args
        logdir = self._tmp.name if self._tmp else tempfile.gettempdir()
        fd, log_path = tempfile.mkstemp(prefix="server-", suffix=".log", dir=logdir)
        self._log_paths.append(log_path)
        self._log_file = os.fdopen(fd, "wb")
        env = dict(os.environ)
        env["TOKENZONE_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        env.update(self.store_env())
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env.pop(var, None)
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=self._log_file, env=env)
        _LIVE_SERVERS.add(self)
        deadline = time.monotonic() + START_TIMEOUT
        marker = "tokenzone: listening on http://127.0.0.1:"
        while True:
            text = self._read(log_path)
            idx = text.find(marker)
            if idx >= 0:
                rest = text[idx + len(marker):]
                digits = ""
                for ch in rest:
                    if not ch.isdigit():
                        break
                    digits += ch
                if digits and len(rest) > len(digits):
                    self.port = int(digits)
                    break
            if self.proc.poll() is not None:
                _LIVE_SERVERS.discard(self)
                raise RuntimeError("tokenzone serve exited with %s before listening:\n%s"
                                   % (self.proc.returncode, text))
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError("tokenzone serve did not report listening within %ss:\n%s"
                                   % (START_TIMEOUT, text))
            time.sleep(0.02)
        self.base = "http://127.0.0.1:%d" % self.port
        return self

    def stop(self):
        """SIGTERM and a bounded wait; returns the exit status (or -9 when it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
                rc = -9
                self._finish()
                return rc
        rc = self.proc.returncode
        self._finish()
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        self._finish()

    def _finish(self):
        _LIVE_SERVERS.discard(self)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def restart(self):
        rc = self.stop()
        self.start()
        return rc

    def store_args(self):
        """The command-line options naming this server's store."""
        if self.pgdb is not None:
            return ["--store", self.pgdb.uri]
        return ["--data", self.data_dir]

    def store_env(self):
        """Environment for the server and the admin tool: a PostgreSQL store needs its master key
        file named explicitly (the same file for every node of the database), unless the run
        already names one."""
        if self.pgdb is not None and not os.environ.get("TOKENZONE_MASTER_KEY_FILE"):
            return {"TOKENZONE_MASTER_KEY_FILE": self.pgdb.master_key_file}
        return {}

    def cleanup(self):
        self.kill()
        if self.pgdb is not None and self._own_db:
            self.pgdb.drop()
        self.pgdb = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def log(self):
        """Everything the server printed (stdout and stderr), over all its starts."""
        return "".join(self._read(p) for p in self._log_paths)

    @staticmethod
    def _read(path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # ---------------------------------------------------------------- HTTP
    def request(self, method, path, body=NOBODY, headers=None, token=None, basic=None, raw=None,
                content_type="application/json", prefix=True):
        url = self.base + (PREFIX if prefix else "") + path
        hdrs = {}
        data = None
        if raw is not None:
            data = raw
        elif body is not NOBODY:
            data = json.dumps(body).encode("utf-8")
        if data is not None and content_type is not None:
            hdrs["Content-Type"] = content_type
        if token is not None:
            hdrs["x-auth-token"] = token
        if basic is not None:
            cred = ("%s:%s" % basic).encode("utf-8")
            hdrs["Authorization"] = "Basic " + base64.b64encode(cred).decode("ascii")
        if headers:
            hdrs.update(headers)
        req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
        try:
            with _OPENER.open(req, timeout=HTTP_TIMEOUT) as resp:
                return Response(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as e:
            try:
                payload = e.read()
            except Exception:  # the body of an error reply may be absent
                payload = b""
            return Response(e.code, e.headers, payload)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=NOBODY, **kw):
        return self.request("POST", path, body=body, **kw)

    def patch(self, path, body=NOBODY, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def raw_request(self, method, path, body_bytes=None, headers=None, prefix=True):
        """A request with exactly the given headers (plus Host and Content-Length)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        try:
            conn.putrequest(method, (PREFIX if prefix else "") + path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            if body_bytes is not None:
                conn.putheader("Content-Length", str(len(body_bytes)))
            conn.endheaders(body_bytes)
            resp = conn.getresponse()
            return Response(resp.status, resp.headers, resp.read())
        finally:
            conn.close()

    # ---------------------------------------------------------------- admin tool & fixtures
    def admin(self, *args):
        env = self.store_env()
        return _run_tool(["admin"] + self.store_args() + list(args),
                         env=dict(os.environ, **env) if env else None)

    def admin_json(self, *args):
        return json.loads(self.admin(*args))

    def unique(self, stem):
        self._counter += 1
        return "%s%d" % (stem, self._counter)

    def user(self, username=None, password=None, full_name=None, privileges=()):
        username = username or self.unique("user")
        password = password or ("pw-" + username)
        args = ["user", "create", username, "--password", password]
        if full_name is not None:
            args += ["--full-name", full_name]
        uid = self.admin(*args)
        if privileges:
            self.admin("user", "grant", uid, *privileges)
        return User(uid, username, password)

    def login(self, user, ttl=None):
        if ttl is None:
            ttl = min(3600, self.max_ttl or 3600)
        resp = self.post("/user/tokens/temporary",
                         body={"caveats": [time_caveat(ttl)]},
                         basic=(user.username, user.password))
        if resp.status != 201 or not resp.json or "token" not in resp.json:
            raise AssertionError("login of %s failed: %r" % (user.username, resp))
        user.token = resp.json["token"]
        return user.token

    def logged_user(self, username=None, **kw):
        u = self.user(username, **kw)
        self.login(u)
        return u

    def quick_user(self, username=None):
        """A user without a password (no Argon2 work: fast) whose token is a temporary token
        issued by the admin (oz_tokens_manage) through /users/{id}/tokens/temporary."""
        username = username or self.unique("quser")
        u = User(self.admin("user", "create", username, "--no-password"), username, None)
        u.token = self.temp_token("/users/" + u.id, self.admin_user().token)
        return u

    def admin_user(self):
        if self._admin_user is None:
            users = self.admin_json("user", "list")
            uid = None
            for u in _user_list(users):
                if u.get("username") == "admin":
                    uid = u.get("id") or u.get("userId")
            if uid is None:
                raise AssertionError("no user 'admin' in `admin user list`: %r" % users)
            self._admin_user = User(uid, "admin", ADMIN_PASSWORD)
            self.login(self._admin_user)
        return self._admin_user

    def provider(self, name=None, admin_user=None):
        name = name or self.unique("provider")
        info = self.admin_json("provider", "create", name, "--admin", admin_user.id,
                               "--zone-domain", self.domain)
        return Provider(info["providerId"], info["rootToken"], name)

    def named_token(self, owner_path, token, name=None, **fields):
        """Creates a named token at owner_path ("/user", "/users/ID", "/provider", ...) and
        returns (tokenId, serialized)."""
        body = {"name": name or self.unique("tok")}
        body.update(fields)
        resp = self.post(owner_path + "/tokens/named", body=body, token=token)
        if resp.status != 201:
            raise AssertionError("creating named token at %s failed: %r" % (owner_path, resp))
        return resp.json["tokenId"], resp.json["token"]

    def temp_token(self, owner_path, token, ttl=None, caveats=(), **fields):
        if ttl is None:
            ttl = min(3600, self.max_ttl or 3600)
        body = {"caveats": [time_caveat(ttl)] + list(caveats)}
        body.update(fields)
        resp = self.post(owner_path + "/tokens/temporary", body=body, token=token)
        if resp.status != 201:
            raise AssertionError("creating temporary token at %s failed: %r" % (owner_path, resp))
        return resp.json["token"]

    def examine(self, token):
        resp = self.post("/tokens/examine", body={"token": token})
        if resp.status != 200:
            raise AssertionError("examine failed: %r" % resp)
        return resp.json


def _user_list(users):
    if isinstance(users, dict):
        for key in ("users", "list"):
            if isinstance(users.get(key), list):
                return users[key]
        return [users]
    return users


class TokenzoneTestCase(unittest.TestCase):
    maxDiff = None

    def assertStatus(self, resp, status, msg=None):
        self.assertEqual(resp.status, status, msg or ("unexpected reply %r" % resp))

    def assertError(self, resp, status, error_id, details=ANY, description=None):
        self.assertEqual(resp.status, status, "want %d %s, got %r" % (status, error_id, resp))
        self.assertIsInstance(resp.json, dict, "error body is not a JSON object: %r" % resp)
        self.assertEqual(list(resp.json.keys()), ["error"], "error body keys: %r" % resp)
        err = resp.json["error"]
        self.assertEqual(err.get("id"), error_id, "error id: %r" % resp)
        self.check_error_object(err, details, description)
        import schemas
        if schemas.available():
            problems = schemas.errors("Error", resp.json)
            self.assertFalse(problems, "error body does not match the swagger Error: %s"
                             % problems)

    def check_error_object(self, err, details=ANY, description=None):
        self.assertIsInstance(err, dict)
        extra = set(err.keys()) - {"id", "description", "details"}
        self.assertFalse(extra, "unexpected keys in error object %r" % err)
        self.assertIsInstance(err.get("description"), str, "error description: %r" % err)
        if details is not ANY:
            if details is None:
                self.assertNotIn("details", err, "error %s must have no details" % err["id"])
            else:
                self.assertEqual(err.get("details"), details, "details of %s" % err["id"])
        if "details" in err:
            self.assertIsInstance(err["details"], dict, "details must be an object: %r" % err)
        want = description if description is not None else catalogue.describe(err)
        if want is not None:
            self.assertEqual(err["description"], want, "description of %r" % err)
        # nested errors carry their own descriptions
        for key in ("authError", "tokenError"):
            inner = (err.get("details") or {}).get(key)
            if isinstance(inner, dict):
                self.assertIn("id", inner)
                self.check_error_object(inner)

    def assertAuthError(self, resp, inner_id, inner_details=ANY):
        self.assertError(resp, 401, "unauthorized")
        details = resp.json["error"].get("details")
        self.assertIsInstance(details, dict, "401 without authError details: %r" % resp)
        self.assertEqual(list(details.keys()), ["authError"], "401 details: %r" % resp)
        inner = details["authError"]
        self.assertEqual(inner.get("id"), inner_id, "authError: %r" % resp)
        if inner_details is not ANY:
            if inner_details is None:
                self.assertNotIn("details", inner, "authError %s must have no details" % inner_id)
            else:
                self.assertEqual(inner.get("details"), inner_details, "authError details")

    def assertUnauthenticated(self, resp):
        """Plain 401 for a nobody caller: no details."""
        self.assertError(resp, 401, "unauthorized", details=None,
                         description="You must authenticate yourself to perform this operation.")

    def assertForbidden(self, resp):
        self.assertError(resp, 403, "forbidden", details=None,
                         description="You are not authorized to perform this operation.")

    def assertNotFound(self, resp):
        self.assertError(resp, 404, "notFound", details=None,
                         description="The resource could not be found.")

    def assertEmpty(self, resp, status=204):
        self.assertEqual(resp.status, status, "want %d, got %r" % (status, resp))
        self.assertEqual(resp.body, b"", "body must be empty")

    def assertTtl(self, ttl, expected):
        """A TTL reported by the server for a time caveat set `expected` seconds ahead just before
        the request: never more, and less only by the request's latency (bounded generously)."""
        self.assertIsInstance(ttl, int)
        self.assertLessEqual(ttl, expected)
        self.assertGreaterEqual(ttl, expected - 60)

    def assertSchema(self, definition, instance):
        import schemas
        # a check that cannot run fails (never skips): the schemas are in the repository
        self.assertTrue(schemas.available(), "swagger definitions or jsonschema/yaml missing (%s)"
                        % SWAGGER_DIR)
        errors = schemas.errors(definition, instance)
        self.assertFalse(errors, "%s does not validate against %s:\n%s"
                         % (json.dumps(instance)[:2000], definition, "\n".join(errors)))


    def assertRouteSchema(self, method, template, resp):
        import schemas
        self.assertTrue(schemas.available(), "swagger definitions or jsonschema/yaml missing (%s)"
                        % SWAGGER_DIR)
        problems = schemas.route_errors(method, template, resp.status, resp.json)
        self.assertIsNotNone(problems, "the swagger documents no %d body for %s %s"
                             % (resp.status, method, template))
        self.assertFalse(problems, "%s %s reply %r does not match the swagger:\n%s"
                         % (method, template, resp, "\n".join(problems)))


def sanitizer_report(log):
    """The first AddressSanitizer / UndefinedBehaviorSanitizer / LeakSanitizer report in a
    server log (about 3000 characters of it), or None."""
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        idx = log.find(marker)
        if idx >= 0:
            return log[max(0, idx - 200):idx + 3000]
    return None


class ServerTestCase(TokenzoneTestCase):
    """One server per test class (cls.srv), killed at teardown even when setUpClass fails.
    Subclasses override server_args() and/or setUpWorld()."""

    @classmethod
    def server_args(cls):
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv = Server(**cls.server_args())
        try:
            cls.srv.start()
            cls.setUpWorld()
        except BaseException:
            cls.srv.cleanup()
            raise

    @classmethod
    def setUpWorld(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        # a graceful stop: SIGTERM must end the server with status 0, and a sanitizer build must
        # not have reported anything while it ran
        rc = cls.srv.stop()
        log = cls.srv.log()
        cls.srv.cleanup()
        super().tearDownClass()
        problem = sanitizer_report(log)
        if problem:
            raise AssertionError("the server reported a sanitizer error:\n" + problem)
        if rc not in (0, None):
            raise AssertionError("the server exited with status %s on SIGTERM; log tail:\n%s"
                                 % (rc, log[-3000:]))


class World:
    """The standard cast used by several test classes, all on one server:

    admin  - the auto-created admin (oz_tokens_manage)
    alice  - owner of space `space` (supported by provider p) and group `group`
    bob    - an unrelated user
    carol  - member of p's cluster with default privileges (no cluster_update)
    dave   - admin of provider p (every cluster privilege, incl. cluster_update)
    erin   - admin of provider p2, which supports nothing
    p      - provider supporting `space`; p2 - provider supporting nothing
    """

    def __init__(self, srv):
        self.srv = srv
        self.admin = srv.admin_user()
        self.alice = srv.logged_user("alice")
        self.bob = srv.logged_user("bob")
        self.carol = srv.logged_user("carol")
        self.dave = srv.logged_user("dave")
        self.erin = srv.logged_user("erin")
        self.p = srv.provider("provider-p", self.dave)
        self.p2 = srv.provider("provider-p2", self.erin)
        srv.admin("cluster", "add-user", self.p.id, self.carol.id)
        self.space = srv.admin("space", "create", "space-a", "--owner", self.alice.id)
        srv.admin("space", "support", self.space, self.p.id)
        self.group = srv.admin("group", "create", "group-a", "--owner", self.alice.id)
