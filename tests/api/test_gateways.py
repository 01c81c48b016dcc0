"""Real gateways from Debian in front of a small upstream, asking tokenzone about each request:
nginx + auth_request to /forward-auth, nginx + njs (RFC 7662 introspection from JavaScript),
Apache 2.4 + mod_oauth2 (introspection, result cache expiry=1) and Apache 2.4 + mod_auth_openidc
(introspection over https with client_secret_basic, result cache off).

Every gateway runs from a self-contained configuration in a temporary directory, on loopback,
started and stopped by the test; a missing binary or module fails the test. The upstream is a
Python http.server that echoes the headers it receives. Clients connect from 127.0.0.2 (and
127.0.0.3 as "another client"); the gateways reach tokenzone from 127.0.0.1, the only trusted
proxy, so X-Forwarded-For written by nginx counts and anything a client writes does not.

The Apache modules cannot send the client's address with their introspection call (liboauth2
1.4.5 and mod_auth_openidc 2.4.12 send only static parameters), so an ip-caveat token is refused
through them whatever the client's address: introspection fails closed without peer_ip. The
tests check exactly that."""
import base64
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from harness import BIN, HTTP_TIMEOUT, Server, TokenzoneTestCase, now, sanitizer_report, time_caveat

NGINX = "/usr/sbin/nginx"
APACHE = "/usr/sbin/apache2"
APACHE_MODULES = "/usr/lib/apache2/modules"
NJS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so"
START_TIMEOUT = 20.0
CLIENT = "127.0.0.2"
OTHER_CLIENT = "127.0.0.3"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, log_paths, what):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    logs = ""
    for p in log_paths:
        try:
            logs += open(p, errors="replace").read()
        except OSError:
            pass
    raise RuntimeError("%s did not start listening on %d:\n%s" % (what, port, logs))


class Upstream:
    """Echoes method, path and headers as JSON; remembers the paths it saw."""

    def __init__(self):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)
                body = json.dumps({"path": self.path,
                                   "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Process:
    """A gateway process in the foreground, stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, argv, log_path, env=None):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=self.log, env=env, start_new_session=True)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)
        self.log.close()


def tls_tokenzone(srv, tmp):
    """A second tokenzone on the same store serving https with a throwaway certificate."""
    cert, key = os.path.join(tmp, "tz.crt"), os.path.join(tmp, "tz.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    port = free_port()
    log = os.path.join(tmp, "tokenzone-tls.log")
    env = dict(os.environ, TOKENZONE_ADMIN_PASSWORD="unused-admin-exists")
    p = Process([BIN, "serve"] + srv.store_args() + ["--domain", srv.domain,
                 "--listen", "127.0.0.1:%d" % port, "--tls-cert", cert, "--tls-key", key,
                 "--trusted-proxy", "127.0.0.1/32"], log, env)
    wait_port(port, p.proc, [log], "tokenzone (TLS)")
    return p, port


class GatewayCase:
    """The behaviour every gateway must show. Subclasses start the gateway in start_gateway()
    and say how long its result cache keeps an answer (cache_seconds) and whether the client's
    address reaches tokenzone (passes_peer)."""

    cache_seconds = 0
    passes_peer = True
    gateway = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tokenzone-gw-")
        os.chmod(cls.tmp, 0o755)
        cls.procs = []
        cls.upstream = None
        cls.srv = Server(extra_args=["--trusted-proxy", "127.0.0.1/32"])
        try:
            cls.srv.start()
            cls.upstream = Upstream()
            cls.client = cls.srv.admin_json("client", "create", "gw-" + cls.gateway)
            cls.user = cls.srv.quick_user("gwuser")
            cls.port = free_port()
            cls.start_gateway()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for p in reversed(cls.procs):
            p.stop()
        if cls.upstream:
            cls.upstream.stop()
        rc = cls.srv.stop()
        log = cls.srv.log()
        for p in cls.procs:
            if "tokenzone" in os.path.basename(p.log_path):
                log += open(p.log_path, errors="replace").read()
        cls.srv.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if rc not in (0, None):
            raise AssertionError("tokenzone exited with %s" % rc)
        report = sanitizer_report(log)
        if report:
            raise AssertionError("sanitizer report in the tokenzone log:\n" + report)

    @classmethod
    def write(cls, name, text, mode=0o644):
        path = os.path.join(cls.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def gateway_logs(self):
        out = ""
        for p in self.procs:
            out += open(p.log_path, errors="replace").read()
        for name in ("error.log",):
            path = os.path.join(self.tmp, name)
            if os.path.exists(path):
                out += open(path, errors="replace").read()
        return out[-4000:]

    # ------------------------------------------------------------------ requests
    def get(self, token=None, source=CLIENT, headers=None):
        path = "/protected/%d-%f" % (os.getpid(), time.monotonic())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT,
                                          source_address=(source, 0))
        hdrs = dict(headers or {})
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        try:
            conn.request("GET", path, headers=hdrs)
            r = conn.getresponse()
            body = r.read()
        finally:
            conn.close()
        reached = path in self.upstream.seen
        return r.status, body, reached

    def assertAccepted(self, token, source=CLIENT, headers=None):
        status, body, reached = self.get(token, source, headers)
        self.assertEqual(status, 200, "%s %r\n%s" % (status, body[:300], self.gateway_logs()))
        self.assertTrue(reached)
        return json.loads(body)

    def assertRefused(self, token, source=CLIENT, headers=None):
        status, body, reached = self.get(token, source, headers)
        self.assertIn(status, (401, 403), "%s %r\n%s" % (status, body[:300], self.gateway_logs()))
        self.assertFalse(reached, "the upstream was reached")

    def wait_cache(self):
        if self.cache_seconds:
            time.sleep(self.cache_seconds + 0.5)

    def named(self, caveats=()):
        return self.srv.named_token("/user", self.user.token, caveats=list(caveats))

    def confine(self, token, caveat):
        resp = self.srv.post("/tokens/confine", body={"token": token, "caveats": [caveat]})
        self.assertEqual(resp.status, 200, resp)
        return resp.json["token"]

    # ------------------------------------------------------------------ the behaviour
    def test_valid_token_reaches_upstream_with_subject(self):
        _, tok = self.named()
        echo = self.assertAccepted(tok)
        self.assertEqual(echo["headers"].get("x-token-subject"), "usr-" + self.user.id, echo)

    def test_forged_subject_header_is_overwritten(self):
        _, tok = self.named()
        echo = self.assertAccepted(tok, headers={"X-Token-Subject": "usr-somebody-else"})
        self.assertEqual(echo["headers"].get("x-token-subject"), "usr-" + self.user.id)

    def test_revoked_named_token_refused(self):
        tid, tok = self.named()
        self.assertAccepted(tok)
        resp = self.srv.patch("/tokens/named/" + tid, body={"revoked": True}, token=self.user.token)
        self.assertEqual(resp.status, 204, resp)
        self.wait_cache()
        self.assertRefused(tok)

    def test_temporary_token_after_revoke_all_refused(self):
        u = self.srv.quick_user()
        tok = self.srv.temp_token("/user", u.token, ttl=600)
        self.assertAccepted(tok)
        self.assertEqual(self.srv.delete("/user/tokens/temporary", token=u.token).status, 204)
        self.wait_cache()
        self.assertRefused(tok)

    def test_expired_token_refused(self):
        _, tok = self.named()
        self.assertRefused(self.confine(tok, {"type": "time", "validUntil": now() - 5}))

    def test_other_interface_refused(self):
        _, tok = self.named()
        oneclient = self.confine(tok, {"type": "interface", "interface": "oneclient"})
        self.assertRefused(oneclient)
        # a client cannot choose the interface the gateway speaks for
        self.assertRefused(oneclient, headers={"X-Onedata-Interface": "oneclient"})
        # the same token confined to the interface the gateway speaks for is fine
        self.assertAccepted(self.confine(tok, {"type": "interface", "interface": "rest"}))

    def test_garbage_and_no_token_refused(self):
        self.assertRefused("garbage")
        self.assertRefused(None)
        self.assertRefused("")

    def test_ip_caveat(self):
        _, tok = self.named([time_caveat(600)])
        t = self.confine(tok, {"type": "ip", "whitelist": [CLIENT + "/32"]})
        if self.passes_peer:
            self.assertAccepted(t, source=CLIENT)
        else:
            self.assertRefused(t, source=CLIENT)
        self.assertRefused(t, source=OTHER_CLIENT)
        # a client cannot claim another address
        self.assertRefused(t, source=OTHER_CLIENT, headers={"X-Forwarded-For": CLIENT})

    def test_zz_no_token_or_secret_in_tokenzone_log(self):
        _, tok = self.named()
        self.assertAccepted(tok)
        log = self.srv.log()
        for p in self.procs:
            if "tokenzone" in os.path.basename(p.log_path):
                log += open(p.log_path, errors="replace").read()
        self.assertIn("/oauth2/introspect" if self.gateway != "nginx-auth-request" else "/forward-auth", log)
        self.assertNotIn(tok, log)
        self.assertNotIn(self.client["clientSecret"], log)


NGINX_COMMON = """
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{load}
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    {http_extra}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            auth_request /_auth;
            auth_request_set $tz_subject {subject_var};
            proxy_set_header X-Token-Subject $tz_subject;
            proxy_pass http://127.0.0.1:{upstream};
        }}
{auth_locations}
    }}
}}
"""


class NginxGateway(GatewayCase):
    @classmethod
    def start_nginx(cls, load, http_extra, subject_var, auth_locations):
        if not os.path.exists(NGINX):
            raise RuntimeError("nginx not installed at %s (apt-get install nginx-core)" % NGINX)
        conf = NGINX_COMMON.format(tmp=cls.tmp, load=load, http_extra=http_extra, port=cls.port,
                                   upstream=cls.upstream.port, subject_var=subject_var,
                                   auth_locations=auth_locations)
        path = cls.write("nginx.conf", conf)
        p = Process([NGINX, "-p", cls.tmp, "-c", path, "-e", os.path.join(cls.tmp, "error.log")],
                    os.path.join(cls.tmp, "nginx.out"))
        cls.procs.append(p)
        wait_port(cls.port, p.proc, [p.log_path, os.path.join(cls.tmp, "error.log")], "nginx")


class NginxAuthRequest(NginxGateway):
    """nginx `auth_request` to tokenzone's /forward-auth (status only; subject header back)."""
    gateway = "nginx-auth-request"

    @classmethod
    def start_gateway(cls):
        cls.start_nginx("", "", "$upstream_http_x_token_subject", """
        location = /_auth {{
            internal;
            proxy_pass http://127.0.0.1:{tz}/forward-auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Onedata-Interface rest;
        }}""".format(tz=cls.srv.port))


NJS_SCRIPT = r"""
// RFC 7662 introspection from njs: 204 with the subject when active, 401 otherwise.
function introspect(r) {
    var m = (r.headersIn['Authorization'] || '').match(/^Bearer ([A-Za-z0-9_-]+)$/);
    if (!m) {
        r.return(401);
        return;
    }
    var body = 'token=' + m[1] + '&token_type_hint=access_token&interface=rest' +
               '&peer_ip=' + encodeURIComponent(r.remoteAddress);
    r.subrequest('/_introspect', {method: 'POST', body: body}, function (reply) {
        if (reply.status != 200) {
            r.error('introspection answered ' + reply.status);
            r.return(500);
            return;
        }
        var j;
        try {
            j = JSON.parse(reply.responseText);
        } catch (e) {
            r.return(500);
            return;
        }
        if (j.active === true) {
            r.headersOut['X-Token-Subject'] = j.sub;
            r.return(204);
        } else {
            r.return(401);
        }
    });
}
export default {introspect};
"""


class NginxNjs(NginxGateway):
    """nginx + njs: the js handler introspects over a form POST (client_secret_basic)."""
    gateway = "nginx-njs"

    @classmethod
    def start_gateway(cls):
        if not os.path.exists(NJS_MODULE):
            raise RuntimeError("njs module missing: %s (apt-get install libnginx-mod-http-js)"
                               % NJS_MODULE)
        js = cls.write("oauth2.js", NJS_SCRIPT)
        basic = base64.b64encode(("%s:%s" % (cls.client["clientId"],
                                             cls.client["clientSecret"])).encode()).decode()
        cls.write("client.conf", 'proxy_set_header Authorization "Basic %s";\n' % basic, 0o600)
        cls.start_nginx("load_module %s;" % NJS_MODULE, "js_import oauth2 from %s;" % js,
                        "$sent_http_x_token_subject", """
        location = /_auth {{
            internal;
            js_content oauth2.introspect;
        }}
        location = /_introspect {{
            internal;
            proxy_method POST;
            include {tmp}/client.conf;
            proxy_set_header Content-Type application/x-www-form-urlencoded;
            proxy_set_header X-Forwarded-For "";
            proxy_pass http://127.0.0.1:{tz}/oauth2/introspect;
        }}""".format(tz=cls.srv.port, tmp=cls.tmp))


APACHE_COMMON = """
ServerRoot {tmp}
ServerName 127.0.0.1
PidFile {tmp}/httpd.pid
DefaultRuntimeDir {tmp}
Mutex file:{tmp} default
Listen 127.0.0.1:{port}
User www-data
Group www-data
ErrorLog {tmp}/error.log
LogLevel warn
LoadModule mpm_prefork_module {mods}/mod_mpm_prefork.so
StartServers 1
MinSpareServers 1
MaxSpareServers 2
LoadModule authn_core_module {mods}/mod_authn_core.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule authz_user_module {mods}/mod_authz_user.so
LoadModule headers_module {mods}/mod_headers.so
LoadModule proxy_module {mods}/mod_proxy.so
LoadModule proxy_http_module {mods}/mod_proxy_http.so
{modules}
{server_config}
<Location "/">
    {auth}
    Require valid-user
    RequestHeader set X-Token-Subject "expr=%{{REMOTE_USER}}"
    ProxyPass "http://127.0.0.1:{upstream}/"
</Location>
"""


class ApacheGateway(GatewayCase):
    passes_peer = False

    @classmethod
    def start_apache(cls, module, modules, server_config, auth):
        if not os.path.exists(APACHE):
            raise RuntimeError("apache2 not installed at %s" % APACHE)
        if not os.path.exists(os.path.join(APACHE_MODULES, module)):
            raise RuntimeError("Apache module missing: %s" % module)
        conf = APACHE_COMMON.format(tmp=cls.tmp, port=cls.port, mods=APACHE_MODULES,
                                    modules=modules, server_config=server_config, auth=auth,
                                    upstream=cls.upstream.port)
        path = cls.write("httpd.conf", conf, 0o600)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C"}
        p = Process([APACHE, "-f", path, "-DFOREGROUND"], os.path.join(cls.tmp, "apache.out"), env)
        cls.procs.append(p)
        wait_port(cls.port, p.proc, [p.log_path, os.path.join(cls.tmp, "error.log")], "apache2")


class ApacheModOauth2(ApacheGateway):
    """Apache + mod_oauth2 (liboauth2): introspection with client_secret_basic, cache 1 s."""
    gateway = "apache-mod-oauth2"
    cache_seconds = 1

    @classmethod
    def start_gateway(cls):
        # liboauth2 sends only `token`: the interface goes in the endpoint's query string
        verify = ("introspect http://127.0.0.1:%d/oauth2/introspect?interface=rest "
                  "introspect.auth=client_secret_basic&client_id=%s&client_secret=%s&expiry=1"
                  % (cls.srv.port, cls.client["clientId"], cls.client["clientSecret"]))
        cls.start_apache("mod_oauth2.so",
                         "LoadModule oauth2_module %s/mod_oauth2.so" % APACHE_MODULES, "",
                         'AuthType oauth2\n    OAuth2TokenVerify %s\n'
                         '    OAuth2TargetPass "remote_user_claim=sub"' % verify)


class ApacheModAuthOpenidc(ApacheGateway):
    """Apache + mod_auth_openidc: introspection over https (the module refuses http), with
    client_secret_basic and its result cache off (interval -1)."""
    gateway = "apache-mod-auth-openidc"

    @classmethod
    def start_gateway(cls):
        tls, tls_port = tls_tokenzone(cls.srv, cls.tmp)
        cls.procs.append(tls)
        server_config = "\n".join([
            "OIDCCryptoPassphrase %s" % base64.b64encode(os.urandom(24)).decode(),
            "OIDCOAuthIntrospectionEndpoint https://127.0.0.1:%d/oauth2/introspect" % tls_port,
            "OIDCOAuthClientID %s" % cls.client["clientId"],
            "OIDCOAuthClientSecret %s" % cls.client["clientSecret"],
            "OIDCOAuthIntrospectionEndpointAuth client_secret_basic",
            "OIDCOAuthIntrospectionEndpointParams interface=rest",
            "OIDCOAuthRemoteUserClaim sub",
            "OIDCOAuthTokenIntrospectionInterval -1",
            "OIDCOAuthSSLValidateServer Off",
        ])
        cls.start_apache("mod_auth_openidc.so",
                         "LoadModule auth_openidc_module %s/mod_auth_openidc.so" % APACHE_MODULES,
                         server_config, "AuthType oauth20")


# The test classes: each gateway with the behaviour above.
class NginxAuthRequestTest(NginxAuthRequest, TokenzoneTestCase):
    pass


class NginxNjsTest(NginxNjs, TokenzoneTestCase):
    pass


class ApacheModOauth2Test(ApacheModOauth2, TokenzoneTestCase):
    pass


class ApacheModAuthOpenidcTest(ApacheModAuthOpenidc, TokenzoneTestCase):
    pass
