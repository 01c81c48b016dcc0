/* The SQLite store itself: opening, the connection pool, the per-connection statement cache,
 * transactions and error mapping. Files and modes are in store_files.c, the schema in
 * store_schema.c, entity operations in the other store_*.c files. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include "store/store_internal.h"

tz_error *tzs_fail(tz_store *s, sqlite3 *db, const char *op, int rc) {
    /* sqlite3_errmsg names tables and constraints, never bound values, so no secret leaks. */
    tzs_log(s, "%s: %s (%s)", op, db ? sqlite3_errmsg(db) : "no connection", sqlite3_errstr(rc));
    int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return tz_err_new(TZE_STORE_UNAVAILABLE);
    return tz_err_new(TZE_INTERNAL);
}

tz_error *tzs_bad_arg(tz_store *s, const char *op, const char *what) {
    tzs_log(s, "%s: invalid argument: %s", op, what);
    return tz_err_new(TZE_INTERNAL);
}

/* ---------------- connections ---------------- */

static tz_error *exec_pragma(tz_store *s, sqlite3 *db, const char *sql) {
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? NULL : tzs_fail(s, db, sql, rc);
}

static long ms_since(const struct timespec *t0) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Switching a new database to write-ahead logging takes an exclusive lock, and SQLite answers
 * SQLITE_BUSY at once, without calling the busy handler, when another connection (another node
 * starting on the same empty store) holds a lock meanwhile. So the switch is retried here, every
 * millisecond up to the busy timeout, like any other wait for a lock. */
static tz_error *set_wal(tz_store *s, sqlite3 *db, int busy_timeout_ms) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc;
    bool wal;
    for (;;) {
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
        if (rc == SQLITE_OK) rc = sqlite3_step(st);
        const unsigned char *mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
        wal = mode && strcmp((const char *)mode, "wal") == 0;
        sqlite3_finalize(st);
        if ((rc & 0xff) != SQLITE_BUSY || ms_since(&t0) >= busy_timeout_ms) break;
        nanosleep(&(struct timespec){0, 1000000L}, NULL);
    }
    if (rc != SQLITE_ROW) return tzs_fail(s, db, "journal_mode", rc);
    if (!wal) {
        tzs_log(s, "the database refused write-ahead logging");
        return tz_err_new(TZE_INTERNAL);
    }
    return NULL;
}

static void conn_close(tzs_conn *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n_cached; i++) sqlite3_finalize(c->cache[i].stmt);
    sqlite3_close(c->db);
    free(c);
}

/* Waits for another writer with short sleeps. SQLite's own busy timeout backs off to tens of
 * milliseconds, so under concurrent durable writes most of the time went to sleeping, not to
 * fsync; a commit here takes well under a millisecond, so polling every 100 us keeps writers
 * queued close behind each other. Gives up after the store's busy timeout (--store-statement-timeout, default
 * TZS_BUSY_TIMEOUT_MS). */
static int busy_wait(void *ud, int attempts) {
    tzs_conn *c = ud;
    if (attempts == 0) clock_gettime(CLOCK_MONOTONIC, &c->busy_since);
    /* measured, not counted: sleeps overrun on a loaded machine */
    if (ms_since(&c->busy_since) >= c->busy_timeout_ms) return 0;
    struct timespec ts = {0, attempts < 1000 ? 100000L : 1000000L};
    nanosleep(&ts, NULL);
    return 1;
}

static tz_error *conn_open(tz_store *s, tzs_conn **out) {
    tzs_conn *c = calloc(1, sizeof *c);
    if (!c) return tz_err_new(TZE_INTERNAL);
    /* NOMUTEX: the pool hands a connection to one thread at a time. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
    int rc = sqlite3_open_v2(TZS_SQ(s)->db_path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        tz_error *err = tzs_fail(s, c->db, "open database", rc);
        conn_close(c);
        return err;
    }
    sqlite3_extended_result_codes(c->db, 1);
    c->busy_timeout_ms = TZS_SQ(s)->busy_timeout_ms;
    sqlite3_busy_handler(c->db, busy_wait, c);
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    tz_error *err = set_wal(s, c->db, c->busy_timeout_ms);
    /* FULL: a commit is on disk (WAL fsynced) before the call returns. secure_delete: deleted
     * secrets are overwritten rather than left in free pages. */
    if (!err) err = exec_pragma(s, c->db,
                                "PRAGMA synchronous=FULL;"
                                "PRAGMA foreign_keys=ON;"
                                "PRAGMA secure_delete=ON;"
                                "PRAGMA trusted_schema=OFF;");
    if (err) {
        conn_close(c);
        return err;
    }
    *out = c;
    return NULL;
}

/* The open database must still be the file at the store's path: a file deleted, moved away or
 * replaced under a running server would otherwise take acknowledged writes into an unlinked
 * inode that the next start never sees. One stat() per operation; a moved file fails every
 * operation (fail closed) until it is back or the server restarts. */
static tz_error *check_file_in_place(tz_store *s, tzs_conn *c) {
    int moved = 0;
    int rc = sqlite3_file_control(c->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved);
    if (rc != SQLITE_OK) return tzs_fail(s, c->db, "database file check", rc);
    if (!moved) return NULL;
    tzs_log(s, "the database file %s was deleted, moved or replaced while in use; refusing to use "
               "it (put it back or restart)", TZS_SQ(s)->db_path);
    return tz_err_new(TZE_INTERNAL);
}

static tz_error *acquire_conn(tz_store *store, tzs_conn **out);

tz_error *tzs_acquire(tz_store *store, tzs_conn **out) {
    *out = NULL;
    /* A function written for SQLite (tz_store_* defined straight on these helpers instead of
     * going through the ops table) called on another backend's store fails cleanly here. */
    if (store->ops != &tzs_sqlite_ops) {
        tzs_log(store, "an SQLite-only store function was called on the %s store; it needs an "
                       "operation in the ops table (docs/store.md)", store->ops->name);
        return tz_err_new(TZE_INTERNAL);
    }
    tz_error *err = acquire_conn(store, out);
    if (err) return err;
    if ((err = check_file_in_place(store, *out))) {
        tzs_release(store, *out);
        *out = NULL;
    }
    return err;
}

static tz_error *acquire_conn(tz_store *store, tzs_conn **out) {
    tzs_sqlite *s = TZS_SQ(store);
    pthread_mutex_lock(&s->mu);
    while (!s->idle && s->n_open >= s->pool_cap) pthread_cond_wait(&s->cv, &s->mu);
    tzs_conn *c = s->idle;
    if (c) {
        s->idle = c->next;
        pthread_mutex_unlock(&s->mu);
        c->next = NULL;
        *out = c;
        return NULL;
    }
    s->n_open++;  /* reserve the slot; opening happens outside the lock */
    pthread_mutex_unlock(&s->mu);
    tz_error *err = conn_open(store, out);
    if (err) {
        pthread_mutex_lock(&s->mu);
        s->n_open--;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    return err;
}

void tzs_release(tz_store *store, tzs_conn *c) {
    tzs_sqlite *s = TZS_SQ(store);
    /* A statement left mid-iteration would pin a read snapshot and hold back checkpoints. */
    for (size_t i = 0; i < c->n_cached; i++)
        if (sqlite3_stmt_busy(c->cache[i].stmt)) sqlite3_reset(c->cache[i].stmt);
    if (!sqlite3_get_autocommit(c->db)) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    if (c->writing) {
        c->writing = false;
        pthread_mutex_unlock(&s->write_mu);
    }
    pthread_mutex_lock(&s->mu);
    c->next = s->idle;
    s->idle = c;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Takes the process-wide write lock for this connection (held until tzs_release). */
static void take_write_lock(tz_store *s, tzs_conn *c) {
    if (c->writing) return;
    pthread_mutex_lock(&TZS_SQ(s)->write_mu);
    c->writing = true;
}

tz_error *tzs_stmt(tz_store *s, tzs_conn *c, const char *sql, sqlite3_stmt **out) {
    for (size_t i = 0; i < c->n_cached; i++) {
        if (c->cache[i].sql == sql) {
            sqlite3_stmt *st = c->cache[i].stmt;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            if (!sqlite3_stmt_readonly(st)) take_write_lock(s, c);
            *out = st;
            return NULL;
        }
    }
    if (c->n_cached == TZS_STMT_CACHE_MAX) return tzs_bad_arg(s, "prepare", "statement cache full");
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) return tzs_fail(s, c->db, "prepare", rc);
    c->cache[c->n_cached].sql = sql;
    c->cache[c->n_cached].stmt = st;
    c->n_cached++;
    if (!sqlite3_stmt_readonly(st)) take_write_lock(s, c);
    *out = st;
    return NULL;
}

tz_error *tzs_query_row(tz_store *s, const char *sql, const char *op, const char *const *params,
                        size_t n, bool *found, int *col0) {
    *found = false;
    if (col0) *col0 = 0;
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, sql, &st);
    if (!err) {
        for (size_t i = 0; i < n; i++) sqlite3_bind_text(st, (int)i + 1, params[i], -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *found = true;
            if (col0) *col0 = sqlite3_column_int(st, 0);
        } else if (rc != SQLITE_DONE) {
            err = tzs_fail(s, c->db, op, rc);
        }
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    return err;
}

int tzs_step_done(sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) rc = SQLITE_DONE;  /* e.g. RETURNING: the row is not needed */
    int rrc = sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_DONE : (rrc != SQLITE_OK ? rrc : rc);
}

int tzs_run(tz_store *s, tzs_conn *c, const char *sql, const char *a, const char *b,
            tz_error **err) {
    sqlite3_stmt *st;
    *err = tzs_stmt(s, c, sql, &st);
    if (*err) return SQLITE_ERROR;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b) sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    return tzs_step_done(st);
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

tz_error *tzs_begin(tz_store *s, tzs_conn *c, const char *op) {
    /* BEGIN counts as read-only for SQLite, yet IMMEDIATE takes the write lock: queue first */
    take_write_lock(s, c);
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_BEGIN, &st);
    if (err) return err;
    int rc = tzs_step_done(st);
    return rc == SQLITE_DONE ? NULL : tzs_fail(s, c->db, op, rc);
}

tz_error *tzs_commit(tz_store *s, tzs_conn *c, const char *op) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_COMMIT, &st);
    if (err) {
        tzs_rollback(c);
        return err;
    }
    int rc = tzs_step_done(st);
    if (rc == SQLITE_DONE) return NULL;
    err = tzs_fail(s, c->db, op, rc);
    tzs_rollback(c);
    return err;
}

void tzs_rollback(tzs_conn *c) {
    if (sqlite3_get_autocommit(c->db)) return;  /* SQLite may already have rolled back */
    for (size_t i = 0; i < c->n_cached; i++)
        if (c->cache[i].sql == SQL_ROLLBACK) {
            tzs_step_done(c->cache[i].stmt);
            return;
        }
    sqlite3_exec(c->db, SQL_ROLLBACK, NULL, NULL, NULL);
}

bool tzs_col_dup(sqlite3_stmt *st, int col, char **out) {
    *out = NULL;
    if (sqlite3_column_type(st, col) == SQLITE_NULL) return true;
    const unsigned char *t = sqlite3_column_text(st, col);
    if (!t) return false;
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    char *p = malloc(n + 1);
    if (!p) return false;
    memcpy(p, t, n);
    p[n] = '\0';
    *out = p;
    return true;
}

int tzs_subject_kind(const tz_subject *subject) {
    if (!subject || !subject->id) return -1;
    if (subject->kind == TZ_SUBJ_USER) return TZS_SUBJ_USER;
    if (subject->kind == TZ_SUBJ_PROVIDER) return TZS_SUBJ_PROVIDER;
    return -1;
}

bool tzs_subject_from_row(int kind, const char *id, tz_subject *out) {
    memset(out, 0, sizeof *out);
    if (kind == TZS_SUBJ_USER) out->kind = TZ_SUBJ_USER;
    else if (kind == TZS_SUBJ_PROVIDER) out->kind = TZ_SUBJ_PROVIDER;
    else return false;
    out->subtype = TZ_PSUB_NONE;
    out->id = strdup(id ? id : "");
    return out->id != NULL;
}

/* ---------------- open / close ---------------- */

/* The directory of a "sqlite:DIR" location (or a plain path). */
static const char *sqlite_dir(const char *location) {
    return strncmp(location, "sqlite:", 7) == 0 ? location + 7 : location;
}

tz_error *tzs_sq_open(const char *location, const tz_store_open_opts *opts, tz_store **out) {
    const char *dir = sqlite_dir(location);
    tzs_sqlite *q = calloc(1, sizeof *q);
    if (!q) return tz_err_new(TZE_INTERNAL);
    tz_store *s = &q->base;
    if (!tzs_header_init(s, &tzs_sqlite_ops, location, opts)) {
        free(q);
        return tz_err_new(TZE_INTERNAL);
    }
    q->pool_cap = opts->pool_size ? opts->pool_size : TZS_POOL_CAP;
    q->busy_timeout_ms = opts->statement_timeout_ms ? (long)opts->statement_timeout_ms : TZS_BUSY_TIMEOUT_MS;
    pthread_mutex_init(&q->mu, NULL);
    pthread_mutex_init(&q->write_mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    if (!*dir) {
        tz_error *err = tzs_bad_arg(s, "open", "empty directory in the store location");
        tzs_sq_close(s);
        return err;
    }
    tz_error *err = tzs_prepare_files(dir, &q->db_path);
    tzs_conn *c = NULL;
    if (!err) err = conn_open(s, &c);
    if (!err) err = tzs_migrate(s, c->db);
    if (err) {
        conn_close(c);
        tzs_sq_close(s);
        return err;
    }
    q->idle = c;
    q->n_open = 1;
    *out = s;
    return NULL;
}

void tzs_sq_close(tz_store *s) {
    if (!s) return;
    tzs_sqlite *q = TZS_SQ(s);
    /* Callers guarantee no operation is in flight; every connection is idle. */
    while (q->idle) {
        tzs_conn *c = q->idle;
        q->idle = c->next;
        conn_close(c);
    }
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    pthread_mutex_destroy(&q->write_mu);
    free(q->db_path);
    tzs_header_clear(s);
    free(q);
}
