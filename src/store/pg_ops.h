/* The PostgreSQL backend's operations (one per tz_store_ops entry; see store_backend.h for the
 * contract of each) and the helpers the pg_*.c files share beyond pg_internal.h. */
#ifndef TZ_STORE_PG_OPS_H
#define TZ_STORE_PG_OPS_H
#include "store/pg_internal.h"

extern const tz_store_ops tzs_pg_ops;

tz_error *pgs_open(const char *location, const tz_store_open_opts *opts, tz_store **out);
void pgs_close(tz_store *s);
tz_error *pgs_check_integrity(tz_store *s);
tz_error *pgs_is_empty(tz_store *s, bool *empty);
tz_error *pgs_user_create(tz_store *s, const tz_user_rec *u);
tz_error *pgs_user_ensure(tz_store *s, const tz_user_rec *u, bool *created);
tz_error *pgs_user_get(tz_store *s, const char *id, tz_user_rec *out);
tz_error *pgs_user_get_by_username(tz_store *s, const char *username, tz_user_rec *out);
tz_error *pgs_user_set_blocked(tz_store *s, const char *id, bool blocked);
tz_error *pgs_user_set_password(tz_store *s, const char *id, const char *password_hash);
tz_error *pgs_user_delete(tz_store *s, const char *id);
tz_error *pgs_user_set_oz_privileges(tz_store *s, const char *id, const char *const *privs, size_t n, bool grant);
tz_error *pgs_user_has_oz_privilege(tz_store *s, const char *id, const char *priv, bool *out);
tz_error *pgs_user_list(tz_store *s, size_t limit, const char *cursor, tz_user_rec **out, size_t *n, char **next);
tz_error *pgs_subject_state(tz_store *s, const tz_subject *subject, bool *exists, bool *blocked);
tz_error *pgs_provider_create(tz_store *s, const tz_provider_rec *p);
tz_error *pgs_provider_register(tz_store *s, const tz_provider_rec *p, const char *admin_user_id, const char *const *privs, size_t n, const tz_named_token_rec *root_token);
tz_error *pgs_provider_get(tz_store *s, const char *id, tz_provider_rec *out);
tz_error *pgs_provider_delete(tz_store *s, const char *id);
tz_error *pgs_provider_list(tz_store *s, size_t limit, const char *cursor, tz_provider_rec **out, size_t *n, char **next);
tz_error *pgs_entity_create(tz_store *s, tz_entity_kind kind, const char *id, const char *name);
tz_error *pgs_entity_exists(tz_store *s, tz_entity_kind kind, const char *id, bool *out);
tz_error *pgs_entity_name(tz_store *s, tz_entity_kind kind, const char *id, char **name);
tz_error *pgs_entity_list(tz_store *s, tz_entity_kind kind, size_t limit, const char *cursor, tz_entity_rec **out, size_t *n, char **next);
tz_error *pgs_member_add_user(tz_store *s, tz_entity_kind kind, const char *entity_id, const char *user_id, const char *const *privs, size_t n);
tz_error *pgs_member_add_group(tz_store *s, tz_entity_kind kind, const char *entity_id, const char *group_id, const char *const *privs, size_t n);
tz_error *pgs_member_list(tz_store *s, tz_entity_kind kind, const char *entity_id, size_t limit, const char *cursor, tz_member_rec **out, size_t *n, char **next);
tz_error *pgs_user_is_member(tz_store *s, tz_entity_kind kind, const char *entity_id, const char *user_id, bool *out);
tz_error *pgs_user_has_privilege(tz_store *s, tz_entity_kind kind, const char *entity_id, const char *user_id, const char *priv, bool *out);
tz_error *pgs_space_add_support(tz_store *s, const char *space_id, const char *provider_id);
tz_error *pgs_provider_supports_user(tz_store *s, const char *provider_id, const char *user_id, bool *out);
tz_error *pgs_user_spaces(tz_store *s, const char *user_id, char ***ids, size_t *n);
tz_error *pgs_space_providers(tz_store *s, const char *space_id, char ***ids, size_t *n);
tz_error *pgs_named_create(tz_store *s, const tz_named_token_rec *r);
tz_error *pgs_named_get(tz_store *s, const char *id, tz_named_token_rec *out);
tz_error *pgs_named_get_by_name(tz_store *s, const tz_subject *subject, const char *name, tz_named_token_rec *out);
tz_error *pgs_named_update(tz_store *s, const char *id, const char *name, const char *metadata_json, int revoked, const char *if_metadata_json);
tz_error *pgs_named_delete(tz_store *s, const char *id);
tz_error *pgs_named_delete_all(tz_store *s, const tz_subject *subject);
tz_error *pgs_named_list(tz_store *s, const tz_subject *subject, size_t limit, const char *cursor, char ***ids, size_t *n, char **next);
tz_error *pgs_named_verify_state(tz_store *s, const char *id, tz_named_token_rec *out, bool *subject_exists, bool *subject_blocked);
tz_error *pgs_temp_secret_get(tz_store *s, const tz_subject *subject, char secret_out[TZ_SECRET_HEX_LEN + 1], int64_t *generation);
tz_error *pgs_temp_secret_bump(tz_store *s, const tz_subject *subject);
tz_error *pgs_temp_verify_state(tz_store *s, const tz_subject *subject, char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation, bool *has_secret, bool *subject_exists, bool *subject_blocked);
tz_error *pgs_temp_secret_list(tz_store *s, size_t limit, const char *cursor, tz_temp_secret_rec **out, size_t *n, char **next);
tz_error *pgs_temp_secret_put(tz_store *s, const tz_temp_secret_rec *r);
tz_error *pgs_entity_create_owned(tz_store *s, tz_entity_kind kind, const char *id, const char *name,
                                  const char *owner_user_id, const char *const *privs, size_t n);
tz_error *pgs_client_create(tz_store *s, const tz_oauth_client_rec *r);
tz_error *pgs_client_get(tz_store *s, const char *id, tz_oauth_client_rec *out);
tz_error *pgs_client_list(tz_store *s, tz_oauth_client_rec **out, size_t *n);
tz_error *pgs_client_set_secret_hash(tz_store *s, const char *id, const char *hash);
tz_error *pgs_client_delete(tz_store *s, const char *id);

/* Inserts a named token on connection c (inside the caller's unit of work). */
tz_error *pgs_named_insert(pg_store *s, pgs_conn *c, const tz_named_token_rec *r, const char *op);
/* Runs a "... SELECT count(*) FROM u" write statement; count 0 -> NOT_FOUND. */
tz_error *pgs_counted_write(pg_store *s, const char *op, const char *sql, int n,
                            const char *const *params);

/* sealed secrets (pg_secrets.c) */
tz_error *pgs_secrets_page(tz_store *s, tz_secret_kind kind, const tz_secret_row *after, size_t limit,
                           tz_secret_row **rows, size_t *n);
tz_error *pgs_secrets_replace(tz_store *s, const tz_secret_change *changes, size_t n, size_t *applied);
tz_error *pgs_temp_sealed_get(tz_store *s, const tz_subject *subject, const char *sealed_if_absent,
                              char **sealed, int64_t *generation);
tz_error *pgs_temp_sealed_bump(tz_store *s, const tz_subject *subject, const char *sealed);
tz_error *pgs_scrub(tz_store *s, tz_scrub_depth depth);

/* directory export for `store copy` (pg_dir_export.c) */
tz_error *pgs_dir_export(tz_store *s, tz_dir_section section, size_t limit, const char *cursor,
                         tz_dir_row **out, size_t *n, char **next);
tz_error *pgs_dir_import(tz_store *s, tz_dir_section section, const tz_dir_row *rows, size_t n);

/* 7. one read for authentication and the named token the operation reads (pg_tokens.c) */
tz_error *pgs_named_verify_state_and_get(tz_store *s, const char *id, tz_named_token_rec *out,
                                         bool *subject_exists, bool *subject_blocked,
                                         const char *other_id, tz_named_token_rec *other,
                                         bool *other_found);

/* verification reads with the username (pg_verify_user.c) */
tz_error *pgs_named_verify_user(tz_store *s, const char *id, tz_named_token_rec *out,
                                bool *subject_exists, bool *subject_blocked, char **username);
tz_error *pgs_temp_verify_user(tz_store *s, const tz_subject *subject,
                               char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                               bool *has_secret, bool *subject_exists, bool *subject_blocked,
                               char **username);

#endif
