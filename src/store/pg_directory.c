/* PostgreSQL store: the directory (store.h "directory"), as store_directory.c for SQLite: every
 * entity kind, creating groups, spaces, harvesters and inventories with their owner, entity
 * privileges, and membership that is effective through nested groups (a recursive CTE over the
 * dir_all_* views of migration 3; UNION ends the walk on a cycle). Lists are sorted bytewise
 * (COLLATE "C"), as SQLite sorts them. Relation writes used by joins live in pg_invites.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_directory.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

/* ---------------- creating entities ---------------- */

static const char SQL_DIR_USER_EXISTS[] = "SELECT 1 FROM users WHERE id = $1";
static const char SQL_DIR_ENTITY_INSERT_OLD[] =
    "INSERT INTO entities (kind, id, name) VALUES ($1, $2, $3)";
static const char SQL_DIR_ENTITY_INSERT_NEW[] =
    "INSERT INTO dir_entities (kind, id, name) VALUES ($1, $2, $3)";

typedef struct create_work_ctx {
    tz_dir_kind kind;
    const char *id, *name, *owner, *privs;  /* privs: text[] literal */
} create_work_ctx;

static tz_error *create_work(pg_store *s, pgs_conn *c, void *ctx) {
    create_work_ctx *w = ctx;
    const char *up[] = {w->owner};
    PGresult *r;
    tz_error *err = pgs_exec(s, c, "dir_create", SQL_DIR_USER_EXISTS, 1, up, &r);
    if (err) return err;
    bool owner = PQntuples(r) > 0;
    PQclear(r);
    if (!owner) return tz_err_new(TZE_STORE_NOT_FOUND);
    bool old = w->kind == TZ_DIR_GROUP || w->kind == TZ_DIR_SPACE;
    const char *ep[] = {tz_dir_kind_word(w->kind), w->id, w->name};
    /* a taken id fails the primary key: CONFLICT {"key": "id"} */
    err = pgs_run(s, c, "dir_create", old ? SQL_DIR_ENTITY_INSERT_OLD : SQL_DIR_ENTITY_INSERT_NEW,
                  3, ep, NULL);
    tz_dir_outcome outcome = TZ_DIR_DONE;
    if (!err)
        err = pgs_dir_insert_relation(s, c, TZ_DIR_USER, w->owner, w->kind, w->id, w->privs, 0,
                                      &outcome);
    if (!err && outcome != TZ_DIR_DONE) err = tz_err_new(TZE_STORE_NOT_FOUND);
    return err;
}

tz_error *pgs_dir_create(tz_store *ts, tz_dir_kind kind, const char *id, const char *name,
                         const char *owner, const char *const *privs, size_t n) {
    pg_store *s = (pg_store *)ts;
    if (!tz_dir_kind_word(kind) || kind == TZ_DIR_USER || kind == TZ_DIR_PROVIDER ||
        kind == TZ_DIR_CLUSTER || !id || !name || !owner || (n && !privs))
        return pgs_bad_arg(s, "dir_create", "kind, id, name, owner or privileges");
    for (size_t i = 0; i < n; i++)
        if (!privs[i]) return pgs_bad_arg(s, "dir_create", "privilege");
    if (!pgs_utf8_valid(owner)) return tz_err_new(TZE_STORE_NOT_FOUND);
    if (!pgs_utf8_valid(id) || !pgs_utf8_valid(name))
        return pgs_bad_arg(s, "dir_create", "id or name not UTF-8");
    char *arr = pgs_text_array(privs, n);
    if (!arr) return tz_err_new(TZE_INTERNAL);
    create_work_ctx w = {kind, id, name, owner, arr};
    tz_error *err = pgs_run_work(s, "dir_create", PGS_TX, create_work, &w);
    free(arr);
    return err;
}

/* ---------------- names ---------------- */

static const char SQL_DIR_ENTITY_NAME[] =
    "SELECT name FROM dir_all_entities WHERE kind = $1 AND id = $2";
static const char SQL_DIR_PROVIDER_NAME[] = "SELECT name FROM providers WHERE id = $1";
static const char SQL_DIR_USER_NAME[] = "SELECT username FROM users WHERE id = $1";

tz_error *pgs_dir_entity_name(tz_store *ts, tz_dir_kind kind, const char *id, char **name) {
    pg_store *s = (pg_store *)ts;
    *name = NULL;
    const char *k = tz_dir_kind_word(kind);
    if (!k || !id) return pgs_bad_arg(s, "dir_entity_name", "kind and id");
    const char *two[] = {k, id}, *one[] = {id};
    PGresult *r;
    tz_error *err =
        kind == TZ_DIR_PROVIDER ? pgs_query(s, "dir_entity_name", PGS_READ, SQL_DIR_PROVIDER_NAME, 1, one, &r, NULL)
        : kind == TZ_DIR_USER   ? pgs_query(s, "dir_entity_name", PGS_READ, SQL_DIR_USER_NAME, 1, one, &r, NULL)
                                : pgs_query(s, "dir_entity_name", PGS_READ, SQL_DIR_ENTITY_NAME, 2, two, &r, NULL);
    if (err) return err;
    if (PQntuples(r) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    else if (!pgs_dup(r, 0, 0, name) || !*name) err = tz_err_new(TZE_INTERNAL);
    PQclear(r);
    return err;
}

/* ---------------- privileges ---------------- */

typedef struct privs_work_ctx {
    tz_dir_kind pk, ck;
    const char *pid, *cid, *privs;
    bool grant;
} privs_work_ctx;

static tz_error *privs_work(pg_store *s, pgs_conn *c, void *ctx) {
    privs_work_ctx *w = ctx;
    bool exists = false;
    tz_error *err = pgs_dir_relation_exists(s, c, w->ck, w->cid, w->pk, w->pid, &exists);
    if (!err && !exists) err = tz_err_new(TZE_STORE_NOT_FOUND);
    if (!err) err = pgs_dir_write_privileges(s, c, w->ck, w->cid, w->pk, w->pid, w->privs, w->grant);
    return err;
}

tz_error *pgs_dir_set_privileges(tz_store *ts, tz_dir_kind parent_kind, const char *parent_id,
                                 tz_dir_kind child_kind, const char *child_id,
                                 const char *const *privs, size_t n, bool grant) {
    pg_store *s = (pg_store *)ts;
    if (!tz_dir_kind_word(parent_kind) || !tz_dir_kind_word(child_kind) || !parent_id ||
        !child_id || (n && !privs))
        return pgs_bad_arg(s, "dir_set_privileges", "kinds, ids or privileges");
    for (size_t i = 0; i < n; i++)
        if (!privs[i]) return pgs_bad_arg(s, "dir_set_privileges", "privilege");
    if (n && !tzs_dir_relation_table(child_kind, parent_kind))
        return pgs_bad_arg(s, "dir_set_privileges", "relation without privileges");
    if (!pgs_utf8_valid(parent_id) || !pgs_utf8_valid(child_id))
        return tz_err_new(TZE_STORE_NOT_FOUND);
    char *arr = pgs_text_array(privs, n);
    if (!arr) return tz_err_new(TZE_INTERNAL);
    privs_work_ctx w = {parent_kind, child_kind, parent_id, child_id, arr, grant};
    tz_error *err = pgs_run_work(s, "dir_set_privileges", PGS_TX, privs_work, &w);
    free(arr);
    return err;
}

/* ---------------- effective membership ---------------- */

static const char SQL_DIR_USER_IS_MEMBER[] =
    PGS_DIR_ANCESTORS
    "SELECT EXISTS (SELECT 1 FROM dir_all_relations r JOIN anc"
    "  ON r.child_kind = anc.kind AND r.child_id = anc.id"
    "  WHERE r.parent_kind = $2 AND r.parent_id = $3)";
static const char SQL_DIR_USER_HAS_PRIV[] =
    PGS_DIR_ANCESTORS
    "SELECT EXISTS (SELECT 1 FROM dir_all_privileges p JOIN anc"
    "  ON p.child_kind = anc.kind AND p.child_id = anc.id"
    "  WHERE p.parent_kind = $2 AND p.parent_id = $3 AND p.privilege = $4)";

tz_error *pgs_dir_user_has(tz_store *ts, const char *user_id, tz_dir_kind kind,
                           const char *entity_id, const char *priv, bool *out) {
    pg_store *s = (pg_store *)ts;
    *out = false;
    const char *k = tz_dir_kind_word(kind);
    if (!k || !user_id || !entity_id) return pgs_bad_arg(s, "dir_user_has", "kind, entity or user");
    const char *params[] = {user_id, k, entity_id, priv};
    PGresult *r;
    tz_error *err = pgs_query(s, "dir_user_has", PGS_READ,
                              priv ? SQL_DIR_USER_HAS_PRIV : SQL_DIR_USER_IS_MEMBER, priv ? 4 : 3,
                              params, &r, NULL);
    if (err) return err;
    *out = PQntuples(r) > 0 && pgs_bool(r, 0, 0);
    PQclear(r);
    return NULL;
}

/* ---------------- lists ---------------- */

static const char SQL_DIR_LIST_DIRECT[] =
    "SELECT DISTINCT parent_id COLLATE \"C\" FROM dir_all_relations"
    " WHERE child_kind = 'user' AND child_id = $1 AND parent_kind = $2 ORDER BY 1";
static const char SQL_DIR_LIST_EFFECTIVE[] =
    PGS_DIR_ANCESTORS
    "SELECT DISTINCT r.parent_id COLLATE \"C\" FROM dir_all_relations r JOIN anc"
    "  ON r.child_kind = anc.kind AND r.child_id = anc.id WHERE r.parent_kind = $2 ORDER BY 1";
static const char SQL_DIR_LIST_PROVIDER_SPACES[] =
    "SELECT space_id COLLATE \"C\" FROM space_supports WHERE provider_id = $1 ORDER BY 1";

tz_error *pgs_dir_list(tz_store *ts, tz_dir_list which, const char *id, tz_dir_kind kind,
                       char ***ids, size_t *n) {
    pg_store *s = (pg_store *)ts;
    *ids = NULL;
    *n = 0;
    const char *k = tz_dir_kind_word(kind);
    const char *sql = which == TZ_DIR_LIST_USER_DIRECT       ? SQL_DIR_LIST_DIRECT
                      : which == TZ_DIR_LIST_USER_EFFECTIVE  ? SQL_DIR_LIST_EFFECTIVE
                      : which == TZ_DIR_LIST_PROVIDER_SPACES ? SQL_DIR_LIST_PROVIDER_SPACES
                                                             : NULL;
    if (!sql || !id || !k) return pgs_bad_arg(s, "dir_list", "list, id or kind");
    const char *params[] = {id, k};
    PGresult *r;
    tz_error *err = pgs_query(s, "dir_list", PGS_READ, sql,
                              which == TZ_DIR_LIST_PROVIDER_SPACES ? 1 : 2, params, &r, NULL);
    if (err) return err;
    err = pgs_strings(r, ids, n);
    PQclear(r);
    return err;
}

static const char SQL_DIR_SPACE_SUPPORTS[] =
    "SELECT provider_id COLLATE \"C\", coalesce(size, 0) FROM space_supports"
    " WHERE space_id = $1 ORDER BY 1";

tz_error *pgs_dir_space_supports(tz_store *ts, const char *space_id, char ***pids,
                                 int64_t **sizes, size_t *n) {
    pg_store *s = (pg_store *)ts;
    *pids = NULL;
    *sizes = NULL;
    *n = 0;
    if (!space_id) return pgs_bad_arg(s, "dir_space_supports", "space");
    const char *params[] = {space_id};
    PGresult *r;
    tz_error *err = pgs_query(s, "dir_space_supports", PGS_READ, SQL_DIR_SPACE_SUPPORTS, 1, params,
                              &r, NULL);
    if (err) return err;
    size_t rows = (size_t)PQntuples(r);
    err = pgs_strings(r, pids, n);
    int64_t *sz = !err && rows ? calloc(rows, sizeof *sz) : NULL;
    if (!err && rows && !sz) err = tz_err_new(TZE_INTERNAL);
    for (size_t i = 0; !err && i < rows; i++) sz[i] = pgs_int(r, (int)i, 1);
    PQclear(r);
    if (err) {
        tz_strv_free(*pids, *n);
        *pids = NULL;
        *n = 0;
        return err;
    }
    *sizes = sz;
    return NULL;
}
