/* Sealed secrets, SQLite: the store side of sealing (see the block in store.h; the PostgreSQL
 * twins are in pg_secrets.c). Every function is one
 * operation with its SQL, so that another backend can mirror it one to one. Secrets are opaque
 * text here; values are never logged. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/store_internal.h"

#define PAGE_MAX 10000

static void free_wiped(char *p) {
    if (!p) return;
    OPENSSL_cleanse(p, strlen(p));
    free(p);
}


static const char SQL_PAGE_NAMED[] =
    "SELECT id, subject_kind, subject_id, secret, token FROM named_tokens"
    " WHERE id > ?1 ORDER BY id LIMIT ?2";
static const char SQL_PAGE_TEMP[] =
    "SELECT subject_kind, subject_id, secret FROM temp_secrets"
    " WHERE (subject_kind, subject_id) > (?1, ?2) ORDER BY subject_kind, subject_id LIMIT ?3";

/* Reads the current row of a page statement into *r. */
static bool read_page_row(sqlite3_stmt *st, tz_secret_kind kind, tz_secret_row *r) {
    memset(r, 0, sizeof *r);
    r->kind = kind;
    int k = kind == TZ_SECRET_NAMED ? 1 : 0;   /* column of subject_kind */
    const char *sid = (const char *)sqlite3_column_text(st, k + 1);
    bool ok = sid && tzs_subject_from_row(sqlite3_column_int(st, k), sid, &r->subject) &&
              tzs_col_dup(st, k + 2, &r->secret) && r->secret;
    if (ok && kind == TZ_SECRET_NAMED)
        ok = tzs_col_dup(st, 0, &r->token_id) && r->token_id && tzs_col_dup(st, 4, &r->token) && r->token;
    return ok;
}

tz_error *tzs_sq_secrets_page(tz_store *s, tz_secret_kind kind, const tz_secret_row *after,
                                size_t limit, tz_secret_row **rows, size_t *n) {
    *rows = NULL;
    *n = 0;
    int after_kind = after && kind == TZ_SECRET_TEMP ? tzs_subject_kind(&after->subject) : 0;
    if ((kind != TZ_SECRET_NAMED && kind != TZ_SECRET_TEMP) || limit == 0 || limit > PAGE_MAX ||
        (after && kind == TZ_SECRET_NAMED && !after->token_id) || after_kind < 0)
        return tzs_bad_arg(s, "secrets_page", "kind, limit 1..10000, a row to continue after");
    tz_secret_row *v = calloc(limit, sizeof *v);
    if (!v) return tz_err_new(TZE_INTERNAL);
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) {
        free(v);
        return err;
    }
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, kind == TZ_SECRET_NAMED ? SQL_PAGE_NAMED : SQL_PAGE_TEMP, &st);
    size_t count = 0;
    if (!err) {
        if (kind == TZ_SECRET_NAMED) {
            sqlite3_bind_text(st, 1, after ? after->token_id : "", -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
        } else {
            sqlite3_bind_int(st, 1, after_kind);
            sqlite3_bind_text(st, 2, after ? after->subject.id : "", -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
        }
        int rc;
        while (!err && count < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (!read_page_row(st, kind, &v[count])) err = tzs_bad_arg(s, "secrets_page", "unreadable row");
            count++;
        }
        if (!err && count < limit && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "secrets_page", rc);
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    if (err) {
        tz_secret_rows_free(v, count);
        return err;
    }
    *rows = v;
    *n = count;
    return NULL;
}

static const char SQL_REPLACE_NAMED[] =
    "UPDATE named_tokens SET secret = ?3, token = coalesce(?4, token) WHERE id = ?1 AND secret = ?2";
static const char SQL_REPLACE_TEMP[] =
    "UPDATE temp_secrets SET secret = ?4"
    " WHERE subject_kind = ?1 AND subject_id = ?2 AND secret = ?3";

/* One conditional replacement inside the caller's transaction; *hit says whether it applied. */
static tz_error *replace_one(tz_store *s, tzs_conn *c, const tz_secret_change *ch, bool *hit) {
    const tz_secret_row *r = ch->row;
    int kind = r ? tzs_subject_kind(&r->subject) : -1;
    bool named = r && r->kind == TZ_SECRET_NAMED;
    if (!r || !r->secret || !ch->secret || (named ? !r->token_id : kind < 0))
        return tzs_bad_arg(s, "secrets_replace", "row, its secret and the new secret");
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, named ? SQL_REPLACE_NAMED : SQL_REPLACE_TEMP, &st);
    if (err) return err;
    if (named) {
        sqlite3_bind_text(st, 1, r->token_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->secret, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, ch->secret, -1, SQLITE_STATIC);
        if (ch->token) sqlite3_bind_text(st, 4, ch->token, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_text(st, 2, r->subject.id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r->secret, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, ch->secret, -1, SQLITE_STATIC);
    }
    int rc = tzs_step_done(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "secrets_replace", rc);
    *hit = sqlite3_changes(c->db) > 0;
    return NULL;
}

tz_error *tzs_sq_secrets_replace(tz_store *s, const tz_secret_change *changes, size_t n,
                                   size_t *applied) {
    *applied = 0;
    if (n == 0) return NULL;
    if (!changes) return tzs_bad_arg(s, "secrets_replace", "changes");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "secrets_replace");
    size_t count = 0;
    for (size_t i = 0; !err && i < n; i++) {
        bool hit = false;
        err = replace_one(s, c, &changes[i], &hit);
        count += hit;
    }
    if (!err) err = tzs_commit(s, c, "secrets_replace");
    else tzs_rollback(c);
    tzs_release(s, c);
    if (!err) *applied = count;
    return err;
}

static const char SQL_TEMP_SEALED_GET[] =
    "SELECT secret, generation FROM temp_secrets WHERE subject_kind = ?1 AND subject_id = ?2";
/* Concurrent first reads race here; OR IGNORE lets exactly one value win and all read it back. */
static const char SQL_TEMP_SEALED_CREATE[] =
    "INSERT OR IGNORE INTO temp_secrets (subject_kind, subject_id, secret, generation)"
    " VALUES (?1, ?2, ?3, 1)";
static const char SQL_TEMP_SEALED_BUMP[] =
    "INSERT INTO temp_secrets (subject_kind, subject_id, secret, generation)"
    " VALUES (?1, ?2, ?3, 1)"
    " ON CONFLICT (subject_kind, subject_id)"
    " DO UPDATE SET secret = excluded.secret, generation = generation + 1";

static tz_error *temp_read(tz_store *s, tzs_conn *c, int kind, const char *id, char **sealed,
                           int64_t *generation, bool *found) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_TEMP_SEALED_GET, &st);
    if (err) return err;
    sqlite3_bind_int(st, 1, kind);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        if (!tzs_col_dup(st, 0, sealed) || !*sealed) err = tzs_bad_arg(s, "temp_sealed_get", "unreadable secret");
        *generation = sqlite3_column_int64(st, 1);
    } else if (rc != SQLITE_DONE) {
        err = tzs_fail(s, c->db, "temp_sealed_get", rc);
    }
    sqlite3_reset(st);
    return err;
}

tz_error *tzs_sq_temp_sealed_get(tz_store *s, const tz_subject *subject,
                                   const char *sealed_if_absent, char **sealed, int64_t *generation) {
    *sealed = NULL;
    int kind = tzs_subject_kind(subject);
    if (kind < 0 || !generation) return tzs_bad_arg(s, "temp_sealed_get", "user/provider subject");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    bool found = false;
    err = temp_read(s, c, kind, subject->id, sealed, generation, &found);
    /* a concurrent deletion of the subject may remove the record between create and read */
    for (int attempt = 0; !err && !found && sealed_if_absent && attempt < 3; attempt++) {
        sqlite3_stmt *st;
        err = tzs_stmt(s, c, SQL_TEMP_SEALED_CREATE, &st);
        if (!err) {
            sqlite3_bind_int(st, 1, kind);
            sqlite3_bind_text(st, 2, subject->id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, sealed_if_absent, -1, SQLITE_STATIC);
            int rc = tzs_step_done(st);
            sqlite3_clear_bindings(st);
            if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, "temp_sealed_get", rc);
        }
        if (!err) err = temp_read(s, c, kind, subject->id, sealed, generation, &found);
    }
    if (!err && !found) err = sealed_if_absent ? tzs_bad_arg(s, "temp_sealed_get", "the record keeps vanishing")
                                               : tz_err_new(TZE_STORE_NOT_FOUND);
    tzs_release(s, c);
    if (err) {
        free_wiped(*sealed);
        *sealed = NULL;
    }
    return err;
}

tz_error *tzs_sq_temp_sealed_bump(tz_store *s, const tz_subject *subject, const char *sealed) {
    int kind = tzs_subject_kind(subject);
    if (kind < 0 || !sealed) return tzs_bad_arg(s, "temp_sealed_bump", "user/provider subject, secret");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_TEMP_SEALED_BUMP, &st);
    if (!err) {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_text(st, 2, subject->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, sealed, -1, SQLITE_STATIC);
        int rc = tzs_step_done(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, "temp_sealed_bump", rc);
    }
    tzs_release(s, c);
    return err;
}

static const char SQL_VACUUM[] = "VACUUM";
static const char SQL_CHECKPOINT[] = "PRAGMA wal_checkpoint(TRUNCATE)";

/* Checkpoints and truncates the log; a reader of another process holding back the checkpoint
 * makes it incomplete, which is an error here (old pages would stay in the log). */
static tz_error *checkpoint(tz_store *s, tzs_conn *c) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_CHECKPOINT, &st);
    if (err) return err;
    int rc = sqlite3_step(st);
    bool busy = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) return tzs_fail(s, c->db, "scrub: checkpoint", rc);
    if (busy) {
        tzs_log(s, "scrub: checkpoint incomplete: another process is reading the database");
        return tz_err_new(TZE_INTERNAL);
    }
    return NULL;
}

tz_error *tzs_sq_scrub(tz_store *s, tz_scrub_depth depth) {
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    if (depth == TZ_SCRUB_LOG) {
        err = checkpoint(s, c);
        tzs_release(s, c);
        return err;
    }
    sqlite3_stmt *vacuum;
    err = tzs_stmt(s, c, SQL_VACUUM, &vacuum);   /* takes this process's write lock first */
    if (!err) err = checkpoint(s, c);
    if (!err) {
        int rc = tzs_step_done(vacuum);
        if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, "scrub: vacuum", rc);
    }
    if (!err) err = checkpoint(s, c);
    tzs_release(s, c);
    return err;
}
