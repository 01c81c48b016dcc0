/* The SQLite backend's introspection clients (client_* ops, contracts in store.h): id, name, the
 * hash of the secret, whether the client may revoke. */
#include <stdlib.h>
#include <string.h>
#include "store/store_internal.h"

static const char SQL_CLIENT_INSERT[] =
    "INSERT INTO oauth_clients (id, name, secret_hash, allow_revoke, creation_time)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_CLIENT_GET[] =
    "SELECT id, name, secret_hash, allow_revoke, creation_time FROM oauth_clients WHERE id = ?1";
static const char SQL_CLIENT_LIST[] =
    "SELECT id, name, secret_hash, allow_revoke, creation_time FROM oauth_clients"
    " ORDER BY creation_time, id";
static const char SQL_CLIENT_SET_SECRET[] = "UPDATE oauth_clients SET secret_hash = ?2 WHERE id = ?1";
static const char SQL_CLIENT_DELETE[] = "DELETE FROM oauth_clients WHERE id = ?1";

tz_error *tzs_sq_client_create(tz_store *s, const tz_oauth_client_rec *r) {
    if (!r || !r->id || !r->name || !r->secret_hash)
        return tzs_bad_arg(s, "client_create", "id, name and secret hash");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "client_create");
    if (!err) {
        sqlite3_stmt *st;
        err = tzs_stmt(s, c, SQL_CLIENT_INSERT, &st);
        if (!err) {
            sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, r->secret_hash, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 4, r->allow_revoke ? 1 : 0);
            sqlite3_bind_int64(st, 5, r->creation_time);
            int rc = tzs_step_done(st);
            if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) err = tz_err_key(TZE_STORE_CONFLICT, "id");
            else if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, "client_create", rc);
        }
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, "client_create");
    }
    tzs_release(s, c);
    return err;
}

/* Reads the current row into *out; false on allocation failure. */
static bool read_row(sqlite3_stmt *st, tz_oauth_client_rec *out) {
    bool ok = tzs_col_dup(st, 0, &out->id) && tzs_col_dup(st, 1, &out->name) &&
              tzs_col_dup(st, 2, &out->secret_hash);
    out->allow_revoke = sqlite3_column_int(st, 3) != 0;
    out->creation_time = sqlite3_column_int64(st, 4);
    return ok && out->id && out->name && out->secret_hash;
}

tz_error *tzs_sq_client_get(tz_store *s, const char *id, tz_oauth_client_rec *out) {
    memset(out, 0, sizeof *out);
    if (!id) return tzs_bad_arg(s, "client_get", "id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_CLIENT_GET, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) err = tz_err_new(TZE_STORE_NOT_FOUND);
        else if (rc != SQLITE_ROW) err = tzs_fail(s, c->db, "client_get", rc);
        else if (!read_row(st, out)) err = tz_err_new(TZE_INTERNAL);
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    if (err) tz_oauth_client_rec_clear(out);
    return err;
}

tz_error *tzs_sq_client_list(tz_store *s, tz_oauth_client_rec **out, size_t *n) {
    *out = NULL;
    *n = 0;
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    tz_oauth_client_rec *v = NULL;
    size_t count = 0, cap = 0;
    err = tzs_stmt(s, c, SQL_CLIENT_LIST, &st);
    if (!err) {
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (count == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                tz_oauth_client_rec *grown = realloc(v, ncap * sizeof *grown);
                if (!grown) {
                    err = tz_err_new(TZE_INTERNAL);
                    break;
                }
                v = grown;
                cap = ncap;
            }
            memset(&v[count], 0, sizeof v[count]);
            bool ok = read_row(st, &v[count]);
            count++;
            if (!ok) {
                err = tz_err_new(TZE_INTERNAL);
                break;
            }
        }
        if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "client_list", rc);
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    if (err) {
        tz_oauth_client_recs_free(v, count);
        return err;
    }
    *out = v;
    *n = count;
    return NULL;
}

/* One-statement writes that must change exactly one row. */
static tz_error *write_one(tz_store *s, const char *sql, const char *op, const char *a, const char *b) {
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, op);
    if (!err) {
        int rc = tzs_run(s, c, sql, a, b, &err);
        if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, op, rc);
        if (!err && sqlite3_changes(c->db) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, op);
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_client_set_secret_hash(tz_store *s, const char *id, const char *hash) {
    if (!id || !hash) return tzs_bad_arg(s, "client_set_secret_hash", "id and hash");
    return write_one(s, SQL_CLIENT_SET_SECRET, "client_set_secret_hash", id, hash);
}

tz_error *tzs_sq_client_delete(tz_store *s, const char *id) {
    if (!id) return tzs_bad_arg(s, "client_delete", "id");
    return write_one(s, SQL_CLIENT_DELETE, "client_delete", id, NULL);
}
