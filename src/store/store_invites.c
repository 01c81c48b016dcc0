/* Invite consumption: adding a relation together with the named invite's usage in one write
 * transaction, so that a usage limit of N lets exactly N consumers in however many race (the
 * transaction holds the database's write lock from BEGIN IMMEDIATE to COMMIT), and a failed join
 * leaves the count untouched. Provider registration is the same for registerOneprovider invites. */
#include <stdlib.h>
#include <string.h>
#include "store/store_directory_internal.h"

static const char SQL_INV_EXISTS[] =
    "SELECT 1 FROM dir_all_entities WHERE kind = ?1 AND id = ?2"
    " UNION ALL SELECT 1 FROM users WHERE ?1 = 'user' AND id = ?2"
    " UNION ALL SELECT 1 FROM providers WHERE ?1 = 'provider' AND id = ?2";
static const char SQL_INV_USER_MEMBER[] =
    "INSERT INTO user_members (kind, entity_id, user_id) VALUES (?3, ?4, ?2)";
static const char SQL_INV_GROUP_MEMBER[] =
    "INSERT INTO group_members (kind, entity_id, group_id) VALUES (?3, ?4, ?2)";
static const char SQL_INV_SUPPORT[] =
    "INSERT INTO space_supports (space_id, provider_id, size) VALUES (?4, ?2, ?5)";
static const char SQL_INV_RELATION[] =
    "INSERT INTO dir_relations (child_kind, child_id, parent_kind, parent_id)"
    " VALUES (?1, ?2, ?3, ?4)";
/* Would parent ?1 be below group ?2 already (so that ?2 -> ?1 closes a cycle)? */
static const char SQL_INV_GROUP_CYCLE[] =
    "WITH RECURSIVE up(id) AS (VALUES (?1) UNION"
    "  SELECT r.parent_id FROM dir_relations r JOIN up"
    "  ON r.child_kind = 'group' AND r.child_id = up.id AND r.parent_kind = 'group')"
    " SELECT EXISTS (SELECT 1 FROM up WHERE id = ?2)";
static const char SQL_INV_TOKEN[] = "SELECT metadata, revoked FROM named_tokens WHERE id = ?1";
static const char SQL_INV_TOKEN_UPDATE[] = "UPDATE named_tokens SET metadata = ?2 WHERE id = ?1";
static const char SQL_INV_OZ_PRIV[] =
    "SELECT 1 FROM user_oz_privileges WHERE user_id = ?1 AND privilege = ?2";
static const char SQL_INV_EFFECTIVE_PRIV[] =
    "WITH RECURSIVE anc(kind, id) AS ("
    "  VALUES ('user', ?1)"
    "  UNION"
    "  SELECT r.parent_kind, r.parent_id FROM dir_all_relations r JOIN anc"
    "    ON r.child_kind = anc.kind AND r.child_id = anc.id WHERE r.parent_kind = 'group') "
    "SELECT EXISTS (SELECT 1 FROM dir_all_privileges p JOIN anc"
    "  ON p.child_kind = anc.kind AND p.child_id = anc.id"
    "  WHERE p.parent_kind = ?2 AND p.parent_id = ?3 AND p.privilege = ?4)";
static const char SQL_INV_PROVIDER[] =
    "INSERT INTO providers (id, name, domain, creation_time, subdomain, admin_email)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_INV_PROVIDER_CLUSTER[] =
    "INSERT INTO entities (kind, id, name, provider_id) VALUES ('cluster', ?1, ?2, ?1)";
static const char SQL_INV_NAMED[] =
    "INSERT INTO named_tokens (id, name, subject_kind, subject_id, token, secret, metadata, revoked)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/* Runs a one-row SELECT bound with text ?1..?n; *value = first column as int (0 without a row). */
static tz_error *row_int(tz_store *s, tzs_conn *c, const char *sql, const char *const *params,
                         size_t n, int *value) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, sql, &st);
    if (err) return err;
    for (size_t i = 0; i < n; i++) sqlite3_bind_text(st, (int)i + 1, params[i], -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *value = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? NULL : tzs_fail(s, c->db, "invite", rc);
}

static tz_error *entity_exists(tz_store *s, tzs_conn *c, tz_dir_kind k, const char *id, bool *out) {
    const char *params[] = {tz_dir_kind_word(k), id};
    int v;
    tz_error *err = row_int(s, c, SQL_INV_EXISTS, params, 2, &v);
    *out = v != 0;
    return err;
}

tz_error *tzs_dir_insert_relation(tz_store *s, tzs_conn *c, tz_dir_kind ck, const char *cid,
                                  tz_dir_kind pk, const char *pid, const char *const *privs,
                                  size_t n, int64_t support_size, tz_dir_outcome *outcome) {
    int table = tzs_dir_relation_table(ck, pk);
    if (!table || !cid || !pid) return tzs_bad_arg(s, "dir_relation", "relation");
    bool exists = false;
    tz_error *err = entity_exists(s, c, ck, cid, &exists);
    if (!err && exists) err = entity_exists(s, c, pk, pid, &exists);
    if (err) return err;
    if (!exists) {
        *outcome = TZ_DIR_MISSING;
        return NULL;
    }
    if ((err = tzs_dir_relation_exists(s, c, ck, cid, pk, pid, &exists))) return err;
    if (exists) {
        *outcome = TZ_DIR_EXISTS;
        return NULL;
    }
    const char *sql = table == 1 ? SQL_INV_USER_MEMBER
                      : table == 2 ? SQL_INV_GROUP_MEMBER
                      : table == 3 ? SQL_INV_SUPPORT
                                   : SQL_INV_RELATION;
    sqlite3_stmt *st;
    if ((err = tzs_stmt(s, c, sql, &st))) return err;
    sqlite3_bind_text(st, 1, tz_dir_kind_word(ck), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, cid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tz_dir_kind_word(pk), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, pid, -1, SQLITE_STATIC);
    if (table == 3) sqlite3_bind_int64(st, 5, support_size);
    int rc = tzs_step_done(st);
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "dir_relation", rc);
    *outcome = TZ_DIR_DONE;
    return tzs_dir_write_privileges(s, c, ck, cid, pk, pid, privs, n, true);
}

/* ---------------- the invite's usage ---------------- */

/* Reads the named invite: *outcome says gone / revoked / used up (TZ_DIR_DONE = usable);
 * *meta (owned) is its metadata when usable. */
static tz_error *usage_check(tz_store *s, tzs_conn *c, const char *invite_id, json_t **meta,
                             tz_dir_outcome *outcome) {
    *meta = NULL;
    *outcome = TZ_DIR_DONE;
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_INV_TOKEN, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, invite_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) *outcome = TZ_DIR_INVITE_GONE;
    else if (rc != SQLITE_ROW) err = tzs_fail(s, c->db, "invite usage", rc);
    else if (sqlite3_column_int(st, 1)) *outcome = TZ_DIR_INVITE_REVOKED;
    else {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        *meta = text ? json_loads(text, 0, NULL) : NULL;
        if (!json_is_object(*meta)) {
            tzs_log(s, "invite %s: unreadable metadata", invite_id);
            err = tz_err_new(TZE_INTERNAL);
        }
    }
    sqlite3_reset(st);
    if (!err && *outcome == TZ_DIR_DONE) {
        const json_t *limit = json_object_get(*meta, "usageLimit");
        json_int_t count = json_integer_value(json_object_get(*meta, "usageCount"));
        if (json_is_integer(limit) && count >= json_integer_value(limit)) *outcome = TZ_DIR_INVITE_USED_UP;
    }
    if (err || *outcome != TZ_DIR_DONE) {
        json_decref(*meta);
        *meta = NULL;
    }
    return err;
}

static tz_error *usage_bump(tz_store *s, tzs_conn *c, const char *invite_id, json_t *meta) {
    json_int_t count = json_integer_value(json_object_get(meta, "usageCount"));
    json_object_set_new(meta, "usageCount", json_integer(count + 1));
    char *text = json_dumps(meta, JSON_COMPACT);
    if (!text) return tz_err_new(TZE_INTERNAL);
    tz_error *err = NULL;
    int rc = tzs_run(s, c, SQL_INV_TOKEN_UPDATE, invite_id, text, &err);
    free(text);
    if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "invite usage", rc);
    return err;
}

/* The issuer still holds, for every i, issuer_privs[i] in its entity or issuer_oz_privs[i]
 * (*allowed). */
static tz_error *issuer_check(tz_store *s, tzs_conn *c, const tz_dir_join *j, bool *allowed) {
    *allowed = true;
    for (size_t i = 0; i < j->n_issuer; i++) {
        int ok = 0;
        tz_error *err = NULL;
        if (j->issuer_privs[i]) {
            const char *p[] = {j->issuer_user, tz_dir_kind_word(j->issuer_kind), j->issuer_entity,
                               j->issuer_privs[i]};
            err = row_int(s, c, SQL_INV_EFFECTIVE_PRIV, p, 4, &ok);
        }
        if (!err && !ok && j->issuer_oz_privs[i]) {
            const char *p[] = {j->issuer_user, j->issuer_oz_privs[i]};
            err = row_int(s, c, SQL_INV_OZ_PRIV, p, 2, &ok);
        }
        if (err) return err;
        if (!ok) {
            *allowed = false;
            return NULL;
        }
    }
    return NULL;
}

static tz_error *join_steps(tz_store *s, tzs_conn *c, const tz_dir_join *j, json_t **meta,
                           tz_dir_outcome *outcome) {
    /* both ends must exist (an invite's target may have been deleted since it was issued) */
    bool child = false, parent = false, allowed = true;
    tz_error *err = entity_exists(s, c, j->child_kind, j->child_id, &child);
    if (!err) err = entity_exists(s, c, j->parent_kind, j->parent_id, &parent);
    if (err) return err;
    if (!child || !parent) {
        *outcome = TZ_DIR_MISSING;
        return NULL;
    }
    if (j->invite_id && ((err = usage_check(s, c, j->invite_id, meta, outcome)) || *outcome != TZ_DIR_DONE))
        return err;
    if (j->issuer_user && ((err = issuer_check(s, c, j, &allowed)) || !allowed)) {
        if (!err) *outcome = TZ_DIR_ISSUER_NOT_ALLOWED;
        return err;
    }
    if (j->child_kind == j->parent_kind && !strcmp(j->child_id, j->parent_id)) {
        *outcome = TZ_DIR_SELF;
        return NULL;
    }
    if (j->child_kind == TZ_DIR_GROUP && j->parent_kind == TZ_DIR_GROUP) {
        const char *p[] = {j->parent_id, j->child_id};
        int cycle = 0;
        if ((err = row_int(s, c, SQL_INV_GROUP_CYCLE, p, 2, &cycle))) return err;
        /* the child is already above the parent: the group would become its own ancestor */
        if (cycle) {
            *outcome = TZ_DIR_SELF;
            return NULL;
        }
    }
    err = tzs_dir_insert_relation(s, c, j->child_kind, j->child_id, j->parent_kind, j->parent_id,
                                  j->privs, j->n_privs, j->support_size, outcome);
    if (!err && *outcome == TZ_DIR_DONE && j->invite_id) err = usage_bump(s, c, j->invite_id, *meta);
    return err;
}

tz_error *tzs_sq_dir_join(tz_store *s, const tz_dir_join *j, tz_dir_outcome *outcome) {
    *outcome = TZ_DIR_MISSING;
    if (!j || !tz_dir_kind_word(j->child_kind) || !tz_dir_kind_word(j->parent_kind) ||
        !j->child_id || !j->parent_id || (j->n_privs && !j->privs) ||
        (j->issuer_user && j->n_issuer &&
         (!j->issuer_privs || !j->issuer_oz_privs || !j->issuer_entity ||
          !tz_dir_kind_word(j->issuer_kind))) ||
        !tzs_dir_relation_table(j->child_kind, j->parent_kind))
        return tzs_bad_arg(s, "dir_join", "relation");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    json_t *meta = NULL;
    err = tzs_begin(s, c, "dir_join");
    if (!err) {
        err = join_steps(s, c, j, &meta, outcome);
        if (err || *outcome != TZ_DIR_DONE) tzs_rollback(c);
        else err = tzs_commit(s, c, "dir_join");
    }
    json_decref(meta);
    tzs_release(s, c);
    return err;
}

/* ---------------- provider registration ---------------- */

static tz_error *insert_provider(tz_store *s, tzs_conn *c, const tz_provider_rec *p,
                                 const char *subdomain, const char *admin_email) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_INV_PROVIDER, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
    if (p->domain) sqlite3_bind_text(st, 3, p->domain, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, p->creation_time);
    if (subdomain) sqlite3_bind_text(st, 5, subdomain, -1, SQLITE_STATIC);
    if (admin_email) sqlite3_bind_text(st, 6, admin_email, -1, SQLITE_STATIC);
    int rc = tzs_step_done(st);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return tz_err_key(TZE_STORE_CONFLICT, "subdomain");
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return tz_err_key(TZE_STORE_CONFLICT, "id");
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "provider_register", rc);
    rc = tzs_run(s, c, SQL_INV_PROVIDER_CLUSTER, p->id, p->name, &err);
    if (err) return err;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return tz_err_key(TZE_STORE_CONFLICT, "id");
    return rc == SQLITE_DONE ? NULL : tzs_fail(s, c->db, "provider_register", rc);
}

static tz_error *insert_root_token(tz_store *s, tzs_conn *c, const tz_named_token_rec *r) {
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_INV_NAMED, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, TZS_SUBJ_PROVIDER);
    sqlite3_bind_text(st, 4, r->subject.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->token, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->secret, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->metadata_json, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, r->revoked ? 1 : 0);
    int rc = tzs_step_done(st);
    return rc == SQLITE_DONE ? NULL : tzs_fail(s, c->db, "provider_register", rc);
}

tz_error *tzs_sq_provider_register_invited(tz_store *s, const tz_provider_rec *p,
                                           const char *subdomain, const char *admin_email,
                                           const char *admin_user,
                                           const char *const *admin_privs, size_t n_admin_privs,
                                           const tz_named_token_rec *root, const char *invite_id,
                                           tz_dir_outcome *outcome) {
    *outcome = TZ_DIR_MISSING;
    if (!p || !p->id || !p->name || !admin_user || !root || !root->id || !root->name ||
        !root->token || !root->secret || !root->metadata_json || !root->subject.id ||
        (n_admin_privs && !admin_privs))
        return tzs_bad_arg(s, "provider_register", "provider, admin or root token");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    json_t *meta = NULL;
    bool admin_exists = false;
    err = tzs_begin(s, c, "provider_register");
    if (!err) err = entity_exists(s, c, TZ_DIR_USER, admin_user, &admin_exists);
    if (!err && admin_exists) {
        *outcome = TZ_DIR_DONE;
        if (invite_id) err = usage_check(s, c, invite_id, &meta, outcome);
        if (!err && *outcome == TZ_DIR_DONE) err = insert_provider(s, c, p, subdomain, admin_email);
        if (!err && *outcome == TZ_DIR_DONE)
            err = tzs_dir_insert_relation(s, c, TZ_DIR_USER, admin_user, TZ_DIR_CLUSTER, p->id,
                                          admin_privs, n_admin_privs, 0, outcome);
        if (!err && *outcome == TZ_DIR_DONE) err = insert_root_token(s, c, root);
        if (!err && *outcome == TZ_DIR_DONE && invite_id) err = usage_bump(s, c, invite_id, meta);
    }
    if (err || *outcome != TZ_DIR_DONE) tzs_rollback(c);
    else err = tzs_commit(s, c, "provider_register");
    json_decref(meta);
    tzs_release(s, c);
    return err;
}
