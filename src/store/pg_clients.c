/* PostgreSQL store: the introspection clients of /oauth2/introspect and /oauth2/revoke (client_*
 * ops; contracts in store.h). Rows carry a secret hash: results holding one are wiped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_internal.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

static const char SQL_CLIENT_INSERT[] =
    "INSERT INTO oauth_clients (id, name, secret_hash, allow_revoke, creation_time)"
    " VALUES ($1, $2, $3, $4::boolean, $5::bigint)";
static const char SQL_CLIENT_GET[] =
    "SELECT id, name, secret_hash, allow_revoke, creation_time FROM oauth_clients WHERE id = $1";
static const char SQL_CLIENT_LIST[] =
    "SELECT id, name, secret_hash, allow_revoke, creation_time FROM oauth_clients"
    " ORDER BY creation_time, id COLLATE \"C\"";
static const char SQL_CLIENT_SET_SECRET[] =
    "UPDATE oauth_clients SET secret_hash = $2 WHERE id = $1";
static const char SQL_CLIENT_DELETE[] = "DELETE FROM oauth_clients WHERE id = $1";

tz_error *pgs_client_create(tz_store *ts, const tz_oauth_client_rec *r) {
    pg_store *s = (pg_store *)ts;
    if (!r || !r->id || !r->name || !r->secret_hash)
        return pgs_bad_arg(s, "client_create", "id, name and secret hash");
    char ctime[24];
    snprintf(ctime, sizeof ctime, "%lld", (long long)r->creation_time);
    const char *params[] = {r->id, r->name, r->secret_hash, r->allow_revoke ? "true" : "false",
                            ctime};
    /* the primary key's violation maps to CONFLICT {"key": "id"} */
    return pgs_query(s, "client_create", PGS_WRITE1, SQL_CLIENT_INSERT, 5, params, NULL, NULL);
}

static bool read_client(const PGresult *r, int row, tz_oauth_client_rec *out) {
    memset(out, 0, sizeof *out);
    bool ok = pgs_dup(r, row, 0, &out->id) && pgs_dup(r, row, 1, &out->name) &&
              pgs_dup(r, row, 2, &out->secret_hash);
    out->allow_revoke = pgs_bool(r, row, 3);
    out->creation_time = pgs_int(r, row, 4);
    return ok && out->id && out->name && out->secret_hash;
}

tz_error *pgs_client_get(tz_store *ts, const char *id, tz_oauth_client_rec *out) {
    pg_store *s = (pg_store *)ts;
    memset(out, 0, sizeof *out);
    if (!id) return pgs_bad_arg(s, "client_get", "id");
    const char *params[] = {id};
    PGresult *r;
    tz_error *err = pgs_query(s, "client_get", PGS_READ, SQL_CLIENT_GET, 1, params, &r, NULL);
    if (err) return err;
    if (PQntuples(r) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    else if (!read_client(r, 0, out)) err = tz_err_new(TZE_INTERNAL);
    pgs_clear_wiped(r);  /* the secret hash */
    if (err) tz_oauth_client_rec_clear(out);
    return err;
}

tz_error *pgs_client_list(tz_store *ts, tz_oauth_client_rec **out, size_t *n) {
    pg_store *s = (pg_store *)ts;
    *out = NULL;
    *n = 0;
    PGresult *r;
    tz_error *err = pgs_query(s, "client_list", PGS_READ, SQL_CLIENT_LIST, 0, NULL, &r, NULL);
    if (err) return err;
    size_t rows = (size_t)PQntuples(r), count = 0;
    tz_oauth_client_rec *v = rows ? calloc(rows, sizeof *v) : NULL;
    if (rows && !v) err = tz_err_new(TZE_INTERNAL);
    for (; !err && count < rows; count++)
        if (!read_client(r, (int)count, &v[count])) err = tz_err_new(TZE_INTERNAL);
    pgs_clear_wiped(r);
    if (err) {
        tz_oauth_client_recs_free(v, rows);
        return err;
    }
    *out = v;
    *n = rows;
    return NULL;
}

/* One statement that must change exactly one row: none -> NOT_FOUND. */
static tz_error *write_one(pg_store *s, const char *op, const char *sql, int n,
                           const char *const *params) {
    long changed = 0;
    tz_error *err = pgs_query(s, op, PGS_WRITE1, sql, n, params, NULL, &changed);
    if (!err && changed == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    return err;
}

tz_error *pgs_client_set_secret_hash(tz_store *ts, const char *id, const char *hash) {
    pg_store *s = (pg_store *)ts;
    if (!id || !hash) return pgs_bad_arg(s, "client_set_secret_hash", "id and hash");
    const char *params[] = {id, hash};
    return write_one(s, "client_set_secret_hash", SQL_CLIENT_SET_SECRET, 2, params);
}

tz_error *pgs_client_delete(tz_store *ts, const char *id) {
    pg_store *s = (pg_store *)ts;
    if (!id) return pgs_bad_arg(s, "client_delete", "id");
    const char *params[] = {id};
    return write_one(s, "client_delete", SQL_CLIENT_DELETE, 1, params);
}
