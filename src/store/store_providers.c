/* Providers. Registering one creates its cluster (same id); deleting one removes the cluster,
 * memberships and supports (foreign keys) and its named tokens and temporary secret. */
#include <stdlib.h>
#include <string.h>
#include "store/store_internal.h"

static const char SQL_PROVIDER_INSERT[] =
    "INSERT INTO providers (id, name, domain, creation_time) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_PROVIDER_CLUSTER_INSERT[] =
    "INSERT INTO entities (kind, id, name, provider_id) VALUES ('cluster', ?1, ?2, ?1)";
static const char SQL_PROVIDER_GET[] =
    "SELECT id, name, domain, creation_time FROM providers WHERE id = ?1";
static const char SQL_PROVIDER_DELETE[] = "DELETE FROM providers WHERE id = ?1";
static const char SQL_PROVIDER_DELETE_TOKENS[] =
    "DELETE FROM named_tokens WHERE subject_kind = 2 AND subject_id = ?1";
static const char SQL_PROVIDER_DELETE_TEMP[] =
    "DELETE FROM temp_secrets WHERE subject_kind = 2 AND subject_id = ?1";

tz_error *tzs_insert_provider(tz_store *s, tzs_conn *c, const tz_provider_rec *p) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_PROVIDER_INSERT, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
    if (p->domain) sqlite3_bind_text(st, 3, p->domain, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, p->creation_time);
    int rc = tzs_step_done(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return tz_err_key(TZE_STORE_CONFLICT, "id");
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "provider_create", rc);
    rc = tzs_run(s, c, SQL_PROVIDER_CLUSTER_INSERT, p->id, p->name, &err);
    if (err) return err;
    /* a cluster of that id already exists (the id "onezone") */
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return tz_err_key(TZE_STORE_CONFLICT, "id");
    return rc == SQLITE_DONE ? NULL : tzs_fail(s, c->db, "provider_create", rc);
}

tz_error *tzs_sq_provider_create(tz_store *s, const tz_provider_rec *p) {
    if (!p || !p->id || !p->name) return tzs_bad_arg(s, "provider_create", "id and name");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "provider_create");
    if (!err) {
        err = tzs_insert_provider(s, c, p);
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, "provider_create");
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_provider_get(tz_store *s, const char *id, tz_provider_rec *out) {
    memset(out, 0, sizeof *out);
    if (!id) return tzs_bad_arg(s, "provider_get", "id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_PROVIDER_GET, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) err = tz_err_new(TZE_STORE_NOT_FOUND);
        else if (rc != SQLITE_ROW) err = tzs_fail(s, c->db, "provider_get", rc);
        else {
            bool ok = tzs_col_dup(st, 0, &out->id) && tzs_col_dup(st, 1, &out->name) &&
                      tzs_col_dup(st, 2, &out->domain);
            out->creation_time = sqlite3_column_int64(st, 3);
            if (!ok || !out->id || !out->name) err = tz_err_new(TZE_INTERNAL);
        }
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    if (err) tz_provider_rec_clear(out);
    return err;
}

tz_error *tzs_sq_provider_delete(tz_store *s, const char *id) {
    if (!id) return tzs_bad_arg(s, "provider_delete", "id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "provider_delete");
    if (!err) {
        /* the cluster, its memberships and the supports go with the row (foreign keys) */
        int rc = tzs_run(s, c, SQL_PROVIDER_DELETE, id, NULL, &err);
        if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "provider_delete", rc);
        if (!err && sqlite3_changes(c->db) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
        if (!err) {
            rc = tzs_run(s, c, SQL_PROVIDER_DELETE_TOKENS, id, NULL, &err);
            if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "provider_delete", rc);
        }
        if (!err) {
            rc = tzs_run(s, c, SQL_PROVIDER_DELETE_TEMP, id, NULL, &err);
            if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "provider_delete", rc);
        }
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, "provider_delete");
    }
    tzs_release(s, c);
    return err;
}
