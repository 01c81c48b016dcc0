/* PostgreSQL store: sealed token secrets, the twins of the SQLite functions in store_secrets.c
 * (store.h "sealed secrets"). Secrets are opaque text here; values are never logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/pg_internal.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

#define PAGE_MAX 10000

static const char SQL_PAGE_NAMED[] =
    "SELECT id, subject_kind, subject_id, secret, token FROM named_tokens"
    " WHERE id > $1 ORDER BY id LIMIT $2::bigint";
static const char SQL_PAGE_TEMP[] =
    "SELECT subject_kind, subject_id, secret FROM temp_secrets"
    " WHERE (subject_kind, subject_id) > ($1::smallint, $2)"
    " ORDER BY subject_kind, subject_id LIMIT $3::bigint";
static const char SQL_REPLACE_NAMED[] =
    "UPDATE named_tokens SET secret = $3, token = coalesce($4, token) WHERE id = $1 AND secret = $2";
static const char SQL_REPLACE_TEMP[] =
    "UPDATE temp_secrets SET secret = $4"
    " WHERE subject_kind = $1::smallint AND subject_id = $2 AND secret = $3";
static const char SQL_SEALED_GET[] =
    "SELECT secret, generation FROM temp_secrets WHERE subject_kind = $1::smallint AND subject_id = $2";
/* Concurrent first reads race here; ON CONFLICT DO NOTHING lets exactly one value win, and the
 * winner's row is returned either way. */
static const char SQL_SEALED_CREATE[] =
    "WITH i AS (INSERT INTO temp_secrets (subject_kind, subject_id, secret, generation)"
    "   VALUES ($1::smallint, $2, $3, 1) ON CONFLICT DO NOTHING RETURNING secret, generation)"
    " SELECT secret, generation FROM i"
    " UNION ALL SELECT secret, generation FROM temp_secrets"
    "   WHERE subject_kind = $1::smallint AND subject_id = $2"
    " LIMIT 1";
static const char SQL_SEALED_BUMP[] =
    "INSERT INTO temp_secrets (subject_kind, subject_id, secret, generation)"
    " VALUES ($1::smallint, $2, $3, 1)"
    " ON CONFLICT (subject_kind, subject_id)"
    " DO UPDATE SET secret = excluded.secret, generation = temp_secrets.generation + 1";
/* A rewrite of the tables holding secrets into new files (old row versions go with the old
 * files); the write-ahead log is the server's and is recycled by it. */
static const char SQL_SCRUB[] = "VACUUM (FULL) named_tokens, temp_secrets";

static void free_wiped(char *p) {
    if (!p) return;
    OPENSSL_cleanse(p, strlen(p));
    free(p);
}

static bool read_row(const PGresult *r, int row, tz_secret_kind kind, tz_secret_row *out) {
    memset(out, 0, sizeof *out);
    out->kind = kind;
    int k = kind == TZ_SECRET_NAMED ? 1 : 0;   /* column of subject_kind */
    bool ok = !PQgetisnull(r, row, k) && !PQgetisnull(r, row, k + 1) &&
              pgs_subject_from_row((int)pgs_int(r, row, k), PQgetvalue(r, row, k + 1), &out->subject) &&
              pgs_dup(r, row, k + 2, &out->secret) && out->secret;
    if (ok && kind == TZ_SECRET_NAMED)
        ok = pgs_dup(r, row, 0, &out->token_id) && out->token_id && pgs_dup(r, row, 4, &out->token) && out->token;
    return ok;
}

tz_error *pgs_secrets_page(tz_store *ts, tz_secret_kind kind, const tz_secret_row *after, size_t limit,
                           tz_secret_row **rows, size_t *n) {
    pg_store *s = (pg_store *)ts;
    *rows = NULL;
    *n = 0;
    const char *after_kind = after ? pgs_subject_kind(&after->subject) : "0";
    if ((kind != TZ_SECRET_NAMED && kind != TZ_SECRET_TEMP) || limit == 0 || limit > PAGE_MAX ||
        (after && kind == TZ_SECRET_NAMED && !after->token_id) || (after && kind == TZ_SECRET_TEMP && !after_kind))
        return pgs_bad_arg(s, "secrets_page", "kind, limit 1..10000, a row to continue after");
    char lim[24];
    snprintf(lim, sizeof lim, "%zu", limit);
    PGresult *r = NULL;
    tz_error *err;
    if (kind == TZ_SECRET_NAMED) {
        const char *params[] = {after ? after->token_id : "", lim};
        err = pgs_query(s, "secrets_page", PGS_READ, SQL_PAGE_NAMED, 2, params, &r, NULL);
    } else {
        const char *params[] = {after_kind, after ? after->subject.id : "", lim};
        err = pgs_query(s, "secrets_page", PGS_READ, SQL_PAGE_TEMP, 3, params, &r, NULL);
    }
    if (err) return err;
    size_t count = (size_t)PQntuples(r);
    tz_secret_row *v = count ? calloc(count, sizeof *v) : NULL;
    if (count && !v) err = tz_err_new(TZE_INTERNAL);
    size_t done = 0;
    for (; !err && done < count; done++)
        if (!read_row(r, (int)done, kind, &v[done])) {
            err = pgs_bad_arg(s, "secrets_page", "unreadable row");
            done++;
        }
    pgs_clear_wiped(r);
    if (err) {
        tz_secret_rows_free(v, done);
        return err;
    }
    *rows = v;
    *n = count;
    return NULL;
}

typedef struct replace_ctx {
    const tz_secret_change *changes;
    size_t n;
    size_t applied;
} replace_ctx;

static tz_error *replace_work(pg_store *s, pgs_conn *c, void *vctx) {
    replace_ctx *ctx = vctx;
    ctx->applied = 0;   /* the runner may retry the whole transaction */
    for (size_t i = 0; i < ctx->n; i++) {
        const tz_secret_change *ch = &ctx->changes[i];
        const tz_secret_row *r = ch->row;
        const char *kind = r ? pgs_subject_kind(&r->subject) : NULL;
        bool named = r && r->kind == TZ_SECRET_NAMED;
        if (!r || !r->secret || !ch->secret || (named ? !r->token_id : !kind))
            return pgs_bad_arg(s, "secrets_replace", "row, its secret and the new secret");
        long affected = 0;
        tz_error *err;
        if (named) {
            const char *params[] = {r->token_id, r->secret, ch->secret, ch->token};
            err = pgs_run(s, c, "secrets_replace", SQL_REPLACE_NAMED, 4, params, &affected);
        } else {
            const char *params[] = {kind, r->subject.id, r->secret, ch->secret};
            err = pgs_run(s, c, "secrets_replace", SQL_REPLACE_TEMP, 4, params, &affected);
        }
        if (err) return err;
        if (affected > 0) ctx->applied++;
    }
    return NULL;
}

tz_error *pgs_secrets_replace(tz_store *ts, const tz_secret_change *changes, size_t n, size_t *applied) {
    pg_store *s = (pg_store *)ts;
    *applied = 0;
    if (n == 0) return NULL;
    if (!changes) return pgs_bad_arg(s, "secrets_replace", "changes");
    replace_ctx ctx = {changes, n, 0};
    tz_error *err = pgs_run_work(s, "secrets_replace", PGS_TX, replace_work, &ctx);
    if (!err) *applied = ctx.applied;
    return err;
}

tz_error *pgs_temp_sealed_get(tz_store *ts, const tz_subject *subject, const char *sealed_if_absent,
                              char **sealed, int64_t *generation) {
    pg_store *s = (pg_store *)ts;
    *sealed = NULL;
    const char *kind = pgs_subject_kind(subject);
    if (!kind || !generation) return pgs_bad_arg(s, "temp_sealed_get", "user/provider subject");
    const char *params[] = {kind, subject->id, sealed_if_absent};
    PGresult *r = NULL;
    tz_error *err = pgs_query(s, "temp_sealed_get", PGS_READ, SQL_SEALED_GET, 2, params, &r, NULL);
    /* a concurrent deletion of the subject may remove the record between create and read */
    for (int attempt = 0; !err && PQntuples(r) == 0 && sealed_if_absent && attempt < 3; attempt++) {
        PQclear(r);
        r = NULL;
        err = pgs_query(s, "temp_sealed_get", PGS_WRITE1, SQL_SEALED_CREATE, 3, params, &r, NULL);
    }
    if (!err && PQntuples(r) == 0)
        err = sealed_if_absent ? pgs_bad_arg(s, "temp_sealed_get", "the record keeps vanishing")
                               : tz_err_new(TZE_STORE_NOT_FOUND);
    if (!err && (PQgetisnull(r, 0, 0) || !pgs_dup(r, 0, 0, sealed) || !*sealed))
        err = pgs_bad_arg(s, "temp_sealed_get", "unreadable secret");
    if (!err) *generation = pgs_int(r, 0, 1);
    pgs_clear_wiped(r);
    if (err) {
        free_wiped(*sealed);
        *sealed = NULL;
    }
    return err;
}

tz_error *pgs_temp_sealed_bump(tz_store *ts, const tz_subject *subject, const char *sealed) {
    pg_store *s = (pg_store *)ts;
    const char *kind = pgs_subject_kind(subject);
    if (!kind || !sealed) return pgs_bad_arg(s, "temp_sealed_bump", "user/provider subject, secret");
    const char *params[] = {kind, subject->id, sealed};
    return pgs_query(s, "temp_sealed_bump", PGS_WRITE1, SQL_SEALED_BUMP, 3, params, NULL, NULL);
}

tz_error *pgs_scrub(tz_store *ts, tz_scrub_depth depth) {
    pg_store *s = (pg_store *)ts;
    if (depth == TZ_SCRUB_LOG) return NULL; /* the WAL is PostgreSQL's to recycle */
    pgs_conn *c;
    tz_error *err = pgs_acquire(s, &c);
    if (err) return err;
    /* VACUUM cannot run inside a transaction block nor as a prepared statement */
    err = pgs_exec_plain(s, c, "scrub", SQL_SCRUB);
    pgs_release(s, c);
    return err;
}
