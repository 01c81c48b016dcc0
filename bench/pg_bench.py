"""The PostgreSQL rows of `make bench`: the same server on a PostgreSQL store (a throwaway
PostgreSQL 15 cluster from tests/api/pg.py, with fsync and full_page_writes back on, so that a
commit is as durable as the SQLite one, and shared_buffers sized for the large store): verify and status read paired with nginx and set against
the SQLite rows of the same run, durable named creation with synchronous_commit=on against the
fdatasync rate, and the 1,000,000-token store (status and verify p99 against a 1,000-token store served at the
same time, listing 100,000 ids). The server connects over the cluster's Unix socket (--pg-tcp: loopback
TCP)."""
import os
import shutil
import signal
import sys
import time

from benchlib import BenchError, Client, Nginx, median, summarize
from table import _load, _ms, _num, _ratio, _x

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))
LUA = os.path.join(HERE, "lua")


def _cluster(d):
    """A started cluster with production durability; the driver's SIGTERM handler is kept."""
    import pg  # tests/api/pg.py
    old = signal.getsignal(signal.SIGTERM)
    try:
        c = pg.Cluster()
    finally:
        signal.signal(signal.SIGTERM, old)
    try:
        c.start()
        # shared_buffers sized for the 1,000,000-token store (about 600 MB with its indexes), as a
        # production cluster would be: the test cluster's 32 MB made every random lookup of the
        # scale row a trip to the OS page cache.
        for setting in ("fsync = on", "full_page_writes = on", "synchronous_commit = on",
                        "shared_buffers = '768MB'"):
            c.psql(f"ALTER SYSTEM SET {setting}")
        c.restart()
        d.log("postgresql: " + c.psql("SELECT name || '=' || setting FROM pg_settings WHERE name IN "
                                      "('fsync', 'full_page_writes', 'synchronous_commit', 'shared_buffers')")
              .replace("\n", ", "))
    except BaseException:
        c.cleanup()
        raise
    return c


def _location(d, cluster, db):
    """The store location the server gets: the Unix socket of the cluster (a node on the database
    host; local connections of the throwaway cluster are trusted), or with --pg-tcp the
    loopback TCP URI with the password from libpq's password file."""
    if d.args.pg_tcp:
        return db.uri
    from urllib.parse import quote
    return (f"postgresql:///{quote(db.name)}?host={quote(cluster.socket_dir, safe='/')}"
            f"&port={cluster.port}&user={quote(db.role)}")


def _paired(d, ours_url, env, base_url, runs):
    script = os.path.join(LUA, "request.lua")
    d.wrk.run(base_url, script, {}, duration=1)
    d.wrk.run(ours_url, script, env, duration=1)
    ours, base = [], []
    for _ in range(runs):
        base.append(d.wrk.run(base_url, script, {}))
        ours.append(d.wrk.run(ours_url, script, env))
    return ours, base, median([o["rps"] / b["rps"] for o, b in zip(ours, base) if b["rps"]])


def _vs_sqlite(d, label, res, base, ratio, target, sqlite_res):
    result = ""
    if target is not None:
        result = "PASS" if ratio is not None and ratio >= target else "FAIL"
    result = d.table._errors(res) or d.table._errors(base) or result
    extra = ""
    if sqlite_res:
        extra = f"; SQLite {_num(sqlite_res['rps'])} req/s, p99 {_ms(sqlite_res['p99'])} " \
                f"({_x(_ratio(res['rps'], sqlite_res['rps']))} of SQLite)"
    d.table._add(label, _load(res), f"nginx {_num(base['rps'])} req/s, p99 {_ms(base['p99'])}{extra}",
                 _x(ratio), f"≥ {target:g}× nginx" if target is not None else "", result)


def pg_rows(d):
    if not os.path.exists("/usr/lib/postgresql/15/bin/initdb"):
        d.table.note("PostgreSQL rows: skipped, PostgreSQL 15 is not installed (scripts/install-deps.sh)")
        return
    d.say("postgresql: starting a throwaway cluster (fsync on, synchronous_commit on)")
    cluster = _cluster(d)
    servers = []
    dbs = []  # each has a master key file in its own temp dir, removed by drop()
    ngx = None
    try:
        db = cluster.new_database("bench")
        dbs.append(db)
        location = _location(d, cluster, db)
        d.say("postgresql: connecting over " + ("loopback TCP" if d.args.pg_tcp else "the Unix socket"))
        d.admin_tool_store(location, "user", "create", "bench", "--password", d.bench_password)
        srv = d.start_server("pg-main", location, db.master_key_file)
        servers.append(srv)
        client = Client(srv.port)
        now = int(time.time())
        body, _ = client.expect(201, "POST", "/user/tokens/named", body={"name": "bench-auth"},
                                basic=f"bench:{d.bench_password}")
        auth = body["token"]
        body, _ = client.expect(201, "POST", "/user/tokens/named", token=auth,
                                body={"name": "bench-verify", "caveats": d.caveats(now)})
        named, named_id = body["token"], body["tokenId"]
        client.expect(200, "POST", "/tokens/verify_access_token", body={"token": named, "interface": "rest"})
        ngx = Nginx(os.path.join(HERE, "nginx.conf.in"), os.path.join(d.tmp, "nginx-pg"), d.cores, d.verify_body)
        ngx.start()
        import json
        label = "PostgreSQL: verify named token, 3 caveats"
        d.say(label)
        ours, base, ratio = _paired(d, srv.url("/tokens/verify_access_token"),
                                    {"BENCH_METHOD": "POST",
                                     "BENCH_BODY": json.dumps({"token": named, "interface": "rest"})},
                                    ngx.url(), d.args.runs)
        _vs_sqlite(d, label, summarize(ours), summarize(base), ratio, 0.3, d.sqlite_rows.get("verify"))
        label = "PostgreSQL: status read GET /tokens/named/{id}/status"
        d.say(label)
        ours, base, ratio = _paired(d, srv.url(f"/tokens/named/{named_id}/status"), {"BENCH_TOKEN": auth},
                                    ngx.url(), d.args.runs)
        _vs_sqlite(d, label, summarize(ours), summarize(base), ratio, None, d.sqlite_rows.get("status"))
        ngx.stop()
        ngx = None
        label = "PostgreSQL: create named token (durable 201, synchronous_commit=on)"
        d.say(label)
        res = d.wrk.series(srv.url("/user/tokens/named"), os.path.join(LUA, "create_named.lua"),
                           {"BENCH_TOKEN": auth}, d.args.runs)
        d.table.write_row(label, res, None)
        client.close()
        d.stop(srv)
        servers.remove(srv)
        if not d.args.no_scale:
            _pg_scale(d, cluster, servers, dbs)
    finally:
        if ngx:
            ngx.stop()
        for s in servers:
            d.stop(s)
        cluster.cleanup()
        for db in dbs:
            db.drop()  # the cluster is gone: this only removes the key file and its directory


def _pg_scale(d, cluster, servers, dbs):
    stores = {}
    for name, plan in zip(("small", "big"), d.scale_plans):
        db = cluster.new_database(f"scale{name}")
        dbs.append(db)
        info = d.populate(f"pg-{name}", plan, location=_location(d, cluster, db), key_file=db.master_key_file)
        stores[name] = info
    # The COPY leaves ~600 MB of dirty buffers; flush them now, so that a checkpoint does not land
    # in the middle of the measured reads (it stalled one past the 1.5 s statement timeout).
    cluster.psql("CHECKPOINT")
    res = d.scale_measure(stores, prefix="pg-scale")
    small, big = res["small"], res["big"]
    bp, sp = big["plan"], small["plan"]
    tag_b = f"{bp['tokens']:,} tokens / {bp['users']:,} users"
    d.table.scale_p99_rows("PostgreSQL: ", small, big, 1.5)  # status and verify: 1.5× (the PostgreSQL issue)
    d.table._add(f"PostgreSQL: list GET /user/tokens/named, {bp['heavy']:,} ids", _ms(big["list_ms"]),
                 f"{_ms(small['list_ms'])} for {sp['heavy']:,} ids", _x(_ratio(big["list_ms"], small["list_ms"])),
                 "< 1 s", "PASS" if big["list_ms"] < 1000 else "FAIL")
    d.table._add(f"PostgreSQL: server peak RSS, {tag_b}", f"{big['hwm_kib'] / 1024:.1f} MiB",
                 f"{small['hwm_kib'] / 1024:.1f} MiB, {sp['tokens']:,}-token store", "", "(info)", "")
    d.table._add(f"PostgreSQL: populate {tag_b} (COPY, not timed against a target)",
                 f"{big['populate_s']:.1f} s", "", "", "(info)", "")
