/* The directory as the invite routes see it: every entity kind (groups, spaces, clusters,
 * harvesters, automation inventories, providers), creating harvesters and inventories, entity
 * privileges, and membership that is effective through nested groups.
 *
 * Relations live in the tables of migration 1 where those can hold them (users and groups in
 * groups' parents are not among them) and in dir_relations otherwise; the dir_all_* views of
 * migration 2 show them all as (child, parent) pairs. Effective membership walks up from the user
 * through groups only: a user in group G, G in group P, P in space S makes the user a member of
 * G, P and S with, in each, the privileges of the relation that reaches it. */
#include <stdlib.h>
#include <string.h>
#include "store/store_directory_internal.h"

/* Kinds kept in `entities` (migration 1) rather than `dir_entities`. */
static bool in_old_entities(tz_dir_kind k) {
    return k == TZ_DIR_GROUP || k == TZ_DIR_SPACE || k == TZ_DIR_CLUSTER;
}

/* ---------------- creating entities ---------------- */

static const char SQL_DIR_ENTITY_INSERT_OLD[] =
    "INSERT INTO entities (kind, id, name) VALUES (?1, ?2, ?3)";
static const char SQL_DIR_ENTITY_INSERT_NEW[] =
    "INSERT INTO dir_entities (kind, id, name) VALUES (?1, ?2, ?3)";
static const char SQL_DIR_USER_EXISTS[] = "SELECT 1 FROM users WHERE id = ?1";

tz_error *tzs_sq_dir_create(tz_store *s, tz_dir_kind kind, const char *id, const char *name,
                              const char *owner, const char *const *privs, size_t n) {
    const char *k = tz_dir_kind_word(kind);
    if (!k || kind == TZ_DIR_USER || kind == TZ_DIR_PROVIDER || kind == TZ_DIR_CLUSTER || !id ||
        !name || !owner || (n && !privs))
        return tzs_bad_arg(s, "dir_create", "kind, id, name, owner or privileges");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "dir_create");
    sqlite3_stmt *st;
    if (!err) err = tzs_stmt(s, c, SQL_DIR_USER_EXISTS, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE) err = tz_err_new(TZE_STORE_NOT_FOUND);
        else if (rc != SQLITE_ROW) err = tzs_fail(s, c->db, "dir_create", rc);
    }
    if (!err) err = tzs_stmt(s, c, in_old_entities(kind) ? SQL_DIR_ENTITY_INSERT_OLD
                                                          : SQL_DIR_ENTITY_INSERT_NEW, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        int rc = tzs_step_done(st);
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) err = tz_err_key(TZE_STORE_CONFLICT, "id");
        else if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, "dir_create", rc);
    }
    tz_dir_outcome outcome = TZ_DIR_DONE;
    if (!err) err = tzs_dir_insert_relation(s, c, TZ_DIR_USER, owner, kind, id, privs, n, 0, &outcome);
    if (!err && outcome != TZ_DIR_DONE) err = tz_err_new(TZE_STORE_NOT_FOUND);
    if (err) tzs_rollback(c);
    else err = tzs_commit(s, c, "dir_create");
    tzs_release(s, c);
    return err;
}

/* ---------------- names ---------------- */

static const char SQL_DIR_ENTITY_NAME[] = "SELECT name FROM dir_all_entities WHERE kind = ?1 AND id = ?2";
static const char SQL_DIR_PROVIDER_NAME[] = "SELECT name FROM providers WHERE id = ?2 AND ?1 = 'provider'";
static const char SQL_DIR_USER_NAME[] = "SELECT username FROM users WHERE id = ?2 AND ?1 = 'user'";

tz_error *tzs_sq_dir_entity_name(tz_store *s, tz_dir_kind kind, const char *id, char **name) {
    *name = NULL;
    const char *k = tz_dir_kind_word(kind);
    if (!k || !id) return tzs_bad_arg(s, "dir_entity_name", "kind and id");
    const char *sql = kind == TZ_DIR_PROVIDER ? SQL_DIR_PROVIDER_NAME
                      : kind == TZ_DIR_USER   ? SQL_DIR_USER_NAME
                                              : SQL_DIR_ENTITY_NAME;
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, sql, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) err = tz_err_new(TZE_STORE_NOT_FOUND);
        else if (rc != SQLITE_ROW) err = tzs_fail(s, c->db, "dir_entity_name", rc);
        else if (!tzs_col_dup(st, 0, name) || !*name) err = tz_err_new(TZE_INTERNAL);
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    return err;
}

/* ---------------- privileges ---------------- */

static const char SQL_DIR_REL_EXISTS[] =
    "SELECT 1 FROM dir_all_relations"
    " WHERE child_kind = ?1 AND child_id = ?2 AND parent_kind = ?3 AND parent_id = ?4";
static const char SQL_DIR_PRIV_ADD_USER[] =
    "INSERT OR IGNORE INTO user_member_privileges (user_id, kind, entity_id, privilege)"
    " VALUES (?2, ?3, ?4, ?5)";
static const char SQL_DIR_PRIV_DEL_USER[] =
    "DELETE FROM user_member_privileges"
    " WHERE user_id = ?2 AND kind = ?3 AND entity_id = ?4 AND privilege = ?5";
static const char SQL_DIR_PRIV_ADD_GROUP[] =
    "INSERT OR IGNORE INTO group_member_privileges (group_id, kind, entity_id, privilege)"
    " VALUES (?2, ?3, ?4, ?5)";
static const char SQL_DIR_PRIV_DEL_GROUP[] =
    "DELETE FROM group_member_privileges"
    " WHERE group_id = ?2 AND kind = ?3 AND entity_id = ?4 AND privilege = ?5";
static const char SQL_DIR_PRIV_ADD_NEW[] =
    "INSERT OR IGNORE INTO dir_relation_privileges"
    " (child_kind, child_id, parent_kind, parent_id, privilege) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_DIR_PRIV_DEL_NEW[] =
    "DELETE FROM dir_relation_privileges"
    " WHERE child_kind = ?1 AND child_id = ?2 AND parent_kind = ?3 AND parent_id = ?4"
    " AND privilege = ?5";

int tzs_dir_relation_table(tz_dir_kind child, tz_dir_kind parent) {
    if (child == TZ_DIR_USER) {
        if (in_old_entities(parent)) return 1;
        return parent == TZ_DIR_HARVESTER || parent == TZ_DIR_ATM_INVENTORY ? 4 : 0;
    }
    if (child == TZ_DIR_GROUP) {
        if (parent == TZ_DIR_SPACE || parent == TZ_DIR_CLUSTER) return 2;
        return parent == TZ_DIR_GROUP || parent == TZ_DIR_HARVESTER ||
                       parent == TZ_DIR_ATM_INVENTORY ? 4 : 0;
    }
    if (child == TZ_DIR_PROVIDER) return parent == TZ_DIR_SPACE ? 3 : 0;
    if (child == TZ_DIR_SPACE) return parent == TZ_DIR_HARVESTER ? 4 : 0;
    return 0;
}

/* Binds (child kind, child, parent kind, parent[, privilege]) as ?1..?5. */
static void bind_relation(sqlite3_stmt *st, tz_dir_kind ck, const char *cid, tz_dir_kind pk,
                          const char *pid, const char *priv) {
    sqlite3_bind_text(st, 1, tz_dir_kind_word(ck), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, cid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tz_dir_kind_word(pk), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, pid, -1, SQLITE_STATIC);
    if (priv) sqlite3_bind_text(st, 5, priv, -1, SQLITE_STATIC);
}

tz_error *tzs_dir_relation_exists(tz_store *s, tzs_conn *c, tz_dir_kind ck, const char *cid,
                                  tz_dir_kind pk, const char *pid, bool *out) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_DIR_REL_EXISTS, &st);
    if (err) return err;
    bind_relation(st, ck, cid, pk, pid, NULL);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    *out = rc == SQLITE_ROW;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? NULL : tzs_fail(s, c->db, "dir_relation", rc);
}

tz_error *tzs_dir_write_privileges(tz_store *s, tzs_conn *c, tz_dir_kind ck, const char *cid,
                                   tz_dir_kind pk, const char *pid, const char *const *privs,
                                   size_t n, bool grant) {
    const char *sql;
    switch (tzs_dir_relation_table(ck, pk)) {
    case 1: sql = grant ? SQL_DIR_PRIV_ADD_USER : SQL_DIR_PRIV_DEL_USER; break;
    case 2: sql = grant ? SQL_DIR_PRIV_ADD_GROUP : SQL_DIR_PRIV_DEL_GROUP; break;
    case 4: sql = grant ? SQL_DIR_PRIV_ADD_NEW : SQL_DIR_PRIV_DEL_NEW; break;
    default: return n ? tzs_bad_arg(s, "dir_privileges", "relation without privileges") : NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!privs[i]) return tzs_bad_arg(s, "dir_privileges", "privilege");
        sqlite3_stmt *st;
        tz_error *err = tzs_stmt(s, c, sql, &st);
        if (err) return err;
        bind_relation(st, ck, cid, pk, pid, privs[i]);
        int rc = tzs_step_done(st);
        if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "dir_privileges", rc);
    }
    return NULL;
}

tz_error *tzs_sq_dir_set_privileges(tz_store *s, tz_dir_kind parent_kind, const char *parent_id,
                                      tz_dir_kind child_kind, const char *child_id,
                                      const char *const *privs, size_t n, bool grant) {
    if (!tz_dir_kind_word(parent_kind) || !tz_dir_kind_word(child_kind) || !parent_id ||
        !child_id || (n && !privs))
        return tzs_bad_arg(s, "dir_set_privileges", "kinds, ids or privileges");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    bool exists = false;
    err = tzs_begin(s, c, "dir_set_privileges");
    if (!err) err = tzs_dir_relation_exists(s, c, child_kind, child_id, parent_kind, parent_id, &exists);
    if (!err && !exists) err = tz_err_new(TZE_STORE_NOT_FOUND);
    if (!err)
        err = tzs_dir_write_privileges(s, c, child_kind, child_id, parent_kind, parent_id, privs,
                                       n, grant);
    if (err) tzs_rollback(c);
    else err = tzs_commit(s, c, "dir_set_privileges");
    tzs_release(s, c);
    return err;
}

/* ---------------- effective membership ---------------- */

/* anc = the user and every group it effectively belongs to. */
#define SQL_ANCESTORS                                                                           \
    "WITH RECURSIVE anc(kind, id) AS ("                                                         \
    "  VALUES ('user', ?1)"                                                                     \
    "  UNION"                                                                                   \
    "  SELECT r.parent_kind, r.parent_id FROM dir_all_relations r JOIN anc"                     \
    "    ON r.child_kind = anc.kind AND r.child_id = anc.id WHERE r.parent_kind = 'group') "

static const char SQL_DIR_USER_IS_MEMBER[] =
    SQL_ANCESTORS
    "SELECT EXISTS (SELECT 1 FROM dir_all_relations r JOIN anc"
    "  ON r.child_kind = anc.kind AND r.child_id = anc.id"
    "  WHERE r.parent_kind = ?2 AND r.parent_id = ?3)";
static const char SQL_DIR_USER_HAS_PRIV[] =
    SQL_ANCESTORS
    "SELECT EXISTS (SELECT 1 FROM dir_all_privileges p JOIN anc"
    "  ON p.child_kind = anc.kind AND p.child_id = anc.id"
    "  WHERE p.parent_kind = ?2 AND p.parent_id = ?3 AND p.privilege = ?4)";

tz_error *tzs_sq_dir_user_has(tz_store *s, const char *user_id, tz_dir_kind kind,
                                const char *entity_id, const char *priv, bool *out) {
    *out = false;
    const char *k = tz_dir_kind_word(kind);
    if (!k || !user_id || !entity_id) return tzs_bad_arg(s, "dir_user_has", "kind, entity or user");
    const char *params[] = {user_id, k, entity_id, priv};
    bool found;
    int value;
    tz_error *err = tzs_query_row(s, priv ? SQL_DIR_USER_HAS_PRIV : SQL_DIR_USER_IS_MEMBER,
                                  "dir_user_has", params, priv ? 4 : 3, &found, &value);
    *out = !err && value != 0;
    return err;
}

/* ---------------- lists ---------------- */

static const char SQL_DIR_LIST_DIRECT[] =
    "SELECT parent_id FROM dir_all_relations"
    " WHERE child_kind = 'user' AND child_id = ?1 AND parent_kind = ?2 ORDER BY 1";
static const char SQL_DIR_LIST_EFFECTIVE[] =
    SQL_ANCESTORS
    "SELECT DISTINCT r.parent_id FROM dir_all_relations r JOIN anc"
    "  ON r.child_kind = anc.kind AND r.child_id = anc.id WHERE r.parent_kind = ?2 ORDER BY 1";
static const char SQL_DIR_LIST_PROVIDER_SPACES[] =
    "SELECT space_id FROM space_supports WHERE provider_id = ?1 AND ?2 IS NOT NULL ORDER BY 1";

tz_error *tzs_sq_dir_list(tz_store *s, tz_dir_list which, const char *id, tz_dir_kind kind,
                            char ***ids, size_t *n) {
    *ids = NULL;
    *n = 0;
    const char *k = tz_dir_kind_word(kind);
    const char *sql = which == TZ_DIR_LIST_USER_DIRECT      ? SQL_DIR_LIST_DIRECT
                      : which == TZ_DIR_LIST_USER_EFFECTIVE ? SQL_DIR_LIST_EFFECTIVE
                      : which == TZ_DIR_LIST_PROVIDER_SPACES ? SQL_DIR_LIST_PROVIDER_SPACES
                                                              : NULL;
    if (!sql || !id || !k) return tzs_bad_arg(s, "dir_list", "list, id or kind");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, sql, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
        err = tzs_collect_strings(s, c, st, "dir_list", ids, n);
    }
    tzs_release(s, c);
    return err;
}

static const char SQL_DIR_SPACE_SUPPORTS[] =
    "SELECT provider_id, coalesce(size, 0) FROM space_supports WHERE space_id = ?1 ORDER BY 1";

tz_error *tzs_sq_dir_space_supports(tz_store *s, const char *space_id, char ***pids,
                                      int64_t **sizes, size_t *n) {
    *pids = NULL;
    *sizes = NULL;
    *n = 0;
    if (!space_id) return tzs_bad_arg(s, "dir_space_supports", "space");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st = NULL;
    err = tzs_stmt(s, c, SQL_DIR_SPACE_SUPPORTS, &st);
    size_t cap = 0;
    if (!err) sqlite3_bind_text(st, 1, space_id, -1, SQLITE_STATIC);
    int rc = SQLITE_DONE;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t want = cap ? cap * 2 : 8;
            char **np = realloc(*pids, want * sizeof *np);
            if (np) *pids = np;
            int64_t *ns = np ? realloc(*sizes, want * sizeof *ns) : NULL;
            if (ns) *sizes = ns;
            if (!np || !ns) {
                err = tz_err_new(TZE_INTERNAL);
                break;
            }
            cap = want;
        }
        if (!tzs_col_dup(st, 0, &(*pids)[*n]) || !(*pids)[*n]) {
            err = tz_err_new(TZE_INTERNAL);
            break;
        }
        (*sizes)[*n] = sqlite3_column_int64(st, 1);
        (*n)++;
    }
    if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "dir_space_supports", rc);
    if (st) sqlite3_reset(st);
    tzs_release(s, c);
    if (err) {
        tz_strv_free(*pids, *n);
        free(*sizes);
        *pids = NULL;
        *sizes = NULL;
        *n = 0;
    }
    return err;
}
