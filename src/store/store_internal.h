/* Internals shared by the SQLite store files: the connection pool, the per-connection cache of
 * prepared statements, transactions and the mapping of SQLite failures to tz_error. Nothing here
 * leaves src/store. */
#ifndef TZ_STORE_INTERNAL_H
#define TZ_STORE_INTERNAL_H
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include "store/store.h"

/* Enough for every distinct statement of the store; tzs_stmt fails loudly if exceeded. */
#define TZS_STMT_CACHE_MAX 128
/* Connections opened at most; further callers wait for a free one. */
#define TZS_POOL_CAP 16
/* How long a writer waits for another writer (possibly another process) before failing. */
#define TZS_BUSY_TIMEOUT_MS 5000
#define TZS_DB_FILE "tokenzone.db"

typedef struct tzs_cached_stmt {
    const char *sql;        /* identity of the statement: the address of a static string */
    sqlite3_stmt *stmt;
} tzs_cached_stmt;

typedef struct tzs_conn {
    sqlite3 *db;
    tzs_cached_stmt cache[TZS_STMT_CACHE_MAX];
    size_t n_cached;
    bool writing;           /* holds the store's write_mu until tzs_release */
    struct tzs_conn *next;  /* idle list link */
} tzs_conn;

struct tz_store {
    char *db_path;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Serialises this process's writers before they reach SQLite's lock, so they queue on a
     * mutex instead of polling SQLite's busy handler; taken before any SQLite write lock. */
    pthread_mutex_t write_mu;
    tzs_conn *idle;
    size_t n_open;
    void (*log)(void *ud, const char *msg);
    void *log_ud;
};

/* Subject kinds as stored on disk; the order (users before providers) is the listing order. */
#define TZS_SUBJ_USER 1
#define TZS_SUBJ_PROVIDER 2

/* Writes one line to the store's logger (stderr by default). Messages never contain secrets. */
void tzs_log(tz_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Takes a connection for the calling thread's exclusive use; give it back with tzs_release. */
tz_error *tzs_acquire(tz_store *s, tzs_conn **out);
void tzs_release(tz_store *s, tzs_conn *c);

/* The cached prepared statement for `sql` (a static string), reset and with bindings cleared. */
tz_error *tzs_stmt(tz_store *s, tzs_conn *c, const char *sql, sqlite3_stmt **out);

/* Logs an unexpected SQLite failure of operation `op` and returns TZE_INTERNAL. */
tz_error *tzs_fail(tz_store *s, sqlite3 *db, const char *op, int rc);
/* Logs a caller mistake (missing or malformed argument) and returns TZE_INTERNAL. */
tz_error *tzs_bad_arg(tz_store *s, const char *op, const char *what);

/* Runs a SELECT bound with the text parameters 1..n and reads at most one row: *found says
 * whether a row came, *col0 (if not NULL) gets its first column as an int (0 without a row). */
tz_error *tzs_query_row(tz_store *s, const char *sql, const char *op, const char *const *params,
                        size_t n, bool *found, int *col0);

/* Write transactions take the write lock at once (BEGIN IMMEDIATE) so that two writers never
 * deadlock on a lock upgrade. Writers of this process queue on write_mu first; writers of other
 * processes (the admin tool) wait in the busy handler. */
tz_error *tzs_begin(tz_store *s, tzs_conn *c, const char *op);
tz_error *tzs_commit(tz_store *s, tzs_conn *c, const char *op);
void tzs_rollback(tzs_conn *c);

/* Runs a statement that returns no rows to completion and resets it. Returns the SQLite code
 * (SQLITE_DONE on success) so that callers can map constraint violations themselves. */
int tzs_step_done(sqlite3_stmt *st);

/* Binds ?1 = a and, when given, ?2 = b to the cached statement `sql` and runs it to completion.
 * Returns the SQLite code (SQLITE_DONE on success); *err is set only if the statement could not
 * be prepared. */
int tzs_run(tz_store *s, tzs_conn *c, const char *sql, const char *a, const char *b,
            tz_error **err);

/* Copies a text column: *out is a malloc'd string, or NULL when the column is NULL. Returns false
 * only on allocation failure. */
bool tzs_col_dup(sqlite3_stmt *st, int col, char **out);

/* Steps a statement whose bindings are set and collects its first column (text, not NULL) into a
 * malloc'd array of malloc'd strings (*ids, *n; tz_strv_free). Resets the statement. */
tz_error *tzs_collect_strings(tz_store *s, tzs_conn *c, sqlite3_stmt *st, const char *op,
                              char ***ids, size_t *n);

/* The stored subject kind of a user/provider subject; -1 for any other kind. */
int tzs_subject_kind(const tz_subject *subject);
/* Builds a subject from a stored kind and id (id copied). Returns false on allocation failure or
 * an unknown kind. */
bool tzs_subject_from_row(int kind, const char *id, tz_subject *out);

/* Creates DIR (0700) and DIR/tokenzone.db (0600) as needed, narrows wider modes of existing files,
 * and returns the database path in *db_path (malloc'd, caller frees). (store_files.c) */
tz_error *tzs_prepare_files(const char *dir, char **db_path);

/* Schema migrations (store_schema.c), run once by tz_store_open on its first connection. */
tz_error *tzs_migrate(tz_store *s, sqlite3 *db);

#endif
