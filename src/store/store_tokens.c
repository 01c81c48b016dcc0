/* Named tokens. tz_store_named_get is on the verification hot path: one cached statement, one
 * index lookup. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/store_internal.h"

static const char SQL_NAMED_INSERT[] =
    "INSERT INTO named_tokens (id, name, subject_kind, subject_id, token, secret, metadata,"
    " revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_NAMED_GET[] =
    "SELECT id, name, subject_kind, subject_id, token, secret, metadata, revoked"
    " FROM named_tokens WHERE id = ?1";
static const char SQL_NAMED_GET_BY_NAME[] =
    "SELECT id, name, subject_kind, subject_id, token, secret, metadata, revoked"
    " FROM named_tokens WHERE subject_kind = ?1 AND subject_id = ?2 AND name = ?3";
static const char SQL_NAMED_UPDATE[] =
    "UPDATE named_tokens SET name = coalesce(?2, name), metadata = coalesce(?3, metadata),"
    " revoked = CASE WHEN ?4 < 0 THEN revoked ELSE ?4 END WHERE id = ?1";
/* compare-and-set on the metadata text: no concurrent writer's change is lost */
static const char SQL_NAMED_UPDATE_IF[] =
    "UPDATE named_tokens SET name = coalesce(?2, name), metadata = coalesce(?3, metadata),"
    " revoked = CASE WHEN ?4 < 0 THEN revoked ELSE ?4 END WHERE id = ?1 AND metadata = ?5";
static const char SQL_NAMED_EXISTS[] = "SELECT 1 FROM named_tokens WHERE id = ?1";
static const char SQL_NAMED_DELETE[] = "DELETE FROM named_tokens WHERE id = ?1";
static const char SQL_NAMED_DELETE_ALL[] =
    "DELETE FROM named_tokens WHERE subject_kind = ?1 AND subject_id = ?2";

tz_error *tzs_insert_named(tz_store *s, tzs_conn *c, const tz_named_token_rec *r) {
    int kind = r ? tzs_subject_kind(&r->subject) : -1;
    if (!r || !r->id || !r->name || kind < 0 || !r->token || !r->secret || !r->metadata_json)
        return tzs_bad_arg(s, "named_create", "id, name, user/provider subject, token, secret "
                                              "and metadata are required");
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_NAMED_INSERT, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, kind);
    sqlite3_bind_text(st, 4, r->subject.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->token, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->secret, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->metadata_json, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, r->revoked);
    int rc = tzs_step_done(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return tz_err_key(TZE_STORE_CONFLICT, "name");
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return tz_err_key(TZE_STORE_CONFLICT, "id");
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "named_create", rc);
    return NULL;
}

tz_error *tzs_sq_named_create(tz_store *s, const tz_named_token_rec *r) {
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_insert_named(s, c, r);
    tzs_release(s, c);
    return err;
}

bool tzs_read_named_row(sqlite3_stmt *st, tz_named_token_rec *r) {
    memset(r, 0, sizeof *r);
    const char *sid = (const char *)sqlite3_column_text(st, 3);
    bool ok = tzs_col_dup(st, 0, &r->id) && tzs_col_dup(st, 1, &r->name) &&
              sid && tzs_subject_from_row(sqlite3_column_int(st, 2), sid, &r->subject) &&
              tzs_col_dup(st, 4, &r->token) && tzs_col_dup(st, 5, &r->secret) &&
              tzs_col_dup(st, 6, &r->metadata_json);
    r->revoked = sqlite3_column_int(st, 7) != 0;
    return ok && r->id && r->name && r->token && r->secret && r->metadata_json;
}

/* Runs a bound SELECT of named-token columns expecting at most one row. */
static tz_error *fetch_one(tz_store *s, tzs_conn *c, sqlite3_stmt *st, const char *op,
                           tz_named_token_rec *out) {
    tz_error *err = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) err = tz_err_new(TZE_STORE_NOT_FOUND);
    else if (rc != SQLITE_ROW) err = tzs_fail(s, c->db, op, rc);
    else if (!tzs_read_named_row(st, out)) err = tz_err_new(TZE_INTERNAL);
    sqlite3_reset(st);
    if (err) tz_named_token_rec_clear(out);
    return err;
}

tz_error *tzs_sq_named_get(tz_store *s, const char *id, tz_named_token_rec *out) {
    memset(out, 0, sizeof *out);
    if (!id) return tzs_bad_arg(s, "named_get", "id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_NAMED_GET, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        err = fetch_one(s, c, st, "named_get", out);
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_named_get_by_name(tz_store *s, const tz_subject *subject, const char *name,
                                     tz_named_token_rec *out) {
    memset(out, 0, sizeof *out);
    int kind = tzs_subject_kind(subject);
    if (kind < 0 || !name)
        return tzs_bad_arg(s, "named_get_by_name", "user/provider subject, name");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_NAMED_GET_BY_NAME, &st);
    if (!err) {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_text(st, 2, subject->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        err = fetch_one(s, c, st, "named_get_by_name", out);
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_named_update(tz_store *s, const char *id, const char *name,
                                const char *metadata_json, int revoked, const char *if_metadata_json) {
    if (!id || revoked < -1 || revoked > 1) return tzs_bad_arg(s, "named_update", "id, revoked");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, if_metadata_json ? SQL_NAMED_UPDATE_IF : SQL_NAMED_UPDATE, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (name) sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        if (metadata_json) sqlite3_bind_text(st, 3, metadata_json, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, revoked);
        if (if_metadata_json) sqlite3_bind_text(st, 5, if_metadata_json, -1, SQLITE_STATIC);
        int rc = tzs_step_done(st);
        sqlite3_clear_bindings(st);
        if (rc == SQLITE_CONSTRAINT_UNIQUE)
            err = tz_err_key(TZE_STORE_CONFLICT, "name");
        else if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, "named_update", rc);
        else if (sqlite3_changes(c->db) == 0 && !if_metadata_json) err = tz_err_new(TZE_STORE_NOT_FOUND);
        else if (sqlite3_changes(c->db) == 0) {
            /* either the token is gone or its metadata changed since the caller read it */
            err = tzs_stmt(s, c, SQL_NAMED_EXISTS, &st);
            if (!err) {
                sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
                sqlite3_reset(st);
                if (rc == SQLITE_ROW) err = tz_err_key(TZE_STORE_CONFLICT, "metadata");
                else if (rc == SQLITE_DONE) err = tz_err_new(TZE_STORE_NOT_FOUND);
                else err = tzs_fail(s, c->db, "named_update", rc);
            }
        }
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_named_delete(tz_store *s, const char *id) {
    if (!id) return tzs_bad_arg(s, "named_delete", "id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_NAMED_DELETE, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int rc = tzs_step_done(st);
        if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, "named_delete", rc);
        else if (sqlite3_changes(c->db) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_named_delete_all(tz_store *s, const tz_subject *subject) {
    int kind = tzs_subject_kind(subject);
    if (kind < 0) return tzs_bad_arg(s, "named_delete_all", "user/provider subject");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_NAMED_DELETE_ALL, &st);
    if (!err) {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_text(st, 2, subject->id, -1, SQLITE_STATIC);
        int rc = tzs_step_done(st);
        if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, "named_delete_all", rc);
    }
    tzs_release(s, c);
    return err;
}
