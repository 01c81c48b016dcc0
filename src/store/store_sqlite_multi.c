/* SQLite operations that are one thing to the user but several rows to the store, each one
 * transaction (BEGIN IMMEDIATE .. COMMIT, rolled back on any error): the admin bootstrap
 * (create-if-absent), provider registration, a group or space with its owner, and the writes of
 * `store copy`. */
#include <string.h>
#include "store/store_internal.h"

static const char SQL_USERNAME_TAKEN[] = "SELECT 1 FROM users WHERE username = ?1";
static const char SQL_IS_EMPTY[] =
    "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM providers)"
    " OR EXISTS (SELECT 1 FROM entities WHERE NOT (kind = 'cluster' AND id = 'onezone'))"
    " OR EXISTS (SELECT 1 FROM named_tokens) OR EXISTS (SELECT 1 FROM temp_secrets)"
    " OR EXISTS (SELECT 1 FROM group_members) OR EXISTS (SELECT 1 FROM oauth_clients)"
    " OR EXISTS (SELECT 1 FROM dir_entities) OR EXISTS (SELECT 1 FROM dir_relations)";
static const char SQL_TEMP_PUT[] =
    "INSERT INTO temp_secrets (subject_kind, subject_id, secret, generation) VALUES (?1, ?2, ?3, ?4)";

tz_error *tzs_sq_user_ensure(tz_store *s, const tz_user_rec *u, bool *created) {
    *created = false;
    if (!u || !u->id || !u->username) return tzs_bad_arg(s, "user_ensure", "id and username");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    /* BEGIN IMMEDIATE: the check and the insert hold the write lock together, so two processes
     * bootstrapping at once cannot both see "absent" */
    err = tzs_begin(s, c, "user_ensure");
    if (!err) {
        sqlite3_stmt *st;
        err = tzs_stmt(s, c, SQL_USERNAME_TAKEN, &st);
        if (!err) {
            sqlite3_bind_text(st, 1, u->username, -1, SQLITE_STATIC);
            int rc = sqlite3_step(st);
            sqlite3_reset(st);
            if (rc == SQLITE_DONE) {
                err = tzs_insert_user(s, c, u);
                if (!err) *created = true;
            } else if (rc != SQLITE_ROW) {
                err = tzs_fail(s, c->db, "user_ensure", rc);
            }
        }
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, "user_ensure");
    }
    tzs_release(s, c);
    if (err) *created = false;
    return err;
}

tz_error *tzs_sq_provider_register(tz_store *s, const tz_provider_rec *p, const char *admin_user_id,
                                   const char *const *privs, size_t n,
                                   const tz_named_token_rec *root_token) {
    if (!p || !p->id || !p->name || !admin_user_id)
        return tzs_bad_arg(s, "provider_register", "id, name and admin");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "provider_register");
    if (!err) {
        err = tzs_insert_provider(s, c, p);
        /* an unknown admin fails the membership's foreign key: NOT_FOUND, all rolled back */
        if (!err) err = tzs_write_user_member(s, c, TZ_ENT_CLUSTER, p->id, admin_user_id, privs, n);
        if (!err && root_token) err = tzs_insert_named(s, c, root_token);
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, "provider_register");
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_entity_create_owned(tz_store *s, tz_entity_kind kind, const char *id, const char *name,
                                     const char *owner_user_id, const char *const *privs, size_t n) {
    if (!owner_user_id) return tzs_bad_arg(s, "entity_create_owned", "owner");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "entity_create_owned");
    if (!err) {
        err = tzs_insert_entity(s, c, kind, id, name);
        /* an unknown owner fails the membership's foreign key: NOT_FOUND, all rolled back */
        if (!err) err = tzs_write_user_member(s, c, kind, id, owner_user_id, privs, n);
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, "entity_create_owned");
    }
    tzs_release(s, c);
    return err;
}

tz_error *tzs_sq_is_empty(tz_store *s, bool *empty) {
    *empty = false;
    bool found;
    int any = 1;
    tz_error *err = tzs_query_row(s, SQL_IS_EMPTY, "is_empty", NULL, 0, &found, &any);
    if (!err) *empty = found && any == 0;
    return err;
}

tz_error *tzs_sq_temp_secret_put(tz_store *s, const tz_temp_secret_rec *r) {
    int kind = r ? tzs_subject_kind(&r->subject) : -1;
    if (kind < 0 || !r->secret[0] || strlen(r->secret) > TZ_STORED_SECRET_MAX || r->generation < 1)
        return tzs_bad_arg(s, "temp_secret_put", "subject, secret or generation");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_TEMP_PUT, &st);
    if (!err) {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_text(st, 2, r->subject.id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r->secret, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, r->generation);
        int rc = tzs_step_done(st);
        sqlite3_clear_bindings(st);
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) err = tz_err_key(TZE_STORE_CONFLICT, "subject");
        else if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, "temp_secret_put", rc);
    }
    tzs_release(s, c);
    return err;
}
