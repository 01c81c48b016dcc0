/* Internals shared by the SQLite backend's files: the connection pool, the per-connection cache of
 * prepared statements, transactions and the mapping of SQLite failures to the store's neutral
 * errors. Nothing here leaves src/store.
 *
 * Adding an operation (SQLite side): write `tz_error *tzs_sq_NAME(tz_store *s, ...)` in a
 * store_*.c file using tzs_acquire / tzs_stmt / tzs_begin..tzs_commit / tzs_release and the
 * static-string statement cache, declare it at the end of this file, and put it in the table in
 * store_sqlite_ops.c (see store_backend.h for the other steps). */
#ifndef TZ_STORE_INTERNAL_H
#define TZ_STORE_INTERNAL_H
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "store/store_backend.h"

/* Enough for every distinct statement of the store; tzs_stmt fails loudly if exceeded. */
#define TZS_STMT_CACHE_MAX 160
/* Connections opened at most by default (--store-pool); further callers wait for a free one. */
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
    long busy_timeout_ms;   /* how long the busy handler waits for another writer */
    struct timespec busy_since; /* when the current wait began (busy handler) */
    struct tzs_conn *next;  /* idle list link */
} tzs_conn;

/* The SQLite backend's store: the common header first (store_backend.h), then its own state.
 * Every SQLite function takes the header pointer; store_sqlite.c converts with TZS_SQ. */
typedef struct tzs_sqlite {
    tz_store base;
    char *db_path;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* Serialises this process's writers before they reach SQLite's lock, so they queue on a
     * mutex instead of polling SQLite's busy handler; taken before any SQLite write lock. */
    pthread_mutex_t write_mu;
    tzs_conn *idle;
    size_t n_open;
    size_t pool_cap;
    long busy_timeout_ms;
} tzs_sqlite;
#define TZS_SQ(s) ((tzs_sqlite *)(s))

/* Subject kinds as stored on disk; the order (users before providers) is the listing order. */
#define TZS_SUBJ_USER 1
#define TZS_SUBJ_PROVIDER 2

/* Takes a connection for the calling thread's exclusive use; give it back with tzs_release.
 * Fails (logged TZE_INTERNAL) on a store of another backend, and when the database file was
 * deleted, moved or replaced under the process. */
tz_error *tzs_acquire(tz_store *s, tzs_conn **out);
void tzs_release(tz_store *s, tzs_conn *c);

/* The cached prepared statement for `sql` (a static string), reset and with bindings cleared. */
tz_error *tzs_stmt(tz_store *s, tzs_conn *c, const char *sql, sqlite3_stmt **out);

/* Logs an unexpected SQLite failure of operation `op` and returns TZE_STORE_UNAVAILABLE for a
 * lock that stayed busy past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED), TZE_INTERNAL for
 * anything else (I/O errors, a read-only or corrupt database, ...). */
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

/* ---------------- the SQLite backend's operations (store_sqlite_ops.c) ---------------- */
extern const tz_store_ops tzs_sqlite_ops;
tz_error *tzs_sq_open(const char *location, const tz_store_open_opts *opts, tz_store **out);
void tzs_sq_close(tz_store *s);
tz_error *tzs_sq_check_integrity(tz_store *s);
tz_error *tzs_sq_is_empty(tz_store *s, bool *empty);
tz_error *tzs_sq_user_create(tz_store *s, const tz_user_rec *u);
tz_error *tzs_sq_user_ensure(tz_store *s, const tz_user_rec *u, bool *created);
tz_error *tzs_sq_user_get(tz_store *s, const char *id, tz_user_rec *out);
tz_error *tzs_sq_user_get_by_username(tz_store *s, const char *username, tz_user_rec *out);
tz_error *tzs_sq_user_set_blocked(tz_store *s, const char *id, bool blocked);
tz_error *tzs_sq_user_set_password(tz_store *s, const char *id, const char *password_hash);
tz_error *tzs_sq_user_delete(tz_store *s, const char *id);
tz_error *tzs_sq_user_set_oz_privileges(tz_store *s, const char *id, const char *const *privs,
                                        size_t n, bool grant);
tz_error *tzs_sq_user_has_oz_privilege(tz_store *s, const char *id, const char *priv, bool *out);
tz_error *tzs_sq_user_list(tz_store *s, size_t limit, const char *cursor, tz_user_rec **out,
                           size_t *n, char **next);
tz_error *tzs_sq_subject_state(tz_store *s, const tz_subject *subject, bool *exists, bool *blocked);
tz_error *tzs_sq_provider_create(tz_store *s, const tz_provider_rec *p);
tz_error *tzs_sq_provider_register(tz_store *s, const tz_provider_rec *p, const char *admin_user_id,
                                   const char *const *privs, size_t n,
                                   const tz_named_token_rec *root_token);
tz_error *tzs_sq_provider_get(tz_store *s, const char *id, tz_provider_rec *out);
tz_error *tzs_sq_provider_delete(tz_store *s, const char *id);
tz_error *tzs_sq_provider_list(tz_store *s, size_t limit, const char *cursor, tz_provider_rec **out,
                               size_t *n, char **next);
tz_error *tzs_sq_entity_create(tz_store *s, tz_entity_kind kind, const char *id, const char *name);
tz_error *tzs_sq_entity_exists(tz_store *s, tz_entity_kind kind, const char *id, bool *out);
tz_error *tzs_sq_entity_name(tz_store *s, tz_entity_kind kind, const char *id, char **name);
tz_error *tzs_sq_entity_list(tz_store *s, tz_entity_kind kind, size_t limit, const char *cursor,
                             tz_entity_rec **out, size_t *n, char **next);
tz_error *tzs_sq_member_add_user(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                 const char *user_id, const char *const *privs, size_t n);
tz_error *tzs_sq_member_add_group(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                  const char *group_id, const char *const *privs, size_t n);
tz_error *tzs_sq_member_list(tz_store *s, tz_entity_kind kind, const char *entity_id, size_t limit,
                             const char *cursor, tz_member_rec **out, size_t *n, char **next);
tz_error *tzs_sq_user_is_member(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                const char *user_id, bool *out);
tz_error *tzs_sq_user_has_privilege(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                    const char *user_id, const char *priv, bool *out);
tz_error *tzs_sq_space_add_support(tz_store *s, const char *space_id, const char *provider_id);
tz_error *tzs_sq_provider_supports_user(tz_store *s, const char *provider_id, const char *user_id,
                                        bool *out);
tz_error *tzs_sq_user_spaces(tz_store *s, const char *user_id, char ***ids, size_t *n);
tz_error *tzs_sq_space_providers(tz_store *s, const char *space_id, char ***ids, size_t *n);
tz_error *tzs_sq_named_create(tz_store *s, const tz_named_token_rec *r);
tz_error *tzs_sq_named_get(tz_store *s, const char *id, tz_named_token_rec *out);
tz_error *tzs_sq_named_get_by_name(tz_store *s, const tz_subject *subject, const char *name,
                                   tz_named_token_rec *out);
tz_error *tzs_sq_named_update(tz_store *s, const char *id, const char *name,
                              const char *metadata_json, int revoked, const char *if_metadata_json);
tz_error *tzs_sq_named_delete(tz_store *s, const char *id);
tz_error *tzs_sq_named_delete_all(tz_store *s, const tz_subject *subject);
tz_error *tzs_sq_named_list(tz_store *s, const tz_subject *subject, size_t limit,
                            const char *cursor, char ***ids, size_t *n, char **next);
tz_error *tzs_sq_named_verify_state(tz_store *s, const char *id, tz_named_token_rec *out,
                                    bool *subject_exists, bool *subject_blocked);
tz_error *tzs_sq_temp_secret_get(tz_store *s, const tz_subject *subject,
                                 char secret_out[TZ_SECRET_HEX_LEN + 1], int64_t *generation);
tz_error *tzs_sq_temp_secret_bump(tz_store *s, const tz_subject *subject);
tz_error *tzs_sq_temp_verify_state(tz_store *s, const tz_subject *subject,
                                   char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                   bool *has_secret, bool *subject_exists, bool *subject_blocked);
tz_error *tzs_sq_temp_secret_list(tz_store *s, size_t limit, const char *cursor,
                                  tz_temp_secret_rec **out, size_t *n, char **next);
tz_error *tzs_sq_temp_secret_put(tz_store *s, const tz_temp_secret_rec *r);
/* Sealed secrets (store_secrets.c). */
tz_error *tzs_sq_secrets_page(tz_store *s, tz_secret_kind kind, const tz_secret_row *after, size_t limit,
                              tz_secret_row **rows, size_t *n);
tz_error *tzs_sq_secrets_replace(tz_store *s, const tz_secret_change *changes, size_t n, size_t *applied);
tz_error *tzs_sq_temp_sealed_get(tz_store *s, const tz_subject *subject, const char *sealed_if_absent,
                                 char **sealed, int64_t *generation);
tz_error *tzs_sq_temp_sealed_bump(tz_store *s, const tz_subject *subject, const char *sealed);
tz_error *tzs_sq_scrub(tz_store *s, tz_scrub_depth depth);

/* Shared by the SQLite files: the entity-kind word stored on disk ("group", ...; NULL if bad). */
const char *tzs_kind_word(tz_entity_kind k);
/* Reads the current row of a users SELECT (id, username, full_name, password_hash,
 * basic_auth_enabled, blocked, creation_time); false on allocation failure or a malformed row
 * (*u then holds what was read: tz_user_rec_clear). tzs_read_user_privileges appends the user's
 * Onezone privileges (store_users.c). */
bool tzs_read_user_row(sqlite3_stmt *st, tz_user_rec *u);
tz_error *tzs_read_user_privileges(tz_store *s, tzs_conn *c, tz_user_rec *u);
/* Reads the current row of a named-token SELECT (id, name, subject_kind, subject_id, token,
 * secret, metadata, revoked). Returns false on allocation failure or a malformed row. */
bool tzs_read_named_row(sqlite3_stmt *st, tz_named_token_rec *r);
/* Inserts the named token inside the caller's transaction (store_tokens.c). */
tz_error *tzs_insert_named(tz_store *s, tzs_conn *c, const tz_named_token_rec *r);
/* The write-member step of member_add_* inside the caller's transaction (store_entities.c). */
tz_error *tzs_write_user_member(tz_store *s, tzs_conn *c, tz_entity_kind kind, const char *entity_id,
                                const char *user_id, const char *const *privs, size_t n);
/* Inserts a group or space inside the caller's transaction (store_entities.c). */
tz_error *tzs_insert_entity(tz_store *s, tzs_conn *c, tz_entity_kind kind, const char *id,
                            const char *name);
tz_error *tzs_sq_entity_create_owned(tz_store *s, tz_entity_kind kind, const char *id, const char *name,
                                     const char *owner_user_id, const char *const *privs, size_t n);
/* Inserts provider + cluster inside the caller's transaction (store_providers.c). */
tz_error *tzs_insert_provider(tz_store *s, tzs_conn *c, const tz_provider_rec *p);
/* Inserts user + privileges inside the caller's transaction (store_users.c). */
tz_error *tzs_insert_user(tz_store *s, tzs_conn *c, const tz_user_rec *u);
/* Introspection clients (store_clients.c; contracts in store.h). */
tz_error *tzs_sq_client_create(tz_store *s, const tz_oauth_client_rec *r);
tz_error *tzs_sq_client_get(tz_store *s, const char *id, tz_oauth_client_rec *out);
tz_error *tzs_sq_client_list(tz_store *s, tz_oauth_client_rec **out, size_t *n);
tz_error *tzs_sq_client_set_secret_hash(tz_store *s, const char *id, const char *hash);
tz_error *tzs_sq_client_delete(tz_store *s, const char *id);
/* Directory export for `store copy` (store_dir_export.c; contracts in store.h). */
tz_error *tzs_sq_dir_export(tz_store *s, tz_dir_section section, size_t limit, const char *cursor,
                            tz_dir_row **out, size_t *n, char **next);
tz_error *tzs_sq_dir_import(tz_store *s, tz_dir_section section, const tz_dir_row *rows, size_t n);

/* 7. (store_sqlite_verify.c) */
tz_error *tzs_sq_named_verify_state_and_get(tz_store *s, const char *id, tz_named_token_rec *out,
                                            bool *subject_exists, bool *subject_blocked,
                                            const char *other_id, tz_named_token_rec *other,
                                            bool *other_found);
/* Verification reads with the username (store_verify_user.c; contracts in store.h); username NULL:
 * the plain reads named_verify_state / temp_verify_state, which call these. */
tz_error *tzs_sq_named_verify_user(tz_store *s, const char *id, tz_named_token_rec *out,
                                   bool *subject_exists, bool *subject_blocked, char **username);
tz_error *tzs_sq_temp_verify_user(tz_store *s, const tz_subject *subject,
                                  char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                  bool *has_secret, bool *subject_exists, bool *subject_blocked,
                                  char **username);

#endif
