/* Helpers shared by store_directory.c and store_invites.c, for use inside a transaction on a
 * connection the caller holds. Nothing here leaves src/store. */
#ifndef TZ_STORE_DIRECTORY_INTERNAL_H
#define TZ_STORE_DIRECTORY_INTERNAL_H
#include "store/store_internal.h"

/* Which table holds the relation child -> parent: 1 user_members, 2 group_members,
 * 3 space_supports, 4 dir_relations; 0 = tokenzone has no such relation. */
int tzs_dir_relation_table(tz_dir_kind child, tz_dir_kind parent);
/* Does the direct relation child -> parent exist? */
tz_error *tzs_dir_relation_exists(tz_store *s, tzs_conn *c, tz_dir_kind ck, const char *cid,
                                  tz_dir_kind pk, const char *pid, bool *out);
/* Adds (grant) or removes privileges of an existing relation. */
tz_error *tzs_dir_write_privileges(tz_store *s, tzs_conn *c, tz_dir_kind ck, const char *cid,
                                   tz_dir_kind pk, const char *pid, const char *const *privs,
                                   size_t n, bool grant);
/* Inserts the relation child -> parent with privileges (support_size for supports). Missing
 * child or parent -> *outcome TZ_DIR_MISSING, existing relation -> TZ_DIR_EXISTS (nothing
 * written); TZ_DIR_DONE when written. */
tz_error *tzs_dir_insert_relation(tz_store *s, tzs_conn *c, tz_dir_kind ck, const char *cid,
                                  tz_dir_kind pk, const char *pid, const char *const *privs,
                                  size_t n, int64_t support_size, tz_dir_outcome *outcome);

/* The SQLite implementations of the directory operations (store_directory.c, store_invites.c),
 * referenced by store_sqlite_ops.c. Contracts in store.h. */
tz_error *tzs_sq_dir_create(tz_store *s, tz_dir_kind kind, const char *id, const char *name,
                            const char *owner, const char *const *privs, size_t n);
tz_error *tzs_sq_dir_entity_name(tz_store *s, tz_dir_kind kind, const char *id, char **name);
tz_error *tzs_sq_dir_set_privileges(tz_store *s, tz_dir_kind parent_kind, const char *parent_id,
                                    tz_dir_kind child_kind, const char *child_id,
                                    const char *const *privs, size_t n, bool grant);
tz_error *tzs_sq_dir_user_has(tz_store *s, const char *user_id, tz_dir_kind kind,
                              const char *entity_id, const char *priv, bool *out);
tz_error *tzs_sq_dir_list(tz_store *s, tz_dir_list which, const char *id, tz_dir_kind kind,
                          char ***ids, size_t *n);
tz_error *tzs_sq_dir_space_supports(tz_store *s, const char *space_id, char ***pids,
                                    int64_t **sizes, size_t *n);
tz_error *tzs_sq_dir_join(tz_store *s, const tz_dir_join *j, tz_dir_outcome *outcome);
tz_error *tzs_sq_provider_register_invited(tz_store *s, const tz_provider_rec *p,
                                           const char *subdomain, const char *admin_email,
                                           const char *admin_user,
                                           const char *const *admin_privs, size_t n_admin_privs,
                                           const tz_named_token_rec *root, const char *invite_id,
                                           tz_dir_outcome *outcome);

#endif
