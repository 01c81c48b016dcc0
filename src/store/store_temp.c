/* Per-subject temporary-token secrets with their generation. The record is created lazily on
 * first read, as Onezone does, without checking that the subject exists. tz_store_temp_secret_get
 * is on the verification hot path: normally a single indexed SELECT. */
#include <string.h>
#include <openssl/crypto.h>
#include "store/store_internal.h"

static const char SQL_TEMP_GET[] =
    "SELECT secret, generation FROM temp_secrets WHERE subject_kind = ?1 AND subject_id = ?2";
/* Concurrent first reads race here; OR IGNORE lets exactly one secret win and all read it back. */
static const char SQL_TEMP_CREATE[] =
    "INSERT OR IGNORE INTO temp_secrets (subject_kind, subject_id, secret, generation)"
    " VALUES (?1, ?2, ?3, 1)";
static const char SQL_TEMP_BUMP[] =
    "INSERT INTO temp_secrets (subject_kind, subject_id, secret, generation)"
    " VALUES (?1, ?2, ?3, 1)"
    " ON CONFLICT (subject_kind, subject_id)"
    " DO UPDATE SET secret = excluded.secret, generation = generation + 1";

/* Reads the record; *found = false when absent. */
static tz_error *read_secret(tz_store *s, tzs_conn *c, int kind, const char *id,
                             char secret_out[TZ_SECRET_HEX_LEN + 1], int64_t *generation,
                             bool *found) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_TEMP_GET, &st);
    if (err) return err;
    sqlite3_bind_int(st, 1, kind);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        const char *secret = (const char *)sqlite3_column_text(st, 0);
        if (!secret || (size_t)sqlite3_column_bytes(st, 0) != TZ_SECRET_HEX_LEN) {
            err = tzs_bad_arg(s, "temp_secret_get", "stored secret has the wrong length");
        } else {
            memcpy(secret_out, secret, TZ_SECRET_HEX_LEN + 1);
            *generation = sqlite3_column_int64(st, 1);
        }
    } else if (rc != SQLITE_DONE) {
        err = tzs_fail(s, c->db, "temp_secret_get", rc);
    }
    sqlite3_reset(st);
    return err;
}

/* Runs SQL_TEMP_CREATE or SQL_TEMP_BUMP with a fresh secret. */
static tz_error *write_secret(tz_store *s, tzs_conn *c, const char *sql, int kind,
                              const char *id, const char *op) {
    char secret[TZ_SECRET_HEX_LEN + 1];
    tz_error *err = tz_store_random_secret(secret);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, sql, &st);
    if (!err) {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, secret, TZ_SECRET_HEX_LEN, SQLITE_STATIC);
        int rc = tzs_step_done(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, op, rc);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    return err;
}

tz_error *tzs_sq_temp_secret_get(tz_store *s, const tz_subject *subject,
                                   char secret_out[TZ_SECRET_HEX_LEN + 1], int64_t *generation) {
    int kind = tzs_subject_kind(subject);
    if (kind < 0 || !secret_out || !generation)
        return tzs_bad_arg(s, "temp_secret_get", "user/provider subject");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    bool found = false;
    err = read_secret(s, c, kind, subject->id, secret_out, generation, &found);
    /* a concurrent deletion of the subject may remove the record between create and read */
    for (int attempt = 0; !err && !found && attempt < 3; attempt++) {
        err = write_secret(s, c, SQL_TEMP_CREATE, kind, subject->id, "temp_secret_get");
        if (!err) err = read_secret(s, c, kind, subject->id, secret_out, generation, &found);
    }
    if (!err && !found) err = tzs_bad_arg(s, "temp_secret_get", "the record keeps vanishing");
    tzs_release(s, c);
    if (err) OPENSSL_cleanse(secret_out, TZ_SECRET_HEX_LEN + 1);
    return err;
}

tz_error *tzs_sq_temp_secret_bump(tz_store *s, const tz_subject *subject) {
    int kind = tzs_subject_kind(subject);
    if (kind < 0) return tzs_bad_arg(s, "temp_secret_bump", "user/provider subject");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = write_secret(s, c, SQL_TEMP_BUMP, kind, subject->id, "temp_secret_bump");
    tzs_release(s, c);
    return err;
}
