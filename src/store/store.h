/* The storage interface. Everything tokenzone persists goes through these functions; the SQLite
 * backend (store_sqlite*.c) is the embedded default. No SQL outside src/store.
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

#define TZ_ID_HEX_LEN 32      /* entity and token ids: 32 lowercase hex chars */
#define TZ_SECRET_HEX_LEN 64  /* token secrets: 64 lowercase hex chars (32 random bytes) */
#define TZ_ONEZONE_CLUSTER_ID "onezone"

/* Opens (creating if needed) the store in directory `dir` (created 0700; database file 0600),
 * applies pending schema migrations. *out is owned by the caller (tz_store_close). */
tz_error *tz_store_open(const char *dir, tz_store **out);
void tz_store_close(tz_store *s);
/* A new random id (TZ_ID_HEX_LEN hex chars + NUL) from a cryptographic source. */
tz_error *tz_store_random_id(char out[TZ_ID_HEX_LEN + 1]);
/* A new random secret (TZ_SECRET_HEX_LEN hex chars + NUL). */
tz_error *tz_store_random_secret(char out[TZ_SECRET_HEX_LEN + 1]);
/* SQLite's integrity check: NULL when the database is sound. */
tz_error *tz_store_check_integrity(tz_store *s);
/* Where the store reports failures that it returns as TZE_INTERNAL (SQLite and file-system errors,
 * bad arguments): one line per failure, never containing secrets. Until set (and while opening)
 * lines go to stderr; log NULL restores that. `ud` is borrowed. Set it before sharing the store
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

/* Creates a user; u->id must be set (tz_store_random_id). Username taken -> TZE_ALREADY_EXISTS. */
tz_error *tz_store_user_create(tz_store *s, const tz_user_rec *u);
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
/* All users ordered by username; *out is a malloc'd array of *n records (tz_user_recs_free). */
tz_error *tz_store_user_list(tz_store *s, tz_user_rec **out, size_t *n);
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
/* Also creates the provider's cluster (cluster id = provider id). */
tz_error *tz_store_provider_create(tz_store *s, const tz_provider_rec *p);
tz_error *tz_store_provider_get(tz_store *s, const char *id, tz_provider_rec *out);   /* TZE_NOT_FOUND */
/* Deletes the provider, its cluster and memberships, supports, named tokens and temporary secret. */
tz_error *tz_store_provider_delete(tz_store *s, const char *id);

/* ---------------- groups, spaces, clusters ---------------- */
typedef enum tz_entity_kind { TZ_ENT_GROUP, TZ_ENT_SPACE, TZ_ENT_CLUSTER } tz_entity_kind;

/* Creates a group or space (clusters come with providers; `onezone` always exists). */
tz_error *tz_store_entity_create(tz_store *s, tz_entity_kind kind, const char *id, const char *name);
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

/* Name already used by this subject -> TZE_BAD_VALUE_IDENTIFIER_OCCUPIED {"key":"name"}. */
tz_error *tz_store_named_create(tz_store *s, const tz_named_token_rec *r);
tz_error *tz_store_named_get(tz_store *s, const char *id, tz_named_token_rec *out); /* TZE_NOT_FOUND */
tz_error *tz_store_named_get_by_name(tz_store *s, const tz_subject *subject, const char *name,
                                     tz_named_token_rec *out);
/* Updates what is given: name (NULL keeps), metadata_json (NULL keeps), revoked (-1 keeps, 0/1).
 * Errors: TZE_NOT_FOUND, TZE_BAD_VALUE_IDENTIFIER_OCCUPIED. */
tz_error *tz_store_named_update(tz_store *s, const char *id, const char *name,
                                const char *metadata_json, int revoked);
tz_error *tz_store_named_delete(tz_store *s, const char *id);                      /* TZE_NOT_FOUND */
tz_error *tz_store_named_delete_all(tz_store *s, const tz_subject *subject);
/* Ids of a subject's named tokens ordered by name; subject NULL = every token, users' first then
 * providers', each ordered by subject id then name. (tz_strv_free) */
tz_error *tz_store_named_list(tz_store *s, const tz_subject *subject, char ***ids, size_t *n);

/* ---------------- temporary-token secrets ---------------- */
/* These two store plain secrets they generate themselves; the service no longer uses them (it
 * stores sealed secrets through tz_store_temp_sealed_get/_bump below). */
/* The subject's shared secret and generation, created with generation 1 on first read. */
tz_error *tz_store_temp_secret_get(tz_store *s, const tz_subject *subject,
                                   char secret_out[TZ_SECRET_HEX_LEN + 1], int64_t *generation);
/* Revoke-all: new secret and generation + 1 (created with generation 1 if absent). */
tz_error *tz_store_temp_secret_bump(tz_store *s, const tz_subject *subject);

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
 * with `sealed_if_absent` NULL -> TZE_NOT_FOUND; otherwise it is stored with generation 1 (a
 * concurrent first store wins, and its value is returned). *sealed is malloc'd (caller wipes and
 * frees). */
tz_error *tz_store_temp_sealed_get(tz_store *s, const tz_subject *subject,
                                   const char *sealed_if_absent, char **sealed, int64_t *generation);
/* Revoke-all with a secret sealed by the caller: stores `sealed` with generation + 1 (generation
 * 1 if absent). */
tz_error *tz_store_temp_sealed_bump(tz_store *s, const tz_subject *subject, const char *sealed);
/* Leaves no earlier content of rows in the files: empties the write-ahead log (checkpoint with
 * truncation), rewrites the database without free pages (VACUUM) and empties the log again.
 * SQLite: fails with TZE_INTERNAL while another process holds a read snapshot open. */
tz_error *tz_store_scrub(tz_store *s);

#endif
