/* SQLite: the verification reads with the subject's username in the same statement, for answers
 * that name the user (RFC 7662 introspection, forward auth): one snapshot, no second read of the
 * user row. With username NULL they are the plain verification reads (named_verify_state,
 * temp_verify_state in store_sqlite_verify.c): the same statement, the name left unread. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/store_internal.h"

/* Column 8: NULL when the subject is gone, else 1 = blocked user, 0 = usable; column 9: the
 * user's username (NULL for providers). users.blocked is NOT NULL, so a joined user row always
 * gives a non-NULL column 8. */
static const char SQL_NAMED_VERIFY_USER[] =
    "SELECT n.id, n.name, n.subject_kind, n.subject_id, n.token, n.secret, n.metadata, n.revoked,"
    " CASE n.subject_kind"
    "  WHEN 1 THEN u.blocked"
    "  WHEN 2 THEN (SELECT 0 FROM providers p WHERE p.id = n.subject_id) END,"
    " u.username"
    " FROM named_tokens n LEFT JOIN users u ON n.subject_kind = 1 AND u.id = n.subject_id"
    " WHERE n.id = ?1";
static const char SQL_TEMP_VERIFY_USER[] =
    "SELECT CASE ?1 WHEN 1 THEN u.blocked WHEN 2 THEN (SELECT 0 FROM providers p WHERE p.id = ?2) END,"
    " t.secret, t.generation, u.username"
    " FROM (SELECT 1) one"
    " LEFT JOIN users u ON ?1 = 1 AND u.id = ?2"
    " LEFT JOIN temp_secrets t ON t.subject_kind = ?1 AND t.subject_id = ?2";

tz_error *tzs_sq_named_verify_user(tz_store *s, const char *id, tz_named_token_rec *out,
                                   bool *subject_exists, bool *subject_blocked, char **username) {
    memset(out, 0, sizeof *out);
    *subject_exists = *subject_blocked = false;
    if (username) *username = NULL;
    if (!id) return tzs_bad_arg(s, "named_verify_user", "id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_NAMED_VERIFY_USER, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) err = tz_err_new(TZE_STORE_NOT_FOUND);
        else if (rc != SQLITE_ROW) err = tzs_fail(s, c->db, "named_verify_user", rc);
        else if (!tzs_read_named_row(st, out) || (username && !tzs_col_dup(st, 9, username)))
            err = tz_err_new(TZE_INTERNAL);
        else {
            *subject_exists = sqlite3_column_type(st, 8) != SQLITE_NULL;
            *subject_blocked = *subject_exists && sqlite3_column_int(st, 8) != 0;
        }
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    if (err) {
        tz_named_token_rec_clear(out);
        if (username) {
            free(*username);
            *username = NULL;
        }
    }
    return err;
}

tz_error *tzs_sq_temp_verify_user(tz_store *s, const tz_subject *subject,
                                  char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                  bool *has_secret, bool *subject_exists, bool *subject_blocked,
                                  char **username) {
    *has_secret = *subject_exists = *subject_blocked = false;
    *generation = 0;
    if (username) *username = NULL;
    secret_out[0] = '\0';
    int kind = tzs_subject_kind(subject);
    if (kind < 0) return tzs_bad_arg(s, "temp_verify_user", "user/provider subject");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_TEMP_VERIFY_USER, &st);
    if (!err) {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_text(st, 2, subject->id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
            err = tzs_fail(s, c->db, "temp_verify_user", rc == SQLITE_DONE ? SQLITE_INTERNAL : rc);
        } else if (username && !tzs_col_dup(st, 3, username)) {
            err = tz_err_new(TZE_INTERNAL);
        } else {
            *subject_exists = sqlite3_column_type(st, 0) != SQLITE_NULL;
            *subject_blocked = *subject_exists && sqlite3_column_int(st, 0) != 0;
            if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
                const char *secret = (const char *)sqlite3_column_text(st, 1);
                int len = sqlite3_column_bytes(st, 1);
                if (!secret || len < 1 || len > TZ_STORED_SECRET_MAX) {
                    err = tzs_bad_arg(s, "temp_verify_user", "stored secret has the wrong length");
                } else {
                    memcpy(secret_out, secret, (size_t)len + 1);
                    *generation = sqlite3_column_int64(st, 2);
                    *has_secret = true;
                }
            }
        }
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    if (err) {
        OPENSSL_cleanse(secret_out, TZ_STORED_SECRET_MAX + 1);
        *has_secret = false;
        if (username) {
            free(*username);
            *username = NULL;
        }
    }
    return err;
}
