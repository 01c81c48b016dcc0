/* The PostgreSQL transaction runner, error values, and logging. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "store/pg_internal.h"
#include "store/pg_store.h"

#define PGS_LOG_MAX 1024

void pgs_log(pg_store *s, const char *fmt, ...) {
    char msg[PGS_LOG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tzs_log(s ? &s->base : NULL, "%s", msg);
}

tz_error *pgs_bad_arg(pg_store *s, const char *op, const char *what) {
    pgs_log(s, "%s: invalid argument: %s", op, what);
    return tz_err_new(TZE_INTERNAL);
}

tz_error *pgs_unavailable(void) {
    return tz_err_new(TZE_STORE_UNAVAILABLE);
}

tz_error *pgs_conflict_error(const char *constraint) {
    /* the unique constraints of the schema, by the field a client knows them by */
    static const struct {
        const char *constraint, *field;
    } fields[] = {
        {"users_username_key", "username"},
        {"named_tokens_subject_name_key", "name"},
        {"temp_secrets_pkey", "subject"},
        {"providers_subdomain_key", "subdomain"},
    };
    for (size_t i = 0; constraint && i < sizeof fields / sizeof fields[0]; i++)
        if (!strcmp(constraint, fields[i].constraint))
            return tz_err_key(TZE_STORE_CONFLICT, fields[i].field);
    return tz_err_key(TZE_STORE_CONFLICT, "id");
}

/* A short pause before re-running a transaction that lost a serialization race or deadlock;
 * growing with the attempt so that the contenders spread out. */
static void backoff(int attempt) {
    struct timespec ts = {0, 7000000L * attempt};
    nanosleep(&ts, NULL);
}

static int64_t elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

tz_error *pgs_run_work(pg_store *s, const char *op, pgs_mode mode, pgs_work work, void *ctx) {
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    tz_error *err = NULL;
    bool tx = mode == PGS_TX;
    bool reconnected = false;
    for (int attempt = 1; attempt <= PGS_TX_ATTEMPTS; attempt++) {
        pgs_conn *c;
        /* A read is re-run once on a fresh connection when its pooled connection was found dead
         * (below), so it skips the liveness probe of the idle connection (one system call per
         * statement); the retry probes, so it does not pick another dead idle one. Writes
         * always probe: a write on a dead connection may not be re-run. */
        err = pgs_acquire_probed(s, mode != PGS_READ || reconnected, &c);
        if (err) return err;
        bool before_work = true;  /* nothing of the operation has reached the server yet */
        if (tx) {
            err = pgs_exec_plain(s, c, op, "BEGIN");
            if (!err) c->in_tx = true;
        }
        if (!err) {
            before_work = false;
            err = work(s, c, ctx);
        }
        if (!err && tx) err = pgs_exec_plain(s, c, op, "COMMIT");
        if (c->in_tx && !c->broken && err) pgs_exec_plain(s, c, op, "ROLLBACK");
        c->in_tx = false;
        pgs_fail fail = err ? c->fail : PGS_OK;
        pgs_release(s, c);
        if (!err) return NULL;
        if (fail == PGS_RETRY && attempt < PGS_TX_ATTEMPTS) {
            tz_err_free(err);
            backoff(attempt);
            continue;
        }
        /* A pooled connection found dead on BEGIN (or during a read): nothing was applied, so
         * one more try on a new connection is safe and hides a server restart that happened
         * while the connection sat idle. Not after a long wait (a stuck server), which would
         * stretch the answer past its bound. */
        if (fail == PGS_DOWN && !reconnected && (before_work || mode == PGS_READ) &&
            elapsed_ms(&started) < PGS_QUICK_FAILURE_MS) {
            reconnected = true;
            tz_err_free(err);
            continue;
        }
        return err;
    }
    return err;
}

typedef struct one_query {
    const char *op, *sql;
    int n;
    const char *const *params;
    PGresult *res;
} one_query;

static tz_error *run_one(pg_store *s, pgs_conn *c, void *ctx) {
    one_query *q = ctx;
    PQclear(q->res);
    q->res = NULL;
    return pgs_exec(s, c, q->op, q->sql, q->n, q->params, &q->res);
}

tz_error *pgs_query(pg_store *s, const char *op, pgs_mode mode, const char *sql, int n,
                    const char *const *params, PGresult **res, long *affected) {
    for (int i = 0; i < n; i++) {
        if (!params[i] || pgs_utf8_valid(params[i])) continue;
        /* a write keyed by such a value cannot find its row either */
        if (mode != PGS_READ) return tz_err_new(TZE_STORE_NOT_FOUND);
        PGresult *empty = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
        if (!empty) return tz_err_new(TZE_INTERNAL);
        if (affected) *affected = 0;
        if (res) *res = empty;
        else PQclear(empty);
        return NULL;
    }
    one_query q = {op, sql, n, params, NULL};
    tz_error *err = pgs_run_work(s, op, mode, run_one, &q);
    if (!err && affected) *affected = strtol(PQcmdTuples(q.res), NULL, 10);
    if (!err && res) *res = q.res;
    else PQclear(q.res);
    return err;
}
