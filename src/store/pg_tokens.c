/* PostgreSQL store: named tokens. The verification read (named_verify_state) is one prepared
 * statement: the token row joined with its subject's existence and blocked flag. Updates are
 * single statements; custom metadata changes are compare-and-set on the stored text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_internal.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

#define NAMED_COLS "t.id, t.name, t.subject_kind, t.subject_id, t.token, t.secret, t.metadata, t.revoked"

static const char SQL_NAMED_INSERT[] =
    "INSERT INTO named_tokens (id, name, subject_kind, subject_id, token, secret, metadata, revoked)"
    " VALUES ($1, $2, $3::smallint, $4, $5, $6, $7, $8::boolean)";
static const char SQL_NAMED_GET[] = "SELECT " NAMED_COLS " FROM named_tokens t WHERE t.id = $1";
static const char SQL_NAMED_GET_BY_NAME[] =
    "SELECT " NAMED_COLS " FROM named_tokens t"
    " WHERE t.subject_kind = $1::smallint AND t.subject_id = $2 AND t.name = $3";
#define NAMED_VERIFY_FROM \
    "SELECT " NAMED_COLS "," \
    " CASE t.subject_kind WHEN 1 THEN u.id IS NOT NULL ELSE p.id IS NOT NULL END," \
    " coalesce(u.blocked, false)"
#define NAMED_VERIFY_JOIN \
    " FROM named_tokens t" \
    " LEFT JOIN users u ON t.subject_kind = 1 AND u.id = t.subject_id" \
    " LEFT JOIN providers p ON t.subject_kind = 2 AND p.id = t.subject_id" \
    " WHERE t.id = $1"
static const char SQL_NAMED_VERIFY[] = NAMED_VERIFY_FROM NAMED_VERIFY_JOIN;
/* named_verify_state_and_get: the verification row of $1 (column 10 = 1) and the plain row of $2
 * (column 10 = 2) in one statement: one snapshot, one round trip instead of two. */
static const char SQL_NAMED_VERIFY_AND_GET[] =
    NAMED_VERIFY_FROM ", 1" NAMED_VERIFY_JOIN
    " UNION ALL SELECT " NAMED_COLS ", false, false, 2 FROM named_tokens t WHERE t.id = $2";
/* one statement: the update (conditional on the stored metadata when $5 is given) and whether
 * the token exists at all, to tell "not found" from "lost the compare-and-set" */
static const char SQL_NAMED_UPDATE[] =
    "WITH u AS (UPDATE named_tokens SET name = coalesce($2, name),"
    "   metadata = coalesce($3, metadata), revoked = coalesce($4::boolean, revoked)"
    "   WHERE id = $1 AND ($5::text IS NULL OR metadata = $5) RETURNING 1)"
    " SELECT (SELECT count(*) FROM u), EXISTS (SELECT 1 FROM named_tokens WHERE id = $1)";
static const char SQL_NAMED_DELETE[] = "DELETE FROM named_tokens WHERE id = $1";
static const char SQL_NAMED_DELETE_ALL[] =
    "DELETE FROM named_tokens WHERE subject_kind = $1::smallint AND subject_id = $2";
/* First pages and later pages are separate statements: with "$3 IS NULL OR name > $3" the
 * generic plan of a prepared statement cannot use the cursor as an index bound, so every page
 * rescanned the subject's tokens from the first one (listing 100,000 ids took 3.6 s). */
static const char SQL_NAMED_PAGE_FIRST[] =
    "SELECT id, name FROM named_tokens WHERE subject_kind = $1::smallint AND subject_id = $2"
    " ORDER BY name LIMIT $3::bigint";
static const char SQL_NAMED_PAGE[] =
    "SELECT id, name FROM named_tokens WHERE subject_kind = $1::smallint AND subject_id = $2"
    " AND name > $3 ORDER BY name LIMIT $4::bigint";
static const char SQL_NAMED_PAGE_ALL_FIRST[] =
    "SELECT id, subject_kind, subject_id, name FROM named_tokens"
    " ORDER BY subject_kind, subject_id, name LIMIT $1::bigint";
static const char SQL_NAMED_PAGE_ALL[] =
    "SELECT id, subject_kind, subject_id, name FROM named_tokens"
    " WHERE (subject_kind, subject_id, name) > ($1::smallint, $2, $3)"
    " ORDER BY subject_kind, subject_id, name LIMIT $4::bigint";

tz_error *pgs_named_insert(pg_store *s, pgs_conn *c, const tz_named_token_rec *r, const char *op) {
    const char *kind = r ? pgs_subject_kind(&r->subject) : NULL;
    if (!r || !r->id || !r->name || !kind || !r->token || !r->secret || !r->metadata_json)
        return pgs_bad_arg(s, op, "id, name, user/provider subject, token, secret and metadata "
                                  "are required");
    const char *params[] = {r->id, r->name, kind, r->subject.id, r->token, r->secret,
                            r->metadata_json, r->revoked ? "true" : "false"};
    return pgs_run(s, c, op, SQL_NAMED_INSERT, 8, params, NULL);
}

static tz_error *create_work(pg_store *s, pgs_conn *c, void *ctx) {
    return pgs_named_insert(s, c, ctx, "named_create");
}

tz_error *pgs_named_create(tz_store *ts, const tz_named_token_rec *r) {
    pg_store *s = (pg_store *)ts;
    if (!r || !pgs_subject_kind(&r->subject)) return pgs_bad_arg(s, "named_create", "record");
    return pgs_run_work(s, "named_create", PGS_WRITE1, create_work, (void *)r);
}

static bool read_named(const PGresult *r, int row, tz_named_token_rec *t) {
    memset(t, 0, sizeof *t);
    bool ok = pgs_dup(r, row, 0, &t->id) && pgs_dup(r, row, 1, &t->name) &&
              pgs_subject_from_row((int)pgs_int(r, row, 2), PQgetvalue(r, row, 3), &t->subject) &&
              pgs_dup(r, row, 4, &t->token) && pgs_dup(r, row, 5, &t->secret) &&
              pgs_dup(r, row, 6, &t->metadata_json);
    t->revoked = pgs_bool(r, row, 7);
    return ok && t->id && t->name && t->token && t->secret && t->metadata_json;
}

static tz_error *get_one(pg_store *s, const char *op, const char *sql, int n,
                         const char *const *params, tz_named_token_rec *out, PGresult **keep) {
    PGresult *r;
    tz_error *err = pgs_query(s, op, PGS_READ, sql, n, params, &r, NULL);
    if (err) return err;
    if (PQntuples(r) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    else if (!read_named(r, 0, out)) err = tz_err_new(TZE_INTERNAL);
    if (err) tz_named_token_rec_clear(out);
    if (!err && keep) *keep = r;
    else pgs_clear_wiped(r);
    return err;
}

tz_error *pgs_named_get(tz_store *ts, const char *id, tz_named_token_rec *out) {
    pg_store *s = (pg_store *)ts;
    memset(out, 0, sizeof *out);
    if (!id) return pgs_bad_arg(s, "named_get", "id");
    const char *params[] = {id};
    return get_one(s, "named_get", SQL_NAMED_GET, 1, params, out, NULL);
}

tz_error *pgs_named_get_by_name(tz_store *ts, const tz_subject *subject, const char *name,
                                tz_named_token_rec *out) {
    pg_store *s = (pg_store *)ts;
    memset(out, 0, sizeof *out);
    const char *kind = pgs_subject_kind(subject);
    if (!kind || !name) return pgs_bad_arg(s, "named_get_by_name", "user/provider subject, name");
    const char *params[] = {kind, subject->id, name};
    return get_one(s, "named_get_by_name", SQL_NAMED_GET_BY_NAME, 3, params, out, NULL);
}

tz_error *pgs_named_verify_state(tz_store *ts, const char *id, tz_named_token_rec *out,
                                 bool *subject_exists, bool *subject_blocked) {
    pg_store *s = (pg_store *)ts;
    memset(out, 0, sizeof *out);
    *subject_exists = false;
    *subject_blocked = false;
    if (!id) return pgs_bad_arg(s, "named_verify_state", "id");
    const char *params[] = {id};
    PGresult *r = NULL;
    tz_error *err = get_one(s, "named_verify_state", SQL_NAMED_VERIFY, 1, params, out, &r);
    if (err) return err;
    *subject_exists = pgs_bool(r, 0, 8);
    *subject_blocked = *subject_exists && pgs_bool(r, 0, 9);
    pgs_clear_wiped(r);
    return NULL;
}

tz_error *pgs_named_verify_state_and_get(tz_store *ts, const char *id, tz_named_token_rec *out,
                                         bool *subject_exists, bool *subject_blocked,
                                         const char *other_id, tz_named_token_rec *other,
                                         bool *other_found) {
    pg_store *s = (pg_store *)ts;
    memset(out, 0, sizeof *out);
    memset(other, 0, sizeof *other);
    *subject_exists = *subject_blocked = *other_found = false;
    if (!id || !other_id) return pgs_bad_arg(s, "named_verify_state_and_get", "id, other id");
    /* an id no stored row can hold (not UTF-8, e.g. from a request path): PostgreSQL would refuse
     * the whole statement, so read the first token alone */
    if (!pgs_utf8_valid(other_id)) return pgs_named_verify_state(ts, id, out, subject_exists, subject_blocked);
    const char *params[] = {id, other_id};
    PGresult *r;
    tz_error *err = pgs_query(s, "named_verify_state_and_get", PGS_READ, SQL_NAMED_VERIFY_AND_GET, 2,
                              params, &r, NULL);
    if (err) return err;
    bool found = false;
    for (int row = 0; !err && row < PQntuples(r); row++) {
        bool first = pgs_int(r, row, 10) == 1;
        if ((first && found) || (!first && *other_found)) {
            err = pgs_bad_arg(s, "named_verify_state_and_get", "duplicate row");
        } else if (first) {
            found = true;
            if (!read_named(r, row, out)) err = tz_err_new(TZE_INTERNAL);
            *subject_exists = pgs_bool(r, row, 8);
            *subject_blocked = *subject_exists && pgs_bool(r, row, 9);
        } else {
            *other_found = true;
            if (!read_named(r, row, other)) err = tz_err_new(TZE_INTERNAL);
        }
    }
    if (!err && !found) err = tz_err_new(TZE_STORE_NOT_FOUND);
    pgs_clear_wiped(r);
    if (err) {
        tz_named_token_rec_clear(out);
        tz_named_token_rec_clear(other);
        *subject_exists = *subject_blocked = *other_found = false;
    }
    return err;
}

tz_error *pgs_named_update(tz_store *ts, const char *id, const char *name,
                           const char *metadata_json, int revoked, const char *if_metadata_json) {
    pg_store *s = (pg_store *)ts;
    if (!id || revoked < -1 || revoked > 1) return pgs_bad_arg(s, "named_update", "id, revoked");
    const char *rev = revoked < 0 ? NULL : revoked ? "true" : "false";
    const char *params[] = {id, name, metadata_json, rev, if_metadata_json};
    PGresult *r;
    tz_error *err = pgs_query(s, "named_update", PGS_WRITE1, SQL_NAMED_UPDATE, 5, params, &r, NULL);
    if (err) return err;
    if (pgs_int(r, 0, 0) == 0)
        err = pgs_bool(r, 0, 1) ? tz_err_key(TZE_STORE_CONFLICT, "metadata")
                                : tz_err_new(TZE_STORE_NOT_FOUND);
    PQclear(r);
    return err;
}

tz_error *pgs_named_delete(tz_store *ts, const char *id) {
    pg_store *s = (pg_store *)ts;
    if (!id) return pgs_bad_arg(s, "named_delete", "id");
    const char *params[] = {id};
    long affected = 0;
    tz_error *err = pgs_query(s, "named_delete", PGS_WRITE1, SQL_NAMED_DELETE, 1, params, NULL,
                              &affected);
    if (!err && affected == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    return err;
}

tz_error *pgs_named_delete_all(tz_store *ts, const tz_subject *subject) {
    pg_store *s = (pg_store *)ts;
    const char *kind = pgs_subject_kind(subject);
    if (!kind) return pgs_bad_arg(s, "named_delete_all", "user/provider subject");
    const char *params[] = {kind, subject->id};
    return pgs_query(s, "named_delete_all", PGS_WRITE1, SQL_NAMED_DELETE_ALL, 2, params, NULL, NULL);
}

tz_error *pgs_named_list(tz_store *ts, const tz_subject *subject, size_t limit, const char *cursor,
                         char ***ids, size_t *n, char **next) {
    pg_store *s = (pg_store *)ts;
    *ids = NULL;
    *n = 0;
    *next = NULL;
    const char *kind = subject ? pgs_subject_kind(subject) : NULL;
    if (subject && !kind) return pgs_bad_arg(s, "named_list", "user/provider subject");
    size_t nkey = subject ? 1 : 3;
    char *key[3];
    size_t lim;
    tz_error *err = pgs_page_start(s, "named_list", limit, cursor, key, nkey, &lim);
    if (err) return err;
    char lim_text[24];
    pgs_limit_param(lim, lim_text);
    PGresult *r;
    if (subject) {
        const char *params[] = {kind, subject->id, key[0] ? key[0] : lim_text, lim_text};
        err = key[0] ? pgs_query(s, "named_list", PGS_READ, SQL_NAMED_PAGE, 4, params, &r, NULL)
                     : pgs_query(s, "named_list", PGS_READ, SQL_NAMED_PAGE_FIRST, 3, params, &r, NULL);
    } else {
        if (key[0] && strcmp(key[0], "1") && strcmp(key[0], "2")) {
            tzs_cursor_parts_free(key, nkey);
            return pgs_bad_arg(s, "named_list", "cursor");
        }
        const char *params[] = {key[0], key[1], key[2], lim_text};
        const char *first[] = {lim_text};
        err = key[0] ? pgs_query(s, "named_list", PGS_READ, SQL_NAMED_PAGE_ALL, 4, params, &r, NULL)
                     : pgs_query(s, "named_list", PGS_READ, SQL_NAMED_PAGE_ALL_FIRST, 1, first, &r, NULL);
    }
    tzs_cursor_parts_free(key, nkey);
    if (err) return err;
    size_t rows = (size_t)PQntuples(r);
    if (rows > lim) rows = lim;
    char **v = rows ? calloc(rows, sizeof *v) : NULL;
    if (rows && !v) err = tz_err_new(TZE_INTERNAL);
    size_t count = 0;
    for (; !err && count < rows; count++)
        if (!(v[count] = strdup(PQgetvalue(r, (int)count, 0)))) err = tz_err_new(TZE_INTERNAL);
    static const int one[] = {1}, all[] = {1, 2, 3};
    if (!err && !pgs_page_next(r, lim, subject ? one : all, subject ? 1 : 3, next))
        err = tz_err_new(TZE_INTERNAL);
    PQclear(r);
    if (err) {
        tz_strv_free(v, count);
        return err;
    }
    *ids = v;
    *n = rows;
    return NULL;
}
