/* Fills a fresh tokenzone data directory with many users and valid named tokens, fast, for the
 * scale benchmark.
 *
 * The schema is created by the store itself (tz_store_open); rows are then written with raw SQLite
 * in one transaction with synchronous=OFF, because the store API commits durably per call and a
 * million fsyncs would not fit the benchmark's time budget. Each row is what the service writes
 * when it creates a named token (token_create.c): the token is minted by the core library
 * (per-token hex secret used as the macaroon secret, version 2, access type), the token column
 * holds its unsigned template (tz_token_template) and the secret column the secret sealed under
 * the master key and bound to the token id (tz_secrets_seal_named). The master key file is opened
 * by the server's own start-up rule (tz_secrets_open_keyring): for a data directory DIR/master.key,
 * created on the first run, so a server started on DIR finds it; for PostgreSQL the file given as
 * MASTER_KEY_FILE (or $TOKENZONE_MASTER_KEY_FILE), created when missing, which the server must be
 * given with --master-key-file. The server then verifies the tokens like tokens it issued itself
 * and has nothing to seal or convert at start-up.
 *
 * PostgreSQL (LOCATION = postgresql://...): the store creates its schema the same way, then the rows
 * go in with two COPY ... FROM STDIN in one transaction with synchronous_commit=off (the password
 * comes from libpq's password file, as for the server).
 *
 * Usage: populate LOCATION USERS TOKENS HEAVY SAMPLES VERIFY_SAMPLES OUT VERIFY_OUT [MASTER_KEY_FILE]
 *        (LOCATION: a data directory or a PostgreSQL URI)
 *   USERS users; TOKENS named tokens, HEAVY of which belong to the first ("heavy") user and the
 *   rest spread evenly over the others (consecutive blocks of TOKENS-HEAVY / USERS-1 tokens each).
 *   OUT receives `key value` lines: heavy_user, auth_token (a token of the heavy user, for
 *   x-auth-token), auth_token_id, master_key_file (the key file used), then SAMPLES lines
 *   `sample_id ID` (evenly spaced ids of the heavy user's tokens, to read their status),
 *   VERIFY_SAMPLES lines `verify_sample ID USER_ID` and populate_seconds. VERIFY_OUT receives the
 *   serialized tokens of those verify samples, one a line in the same order: tokens at evenly
 *   spaced positions of the whole store, so of many different users (and, their ids being random,
 *   all over the primary key), for the verify rows. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include "core/token.h"
#include "service/master_key.h"
#include "service/secrets.h"
#include "store/store.h"

#define DOMAIN "localhost"   /* the server's default --domain; verification ignores it anyway */
#define MAX_SAMPLES 100000
#define MAX_VERIFY_SAMPLES 100000

/* The store's schema versions this generator writes rows for (SQLite and PostgreSQL: migrations 2
 * and 3 added other tables and columns; users and named_tokens are still those of migration 1). */
#define EXPECTED_SCHEMA 3
#define EXPECTED_SCHEMA_PG 3

static int fail(const char *what, const char *detail) {
    fprintf(stderr, "populate: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

static int fail_err(const char *what, tz_error *e) {
    fprintf(stderr, "populate: %s failed (%s)\n", what, e ? tz_err_id_name(e->id) : "?");
    tz_err_free(e);
    return 1;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One named token as the service stores it (token_create.c). All malloc'd, caller frees. */
typedef struct minted {
    char *tmpl;        /* the token column: the unsigned template */
    char *sealed;      /* the secret column: the secret sealed for this token id */
    char *serialized;  /* the token itself, only when asked for (it is not stored) */
} minted;

static void minted_clear(minted *m) {
    free(m->tmpl);
    free(m->sealed);
    if (m->serialized) OPENSSL_cleanse(m->serialized, strlen(m->serialized));
    free(m->serialized);
    memset(m, 0, sizeof *m);
}

/* Mints one named access token of user `uid` with id `tid` and plain hex `secret`, the way the
 * service does (mint_token_template + tz_secrets_seal_named); the serialized token only when
 * `want_token` (it is what a client would have been given). */
static tz_error *mint(tz_keyring *kr, const char *uid, const char *tid, const char *secret, bool want_token,
                      minted *m) {
    memset(m, 0, sizeof *m);
    tz_token proto;
    memset(&proto, 0, sizeof proto);
    proto.domain = (char *)DOMAIN;
    proto.version = 2;
    proto.named = true;
    proto.generation = 0;
    proto.subject = (tz_subject){TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)uid};
    proto.type.kind = TZ_TT_ACCESS;
    proto.id = (char *)tid;
    tz_token *t = NULL;
    tz_error *e = tz_token_create(&proto, (const uint8_t *)secret, strlen(secret), NULL, 0, &t);
    if (!e && want_token) e = tz_token_serialize(t, &m->serialized, NULL);
    if (!e && !(m->tmpl = tz_token_template(t))) e = tz_err_new(TZE_INTERNAL);
    tz_token_free(t);
    if (!e) e = tz_secrets_seal_named(kr, tid, secret, &m->sealed);
    if (e) minted_clear(m);
    return e;
}

static int exec(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    int rc = fail(sql, msg);
    sqlite3_free(msg);
    return rc;
}

static long parse_count(const char *s, long min, long max) {
    char *end = NULL;
    long v = strtol(s, &end, 10);
    return (*s && !*end && v >= min && v <= max) ? v : -1;
}

typedef struct plan {
    long users, tokens, heavy, samples, verify_samples;
} plan;

/* Where the rows go: prepared SQLite statements, or a PostgreSQL COPY stream. */
typedef struct sink {
    sqlite3 *db;
    sqlite3_stmt *ins_user, *ins_tok;
    PGconn *pg;
    char line[4096];
} sink;

static int pg_line(sink *k, int n) {
    if (n < 0 || (size_t)n >= sizeof k->line) return fail("COPY row too long", NULL);
    if (PQputCopyData(k->pg, k->line, n) != 1) return fail("COPY", PQerrorMessage(k->pg));
    return 0;
}

static int pg_copy(sink *k, const char *sql) {
    PGresult *r = PQexec(k->pg, sql);
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    return ok ? 0 : fail(sql, PQerrorMessage(k->pg));
}

static int pg_copy_end(sink *k) {
    if (PQputCopyEnd(k->pg, NULL) != 1) return fail("COPY end", PQerrorMessage(k->pg));
    PGresult *r = PQgetResult(k->pg);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    while ((r = PQgetResult(k->pg))) PQclear(r);
    return ok ? 0 : fail("COPY", PQerrorMessage(k->pg));
}

static int put_user(sink *k, const char *uid, const char *name, int64_t now) {
    if (k->pg)
        return pg_line(k, snprintf(k->line, sizeof k->line, "%s\t%s\t%s\t\\N\tt\tf\t%" PRId64 "\n", uid, name,
                                   name, now));
    sqlite3_bind_text(k->ins_user, 1, uid, -1, SQLITE_STATIC);
    sqlite3_bind_text(k->ins_user, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(k->ins_user, 3, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(k->ins_user, 4, now);
    int rc = sqlite3_step(k->ins_user) != SQLITE_DONE ? fail("insert user", sqlite3_errmsg(k->db)) : 0;
    sqlite3_reset(k->ins_user);
    return rc;
}

/* COPY's text format gives backslash, tab and newline a meaning; none of the values written here
 * (hex ids, base64 sealed text, compact JSON of ids and numbers) holds one, and a value that did
 * would be refused rather than escaped. */
static bool copy_safe(const char *v) { return strpbrk(v, "\\\t\n\r") == NULL; }

static int put_token(sink *k, const char *tid, const char *name, const char *uid, const char *tmpl,
                     const char *sealed, const char *metadata) {
    if (k->pg) {
        if (!copy_safe(tmpl) || !copy_safe(sealed) || !copy_safe(metadata))
            return fail("a value needs COPY escaping", tid);
        return pg_line(k, snprintf(k->line, sizeof k->line, "%s\t%s\t1\t%s\t%s\t%s\t%s\tf\n", tid, name, uid,
                                   tmpl, sealed, metadata));
    }
    sqlite3_bind_text(k->ins_tok, 1, tid, -1, SQLITE_STATIC);
    sqlite3_bind_text(k->ins_tok, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(k->ins_tok, 3, uid, -1, SQLITE_STATIC);
    sqlite3_bind_text(k->ins_tok, 4, tmpl, -1, SQLITE_STATIC);
    sqlite3_bind_text(k->ins_tok, 5, sealed, -1, SQLITE_STATIC);
    sqlite3_bind_text(k->ins_tok, 6, metadata, -1, SQLITE_STATIC);
    int rc = sqlite3_step(k->ins_tok) != SQLITE_DONE ? fail("insert token", sqlite3_errmsg(k->db)) : 0;
    sqlite3_reset(k->ins_tok);
    return rc;
}

/* The owner of token number i: the heavy user (0) for the first HEAVY, then the other users in
 * consecutive blocks of (TOKENS-HEAVY)/(USERS-1) tokens (9 or 10 each for 1,000,000 over 100,000),
 * so that every user holds tokens. */
static long owner_of(const plan *p, long i) {
    if (i < p->heavy || p->users < 2) return 0;
    long owner = 1 + (long)((int64_t)(i - p->heavy) * (p->users - 1) / (p->tokens - p->heavy));
    return owner < p->users ? owner : p->users - 1;
}

/* Whether token number i is one of the verify samples: VERIFY_SAMPLES positions evenly spaced over
 * the whole store, each in the middle of its stride. */
static bool is_verify_sample(const plan *p, long i) {
    if (p->verify_samples <= 0) return false;
    long stride = p->tokens / p->verify_samples;
    if (stride < 1) stride = 1;
    return i % stride == stride / 2 && i / stride < p->verify_samples;
}

static int insert_all(sink *k, tz_keyring *kr, const plan *p, char (*uids)[TZ_ID_HEX_LEN + 1], FILE *out,
                      FILE *verify_out) {
    if (k->db && (sqlite3_prepare_v2(k->db,
                           "INSERT INTO users (id, username, full_name, password_hash,"
                           " basic_auth_enabled, blocked, creation_time)"
                           " VALUES (?1, ?2, ?3, NULL, 1, 0, ?4)", -1, &k->ins_user, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(k->db,
                           "INSERT INTO named_tokens (id, name, subject_kind, subject_id, token,"
                           " secret, metadata, revoked) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, 0)",
                           -1, &k->ins_tok, NULL) != SQLITE_OK))
        return fail("prepare", sqlite3_errmsg(k->db));
    int64_t now = (int64_t)time(NULL);
    char metadata[96];
    snprintf(metadata, sizeof metadata, "{\"creationTime\":%" PRId64 ",\"custom\":{}}", now);
    int rc = k->pg ? pg_copy(k, "COPY users (id, username, full_name, password_hash, basic_auth_enabled,"
                                " blocked, creation_time) FROM STDIN") : 0;
    for (long u = 0; !rc && u < p->users; u++) {
        char name[48];
        snprintf(name, sizeof name, "bench-user-%06ld", u);
        rc = put_user(k, uids[u], name, now);
    }
    if (!rc && k->pg) rc = pg_copy_end(k);
    if (!rc && k->pg)
        rc = pg_copy(k, "COPY named_tokens (id, name, subject_kind, subject_id, token, secret, metadata,"
                        " revoked) FROM STDIN");
    /* Sample positions among the heavy user's tokens: an evenly spaced stride, so the ids (random
     * hex) land all over the primary-key index. */
    long stride = p->samples > 0 ? p->heavy / p->samples : 0;
    if (stride < 1) stride = 1;
    for (long i = 0; !rc && i < p->tokens; i++) {
        long owner = owner_of(p, i);
        bool verify_sample = is_verify_sample(p, i);
        char tid[TZ_ID_HEX_LEN + 1], secret[TZ_SECRET_HEX_LEN + 1], name[32];
        tz_error *e = tz_store_random_id(tid);
        if (!e) e = tz_store_random_secret(secret);
        minted m = {0};
        if (!e) e = mint(kr, uids[owner], tid, secret, i == 0 || verify_sample, &m);
        OPENSSL_cleanse(secret, sizeof secret);
        if (e) {
            rc = fail_err("minting a token", e);
            break;
        }
        snprintf(name, sizeof name, "tok-%07ld", i);
        rc = put_token(k, tid, name, uids[owner], m.tmpl, m.sealed, metadata);
        if (i == 0) {
            fprintf(out, "heavy_user %s\nauth_token %s\nauth_token_id %s\n", uids[0], m.serialized, tid);
        } else if (i < p->heavy && i % stride == 0 && i / stride <= p->samples) {
            fprintf(out, "sample_id %s\n", tid);
        }
        if (!rc && verify_sample) {
            fprintf(out, "verify_sample %s %s\n", tid, uids[owner]);
            fprintf(verify_out, "%s\n", m.serialized);
        }
        minted_clear(&m);
    }
    if (!rc && k->pg) rc = pg_copy_end(k);
    sqlite3_finalize(k->ins_user);
    sqlite3_finalize(k->ins_tok);
    return rc;
}

static int pg_exec(PGconn *pg, const char *sql) {
    PGresult *r = PQexec(pg, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok ? 0 : fail(sql, PQerrorMessage(pg));
}

/* The PostgreSQL store: schema version check, then both COPYs in one transaction. */
static int fill_pg(const char *uri, tz_keyring *kr, const plan *p, char (*uids)[TZ_ID_HEX_LEN + 1], FILE *out,
                   FILE *verify_out) {
    sink k = {0};
    k.pg = PQconnectdb(uri);
    if (PQstatus(k.pg) != CONNECTION_OK) {
        int rc = fail("connect", PQerrorMessage(k.pg));
        PQfinish(k.pg);
        return rc;
    }
    PGresult *r = PQexec(k.pg, "SELECT coalesce(max(version), 0) FROM tokenzone_schema");
    int version = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    int rc = 0;
    if (version != EXPECTED_SCHEMA_PG) {
        fprintf(stderr, "populate: PostgreSQL schema version %d, this generator writes version %d\n", version,
                EXPECTED_SCHEMA_PG);
        rc = 1;
    }
    if (!rc) rc = pg_exec(k.pg, "BEGIN; SET LOCAL synchronous_commit = off");
    if (!rc) rc = insert_all(&k, kr, p, uids, out, verify_out);
    if (!rc) rc = pg_exec(k.pg, "COMMIT");
    if (!rc) rc = pg_exec(k.pg, "ANALYZE users; ANALYZE named_tokens");
    PQfinish(k.pg);
    return rc;
}

/* The SQLite store: schema version check, then every row in one transaction. */
static int fill_sqlite(const char *dir, tz_keyring *kr, const plan *p, char (*uids)[TZ_ID_HEX_LEN + 1],
                       FILE *out, FILE *verify_out) {
    char path[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/tokenzone.db", dir) >= sizeof path)
        return fail("data directory path too long", NULL);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        int rc = fail("open", db ? sqlite3_errmsg(db) : path);
        sqlite3_close(db);
        return rc;
    }
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    int rc = 0;
    if (version != EXPECTED_SCHEMA) {
        fprintf(stderr, "populate: store schema version %d, this generator writes version %d\n",
                version, EXPECTED_SCHEMA);
        rc = 1;
    }
    if (!rc) rc = exec(db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144; PRAGMA foreign_keys=ON;"
                           " BEGIN IMMEDIATE");
    sink k = {.db = db};
    if (!rc) rc = insert_all(&k, kr, p, uids, out, verify_out);
    if (!rc) rc = exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);");
    sqlite3_close(db);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 9 && argc != 10) {
        fprintf(stderr, "usage: populate DIR|POSTGRESQL_URI USERS TOKENS HEAVY SAMPLES VERIFY_SAMPLES OUT VERIFY_OUT"
                        " [MASTER_KEY_FILE]\n"
                        "  MASTER_KEY_FILE defaults to $" TZ_MASTER_KEY_ENV ", else DIR/" TZ_MASTER_KEY_DEFAULT_NAME
                        "\n  (required for PostgreSQL); created when missing, as the server does\n");
        return 2;
    }
    plan p = {parse_count(argv[2], 1, 10000000), parse_count(argv[3], 1, 100000000),
              parse_count(argv[4], 1, 100000000), parse_count(argv[5], 0, MAX_SAMPLES),
              parse_count(argv[6], 0, MAX_VERIFY_SAMPLES)};
    if (p.users < 0 || p.tokens < 0 || p.heavy < 0 || p.samples < 0 || p.verify_samples < 0 ||
        p.verify_samples > p.tokens || p.heavy > p.tokens ||
        (p.users == 1 && p.heavy != p.tokens)) {
        fprintf(stderr, "populate: bad counts (need USERS>=1, 1<=HEAVY<=TOKENS, HEAVY=TOKENS for one user,"
                        " VERIFY_SAMPLES<=TOKENS)\n");
        return 2;
    }
    const char *location = argv[1];
    const char *key_file = argc == 10 ? argv[9] : getenv(TZ_MASTER_KEY_ENV);
    if (key_file && !*key_file) key_file = NULL;
    double t0 = now_s();
    tz_store *store = NULL;
    tz_error *e = tz_store_open(location, NULL, &store);
    if (e) return fail_err("tz_store_open", e);
    /* The server's own rule: an existing key file is used, a missing one is created only while the
     * store holds no sealed secret. */
    tz_keyring *kr = NULL;
    char *key_used = NULL, why[TZ_SECRETS_WHY_MAX] = "";
    e = tz_secrets_open_keyring(store, location, key_file, &kr, &key_used, why);
    tz_store_close(store);
    if (e) {
        tz_err_free(e);
        return fail("master key", why);
    }
    char (*uids)[TZ_ID_HEX_LEN + 1] = calloc((size_t)p.users, sizeof *uids);
    int rc = uids ? 0 : fail("out of memory", NULL);
    for (long u = 0; !rc && u < p.users; u++)
        if ((e = tz_store_random_id(uids[u]))) rc = fail_err("tz_store_random_id", e);
    FILE *out = rc ? NULL : fopen(argv[7], "w");
    if (!rc && !out) rc = fail("cannot write", argv[7]);
    FILE *verify_out = rc ? NULL : fopen(argv[8], "w");
    if (!rc && !verify_out) rc = fail("cannot write", argv[8]);
    bool pg = tz_store_location_is_remote(location);
    if (!rc) {
        fprintf(out, "master_key_file %s\n", key_used);
        rc = pg ? fill_pg(location, kr, &p, uids, out, verify_out)
                : fill_sqlite(location, kr, &p, uids, out, verify_out);
    }
    double took = now_s() - t0;
    if (out) {
        fprintf(out, "populate_seconds %.1f\n", took);
        if (fclose(out) != 0 && !rc) rc = fail("cannot write", argv[7]);
    }
    if (verify_out && fclose(verify_out) != 0 && !rc) rc = fail("cannot write", argv[8]);
    if (!rc)
        fprintf(stderr, "populate: %ld users, %ld tokens in %.1f s%s, secrets sealed with version %u of %s\n",
                p.users, p.tokens, took, pg ? " (PostgreSQL)" : "", tz_keyring_current(kr), key_used);
    free(uids);
    free(key_used);
    tz_keyring_free(kr);
    return rc;
}
