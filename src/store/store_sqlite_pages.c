/* Paged listings of the SQLite backend: each page is one indexed range scan that resumes after
 * the sort key carried in the cursor (store_cursor.c), so no listing ever reads more rows than it
 * returns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/store_internal.h"

static const char SQL_USERS_FIRST[] =
    "SELECT id, username, full_name, password_hash, basic_auth_enabled, blocked, creation_time"
    " FROM users ORDER BY username LIMIT ?1";
static const char SQL_USERS_AFTER[] =
    "SELECT id, username, full_name, password_hash, basic_auth_enabled, blocked, creation_time"
    " FROM users WHERE username > ?2 ORDER BY username LIMIT ?1";
static const char SQL_PROVIDERS_FIRST[] =
    "SELECT id, name, domain, creation_time FROM providers ORDER BY id LIMIT ?1";
static const char SQL_PROVIDERS_AFTER[] =
    "SELECT id, name, domain, creation_time FROM providers WHERE id > ?2 ORDER BY id LIMIT ?1";
static const char SQL_ENTITIES_PAGE[] =
    "SELECT id, name FROM entities WHERE kind = ?2 AND id > ?3 ORDER BY id LIMIT ?1";
static const char SQL_USER_MEMBERS_PAGE[] =
    "SELECT user_id FROM user_members WHERE kind = ?2 AND entity_id = ?3 AND user_id > ?4"
    " ORDER BY user_id LIMIT ?1";
static const char SQL_GROUP_MEMBERS_PAGE[] =
    "SELECT group_id FROM group_members WHERE kind = ?2 AND entity_id = ?3 AND group_id > ?4"
    " ORDER BY group_id LIMIT ?1";
static const char SQL_USER_MEMBER_PRIVS[] =
    "SELECT privilege FROM user_member_privileges WHERE kind = ?1 AND entity_id = ?2"
    " AND user_id = ?3 ORDER BY privilege";
static const char SQL_GROUP_MEMBER_PRIVS[] =
    "SELECT privilege FROM group_member_privileges WHERE kind = ?1 AND entity_id = ?2"
    " AND group_id = ?3 ORDER BY privilege";
static const char SQL_NAMED_OF_FIRST[] =
    "SELECT id, name FROM named_tokens WHERE subject_kind = ?2 AND subject_id = ?3"
    " ORDER BY name LIMIT ?1";
static const char SQL_NAMED_OF_AFTER[] =
    "SELECT id, name FROM named_tokens WHERE subject_kind = ?2 AND subject_id = ?3 AND name > ?4"
    " ORDER BY name LIMIT ?1";
static const char SQL_NAMED_ALL_FIRST[] =
    "SELECT id, name, subject_kind, subject_id FROM named_tokens"
    " ORDER BY subject_kind, subject_id, name LIMIT ?1";
static const char SQL_NAMED_ALL_AFTER[] =
    "SELECT id, name, subject_kind, subject_id FROM named_tokens"
    " WHERE (subject_kind, subject_id, name) > (?2, ?3, ?4)"
    " ORDER BY subject_kind, subject_id, name LIMIT ?1";
static const char SQL_TEMP_FIRST[] =
    "SELECT subject_kind, subject_id, secret, generation FROM temp_secrets"
    " ORDER BY subject_kind, subject_id LIMIT ?1";
static const char SQL_TEMP_AFTER[] =
    "SELECT subject_kind, subject_id, secret, generation FROM temp_secrets"
    " WHERE (subject_kind, subject_id) > (?2, ?3) ORDER BY subject_kind, subject_id LIMIT ?1";

/* Grows *arr (element size `size`) to hold at least `want` elements. */
static bool grow(void **arr, size_t *cap, size_t want, size_t size) {
    if (want <= *cap) return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    while (ncap < want) ncap *= 2;
    void *p = realloc(*arr, ncap * size);
    if (!p) return false;
    memset((char *)p + *cap * size, 0, (ncap - *cap) * size);
    *arr = p;
    *cap = ncap;
    return true;
}

/* Sets *next to the cursor of the sort key `parts` when the page came back full. */
static tz_error *set_next(size_t got, size_t limit, const char *const *parts, size_t n, char **next) {
    if (got < limit) return NULL;
    *next = tzs_cursor_encode(parts, n);
    return *next ? NULL : tz_err_new(TZE_INTERNAL);
}

static tz_error *begin_page(tz_store *s, const char *op, size_t limit, size_t *lim, char **next) {
    *next = NULL;
    if (!tzs_page_limit(limit, lim)) return tzs_bad_arg(s, op, "page limit 0");
    return NULL;
}

tz_error *tzs_sq_user_list(tz_store *s, size_t limit, const char *cursor, tz_user_rec **out,
                           size_t *n, char **next) {
    *out = NULL;
    *n = 0;
    size_t lim;
    tz_error *err = begin_page(s, "user_list", limit, &lim, next);
    char *after[1] = {NULL};
    if (!err && cursor) err = tzs_cursor_decode(s, cursor, after, 1);
    if (err) return err;
    tzs_conn *c;
    err = tzs_acquire(s, &c);
    if (err) {
        tzs_cursor_parts_free(after, 1);
        return err;
    }
    tz_user_rec *recs = NULL;
    size_t count = 0, cap = 0;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, cursor ? SQL_USERS_AFTER : SQL_USERS_FIRST, &st);
    int rc = SQLITE_DONE;
    if (!err) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)lim);
        if (cursor) sqlite3_bind_text(st, 2, after[0], -1, SQLITE_STATIC);
    }
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow((void **)&recs, &cap, count + 1, sizeof *recs)) {
            err = tz_err_new(TZE_INTERNAL);
            break;
        }
        bool ok = tzs_read_user_row(st, &recs[count]);
        count++;
        if (!ok) err = tz_err_new(TZE_INTERNAL);
    }
    if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "user_list", rc);
    if (!err) sqlite3_reset(st);
    for (size_t i = 0; !err && i < count; i++) err = tzs_read_user_privileges(s, c, &recs[i]);
    tzs_release(s, c);
    tzs_cursor_parts_free(after, 1);
    if (!err && count) {
        const char *key[1] = {recs[count - 1].username};
        err = set_next(count, lim, key, 1, next);
    }
    if (err) {
        tz_user_recs_free(recs, count);
        return err;
    }
    *out = recs;
    *n = count;
    return NULL;
}

tz_error *tzs_sq_provider_list(tz_store *s, size_t limit, const char *cursor, tz_provider_rec **out,
                               size_t *n, char **next) {
    *out = NULL;
    *n = 0;
    size_t lim;
    tz_error *err = begin_page(s, "provider_list", limit, &lim, next);
    char *after[1] = {NULL};
    if (!err && cursor) err = tzs_cursor_decode(s, cursor, after, 1);
    if (err) return err;
    tzs_conn *c;
    err = tzs_acquire(s, &c);
    if (err) {
        tzs_cursor_parts_free(after, 1);
        return err;
    }
    tz_provider_rec *recs = NULL;
    size_t count = 0, cap = 0;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, cursor ? SQL_PROVIDERS_AFTER : SQL_PROVIDERS_FIRST, &st);
    int rc = SQLITE_DONE;
    if (!err) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)lim);
        if (cursor) sqlite3_bind_text(st, 2, after[0], -1, SQLITE_STATIC);
    }
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow((void **)&recs, &cap, count + 1, sizeof *recs)) {
            err = tz_err_new(TZE_INTERNAL);
            break;
        }
        tz_provider_rec *p = &recs[count++];
        bool ok = tzs_col_dup(st, 0, &p->id) && tzs_col_dup(st, 1, &p->name) &&
                  tzs_col_dup(st, 2, &p->domain);
        p->creation_time = sqlite3_column_int64(st, 3);
        if (!ok || !p->id || !p->name) err = tz_err_new(TZE_INTERNAL);
    }
    if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "provider_list", rc);
    tzs_release(s, c);
    tzs_cursor_parts_free(after, 1);
    if (!err && count) {
        const char *key[1] = {recs[count - 1].id};
        err = set_next(count, lim, key, 1, next);
    }
    if (err) {
        tz_provider_recs_free(recs, count);
        return err;
    }
    *out = recs;
    *n = count;
    return NULL;
}

tz_error *tzs_sq_entity_list(tz_store *s, tz_entity_kind kind, size_t limit, const char *cursor,
                             tz_entity_rec **out, size_t *n, char **next) {
    *out = NULL;
    *n = 0;
    size_t lim;
    const char *k = tzs_kind_word(kind);
    tz_error *err = begin_page(s, "entity_list", limit, &lim, next);
    if (!err && !k) err = tzs_bad_arg(s, "entity_list", "kind");
    char *after[1] = {NULL};
    if (!err && cursor) err = tzs_cursor_decode(s, cursor, after, 1);
    if (err) return err;
    tzs_conn *c;
    err = tzs_acquire(s, &c);
    if (err) {
        tzs_cursor_parts_free(after, 1);
        return err;
    }
    tz_entity_rec *recs = NULL;
    size_t count = 0, cap = 0;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_ENTITIES_PAGE, &st);
    int rc = SQLITE_DONE;
    if (!err) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)lim);
        sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, after[0] ? after[0] : "", -1, SQLITE_STATIC);
    }
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow((void **)&recs, &cap, count + 1, sizeof *recs)) {
            err = tz_err_new(TZE_INTERNAL);
            break;
        }
        tz_entity_rec *e = &recs[count++];
        if (!tzs_col_dup(st, 0, &e->id) || !e->id) err = tz_err_new(TZE_INTERNAL);
        else if (kind != TZ_ENT_CLUSTER && (!tzs_col_dup(st, 1, &e->name) || !e->name))
            err = tz_err_new(TZE_INTERNAL);
    }
    if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "entity_list", rc);
    tzs_release(s, c);
    tzs_cursor_parts_free(after, 1);
    if (!err && count) {
        const char *key[1] = {recs[count - 1].id};
        err = set_next(count, lim, key, 1, next);
    }
    if (err) {
        tz_entity_recs_free(recs, count);
        return err;
    }
    *out = recs;
    *n = count;
    return NULL;
}

/* Reads members of one kind (user or group) after `after_id` into recs[*count..], at most
 * lim - *count, with their privileges. */
static tz_error *read_members(tz_store *s, tzs_conn *c, tz_member_kind mk, const char *k,
                              const char *entity_id, const char *after_id, size_t lim,
                              tz_member_rec **recs, size_t *count, size_t *cap) {
    sqlite3_stmt *st;
    size_t first = *count;
    tz_error *err = tzs_stmt(s, c, mk == TZ_MEMBER_USER ? SQL_USER_MEMBERS_PAGE : SQL_GROUP_MEMBERS_PAGE, &st);
    if (err) return err;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(lim - *count));
    sqlite3_bind_text(st, 2, k, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, entity_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, after_id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!grow((void **)recs, cap, *count + 1, sizeof **recs)) {
            sqlite3_reset(st);
            return tz_err_new(TZE_INTERNAL);
        }
        tz_member_rec *m = &(*recs)[(*count)++];
        m->kind = mk;
        if (!tzs_col_dup(st, 0, &m->id) || !m->id) {
            sqlite3_reset(st);
            return tz_err_new(TZE_INTERNAL);
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "member_list", rc);
    for (size_t i = first; i < *count; i++) {
        tz_member_rec *m = &(*recs)[i];
        err = tzs_stmt(s, c, mk == TZ_MEMBER_USER ? SQL_USER_MEMBER_PRIVS : SQL_GROUP_MEMBER_PRIVS, &st);
        if (err) return err;
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, entity_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, m->id, -1, SQLITE_STATIC);
        err = tzs_collect_strings(s, c, st, "member_list", &m->privileges, &m->n_privileges);
        if (err) return err;
    }
    return NULL;
}

tz_error *tzs_sq_member_list(tz_store *s, tz_entity_kind kind, const char *entity_id, size_t limit,
                             const char *cursor, tz_member_rec **out, size_t *n, char **next) {
    *out = NULL;
    *n = 0;
    size_t lim;
    const char *k = tzs_kind_word(kind);
    tz_error *err = begin_page(s, "member_list", limit, &lim, next);
    if (!err && (!k || !entity_id)) err = tzs_bad_arg(s, "member_list", "kind and entity");
    /* cursor: ["u"|"g", last id] - users come before groups */
    char *after[2] = {NULL, NULL};
    if (!err && cursor) err = tzs_cursor_decode(s, cursor, after, 2);
    if (err) return err;
    bool in_groups = after[0] && strcmp(after[0], "g") == 0;
    tzs_conn *c;
    err = tzs_acquire(s, &c);
    if (err) {
        tzs_cursor_parts_free(after, 2);
        return err;
    }
    tz_member_rec *recs = NULL;
    size_t count = 0, cap = 0;
    if (!in_groups)
        err = read_members(s, c, TZ_MEMBER_USER, k, entity_id, after[1] ? after[1] : "", lim, &recs,
                           &count, &cap);
    if (!err && count < lim)
        err = read_members(s, c, TZ_MEMBER_GROUP, k, entity_id, in_groups ? after[1] : "", lim, &recs,
                           &count, &cap);
    tzs_release(s, c);
    tzs_cursor_parts_free(after, 2);
    if (!err && count) {
        const tz_member_rec *last = &recs[count - 1];
        const char *key[2] = {last->kind == TZ_MEMBER_USER ? "u" : "g", last->id};
        err = set_next(count, lim, key, 2, next);
    }
    if (err) {
        tz_member_recs_free(recs, count);
        return err;
    }
    *out = recs;
    *n = count;
    return NULL;
}

tz_error *tzs_sq_named_list(tz_store *s, const tz_subject *subject, size_t limit,
                            const char *cursor, char ***ids, size_t *n, char **next) {
    *ids = NULL;
    *n = 0;
    size_t lim;
    int kind = subject ? tzs_subject_kind(subject) : 0;
    tz_error *err = begin_page(s, "named_list", limit, &lim, next);
    if (!err && kind < 0) err = tzs_bad_arg(s, "named_list", "user/provider subject");
    /* cursor: [name] for one subject, [kind, subject id, name] for all */
    size_t nparts = subject ? 1 : 3;
    char *after[3] = {NULL, NULL, NULL};
    if (!err && cursor) err = tzs_cursor_decode(s, cursor, after, nparts);
    if (err) return err;
    tzs_conn *c;
    err = tzs_acquire(s, &c);
    if (err) {
        tzs_cursor_parts_free(after, 3);
        return err;
    }
    const char *sql = subject ? (cursor ? SQL_NAMED_OF_AFTER : SQL_NAMED_OF_FIRST)
                              : (cursor ? SQL_NAMED_ALL_AFTER : SQL_NAMED_ALL_FIRST);
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, sql, &st);
    char **v = NULL;
    size_t count = 0, cap = 0;
    char *last_key[3] = {NULL, NULL, NULL};
    if (!err) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)lim);
        if (subject) {
            sqlite3_bind_int(st, 2, kind);
            sqlite3_bind_text(st, 3, subject->id, -1, SQLITE_STATIC);
            if (cursor) sqlite3_bind_text(st, 4, after[0], -1, SQLITE_STATIC);
        } else if (cursor) {
            sqlite3_bind_int(st, 2, atoi(after[0]));
            sqlite3_bind_text(st, 3, after[1], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, after[2], -1, SQLITE_STATIC);
        }
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (!grow((void **)&v, &cap, count + 1, sizeof *v) || !tzs_col_dup(st, 0, &v[count]) ||
                !v[count]) {
                err = tz_err_new(TZE_INTERNAL);
                break;
            }
            count++;
            /* the sort key of the last row becomes the next cursor */
            tzs_cursor_parts_free(last_key, 3);
            bool ok;
            if (subject) {
                ok = tzs_col_dup(st, 1, &last_key[0]) && last_key[0];
            } else {
                char kbuf[16];
                snprintf(kbuf, sizeof kbuf, "%d", sqlite3_column_int(st, 2));
                ok = (last_key[0] = strdup(kbuf)) && tzs_col_dup(st, 3, &last_key[1]) &&
                     last_key[1] && tzs_col_dup(st, 1, &last_key[2]) && last_key[2];
            }
            if (!ok) {
                err = tz_err_new(TZE_INTERNAL);
                break;
            }
        }
        if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "named_list", rc);
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    tzs_cursor_parts_free(after, 3);
    if (!err && count) err = set_next(count, lim, (const char *const *)last_key, nparts, next);
    tzs_cursor_parts_free(last_key, 3);
    if (err) {
        tz_strv_free(v, count);
        return err;
    }
    *ids = v;
    *n = count;
    return NULL;
}

tz_error *tzs_sq_temp_secret_list(tz_store *s, size_t limit, const char *cursor,
                                  tz_temp_secret_rec **out, size_t *n, char **next) {
    *out = NULL;
    *n = 0;
    size_t lim;
    tz_error *err = begin_page(s, "temp_secret_list", limit, &lim, next);
    char *after[2] = {NULL, NULL};
    if (!err && cursor) err = tzs_cursor_decode(s, cursor, after, 2);
    if (err) return err;
    tzs_conn *c;
    err = tzs_acquire(s, &c);
    if (err) {
        tzs_cursor_parts_free(after, 2);
        return err;
    }
    tz_temp_secret_rec *recs = NULL;
    size_t count = 0, cap = 0;
    int last_kind = 0;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, cursor ? SQL_TEMP_AFTER : SQL_TEMP_FIRST, &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)lim);
        if (cursor) {
            sqlite3_bind_int(st, 2, atoi(after[0]));
            sqlite3_bind_text(st, 3, after[1], -1, SQLITE_STATIC);
        }
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (!grow((void **)&recs, &cap, count + 1, sizeof *recs)) {
                err = tz_err_new(TZE_INTERNAL);
                break;
            }
            tz_temp_secret_rec *r = &recs[count++];
            last_kind = sqlite3_column_int(st, 0);
            const char *sid = (const char *)sqlite3_column_text(st, 1);
            const char *secret = (const char *)sqlite3_column_text(st, 2);
            int len = sqlite3_column_bytes(st, 2);
            if (!sid || !tzs_subject_from_row(last_kind, sid, &r->subject) || !secret || len < 1 ||
                len > TZ_STORED_SECRET_MAX) {
                err = tzs_bad_arg(s, "temp_secret_list", "malformed stored record");
                break;
            }
            memcpy(r->secret, secret, (size_t)len + 1);
            r->generation = sqlite3_column_int64(st, 3);
        }
        if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "temp_secret_list", rc);
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    tzs_cursor_parts_free(after, 2);
    if (!err && count) {
        char kbuf[16];
        snprintf(kbuf, sizeof kbuf, "%d", last_kind);
        const char *key[2] = {kbuf, recs[count - 1].subject.id};
        err = set_next(count, lim, key, 2, next);
    }
    if (err) {
        tz_temp_secret_recs_free(recs, count);
        return err;
    }
    *out = recs;
    *n = count;
    return NULL;
}
