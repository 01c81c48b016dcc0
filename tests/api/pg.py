"""Throwaway PostgreSQL 15 clusters for the API tests (tests/api/).

A cluster is created with Debian's binaries (/usr/lib/postgresql/15/bin: initdb, pg_ctl, postgres)
in a temporary directory, listens on a Unix socket in that directory and on 127.0.0.1 at a free
port, and is stopped and removed at the end (also when a test fails: atexit). PostgreSQL refuses
to run as root, so when the tests run as root every PostgreSQL process runs as the `postgres`
system user the Debian package creates (runuser), and the directory is owned by it.

Access: the superuser `postgres` connects through the Unix socket only (trust, local to the
temporary directory); every tokenzone test database gets its own role with a random password
and connects over loopback with scram-sha-256. Passwords reach tokenzone only through libpq's
password file (PGPASSFILE, set in this process's environment so that every server and admin tool
started by the tests inherits it), never on a command line.

Public API
----------
cluster() -> Cluster        the shared cluster of this test process (started on first use)
Cluster
    .start() / .stop(mode="fast") / .restart(mode="fast")   pg_ctl with a bounded wait
    .new_database(stem) -> Database     a fresh role + database owned by it
    .psql(sql, db="postgres") -> str    runs SQL as the superuser (unaligned, tuples only)
    .port, .host ("127.0.0.1"), .socket_dir, .log()
    .cleanup()              stop (immediate) and remove the directory
Database: .name, .role, .password, .uri ("postgresql://role@127.0.0.1:PORT/name")
    .drop()                 drops the database and role (terminating its connections)
"""
import atexit
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

PG_BIN = os.environ.get("TOKENZONE_PG_BIN", "/usr/lib/postgresql/15/bin")
PG_USER = "postgres"
START_TIMEOUT = 60
PSQL = "/usr/lib/postgresql/15/bin/psql"

_CLUSTER = None
# One libpq password file for every cluster of this process: {(port, role): password}
_PASSWORDS = {}
_PASSDIR = None


def _write_passfile():
    global _PASSDIR
    if _PASSDIR is None:
        _PASSDIR = tempfile.mkdtemp(prefix="tokenzone-pgpass-")
        atexit.register(shutil.rmtree, _PASSDIR, True)
    path = os.path.join(_PASSDIR, "pgpass")
    fd = os.open(path + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        for (port, role), password in _PASSWORDS.items():
            f.write("127.0.0.1:%d:*:%s:%s\n" % (port, role, password))
    os.replace(path + ".new", path)
    os.environ["PGPASSFILE"] = path


class PgError(Exception):
    pass


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_pg_user():
    """The command prefix that runs a program as the unprivileged PostgreSQL user (when root)."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", PG_USER, "--"]


class Database:
    def __init__(self, cluster, name, role, password):
        self.cluster = cluster
        self.name = name
        self.role = role
        self.password = password
        self.uri = "postgresql://%s@%s:%d/%s" % (role, cluster.host, cluster.port, name)
        # a shared store has no default master key file: every node serving this database (and
        # the admin tool) is given this one, created 0600 by the first server that starts
        # inside the cluster's directory, so that the cluster's cleanup removes it too
        self._keydir = tempfile.mkdtemp(prefix="key-", dir=cluster.tmp)
        self.master_key_file = os.path.join(self._keydir, "master.key")

    def _psql_out(self, sql):
        c = self.cluster
        proc = c._run([PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", c.socket_dir,
                       "-p", str(c.port), "-U", PG_USER, "-d", self.name, "-c", sql])
        return proc.strip()

    def dump_values(self):
        """Every value of every column of every table, from a data-only `pg_dump` (COPY text:
        one row per line, columns separated by tabs, backslash escapes undone)."""
        c = self.cluster
        proc = c._run([os.path.join(PG_BIN, "pg_dump"), "--data-only", "-h", c.socket_dir,
                       "-p", str(c.port), "-U", PG_USER, self.name], timeout=120)
        values, in_copy = [], False
        unescape = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
        for line in proc.split("\n"):
            if not in_copy:
                in_copy = line.startswith("COPY ") and line.endswith("FROM stdin;")
                continue
            if line == "\\.":
                in_copy = False
                continue
            for cell in line.split("\t"):
                if cell != "\\N":
                    values.append(re.sub(r"\\[\\tnr]", lambda m: unescape[m.group(0)], cell))
        return values

    def file_paths(self):
        """The files holding this database's tables and indexes (rows and free space alike)."""
        oid = self._psql_out("SELECT oid FROM pg_database WHERE datname = current_database()")
        self._psql_out("CHECKPOINT")
        base = os.path.join(self.cluster.data, "base", oid)
        return [os.path.join(base, n) for n in sorted(os.listdir(base))]

    def drop(self):
        shutil.rmtree(self._keydir, ignore_errors=True)
        c = self.cluster
        if not c.running():
            return
        c._run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", c.socket_dir,
                "-p", str(c.port), "-U", PG_USER, "-d", "postgres",
                "-c", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name,
                "-c", 'DROP ROLE IF EXISTS "%s"' % self.role], check=False)
        c.forget_password(self)


class Cluster:
    def __init__(self):
        _exit_on_sigterm()
        for tool in ("initdb", "pg_ctl", "postgres", "psql"):
            if not os.path.exists(os.path.join(PG_BIN, tool)):
                raise PgError("PostgreSQL 15 binaries not found in %s (install the Debian package "
                              "`postgresql`: scripts/install-deps.sh)" % PG_BIN)
        self.tmp = tempfile.mkdtemp(prefix="tokenzone-pg-")
        os.chmod(self.tmp, 0o700)
        self.data = os.path.join(self.tmp, "data")
        self.socket_dir = self.tmp
        self.logfile = os.path.join(self.tmp, "postgresql.log")
        self.host = "127.0.0.1"
        self.port = _free_port()
        self._counter = 0
        self._started = False
        if os.geteuid() == 0:
            pw = pwd.getpwnam(PG_USER)
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
        self._run([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", PG_USER,
                   "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                   "--no-instructions"], timeout=120)
        conf = os.path.join(self.data, "postgresql.conf")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": "'%s'" % self.socket_dir,
            "max_connections": "200",
            "shared_buffers": "32MB",
            # a test cluster on a shared machine: crash safety of the server process is kept
            # (WAL is written before COMMIT returns), only OS-crash durability is given up
            "fsync": "off",
            "full_page_writes": "off",
            "synchronous_commit": "on",
            "log_min_messages": "warning",
            "log_connections": "off",
        }
        lines = ["%s = %s" % kv for kv in settings.items()]
        self._append_as_pg(conf, "\n".join(lines) + "\n")

    # ------------------------------------------------------------ process control
    def _run(self, args, timeout=60, check=True, env=None):
        full = _as_pg_user() + args
        proc = subprocess.run(full, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout, cwd=self.tmp, env=env)
        if check and proc.returncode != 0:
            raise PgError("%s: exit %d\n%s%s" % (" ".join(args[:2]), proc.returncode,
                                                 proc.stdout.decode(errors="replace"),
                                                 proc.stderr.decode(errors="replace")))
        return proc.stdout.decode("utf-8", "replace")

    def _append_as_pg(self, path, text):
        if os.geteuid() == 0:
            subprocess.run(_as_pg_user() + ["tee", "-a", path], input=text.encode(),
                           stdout=subprocess.DEVNULL, check=True, timeout=30)
        else:
            with open(path, "a") as f:
                f.write(text)

    def running(self):
        return self._started

    def start(self):
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l", self.logfile, "-w",
                   "-t", str(START_TIMEOUT), "start"], timeout=START_TIMEOUT + 10)
        self._started = True
        return self

    def stop(self, mode="fast"):
        if not self._started:
            return
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", mode, "-w",
                   "-t", str(START_TIMEOUT), "stop"], timeout=START_TIMEOUT + 10, check=False)
        self._started = False

    def restart(self, mode="fast"):
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l", self.logfile, "-m",
                   mode, "-w", "-t", str(START_TIMEOUT), "restart"], timeout=START_TIMEOUT + 10)
        self._started = True

    def log(self):
        try:
            with open(self.logfile, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------ SQL
    def psql(self, sql, db="postgres"):
        return self._run([PSQL, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                          "-h", self.socket_dir, "-p", str(self.port), "-U", PG_USER,
                          "-d", db, "-c", sql], timeout=60).strip()

    def forget_password(self, db):
        _PASSWORDS.pop((self.port, db.role), None)
        _write_passfile()

    def new_database(self, stem="tz"):
        self._counter += 1
        suffix = "%d_%d" % (os.getpid(), self._counter)
        name = "%s_%s" % (stem, suffix)
        role = "r_%s" % name
        password = secrets.token_hex(16)
        # one psql run, two commands (CREATE DATABASE cannot share a transaction); in
        # PostgreSQL 15 the database owner may create in its public schema
        self._run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir,
                   "-p", str(self.port), "-U", PG_USER, "-d", "postgres",
                   "-c", "CREATE ROLE \"%s\" LOGIN PASSWORD '%s'" % (role, password),
                   "-c", 'CREATE DATABASE "%s" OWNER "%s"' % (name, role)])
        _PASSWORDS[(self.port, role)] = password
        _write_passfile()
        return Database(self, name, role, password)


def _exit_on_sigterm():
    """A SIGTERM to the test run still stops and removes the clusters (atexit runs on
    SystemExit, not on the default SIGTERM action)."""
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def cluster():
    """The shared cluster of this test process, started on first use, removed at exit."""
    global _CLUSTER
    _exit_on_sigterm()
    if _CLUSTER is None:
        c = Cluster()
        try:
            c.start()
        except BaseException:
            c.cleanup()
            raise
        _CLUSTER = c
        atexit.register(c.cleanup)
    elif not _CLUSTER.running():
        _CLUSTER.start()
    return _CLUSTER


def enabled():
    """True when the API tests run against PostgreSQL (TOKENZONE_TEST_STORE=postgres)."""
    return os.environ.get("TOKENZONE_TEST_STORE", "sqlite") in ("postgres", "postgresql")
