/* Groups, spaces and clusters: their existence, memberships with privileges, and space support.
 * Effective membership is one level deep: a user belongs to an entity directly or through
 * a group that is a member of it (groups are not nested). */
#include <stdlib.h>
#include <string.h>
#include "store/store_internal.h"

const char *tzs_kind_word(tz_entity_kind k) {
    switch (k) {
    case TZ_ENT_GROUP: return "group";
    case TZ_ENT_SPACE: return "space";
    case TZ_ENT_CLUSTER: return "cluster";
    }
    return NULL;
}

/* ---------------- groups, spaces, clusters ---------------- */

static const char SQL_ENTITY_INSERT[] = "INSERT INTO entities (kind, id, name) VALUES (?1, ?2, ?3)";
static const char SQL_ENTITY_NAME[] = "SELECT name FROM entities WHERE kind = ?1 AND id = ?2";

tz_error *tzs_insert_entity(tz_store *s, tzs_conn *c, tz_entity_kind kind, const char *id,
                            const char *name) {
    const char *k = tzs_kind_word(kind);
    if (!k || !id || !name) return tzs_bad_arg(s, "entity_create", "kind, id and name");
    if (kind == TZ_ENT_CLUSTER) return tzs_bad_arg(s, "entity_create", "clusters come with providers");
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_ENTITY_INSERT, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int rc = tzs_step_done(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return tz_err_key(TZE_STORE_CONFLICT, "id");
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "entity_create", rc);
    return NULL;
}

tz_error *tzs_sq_entity_create(tz_store *s, tz_entity_kind kind, const char *id,
                                 const char *name) {
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_insert_entity(s, c, kind, id, name);
    tzs_release(s, c);
    return err;
}

/* The entity's name into *name (when name is not NULL); *found says whether it exists. */
static tz_error *entity_lookup(tz_store *s, tz_entity_kind kind, const char *id, bool *found,
                               char **name) {
    const char *k = tzs_kind_word(kind);
    if (!k || !id) return tzs_bad_arg(s, "entity_lookup", "kind and id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_ENTITY_NAME, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        *found = rc == SQLITE_ROW;
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "entity_lookup", rc);
        else if (*found && name && (!tzs_col_dup(st, 0, name) || !*name))
            err = tz_err_new(TZE_INTERNAL);
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_entity_exists(tz_store *s, tz_entity_kind kind, const char *id, bool *out) {
    *out = false;
    return entity_lookup(s, kind, id, out, NULL);
}

tz_error *tzs_sq_entity_name(tz_store *s, tz_entity_kind kind, const char *id, char **name) {
    *name = NULL;
    bool found = false;
    tz_error *err = entity_lookup(s, kind, id, &found, name);
    if (!err && !found) err = tz_err_new(TZE_STORE_NOT_FOUND);
    return err;
}

/* ---------------- memberships ---------------- */

static const char SQL_USER_MEMBER_INSERT[] =
    "INSERT OR IGNORE INTO user_members (kind, entity_id, user_id) VALUES (?1, ?2, ?3)";
static const char SQL_USER_MEMBER_CLEAR_PRIVS[] =
    "DELETE FROM user_member_privileges WHERE kind = ?1 AND entity_id = ?2 AND user_id = ?3";
static const char SQL_USER_MEMBER_PRIV_INSERT[] =
    "INSERT OR IGNORE INTO user_member_privileges (kind, entity_id, user_id, privilege)"
    " VALUES (?1, ?2, ?3, ?4)";
static const char SQL_GROUP_MEMBER_INSERT[] =
    "INSERT OR IGNORE INTO group_members (kind, entity_id, group_id) VALUES (?1, ?2, ?3)";
static const char SQL_GROUP_MEMBER_CLEAR_PRIVS[] =
    "DELETE FROM group_member_privileges WHERE kind = ?1 AND entity_id = ?2 AND group_id = ?3";
static const char SQL_GROUP_MEMBER_PRIV_INSERT[] =
    "INSERT OR IGNORE INTO group_member_privileges (kind, entity_id, group_id, privilege)"
    " VALUES (?1, ?2, ?3, ?4)";

typedef struct member_sql {
    const char *insert, *clear_privs, *insert_priv, *op;
} member_sql;

static const member_sql USER_MEMBER = {SQL_USER_MEMBER_INSERT, SQL_USER_MEMBER_CLEAR_PRIVS,
                                       SQL_USER_MEMBER_PRIV_INSERT, "member_add_user"};
static const member_sql GROUP_MEMBER = {SQL_GROUP_MEMBER_INSERT, SQL_GROUP_MEMBER_CLEAR_PRIVS,
                                        SQL_GROUP_MEMBER_PRIV_INSERT, "member_add_group"};

/* Binds (kind, entity, member) as ?1..?3 of the cached statement `sql`. */
static tz_error *member_stmt(tz_store *s, tzs_conn *c, const char *sql, const char *k,
                             const char *entity_id, const char *member_id, sqlite3_stmt **st) {
    tz_error *err = tzs_stmt(s, c, sql, st);
    if (err) return err;
    sqlite3_bind_text(*st, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 2, entity_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 3, member_id, -1, SQLITE_STATIC);
    return NULL;
}

static tz_error *write_member(tz_store *s, tzs_conn *c, const member_sql *q, const char *k,
                              const char *entity_id, const char *member_id,
                              const char *const *privs, size_t n) {
    sqlite3_stmt *st;
    tz_error *err = member_stmt(s, c, q->insert, k, entity_id, member_id, &st);
    if (err) return err;
    int rc = tzs_step_done(st);
    /* the entity or the member does not exist */
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return tz_err_new(TZE_STORE_NOT_FOUND);
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, q->op, rc);
    err = member_stmt(s, c, q->clear_privs, k, entity_id, member_id, &st);
    if (err) return err;
    rc = tzs_step_done(st);
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, q->op, rc);
    for (size_t i = 0; i < n; i++) {
        if (!privs[i]) return tzs_bad_arg(s, q->op, "privilege");
        err = member_stmt(s, c, q->insert_priv, k, entity_id, member_id, &st);
        if (err) return err;
        sqlite3_bind_text(st, 4, privs[i], -1, SQLITE_STATIC);
        rc = tzs_step_done(st);
        if (rc != SQLITE_DONE) return tzs_fail(s, c->db, q->op, rc);
    }
    return NULL;
}

static tz_error *add_member(tz_store *s, const member_sql *q, const char *k,
                            const char *entity_id, const char *member_id,
                            const char *const *privs, size_t n) {
    if (!k || !entity_id || !member_id || (n && !privs))
        return tzs_bad_arg(s, q->op, "kind, entity, member or privileges");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, q->op);
    if (!err) {
        err = write_member(s, c, q, k, entity_id, member_id, privs, n);
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, q->op);
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_write_user_member(tz_store *s, tzs_conn *c, tz_entity_kind kind, const char *entity_id,
                                const char *user_id, const char *const *privs, size_t n) {
    const char *k = tzs_kind_word(kind);
    if (!k || !entity_id || !user_id || (n && !privs))
        return tzs_bad_arg(s, USER_MEMBER.op, "kind, entity, member or privileges");
    return write_member(s, c, &USER_MEMBER, k, entity_id, user_id, privs, n);
}

tz_error *tzs_sq_member_add_user(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                   const char *user_id, const char *const *privs, size_t n) {
    return add_member(s, &USER_MEMBER, tzs_kind_word(kind), entity_id, user_id, privs, n);
}

tz_error *tzs_sq_member_add_group(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                    const char *group_id, const char *const *privs, size_t n) {
    /* Groups join spaces (and clusters); nested groups are not modelled. */
    if (kind == TZ_ENT_GROUP) return tzs_bad_arg(s, "member_add_group", "groups do not nest");
    return add_member(s, &GROUP_MEMBER, tzs_kind_word(kind), entity_id, group_id, privs, n);
}

static const char SQL_USER_IS_MEMBER[] =
    "SELECT EXISTS (SELECT 1 FROM user_members"
    "               WHERE kind = ?1 AND entity_id = ?2 AND user_id = ?3)"
    "    OR EXISTS (SELECT 1 FROM group_members gm JOIN user_members gu"
    "               ON gu.kind = 'group' AND gu.entity_id = gm.group_id AND gu.user_id = ?3"
    "               WHERE gm.kind = ?1 AND gm.entity_id = ?2)";
static const char SQL_USER_HAS_PRIVILEGE[] =
    "SELECT EXISTS (SELECT 1 FROM user_member_privileges"
    "               WHERE kind = ?1 AND entity_id = ?2 AND user_id = ?3 AND privilege = ?4)"
    "    OR EXISTS (SELECT 1 FROM group_member_privileges gp JOIN user_members gu"
    "               ON gu.kind = 'group' AND gu.entity_id = gp.group_id AND gu.user_id = ?3"
    "               WHERE gp.kind = ?1 AND gp.entity_id = ?2 AND gp.privilege = ?4)";

/* Runs a SELECT EXISTS(...) query bound as (kind, entity, user[, priv]) into *out. */
static tz_error *exists_query(tz_store *s, const char *sql, const char *op, const char *k,
                              const char *entity_id, const char *user_id, const char *priv,
                              bool *out) {
    *out = false;
    if (!k || !entity_id || !user_id) return tzs_bad_arg(s, op, "kind, entity or user");
    const char *params[] = {k, entity_id, user_id, priv};
    bool found;
    int value;
    tz_error *err = tzs_query_row(s, sql, op, params, priv ? 4 : 3, &found, &value);
    *out = !err && value != 0;
    return err;
}

tz_error *tzs_sq_user_is_member(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                  const char *user_id, bool *out) {
    return exists_query(s, SQL_USER_IS_MEMBER, "user_is_member", tzs_kind_word(kind), entity_id,
                        user_id, NULL, out);
}

tz_error *tzs_sq_user_has_privilege(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                      const char *user_id, const char *priv, bool *out) {
    if (!priv) {
        *out = false;
        return tzs_bad_arg(s, "user_has_privilege", "privilege");
    }
    return exists_query(s, SQL_USER_HAS_PRIVILEGE, "user_has_privilege", tzs_kind_word(kind),
                        entity_id, user_id, priv, out);
}

/* ---------------- space support ---------------- */

static const char SQL_SUPPORT_INSERT[] =
    "INSERT OR IGNORE INTO space_supports (space_id, provider_id) VALUES (?1, ?2)";
static const char SQL_PROVIDER_SUPPORTS_USER[] =
    "SELECT EXISTS (SELECT 1 FROM space_supports sp WHERE sp.provider_id = ?1 AND ("
    "  EXISTS (SELECT 1 FROM user_members um"
    "          WHERE um.kind = 'space' AND um.entity_id = sp.space_id AND um.user_id = ?2)"
    "  OR EXISTS (SELECT 1 FROM group_members gm JOIN user_members gu"
    "          ON gu.kind = 'group' AND gu.entity_id = gm.group_id AND gu.user_id = ?2"
    "          WHERE gm.kind = 'space' AND gm.entity_id = sp.space_id)))";
static const char SQL_USER_SPACES[] =
    "SELECT entity_id FROM user_members WHERE user_id = ?1 AND kind = 'space'"
    " UNION"
    " SELECT gm.entity_id FROM user_members gu JOIN group_members gm"
    "   ON gm.group_kind = 'group' AND gm.group_id = gu.entity_id AND gm.kind = 'space'"
    " WHERE gu.user_id = ?1 AND gu.kind = 'group'"
    " ORDER BY 1";
static const char SQL_SPACE_PROVIDERS[] =
    "SELECT provider_id FROM space_supports WHERE space_id = ?1 ORDER BY provider_id";

tz_error *tzs_sq_space_add_support(tz_store *s, const char *space_id, const char *provider_id) {
    if (!space_id || !provider_id) return tzs_bad_arg(s, "space_add_support", "space or provider");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    int rc = tzs_run(s, c, SQL_SUPPORT_INSERT, space_id, provider_id, &err);
    if (!err && rc == SQLITE_CONSTRAINT_FOREIGNKEY) err = tz_err_new(TZE_STORE_NOT_FOUND);
    else if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "space_add_support", rc);
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_provider_supports_user(tz_store *s, const char *provider_id,
                                          const char *user_id, bool *out) {
    *out = false;
    if (!provider_id || !user_id)
        return tzs_bad_arg(s, "provider_supports_user", "provider or user");
    const char *params[] = {provider_id, user_id};
    bool found;
    int value;
    tz_error *err = tzs_query_row(s, SQL_PROVIDER_SUPPORTS_USER, "provider_supports_user", params, 2,
                                  &found, &value);
    *out = !err && value != 0;
    return err;
}

static tz_error *list_by_key(tz_store *s, const char *sql, const char *op, const char *key,
                             char ***ids, size_t *n) {
    *ids = NULL;
    *n = 0;
    if (!key) return tzs_bad_arg(s, op, "id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, sql, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        err = tzs_collect_strings(s, c, st, op, ids, n);
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_user_spaces(tz_store *s, const char *user_id, char ***ids, size_t *n) {
    return list_by_key(s, SQL_USER_SPACES, "user_spaces", user_id, ids, n);
}

tz_error *tzs_sq_space_providers(tz_store *s, const char *space_id, char ***ids, size_t *n) {
    return list_by_key(s, SQL_SPACE_PROVIDERS, "space_providers", space_id, ids, n);
}
