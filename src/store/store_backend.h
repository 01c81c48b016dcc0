/* The contract between the public store functions (store.h, dispatched by store_dispatch.c) and a
 * storage backend. A backend provides one `tz_store_ops` table; its `open` allocates a structure
 * whose FIRST member is `struct tz_store` (the common header below) with `ops` pointing at the
 * table, and returns a pointer to that header. Everything else the backend keeps lives after the
 * header (or behind a pointer in it). Nothing outside src/store includes this file.
 *
 * Backends: SQLite (store_sqlite_ops.c: tzs_sqlite_ops) and PostgreSQL (tzs_pg_ops, linked when
 * built). store_registry.c picks one by the location's scheme.
 *
 * ---------------------------------------------------------------------------------------------
 * Errors. Every op returns NULL or a tz_error the caller owns, with one of these ids only:
 *   TZE_STORE_NOT_FOUND     the row the op names (by id, name, username) does not exist; only
 *                           where an op below lists it. Existence questions (entity_exists,
 *                           subject_state, user_is_member, has_*privilege, and the subject part
 *                           of *_verify_state) answer with a bool and never return NOT_FOUND.
 *   TZE_STORE_CONFLICT      {"key": field}: a unique value is taken, whether found by a read
 *                           before the write or by a unique constraint under a race (SQLite
 *                           SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY, PostgreSQL SQLSTATE 23505);
 *                           fields: "username", "name", "id", "subject", and "metadata" for a
 *                           lost compare-and-set (named_update with if_metadata_json).
 *   TZE_STORE_UNAVAILABLE   the database cannot be reached (connection refused or lost, connect
 *                           timeout, statement timeout, PostgreSQL class 08/57P0x), or stayed
 *                           busy/locked past the bounded retry (SQLITE_BUSY after the busy
 *                           timeout, serialization failure 40001 / deadlock 40P01 after
 *                           TZS_RETRY_MAX attempts). The caller may retry later.
 *   TZE_INTERNAL            anything else: I/O errors, a read-only or corrupt database, a bad
 *                           argument, a stored value that does not parse, out of memory. The
 *                           backend writes one line to the store's logger saying what failed
 *                           (operation + backend message), never a secret and never a password.
 * No op ever turns a failure into an answer: a failed read is an error, not "absent" or "false".
 *
 * Transactions. Every op is atomic: on any error nothing it would have written is visible, and
 * a successful write is committed (durably) before the op returns. Ops that write several rows
 * run them in ONE transaction:
 *   user_create (user + privileges), user_ensure (check + create), user_delete (user, named
 *   tokens, temporary secret, memberships, privileges), user_set_oz_privileges (all of the list),
 *   provider_create (provider + cluster), provider_register (provider + cluster + admin
 *   membership + root token), provider_delete (provider, cluster, memberships, supports, named
 *   tokens, temporary secret), member_add_* (replace privileges), named_delete_all.
 * Read-modify-write without lost updates across nodes: temp_secret_bump computes generation + 1
 * in SQL; temp_secret_get creates the record with INSERT .. ON CONFLICT DO NOTHING and reads it
 * back; named_update with if_metadata_json is a conditional UPDATE (compare-and-set); the
 * service retries a lost compare-and-set a bounded number of times. Backends retry their own
 * transient failures (busy, 40001, 40P01) at most TZS_RETRY_MAX times in total per op. (SQLite
 * needs no retry loop: every multi-statement write starts with BEGIN IMMEDIATE, so it never
 * upgrades a read lock, and waits for other writers in the busy handler up to the statement
 * timeout; past it the op returns UNAVAILABLE.)
 * Reads run at READ COMMITTED or stronger: a write acknowledged by any node is visible to every
 * op that starts after it returned (no cache in any backend).
 *
 * Lists take (limit, cursor) and return one page plus *next (see store.h "paging"). Cursors are
 * opaque NUL-terminated strings of at most TZ_STORE_CURSOR_MAX bytes produced by the same
 * backend (store_cursor.c encodes a sort key as a JSON array; backends may use it). A malformed
 * cursor is TZE_INTERNAL.
 *
 * Op-by-op errors besides UNAVAILABLE/INTERNAL (which every op may return):
 *   open                 -   (refuses a schema newer than it knows: INTERNAL + log line)
 *   close                -   (returns nothing; NULL is a no-op)
 *   check_integrity      -   (unsound: INTERNAL + log line)
 *   is_empty             -
 *   user_create          CONFLICT username|id
 *   user_ensure          -   (existing username: *created = false, no error)
 *   user_get, user_get_by_username           NOT_FOUND
 *   user_set_blocked, user_set_password      NOT_FOUND
 *   user_delete, user_set_oz_privileges      NOT_FOUND
 *   user_has_oz_privilege, user_list         -
 *   subject_state                            -
 *   provider_create                          CONFLICT id
 *   provider_register                        CONFLICT id|name(root token); NOT_FOUND (admin user)
 *   provider_get, provider_delete            NOT_FOUND
 *   provider_list                            -
 *   entity_create                            CONFLICT id
 *   entity_exists                            -
 *   entity_name                              NOT_FOUND
 *   entity_list, member_list                 -
 *   member_add_user, member_add_group        NOT_FOUND (entity or member)
 *   user_is_member, user_has_privilege       -
 *   space_add_support                        NOT_FOUND (space or provider)
 *   provider_supports_user, user_spaces, space_providers   -
 *                        (user_spaces and space_providers are not paged: they are bounded by one
 *                        user's memberships / one space's supports)
 *   named_create                             CONFLICT name|id
 *   named_get, named_get_by_name, named_delete              NOT_FOUND
 *   named_update                             NOT_FOUND; CONFLICT name|metadata
 *   named_delete_all, named_list             -
 *   named_verify_state                       NOT_FOUND (the token)
 *   named_verify_state_and_get               NOT_FOUND (the verified token only)
 *   temp_secret_get, temp_secret_bump, temp_verify_state, temp_secret_list   -
 *   temp_secret_put                          CONFLICT subject
 *
 * Changes to this interface after its first version (additive only; one line each):
 *   1. entity_create_owned: a group or space with its owner member in one transaction (the admin
 *      tool's `group create` / `space create`); CONFLICT id, NOT_FOUND (owner). NULL in a
 *      backend's table = "not provided": the dispatcher returns a logged TZE_INTERNAL.
 *   2. dir_create, dir_entity_name, dir_set_privileges, dir_user_has, dir_list,
 *      dir_space_supports, dir_join, provider_register_invited: the directory of every entity
 *      kind with nested groups, and invite consumption counted in the join's transaction
 *      (store.h "directory"); errors as listed there, outcomes through tz_dir_outcome.
 *   3. client_create (CONFLICT id), client_get, client_set_secret_hash, client_delete
 *      (NOT_FOUND), client_list: the introspection clients (store.h "introspection clients").
 *   4. secrets_page, secrets_replace, temp_sealed_get, temp_sealed_bump, scrub: sealed token
 *      secrets (store.h "sealed secrets"): paged walk of every stored secret, conditional
 *      replacement (rotation, legacy sealing), temporary secrets sealed by the caller, and erasing
 *      old row versions from the files; temp_sealed_get without a value to create: NOT_FOUND.
 *   5. dir_export, dir_import: the raw directory rows (entities with their kind, name and
 *      provider registration data; relations with privileges and support sizes), paged, and their
 *      writing into a store being filled by `store copy` (store.h "directory export"); import:
 *      CONFLICT id|subdomain, NOT_FOUND (a cluster, provider or relation end missing).
 *   6. named_verify_user, temp_verify_user: named_verify_state / temp_verify_state with the
 *      subject's username in the same statement (introspection, forward auth); errors as those.
 *   7. named_verify_state_and_get: named_verify_state of one token plus the row of another in one
 *      statement (a request authenticated with a named token that reads a named token: status,
 *      GET); NOT_FOUND only for the verified token, a missing second row is *other_found = false.
 * --------------------------------------------------------------------------------------------- */
#ifndef TZ_STORE_BACKEND_H
#define TZ_STORE_BACKEND_H
#include "store/store.h"

/* Transient failures (busy, serialization, deadlock) are retried at most this often per op. */
#define TZS_RETRY_MAX 5

typedef struct tz_store_ops {
    const char *name; /* "sqlite", "postgresql" */

    /* location as given to tz_store_open (the backend strips its own scheme); opts never NULL
     * (zeros = defaults). On success *out is the backend's structure, header first. */
    tz_error *(*open)(const char *location, const tz_store_open_opts *opts, tz_store **out);
    void (*close)(tz_store *s);
    tz_error *(*check_integrity)(tz_store *s);
    tz_error *(*is_empty)(tz_store *s, bool *empty);

    /* users */
    tz_error *(*user_create)(tz_store *s, const tz_user_rec *u);
    tz_error *(*user_ensure)(tz_store *s, const tz_user_rec *u, bool *created);
    tz_error *(*user_get)(tz_store *s, const char *id, tz_user_rec *out);
    tz_error *(*user_get_by_username)(tz_store *s, const char *username, tz_user_rec *out);
    tz_error *(*user_set_blocked)(tz_store *s, const char *id, bool blocked);
    tz_error *(*user_set_password)(tz_store *s, const char *id, const char *password_hash);
    tz_error *(*user_delete)(tz_store *s, const char *id);
    tz_error *(*user_set_oz_privileges)(tz_store *s, const char *id, const char *const *privs,
                                        size_t n, bool grant);
    tz_error *(*user_has_oz_privilege)(tz_store *s, const char *id, const char *priv, bool *out);
    tz_error *(*user_list)(tz_store *s, size_t limit, const char *cursor, tz_user_rec **out,
                           size_t *n, char **next);
    tz_error *(*subject_state)(tz_store *s, const tz_subject *subject, bool *exists, bool *blocked);

    /* providers */
    tz_error *(*provider_create)(tz_store *s, const tz_provider_rec *p);
    tz_error *(*provider_register)(tz_store *s, const tz_provider_rec *p, const char *admin_user_id,
                                   const char *const *privs, size_t n,
                                   const tz_named_token_rec *root_token);
    tz_error *(*provider_get)(tz_store *s, const char *id, tz_provider_rec *out);
    tz_error *(*provider_delete)(tz_store *s, const char *id);
    tz_error *(*provider_list)(tz_store *s, size_t limit, const char *cursor, tz_provider_rec **out,
                               size_t *n, char **next);

    /* groups, spaces, clusters */
    tz_error *(*entity_create)(tz_store *s, tz_entity_kind kind, const char *id, const char *name);
    tz_error *(*entity_exists)(tz_store *s, tz_entity_kind kind, const char *id, bool *out);
    tz_error *(*entity_name)(tz_store *s, tz_entity_kind kind, const char *id, char **name);
    tz_error *(*entity_list)(tz_store *s, tz_entity_kind kind, size_t limit, const char *cursor,
                             tz_entity_rec **out, size_t *n, char **next);
    tz_error *(*member_add_user)(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                 const char *user_id, const char *const *privs, size_t n);
    tz_error *(*member_add_group)(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                  const char *group_id, const char *const *privs, size_t n);
    tz_error *(*member_list)(tz_store *s, tz_entity_kind kind, const char *entity_id, size_t limit,
                             const char *cursor, tz_member_rec **out, size_t *n, char **next);
    tz_error *(*user_is_member)(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                const char *user_id, bool *out);
    tz_error *(*user_has_privilege)(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                    const char *user_id, const char *priv, bool *out);
    tz_error *(*space_add_support)(tz_store *s, const char *space_id, const char *provider_id);
    tz_error *(*provider_supports_user)(tz_store *s, const char *provider_id, const char *user_id,
                                        bool *out);
    tz_error *(*user_spaces)(tz_store *s, const char *user_id, char ***ids, size_t *n);
    tz_error *(*space_providers)(tz_store *s, const char *space_id, char ***ids, size_t *n);

    /* named tokens */
    tz_error *(*named_create)(tz_store *s, const tz_named_token_rec *r);
    tz_error *(*named_get)(tz_store *s, const char *id, tz_named_token_rec *out);
    tz_error *(*named_get_by_name)(tz_store *s, const tz_subject *subject, const char *name,
                                   tz_named_token_rec *out);
    tz_error *(*named_update)(tz_store *s, const char *id, const char *name,
                              const char *metadata_json, int revoked, const char *if_metadata_json);
    tz_error *(*named_delete)(tz_store *s, const char *id);
    tz_error *(*named_delete_all)(tz_store *s, const tz_subject *subject);
    tz_error *(*named_list)(tz_store *s, const tz_subject *subject, size_t limit,
                            const char *cursor, char ***ids, size_t *n, char **next);
    tz_error *(*named_verify_state)(tz_store *s, const char *id, tz_named_token_rec *out,
                                    bool *subject_exists, bool *subject_blocked);

    /* temporary-token secrets */
    tz_error *(*temp_secret_get)(tz_store *s, const tz_subject *subject,
                                 char secret_out[TZ_SECRET_HEX_LEN + 1], int64_t *generation);
    tz_error *(*temp_secret_bump)(tz_store *s, const tz_subject *subject);
    tz_error *(*temp_verify_state)(tz_store *s, const tz_subject *subject,
                                   char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                   bool *has_secret, bool *subject_exists, bool *subject_blocked);
    tz_error *(*temp_secret_list)(tz_store *s, size_t limit, const char *cursor,
                                  tz_temp_secret_rec **out, size_t *n, char **next);
    tz_error *(*temp_secret_put)(tz_store *s, const tz_temp_secret_rec *r);

    /* ---- added after the first version (see the list in the header comment) ---- */
    tz_error *(*entity_create_owned)(tz_store *s, tz_entity_kind kind, const char *id, const char *name,
                                     const char *owner_user_id, const char *const *privs, size_t n);
    /* 2. the directory and invite consumption (store.h "directory") */
    tz_error *(*dir_create)(tz_store *s, tz_dir_kind kind, const char *id, const char *name,
                            const char *owner, const char *const *privs, size_t n);
    tz_error *(*dir_entity_name)(tz_store *s, tz_dir_kind kind, const char *id, char **name);
    tz_error *(*dir_set_privileges)(tz_store *s, tz_dir_kind parent_kind, const char *parent_id,
                                    tz_dir_kind child_kind, const char *child_id,
                                    const char *const *privs, size_t n, bool grant);
    tz_error *(*dir_user_has)(tz_store *s, const char *user_id, tz_dir_kind kind,
                              const char *entity_id, const char *priv, bool *out);
    tz_error *(*dir_list)(tz_store *s, tz_dir_list which, const char *id, tz_dir_kind kind,
                          char ***ids, size_t *n);
    tz_error *(*dir_space_supports)(tz_store *s, const char *space_id, char ***pids,
                                    int64_t **sizes, size_t *n);
    tz_error *(*dir_join)(tz_store *s, const tz_dir_join *j, tz_dir_outcome *outcome);
    tz_error *(*provider_register_invited)(tz_store *s, const tz_provider_rec *p,
                                           const char *subdomain, const char *admin_email,
                                           const char *admin_user, const char *const *admin_privs,
                                           size_t n_admin_privs, const tz_named_token_rec *root,
                                           const char *invite_id, tz_dir_outcome *outcome);
    /* 3. introspection clients (store.h "introspection clients") */
    tz_error *(*client_create)(tz_store *s, const tz_oauth_client_rec *r);
    tz_error *(*client_get)(tz_store *s, const char *id, tz_oauth_client_rec *out);
    tz_error *(*client_list)(tz_store *s, tz_oauth_client_rec **out, size_t *n);
    tz_error *(*client_set_secret_hash)(tz_store *s, const char *id, const char *hash);
    tz_error *(*client_delete)(tz_store *s, const char *id);

    /* 4. sealed secrets (store.h "sealed secrets") */
    tz_error *(*secrets_page)(tz_store *s, tz_secret_kind kind, const tz_secret_row *after, size_t limit,
                              tz_secret_row **rows, size_t *n);
    tz_error *(*secrets_replace)(tz_store *s, const tz_secret_change *changes, size_t n, size_t *applied);
    tz_error *(*temp_sealed_get)(tz_store *s, const tz_subject *subject, const char *sealed_if_absent,
                                 char **sealed, int64_t *generation);
    tz_error *(*temp_sealed_bump)(tz_store *s, const tz_subject *subject, const char *sealed);
    tz_error *(*scrub)(tz_store *s, tz_scrub_depth depth);

    /* 5. directory export (store.h "directory export") */
    tz_error *(*dir_export)(tz_store *s, tz_dir_section section, size_t limit, const char *cursor,
                            tz_dir_row **out, size_t *n, char **next);
    tz_error *(*dir_import)(tz_store *s, tz_dir_section section, const tz_dir_row *rows, size_t n);

    /* 7. one read for authentication and the named token the operation reads */
    tz_error *(*named_verify_state_and_get)(tz_store *s, const char *id, tz_named_token_rec *out,
                                            bool *subject_exists, bool *subject_blocked,
                                            const char *other_id, tz_named_token_rec *other,
                                            bool *other_found);

    /* 6. verification reads with the username (store.h) */
    tz_error *(*named_verify_user)(tz_store *s, const char *id, tz_named_token_rec *out,
                                   bool *subject_exists, bool *subject_blocked, char **username);
    tz_error *(*temp_verify_user)(tz_store *s, const tz_subject *subject,
                                  char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                  bool *has_secret, bool *subject_exists, bool *subject_blocked,
                                  char **username);
} tz_store_ops;

/* The common header every backend's store structure starts with. The dispatcher sets log/log_ud
 * (tz_store_set_logger) after open returns; `location` is the redacted location for log lines
 * (set by the backend's open with tz_store_location_redacted, freed by tzs_header_clear). */
struct tz_store {
    const tz_store_ops *ops;
    void (*log)(void *ud, const char *msg);
    void *log_ud;
    char *location;
};

/* Fills the header: ops, logger from opts, redacted location. Returns false on allocation
 * failure. tzs_header_clear frees what it allocated (not the structure). (store_dispatch.c) */
bool tzs_header_init(tz_store *s, const tz_store_ops *ops, const char *location,
                     const tz_store_open_opts *opts);
void tzs_header_clear(tz_store *s);
/* Writes one line to the store's logger (stderr by default), prefixed with the backend name.
 * Messages never contain secrets or passwords. (store_dispatch.c) */
void tzs_log(tz_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An operation the running backend does not provide (NULL in its table): logs it and returns
 * TZE_INTERNAL. (store_dispatch.c) */
tz_error *tzs_unsupported(tz_store *s, const char *op);
/* The body of a dispatcher taking the store as `s`: the backend's op, or tzs_unsupported. */
#define TZS_DISPATCH(op, ...) \
    do { \
        if (!s->ops->op) return tzs_unsupported(s, #op); \
        return s->ops->op(s, __VA_ARGS__); \
    } while (0)

/* The backend for a location (NULL for an unknown scheme or a backend not built in; *why then
 * says which, a static string). (store_registry.c) */
const tz_store_ops *tzs_backend_for(const char *location, const char **why);

/* Cursor helpers any backend may use: a sort key of up to 4 text parts <-> an opaque cursor.
 * tzs_cursor_encode returns a malloc'd string (NULL on allocation failure). tzs_cursor_decode
 * fills parts[0..n-1] with malloc'd strings (tzs_cursor_parts_free) and fails on a cursor that
 * does not hold exactly n parts. (store_cursor.c) */
char *tzs_cursor_encode(const char *const *parts, size_t n);
tz_error *tzs_cursor_decode(tz_store *s, const char *cursor, char **parts, size_t n);
void tzs_cursor_parts_free(char **parts, size_t n);
/* Clamps a page limit to 1..TZ_STORE_PAGE_MAX; 0 -> false. */
bool tzs_page_limit(size_t limit, size_t *out);

#endif
