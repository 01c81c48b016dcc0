/* PostgreSQL store: per-subject temporary-token secrets with their generation. The record is
 * created lazily on first read (INSERT .. ON CONFLICT DO NOTHING, then read back); a bump computes
 * generation + 1 in the database under the row lock, so concurrent bumps from several nodes all
 * count. The verification read (temp_verify_state) is one prepared statement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/pg_internal.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

static const char SQL_TEMP_GET[] =
    "SELECT secret, generation FROM temp_secrets WHERE subject_kind = $1::smallint AND subject_id = $2";
static const char SQL_TEMP_CREATE[] =
    "WITH i AS (INSERT INTO temp_secrets (subject_kind, subject_id, secret, generation)"
    "   VALUES ($1::smallint, $2, $3, 1) ON CONFLICT DO NOTHING RETURNING secret, generation)"
    " SELECT secret, generation FROM i"
    " UNION ALL SELECT secret, generation FROM temp_secrets"
    "   WHERE subject_kind = $1::smallint AND subject_id = $2"
    " LIMIT 1";
static const char SQL_TEMP_BUMP[] =
    "INSERT INTO temp_secrets (subject_kind, subject_id, secret, generation)"
    " VALUES ($1::smallint, $2, $3, 1)"
    " ON CONFLICT (subject_kind, subject_id)"
    " DO UPDATE SET secret = excluded.secret, generation = temp_secrets.generation + 1";
static const char SQL_TEMP_VERIFY[] =
    "SELECT ts.secret, ts.generation,"
    " CASE $1::smallint WHEN 1 THEN EXISTS (SELECT 1 FROM users WHERE id = $2)"
    "   ELSE EXISTS (SELECT 1 FROM providers WHERE id = $2) END,"
    " coalesce((SELECT blocked FROM users WHERE id = $2 AND $1::smallint = 1), false)"
    " FROM (SELECT 1) one"
    " LEFT JOIN temp_secrets ts ON ts.subject_kind = $1::smallint AND ts.subject_id = $2";
static const char SQL_TEMP_PAGE[] =
    "SELECT subject_kind, subject_id, secret, generation FROM temp_secrets"
    " WHERE $1::text IS NULL OR (subject_kind, subject_id) > ($1::smallint, $2)"
    " ORDER BY subject_kind, subject_id LIMIT $3::bigint";
static const char SQL_TEMP_PUT[] =
    "INSERT INTO temp_secrets (subject_kind, subject_id, secret, generation)"
    " VALUES ($1::smallint, $2, $3, $4::bigint)";

/* Copies a stored secret cell into out; false when it is not TZ_SECRET_HEX_LEN long. */
static bool copy_secret(const PGresult *r, int row, int col, char out[TZ_SECRET_HEX_LEN + 1]) {
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != TZ_SECRET_HEX_LEN) return false;
    memcpy(out, PQgetvalue(r, row, col), TZ_SECRET_HEX_LEN + 1);
    return true;
}

/* Copies a stored (sealed) secret cell into out; false when empty or over TZ_STORED_SECRET_MAX. */
static bool copy_stored(const PGresult *r, int row, int col, char out[TZ_STORED_SECRET_MAX + 1]) {
    int len = PQgetlength(r, row, col);
    if (PQgetisnull(r, row, col) || len < 1 || len > TZ_STORED_SECRET_MAX) return false;
    memcpy(out, PQgetvalue(r, row, col), (size_t)len + 1);
    return true;
}

tz_error *pgs_temp_secret_get(tz_store *ts, const tz_subject *subject,
                              char secret_out[TZ_SECRET_HEX_LEN + 1], int64_t *generation) {
    pg_store *s = (pg_store *)ts;
    const char *kind = pgs_subject_kind(subject);
    if (!kind || !secret_out || !generation)
        return pgs_bad_arg(s, "temp_secret_get", "user/provider subject");
    const char *params[] = {kind, subject->id, NULL};
    PGresult *r = NULL;
    tz_error *err = pgs_query(s, "temp_secret_get", PGS_READ, SQL_TEMP_GET, 2, params, &r, NULL);
    /* absent: create it; a concurrent creator may win (then its row is read back), and a row
     * committed after this statement's snapshot shows on the next attempt */
    char fresh[TZ_SECRET_HEX_LEN + 1];
    for (int attempt = 0; !err && PQntuples(r) == 0 && attempt < 3; attempt++) {
        PQclear(r);
        r = NULL;
        err = tz_store_random_secret(fresh);
        params[2] = fresh;
        if (!err)
            err = pgs_query(s, "temp_secret_get", PGS_WRITE1, SQL_TEMP_CREATE, 3, params, &r, NULL);
        OPENSSL_cleanse(fresh, sizeof fresh);
    }
    if (!err && PQntuples(r) == 0) err = pgs_bad_arg(s, "temp_secret_get", "the record keeps vanishing");
    if (!err && !copy_secret(r, 0, 0, secret_out))
        err = pgs_bad_arg(s, "temp_secret_get", "stored secret has the wrong length");
    if (!err) *generation = pgs_int(r, 0, 1);
    pgs_clear_wiped(r);
    if (err) OPENSSL_cleanse(secret_out, TZ_SECRET_HEX_LEN + 1);
    return err;
}

tz_error *pgs_temp_secret_bump(tz_store *ts, const tz_subject *subject) {
    pg_store *s = (pg_store *)ts;
    const char *kind = pgs_subject_kind(subject);
    if (!kind) return pgs_bad_arg(s, "temp_secret_bump", "user/provider subject");
    char fresh[TZ_SECRET_HEX_LEN + 1];
    tz_error *err = tz_store_random_secret(fresh);
    if (err) return err;
    const char *params[] = {kind, subject->id, fresh};
    err = pgs_query(s, "temp_secret_bump", PGS_WRITE1, SQL_TEMP_BUMP, 3, params, NULL, NULL);
    OPENSSL_cleanse(fresh, sizeof fresh);
    return err;
}

tz_error *pgs_temp_verify_state(tz_store *ts, const tz_subject *subject,
                                char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                bool *has_secret, bool *subject_exists, bool *subject_blocked) {
    pg_store *s = (pg_store *)ts;
    *has_secret = false;
    *subject_exists = false;
    *subject_blocked = false;
    *generation = 0;
    const char *kind = pgs_subject_kind(subject);
    if (!kind || !secret_out) return pgs_bad_arg(s, "temp_verify_state", "user/provider subject");
    const char *params[] = {kind, subject->id};
    PGresult *r;
    tz_error *err = pgs_query(s, "temp_verify_state", PGS_READ, SQL_TEMP_VERIFY, 2, params, &r, NULL);
    if (err) return err;
    if (PQntuples(r) == 0) {
        /* a subject id that is not UTF-8: nothing stored, no such subject */
    } else if (PQntuples(r) != 1) {
        err = pgs_bad_arg(s, "temp_verify_state", "unexpected row count");
    } else {
        *subject_exists = pgs_bool(r, 0, 2);
        *subject_blocked = *subject_exists && pgs_bool(r, 0, 3);
        if (!PQgetisnull(r, 0, 0)) {
            if (!copy_stored(r, 0, 0, secret_out))
                err = pgs_bad_arg(s, "temp_verify_state", "stored secret has the wrong length");
            else {
                *has_secret = true;
                *generation = pgs_int(r, 0, 1);
            }
        }
    }
    pgs_clear_wiped(r);
    return err;
}

tz_error *pgs_temp_secret_list(tz_store *ts, size_t limit, const char *cursor,
                               tz_temp_secret_rec **out, size_t *n, char **next) {
    pg_store *s = (pg_store *)ts;
    *out = NULL;
    *n = 0;
    *next = NULL;
    char *key[2];
    size_t lim;
    tz_error *err = pgs_page_start(s, "temp_secret_list", limit, cursor, key, 2, &lim);
    if (err) return err;
    if (key[0] && strcmp(key[0], "1") && strcmp(key[0], "2")) {
        tzs_cursor_parts_free(key, 2);
        return pgs_bad_arg(s, "temp_secret_list", "cursor");
    }
    char lim_text[24];
    pgs_limit_param(lim, lim_text);
    const char *params[] = {key[0], key[1], lim_text};
    PGresult *r;
    err = pgs_query(s, "temp_secret_list", PGS_READ, SQL_TEMP_PAGE, 3, params, &r, NULL);
    tzs_cursor_parts_free(key, 2);
    if (err) return err;
    size_t rows = (size_t)PQntuples(r);
    if (rows > lim) rows = lim;
    tz_temp_secret_rec *recs = rows ? calloc(rows, sizeof *recs) : NULL;
    if (rows && !recs) err = tz_err_new(TZE_INTERNAL);
    size_t count = 0;
    for (; !err && count < rows; count++) {
        tz_temp_secret_rec *t = &recs[count];
        if (!pgs_subject_from_row((int)pgs_int(r, (int)count, 0), PQgetvalue(r, (int)count, 1),
                                  &t->subject) ||
            !copy_stored(r, (int)count, 2, t->secret))
            err = tz_err_new(TZE_INTERNAL);
        t->generation = pgs_int(r, (int)count, 3);
    }
    static const int cols[] = {0, 1};
    if (!err && !pgs_page_next(r, lim, cols, 2, next)) err = tz_err_new(TZE_INTERNAL);
    pgs_clear_wiped(r);
    if (err) {
        tz_temp_secret_recs_free(recs, count);
        return err;
    }
    *out = recs;
    *n = rows;
    return NULL;
}

tz_error *pgs_temp_secret_put(tz_store *ts, const tz_temp_secret_rec *rec) {
    pg_store *s = (pg_store *)ts;
    const char *kind = rec ? pgs_subject_kind(&rec->subject) : NULL;
    if (!kind || !rec->secret[0] || strlen(rec->secret) > TZ_STORED_SECRET_MAX || rec->generation < 1)
        return pgs_bad_arg(s, "temp_secret_put", "subject, secret and generation");
    char gen[24];
    snprintf(gen, sizeof gen, "%lld", (long long)rec->generation);
    const char *params[] = {kind, rec->subject.id, rec->secret, gen};
    return pgs_query(s, "temp_secret_put", PGS_WRITE1, SQL_TEMP_PUT, 4, params, NULL, NULL);
}
