"""The REST client (`tokenzone OPERATION param=value ...`, docs/cli.md): every operation against a
real server, the two documented onezone-rest-cli examples, credentials from the environment and
options, usage errors, HTTP errors and exit statuses, connection failures, --dry-run without
secrets, help, documentation and bash completion kept in sync with the operation table.

A small in-process HTTP listener (FakeZone) stands in for the server where a real one cannot
produce the situation: 5xx and 3xx replies, oversized replies, a fixed server clock, and checking
the exact request the client sent."""
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest
import urllib.parse

from harness import BIN, REPO_ROOT, ServerTestCase, TokenzoneTestCase, now, time_caveat

CLI_TIMEOUT = 90  # the client's own total timeout is 60 s
EXIT_OK, EXIT_USAGE, EXIT_PROTOCOL, EXIT_4XX, EXIT_5XX, EXIT_TRANSPORT = 0, 2, 3, 4, 5, 7


class Run:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")

    @property
    def json(self):
        return json.loads(self.out)

    @property
    def err_json(self):
        return json.loads(self.err)

    def __repr__(self):
        return "<exit %d\nstdout: %s\nstderr: %s>" % (self.rc, self.out[:3000], self.err[:3000])


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ONEZONE_") and k.lower() not in ("http_proxy", "https_proxy",
                                                                  "all_proxy")}
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def cli(*args, host=None, api_key=None, basic=None, stdin=None, env=None):
    """Runs `tokenzone ARGS` with ONEZONE_HOST / ONEZONE_API_KEY / ONEZONE_BASIC_AUTH set from the
    keyword arguments (and nothing inherited)."""
    e = clean_env(ONEZONE_HOST=host, ONEZONE_API_KEY=api_key, ONEZONE_BASIC_AUTH=basic)
    if env:
        e.update(env)
    proc = subprocess.run([BIN] + [str(a) for a in args], input=stdin, capture_output=True,
                          env=e, timeout=CLI_TIMEOUT)
    return Run(proc)


def free_port():
    """A loopback port nothing listens on (bound and released; nobody else binds it in between
    in practice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def all_operations():
    """(operationId, alias) pairs from the generated completion table of the binary."""
    out = cli("help", "--bash").out
    words = re.search(r'_tokenzone_operations="([^"]*)"', out).group(1).split()
    return list(zip(words[0::2], words[1::2]))


class CliCase(TokenzoneTestCase):
    def assertRun(self, run, rc=EXIT_OK):
        self.assertEqual(run.rc, rc, "unexpected exit status %r" % run)

    def assertCliError(self, run, rc, error_id, status_hint=None):
        """Exit status rc, nothing on stdout, the Onedata error object on stderr."""
        self.assertRun(run, rc)
        self.assertEqual(run.out, "", "stdout must stay empty on errors: %r" % run)
        body = run.err_json
        self.assertEqual(list(body.keys()), ["error"], "stderr: %r" % run)
        self.assertEqual(body["error"]["id"], error_id, "stderr: %r" % run)
        self.check_error_object(body["error"])
        return body["error"]

    def assertUsage(self, run, *fragments):
        self.assertRun(run, EXIT_USAGE)
        self.assertEqual(run.out, "", "stdout must stay empty on usage errors: %r" % run)
        self.assertIn("usage: tokenzone", run.err)
        for f in fragments:
            self.assertIn(f, run.err)


# -------------------------------------------------------------------------------- real server

class CliAgainstServer(ServerTestCase, CliCase):
    @classmethod
    def setUpWorld(cls):
        srv = cls.srv
        cls.admin = srv.admin_user()
        cls.alice = srv.logged_user("alice")
        cls.bob = srv.logged_user("bob")
        cls.prov = srv.provider("provider-cli", cls.alice)
        cls.group = srv.admin("group", "create", "group-cli", "--owner", cls.alice.id)
        # a named token of alice that survives revoking her temporary tokens
        cls.alice_named_id, cls.alice_named = srv.named_token("/user", cls.alice.token,
                                                              name="alice api key")
        cls.key = cls.alice_named  # alice's temporary login token is revoked by one test

    def run_as(self, who, *args, **kw):
        return cli(*args, host=self.srv.base, api_key=who, **kw)

    # ---------------------------------------------------------------- the documented examples
    def test_documented_example_revoke_all_temporary_tokens(self):
        u = self.srv.logged_user()
        _, key = self.srv.named_token("/user", u.token)
        temp = self.srv.temp_token("/user", u.token)
        gen = self.srv.get("/user/tokens/temporary", token=key).json["generation"]
        run = cli("revokeAllTemporaryTokensOfCurrentUser", host=self.srv.base, api_key=key)
        self.assertRun(run)
        self.assertEqual(run.out, "")  # 204: nothing printed
        self.assertEqual(self.srv.get("/user/tokens/temporary", token=key).json,
                         {"generation": gen + 1})
        self.assertAuthError(self.srv.get("/user", token=temp), "tokenRevoked")
        # the same with ONEZONE_BASIC_AUTH
        run = cli("revokeAllTemporaryTokensOfCurrentUser", host=self.srv.base,
                  basic="%s:%s" % (u.username, u.password))
        self.assertRun(run)
        self.assertEqual(self.srv.get("/user/tokens/temporary", token=key).json,
                         {"generation": gen + 2})

    def test_documented_example_named_token_status(self):
        tid, _ = self.srv.named_token("/user", self.key)
        for kw in ({"api_key": self.key},
                   {"basic": "%s:%s" % (self.alice.username, self.alice.password)}):
            with self.subTest(auth=list(kw)):
                run = cli("getNamedTokenStatus", "id=%s" % tid, host=self.srv.base, **kw)
                self.assertRun(run)
                self.assertEqual(run.json, {"revoked": False})
                # indented output
                self.assertEqual(run.out, '{\n  "revoked": false\n}\n')
        run = self.run_as(self.key, "token-status", tid)
        self.assertRun(run)
        self.assertEqual(run.json, {"revoked": False})

    # ---------------------------------------------------------------- every operation
    def test_every_operation(self):
        srv, alice, admin, prov = self.srv, self.alice, self.admin, self.prov
        seen = set()

        def call(who, *args, rc=EXIT_OK, **kw):
            seen.add(args[0])
            run = self.run_as(who, *args, **kw)
            self.assertRun(run, rc)
            return run

        a, p = self.key, prov.token
        # -- named tokens of the current user
        created = call(a, "createNamedTokenForCurrentUser", "name=cli first",
                       'customMetadata={"job":"x"}').json
        self.assertEqual(set(created), {"tokenId", "token"})
        tid, tok = created["tokenId"], created["token"]
        ident = call(a, "createNamedTokenForCurrentUser", "name=cli identity",
                     'type={"identityToken":{}}').json
        invite = call(a, "createNamedTokenForCurrentUser", "name=cli invite",
                      'type={"inviteToken":{"inviteType":"userJoinGroup","groupId":"%s"}}'
                      % self.group, "usageLimit=3").json
        self.assertIn(tid, call(a, "listNamedTokensOfCurrentUser").json["tokens"])
        got = call(a, "getNamedTokenOfCurrentUserByName", "name=cli first").json
        self.assertEqual((got["id"], got["metadata"]["custom"]), (tid, {"job": "x"}))

        # -- named tokens by id
        got = call(a, "getNamedToken", "id=" + tid).json
        self.assertEqual((got["name"], got["token"]), ("cli first", tok))
        inv = call(a, "getNamedToken", "id=" + invite["tokenId"]).json
        self.assertEqual(inv["metadata"]["usageLimit"], 3)
        self.assertEqual(call(a, "modifyNamedToken", "id=" + tid, "revoked=true").out, "")
        self.assertEqual(call(a, "getNamedTokenStatus", "id=" + tid).json, {"revoked": True})
        call(a, "modifyNamedToken", "id=" + tid, "revoked==false", "name=cli renamed")
        self.assertEqual(call(a, "getNamedToken", "id=" + tid).json["name"], "cli renamed")
        ids = call(admin.token, "listAllNamedTokens").json["tokens"]
        self.assertIn(tid, ids)
        self.assertIn(self.alice_named_id, ids)
        self.assertCliError(call(a, "listAllNamedTokens", rc=EXIT_4XX), EXIT_4XX, "forbidden")

        # -- token utilities
        ex = call(None, "examineToken", "token=" + tok).json
        self.assertEqual((ex["id"], ex["persistence"]), (tid, "named"))
        conf = call(None, "confineToken", "token=" + tok,
                    'caveats=[{"type":"interface","interface":"rest"}]', "ttl=600").json
        cav = srv.examine(conf["token"])["caveats"]
        self.assertEqual(cav[0], {"type": "interface", "interface": "rest"})
        self.assertEqual(cav[1]["type"], "time")
        self.assertTrue(now() + 600 - 30 <= cav[1]["validUntil"] <= now() + 600 + 30, cav)
        scope = call(None, "inferAccessTokenScope", "token=" + tok).json
        self.assertIn("dataAccessScope", scope)
        self.assertIn("validUntil", scope)
        ver = call(None, "verifyAccessToken", "token=" + tok, "peerIp=127.0.0.1",
                   "interface=rest", "allowDataAccessCaveats=false").json
        self.assertEqual(ver, {"subject": {"type": "user", "id": alice.id}, "ttl": None})
        ver = call(None, "verifyIdentityToken", "token=" + ident["token"],
                   "consumerToken:=null").json
        self.assertEqual(ver["subject"], {"type": "user", "id": alice.id})
        ver = call(None, "verifyInviteToken", "token=" + invite["token"],
                   "expectedInviteType=userJoinGroup").json
        self.assertEqual(ver["subject"], {"type": "user", "id": alice.id})

        # -- named tokens of a user (by id; the admin acts through oz_tokens_manage)
        made = call(admin.token, "createNamedTokenForUser", "id=" + alice.id, "name=by admin").json
        self.assertIn(made["tokenId"], call(a, "listNamedTokensOfUser", "id=" + alice.id).json["tokens"])
        self.assertEqual(call(a, "getNamedTokenOfUserByName", "id=" + alice.id,
                              "name=by admin").json["id"], made["tokenId"])
        call(a, "deleteNamedToken", "id=" + made["tokenId"])
        self.assertCliError(call(a, "getNamedToken", "id=" + made["tokenId"], rc=EXIT_4XX),
                            EXIT_4XX, "notFound")

        # -- named tokens of a provider: by id (alice is its admin) and as the provider itself
        made = call(a, "createNamedTokenForProvider", "id=" + prov.id, "name=prov by alice").json
        self.assertIn(made["tokenId"], call(a, "listNamedTokensOfProvider", "id=" + prov.id).json["tokens"])
        self.assertEqual(call(a, "getNamedTokenOfProviderByName", "id=" + prov.id,
                              "name=prov by alice").json["id"], made["tokenId"])
        call(p, "createNamedTokenForCurrentProvider", "name=prov own")
        self.assertEqual(len(call(p, "listNamedTokensOfCurrentProvider").json["tokens"]), 3)
        root = call(p, "getNamedTokenOfCurrentProviderByName", "name=root token").json
        self.assertEqual(root["token"], p)

        # -- temporary tokens
        for who, cur, by_id, subject in ((a, "CurrentUser", "User", alice.id),
                                         (p, "CurrentProvider", "Provider", prov.id)):
            t1 = call(who, "createTemporaryTokenFor" + cur, "ttl=600").json["token"]
            ex = srv.examine(t1)
            self.assertEqual((ex["persistence"], ex["subject"]["id"]), ("temporary", subject))
            self.assertTrue(now() + 570 <= ex["caveats"][0]["validUntil"] <= now() + 630)
            t2 = call(a, "createTemporaryTokenFor" + by_id, "id=" + subject, "ttl=300",
                      'type={"identityToken":{}}').json["token"]
            self.assertEqual(srv.examine(t2)["type"], {"identityToken": {}})
            g1 = call(who, "getTemporaryTokenGenerationOf" + cur).json["generation"]
            self.assertEqual(call(a, "getTemporaryTokenGenerationOf" + by_id,
                                  "id=" + subject).json, {"generation": g1})
            self.assertEqual(call(who, "revokeAllTemporaryTokensOf" + cur).out, "")
            call(a, "revokeAllTemporaryTokensOf" + by_id, "id=" + subject)
            self.assertEqual(call(a, "getTemporaryTokenGenerationOf" + by_id,
                                  "id=" + subject).json, {"generation": g1 + 2})
            self.assertCliError(call(None, "verifyAccessToken", "token=" + t1, rc=EXIT_4XX),
                                EXIT_4XX, "tokenRevoked")

        # -- deleting everything (alice's own key is a named token too: use the admin after)
        call(a, "deleteNamedTokensOfProvider", "id=" + prov.id)
        self.assertEqual(call(a, "listNamedTokensOfProvider", "id=" + prov.id).json, {"tokens": []})
        other = srv.provider("provider-cli-2", alice)
        call(other.token, "deleteNamedTokensOfCurrentProvider")
        self.assertEqual(srv.get("/providers/%s/tokens/named" % other.id, token=a).json,
                         {"tokens": []})
        bob = srv.logged_user()
        srv.named_token("/user", bob.token)
        call(bob.token, "deleteNamedTokensOfCurrentUser")
        self.assertEqual(srv.get("/user/tokens/named", token=bob.token).json, {"tokens": []})
        srv.named_token("/user", bob.token)
        call(admin.token, "deleteNamedTokensOfUser", "id=" + bob.id)
        self.assertEqual(srv.get("/user/tokens/named", token=bob.token).json, {"tokens": []})

        # the invite, directory and legacy operations are run by test_invites.CliOperations
        from test_invites import CLI_OPERATIONS
        self.assertEqual(seen, {name for name, _ in all_operations()} - CLI_OPERATIONS)

    def test_aliases_take_positional_path_parameters(self):
        tid, _ = self.srv.named_token("/user", self.key, name="alias target")
        run = self.run_as(self.key, "users-get-named", self.alice.id, "alias target")
        self.assertRun(run)
        self.assertEqual(run.json["id"], tid)
        run = self.run_as(self.key, "user-get-named", "alias target")
        self.assertEqual(run.json["id"], tid)
        run = self.run_as(self.key, "token-get", tid)
        self.assertEqual(run.json["name"], "alias target")
        # the operationId does not take bare values
        self.assertUsage(self.run_as(self.key, "getNamedToken", tid), "unexpected argument")

    def test_names_are_percent_encoded(self):
        name = "zaż(ó)łć gęślą_jaźń.v1"
        tid, _ = self.srv.named_token("/user", self.key, name=name)
        run = self.run_as(self.key, "getNamedTokenOfCurrentUserByName", "name=" + name)
        self.assertRun(run)
        self.assertEqual(run.json["id"], tid)
        self.assertEqual(run.json["name"], name)
        # an id with a slash stays one segment
        run = self.run_as(self.key, "getNamedToken", "id=a/b")
        self.assertRun(run, EXIT_4XX)

    # ---------------------------------------------------------------- bodies
    def test_body_from_data_file_and_stdin(self):
        tok = self.alice_named
        run = self.run_as(None, "examineToken", 'data={"token": "%s"}' % tok)
        self.assertRun(run)
        self.assertEqual(run.json["id"], self.alice_named_id)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"token": tok, "caveats": []}, f)
        try:
            run = self.run_as(None, "confineToken", "data=@" + f.name)
            self.assertRun(run)
            self.assertEqual(self.srv.examine(run.json["token"])["id"], self.alice_named_id)
            # typed fields are merged into data and win
            run = self.run_as(None, "confineToken", "data=@" + f.name,
                              'caveats=[{"type":"interface","interface":"oneclient"}]')
            self.assertEqual(self.srv.examine(run.json["token"])["caveats"],
                             [{"type": "interface", "interface": "oneclient"}])
        finally:
            os.unlink(f.name)
        body = json.dumps({"token": tok, "caveats": []}).encode()
        run = self.run_as(None, "confineToken", "-", stdin=body)  # onezone-rest-cli style
        self.assertRun(run)
        run = self.run_as(None, "confineToken", "data=@-", stdin=body)
        self.assertRun(run)

    def test_server_validation_errors_pass_through(self):
        a = self.key
        self.assertCliError(self.run_as(a, "createNamedTokenForCurrentUser", "name=a"),
                            EXIT_4XX, "badValueName")
        err = self.assertCliError(self.run_as(a, "createNamedTokenForCurrentUser", "name:=5"),
                                  EXIT_4XX, "badValueString")
        self.assertEqual(err["details"], {"key": "name"})
        err = self.assertCliError(self.run_as(a, "createTemporaryTokenForCurrentUser"),
                                  EXIT_4XX, "tokenTimeCaveatRequired")
        self.assertIn("maxTtl", err["details"])
        err = self.assertCliError(self.run_as(a, "modifyNamedToken", "id=" + self.alice_named_id),
                                  EXIT_4XX, "missingAtLeastOneValue")
        self.assertCliError(self.run_as(None, "examineToken", "token=garbage"), EXIT_4XX,
                            "badValueToken")
        self.assertCliError(self.run_as(None, "confineToken", "data=[1]"), EXIT_4XX,
                            "malformedData")
        self.assertCliError(self.run_as(None, "verifyAccessToken", "token=" + self.alice_named,
                                        "interface=ftp"), EXIT_4XX, "badValueNotAllowed")
        self.assertCliError(self.run_as(a, "getNamedToken", "id=no-such-token"), EXIT_4XX,
                            "notFound")
        self.assertCliError(self.run_as(None, "listNamedTokensOfCurrentUser"), EXIT_4XX,
                            "unauthorized")
        self.assertCliError(self.run_as(self.bob.token, "getNamedToken",
                                        "id=" + self.alice_named_id), EXIT_4XX, "forbidden")

    # ---------------------------------------------------------------- credentials
    def test_expired_token(self):
        resp = self.srv.post("/user/tokens/temporary", token=self.key,
                             body={"caveats": [{"type": "time", "validUntil": now() - 60}]})
        self.assertStatus(resp, 201)
        expired = resp.json["token"]
        run = self.run_as(expired, "listNamedTokensOfCurrentUser")
        err = self.assertCliError(run, EXIT_4XX, "unauthorized")
        self.assertEqual(err["details"]["authError"]["id"], "tokenCaveatUnverified")
        self.assertNotIn(expired, run.err)

    def test_credentials_sources_and_precedence(self):
        a = self.alice
        basic = "%s:%s" % (a.username, a.password)

        def who(run):
            self.assertRun(run)
            return self.srv.examine(run.json["token"])["subject"]["id"]

        ttl = ("createTemporaryTokenForCurrentUser", "ttl=60")
        self.assertEqual(who(cli(*ttl, host=self.srv.base, api_key=self.key)), a.id)
        self.assertEqual(who(cli(*ttl, host=self.srv.base, basic=basic)), a.id)
        self.assertEqual(who(cli(*ttl, "--token", self.key, host=self.srv.base)), a.id)
        self.assertEqual(who(cli(*ttl, "--basic=" + basic, "--host", self.srv.base)), a.id)
        # the API key wins over basic credentials; options win over the environment
        self.assertEqual(who(cli(*ttl, host=self.srv.base, api_key=self.key,
                                 basic="bob:wrong")), a.id)
        self.assertEqual(who(cli(*ttl, "--token", self.bob.token, host=self.srv.base,
                                 api_key=self.key)), self.bob.id)
        self.assertEqual(who(cli(*ttl, "--host", self.srv.base, host="http://127.0.0.1:1",
                                 api_key=self.key)), a.id)
        # wrong credentials: 401 with the reason, and the secret is not echoed
        run = cli(*ttl, host=self.srv.base, basic="%s:wrong-password" % a.username)
        err = self.assertCliError(run, EXIT_4XX, "unauthorized")
        self.assertEqual(err["details"]["authError"]["id"], "badBasicCredentials")
        self.assertNotIn("wrong-password", run.err)
        run = cli(*ttl, host=self.srv.base, api_key="not-a-token")
        err = self.assertCliError(run, EXIT_4XX, "unauthorized")
        self.assertEqual(err["details"]["authError"]["id"], "badToken")

    def test_host_forms(self):
        base = self.srv.base
        for host in (base + "/", base + "//", base.replace("http://", "HTTP://")):
            with self.subTest(host=host):
                run = cli("getNamedTokenStatus", "id=" + self.alice_named_id, host=host,
                          api_key=self.key)
                self.assertRun(run)
                self.assertEqual(run.json, {"revoked": False})

    def test_raw_output(self):
        run = self.run_as(self.key, "getNamedTokenStatus", "id=" + self.alice_named_id,
                          "--raw")
        self.assertRun(run)
        resp = self.srv.get("/tokens/named/%s/status" % self.alice_named_id, token=self.key)
        self.assertEqual(run.out, resp.text)
        run = self.run_as(self.key, "getNamedToken", "id=nope", "--raw")
        self.assertRun(run, EXIT_4XX)
        self.assertEqual(run.err, self.srv.get("/tokens/named/nope", token=self.key).text)

    def test_dry_run_sends_nothing_and_runs_with_curl(self):
        gen = self.srv.get("/user/tokens/temporary", token=self.key).json["generation"]
        run = self.run_as(self.key, "revokeAllTemporaryTokensOfCurrentUser", "--dry-run")
        self.assertRun(run)
        self.assertNotIn(self.key, run.out + run.err)
        self.assertIn('"x-auth-token: $ONEZONE_API_KEY"', run.out)
        self.assertEqual(self.srv.get("/user/tokens/temporary", token=self.key).json,
                         {"generation": gen})
        # curl is a dependency (scripts/install-deps.sh): its absence fails the test
        self.assertTrue(shutil.which("curl"), "curl is not installed")
        # the printed command, run by a shell with the variables set, does the same request
        run = self.run_as(self.key, "verifyAccessToken", "token=" + self.alice_named,
                          "peerIp=127.0.0.1", "--dry-run")
        self.assertRun(run)
        self.assertNotIn(self.alice_named, run.out)
        self.assertIn("# $TOKEN:", run.out)
        shell = subprocess.run(["bash", "-c", run.out], capture_output=True, timeout=CLI_TIMEOUT,
                               env=clean_env(ONEZONE_API_KEY=self.key,
                                             TOKEN=self.alice_named))
        self.assertEqual(shell.returncode, 0, shell)
        self.assertEqual(json.loads(shell.stdout)["subject"], {"type": "user", "id": self.alice.id})
        # basic credentials and a --token option are not printed either
        pw = "%s:%s" % (self.alice.username, self.alice.password)
        for args, kw in ((("--basic", pw), {}), ((), {"basic": pw}),
                         (("--token", self.key), {})):
            run = cli("listNamedTokensOfCurrentUser", "--dry-run", *args, host=self.srv.base, **kw)
            self.assertRun(run)
            self.assertNotIn(self.alice.password, run.out + run.err)
            self.assertNotIn(self.key, run.out + run.err)


# -------------------------------------------------------------------------------- no server

class CliWithoutServer(CliCase):
    def test_connection_refused(self):
        port = free_port()
        run = cli("getNamedTokenStatus", "id=x", host="http://127.0.0.1:%d" % port, api_key="T0K")
        self.assertRun(run, EXIT_TRANSPORT)
        self.assertEqual(run.out, "")
        self.assertIn("127.0.0.1:%d" % port, run.err)
        self.assertNotIn("T0K", run.err)

    def test_usage_errors(self):
        h = "http://127.0.0.1:%d" % free_port()  # never contacted: usage errors come first
        cases = [
            (("getNamedToken",), ["missing path parameter id="]),
            (("getNamedToken", "id="), ["must not be empty"]),
            (("getNamedToken", "id=a", "foo=b"), ['unknown parameter "foo"']),
            (("getNamedToken", "id=a", "id=b"), ["given twice"]),
            (("getNamedToken", "id=a", "data={}"), ["takes no request body"]),
            (("modifyNamedToken", "id=a", "revoked=yes"), ["true or false"]),
            (("modifyNamedToken", "id=a", "customMetadata={"), ["invalid JSON"]),
            (("createTemporaryTokenForCurrentUser", "ttl=0"), ["ttl"]),
            (("createTemporaryTokenForCurrentUser", "ttl=1h"), ["seconds"]),
            (("confineToken", "data=@/nonexistent/body.json"), ["cannot open"]),
            (("confineToken", "data=[1]", "token=x"), ["JSON object"]),
            (("token-get", "a", "b"), ['unexpected argument "b"']),
            (("getNamedToken", "id=a", "--bogus"), ["--bogus"]),
            (("getNamedToken", "id=a", "--host"), ["--host"]),
            (("getNamedToken", "id=a", "--token", "t", "--basic", "u:p"), ["not both"]),
            (("getNamedToken", "id=a", "--basic", "nocolon"), ["username:password"]),
            (("getNamedToken", "id=a", "--token", "a\nb"), ["control characters"]),
            (("getNamedToken", "id=a", "--host", "ftp://x"), ["https://"]),
        ]
        for args, fragments in cases:
            with self.subTest(args=args):
                self.assertUsage(cli(*args, host=h, api_key="T0K"), *fragments)
        self.assertUsage(cli("getNamedToken", "id=a"), "ONEZONE_HOST")
        self.assertUsage(cli("getNamedToken", "id=a", host=h, api_key="a\rb"), "ONEZONE_API_KEY")
        self.assertUsage(cli("getNamedToken", "id=a", host=h, basic="nocolon"),
                         "ONEZONE_BASIC_AUTH")
        run = cli("noSuchOperation", host=h)
        self.assertRun(run, EXIT_USAGE)
        self.assertIn("noSuchOperation", run.err)

    def test_help(self):
        run = cli("help")
        self.assertRun(run)
        for name, alias in all_operations():
            self.assertIn(name, run.out)
            self.assertIn(alias, run.out)
        for title in ("Token utilities", "Named tokens by id", "Named tokens of the current user",
                      "Named tokens of a provider", "Temporary tokens of the current user",
                      "Temporary tokens of a provider"):
            self.assertIn(title, run.out)
        for text in ("ONEZONE_HOST", "ONEZONE_API_KEY", "ONEZONE_BASIC_AUTH", "--dry-run",
                     "exit status", "7  no reply"):
            self.assertIn(text, run.out)
        self.assertEqual(len(all_operations()), 39 + 43)  # token routes + invites, directory, legacy
        run = cli("help", "getNamedTokenStatus")
        self.assertRun(run)
        for text in ("GET /api/v3/onezone/tokens/named/{id}/status", "token-status",
                     "id=ID", "tokenzone getNamedTokenStatus id=$TOKEN_ID"):
            self.assertIn(text, run.out)
        self.assertEqual(cli("getNamedTokenStatus", "--help").out, run.out)
        self.assertEqual(cli("help", "token-status").out, run.out)
        run = cli("help", "inferAccessTokenScope")
        self.assertIn("POST /api/v3/onezone/tokens/infer_access_token_scope", run.out)
        run = cli("help", "noSuchOperation")
        self.assertRun(run, EXIT_USAGE)

    def test_generated_docs_are_current(self):
        with open(os.path.join(REPO_ROOT, "docs", "cli.md"), encoding="utf-8") as f:
            doc = f.read()
        self.assertIn(cli("help", "--markdown").out, doc,
                      "docs/cli.md is stale: run scripts/gen-cli-docs.sh")
        path = os.path.join(REPO_ROOT, "dist", "tokenzone.bash-completion")
        with open(path, encoding="utf-8") as f:
            comp = f.read()
        self.assertIn(cli("help", "--bash").out, comp,
                      "the bash completion is stale: run scripts/gen-cli-docs.sh")
        for name, _ in all_operations():
            self.assertIn("`%s`" % name, doc)

    def complete(self, line):
        path = os.path.join(REPO_ROOT, "dist", "tokenzone.bash-completion")
        script = ('source "$1"; COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}; '
                  'read -ra COMP_WORDS <<< "$COMP_LINE"; COMP_CWORD=${#COMP_WORDS[@]}; '
                  '[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("") || COMP_CWORD=$((COMP_CWORD-1)); '
                  '_tokenzone; printf "%s\\n" "${COMPREPLY[@]}"')
        proc = subprocess.run(["bash", "-c", script, "bash", path, line], capture_output=True,
                              timeout=30)
        self.assertEqual(proc.returncode, 0, proc)
        return [w for w in proc.stdout.decode().split("\n") if w]

    def test_bash_completion(self):
        self.assertEqual(self.complete("tokenzone getNamedTokenS"), ["getNamedTokenStatus"])
        self.assertEqual(self.complete("tokenzone token-st"), ["token-status"])
        self.assertEqual(sorted(self.complete("tokenzone se")), ["serve"])
        self.assertIn("admin", self.complete("tokenzone "))
        self.assertIn("help", self.complete("tokenzone "))
        self.assertIn("revokeAllTemporaryTokensOfCurrentUser", self.complete("tokenzone "))
        self.assertEqual(self.complete("tokenzone help revokeAllTemporaryTokensOfCurrentU"),
                         ["revokeAllTemporaryTokensOfCurrentUser"])
        self.assertEqual(self.complete("tokenzone getNamedTokenStatus "),
                         ["id=", "--host", "--token", "--basic", "--cacert", "--insecure", "--raw",
                          "--dry-run", "--help"])
        self.assertEqual(self.complete("tokenzone modifyNamedToken rev"), ["revoked="])
        self.assertEqual(self.complete("tokenzone verifyAccessToken allow"),
                         ["allowDataAccessCaveats="])


# -------------------------------------------------------------------------------- fake zone

class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append({"method": self.command, "path": self.path,
                                     "headers": dict(self.headers.items()), "body": body})
        if self.path.endswith("/provider/public/get_current_time"):
            status, headers, payload = 200, {}, json.dumps(
                {"timeMillis": self.server.time_millis}).encode()
        else:
            status, headers, payload = self.server.reply
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = handle_any


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the client hanging up on an oversized reply is expected


class FakeZone:
    def __init__(self):
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.requests = []
        self.httpd.reply = (200, {}, b"{}")
        self.httpd.time_millis = 1700000000123
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def reply(self, status, body=b"", headers=None):
        self.httpd.requests.clear()
        self.httpd.reply = (status, headers or {}, body)

    @property
    def requests(self):
        return self.httpd.requests

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class CliAgainstFakeZone(CliCase):
    @classmethod
    def setUpClass(cls):
        cls.zone = FakeZone()

    @classmethod
    def tearDownClass(cls):
        cls.zone.close()

    def run_cli(self, *args, **kw):
        kw.setdefault("host", self.zone.base)
        return cli(*args, **kw)

    def test_request_shape_with_token(self):
        self.zone.reply(201, b'{"token":"NEW"}')
        run = self.run_cli("createNamedTokenForUser", "id=u 1", "name=n", "revoked=false",
                           "usageLimit=infinity", api_key="K3Y")
        self.assertRun(run)
        self.assertEqual(run.json, {"token": "NEW"})
        (req,) = self.zone.requests
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["path"], "/api/v3/onezone/users/u%201/tokens/named")
        self.assertEqual(req["headers"].get("x-auth-token"), "K3Y")
        self.assertNotIn("Authorization", req["headers"])
        self.assertEqual(req["headers"].get("Content-Type"), "application/json")
        self.assertEqual(json.loads(req["body"]),
                         {"name": "n", "revoked": False, "usageLimit": "infinity"})

    def test_request_shape_with_basic_and_no_body(self):
        self.zone.reply(204)
        run = self.run_cli("deleteNamedToken", "id=t", basic="user:pa:ss")
        self.assertRun(run)
        self.assertEqual(run.out, "")
        (req,) = self.zone.requests
        self.assertEqual((req["method"], req["path"], req["body"]),
                         ("DELETE", "/api/v3/onezone/tokens/named/t", b""))
        self.assertEqual(req["headers"].get("Authorization"), "Basic dXNlcjpwYTpzcw==")
        self.assertNotIn("x-auth-token", req["headers"])
        self.assertNotIn("Content-Type", req["headers"])

    def test_anonymous_post_sends_an_empty_object(self):
        self.zone.reply(200, b'{"ok":true}')
        self.assertRun(self.run_cli("examineToken"))
        (req,) = self.zone.requests
        self.assertEqual(req["body"], b"{}")
        self.assertNotIn("x-auth-token", req["headers"])
        self.assertNotIn("Authorization", req["headers"])

    def test_ttl_uses_the_server_clock(self):
        self.zone.reply(201, b'{"token":"T"}')
        run = self.run_cli("createTemporaryTokenForCurrentUser", "ttl=3600",
                           'caveats=[{"type":"ip","whitelist":["1.2.3.4"]}]', api_key="K")
        self.assertRun(run)
        time_req, create = self.zone.requests
        self.assertEqual(time_req["path"], "/api/v3/onezone/provider/public/get_current_time")
        self.assertNotIn("x-auth-token", time_req["headers"])  # public: no credentials
        self.assertEqual(json.loads(create["body"]),
                         {"caveats": [{"type": "ip", "whitelist": ["1.2.3.4"]},
                                      {"type": "time", "validUntil": 1700000000 + 3600}]})

    def test_exit_statuses(self):
        cases = [
            (500, b'{"error":{"id":"internalServerError","description":"x"}}', EXIT_5XX),
            (503, b'{"error":{"id":"serviceUnavailable","description":"y"}}', EXIT_5XX),
            (404, b'{"error":{"id":"notFound","description":"z"}}', EXIT_4XX),
            (405, b"", EXIT_4XX),
            (302, b"", EXIT_PROTOCOL),
        ]
        for status, body, rc in cases:
            with self.subTest(status=status):
                headers = {"Location": "http://127.0.0.1:1/elsewhere"} if status == 302 else None
                self.zone.reply(status, body, headers)
                run = self.run_cli("getNamedToken", "id=t", api_key="K")
                self.assertRun(run, rc)
                self.assertEqual(run.out, "")
                if body:
                    self.assertEqual(json.loads(run.err), json.loads(body))
                else:
                    self.assertIn(str(status), run.err)
                self.assertEqual(len(self.zone.requests), 1)  # redirects are not followed

    def test_non_json_reply_is_printed_as_received(self):
        self.zone.reply(200, b"plain text\n")
        run = self.run_cli("getNamedToken", "id=t")
        self.assertRun(run)
        self.assertEqual(run.out, "plain text\n")

    def test_oversized_reply(self):
        self.zone.reply(200, b"x" * (64 * 1024 * 1024 + 1))
        run = self.run_cli("getNamedToken", "id=t")
        self.assertRun(run, EXIT_TRANSPORT)
        self.assertEqual(run.out, "")
        self.assertIn("larger than", run.err)
        self.zone.reply(200, b"[]")  # do not keep 64 MiB around


if __name__ == "__main__":
    unittest.main()
