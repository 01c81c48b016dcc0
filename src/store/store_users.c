/* Users and their Onezone admin privileges. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/store_internal.h"

static const char SQL_USER_INSERT[] =
    "INSERT INTO users (id, username, full_name, password_hash, basic_auth_enabled, blocked,"
    " creation_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_OZ_PRIV_GRANT[] =
    "INSERT OR IGNORE INTO user_oz_privileges (user_id, privilege) VALUES (?1, ?2)";
static const char SQL_OZ_PRIV_REVOKE[] =
    "DELETE FROM user_oz_privileges WHERE user_id = ?1 AND privilege = ?2";
static const char SQL_USER_COLS_BY_ID[] =
    "SELECT id, username, full_name, password_hash, basic_auth_enabled, blocked, creation_time"
    " FROM users WHERE id = ?1";
static const char SQL_USER_COLS_BY_NAME[] =
    "SELECT id, username, full_name, password_hash, basic_auth_enabled, blocked, creation_time"
    " FROM users WHERE username = ?1";
static const char SQL_OZ_PRIVS_OF[] =
    "SELECT privilege FROM user_oz_privileges WHERE user_id = ?1 ORDER BY privilege";
static const char SQL_OZ_PRIV_HAS[] =
    "SELECT 1 FROM user_oz_privileges WHERE user_id = ?1 AND privilege = ?2";
static const char SQL_USER_EXISTS[] = "SELECT 1 FROM users WHERE id = ?1";
static const char SQL_USER_SET_BLOCKED[] = "UPDATE users SET blocked = ?2 WHERE id = ?1";
static const char SQL_USER_SET_PASSWORD[] = "UPDATE users SET password_hash = ?2 WHERE id = ?1";
static const char SQL_USER_DELETE[] = "DELETE FROM users WHERE id = ?1";
static const char SQL_USER_DELETE_TOKENS[] =
    "DELETE FROM named_tokens WHERE subject_kind = 1 AND subject_id = ?1";
static const char SQL_USER_DELETE_TEMP[] =
    "DELETE FROM temp_secrets WHERE subject_kind = 1 AND subject_id = ?1";

static tz_error *set_oz_privileges(tz_store *s, tzs_conn *c, const char *id,
                                   const char *const *privs, size_t n, bool grant,
                                   const char *op) {
    sqlite3_stmt *st;
    for (size_t i = 0; i < n; i++) {
        if (!privs[i]) return tzs_bad_arg(s, op, "privilege");
        tz_error *err = tzs_stmt(s, c, grant ? SQL_OZ_PRIV_GRANT : SQL_OZ_PRIV_REVOKE, &st);
        if (err) return err;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, privs[i], -1, SQLITE_STATIC);
        int rc = tzs_step_done(st);
        if (rc != SQLITE_DONE) return tzs_fail(s, c->db, op, rc);
    }
    return NULL;
}

tz_error *tzs_insert_user(tz_store *s, tzs_conn *c, const tz_user_rec *u) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_USER_INSERT, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, u->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->username, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, u->full_name ? u->full_name : "", -1, SQLITE_STATIC);
    if (u->password_hash) sqlite3_bind_text(st, 4, u->password_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, u->basic_auth_enabled);
    sqlite3_bind_int(st, 6, u->blocked);
    sqlite3_bind_int64(st, 7, u->creation_time);
    int rc = tzs_step_done(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return tz_err_key(TZE_STORE_CONFLICT, "username");
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return tz_err_key(TZE_STORE_CONFLICT, "id");
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "user_create", rc);
    return set_oz_privileges(s, c, u->id, (const char *const *)u->oz_privileges,
                             u->n_oz_privileges, true, "user_create");
}

tz_error *tzs_sq_user_create(tz_store *s, const tz_user_rec *u) {
    if (!u || !u->id || !u->username) return tzs_bad_arg(s, "user_create", "id and username");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "user_create");
    if (!err) {
        err = tzs_insert_user(s, c, u);
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, "user_create");
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_read_user_privileges(tz_store *s, tzs_conn *c, tz_user_rec *u) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_OZ_PRIVS_OF, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, u->id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char **grown = realloc(u->oz_privileges, (u->n_oz_privileges + 1) * sizeof *grown);
        if (!grown) return tz_err_new(TZE_INTERNAL);
        u->oz_privileges = grown;
        char *p;
        if (!tzs_col_dup(st, 0, &p) || !p) return tz_err_new(TZE_INTERNAL);
        u->oz_privileges[u->n_oz_privileges++] = p;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? NULL : tzs_fail(s, c->db, "user privileges", rc);
}

/* Fills *u from the current row of a SQL_USER_COLS_* statement. */
bool tzs_read_user_row(sqlite3_stmt *st, tz_user_rec *u) {
    memset(u, 0, sizeof *u);
    bool ok = tzs_col_dup(st, 0, &u->id) && tzs_col_dup(st, 1, &u->username) &&
              tzs_col_dup(st, 2, &u->full_name) && tzs_col_dup(st, 3, &u->password_hash);
    u->basic_auth_enabled = sqlite3_column_int(st, 4) != 0;
    u->blocked = sqlite3_column_int(st, 5) != 0;
    u->creation_time = sqlite3_column_int64(st, 6);
    return ok && u->id && u->username && u->full_name;
}

static tz_error *get_user(tz_store *s, const char *sql, const char *key, tz_user_rec *out) {
    memset(out, 0, sizeof *out);
    if (!key) return tzs_bad_arg(s, "user_get", "key");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, sql, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) err = tz_err_new(TZE_STORE_NOT_FOUND);
        else if (rc != SQLITE_ROW) err = tzs_fail(s, c->db, "user_get", rc);
        else if (!tzs_read_user_row(st, out)) err = tz_err_new(TZE_INTERNAL);
        sqlite3_reset(st);
    }
    if (!err) err = tzs_read_user_privileges(s, c, out);
    tzs_release(s, c);
    if (err) tz_user_rec_clear(out);
    return err;
}

tz_error *tzs_sq_user_get(tz_store *s, const char *id, tz_user_rec *out) {
    return get_user(s, SQL_USER_COLS_BY_ID, id, out);
}

tz_error *tzs_sq_user_get_by_username(tz_store *s, const char *username, tz_user_rec *out) {
    return get_user(s, SQL_USER_COLS_BY_NAME, username, out);
}

/* Runs a one-row UPDATE keyed by user id (?1); no such user -> TZE_STORE_NOT_FOUND. */
static tz_error *update_user(tz_store *s, const char *sql, const char *id, const char *op,
                             int int_val, const char *text_val, bool use_text) {
    if (!id) return tzs_bad_arg(s, op, "id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, sql, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (!use_text) sqlite3_bind_int(st, 2, int_val);
        else if (text_val) sqlite3_bind_text(st, 2, text_val, -1, SQLITE_STATIC);
        int rc = tzs_step_done(st);
        if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, op, rc);
        else if (sqlite3_changes(c->db) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_user_set_blocked(tz_store *s, const char *id, bool blocked) {
    return update_user(s, SQL_USER_SET_BLOCKED, id, "user_set_blocked", blocked, NULL, false);
}

tz_error *tzs_sq_user_set_password(tz_store *s, const char *id, const char *password_hash) {
    return update_user(s, SQL_USER_SET_PASSWORD, id, "user_set_password", 0, password_hash, true);
}

/* Runs `sql` with ?1 = id to completion. */
static tz_error *run_keyed(tz_store *s, tzs_conn *c, const char *sql, const char *id,
                           const char *op) {
    tz_error *err = NULL;
    int rc = tzs_run(s, c, sql, id, NULL, &err);
    if (err) return err;
    return rc == SQLITE_DONE ? NULL : tzs_fail(s, c->db, op, rc);
}

tz_error *tzs_sq_user_delete(tz_store *s, const char *id) {
    if (!id) return tzs_bad_arg(s, "user_delete", "id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "user_delete");
    if (!err) {
        /* memberships, their privileges and admin privileges go with the row (foreign keys) */
        err = run_keyed(s, c, SQL_USER_DELETE, id, "user_delete");
        if (!err && sqlite3_changes(c->db) == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
        if (!err) err = run_keyed(s, c, SQL_USER_DELETE_TOKENS, id, "user_delete");
        if (!err) err = run_keyed(s, c, SQL_USER_DELETE_TEMP, id, "user_delete");
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, "user_delete");
    }
    tzs_release(s, c);
    return err;
}

static tz_error *user_exists(tz_store *s, tzs_conn *c, const char *id, bool *out) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_USER_EXISTS, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return tzs_fail(s, c->db, "user_exists", rc);
    *out = rc == SQLITE_ROW;
    return NULL;
}

tz_error *tzs_sq_user_set_oz_privileges(tz_store *s, const char *id, const char *const *privs,
                                          size_t n, bool grant) {
    if (!id || (n && !privs)) return tzs_bad_arg(s, "user_set_oz_privileges", "id or privileges");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "user_set_oz_privileges");
    if (!err) {
        bool exists = false;
        err = user_exists(s, c, id, &exists);
        if (!err && !exists) err = tz_err_new(TZE_STORE_NOT_FOUND);
        if (!err) err = set_oz_privileges(s, c, id, privs, n, grant, "user_set_oz_privileges");
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, "user_set_oz_privileges");
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_user_has_oz_privilege(tz_store *s, const char *id, const char *priv,
                                         bool *out) {
    *out = false;
    if (!id || !priv) return tzs_bad_arg(s, "user_has_oz_privilege", "id or privilege");
    const char *params[] = {id, priv};
    return tzs_query_row(s, SQL_OZ_PRIV_HAS, "user_has_oz_privilege", params, 2, out, NULL);
}

static const char SQL_USER_STATE[] = "SELECT blocked FROM users WHERE id = ?1";
static const char SQL_PROVIDER_STATE[] = "SELECT 0 FROM providers WHERE id = ?1";

tz_error *tzs_sq_subject_state(tz_store *s, const tz_subject *subject, bool *exists, bool *blocked) {
    *exists = false;
    *blocked = false;
    if (!subject || !subject->id) return tzs_bad_arg(s, "subject_state", "subject");
    const char *sql = subject->kind == TZ_SUBJ_USER ? SQL_USER_STATE
                    : subject->kind == TZ_SUBJ_PROVIDER ? SQL_PROVIDER_STATE : NULL;
    if (!sql) return NULL; /* nobody and groups are never token subjects */
    const char *params[] = {subject->id};
    int value;
    tz_error *err = tzs_query_row(s, sql, "subject_state", params, 1, exists, &value);
    *blocked = *exists && value != 0;
    return err;
}
