/* PostgreSQL store: users and their Onezone admin privileges. Multi-row writes are single
 * statements (data-modifying CTEs) or one transaction; privileges travel as one text[] parameter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_internal.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

#define USER_COLS                                                                          \
    "SELECT u.id, u.username, u.full_name, u.password_hash, u.basic_auth_enabled, u.blocked," \
    " u.creation_time, (SELECT coalesce(json_agg(p.privilege ORDER BY p.privilege), '[]')"   \
    " FROM user_oz_privileges p WHERE p.user_id = u.id) FROM users u"

static const char SQL_USER_INSERT[] =
    "INSERT INTO users (id, username, full_name, password_hash, basic_auth_enabled, blocked,"
    " creation_time) VALUES ($1, $2, $3, $4, $5::boolean, $6::boolean, $7::bigint)";
static const char SQL_USER_INSERT_IF_NEW[] =
    "INSERT INTO users (id, username, full_name, password_hash, basic_auth_enabled, blocked,"
    " creation_time) VALUES ($1, $2, $3, $4, $5::boolean, $6::boolean, $7::bigint)"
    " ON CONFLICT (username) DO NOTHING";
static const char SQL_PRIVS_GRANT[] =
    "INSERT INTO user_oz_privileges (user_id, privilege)"
    " SELECT $1, p FROM unnest($2::text[]) p ON CONFLICT DO NOTHING";
static const char SQL_PRIVS_SET[] =
    "WITH u AS (SELECT id FROM users WHERE id = $1 FOR KEY SHARE),"
    " g AS (INSERT INTO user_oz_privileges (user_id, privilege)"
    "   SELECT u.id, p FROM u, unnest($2::text[]) p WHERE $3::boolean ON CONFLICT DO NOTHING),"
    " r AS (DELETE FROM user_oz_privileges WHERE NOT $3::boolean AND user_id IN (SELECT id FROM u)"
    "   AND privilege = ANY ($2::text[]))"
    " SELECT count(*) FROM u";
static const char SQL_USER_BY_ID[] = USER_COLS " WHERE u.id = $1";
static const char SQL_USER_BY_NAME[] = USER_COLS " WHERE u.username = $1";
static const char SQL_USER_PAGE[] =
    USER_COLS " WHERE $1::text IS NULL OR u.username > $1 ORDER BY u.username LIMIT $2::bigint";
static const char SQL_PRIV_HAS[] =
    "SELECT 1 FROM user_oz_privileges WHERE user_id = $1 AND privilege = $2";
static const char SQL_SET_BLOCKED[] = "UPDATE users SET blocked = $2::boolean WHERE id = $1";
static const char SQL_SET_PASSWORD[] = "UPDATE users SET password_hash = $2 WHERE id = $1";
/* the user with its named tokens and temporary secret; memberships and privileges cascade */
static const char SQL_USER_DELETE[] =
    "WITH u AS (DELETE FROM users WHERE id = $1 RETURNING id),"
    " t AS (DELETE FROM named_tokens WHERE subject_kind = 1 AND subject_id IN (SELECT id FROM u)),"
    " s AS (DELETE FROM temp_secrets WHERE subject_kind = 1 AND subject_id IN (SELECT id FROM u))"
    " SELECT count(*) FROM u";
static const char SQL_USER_STATE[] = "SELECT blocked FROM users WHERE id = $1";
static const char SQL_PROVIDER_STATE[] = "SELECT false FROM providers WHERE id = $1";

static const char *bool_text(bool b) {
    return b ? "true" : "false";
}

/* Fills *u from row `row` of a USER_COLS result. */
static bool read_user(const PGresult *r, int row, tz_user_rec *u) {
    memset(u, 0, sizeof *u);
    bool ok = pgs_dup(r, row, 0, &u->id) && pgs_dup(r, row, 1, &u->username) &&
              pgs_dup(r, row, 2, &u->full_name) && pgs_dup(r, row, 3, &u->password_hash) &&
              pgs_json_strings(PQgetvalue(r, row, 7), &u->oz_privileges, &u->n_oz_privileges);
    u->basic_auth_enabled = pgs_bool(r, row, 4);
    u->blocked = pgs_bool(r, row, 5);
    u->creation_time = pgs_int(r, row, 6);
    return ok && u->id && u->username && u->full_name;
}

typedef struct user_write {
    const tz_user_rec *u;
    bool if_new;
    bool created;
} user_write;

static tz_error *insert_user(pg_store *s, pgs_conn *c, void *ctx) {
    user_write *w = ctx;
    const tz_user_rec *u = w->u;
    char ctime[24];
    snprintf(ctime, sizeof ctime, "%lld", (long long)u->creation_time);
    const char *params[] = {u->id, u->username, u->full_name ? u->full_name : "",
                            u->password_hash, bool_text(u->basic_auth_enabled),
                            bool_text(u->blocked), ctime};
    long affected = 0;
    w->created = false;
    tz_error *err = pgs_run(s, c, "user_create", w->if_new ? SQL_USER_INSERT_IF_NEW : SQL_USER_INSERT,
                            7, params, &affected);
    if (err || affected == 0 || u->n_oz_privileges == 0) {
        w->created = !err && affected > 0;
        return err;
    }
    char *arr = pgs_text_array((const char *const *)u->oz_privileges, u->n_oz_privileges);
    if (!arr) return tz_err_new(TZE_INTERNAL);
    const char *pp[] = {u->id, arr};
    err = pgs_run(s, c, "user_create", SQL_PRIVS_GRANT, 2, pp, NULL);
    free(arr);
    w->created = !err;
    return err;
}

static bool privs_valid(const tz_user_rec *u) {
    for (size_t i = 0; i < u->n_oz_privileges; i++)
        if (!u->oz_privileges[i]) return false;
    return true;
}

tz_error *pgs_user_create(tz_store *ts, const tz_user_rec *u) {
    pg_store *s = (pg_store *)ts;
    if (!u || !u->id || !u->username || !privs_valid(u))
        return pgs_bad_arg(s, "user_create", "id and username");
    user_write w = {u, false, false};
    return pgs_run_work(s, "user_create", PGS_TX, insert_user, &w);
}

tz_error *pgs_user_ensure(tz_store *ts, const tz_user_rec *u, bool *created) {
    pg_store *s = (pg_store *)ts;
    *created = false;
    if (!u || !u->id || !u->username || !privs_valid(u))
        return pgs_bad_arg(s, "user_ensure", "id and username");
    /* ON CONFLICT (username) DO NOTHING: a concurrent creator's row wins, we create nothing */
    user_write w = {u, true, false};
    tz_error *err = pgs_run_work(s, "user_ensure", PGS_TX, insert_user, &w);
    *created = !err && w.created;
    return err;
}

static tz_error *get_user(pg_store *s, const char *sql, const char *key, tz_user_rec *out) {
    memset(out, 0, sizeof *out);
    if (!key) return pgs_bad_arg(s, "user_get", "key");
    const char *params[] = {key};
    PGresult *r;
    tz_error *err = pgs_query(s, "user_get", PGS_READ, sql, 1, params, &r, NULL);
    if (err) return err;
    if (PQntuples(r) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    else if (!read_user(r, 0, out)) err = tz_err_new(TZE_INTERNAL);
    pgs_clear_wiped(r);  /* the password hash */
    if (err) tz_user_rec_clear(out);
    return err;
}

tz_error *pgs_user_get(tz_store *ts, const char *id, tz_user_rec *out) {
    return get_user((pg_store *)ts, SQL_USER_BY_ID, id, out);
}

tz_error *pgs_user_get_by_username(tz_store *ts, const char *username, tz_user_rec *out) {
    return get_user((pg_store *)ts, SQL_USER_BY_NAME, username, out);
}

/* A one-row UPDATE keyed by id; no row -> NOT_FOUND. */
static tz_error *update_user(pg_store *s, const char *op, const char *sql, const char *id,
                             const char *value) {
    if (!id) return pgs_bad_arg(s, op, "id");
    const char *params[] = {id, value};
    long affected = 0;
    tz_error *err = pgs_query(s, op, PGS_WRITE1, sql, 2, params, NULL, &affected);
    if (!err && affected == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    return err;
}

tz_error *pgs_user_set_blocked(tz_store *ts, const char *id, bool blocked) {
    return update_user((pg_store *)ts, "user_set_blocked", SQL_SET_BLOCKED, id, bool_text(blocked));
}

tz_error *pgs_user_set_password(tz_store *ts, const char *id, const char *password_hash) {
    return update_user((pg_store *)ts, "user_set_password", SQL_SET_PASSWORD, id, password_hash);
}

/* Runs a "... SELECT count(*) FROM u" statement; count 0 -> NOT_FOUND. */
static tz_error *counted_write(pg_store *s, const char *op, const char *sql, int n,
                               const char *const *params) {
    PGresult *r;
    tz_error *err = pgs_query(s, op, PGS_WRITE1, sql, n, params, &r, NULL);
    if (err) return err;
    if (PQntuples(r) != 1 || pgs_int(r, 0, 0) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    PQclear(r);
    return err;
}

tz_error *pgs_counted_write(pg_store *s, const char *op, const char *sql, int n,
                            const char *const *params) {
    return counted_write(s, op, sql, n, params);
}

tz_error *pgs_user_delete(tz_store *ts, const char *id) {
    pg_store *s = (pg_store *)ts;
    if (!id) return pgs_bad_arg(s, "user_delete", "id");
    const char *params[] = {id};
    return counted_write(s, "user_delete", SQL_USER_DELETE, 1, params);
}

tz_error *pgs_user_set_oz_privileges(tz_store *ts, const char *id, const char *const *privs,
                                     size_t n, bool grant) {
    pg_store *s = (pg_store *)ts;
    if (!id || (n && !privs)) return pgs_bad_arg(s, "user_set_oz_privileges", "id or privileges");
    for (size_t i = 0; i < n; i++)
        if (!privs[i]) return pgs_bad_arg(s, "user_set_oz_privileges", "privilege");
    char *arr = pgs_text_array(privs, n);
    if (!arr) return tz_err_new(TZE_INTERNAL);
    const char *params[] = {id, arr, bool_text(grant)};
    tz_error *err = counted_write(s, "user_set_oz_privileges", SQL_PRIVS_SET, 3, params);
    free(arr);
    return err;
}

tz_error *pgs_user_has_oz_privilege(tz_store *ts, const char *id, const char *priv, bool *out) {
    pg_store *s = (pg_store *)ts;
    *out = false;
    if (!id || !priv) return pgs_bad_arg(s, "user_has_oz_privilege", "id or privilege");
    const char *params[] = {id, priv};
    PGresult *r;
    tz_error *err = pgs_query(s, "user_has_oz_privilege", PGS_READ, SQL_PRIV_HAS, 2, params, &r, NULL);
    if (err) return err;
    *out = PQntuples(r) > 0;
    PQclear(r);
    return NULL;
}

tz_error *pgs_user_list(tz_store *ts, size_t limit, const char *cursor, tz_user_rec **out,
                        size_t *n, char **next) {
    pg_store *s = (pg_store *)ts;
    *out = NULL;
    *n = 0;
    *next = NULL;
    char *key[1];
    size_t lim;
    tz_error *err = pgs_page_start(s, "user_list", limit, cursor, key, 1, &lim);
    if (err) return err;
    char lim_text[24];
    pgs_limit_param(lim, lim_text);
    const char *params[] = {key[0], lim_text};
    PGresult *r;
    err = pgs_query(s, "user_list", PGS_READ, SQL_USER_PAGE, 2, params, &r, NULL);
    tzs_cursor_parts_free(key, 1);
    if (err) return err;
    size_t rows = (size_t)PQntuples(r);
    if (rows > lim) rows = lim;
    tz_user_rec *recs = rows ? calloc(rows, sizeof *recs) : NULL;
    if (rows && !recs) err = tz_err_new(TZE_INTERNAL);
    size_t count = 0;
    for (; !err && count < rows; count++)
        if (!read_user(r, (int)count, &recs[count])) err = tz_err_new(TZE_INTERNAL);
    static const int cols[] = {1};
    if (!err && !pgs_page_next(r, lim, cols, 1, next)) err = tz_err_new(TZE_INTERNAL);
    pgs_clear_wiped(r);
    if (err) {
        tz_user_recs_free(recs, count);
        return err;
    }
    *out = recs;
    *n = rows;
    return NULL;
}

tz_error *pgs_subject_state(tz_store *ts, const tz_subject *subject, bool *exists, bool *blocked) {
    pg_store *s = (pg_store *)ts;
    *exists = false;
    *blocked = false;
    if (!subject || !subject->id) return pgs_bad_arg(s, "subject_state", "subject");
    const char *sql = subject->kind == TZ_SUBJ_USER ? SQL_USER_STATE
                    : subject->kind == TZ_SUBJ_PROVIDER ? SQL_PROVIDER_STATE : NULL;
    if (!sql) return NULL; /* nobody and groups are never token subjects */
    const char *params[] = {subject->id};
    PGresult *r;
    tz_error *err = pgs_query(s, "subject_state", PGS_READ, sql, 1, params, &r, NULL);
    if (err) return err;
    *exists = PQntuples(r) > 0;
    *blocked = *exists && pgs_bool(r, 0, 0);
    PQclear(r);
    return NULL;
}
