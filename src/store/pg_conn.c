/* PostgreSQL connections: connecting with a deadline, the bounded pool, prepared statements run
 * with a client-side deadline, and the classification of failures (SQLSTATE) that the transaction
 * runner (pg_tx.c) acts on. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "store/pg_internal.h"
#include "store/pg_store.h"

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the connection's socket is readable (or writable) or the deadline passes. */
static bool wait_socket(PGconn *pg, bool for_write, int64_t deadline) {
    int fd = PQsocket(pg);
    if (fd < 0) return false;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0) return false;
        struct pollfd p = {.fd = fd, .events = for_write ? POLLOUT : POLLIN};
        int rc = poll(&p, 1, (int)left);
        if (rc > 0) return true;
        if (rc == 0) return false;
        if (errno != EINTR) return false;
    }
}

/* One line for libpq's message: its last line, without the trailing newline. libpq messages name
 * hosts, users and databases, never passwords. */
static void first_line(const char *msg, char *out, size_t cap) {
    snprintf(out, cap, "%s", msg && *msg ? msg : "(no detail)");
    for (char *p = out; *p; p++)
        if (*p == '\n') {
            if (p[1] == '\0') *p = '\0';
            else *p = ' ';
        }
}

static void conn_close(pgs_conn *c) {
    if (!c) return;
    if (c->pg) PQfinish(c->pg);
    free(c);
}

/* Connects within the store's connect timeout and sets the server-side timeouts. */
static tz_error *conn_open(pg_store *s, pgs_conn **out) {
    pgs_conn *c = calloc(1, sizeof *c);
    if (!c) return tz_err_new(TZE_INTERNAL);
    /* Keywords after "dbname" override what the URI says; expand_dbname=1 parses the URI. */
    const char *keys[] = {"dbname", "application_name", "connect_timeout", NULL};
    const char *vals[] = {s->uri, "tokenzone", "2", NULL};
    c->pg = PQconnectStartParams(keys, vals, 1);
    int64_t deadline = now_ms() + s->connect_timeout_ms;
    char why[256] = "out of memory";
    bool ok = false;
    if (c->pg && PQstatus(c->pg) != CONNECTION_BAD) {
        PostgresPollingStatusType st = PGRES_POLLING_WRITING;
        for (;;) {
            if (st == PGRES_POLLING_OK) {
                ok = true;
                break;
            }
            if (st == PGRES_POLLING_FAILED) break;
            if (!wait_socket(c->pg, st == PGRES_POLLING_WRITING, deadline)) {
                snprintf(why, sizeof why, "no connection within %d ms", s->connect_timeout_ms);
                break;
            }
            st = PQconnectPoll(c->pg);
        }
    }
    if (!ok && c->pg && PQstatus(c->pg) == CONNECTION_BAD) first_line(PQerrorMessage(c->pg), why, sizeof why);
    if (!ok) {
        pgs_log(s, "cannot connect to %s: %s", s->base.location, why);
        conn_close(c);
        return pgs_unavailable();
    }
    if (PQsetnonblocking(c->pg, 1) != 0) {
        pgs_log(s, "cannot connect to %s: non-blocking mode refused", s->base.location);
        conn_close(c);
        return pgs_unavailable();
    }
    char sql[160];
    snprintf(sql, sizeof sql,
             "SET statement_timeout = %d; SET lock_timeout = %d;"
             " SET idle_in_transaction_session_timeout = %d",
             s->statement_timeout_ms, s->statement_timeout_ms * 2 / 3, 10000);
    tz_error *err = pgs_exec_plain(s, c, "connect", sql);
    if (err) {
        conn_close(c);
        return err;
    }
    *out = c;
    return NULL;
}

/* Whether an idle connection is still usable. An idle connection has nothing to read unless the
 * server is ending it: on shutdown or pg_terminate_backend the backend sends FATAL 57P01 and
 * closes. Reading that message does not tell libpq the connection is gone (it notices the close
 * only on a later read), so a readable idle socket alone rules the connection out; otherwise,
 * after a restart, every idle pooled connection would fail one statement. */
static bool still_open(pgs_conn *c) {
    if (PQstatus(c->pg) != CONNECTION_OK) return false;
    struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
    if (p.fd < 0) return false;
    return poll(&p, 1, 0) == 0;
}

tz_error *pgs_acquire(pg_store *s, pgs_conn **out) {
    return pgs_acquire_probed(s, true, out);
}

tz_error *pgs_acquire_probed(pg_store *s, bool probe, pgs_conn **out) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += PGS_POOL_WAIT_MS / 1000;
    until.tv_nsec += (long)(PGS_POOL_WAIT_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (!s->idle && s->n_open >= s->pool_cap) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT && !s->idle &&
            s->n_open >= s->pool_cap) {
            pthread_mutex_unlock(&s->mu);
            pgs_log(s, "no free database connection within %d ms (pool of %zu)", PGS_POOL_WAIT_MS,
                    s->pool_cap);
            return pgs_unavailable();
        }
    }
    pgs_conn *c = s->idle;
    if (c) {
        s->idle = c->next;
        c->next = NULL;
    } else {
        s->n_open++;  /* reserve the slot; connecting happens outside the lock */
    }
    pthread_mutex_unlock(&s->mu);
    if (c && (c->broken || (probe && !still_open(c)))) {
        conn_close(c);
        c = NULL;
    }
    if (c) {
        c->fail = PGS_OK;
        *out = c;
        return NULL;
    }
    tz_error *err = conn_open(s, out);
    if (err) {
        pthread_mutex_lock(&s->mu);
        s->n_open--;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    return err;
}

void pgs_release(pg_store *s, pgs_conn *c) {
    c->timeout_ms = 0;
    if (c->in_tx && !c->broken) {
        /* normally the runner ended the transaction; never hand out one left open */
        if (pgs_exec_plain(s, c, "rollback", "ROLLBACK")) c->broken = true;
        c->in_tx = false;
    }
    pthread_mutex_lock(&s->mu);
    if (c->broken) {
        s->n_open--;
        pthread_mutex_unlock(&s->mu);
        conn_close(c);
        pthread_mutex_lock(&s->mu);
    } else {
        c->next = s->idle;
        s->idle = c;
    }
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void pgs_pool_close(pg_store *s) {
    while (s->idle) {
        pgs_conn *c = s->idle;
        s->idle = c->next;
        conn_close(c);
    }
    s->n_open = 0;
}

/* ---------------- statements ---------------- */

/* Classifies a failed result (or a NULL result: the connection failed). */
static void classify(pgs_conn *c, const PGresult *r) {
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    c->constraint[0] = '\0';
    if (!state || PQstatus(c->pg) != CONNECTION_OK) {
        c->fail = PGS_DOWN;
    } else if (!strcmp(state, "23505")) {
        c->fail = PGS_CONFLICT;
        const char *con = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
        snprintf(c->constraint, sizeof c->constraint, "%s", con ? con : "");
    } else if (!strcmp(state, "23503")) {
        c->fail = PGS_FOREIGN;
    } else if (!strcmp(state, "40001") || !strcmp(state, "40P01")) {
        c->fail = PGS_RETRY;
    } else if (!strcmp(state, "57014") || !strcmp(state, "55P03")) {
        c->fail = PGS_TIMEOUT;  /* statement or lock timeout: not worth repeating at once */
    } else if (!strncmp(state, "08", 2) || !strcmp(state, "57P01") || !strcmp(state, "57P02") ||
               !strcmp(state, "57P03") || !strcmp(state, "53300") || !strcmp(state, "25P03")) {
        /* connection problems, shutdown, startup, too many connections, idle-in-transaction */
        c->fail = PGS_DOWN;
    } else {
        c->fail = PGS_ERROR;
    }
    if (c->fail == PGS_DOWN) c->broken = true;
}

/* Collects the results of the command in flight within the deadline; keeps the last one that
 * carries data or an error. NULL with c->fail = PGS_DOWN when the connection failed. */
static PGresult *collect(pgs_conn *c, int64_t deadline) {
    PGresult *keep = NULL;
    for (;;) {
        while (PQisBusy(c->pg)) {
            if (!wait_socket(c->pg, false, deadline) || !PQconsumeInput(c->pg)) {
                /* timed out or lost: drop the connection (closing it ends the statement on the
                 * server; PQcancel would open a new connection, which can block on a
                 * black-holed server far longer than the deadline) */
                PQclear(keep);
                c->broken = true;
                c->fail = PGS_DOWN;
                return NULL;
            }
        }
        PGresult *r = PQgetResult(c->pg);
        if (!r) break;
        /* keep the first failure, else the last result */
        bool keep_failed = keep && PQresultStatus(keep) != PGRES_COMMAND_OK &&
                           PQresultStatus(keep) != PGRES_TUPLES_OK;
        if (keep_failed) {
            PQclear(r);
        } else {
            PQclear(keep);
            keep = r;
        }
    }
    return keep;
}

/* Sends what libpq buffered (non-blocking mode) within the deadline. */
static bool flush(pgs_conn *c, int64_t deadline) {
    for (;;) {
        int rc = PQflush(c->pg);
        if (rc == 0) return true;
        if (rc < 0 || !wait_socket(c->pg, true, deadline)) return false;
    }
}

/* Checks a collected result; logs and returns the error for failures. */
static tz_error *check_result(pg_store *s, pgs_conn *c, const char *op, PGresult *r) {
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (r && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY)) {
        c->fail = PGS_OK;
        return NULL;
    }
    classify(c, r);
    /* Only the primary message and the SQLSTATE: DETAIL lines may quote a whole row ("Failing
     * row contains (...)"), secrets included. */
    char why[256];
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (primary) {
        char line[224];
        first_line(primary, line, sizeof line);
        snprintf(why, sizeof why, "%s (SQLSTATE %s)", line, state ? state : "?");
    } else {
        first_line(PQerrorMessage(c->pg), why, sizeof why);
    }
    switch (c->fail) {
    case PGS_CONFLICT:
        return pgs_conflict_error(c->constraint);
    case PGS_FOREIGN:
        return tz_err_new(TZE_STORE_NOT_FOUND);
    case PGS_RETRY:
        pgs_log(s, "%s: %s (will retry)", op, why);
        return pgs_unavailable();
    case PGS_DOWN:
    case PGS_TIMEOUT:
        pgs_log(s, "%s: database unavailable (%s): %s", op, s->base.location, why);
        return pgs_unavailable();
    default:
        pgs_log(s, "%s: %s", op, why);
        return tz_err_new(TZE_INTERNAL);
    }
}

tz_error *pgs_exec_plain(pg_store *s, pgs_conn *c, const char *op, const char *sql) {
    int64_t deadline = now_ms() + (c->timeout_ms ? c->timeout_ms : s->statement_timeout_ms + 300);
    PGresult *r = NULL;
    if (PQsendQuery(c->pg, sql) && flush(c, deadline)) r = collect(c, deadline);
    tz_error *err = check_result(s, c, op, r);
    PQclear(r);
    return err;
}

static const char *cached_name(pgs_conn *c, const char *sql) {
    for (size_t i = 0; i < c->n_cached; i++)
        if (c->cache[i].sql == sql) return c->cache[i].name;
    return NULL;
}

tz_error *pgs_exec(pg_store *s, pgs_conn *c, const char *op, const char *sql, int n,
                   const char *const *params, PGresult **res) {
    if (res) *res = NULL;
    if (c->broken) {
        c->fail = PGS_DOWN;
        return pgs_unavailable();
    }
    /* the client-side deadline is a little longer than the server's statement_timeout, so a
     * slow statement normally ends with the server's clear 57014 rather than a dropped socket */
    int64_t deadline = now_ms() + (c->timeout_ms ? c->timeout_ms : s->statement_timeout_ms + 300);
    const char *name = cached_name(c, sql);
    PGresult *r = NULL;
    if (!name) {
        if (c->n_cached == PGS_STMT_CACHE_MAX) return pgs_bad_arg(s, op, "statement cache full");
        pgs_cached_stmt *slot = &c->cache[c->n_cached];
        snprintf(slot->name, sizeof slot->name, "tz%zu", c->n_cached);
        if (PQsendPrepare(c->pg, slot->name, sql, n, NULL) && flush(c, deadline))
            r = collect(c, deadline);
        tz_error *err = check_result(s, c, op, r);
        PQclear(r);
        r = NULL;
        if (err) return err;
        slot->sql = sql;
        c->n_cached++;
        name = slot->name;
    }
    if (PQsendQueryPrepared(c->pg, name, n, params, NULL, NULL, 0) && flush(c, deadline))
        r = collect(c, deadline);
    tz_error *err = check_result(s, c, op, r);
    if (err || !res) PQclear(r);
    else *res = r;
    return err;
}

tz_error *pgs_run(pg_store *s, pgs_conn *c, const char *op, const char *sql, int n,
                  const char *const *params, long *affected) {
    PGresult *r;
    tz_error *err = pgs_exec(s, c, op, sql, n, params, &r);
    if (err) return err;
    if (affected) *affected = strtol(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return NULL;
}
