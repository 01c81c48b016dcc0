"""Rows of the bench table for the standard integration endpoints: RFC 7662 introspection and
forward auth, each paired run by run with the nginx static baseline, and introspection set
against a widely used OAuth server's RFC 7662 endpoint on the same machine (node oidc-provider,
pinned in bench/oidc_peer/package.json, in-memory adapter, a client-credentials token).

Called by driver.py inside the read/verify phase, while nginx is up."""
import base64
import json
import os
import shutil
import subprocess
import time

from benchlib import BenchError, median, summarize
from table import _load, _num, _ms, _x

HERE = os.path.dirname(os.path.abspath(__file__))
PEER_DIR = os.path.join(HERE, "oidc_peer")
FORM = "application/x-www-form-urlencoded"


def _basic(user, secret):
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def _paired(d, url_a, env_a, url_b, env_b):
    """Alternating runs of a and b (after a warm-up of both); per-pair ratios a/b."""
    script = os.path.join(HERE, "lua", "request.lua")
    d.wrk.run(url_b, script, env_b, duration=1)
    d.wrk.run(url_a, script, env_a, duration=1)
    a, b = [], []
    for _ in range(d.args.runs):
        b.append(d.wrk.run(url_b, script, env_b))
        a.append(d.wrk.run(url_a, script, env_a))
    ratios = [x["rps"] / y["rps"] for x, y in zip(a, b) if y["rps"]]
    return a, b, ratios


def _row(d, label, ours, base, base_name, ratio, target):
    res, bres = summarize(ours), summarize(base)
    result = ""
    if target is not None:
        result = "PASS" if ratio is not None and ratio >= target else "FAIL"
    result = d.table._errors(res) or d.table._errors(bres) or result
    d.table._add(label, _load(res), f"{base_name} {_num(bres['rps'])} req/s, p99 {_ms(bres['p99'])}",
                 _x(ratio), f"≥ {target:g}× {base_name}" if target is not None else "", result)
    return res


class Peer:
    """node oidc-provider on a free loopback port."""

    def __init__(self, log_path):
        if not os.path.isdir(os.path.join(PEER_DIR, "node_modules", "oidc-provider")):
            raise BenchError("oidc-provider is not installed (scripts/install-deps.sh --bench)")
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(["node", os.path.join(PEER_DIR, "server.mjs"), "0"], cwd=PEER_DIR,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.monotonic() + 30
        line = b""
        while time.monotonic() < deadline and not line.startswith(b"PEER "):
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
        if not line.startswith(b"PEER "):
            self.stop()
            raise BenchError("oidc-provider did not start (see bench.log)")
        info = json.loads(line[5:])
        self.port, self.token = info["port"], info["token"]
        self.auth = _basic(info["clientId"], info["clientSecret"])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def integration_rows(d):
    data = os.path.join(d.tmp, "data")
    client = json.loads(d.admin_tool(data, "client", "create", "bench-gateway"))
    base = f"http://127.0.0.1:{d.srv.port}"
    introspect_env = {"BENCH_METHOD": "POST", "BENCH_CONTENT_TYPE": FORM,
                      "BENCH_AUTHORIZATION": _basic(client["clientId"], client["clientSecret"]),
                      "BENCH_BODY": f"token={d.named_token}&token_type_hint=access_token"
                                    f"&interface=rest&peer_ip=127.0.0.1"}
    label = "introspect POST /oauth2/introspect (RFC 7662), named token, 3 caveats"
    d.say(label)
    ours, base_runs, ratios = _paired(d, base + "/oauth2/introspect", introspect_env, d.ngx.url(), {})
    d.base_runs += base_runs
    _row(d, label, ours, base_runs, "nginx", median(ratios), 0.7)

    label = "forward auth GET /forward-auth, named token, 3 caveats"
    d.say(label)
    ours, base_runs, ratios = _paired(d, base + "/forward-auth",
                                      {"BENCH_AUTHORIZATION": "Bearer " + d.named_token},
                                      d.ngx.url(), {})
    d.base_runs += base_runs
    _row(d, label, ours, base_runs, "nginx", median(ratios), None)

    label = "introspect vs node oidc-provider 9.13.3 /token/introspection (in-memory, client-credentials token)"
    verify_label = "verify_access_token vs node oidc-provider 9.13.3 /token/introspection"
    if shutil.which("node") is None:
        for lab in (label, verify_label):
            d.table._add(lab, "SKIPPED: node is not installed (scripts/install-deps.sh --bench installs node "
                              "and the pinned oidc-provider)", "", "", "≥ 10× oidc-provider", "SKIPPED")
        d.say("oidc-provider rows skipped: node is not installed")
        return
    d.say(label)
    peer = Peer(os.path.join(d.tmp, "oidc-provider.log"))
    try:
        peer_env = {"BENCH_METHOD": "POST", "BENCH_CONTENT_TYPE": FORM, "BENCH_AUTHORIZATION": peer.auth,
                    "BENCH_BODY": f"token={peer.token}&token_type_hint=access_token"}
        peer_url = f"http://127.0.0.1:{peer.port}/token/introspection"
        ours, theirs, ratios = _paired(d, base + "/oauth2/introspect", introspect_env, peer_url, peer_env)
        _row(d, label, ours, theirs, "oidc-provider", median(ratios), 10)
        d.say(verify_label)
        verify_env = {"BENCH_METHOD": "POST",
                      "BENCH_BODY": json.dumps({"token": d.named_token, "interface": "rest"})}
        ours, theirs, ratios = _paired(d, base + "/api/v3/onezone/tokens/verify_access_token", verify_env,
                                       peer_url, peer_env)
        _row(d, verify_label, ours, theirs, "oidc-provider", median(ratios), 10)
    finally:
        peer.stop()
