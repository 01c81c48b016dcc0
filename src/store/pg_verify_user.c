/* PostgreSQL: the verification reads of pg_tokens.c / pg_temp.c with the subject's username in the
 * same prepared statement, for answers that name the user (RFC 7662 introspection, forward auth):
 * one round trip, one snapshot, no second read of the user row. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/pg_internal.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

/* columns 0-7 as named_get; 8 subject exists, 9 blocked, 10 username (NULL for providers) */
static const char SQL_NAMED_VERIFY_USER[] =
    "SELECT t.id, t.name, t.subject_kind, t.subject_id, t.token, t.secret, t.metadata, t.revoked,"
    " CASE t.subject_kind WHEN 1 THEN u.id IS NOT NULL ELSE p.id IS NOT NULL END,"
    " coalesce(u.blocked, false), u.username"
    " FROM named_tokens t"
    " LEFT JOIN users u ON t.subject_kind = 1 AND u.id = t.subject_id"
    " LEFT JOIN providers p ON t.subject_kind = 2 AND p.id = t.subject_id"
    " WHERE t.id = $1";
/* 0 secret, 1 generation, 2 subject exists, 3 blocked, 4 username (NULL for providers) */
static const char SQL_TEMP_VERIFY_USER[] =
    "SELECT ts.secret, ts.generation,"
    " CASE $1::smallint WHEN 1 THEN u.id IS NOT NULL"
    "   ELSE EXISTS (SELECT 1 FROM providers WHERE id = $2) END,"
    " coalesce(u.blocked, false), u.username"
    " FROM (SELECT 1) one"
    " LEFT JOIN users u ON $1::smallint = 1 AND u.id = $2"
    " LEFT JOIN temp_secrets ts ON ts.subject_kind = $1::smallint AND ts.subject_id = $2";

static bool read_named(const PGresult *r, tz_named_token_rec *t) {
    memset(t, 0, sizeof *t);
    bool ok = pgs_dup(r, 0, 0, &t->id) && pgs_dup(r, 0, 1, &t->name) &&
              pgs_subject_from_row((int)pgs_int(r, 0, 2), PQgetvalue(r, 0, 3), &t->subject) &&
              pgs_dup(r, 0, 4, &t->token) && pgs_dup(r, 0, 5, &t->secret) &&
              pgs_dup(r, 0, 6, &t->metadata_json);
    t->revoked = pgs_bool(r, 0, 7);
    return ok && t->id && t->name && t->token && t->secret && t->metadata_json;
}

tz_error *pgs_named_verify_user(tz_store *ts, const char *id, tz_named_token_rec *out,
                                bool *subject_exists, bool *subject_blocked, char **username) {
    pg_store *s = (pg_store *)ts;
    memset(out, 0, sizeof *out);
    *subject_exists = *subject_blocked = false;
    *username = NULL;
    if (!id) return pgs_bad_arg(s, "named_verify_user", "id");
    const char *params[] = {id};
    PGresult *r;
    tz_error *err = pgs_query(s, "named_verify_user", PGS_READ, SQL_NAMED_VERIFY_USER, 1, params, &r, NULL);
    if (err) return err;
    if (PQntuples(r) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    else if (!read_named(r, out) || !pgs_dup(r, 0, 10, username)) err = tz_err_new(TZE_INTERNAL);
    else {
        *subject_exists = pgs_bool(r, 0, 8);
        *subject_blocked = *subject_exists && pgs_bool(r, 0, 9);
    }
    pgs_clear_wiped(r);
    if (err) {
        tz_named_token_rec_clear(out);
        free(*username);
        *username = NULL;
    }
    return err;
}

tz_error *pgs_temp_verify_user(tz_store *ts, const tz_subject *subject,
                               char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                               bool *has_secret, bool *subject_exists, bool *subject_blocked,
                               char **username) {
    pg_store *s = (pg_store *)ts;
    *has_secret = *subject_exists = *subject_blocked = false;
    *generation = 0;
    *username = NULL;
    const char *kind = pgs_subject_kind(subject);
    if (!kind || !secret_out) return pgs_bad_arg(s, "temp_verify_user", "user/provider subject");
    secret_out[0] = '\0';
    const char *params[] = {kind, subject->id};
    PGresult *r;
    tz_error *err = pgs_query(s, "temp_verify_user", PGS_READ, SQL_TEMP_VERIFY_USER, 2, params, &r, NULL);
    if (err) return err;
    if (PQntuples(r) == 0) {
        /* a subject id that is not UTF-8: nothing stored, no such subject */
    } else if (PQntuples(r) != 1) {
        err = pgs_bad_arg(s, "temp_verify_user", "unexpected row count");
    } else if (!pgs_dup(r, 0, 4, username)) {
        err = tz_err_new(TZE_INTERNAL);
    } else {
        *subject_exists = pgs_bool(r, 0, 2);
        *subject_blocked = *subject_exists && pgs_bool(r, 0, 3);
        if (!PQgetisnull(r, 0, 0)) {
            int len = PQgetlength(r, 0, 0);
            if (len < 1 || len > TZ_STORED_SECRET_MAX) {
                err = pgs_bad_arg(s, "temp_verify_user", "stored secret has the wrong length");
            } else {
                memcpy(secret_out, PQgetvalue(r, 0, 0), (size_t)len + 1);
                *has_secret = true;
                *generation = pgs_int(r, 0, 1);
            }
        }
    }
    pgs_clear_wiped(r);
    if (err) {
        OPENSSL_cleanse(secret_out, TZ_STORED_SECRET_MAX + 1);
        *has_secret = false;
        free(*username);
        *username = NULL;
    }
    return err;
}
