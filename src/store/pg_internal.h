/* Internals of the PostgreSQL store (pg_*.c): the bounded connection pool, the per-connection cache
 * of prepared statements, statements run with a client-side deadline, transactions retried on
 * serialization failures and deadlocks, and the mapping of SQLSTATEs to the store's neutral errors.
 * Nothing here leaves src/store.
 *
 * Failure model: a connection that fails (server gone, restarted, statement killed) is closed and
 * replaced by the next caller; while PostgreSQL is unreachable every operation fails within
 * PGS_OP_DEADLINE_MS with the "unavailable" error and a log line; when it is back the pool
 * reconnects on demand, so serving resumes without a restart. */
#ifndef TZ_STORE_PG_INTERNAL_H
#define TZ_STORE_PG_INTERNAL_H
#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store_backend.h"

/* Enough for every distinct statement of the PostgreSQL store. */
#define PGS_STMT_CACHE_MAX 160
/* Default pool size (--store-pool). */
#define PGS_POOL_DEFAULT 8
/* Defaults that keep every answer within 2 s while the database is unreachable or stuck:
 * connecting, one statement, and waiting for a free pooled connection. */
#define PGS_CONNECT_TIMEOUT_MS 1000
#define PGS_STATEMENT_TIMEOUT_MS 1500
#define PGS_POOL_WAIT_MS 900
/* A dead pooled connection is replaced and the work re-run only when the failure came this
 * quickly (a closed socket), not after waiting out a deadline. */
#define PGS_QUICK_FAILURE_MS 300
/* Serialization failures / deadlocks are retried this many times in all. */
#define PGS_TX_ATTEMPTS TZS_RETRY_MAX
/* The longest connection URI accepted. */
#define PGS_URI_MAX 4096

/* How the last statement on a connection failed; the transaction runner decides from it. */
typedef enum pgs_fail {
    PGS_OK = 0,
    PGS_CONFLICT,   /* 23505 unique violation; c->constraint names the index */
    PGS_FOREIGN,    /* 23503 foreign-key violation: a referenced row is missing */
    PGS_RETRY,      /* 40001 / 40P01: run the whole transaction again */
    PGS_DOWN,       /* connection lost, server shutting down or starting, client deadline */
    PGS_TIMEOUT,    /* statement or lock timeout (57014, 55P03): the connection is fine */
    PGS_ERROR,      /* anything else */
} pgs_fail;

typedef struct pgs_cached_stmt {
    const char *sql;        /* identity: the address of a static string */
    char name[12];          /* server-side prepared statement name */
} pgs_cached_stmt;

typedef struct pgs_conn {
    PGconn *pg;
    pgs_cached_stmt cache[PGS_STMT_CACHE_MAX];
    size_t n_cached;
    pgs_fail fail;          /* of the last statement */
    char constraint[64];    /* constraint of the last PGS_CONFLICT */
    bool broken;            /* closed and reopened by the next pgs_acquire */
    bool in_tx;
    int timeout_ms;         /* client-side deadline per statement; 0 = the store's */
    struct pgs_conn *next;  /* idle list link */
} pgs_conn;

typedef struct pg_store pg_store;

/* Writes one line to the store's logger. Messages never contain secrets or passwords. */
void pgs_log(pg_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs a caller mistake and returns the internal error. */
tz_error *pgs_bad_arg(pg_store *s, const char *op, const char *what);

/* Takes a connection (waiting at most PGS_POOL_WAIT_MS, connecting if needed); give it back with
 * pgs_release. Unreachable database -> the unavailable error. */
tz_error *pgs_acquire(pg_store *s, pgs_conn **out);
/* Same; probe = false skips the check that an idle connection is still open (a poll system call)
 * for work that is safely re-run on a fresh connection when the connection turns out dead: the
 * reads of pgs_run_work (PGS_READ), whose retry then probes. */
tz_error *pgs_acquire_probed(pg_store *s, bool probe, pgs_conn **out);
void pgs_release(pg_store *s, pgs_conn *c);

/* Runs the cached prepared statement `sql` (a static string) with n text parameters (NULL = SQL
 * NULL) within the statement deadline. On success *res (if not NULL) gets the result, owned by the
 * caller (PQclear); on failure c->fail says why and the error is returned (already logged unless
 * it is a conflict or retry that the caller handles). */
tz_error *pgs_exec(pg_store *s, pgs_conn *c, const char *op, const char *sql, int n,
                   const char *const *params, PGresult **res);
/* Same, for statements whose rows are not needed; *affected (if not NULL) = rows changed. */
tz_error *pgs_run(pg_store *s, pgs_conn *c, const char *op, const char *sql, int n,
                  const char *const *params, long *affected);
/* Runs a plain SQL string (several statements allowed, no parameters), not cached. */
tz_error *pgs_exec_plain(pg_store *s, pgs_conn *c, const char *op, const char *sql);

/* How pgs_run_work runs a unit of work. */
typedef enum pgs_mode {
    PGS_READ,       /* statements that change nothing: re-run once on a dead pooled connection */
    PGS_WRITE1,     /* one statement, atomic by itself: not re-run after it may have reached
                     * the server */
    PGS_TX,         /* BEGIN .. COMMIT; re-run on 40001/40P01 and when BEGIN found the pooled
                     * connection dead */
} pgs_mode;

/* One unit of work: runs within a transaction (or alone when tx is false) and returns NULL or an
 * error. ctx is the caller's. The runner may call it several times (retries), so it must not
 * keep state across calls other than what it resets itself. */
typedef tz_error *(*pgs_work)(pg_store *s, pgs_conn *c, void *ctx);
/* Acquires a connection, runs `work` (between BEGIN and COMMIT when tx), retries serialization
 * failures and deadlocks up to PGS_TX_ATTEMPTS, and re-runs once on a fresh connection when a
 * pooled connection turned out dead before anything of the operation could have taken effect. */
tz_error *pgs_run_work(pg_store *s, const char *op, pgs_mode mode, pgs_work work, void *ctx);

/* One statement as a unit of work (mode PGS_READ or PGS_WRITE1): *res (if not NULL) gets the
 * result (caller PQclears), *affected (if not NULL) the rows changed. A read with a parameter
 * that is not UTF-8 (a key from a request that no stored row can hold: PostgreSQL would refuse
 * it) gives an empty result, i.e. "no such row". */
tz_error *pgs_query(pg_store *s, const char *op, pgs_mode mode, const char *sql, int n,
                    const char *const *params, PGresult **res, long *affected);

/* A copy of a text cell: malloc'd, or NULL for SQL NULL; false only on allocation failure. */
bool pgs_dup(const PGresult *r, int row, int col, char **out);
/* Wipes every cell of a result (secrets, password hashes, tokens) and frees it; NULL is a no-op. */
void pgs_clear_wiped(PGresult *r);
/* An integer cell (0 for NULL or garbage). */
int64_t pgs_int(const PGresult *r, int row, int col);
/* A boolean cell ('t'). */
bool pgs_bool(const PGresult *r, int row, int col);
/* Collects column 0 of every row into a malloc'd array of malloc'd strings (tz_strv_free). */
tz_error *pgs_strings(const PGresult *r, char ***ids, size_t *n);

/* The error for a unique violation on constraint `constraint` (mapped to the field it guards). */
tz_error *pgs_conflict_error(const char *constraint);
/* The "database unavailable" error. */
tz_error *pgs_unavailable(void);

/* Whether a NUL-terminated string is valid UTF-8 (what a text parameter must be). */
bool pgs_utf8_valid(const char *str);

/* A PostgreSQL text[] literal of n strings ({"a","b"}), malloc'd (caller frees); NULL on
 * allocation failure. */
char *pgs_text_array(const char *const *v, size_t n);
/* Parses a JSON array of strings (a json_agg column) into a malloc'd array (tz_strv_free). */
bool pgs_json_strings(const char *json, char ***out, size_t *n);

/* Paging: checks the limit (*lim: 1..TZ_STORE_PAGE_MAX) and decodes the cursor into n malloc'd
 * parts (all NULL without a cursor; tzs_cursor_parts_free). */
tz_error *pgs_page_start(pg_store *s, const char *op, size_t limit, const char *cursor,
                         char **parts, size_t n, size_t *lim);
/* The LIMIT parameter text for a page: lim + 1 (the extra row says whether another page
 * follows). */
void pgs_limit_param(size_t lim, char out[24]);
/* After a page query: when more than lim rows came, *next = the cursor of row lim - 1 built from
 * the columns cols[0..n-1]; else NULL. Returns false on allocation failure. */
bool pgs_page_next(const PGresult *r, size_t lim, const int *cols, size_t n, char **next);

/* Stored subject kinds ('1' user, '2' provider as text parameters), -1/NULL for others. */
const char *pgs_subject_kind(const tz_subject *subject);
bool pgs_subject_from_row(int kind, const char *id, tz_subject *out);

/* Schema migrations (pg_schema.c), run on open under an advisory lock. */
tz_error *pgs_migrate(pg_store *s);


#endif
