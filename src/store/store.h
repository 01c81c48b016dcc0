/* The storage interface. Everything tokenzone persists goes through these functions, which
 * dispatch to a backend's table of operations (store_backend.h): SQLite (store_sqlite*.c, the
 * embedded default) or PostgreSQL. Nothing outside src/store knows which backend runs; no SQL
 * outside src/store.
 *
 * Errors are neutral (see store_backend.h for the full contract of each operation):
 *   TZE_STORE_NOT_FOUND    the row the operation names does not exist;
 *   TZE_STORE_CONFLICT     {"key": field}: a unique field is taken ("username", "name", "id") or a
 *                          conditional update lost ("metadata");
 *   TZE_STORE_UNAVAILABLE  the backend cannot be reached or stayed busy past the bounded retry;
 *   TZE_INTERNAL           anything else (logged by the store with its cause).
 * The service maps them to Onedata errors (tz_store_err_to_api in src/service).
 *
 * Conventions: every function returns NULL on success or a tz_error the caller owns. Records
 * filled by the store own their strings; release them with the matching *_clear function (which
 * wipes secrets). A tz_store is safe to use from several threads at once. A successful write has
 * been committed durably before the function returns. */
#ifndef TZ_STORE_STORE_H
#define TZ_STORE_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../core/err.h"
#include "../core/subject.h"

typedef struct tz_store tz_store;
struct tz_named_token_rec;

#define TZ_ID_HEX_LEN 32      /* entity and token ids: 32 lowercase hex chars */
#define TZ_SECRET_HEX_LEN 64  /* token secrets: 64 lowercase hex chars (32 random bytes) */
#define TZ_STORED_SECRET_MAX 512  /* a secret as stored (sealed text, src/core/seal.h), in bytes */
#define TZ_ONEZONE_CLUSTER_ID "onezone"

/* Where and how to open a store. Zero means "the backend's default" for every number. */
typedef struct tz_store_open_opts {
    unsigned pool_size;              /* connections at most (SQLite default 16, PostgreSQL 8) */
    unsigned connect_timeout_ms;     /* PostgreSQL: connecting (default 1000) */
    unsigned statement_timeout_ms;   /* PostgreSQL: statement_timeout (default 1500); SQLite:
                                      * how long a writer waits for another (default 5000) */
    void (*log)(void *ud, const char *msg); /* failure lines while opening and after; NULL = stderr */
    void *log_ud;
} tz_store_open_opts;
#define TZ_STORE_POOL_MAX 256

/* Opens the store at `location`:
 *   "sqlite:DIR" or a plain directory path: the embedded store in DIR (created 0700, database
 *     file 0600);
 *   "postgresql://..." or "postgres://...": a libpq URI (passwords from PGPASSWORD, ~/.pgpass or
 *     passfile=; a password in the URI works but is never logged).
 * Applies pending schema migrations under a lock; a schema newer than this binary knows is
 * refused (TZE_INTERNAL with a log line saying so). `opts` may be NULL. *out is owned by the
 * caller (tz_store_close). */
tz_error *tz_store_open(const char *location, const tz_store_open_opts *opts, tz_store **out);
void tz_store_close(tz_store *s);
/* `location` with any password replaced by "***" (URI user-info and password= parameters), for
 * log lines and error messages. Malloc'd, caller frees; NULL only on allocation failure. */
char *tz_store_location_redacted(const char *location);
/* Which backend a location names: "sqlite", "postgresql", or NULL for an unknown scheme. */
const char *tz_store_location_backend(const char *location);
/* The directory of an SQLite location (borrowed from `location`: what follows "sqlite:", or the
 * plain path), where files that belong with the store (keys) live; NULL for other backends. */
const char *tz_store_location_dir(const char *location);
/* The backend name of an open store ("sqlite", "postgresql"). */
const char *tz_store_backend_name(const tz_store *s);
/* A new random id (TZ_ID_HEX_LEN hex chars + NUL) from a cryptographic source. */
tz_error *tz_store_random_id(char out[TZ_ID_HEX_LEN + 1]);
/* A new random secret (TZ_SECRET_HEX_LEN hex chars + NUL). */
tz_error *tz_store_random_secret(char out[TZ_SECRET_HEX_LEN + 1]);
/* The backend's integrity check (SQLite: PRAGMA integrity_check + foreign keys): NULL when
 * sound. */
tz_error *tz_store_check_integrity(tz_store *s);
/* *empty = true when the store holds no user, provider, group, space, token, temporary secret,
 * introspection client, harvester, inventory or directory relation (the built-in `onezone`
 * cluster does not count). Used by `store copy` on the target. */
tz_error *tz_store_is_empty(tz_store *s, bool *empty);

/* ---------------- paging ----------------
 * Every list takes `limit` (1..TZ_STORE_PAGE_MAX; larger is clamped, 0 is an error) and `cursor`
 * (NULL = from the start, else a value returned as *next by the previous page). *next is a
 * malloc'd opaque string (caller frees) or NULL when no row follows. A page never holds more
 * than `limit` rows; rows added or removed between pages are seen at most once. */
#define TZ_STORE_PAGE_MAX 1000
#define TZ_STORE_CURSOR_MAX 1024
/* Where the store reports failures that it returns as TZE_INTERNAL (SQLite and file-system errors,
 * bad arguments): one line per failure, never containing secrets. Until set (and while opening)
 * lines go to tz_store_open_opts.log, else stderr; log NULL restores stderr. `ud` is borrowed. Set it before sharing the store
 * between threads; `log` may be called from any thread using the store. */
void tz_store_set_logger(tz_store *s, void (*log)(void *ud, const char *msg), void *ud);

/* ---------------- users ---------------- */
typedef struct tz_user_rec {
    char *id;
    char *username;
    char *full_name;
    char *password_hash;       /* Argon2id encoded hash; NULL = no password */
    bool basic_auth_enabled;
    bool blocked;
    int64_t creation_time;
    char **oz_privileges;      /* Onezone admin privileges, sorted */
    size_t n_oz_privileges;
} tz_user_rec;
void tz_user_rec_clear(tz_user_rec *u);

/* Creates a user with its Onezone privileges in one transaction; u->id must be set
 * (tz_store_random_id). Username taken -> TZE_STORE_CONFLICT {"key":"username"}; id taken ->
 * {"key":"id"}. */
tz_error *tz_store_user_create(tz_store *s, const tz_user_rec *u);
/* Creates the user unless one with u->username exists, in one transaction: *created says which.
 * Several processes calling it at once end with exactly one user and one *created = true. */
tz_error *tz_store_user_ensure(tz_store *s, const tz_user_rec *u, bool *created);
tz_error *tz_store_user_get(tz_store *s, const char *id, tz_user_rec *out);            /* TZE_NOT_FOUND */
tz_error *tz_store_user_get_by_username(tz_store *s, const char *username, tz_user_rec *out);
tz_error *tz_store_user_set_blocked(tz_store *s, const char *id, bool blocked);
tz_error *tz_store_user_set_password(tz_store *s, const char *id, const char *password_hash);
/* Deletes the user with its named tokens, temporary-token secret and memberships. */
tz_error *tz_store_user_delete(tz_store *s, const char *id);
/* Adds (grant=true) or removes Onezone admin privileges. */
tz_error *tz_store_user_set_oz_privileges(tz_store *s, const char *id, const char *const *privs,
                                          size_t n, bool grant);
tz_error *tz_store_user_has_oz_privilege(tz_store *s, const char *id, const char *priv, bool *out);
/* One page of users ordered by username, with their privileges; *out is a malloc'd array of *n
 * records (tz_user_recs_free; NULL when *n = 0). */
tz_error *tz_store_user_list(tz_store *s, size_t limit, const char *cursor, tz_user_rec **out,
                             size_t *n, char **next);
void tz_user_recs_free(tz_user_rec *recs, size_t n);

/* Whether a user or provider exists and, for users, is blocked, in one indexed read: the check
 * every token verification makes. An unknown subject gives *exists = false, not an error. */
tz_error *tz_store_subject_state(tz_store *s, const tz_subject *subject, bool *exists, bool *blocked);

/* ---------------- providers ---------------- */
typedef struct tz_provider_rec {
    char *id;
    char *name;
    char *domain;              /* may be NULL */
    int64_t creation_time;
} tz_provider_rec;
void tz_provider_rec_clear(tz_provider_rec *p);
/* Also creates the provider's cluster (cluster id = provider id). Id taken -> CONFLICT {"key":"id"}. */
tz_error *tz_store_provider_create(tz_store *s, const tz_provider_rec *p);
/* Registers a provider in one transaction: the provider and its cluster, `admin_user_id` as a
 * cluster member with `privs`, and `root_token` (a named token of the provider; may be NULL).
 * Unknown admin user -> TZE_STORE_NOT_FOUND; nothing is written on any error. */
tz_error *tz_store_provider_register(tz_store *s, const tz_provider_rec *p, const char *admin_user_id,
                                     const char *const *privs, size_t n,
                                     const struct tz_named_token_rec *root_token);
/* One page of providers ordered by id (*out: tz_provider_recs_free). */
tz_error *tz_store_provider_list(tz_store *s, size_t limit, const char *cursor, tz_provider_rec **out,
                                 size_t *n, char **next);
void tz_provider_recs_free(tz_provider_rec *recs, size_t n);
tz_error *tz_store_provider_get(tz_store *s, const char *id, tz_provider_rec *out);   /* TZE_NOT_FOUND */
/* Deletes the provider, its cluster and memberships, supports, named tokens and temporary secret. */
tz_error *tz_store_provider_delete(tz_store *s, const char *id);

/* ---------------- groups, spaces, clusters ---------------- */
typedef enum tz_entity_kind { TZ_ENT_GROUP, TZ_ENT_SPACE, TZ_ENT_CLUSTER } tz_entity_kind;

/* Creates a group or space (clusters come with providers; `onezone` always exists). */
tz_error *tz_store_entity_create(tz_store *s, tz_entity_kind kind, const char *id, const char *name);
/* Creates a group or space with its first user member (the owner, with `privs`) in one
 * transaction. Id taken -> TZE_STORE_CONFLICT {"key":"id"}; unknown owner -> TZE_STORE_NOT_FOUND;
 * nothing is written on any error. */
tz_error *tz_store_entity_create_owned(tz_store *s, tz_entity_kind kind, const char *id, const char *name,
                                       const char *owner_user_id, const char *const *privs, size_t n);
tz_error *tz_store_entity_exists(tz_store *s, tz_entity_kind kind, const char *id, bool *out);
/* Entity name (groups, spaces); caller frees *name. TZE_NOT_FOUND if absent. */
tz_error *tz_store_entity_name(tz_store *s, tz_entity_kind kind, const char *id, char **name);
/* Adds (or replaces the privileges of) a direct user member. */
tz_error *tz_store_member_add_user(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                   const char *user_id, const char *const *privs, size_t n);
/* Adds a group as a member of a space (spaces only) with privileges. */
tz_error *tz_store_member_add_group(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                    const char *group_id, const char *const *privs, size_t n);
/* Effective membership: directly, or through a group that is a member (spaces). */
tz_error *tz_store_user_is_member(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                  const char *user_id, bool *out);
/* Effective privilege: the union over the direct membership and memberships through groups. */
tz_error *tz_store_user_has_privilege(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                      const char *user_id, const char *priv, bool *out);

/* An entity (for clusters name is NULL) and a membership row, for listing and copying. */
typedef struct tz_entity_rec {
    char *id;
    char *name;
} tz_entity_rec;
void tz_entity_recs_free(tz_entity_rec *recs, size_t n);
typedef enum tz_member_kind { TZ_MEMBER_USER, TZ_MEMBER_GROUP } tz_member_kind;
typedef struct tz_member_rec {
    tz_member_kind kind;
    char *id;                  /* user or group id */
    char **privileges;         /* sorted */
    size_t n_privileges;
} tz_member_rec;
void tz_member_recs_free(tz_member_rec *recs, size_t n);
/* One page of entities of a kind ordered by id (clusters include `onezone` and providers'). */
tz_error *tz_store_entity_list(tz_store *s, tz_entity_kind kind, size_t limit, const char *cursor,
                               tz_entity_rec **out, size_t *n, char **next);
/* One page of an entity's direct members (users first, then groups; each by id). */
tz_error *tz_store_member_list(tz_store *s, tz_entity_kind kind, const char *entity_id, size_t limit,
                               const char *cursor, tz_member_rec **out, size_t *n, char **next);

tz_error *tz_store_space_add_support(tz_store *s, const char *space_id, const char *provider_id);
/* True iff the provider supports a space the user effectively belongs to. */
tz_error *tz_store_provider_supports_user(tz_store *s, const char *provider_id, const char *user_id,
                                          bool *out);
/* The user's effective spaces, sorted by id: malloc'd array of malloc'd ids (tz_strv_free). */
tz_error *tz_store_user_spaces(tz_store *s, const char *user_id, char ***ids, size_t *n);
/* Providers supporting a space, sorted by id (tz_strv_free). */
tz_error *tz_store_space_providers(tz_store *s, const char *space_id, char ***ids, size_t *n);
void tz_strv_free(char **v, size_t n);

/* ---------------- named tokens ---------------- */
typedef struct tz_named_token_rec {
    char *id;
    char *name;
    tz_subject subject;        /* user or provider */
    char *token;               /* the serialized token as issued */
    char *secret;              /* hex secret; wiped by clear */
    char *metadata_json;       /* {"creationTime":..,"custom":{..}, invite extras} */
    bool revoked;
} tz_named_token_rec;
void tz_named_token_rec_clear(tz_named_token_rec *r);

/* Name already used by this subject -> TZE_STORE_CONFLICT {"key":"name"}; id taken -> {"key":"id"}. */
tz_error *tz_store_named_create(tz_store *s, const tz_named_token_rec *r);
tz_error *tz_store_named_get(tz_store *s, const char *id, tz_named_token_rec *out); /* TZE_NOT_FOUND */
tz_error *tz_store_named_get_by_name(tz_store *s, const tz_subject *subject, const char *name,
                                     tz_named_token_rec *out);
/* Updates what is given: name (NULL keeps), metadata_json (NULL keeps), revoked (-1 keeps, 0/1),
 * in one statement. With if_metadata_json != NULL the update happens only while the stored
 * metadata is still exactly that text (compare-and-set for read-modify-write of custom metadata);
 * otherwise TZE_STORE_CONFLICT {"key":"metadata"} and nothing changes.
 * Errors: TZE_STORE_NOT_FOUND, TZE_STORE_CONFLICT {"key":"name"|"metadata"}. */
tz_error *tz_store_named_update(tz_store *s, const char *id, const char *name,
                                const char *metadata_json, int revoked, const char *if_metadata_json);
tz_error *tz_store_named_delete(tz_store *s, const char *id);                      /* TZE_NOT_FOUND */
tz_error *tz_store_named_delete_all(tz_store *s, const tz_subject *subject);
/* One page of ids of a subject's named tokens ordered by name; subject NULL = every token, users'
 * first then providers', each ordered by subject id then name. (*ids: tz_strv_free) */
tz_error *tz_store_named_list(tz_store *s, const tz_subject *subject, size_t limit,
                              const char *cursor, char ***ids, size_t *n, char **next);
/* Verification read, one round trip: the token row (like named_get) together with whether its
 * subject exists and is blocked (providers are never blocked). TZE_STORE_NOT_FOUND when the token
 * does not exist. */
tz_error *tz_store_named_verify_state(tz_store *s, const char *id, tz_named_token_rec *out,
                                      bool *subject_exists, bool *subject_blocked);
/* The same verification read of token `id` together with the row of the named token `other_id`
 * (like named_get), in one statement: one snapshot and, on PostgreSQL, one round trip. For a
 * request authenticated with named token `id` that then reads token `other_id` (GET
 * /tokens/named/{id}/status). TZE_STORE_NOT_FOUND only when token `id` does not exist; a missing
 * `other_id` is *other_found = false. `other_id` may equal `id`. Both records are the caller's
 * (tz_named_token_rec_clear); on error both are empty. */
tz_error *tz_store_named_verify_state_and_get(tz_store *s, const char *id, tz_named_token_rec *out,
                                              bool *subject_exists, bool *subject_blocked,
                                              const char *other_id, tz_named_token_rec *other,
                                              bool *other_found);

/* ---------------- temporary-token secrets ---------------- */
/* These two store plain secrets they generate themselves; the service no longer uses them (it
 * stores sealed secrets through tz_store_temp_sealed_get/_bump below). */
/* The subject's shared secret and generation, created with generation 1 on first read. */
tz_error *tz_store_temp_secret_get(tz_store *s, const tz_subject *subject,
                                   char secret_out[TZ_SECRET_HEX_LEN + 1], int64_t *generation);
/* Revoke-all: new secret and generation + 1 (created with generation 1 if absent), computed in
 * the database so that concurrent bumps from several nodes all count. */
tz_error *tz_store_temp_secret_bump(tz_store *s, const tz_subject *subject);
/* Verification read, one round trip, creating nothing: the subject's exists/blocked state and,
 * when *has_secret, its temporary-token secret and generation. */
tz_error *tz_store_temp_verify_state(tz_store *s, const tz_subject *subject,
                                     char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                     bool *has_secret, bool *subject_exists, bool *subject_blocked);
/* The two verification reads above together with the subject's username, still one statement
 * (what RFC 7662 introspection and forward auth answer with; no second read of the user).
 * *username: malloc'd, owned by the caller (free); NULL when the subject is a provider or a
 * user that does not exist. Errors as the reads without the username. (store_dispatch_verify.c;
 * SQLite store_verify_user.c, PostgreSQL pg_verify_user.c) */
tz_error *tz_store_named_verify_user(tz_store *s, const char *id, tz_named_token_rec *out,
                                     bool *subject_exists, bool *subject_blocked, char **username);
tz_error *tz_store_temp_verify_user(tz_store *s, const tz_subject *subject,
                                    char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                    bool *has_secret, bool *subject_exists, bool *subject_blocked,
                                    char **username);
/* For copying stores: a subject's record as it is. */
typedef struct tz_temp_secret_rec {
    tz_subject subject;
    char secret[TZ_STORED_SECRET_MAX + 1];   /* as stored (sealed); wiped by tz_temp_secret_recs_free */
    int64_t generation;
} tz_temp_secret_rec;
void tz_temp_secret_recs_free(tz_temp_secret_rec *recs, size_t n);
/* One page of temporary-token secrets ordered by subject (users first, then providers; by id). */
tz_error *tz_store_temp_secret_list(tz_store *s, size_t limit, const char *cursor,
                                    tz_temp_secret_rec **out, size_t *n, char **next);
/* Writes a record as given (copying stores). Present already -> CONFLICT {"key":"subject"}. */
tz_error *tz_store_temp_secret_put(tz_store *s, const tz_temp_secret_rec *r);

/* ---------------- introspection clients (store_clients.c) ---------------- */
/* A registered OAuth 2.0 client of the introspection and revocation endpoints. Only a hash of
 * its secret is kept (service/oauth_clients.c says which). */
typedef struct tz_oauth_client_rec {
    char *id;
    char *name;
    char *secret_hash;         /* hex; wiped by clear */
    bool allow_revoke;
    int64_t creation_time;
} tz_oauth_client_rec;
void tz_oauth_client_rec_clear(tz_oauth_client_rec *r);
void tz_oauth_client_recs_free(tz_oauth_client_rec *v, size_t n);

/* Operations of the store (store_dispatch_clients.c; SQLite store_clients.c, PostgreSQL
 * pg_clients.c). Id taken -> TZE_STORE_CONFLICT {"key": "id"}; a missing id -> TZE_STORE_NOT_FOUND. */
tz_error *tz_store_client_create(tz_store *s, const tz_oauth_client_rec *r);
tz_error *tz_store_client_get(tz_store *s, const char *id, tz_oauth_client_rec *out); /* TZE_NOT_FOUND */
/* Every client ordered by creation time then id; *out malloc'd (tz_oauth_client_recs_free). */
tz_error *tz_store_client_list(tz_store *s, tz_oauth_client_rec **out, size_t *n);
tz_error *tz_store_client_set_secret_hash(tz_store *s, const char *id, const char *hash); /* TZE_NOT_FOUND */
tz_error *tz_store_client_delete(tz_store *s, const char *id);                           /* TZE_NOT_FOUND */

/* ---------------- backup (store_backup.c) ---------------- */
/* Writes a consistent copy of the whole store to the new file `dest` (created 0600; an existing
 * file is TZE_ALREADY_EXISTS) while other connections keep reading and writing: SQLite's online
 * backup API, one read snapshot, then fsync and rename into place. The copy is a complete
 * SQLite database (no -wal file needed); see docs/operations.md for restoring it. Any other
 * backend -> TZE_NOT_SUPPORTED, nothing created (PostgreSQL: pg_dump). */
tz_error *tz_store_backup(tz_store *s, const char *dest);
/* ---------------- directory: every entity kind, nested groups, invite consumption ----------------
 * (SQLite: store_directory.c, store_invites.c; dispatched by store_dispatch_dir.c) Relations are
 * (child, parent) pairs: a user or group in a group, space, cluster, harvester or inventory; a
 * space in a harvester; a provider supporting a space. Membership is effective through nested
 * groups (a group in a parent group passes its members on); group cycles are refused. Errors are
 * the neutral ones of store_backend.h. */
typedef enum tz_dir_kind {
    TZ_DIR_USER, TZ_DIR_GROUP, TZ_DIR_SPACE, TZ_DIR_CLUSTER, TZ_DIR_HARVESTER,
    TZ_DIR_ATM_INVENTORY, TZ_DIR_PROVIDER, TZ_DIR__COUNT
} tz_dir_kind;
/* "user", "group", "space", "cluster", "harvester", "atm_inventory", "provider" (NULL if invalid). */
const char *tz_dir_kind_word(tz_dir_kind k);

/* Creates a group, space, harvester or automation inventory with `owner` (a user) as a member
 * holding privs, in one transaction. Owner unknown -> TZE_STORE_NOT_FOUND; id taken ->
 * TZE_STORE_CONFLICT {"key": "id"}. */
tz_error *tz_store_dir_create(tz_store *s, tz_dir_kind kind, const char *id, const char *name,
                              const char *owner, const char *const *privs, size_t n);
/* The name of any entity (group, space, cluster, harvester, inventory, provider, user): *name is
 * malloc'd (caller frees); TZE_STORE_NOT_FOUND when it does not exist. */
tz_error *tz_store_dir_entity_name(tz_store *s, tz_dir_kind kind, const char *id, char **name);
/* Grants (grant=true) or revokes privileges of the direct member `child` in `parent`, in one
 * transaction. Not a direct member -> TZE_STORE_NOT_FOUND. */
tz_error *tz_store_dir_set_privileges(tz_store *s, tz_dir_kind parent_kind, const char *parent_id,
                                      tz_dir_kind child_kind, const char *child_id,
                                      const char *const *privs, size_t n, bool grant);
/* Does the user effectively (directly or through nested groups) belong to the entity
 * (priv NULL) or hold `priv` in it? */
tz_error *tz_store_dir_user_has(tz_store *s, const char *user_id, tz_dir_kind kind,
                                const char *entity_id, const char *priv, bool *out);

typedef enum tz_dir_list {
    TZ_DIR_LIST_USER_DIRECT,     /* id = user: entities of `kind` the user is a direct member of */
    TZ_DIR_LIST_USER_EFFECTIVE,  /* id = user: ... directly or through nested groups */
    TZ_DIR_LIST_PROVIDER_SPACES, /* id = provider: the spaces it supports (kind ignored) */
} tz_dir_list;
/* Sorted ids (malloc'd array of malloc'd strings, tz_strv_free). */
tz_error *tz_store_dir_list(tz_store *s, tz_dir_list which, const char *id, tz_dir_kind kind,
                            char ***ids, size_t *n);
/* The providers supporting a space with their support sizes (0 when recorded without one, e.g.
 * by `admin space support`), sorted by provider id: *pids malloc'd (tz_strv_free), *sizes malloc'd
 * (free). */
tz_error *tz_store_dir_space_supports(tz_store *s, const char *space_id, char ***pids,
                                      int64_t **sizes, size_t *n);

/* What a join (or an invited registration) came to when the store itself did not fail. */
typedef enum tz_dir_outcome {
    TZ_DIR_DONE,                /* written (and the invite's use counted) */
    TZ_DIR_MISSING,             /* the child or the parent does not exist */
    TZ_DIR_INVITE_GONE,         /* the named invite no longer exists */
    TZ_DIR_INVITE_REVOKED,      /* ... is revoked */
    TZ_DIR_INVITE_USED_UP,      /* ... usageCount >= usageLimit */
    TZ_DIR_ISSUER_NOT_ALLOWED,  /* the issuer lost the right to invite (see issuer_*) */
    TZ_DIR_SELF,                /* child == parent, or a group below itself (cycle) */
    TZ_DIR_EXISTS,              /* the relation exists already */
} tz_dir_outcome;

/* Adds the relation child -> parent with privileges (nothing for supports and harvester spaces;
 * `support_size` for a provider supporting a space) in ONE transaction that also, in this order:
 * checks that both ends exist; when invite_id is set reads the named invite (gone, revoked, used
 * up); when issuer_user is set checks that the issuer still holds issuer_privs[i] in
 * (issuer_kind, issuer_entity) (effectively) or the Onezone privilege issuer_oz_privs[i], for every
 * i < n_issuer; refuses a relation to itself or a group cycle and an existing relation; writes;
 * and counts the use (metadata usageCount + 1). *outcome says which; on anything but
 * TZ_DIR_DONE nothing is written. Multi-node: the invite's row must stay locked from its read to
 * the commit (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE). */
typedef struct tz_dir_join {
    tz_dir_kind child_kind;
    const char *child_id;
    tz_dir_kind parent_kind;
    const char *parent_id;
    const char *const *privs;
    size_t n_privs;
    int64_t support_size;
    const char *invite_id;               /* named invite token id, NULL = none */
    const char *issuer_user;             /* NULL = no issuer check */
    tz_dir_kind issuer_kind;             /* where the issuer's right to invite lives */
    const char *issuer_entity;
    const char *const *issuer_privs;
    const char *const *issuer_oz_privs;
    size_t n_issuer;
} tz_dir_join;
tz_error *tz_store_dir_join(tz_store *s, const tz_dir_join *j, tz_dir_outcome *outcome);

/* Registers a provider (p->id, name, domain) with its cluster (same id), `admin_user` as cluster
 * member with admin_privs, the named token `root` (subject = the provider) and, when invite_id is
 * set, the registration invite's use (outcomes as tz_store_dir_join: INVITE_GONE, _REVOKED,
 * _USED_UP; a missing admin user is TZ_DIR_MISSING) -- all in ONE transaction. A taken subdomain
 * (may be NULL) -> TZE_STORE_CONFLICT {"key": "subdomain"}. */
tz_error *tz_store_provider_register_invited(tz_store *s, const tz_provider_rec *p,
                                             const char *subdomain, const char *admin_email,
                                             const char *admin_user,
                                             const char *const *admin_privs, size_t n_admin_privs,
                                             const tz_named_token_rec *root, const char *invite_id,
                                             tz_dir_outcome *outcome);

/* ---------------- sealed secrets (store_secrets.c) ----------------
 * The service seals every token secret before it reaches the store (src/core/seal.h); to the
 * store a secret is opaque text. These functions let the service create and bump temporary-token
 * secrets it sealed itself, walk every stored secret in pages (sealing of legacy plain values,
 * master-key rotation) and replace a secret only if it is still the one that was read. */
typedef enum tz_secret_kind { TZ_SECRET_NAMED = 1, TZ_SECRET_TEMP = 2 } tz_secret_kind;
typedef struct tz_secret_row {
    tz_secret_kind kind;
    char *token_id;            /* named: the token id; NULL for temporary-token secrets */
    tz_subject subject;        /* the row's subject (user or provider) */
    char *secret;              /* the secret column as stored */
    char *token;               /* named: the token column as stored; NULL for temporary */
} tz_secret_row;
void tz_secret_rows_free(tz_secret_row *rows, size_t n);   /* wipes secret and token */

/* Up to `limit` (1..10000) rows of `kind` in key order (named: token id; temporary: subject kind,
 * subject id), starting after the row `after` (NULL = from the first). *rows is a malloc'd array
 * of *n records (tz_secret_rows_free); fewer than `limit` means the end was reached. */
tz_error *tz_store_secrets_page(tz_store *s, tz_secret_kind kind, const tz_secret_row *after,
                                size_t limit, tz_secret_row **rows, size_t *n);

/* A conditional replacement: the row `row` names (kind, token id or subject) gets `secret` (and,
 * for named tokens, `token` unless NULL) only if it still holds row->secret. */
typedef struct tz_secret_change {
    const tz_secret_row *row;
    const char *secret;
    const char *token;
} tz_secret_change;
/* Applies the changes in one transaction. A row that changed meanwhile (revoke-all, deletion)
 * is left alone and not counted; *applied says how many were replaced. */
tz_error *tz_store_secrets_replace(tz_store *s, const tz_secret_change *changes, size_t n,
                                   size_t *applied);

/* The subject's sealed temporary-token secret and generation. When there is none yet:
 * with `sealed_if_absent` NULL -> TZE_STORE_NOT_FOUND; otherwise it is stored with generation 1 (a
 * concurrent first store wins, and its value is returned). *sealed is malloc'd (caller wipes and
 * frees). */
tz_error *tz_store_temp_sealed_get(tz_store *s, const tz_subject *subject,
                                   const char *sealed_if_absent, char **sealed, int64_t *generation);
/* Revoke-all with a secret sealed by the caller: stores `sealed` with generation + 1 (generation
 * 1 if absent). */
tz_error *tz_store_temp_sealed_bump(tz_store *s, const tz_subject *subject, const char *sealed);
/* Leaves no earlier content of rows in the files. TZ_SCRUB_FULL empties the write-ahead log
 * (checkpoint with truncation), rewrites the database without free pages (VACUUM) and empties the
 * log again: after plain values were replaced, whatever the history of the files. TZ_SCRUB_LOG
 * only empties the log (SQLite; a no-op where the backend has no such log): enough where every
 * change since the last full scrub ran with secure deletion, which overwrites freed content in
 * place, and cheap (no rewrite of the whole database). SQLite: fails with TZE_INTERNAL while
 * another process holds a read snapshot open. */
typedef enum tz_scrub_depth { TZ_SCRUB_FULL = 0, TZ_SCRUB_LOG = 1 } tz_scrub_depth;
tz_error *tz_store_scrub(tz_store *s, tz_scrub_depth depth);

/* ---------------- directory export (store copy; SQLite store_dir_export.c, PostgreSQL
 * pg_dir_export.c; dispatched by store_dispatch_dir_export.c) ----------------
 * The raw rows of the directory, for copying a whole store to another backend: what the entity
 * and member listings above do not show (harvesters, automation inventories, nested groups and
 * every other relation of tz_store_dir_join, support sizes, provider subdomains and admin
 * e-mails). Users, providers (id, name, domain, creation time), named tokens, temporary secrets
 * and introspection clients have their own listings and creates. */
typedef enum tz_dir_section {
    TZ_DIR_SECTION_ENTITIES = 1,  /* every group, space, cluster, harvester, inventory and provider */
    TZ_DIR_SECTION_RELATIONS = 2, /* every relation child -> parent (memberships, supports) */
} tz_dir_section;
typedef struct tz_dir_row {
    tz_dir_kind kind;          /* entity: its kind; relation: the child's kind */
    char *id;                  /* entity id; relation: the child's id */
    char *name;                /* entities: the name (clusters: as stored); relations: NULL */
    char *subdomain;           /* providers: the registered subdomain, NULL = none */
    char *admin_email;         /* providers: the admin e-mail given at registration, NULL = none */
    tz_dir_kind parent_kind;   /* relations only */
    char *parent_id;           /* relations only; NULL for entities */
    char **privileges;         /* relations: the child's privileges in the parent, sorted */
    size_t n_privileges;
    bool has_size;             /* supports (provider -> space): whether a size is recorded */
    int64_t size;              /* ... and that size (bytes) */
} tz_dir_row;
void tz_dir_rows_free(tz_dir_row *rows, size_t n);
/* One page of a section's rows: entities ordered by (kind word, id), relations by (parent kind
 * word, parent id, child kind word, child id), bytewise. *out is a malloc'd array of *n rows
 * (tz_dir_rows_free; NULL when *n = 0); *next as in "paging". */
tz_error *tz_store_dir_export(tz_store *s, tz_dir_section section, size_t limit, const char *cursor,
                              tz_dir_row **out, size_t *n, char **next);
/* Writes exported rows (at most TZ_STORE_PAGE_MAX, all of `section`) into a store being filled by
 * a copy, in ONE transaction: groups, spaces, harvesters and inventories are created (id taken ->
 * TZE_STORE_CONFLICT {"key":"id"}); clusters and providers must exist already (providers are
 * created by tz_store_provider_create with their clusters) and get the row's name (and the
 * provider's subdomain and admin e-mail; subdomain taken -> CONFLICT {"key":"subdomain"}),
 * missing -> TZE_STORE_NOT_FOUND; relations are added with their privileges and support size
 * (an end missing -> TZE_STORE_NOT_FOUND, the relation present already -> CONFLICT {"key":"id"}).
 * Copy entities before relations. Rows are borrowed. */
tz_error *tz_store_dir_import(tz_store *s, tz_dir_section section, const tz_dir_row *rows, size_t n);

#endif
