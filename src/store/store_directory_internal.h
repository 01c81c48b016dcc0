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
 * child or parent -> TZE_NOT_FOUND; existing relation -> TZE_RELATION_ALREADY_EXISTS. */
tz_error *tzs_dir_insert_relation(tz_store *s, tzs_conn *c, tz_dir_kind ck, const char *cid,
                                  tz_dir_kind pk, const char *pid, const char *const *privs,
                                  size_t n, int64_t support_size);

#endif
