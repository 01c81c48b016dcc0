"""Plumbing of the benchmark: the time budget, processes (tokenzone, nginx, wrk), a keep-alive
JSON client, wrk output parsing and medians. Nothing here decides what is measured; driver.py
does. Only loopback addresses are ever contacted."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import time

LOOPBACK = "127.0.0.1"
PREFIX = "/api/v3/onezone"


class BudgetExceeded(Exception):
    """The benchmark's wall-clock budget would be overrun by the next step."""


class BenchError(Exception):
    """A step could not produce a valid measurement (wrong status, process failure...)."""


class Budget:
    """A wall-clock deadline shared by every step, so that the whole run stays bounded."""

    def __init__(self, seconds):
        self.deadline = time.monotonic() + seconds

    def left(self):
        return self.deadline - time.monotonic()

    def need(self, seconds, what):
        if self.left() < seconds:
            raise BudgetExceeded(f"{what}: needs {seconds:.0f} s, {max(self.left(), 0):.0f} s left")


def median(values):
    return statistics.median(values) if values else float("nan")


# ---------------------------------------------------------------- processes

def free_port():
    """A TCP port free on the loopback at the time of the call (nginx needs a fixed one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_port(port, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise BenchError(f"nothing listens on {LOOPBACK}:{port} after {timeout} s")


def stop_process(proc, grace=15):
    """SIGTERM, then SIGKILL after `grace` seconds; only the process this module started."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def proc_memory_kib(pid):
    """(VmRSS, VmHWM) of a process in KiB."""
    rss = hwm = None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return rss, hwm


class Server:
    """`tokenzone serve` on a loopback port chosen by the kernel, with its own data directory."""

    def __init__(self, binary, data_dir, log_path, admin_password, extra_args=()):
        self.binary = binary
        self.data_dir = data_dir
        self.log_path = log_path
        self.admin_password = admin_password
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None

    def start(self, timeout=20):
        env = dict(os.environ, TOKENZONE_ADMIN_PASSWORD=self.admin_password)
        self.log = open(self.log_path, "wb")  # the port is read from this run's lines only
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--store" if "://" in self.data_dir else "--data", self.data_dir,
             "--listen", f"{LOOPBACK}:0"]
            + self.extra_args,
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, env=env)
        end = time.monotonic() + timeout
        pattern = re.compile(rb"tokenzone: listening on http://127\.0\.0\.1:(\d+)")
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise BenchError(f"tokenzone serve exited with {self.proc.returncode}; see {self.log_path}")
            with open(self.log_path, "rb") as f:
                m = pattern.search(f.read())
            if m:
                self.port = int(m.group(1))
                return self
            time.sleep(0.05)
        raise BenchError(f"tokenzone serve did not report its port within {timeout} s")

    def url(self, path):
        return f"http://{LOOPBACK}:{self.port}{PREFIX}{path}"

    def memory_kib(self):
        return proc_memory_kib(self.proc.pid)

    def stop(self):
        stop_process(self.proc)
        if getattr(self, "log", None):
            self.log.close()


class Nginx:
    """nginx from a private prefix directory: own config, pid file and logs, loopback port."""

    def __init__(self, template, prefix_dir, workers, body):
        self.template = template
        self.prefix = prefix_dir
        self.workers = workers
        self.body = body
        self.proc = None
        self.port = None

    def start(self, timeout=10):
        os.makedirs(os.path.join(self.prefix, "www"), exist_ok=True)
        os.makedirs(os.path.join(self.prefix, "tmp"), exist_ok=True)
        os.chmod(self.prefix, 0o755)  # workers run as an unprivileged user when started by root
        os.chmod(os.path.join(self.prefix, "www"), 0o755)
        body_path = os.path.join(self.prefix, "www", "verify.json")
        with open(body_path, "wb") as f:
            f.write(self.body)
        os.chmod(body_path, 0o644)
        self.port = free_port()
        with open(self.template) as f:
            conf = f.read()
        conf = (conf.replace("@PREFIX@", self.prefix).replace("@WORKERS@", str(self.workers))
                .replace("@LISTEN@", f"{LOOPBACK}:{self.port}"))
        conf_path = os.path.join(self.prefix, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen(
            [nginx, "-p", self.prefix, "-c", conf_path, "-e", os.path.join(self.prefix, "error.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(self.port, timeout)
        except BenchError:
            raise BenchError(f"nginx did not start; see {self.prefix}/error.log")
        return self

    def url(self):
        return f"http://{LOOPBACK}:{self.port}/verify.json"

    def stop(self):
        stop_process(self.proc)


# ---------------------------------------------------------------- HTTP client

class Client:
    """A keep-alive HTTP/1.1 JSON client for one loopback server."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def _connect(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)
            self.conn.connect()
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.conn

    def call(self, method, path, body=None, token=None, basic=None):
        """Returns (status, parsed JSON or None, seconds from send to last body byte)."""
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["x-auth-token"] = token
        if basic:
            import base64
            headers["Authorization"] = "Basic " + base64.b64encode(basic.encode()).decode()
        for attempt in (0, 1):
            reused = self.conn is not None
            conn = self._connect()
            t0 = time.perf_counter()
            try:
                conn.request(method, PREFIX + path, body=data, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection before reading the request:
                # nothing was processed, so one retry on a new connection is safe.
                self.close()
                if not reused or attempt:
                    raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise
        took = time.perf_counter() - t0
        if resp.getheader("Connection", "").lower() == "close":
            self.close()
        parsed = json.loads(raw) if raw else None
        return resp.status, parsed, took

    def expect(self, status, method, path, **kw):
        got, body, took = self.call(method, path, **kw)
        if got != status:
            raise BenchError(f"{method} {path}: expected {status}, got {got}: {json.dumps(body)[:300]}")
        return body, took

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def error_id(body):
    try:
        return body["error"]["id"]
    except (TypeError, KeyError):
        return None


# ---------------------------------------------------------------- wrk

_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def parse_wrk(out):
    """Requests/s, latency percentiles (ms), counts of non-2xx answers and socket errors."""
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise BenchError("wrk printed no Requests/sec line:\n" + out[-2000:])
    res = {"rps": float(m.group(1))}
    for m in re.finditer(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        res[f"p{m.group(1)}"] = float(m.group(2)) * _UNIT[m.group(3)]
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["sock_errors"] = sum(int(x) for x in m.groups()) if m else 0
    res["timeouts"] = int(m.group(4)) if m else 0
    return res


class Wrk:
    """The load generator: same thread and connection counts for every target."""

    def __init__(self, budget, threads, connections, duration, log):
        self.budget = budget
        self.threads = threads
        self.connections = connections
        self.duration = duration
        self.log = log

    def _cmd(self, url, script, duration, connections=None):
        return ["wrk", f"-t{self.threads}", f"-c{connections or self.connections}", f"-d{duration}s",
                "--timeout", "5s", "--latency", "-s", script, url]

    def run(self, url, script, env=None, duration=None, connections=None):
        duration = duration or self.duration
        self.budget.need(duration + 5, "wrk run")
        p = subprocess.run(self._cmd(url, script, duration, connections),
                           env=dict(os.environ, **(env or {})), capture_output=True, text=True,
                           timeout=duration + 30)
        self.log(f"$ wrk {url} ({os.path.basename(script)})\n{p.stdout}{p.stderr}")
        if p.returncode != 0:
            raise BenchError(f"wrk failed ({p.returncode}): {p.stderr.strip()[:300]}")
        return parse_wrk(p.stdout)

    def start(self, url, script, env=None, duration=None, connections=None):
        """Runs wrk in the background; collect with finish() (or interrupt it with SIGINT)."""
        duration = duration or self.duration
        self.budget.need(duration + 5, "wrk run")
        return subprocess.Popen(self._cmd(url, script, duration, connections), env=dict(os.environ, **(env or {})),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finish(self, proc, timeout):
        out, err = proc.communicate(timeout=timeout)
        self.log(f"$ wrk (background)\n{out}{err}")
        return parse_wrk(out)

    def series(self, url, script, env, runs, warmup=1):
        """One short warm-up run, then `runs` runs; medians of each figure plus summed errors."""
        tag = f"{time.time_ns() // 1000000}"  # keeps generated names unique across series
        if warmup:
            self.run(url, script, dict(env or {}, BENCH_RUN=f"{tag}w"), duration=warmup)
        results = [self.run(url, script, dict(env or {}, BENCH_RUN=f"{tag}r{i}")) for i in range(runs)]
        return summarize(results)


def summarize(results):
    out = {"runs": len(results)}
    for key in ("rps", "p50", "p99"):
        out[key] = median([r[key] for r in results if key in r])
        out[key + "_all"] = [r.get(key) for r in results]
    out["requests"] = sum(r["requests"] for r in results)
    out["non2xx"] = sum(r["non2xx"] for r in results)
    out["timeouts"] = sum(r["timeouts"] for r in results)
    return out
