/* Helpers shared by pg_directory.c and pg_invites.c (the PostgreSQL directory), for use inside a
 * unit of work on a connection the caller holds, and the directory ops themselves. Nothing here
 * leaves src/store. */
#ifndef TZ_STORE_PG_DIRECTORY_H
#define TZ_STORE_PG_DIRECTORY_H
#include "store/pg_internal.h"

/* anc = the user $1 and every group it effectively belongs to (UNION: a cycle ends the walk). */
#define PGS_DIR_ANCESTORS                                                                       \
    "WITH RECURSIVE anc(kind, id) AS ("                                                         \
    "  VALUES ('user'::text, $1::text)"                                                         \
    "  UNION"                                                                                   \
    "  SELECT r.parent_kind, r.parent_id FROM dir_all_relations r JOIN anc"                     \
    "    ON r.child_kind = anc.kind AND r.child_id = anc.id WHERE r.parent_kind = 'group') "

/* Which table holds the relation child -> parent: 1 user_members, 2 group_members,
 * 3 space_supports, 4 dir_relations; 0 = no such relation. Backend-neutral (store_directory.c). */
int tzs_dir_relation_table(tz_dir_kind child, tz_dir_kind parent);

/* Does the direct relation child -> parent exist? */
tz_error *pgs_dir_relation_exists(pg_store *s, pgs_conn *c, tz_dir_kind ck, const char *cid,
                                  tz_dir_kind pk, const char *pid, bool *out);
/* Adds (grant) or removes the privileges `privs` (a text[] literal) of an existing relation. */
tz_error *pgs_dir_write_privileges(pg_store *s, pgs_conn *c, tz_dir_kind ck, const char *cid,
                                   tz_dir_kind pk, const char *pid, const char *privs, bool grant);
/* Inserts the relation child -> parent with privileges `privs` (text[] literal; support_size for
 * supports). Missing child or parent -> *outcome TZ_DIR_MISSING, existing relation (also one a
 * concurrent transaction just inserted) -> TZ_DIR_EXISTS, nothing written; TZ_DIR_DONE when
 * written. (pg_invites.c) */
tz_error *pgs_dir_insert_relation(pg_store *s, pgs_conn *c, tz_dir_kind ck, const char *cid,
                                  tz_dir_kind pk, const char *pid, const char *privs,
                                  int64_t support_size, tz_dir_outcome *outcome);

tz_error *pgs_dir_create(tz_store *s, tz_dir_kind kind, const char *id, const char *name,
                         const char *owner, const char *const *privs, size_t n);
tz_error *pgs_dir_entity_name(tz_store *s, tz_dir_kind kind, const char *id, char **name);
tz_error *pgs_dir_set_privileges(tz_store *s, tz_dir_kind parent_kind, const char *parent_id,
                                 tz_dir_kind child_kind, const char *child_id,
                                 const char *const *privs, size_t n, bool grant);
tz_error *pgs_dir_user_has(tz_store *s, const char *user_id, tz_dir_kind kind,
                           const char *entity_id, const char *priv, bool *out);
tz_error *pgs_dir_list(tz_store *s, tz_dir_list which, const char *id, tz_dir_kind kind,
                       char ***ids, size_t *n);
tz_error *pgs_dir_space_supports(tz_store *s, const char *space_id, char ***pids,
                                 int64_t **sizes, size_t *n);
tz_error *pgs_dir_join(tz_store *s, const tz_dir_join *j, tz_dir_outcome *outcome);
tz_error *pgs_provider_register_invited(tz_store *s, const tz_provider_rec *p,
                                        const char *subdomain, const char *admin_email,
                                        const char *admin_user, const char *const *admin_privs,
                                        size_t n_admin_privs, const tz_named_token_rec *root,
                                        const char *invite_id, tz_dir_outcome *outcome);

#endif
