#!/usr/bin/env python3
"""`make bench`: measures tokenzone against a baseline measured in the same run and prints one
table (medians of several runs, ratios, PASS/FAIL against the targets of bench/README.md).

Started by bench/run.sh, which builds the helper programs first. Every server runs on the
loopback with a fresh data directory under a private temporary directory that is removed at the
end; every load loop is bounded in count and time; the whole run is bounded by --budget."""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (BenchError, Budget, BudgetExceeded, Client, Nginx, Server, Wrk,  # noqa: E402
                      error_id, median, summarize)
import revocation_check  # noqa: E402
from integration_bench import integration_rows  # noqa: E402
from pg_bench import pg_rows  # noqa: E402
from table import Table  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TERMINATED = []  # set by the SIGTERM handler: no further phase starts
LUA = os.path.join(HERE, "lua")
BENCH_PASSWORD = "bench-password-0123456789"
ADMIN_PASSWORD = "bench-admin-password-0123456789"
REVOKE_COUNTS = (10, 10000, 100000)
# samples: ids of the heavy user's tokens for the status reads; verify_samples: tokens spread over
# the whole store (many users) for the verify rows, as many on both stores.
SCALE_BIG = dict(users=100000, tokens=1000000, heavy=100000, samples=1000, verify_samples=1000)
SCALE_SMALL = dict(users=10, tokens=1000, heavy=100, samples=100, verify_samples=1000)


def three_caveats(now):
    return [{"type": "time", "validUntil": now + 3600},
            {"type": "ip", "whitelist": ["127.0.0.0/8"]},
            {"type": "interface", "interface": "rest"}]


class Bench:
    def __init__(self, args):
        self.args = args
        self.budget = Budget(args.budget)
        self.cores = os.cpu_count() or 1
        self.tmp = tempfile.mkdtemp(prefix="tokenzone-bench-")
        os.chmod(self.tmp, 0o711)  # nginx workers (unprivileged) traverse it to their own dir
        self.log_path = os.path.join(args.out_dir, "bench.log")
        self.logf = open(self.log_path, "w")
        self.wrk = Wrk(self.budget, args.threads, args.connections, args.duration, self.log)
        self.table = Table()
        self.processes = []
        self.sqlite_rows = {}  # SQLite figures the PostgreSQL rows are set against
        self.bench_password = BENCH_PASSWORD
        self.caveats = three_caveats
        self.scale_plans = (SCALE_SMALL, SCALE_BIG)

    def log(self, text):
        self.logf.write(text.rstrip() + "\n")
        self.logf.flush()

    def say(self, text):
        print(f"bench: {text}", file=sys.stderr, flush=True)
        self.log(f"# {text}")

    def close(self):
        for p in reversed(self.processes):
            try:
                p.stop()
            except Exception as e:  # keep stopping the others
                self.log(f"stopping {p}: {e!r}")
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.logf.close()

    # ------------------------------------------------------------ servers

    def start_server(self, name, data_dir, key_file=None, timeout=20):
        """A shared (PostgreSQL) store has no default master key file: `key_file` is passed with
        --master-key-file; a data directory's server uses DIR/master.key."""
        key_args = ["--master-key-file", key_file] if key_file else []
        srv = Server(self.args.tokenzone, data_dir, os.path.join(self.tmp, f"{name}.log"),
                     ADMIN_PASSWORD, ["--quiet-success"] + key_args + self.args.server_arg)
        self.processes.append(srv)
        return srv.start(timeout=timeout)

    def stop(self, proc):
        proc.stop()
        self.processes.remove(proc)

    def admin_tool(self, data_dir, *args):
        return self.admin_tool_store(data_dir, *args)

    def admin_tool_store(self, location, *args):
        """`tokenzone admin` on a data directory or a store URL."""
        p = subprocess.run([self.args.tokenzone, "admin", "--store" if "://" in location else "--data", location]
                           + list(args),
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise BenchError(f"tokenzone admin {' '.join(args[:2])}: {p.stderr.strip()[:300]}")
        return p.stdout.strip()

    # ------------------------------------------------------------ main server phases

    def setup_main(self):
        data = os.path.join(self.tmp, "data")
        self.say("creating the bench user and starting the server")
        self.admin_tool(data, "user", "create", "bench", "--password", BENCH_PASSWORD)
        self.srv = self.start_server("main", data)
        self.client = Client(self.srv.port)
        now = int(time.time())
        body, _ = self.client.expect(201, "POST", "/user/tokens/named", body={"name": "bench-auth"},
                                     basic=f"bench:{BENCH_PASSWORD}")
        self.auth_token = body["token"]
        body, _ = self.client.expect(201, "POST", "/user/tokens/named", token=self.auth_token,
                                     body={"name": "bench-verify", "caveats": three_caveats(now)})
        self.named_token, self.named_id = body["token"], body["tokenId"]
        body, _ = self.client.expect(201, "POST", "/user/tokens/temporary", token=self.auth_token,
                                     body={"caveats": three_caveats(now)})
        self.temp_token = body["token"]
        for tok in (self.named_token, self.temp_token):
            self.client.expect(200, "POST", "/tokens/verify_access_token",
                               body={"token": tok, "interface": "rest"})
        # the exact bytes a verify answer carries, for the baseline's static file
        conn = self.client._connect()
        conn.request("POST", "/api/v3/onezone/tokens/verify_access_token",
                     body=json.dumps({"token": self.named_token, "interface": "rest"}),
                     headers={"Content-Type": "application/json"})
        self.verify_body = conn.getresponse().read()
        self.memory_rows()

    def memory_rows(self):
        """Idle RSS of the server that just answered the setup requests, then what each open idle
        keep-alive connection costs: N connections each send one status read and stay open."""
        import socket
        time.sleep(0.5)
        idle, _ = self.srv.memory_kib()
        self.table.memory_row("server RSS when idle (SQLite store, after the setup requests)", idle, 16 * 1024)
        n = 200
        req = (f"GET /api/v3/onezone/tokens/named/{self.named_id}/status HTTP/1.1\r\nHost: x\r\n"
               f"x-auth-token: {self.auth_token}\r\n\r\n").encode()
        socks = []
        try:
            for _ in range(n):
                c = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
                c.sendall(req)
                socks.append(c)
            for c in socks:
                if not c.recv(4096).startswith(b"HTTP/1.1 200"):
                    raise BenchError("idle-connection probe: a status read failed")
            time.sleep(0.5)
            rss, _ = self.srv.memory_kib()
        finally:
            for c in socks:
                c.close()
        self.log(f"memory: idle {idle} KiB, with {n} open idle connections {rss} KiB")
        self.table.per_connection_row(n, idle, rss)

    def baseline(self):
        """Starts nginx; it stays up (idle) while the read and verify rows alternate their runs
        with runs against it."""
        self.say(f"baseline: nginx, {self.cores} workers, {len(self.verify_body)}-byte JSON")
        self.ngx = Nginx(os.path.join(HERE, "nginx.conf.in"), os.path.join(self.tmp, "nginx"), self.cores,
                         self.verify_body)
        self.processes.append(self.ngx)
        self.ngx.start()
        self.base_runs = []

    def paired_row(self, label, path, env, target_ratio=None, p99_max=None, p99_ratio=None):
        """Alternates nginx and tokenzone runs, so that both see the same background load; the
        ratio is the median of the per-pair ratios."""
        self.say(label)
        script = os.path.join(LUA, "request.lua")
        ours_url = self.srv.url(path)
        self.wrk.run(self.ngx.url(), script, {}, duration=1)  # warm-up of both
        self.wrk.run(ours_url, script, env, duration=1)
        base, ours = [], []
        for _ in range(self.args.runs):
            base.append(self.wrk.run(self.ngx.url(), script, {}))
            ours.append(self.wrk.run(ours_url, script, env))
        self.base_runs += base
        self.last_row = summarize(ours)
        ratios = [o["rps"] / b["rps"] for o, b in zip(ours, base) if b["rps"]]
        p99s = [o["p99"] / b["p99"] for o, b in zip(ours, base) if b.get("p99")]
        self.table.load_row(label, summarize(ours), summarize(base), median(ratios),
                            target_ratio=target_ratio, p99_max=p99_max,
                            p99_ratio=(p99_ratio, median(p99s)) if p99_ratio else None)

    def reads_and_verifies(self):
        verify = "/tokens/verify_access_token"
        for label, tok in (("verify named token, 3 caveats", self.named_token),
                           ("verify temporary token, 3 caveats", self.temp_token)):
            self.paired_row(label, verify,
                            {"BENCH_METHOD": "POST",
                             "BENCH_BODY": json.dumps({"token": tok, "interface": "rest"})},
                            target_ratio=1.0, p99_ratio=1.2)
            self.sqlite_rows.setdefault("verify", self.last_row)
        self.paired_row("status read GET /tokens/named/{id}/status", f"/tokens/named/{self.named_id}/status",
                        {"BENCH_TOKEN": self.auth_token}, target_ratio=1.0, p99_ratio=1.2)
        self.sqlite_rows["status"] = self.last_row
        self.paired_row("read GET /user/tokens/temporary", "/user/tokens/temporary",
                        {"BENCH_TOKEN": self.auth_token})
        try:
            integration_rows(self)  # introspection, forward auth, node oidc-provider
        except (BenchError, OSError, subprocess.SubprocessError, KeyError, ValueError) as e:
            self.log(traceback.format_exc())
            self.table.note(f"integration: not measured ({type(e).__name__}: {e})")
        self.stop(self.ngx)
        self.table.baseline_row(f"nginx static {len(self.verify_body)}-byte JSON, {self.cores} workers, "
                                f"all runs paired with the rows below", summarize(self.base_runs))

    def write_row(self, label, path, env, script, minimum=None):
        self.say(label)
        res = self.wrk.series(self.srv.url(path), os.path.join(LUA, script), env, self.args.runs)
        self.table.write_row(label, res, minimum)
        return res

    def fsync_baseline(self):
        """What bounds a durable write: appends of 4 KiB + fdatasync on the data directory's file
        system, measured just before the write loads."""
        path = os.path.join(self.tmp, "fsync-probe")
        rates = []
        for _ in range(self.args.runs):
            self.budget.need(5, "fsync baseline")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            n, t0 = 0, time.perf_counter()
            try:
                while time.perf_counter() - t0 < 1.0 and n < 100000:
                    os.write(fd, b"\0" * 4096)
                    os.fdatasync(fd)
                    n += 1
            finally:
                os.close(fd)
            rates.append(n / (time.perf_counter() - t0))
        os.unlink(path)
        self.table.fsync_row(median(rates))

    def writes(self):
        self.fsync_baseline()
        before, _ = self.client.expect(200, "GET", "/user/tokens/named", token=self.auth_token)
        res = self.write_row("create named token (durable 201)", "/user/tokens/named",
                             {"BENCH_TOKEN": self.auth_token}, "create_named.lua", minimum=2000.0)
        after, _ = self.client.expect(200, "GET", "/user/tokens/named", token=self.auth_token)
        created = len(after["tokens"]) - len(before["tokens"])
        answered = res["requests"]  # timed runs only; the store also holds the warm-up's tokens
        self.log(f"named tokens stored by the creation runs (warm-up included): {created}, "
                 f"2xx answers counted by wrk in the timed runs: {answered - res['non2xx']}")
        if created < answered - res["non2xx"]:
            raise BenchError(f"only {created} named tokens stored after {answered} answered creations")
        self.write_row("revoke-all DELETE /user/tokens/temporary", "/user/tokens/temporary",
                       {"BENCH_TOKEN": self.auth_token, "BENCH_METHOD": "DELETE"}, "request.lua")

    def issue_temporary(self, count, body):
        """Issues `count` temporary tokens with wrk (every N the same way, so that whatever follows
        a burst of load affects all N alike); returns the number answered 201, which may exceed
        `count` by the requests still in flight when the last thread reached its share."""
        done_dir = tempfile.mkdtemp(dir=self.tmp)
        env = dict(BENCH_COUNT=str(count), BENCH_THREADS=str(self.args.threads), BENCH_DONE_DIR=done_dir,
                   BENCH_BODY=json.dumps(body), BENCH_TOKEN=self.auth_token)
        limit = 60
        self.budget.need(limit + 5, f"issuing {count} temporary tokens")
        proc = self.wrk.start(self.srv.url("/user/tokens/temporary"), os.path.join(LUA, "issue_temp.lua"),
                              env, duration=limit, connections=max(self.args.threads, min(count, 64)))
        end = time.monotonic() + limit + 10
        while time.monotonic() < end and proc.poll() is None:
            if len(os.listdir(done_dir)) >= self.args.threads:
                proc.send_signal(2)  # SIGINT: wrk stops and prints its summary
                break
            time.sleep(0.02)
        out, err = proc.communicate(timeout=20)
        self.log(f"$ wrk issue_temp.lua count={count}\n{out}{err}")
        issued = failures = None
        for line in out.splitlines():
            if line.startswith("issued "):
                issued = int(line.split()[1])
            elif line.startswith("issue_failures "):
                failures = int(line.split()[1])
        if issued is None or issued < count or failures:
            raise BenchError(f"issuing {count} temporary tokens: issued {issued}, failures {failures}")
        return issued

    def revoke_all_latency(self):
        """Each round issues N temporary tokens, then times one revoke-all. Rounds for the different
        N are interleaved so that all of them see the same disk (fsync) conditions."""
        body = {"caveats": [{"type": "time", "validUntil": int(time.time()) + 3600}]}
        reps = {n: (self.args.revoke_reps * 3 if n <= 10 else self.args.revoke_reps * 2 if n <= 10000
                    else self.args.revoke_reps) for n in REVOKE_COUNTS}
        samples = {n: [] for n in REVOKE_COUNTS}
        growth = {n: 0 for n in REVOKE_COUNTS}  # bytes the data directory grew while issuing
        self.say("revoke-all latency after " + ", ".join(f"{n:,} ({reps[n]} rounds)" for n in REVOKE_COUNTS)
                 + " temporary tokens")
        for r in range(max(reps.values())):
            for count in REVOKE_COUNTS:
                if r >= reps[count]:
                    continue
                canary, _ = self.client.expect(201, "POST", "/user/tokens/temporary", token=self.auth_token,
                                               body=body)
                size_before = self.data_dir_bytes()
                self.issue_temporary(count, body)
                growth[count] = max(growth[count], self.data_dir_bytes() - size_before)
                self.client.close()
                self.client.expect(200, "GET", "/user/tokens/temporary", token=self.auth_token)  # connect
                _, took = self.client.expect(204, "DELETE", "/user/tokens/temporary", token=self.auth_token)
                samples[count].append(took * 1e3)
                st, b, _ = self.client.call("POST", "/tokens/verify_access_token",
                                            body={"token": canary["token"], "interface": "rest"})
                if st != 400 or error_id(b) != "tokenRevoked":
                    raise BenchError(f"a temporary token verified after revoke-all: {st} {b}")
        self.log(f"revoke-all samples (ms): {samples}")
        self.log(f"data directory growth while issuing (bytes): {growth}")
        self.table.revoke_rows({n: (median(v), v, growth[n]) for n, v in samples.items()})

    def data_dir_bytes(self):
        d = self.srv.data_dir
        return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))

    def revocation_under_load(self):
        self.say("revocation under load: revoke a named token in the middle of a verify run")
        now = int(time.time())
        body, _ = self.client.expect(201, "POST", "/user/tokens/named", token=self.auth_token,
                                     body={"name": "bench-revoke-check", "caveats": three_caveats(now)})
        env = {"BENCH_METHOD": "POST", "BENCH_BODY": json.dumps({"token": body["token"], "interface": "rest"})}
        load = self.wrk.start(self.srv.url("/tokens/verify_access_token"), os.path.join(LUA, "request.lua"),
                              env, duration=6)
        try:
            time.sleep(0.5)
            res = revocation_check.check(self.srv.port, body["token"], body["tokenId"], self.auth_token,
                                         before=2.0, after=2.5)
        finally:
            wrk_res = self.wrk.finish(load, timeout=30)
        self.log(f"revocation check: {res}; wrk during it: {wrk_res}")
        self.table.revocation_row(res, wrk_res)

    # ------------------------------------------------------------ scale

    def populate(self, name, plan, location=None, key_file=None):
        """Fills a fresh data directory (or the PostgreSQL database at `location`, whose secrets
        are sealed with the master key file `key_file`); returns its location and what populate
        reported (among it the key file the server must use)."""
        data = location or os.path.join(self.tmp, f"scale-{name}")
        info_path = os.path.join(self.tmp, f"scale-{name}.txt")
        tokens_path = os.path.join(self.tmp, f"scale-{name}.tokens")  # serialized verify samples
        self.say(f"scale: populating {plan['tokens']:,} named tokens over {plan['users']:,} users")
        self.budget.need(240 if plan["tokens"] > 100000 else 30, "populating the store")
        p = subprocess.run([self.args.populate, data, str(plan["users"]), str(plan["tokens"]),
                            str(plan["heavy"]), str(plan["samples"]), str(plan["verify_samples"]), info_path,
                            tokens_path] + ([key_file] if key_file else []),
                           capture_output=True, text=True, timeout=max(self.budget.left(), 1))
        self.log(f"$ populate {name}\n{p.stdout}{p.stderr}")
        if p.returncode != 0:
            raise BenchError(f"populate failed: {p.stderr.strip()[:300]}")
        info = {"samples": [], "verify_samples": [], "plan": plan, "data": data, "tokens_path": tokens_path}
        with open(info_path) as f:
            for line in f:
                key, _, value = line.strip().partition(" ")
                if key == "sample_id":
                    info["samples"].append(value)
                elif key == "verify_sample":
                    info["verify_samples"].append(tuple(value.split()))  # (token id, subject user id)
                else:
                    info[key] = value
        with open(tokens_path) as f:
            info["verify_tokens"] = [line.strip() for line in f if line.strip()]
        if len(info["verify_tokens"]) != len(info["verify_samples"]) or not info["verify_tokens"]:
            raise BenchError(f"populate {name}: {len(info['verify_tokens'])} sample tokens for "
                             f"{len(info['verify_samples'])} verify samples")
        info["ids_path"] = os.path.join(self.tmp, f"scale-{name}.ids")
        with open(info["ids_path"], "w") as f:
            f.write("\n".join(info["samples"]) + "\n")
        return info

    def scale(self):
        """Both stores are served at once and their status runs alternate, so that the p99
        comparison is not a comparison of two moments of the machine's background load."""
        stores = {name: self.populate(name, plan) for name, plan in (("small", SCALE_SMALL), ("big", SCALE_BIG))}
        res = self.scale_measure(stores, "scale")
        self.table.scale_rows(res["small"], res["big"])

    def check_populated_start(self, srv, name, took):
        """populate writes rows as the service does (sealed secrets, templates): a server that had
        to seal or convert anything at start-up was given a store unlike a real one."""
        with open(srv.log_path, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        self.log(f"scale {name}: server started in {took:.1f} s:\n{log}")
        if re.search(r"sealed \d+ stored secrets", log):
            raise BenchError(f"scale {name}: the server converted populated rows at start-up; see {srv.log_path}")

    def check_verify_samples(self, client, name, info):
        """The first, middle and last of the sampled tokens verify, each with the user populate gave
        it as subject: the verify runs measure successful verifications of tokens all over the store."""
        n = len(info["verify_tokens"])
        for i in sorted({0, n // 2, n - 1}):
            token_id, user = info["verify_samples"][i]
            body, _ = client.expect(200, "POST", "/tokens/verify_access_token",
                                    body={"token": info["verify_tokens"][i], "interface": "rest"})
            if body.get("subject", {}).get("id") != user:
                raise BenchError(f"scale {name}: sampled token {token_id} verified with "
                                 f"{json.dumps(body)[:200]}, expected subject {user}")

    def alternate(self, servers, path, script, env):
        """A 1 s warm-up on each server, then the timed runs, one server after the other, so that
        both stores see the same background load; returns each server's runs."""
        script = os.path.join(LUA, script)
        runs = {name: [] for name in servers}
        for name in servers:
            self.wrk.run(servers[name].url(path), script, env[name], duration=1)
        for _ in range(self.args.runs):
            for name in servers:
                runs[name].append(self.wrk.run(servers[name].url(path), script, env[name]))
        return runs

    def scale_measure(self, stores, prefix):
        servers, clients = {}, {}
        try:
            for name, info in stores.items():
                # start-up reads every stored secret once (sealed, known key version): seconds
                # for 1,000,000 rows, hence the longer wait
                started = time.monotonic()
                key_file = info["master_key_file"] if "://" in info["data"] else None
                servers[name] = self.start_server(f"{prefix}-{name}", info["data"], key_file, timeout=120)
                self.check_populated_start(servers[name], name, time.monotonic() - started)
                clients[name] = Client(servers[name].port, timeout=60)
                clients[name].expect(200, "GET", f"/tokens/named/{info['samples'][0]}/status",
                                     token=info["auth_token"])
                # a token minted by populate verifies like one the server issued itself
                body, _ = clients[name].expect(200, "POST", "/tokens/verify_access_token",
                                               body={"token": info["auth_token"], "interface": "rest"})
                if body.get("subject", {}).get("id") != info["heavy_user"]:
                    raise BenchError(f"scale {name}: verify_access_token answered {json.dumps(body)[:200]}")
                self.check_verify_samples(clients[name], name, info)
            self.say("scale: status reads over the sampled ids, small and big store alternating")
            runs = self.alternate(servers, "/tokens/named/x/status", "status_ids.lua",
                                  {name: {"BENCH_TOKEN": info["auth_token"], "BENCH_IDS_FILE": info["ids_path"]}
                                   for name, info in stores.items()})
            self.say("scale: verify over the sampled tokens, small and big store alternating")
            verify_runs = self.alternate(servers, "/tokens/verify_access_token", "verify_tokens.lua",
                                         {name: {"BENCH_TOKENS_FILE": info["tokens_path"]}
                                          for name, info in stores.items()})
            res = {}
            for name, info in stores.items():
                rss_status, _ = servers[name].memory_kib()
                lists = []
                for _ in range(self.args.list_reps):
                    body, took = clients[name].expect(200, "GET", "/user/tokens/named", token=info["auth_token"])
                    if len(body["tokens"]) != info["plan"]["heavy"]:
                        raise BenchError(f"listing returned {len(body['tokens'])} ids, "
                                         f"expected {info['plan']['heavy']}")
                    lists.append(took * 1e3)
                rss, hwm = servers[name].memory_kib()
                self.log(f"scale {name}: list ms {lists}, rss after status {rss_status} KiB, "
                         f"after listing {rss} KiB, peak {hwm} KiB")
                res[name] = {"status": summarize(runs[name]), "verify": summarize(verify_runs[name]),
                             "n_verify": len(info["verify_tokens"]),
                             "n_verify_users": len({u for _, u in info["verify_samples"]}),
                             "list_ms": median(lists), "rss_kib": rss,
                             "rss_status_kib": rss_status, "hwm_kib": hwm, "n_samples": len(info["samples"]),
                             "populate_s": float(info.get("populate_seconds", "nan")), "plan": info["plan"]}
        finally:
            for c in clients.values():
                c.close()
            for srv in servers.values():
                self.stop(srv)
            for info in stores.values():
                if "://" not in info["data"]:
                    shutil.rmtree(info["data"], ignore_errors=True)
        return res

    # ------------------------------------------------------------ in process

    def core(self):
        self.say("in-process: token verification against libmacaroons, password verification")
        self.budget.need(30, "core benchmark")
        p = subprocess.run([self.args.core_bench, str(self.args.core_runs)], capture_output=True, text=True,
                           timeout=120)
        self.log(f"$ core_bench\n{p.stdout}{p.stderr}")
        if p.returncode != 0:
            raise BenchError(f"core_bench failed: {p.stderr.strip()[:300]}")
        vals = dict(line.split(" ", 1) for line in p.stdout.splitlines() if " " in line)
        self.table.core_rows({k: float(v) for k, v in vals.items()})

    # ------------------------------------------------------------ run

    def run(self):
        steps = [("main", self.setup_main), ("baseline", self.baseline), ("reads", self.reads_and_verifies),
                 ("writes", self.writes), ("revoke-all", self.revoke_all_latency),
                 ("revocation", self.revocation_under_load), ("core", self.core)]
        if not self.args.no_scale:
            steps.append(("scale", self.scale))
        steps.append(("pg", lambda: pg_rows(self)))
        if self.args.only:
            wanted = set(self.args.only.split(","))
            if wanted & {"baseline", "reads", "writes", "revoke-all", "revocation", "pg"}:
                wanted |= {"main", "baseline"} if "reads" in wanted else {"main"}
            steps = [(n, f) for n, f in steps if n in wanted]
        failed = None
        for name, step in steps:
            if TERMINATED:
                self.table.note(f"{name}: not run (terminated)")
                failed = failed or name
                continue
            if failed and name not in ("core", "scale", "pg"):
                continue
            try:
                step()
            except (BenchError, BudgetExceeded, OSError, subprocess.SubprocessError, KeyError, ValueError) as e:
                self.log(traceback.format_exc())
                self.table.note(f"{name}: not measured ({type(e).__name__}: {e})")
                self.say(f"{name} failed: {e}")
                failed = failed or name
            if name == "revocation" and getattr(self, "srv", None):
                self.client.close()
                self.stop(self.srv)
                self.srv = None
        return failed


def machine_line(cores, args, load_start):
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{cores} cores ({model}), {mem:.0f} GiB, Linux {platform.release()}; wrk -t{args.threads} "
            f"-c{args.connections}, {args.duration} s x {args.runs} runs (median), HTTP/1.1 keep-alive, "
            f"loopback; load average {load_start} at start, {loadavg()} at end")


def loadavg():
    """1-minute load average: other work on the machine skews every figure, so it is printed."""
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokenzone", required=True)
    ap.add_argument("--populate", required=True)
    ap.add_argument("--core-bench", required=True)
    ap.add_argument("--out-dir", required=True, help="bench.log and table.md go here")
    ap.add_argument("--budget", type=float, default=900, help="seconds for the whole run")
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per figure (median), at least 3")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--revoke-reps", type=int, default=4,
                    help="revoke-all rounds at 100,000 tokens (x2 at 10,000, x3 at 10)")
    ap.add_argument("--list-reps", type=int, default=5)
    ap.add_argument("--core-runs", type=int, default=5)
    ap.add_argument("--no-scale", action="store_true", help="skip the 1,000,000-token store")
    ap.add_argument("--pg-tcp", action="store_true",
                    help="PostgreSQL rows: connect over loopback TCP instead of the Unix socket")
    ap.add_argument("--only", help="comma-separated phases: baseline,reads,writes,revoke-all,revocation,"
                                   "core,scale,pg (for working on one phase; the table is then partial)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, stores)")
    ap.add_argument("--server-arg", action="append", default=[],
                    help="extra option for `tokenzone serve` (repeatable), e.g. --server-arg=--threads=4")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()
    if args.runs < 3:
        ap.error("--runs must be at least 3")
    os.makedirs(args.out_dir, exist_ok=True)
    load_start = loadavg()
    # `timeout` ends the driver with SIGTERM: turn it into an exception so that the servers and
    # nginx started here are stopped and the temporary directory is removed on the way out.
    def on_term(signum, frame):
        TERMINATED.append(signum)
        sys.exit(128 + signum)
    signal.signal(signal.SIGTERM, on_term)
    bench = Bench(args)
    try:
        failed = bench.run()
    except SystemExit:
        if not TERMINATED:
            raise
        failed = "terminated"
        bench.table.note("the run was terminated (SIGTERM); the figures above are partial")
    finally:
        bench.close()
    header = machine_line(bench.cores, args, load_start)
    text = bench.table.render(header)
    print(text)
    with open(os.path.join(args.out_dir, "table.md"), "w") as f:
        f.write(text + "\n")
    print(f"\n(log: {bench.log_path}; table: {os.path.join(args.out_dir, 'table.md')})", file=sys.stderr)
    if TERMINATED:
        return 128 + TERMINATED[0]
    if failed:
        return 1
    if args.strict and bench.table.any_fail():
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
