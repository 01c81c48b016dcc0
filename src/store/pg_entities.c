/* PostgreSQL store: groups, spaces and clusters, memberships with privileges, space support.
 * Effective membership is one level deep, as in the SQLite store: directly, or through a group
 * that is a member. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_internal.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

static const char *kind_word(tz_entity_kind k) {
    switch (k) {
    case TZ_ENT_GROUP: return "group";
    case TZ_ENT_SPACE: return "space";
    case TZ_ENT_CLUSTER: return "cluster";
    }
    return NULL;
}

static const char SQL_ENTITY_INSERT[] = "INSERT INTO entities (kind, id, name) VALUES ($1, $2, $3)";
static const char SQL_ENTITY_NAME[] = "SELECT name FROM entities WHERE kind = $1 AND id = $2";
static const char SQL_ENTITY_PAGE[] =
    "SELECT id, CASE WHEN kind = 'cluster' THEN NULL ELSE name END FROM entities"
    " WHERE kind = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3::bigint";

tz_error *pgs_entity_create(tz_store *ts, tz_entity_kind kind, const char *id, const char *name) {
    pg_store *s = (pg_store *)ts;
    const char *k = kind_word(kind);
    if (!k || !id || !name) return pgs_bad_arg(s, "entity_create", "kind, id and name");
    if (kind == TZ_ENT_CLUSTER) return pgs_bad_arg(s, "entity_create", "clusters come with providers");
    const char *params[] = {k, id, name};
    return pgs_query(s, "entity_create", PGS_WRITE1, SQL_ENTITY_INSERT, 3, params, NULL, NULL);
}

static tz_error *entity_lookup(pg_store *s, tz_entity_kind kind, const char *id, bool *found,
                               char **name) {
    const char *k = kind_word(kind);
    if (!k || !id) return pgs_bad_arg(s, "entity_lookup", "kind and id");
    const char *params[] = {k, id};
    PGresult *r;
    tz_error *err = pgs_query(s, "entity_lookup", PGS_READ, SQL_ENTITY_NAME, 2, params, &r, NULL);
    if (err) return err;
    *found = PQntuples(r) > 0;
    if (*found && name && (!pgs_dup(r, 0, 0, name) || !*name)) err = tz_err_new(TZE_INTERNAL);
    PQclear(r);
    return err;
}

tz_error *pgs_entity_exists(tz_store *ts, tz_entity_kind kind, const char *id, bool *out) {
    *out = false;
    return entity_lookup((pg_store *)ts, kind, id, out, NULL);
}

tz_error *pgs_entity_name(tz_store *ts, tz_entity_kind kind, const char *id, char **name) {
    *name = NULL;
    bool found = false;
    tz_error *err = entity_lookup((pg_store *)ts, kind, id, &found, name);
    if (!err && !found) err = tz_err_new(TZE_STORE_NOT_FOUND);
    return err;
}

tz_error *pgs_entity_list(tz_store *ts, tz_entity_kind kind, size_t limit, const char *cursor,
                          tz_entity_rec **out, size_t *n, char **next) {
    pg_store *s = (pg_store *)ts;
    *out = NULL;
    *n = 0;
    *next = NULL;
    const char *k = kind_word(kind);
    if (!k) return pgs_bad_arg(s, "entity_list", "kind");
    char *key[1];
    size_t lim;
    tz_error *err = pgs_page_start(s, "entity_list", limit, cursor, key, 1, &lim);
    if (err) return err;
    char lim_text[24];
    pgs_limit_param(lim, lim_text);
    const char *params[] = {k, key[0], lim_text};
    PGresult *r;
    err = pgs_query(s, "entity_list", PGS_READ, SQL_ENTITY_PAGE, 3, params, &r, NULL);
    tzs_cursor_parts_free(key, 1);
    if (err) return err;
    size_t rows = (size_t)PQntuples(r);
    if (rows > lim) rows = lim;
    tz_entity_rec *recs = rows ? calloc(rows, sizeof *recs) : NULL;
    if (rows && !recs) err = tz_err_new(TZE_INTERNAL);
    size_t count = 0;
    for (; !err && count < rows; count++)
        if (!pgs_dup(r, (int)count, 0, &recs[count].id) ||
            !pgs_dup(r, (int)count, 1, &recs[count].name))
            err = tz_err_new(TZE_INTERNAL);
    static const int cols[] = {0};
    if (!err && !pgs_page_next(r, lim, cols, 1, next)) err = tz_err_new(TZE_INTERNAL);
    PQclear(r);
    if (err) {
        tz_entity_recs_free(recs, count);
        return err;
    }
    *out = recs;
    *n = rows;
    return NULL;
}

/* ---------------- memberships ---------------- */

static const char SQL_USER_MEMBER_INSERT[] =
    "INSERT INTO user_members (kind, entity_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
static const char SQL_USER_MEMBER_CLEAR[] =
    "DELETE FROM user_member_privileges WHERE kind = $1 AND entity_id = $2 AND user_id = $3";
static const char SQL_USER_MEMBER_PRIVS[] =
    "INSERT INTO user_member_privileges (kind, entity_id, user_id, privilege)"
    " SELECT $1, $2, $3, p FROM unnest($4::text[]) p ON CONFLICT DO NOTHING";
static const char SQL_GROUP_MEMBER_INSERT[] =
    "INSERT INTO group_members (kind, entity_id, group_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
static const char SQL_GROUP_MEMBER_CLEAR[] =
    "DELETE FROM group_member_privileges WHERE kind = $1 AND entity_id = $2 AND group_id = $3";
static const char SQL_GROUP_MEMBER_PRIVS[] =
    "INSERT INTO group_member_privileges (kind, entity_id, group_id, privilege)"
    " SELECT $1, $2, $3, p FROM unnest($4::text[]) p ON CONFLICT DO NOTHING";

typedef struct member_write {
    const char *insert, *clear, *privs_sql, *op;
    const char *params[4];  /* kind, entity, member, privileges text[] */
} member_write;

static tz_error *member_work(pg_store *s, pgs_conn *c, void *ctx) {
    member_write *w = ctx;
    /* a missing entity or member fails a foreign key: NOT_FOUND */
    tz_error *err = pgs_run(s, c, w->op, w->insert, 3, w->params, NULL);
    if (!err) err = pgs_run(s, c, w->op, w->clear, 3, w->params, NULL);
    if (!err) err = pgs_run(s, c, w->op, w->privs_sql, 4, w->params, NULL);
    return err;
}

static tz_error *add_member(pg_store *s, member_write *w, const char *k, const char *entity_id,
                            const char *member_id, const char *const *privs, size_t n) {
    if (!k || !entity_id || !member_id || (n && !privs))
        return pgs_bad_arg(s, w->op, "kind, entity, member or privileges");
    for (size_t i = 0; i < n; i++)
        if (!privs[i]) return pgs_bad_arg(s, w->op, "privilege");
    char *arr = pgs_text_array(privs, n);
    if (!arr) return tz_err_new(TZE_INTERNAL);
    w->params[0] = k;
    w->params[1] = entity_id;
    w->params[2] = member_id;
    w->params[3] = arr;
    tz_error *err = pgs_run_work(s, w->op, PGS_TX, member_work, w);
    free(arr);
    return err;
}

tz_error *pgs_member_add_user(tz_store *ts, tz_entity_kind kind, const char *entity_id,
                              const char *user_id, const char *const *privs, size_t n) {
    member_write w = {SQL_USER_MEMBER_INSERT, SQL_USER_MEMBER_CLEAR, SQL_USER_MEMBER_PRIVS,
                      "member_add_user", {NULL}};
    return add_member((pg_store *)ts, &w, kind_word(kind), entity_id, user_id, privs, n);
}

tz_error *pgs_member_add_group(tz_store *ts, tz_entity_kind kind, const char *entity_id,
                               const char *group_id, const char *const *privs, size_t n) {
    pg_store *s = (pg_store *)ts;
    if (kind == TZ_ENT_GROUP) return pgs_bad_arg(s, "member_add_group", "nested groups");
    member_write w = {SQL_GROUP_MEMBER_INSERT, SQL_GROUP_MEMBER_CLEAR, SQL_GROUP_MEMBER_PRIVS,
                      "member_add_group", {NULL}};
    return add_member(s, &w, kind_word(kind), entity_id, group_id, privs, n);
}

static const char SQL_MEMBER_PAGE[] =
    "SELECT mk, id, privs FROM ("
    "  SELECT 0 AS mk, um.user_id AS id,"
    "    (SELECT coalesce(json_agg(p.privilege ORDER BY p.privilege), '[]')"
    "     FROM user_member_privileges p WHERE p.kind = um.kind AND p.entity_id = um.entity_id"
    "     AND p.user_id = um.user_id) AS privs"
    "  FROM user_members um WHERE um.kind = $1 AND um.entity_id = $2"
    "  UNION ALL"
    "  SELECT 1, gm.group_id,"
    "    (SELECT coalesce(json_agg(p.privilege ORDER BY p.privilege), '[]')"
    "     FROM group_member_privileges p WHERE p.kind = gm.kind AND p.entity_id = gm.entity_id"
    "     AND p.group_id = gm.group_id)"
    "  FROM group_members gm WHERE gm.kind = $1 AND gm.entity_id = $2) m"
    " WHERE $3::integer IS NULL OR (mk, id) > ($3::integer, $4::text)"
    " ORDER BY mk, id LIMIT $5::bigint";

tz_error *pgs_member_list(tz_store *ts, tz_entity_kind kind, const char *entity_id, size_t limit,
                          const char *cursor, tz_member_rec **out, size_t *n, char **next) {
    pg_store *s = (pg_store *)ts;
    *out = NULL;
    *n = 0;
    *next = NULL;
    const char *k = kind_word(kind);
    if (!k || !entity_id) return pgs_bad_arg(s, "member_list", "kind and entity");
    char *key[2];
    size_t lim;
    tz_error *err = pgs_page_start(s, "member_list", limit, cursor, key, 2, &lim);
    if (err) return err;
    if (key[0] && strcmp(key[0], "0") && strcmp(key[0], "1")) {
        tzs_cursor_parts_free(key, 2);
        return pgs_bad_arg(s, "member_list", "cursor");
    }
    char lim_text[24];
    pgs_limit_param(lim, lim_text);
    const char *params[] = {k, entity_id, key[0], key[1], lim_text};
    PGresult *r;
    err = pgs_query(s, "member_list", PGS_READ, SQL_MEMBER_PAGE, 5, params, &r, NULL);
    tzs_cursor_parts_free(key, 2);
    if (err) return err;
    size_t rows = (size_t)PQntuples(r);
    if (rows > lim) rows = lim;
    tz_member_rec *recs = rows ? calloc(rows, sizeof *recs) : NULL;
    if (rows && !recs) err = tz_err_new(TZE_INTERNAL);
    size_t count = 0;
    for (; !err && count < rows; count++) {
        tz_member_rec *m = &recs[count];
        m->kind = pgs_int(r, (int)count, 0) == 0 ? TZ_MEMBER_USER : TZ_MEMBER_GROUP;
        if (!pgs_dup(r, (int)count, 1, &m->id) || !m->id ||
            !pgs_json_strings(PQgetvalue(r, (int)count, 2), &m->privileges, &m->n_privileges))
            err = tz_err_new(TZE_INTERNAL);
    }
    static const int cols[] = {0, 1};
    if (!err && !pgs_page_next(r, lim, cols, 2, next)) err = tz_err_new(TZE_INTERNAL);
    PQclear(r);
    if (err) {
        tz_member_recs_free(recs, count);
        return err;
    }
    *out = recs;
    *n = rows;
    return NULL;
}

static const char SQL_USER_IS_MEMBER[] =
    "SELECT EXISTS (SELECT 1 FROM user_members"
    "               WHERE kind = $1 AND entity_id = $2 AND user_id = $3)"
    "    OR EXISTS (SELECT 1 FROM group_members gm JOIN user_members gu"
    "               ON gu.kind = 'group' AND gu.entity_id = gm.group_id AND gu.user_id = $3"
    "               WHERE gm.kind = $1 AND gm.entity_id = $2)";
static const char SQL_USER_HAS_PRIVILEGE[] =
    "SELECT EXISTS (SELECT 1 FROM user_member_privileges"
    "               WHERE kind = $1 AND entity_id = $2 AND user_id = $3 AND privilege = $4)"
    "    OR EXISTS (SELECT 1 FROM group_member_privileges gp JOIN user_members gu"
    "               ON gu.kind = 'group' AND gu.entity_id = gp.group_id AND gu.user_id = $3"
    "               WHERE gp.kind = $1 AND gp.entity_id = $2 AND gp.privilege = $4)";
static const char SQL_SUPPORT_INSERT[] =
    "INSERT INTO space_supports (space_id, provider_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
static const char SQL_PROVIDER_SUPPORTS_USER[] =
    "SELECT EXISTS (SELECT 1 FROM space_supports sp WHERE sp.provider_id = $1 AND ("
    "  EXISTS (SELECT 1 FROM user_members um"
    "          WHERE um.kind = 'space' AND um.entity_id = sp.space_id AND um.user_id = $2)"
    "  OR EXISTS (SELECT 1 FROM group_members gm JOIN user_members gu"
    "          ON gu.kind = 'group' AND gu.entity_id = gm.group_id AND gu.user_id = $2"
    "          WHERE gm.kind = 'space' AND gm.entity_id = sp.space_id)))";
static const char SQL_USER_SPACES[] =
    "SELECT entity_id FROM user_members WHERE user_id = $1 AND kind = 'space'"
    " UNION"
    " SELECT gm.entity_id FROM user_members gu JOIN group_members gm"
    "   ON gm.group_kind = 'group' AND gm.group_id = gu.entity_id AND gm.kind = 'space'"
    " WHERE gu.user_id = $1 AND gu.kind = 'group'"
    " ORDER BY 1";
static const char SQL_SPACE_PROVIDERS[] =
    "SELECT provider_id FROM space_supports WHERE space_id = $1 ORDER BY provider_id";

/* A SELECT EXISTS(...) read into *out. */
static tz_error *exists_query(pg_store *s, const char *op, const char *sql, int n,
                              const char *const *params, bool *out) {
    *out = false;
    for (int i = 0; i < n; i++)
        if (!params[i]) return pgs_bad_arg(s, op, "kind, entity, user or privilege");
    PGresult *r;
    tz_error *err = pgs_query(s, op, PGS_READ, sql, n, params, &r, NULL);
    if (err) return err;
    *out = PQntuples(r) == 1 && pgs_bool(r, 0, 0);
    PQclear(r);
    return NULL;
}

tz_error *pgs_user_is_member(tz_store *ts, tz_entity_kind kind, const char *entity_id,
                             const char *user_id, bool *out) {
    const char *params[] = {kind_word(kind), entity_id, user_id};
    return exists_query((pg_store *)ts, "user_is_member", SQL_USER_IS_MEMBER, 3, params, out);
}

tz_error *pgs_user_has_privilege(tz_store *ts, tz_entity_kind kind, const char *entity_id,
                                 const char *user_id, const char *priv, bool *out) {
    const char *params[] = {kind_word(kind), entity_id, user_id, priv};
    return exists_query((pg_store *)ts, "user_has_privilege", SQL_USER_HAS_PRIVILEGE, 4, params,
                        out);
}

tz_error *pgs_space_add_support(tz_store *ts, const char *space_id, const char *provider_id) {
    pg_store *s = (pg_store *)ts;
    if (!space_id || !provider_id) return pgs_bad_arg(s, "space_add_support", "space or provider");
    const char *params[] = {space_id, provider_id};
    /* a missing space or provider fails a foreign key: NOT_FOUND */
    return pgs_query(s, "space_add_support", PGS_WRITE1, SQL_SUPPORT_INSERT, 2, params, NULL, NULL);
}

tz_error *pgs_provider_supports_user(tz_store *ts, const char *provider_id, const char *user_id,
                                     bool *out) {
    const char *params[] = {provider_id, user_id};
    return exists_query((pg_store *)ts, "provider_supports_user", SQL_PROVIDER_SUPPORTS_USER, 2,
                        params, out);
}

static tz_error *list_by_key(pg_store *s, const char *op, const char *sql, const char *key,
                             char ***ids, size_t *n) {
    *ids = NULL;
    *n = 0;
    if (!key) return pgs_bad_arg(s, op, "id");
    const char *params[] = {key};
    PGresult *r;
    tz_error *err = pgs_query(s, op, PGS_READ, sql, 1, params, &r, NULL);
    if (err) return err;
    err = pgs_strings(r, ids, n);
    PQclear(r);
    return err;
}

tz_error *pgs_user_spaces(tz_store *ts, const char *user_id, char ***ids, size_t *n) {
    return list_by_key((pg_store *)ts, "user_spaces", SQL_USER_SPACES, user_id, ids, n);
}

tz_error *pgs_space_providers(tz_store *ts, const char *space_id, char ***ids, size_t *n) {
    return list_by_key((pg_store *)ts, "space_providers", SQL_SPACE_PROVIDERS, space_id, ids, n);
}

typedef struct owned_write {
    member_write member;
    const char *name;
} owned_write;

static tz_error *owned_work(pg_store *s, pgs_conn *c, void *ctx) {
    owned_write *w = ctx;
    const char *ep[] = {w->member.params[0], w->member.params[1], w->name};
    tz_error *err = pgs_run(s, c, w->member.op, SQL_ENTITY_INSERT, 3, ep, NULL);
    /* an unknown owner fails the membership's foreign key: NOT_FOUND, all rolled back */
    if (!err) err = member_work(s, c, &w->member);
    return err;
}

tz_error *pgs_entity_create_owned(tz_store *ts, tz_entity_kind kind, const char *id,
                                  const char *name, const char *owner_user_id,
                                  const char *const *privs, size_t n) {
    pg_store *s = (pg_store *)ts;
    const char *k = kind_word(kind);
    if (!k || !id || !name || !owner_user_id || (n && !privs))
        return pgs_bad_arg(s, "entity_create_owned", "kind, id, name, owner or privileges");
    if (kind == TZ_ENT_CLUSTER)
        return pgs_bad_arg(s, "entity_create_owned", "clusters come with providers");
    for (size_t i = 0; i < n; i++)
        if (!privs[i]) return pgs_bad_arg(s, "entity_create_owned", "privilege");
    char *arr = pgs_text_array(privs, n);
    if (!arr) return tz_err_new(TZE_INTERNAL);
    owned_write w = {{SQL_USER_MEMBER_INSERT, SQL_USER_MEMBER_CLEAR, SQL_USER_MEMBER_PRIVS,
                      "entity_create_owned", {k, id, owner_user_id, arr}},
                     name};
    tz_error *err = pgs_run_work(s, "entity_create_owned", PGS_TX, owned_work, &w);
    free(arr);
    return err;
}
