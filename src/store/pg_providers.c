/* PostgreSQL store: providers. Registering one (provider, cluster, admin membership, root token)
 * is one transaction; deleting one is one statement whose cascades remove the cluster,
 * memberships and supports, with the named tokens and temporary secret deleted beside it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_internal.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

static const char SQL_PROVIDER_CREATE[] =
    "WITH p AS (INSERT INTO providers (id, name, domain, creation_time)"
    "   VALUES ($1, $2, $3, $4::bigint) RETURNING id)"
    " INSERT INTO entities (kind, id, name, provider_id) SELECT 'cluster', id, $2, id FROM p";
static const char SQL_MEMBER_INSERT[] =
    "INSERT INTO user_members (kind, entity_id, user_id) VALUES ('cluster', $1, $2)"
    " ON CONFLICT DO NOTHING";
static const char SQL_MEMBER_PRIVS[] =
    "INSERT INTO user_member_privileges (kind, entity_id, user_id, privilege)"
    " SELECT 'cluster', $1, $2, p FROM unnest($3::text[]) p ON CONFLICT DO NOTHING";
static const char SQL_PROVIDER_GET[] =
    "SELECT id, name, domain, creation_time FROM providers WHERE id = $1";
static const char SQL_PROVIDER_PAGE[] =
    "SELECT id, name, domain, creation_time FROM providers"
    " WHERE $1::text IS NULL OR id > $1 ORDER BY id LIMIT $2::bigint";
static const char SQL_PROVIDER_DELETE[] =
    "WITH p AS (DELETE FROM providers WHERE id = $1 RETURNING id),"
    " t AS (DELETE FROM named_tokens WHERE subject_kind = 2 AND subject_id IN (SELECT id FROM p)),"
    " s AS (DELETE FROM temp_secrets WHERE subject_kind = 2 AND subject_id IN (SELECT id FROM p))"
    " SELECT count(*) FROM p";

static tz_error *provider_args(pg_store *s, const char *op, const tz_provider_rec *p) {
    return !p || !p->id || !p->name ? pgs_bad_arg(s, op, "id and name") : NULL;
}

static tz_error *insert_provider(pg_store *s, pgs_conn *c, const tz_provider_rec *p,
                                 const char *op) {
    char ctime[24];
    snprintf(ctime, sizeof ctime, "%lld", (long long)p->creation_time);
    const char *params[] = {p->id, p->name, p->domain, ctime};
    return pgs_run(s, c, op, SQL_PROVIDER_CREATE, 4, params, NULL);
}

typedef struct provider_write {
    const tz_provider_rec *p;
    const char *admin;
    const char *privs;       /* text[] literal */
    const tz_named_token_rec *root;
} provider_write;

static tz_error *create_work(pg_store *s, pgs_conn *c, void *ctx) {
    provider_write *w = ctx;
    return insert_provider(s, c, w->p, "provider_create");
}

tz_error *pgs_provider_create(tz_store *ts, const tz_provider_rec *p) {
    pg_store *s = (pg_store *)ts;
    tz_error *err = provider_args(s, "provider_create", p);
    if (err) return err;
    provider_write w = {p, NULL, NULL, NULL};
    return pgs_run_work(s, "provider_create", PGS_WRITE1, create_work, &w);
}

static tz_error *register_work(pg_store *s, pgs_conn *c, void *ctx) {
    provider_write *w = ctx;
    tz_error *err = insert_provider(s, c, w->p, "provider_register");
    const char *mp[] = {w->p->id, w->admin, w->privs};
    /* an unknown admin user fails the foreign key: NOT_FOUND */
    if (!err) err = pgs_run(s, c, "provider_register", SQL_MEMBER_INSERT, 2, mp, NULL);
    if (!err) err = pgs_run(s, c, "provider_register", SQL_MEMBER_PRIVS, 3, mp, NULL);
    if (!err && w->root) err = pgs_named_insert(s, c, w->root, "provider_register");
    return err;
}

tz_error *pgs_provider_register(tz_store *ts, const tz_provider_rec *p, const char *admin_user_id,
                                const char *const *privs, size_t n,
                                const tz_named_token_rec *root_token) {
    pg_store *s = (pg_store *)ts;
    tz_error *err = provider_args(s, "provider_register", p);
    if (err) return err;
    if (!admin_user_id || (n && !privs)) return pgs_bad_arg(s, "provider_register", "admin user");
    for (size_t i = 0; i < n; i++)
        if (!privs[i]) return pgs_bad_arg(s, "provider_register", "privilege");
    char *arr = pgs_text_array(privs, n);
    if (!arr) return tz_err_new(TZE_INTERNAL);
    provider_write w = {p, admin_user_id, arr, root_token};
    err = pgs_run_work(s, "provider_register", PGS_TX, register_work, &w);
    free(arr);
    return err;
}

static bool read_provider(const PGresult *r, int row, tz_provider_rec *p) {
    memset(p, 0, sizeof *p);
    bool ok = pgs_dup(r, row, 0, &p->id) && pgs_dup(r, row, 1, &p->name) &&
              pgs_dup(r, row, 2, &p->domain);
    p->creation_time = pgs_int(r, row, 3);
    return ok && p->id && p->name;
}

tz_error *pgs_provider_get(tz_store *ts, const char *id, tz_provider_rec *out) {
    pg_store *s = (pg_store *)ts;
    memset(out, 0, sizeof *out);
    if (!id) return pgs_bad_arg(s, "provider_get", "id");
    const char *params[] = {id};
    PGresult *r;
    tz_error *err = pgs_query(s, "provider_get", PGS_READ, SQL_PROVIDER_GET, 1, params, &r, NULL);
    if (err) return err;
    if (PQntuples(r) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    else if (!read_provider(r, 0, out)) err = tz_err_new(TZE_INTERNAL);
    PQclear(r);
    if (err) tz_provider_rec_clear(out);
    return err;
}

tz_error *pgs_provider_delete(tz_store *ts, const char *id) {
    pg_store *s = (pg_store *)ts;
    if (!id) return pgs_bad_arg(s, "provider_delete", "id");
    const char *params[] = {id};
    return pgs_counted_write(s, "provider_delete", SQL_PROVIDER_DELETE, 1, params);
}

tz_error *pgs_provider_list(tz_store *ts, size_t limit, const char *cursor, tz_provider_rec **out,
                            size_t *n, char **next) {
    pg_store *s = (pg_store *)ts;
    *out = NULL;
    *n = 0;
    *next = NULL;
    char *key[1];
    size_t lim;
    tz_error *err = pgs_page_start(s, "provider_list", limit, cursor, key, 1, &lim);
    if (err) return err;
    char lim_text[24];
    pgs_limit_param(lim, lim_text);
    const char *params[] = {key[0], lim_text};
    PGresult *r;
    err = pgs_query(s, "provider_list", PGS_READ, SQL_PROVIDER_PAGE, 2, params, &r, NULL);
    tzs_cursor_parts_free(key, 1);
    if (err) return err;
    size_t rows = (size_t)PQntuples(r);
    if (rows > lim) rows = lim;
    tz_provider_rec *recs = rows ? calloc(rows, sizeof *recs) : NULL;
    if (rows && !recs) err = tz_err_new(TZE_INTERNAL);
    size_t count = 0;
    for (; !err && count < rows; count++)
        if (!read_provider(r, (int)count, &recs[count])) err = tz_err_new(TZE_INTERNAL);
    static const int cols[] = {0};
    if (!err && !pgs_page_next(r, lim, cols, 1, next)) err = tz_err_new(TZE_INTERNAL);
    PQclear(r);
    if (err) {
        tz_provider_recs_free(recs, count);
        return err;
    }
    *out = recs;
    *n = rows;
    return NULL;
}
