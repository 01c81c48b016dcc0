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

/* Onezone's model name of a kind, as relationAlreadyExists details carry it. */
static const char *model_name(tz_dir_kind k) {
    switch (k) {
    case TZ_DIR_USER: return "od_user";
    case TZ_DIR_GROUP: return "od_group";
    case TZ_DIR_SPACE: return "od_space";
    case TZ_DIR_CLUSTER: return "od_cluster";
    case TZ_DIR_HARVESTER: return "od_harvester";
    case TZ_DIR_ATM_INVENTORY: return "od_atm_inventory";
    case TZ_DIR_PROVIDER: return "od_provider";
    case TZ_DIR__COUNT: break;
    }
    return "unknown";
}

static tz_error *already_exists(tz_dir_kind ck, const char *cid, tz_dir_kind pk, const char *pid) {
    if (ck == TZ_DIR_PROVIDER) {
        /* Onezone records a support as the space being a child of the provider */
        return tz_err_new_details(TZE_RELATION_ALREADY_EXISTS,
                                  json_pack("{s:s,s:s,s:s,s:s}", "childType", "od_space", "childId",
                                            pid, "parentType", "od_provider", "parentId", cid));
    }
    return tz_err_new_details(TZE_RELATION_ALREADY_EXISTS,
                              json_pack("{s:s,s:s,s:s,s:s}", "childType", model_name(ck), "childId",
                                        cid, "parentType", model_name(pk), "parentId", pid));
}

tz_error *tzs_dir_insert_relation(tz_store *s, tzs_conn *c, tz_dir_kind ck, const char *cid,
                                  tz_dir_kind pk, const char *pid, const char *const *privs,
                                  size_t n, int64_t support_size) {
    int table = tzs_dir_relation_table(ck, pk);
    if (!table || !cid || !pid) return tzs_bad_arg(s, "dir_relation", "relation");
    bool exists = false;
    tz_error *err = entity_exists(s, c, ck, cid, &exists);
    if (!err && exists) err = entity_exists(s, c, pk, pid, &exists);
    if (!err && !exists) err = tz_err_new(TZE_NOT_FOUND);
    if (!err) err = tzs_dir_relation_exists(s, c, ck, cid, pk, pid, &exists);
    if (!err && exists) err = already_exists(ck, cid, pk, pid);
    if (err) return err;
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
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return tz_err_new(TZE_NOT_FOUND);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return already_exists(ck, cid, pk, pid);
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "dir_relation", rc);
    return tzs_dir_write_privileges(s, c, ck, cid, pk, pid, privs, n, true);
}

/* ---------------- the invite's usage ---------------- */

/* Reads the named invite: revoked / gone / limit reached fail; *meta (owned) is its metadata. */
static tz_error *usage_check(tz_store *s, tzs_conn *c, const char *invite_id, json_t **meta) {
    *meta = NULL;
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_INV_TOKEN, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, invite_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) err = tz_err_new(TZE_TOKEN_INVALID);
    else if (rc != SQLITE_ROW) err = tzs_fail(s, c->db, "invite usage", rc);
    else if (sqlite3_column_int(st, 1)) err = tz_err_new(TZE_TOKEN_REVOKED);
    else {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        *meta = text ? json_loads(text, 0, NULL) : NULL;
        if (!json_is_object(*meta)) {
            tzs_log(s, "invite %s: unreadable metadata", invite_id);
            err = tz_err_new(TZE_INTERNAL);
        }
    }
    sqlite3_reset(st);
    if (err) {
        json_decref(*meta);
        *meta = NULL;
        return err;
    }
    const json_t *limit = json_object_get(*meta, "usageLimit");
    json_int_t count = json_integer_value(json_object_get(*meta, "usageCount"));
    if (json_is_integer(limit) && count >= json_integer_value(limit)) {
        json_decref(*meta);
        *meta = NULL;
        return tz_err_new(TZE_INVITE_USAGE_LIMIT_REACHED);
    }
    return NULL;
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

/* The issuer still holds, for every i, issuer_privs[i] in its entity or issuer_oz_privs[i]. */
static tz_error *issuer_check(tz_store *s, tzs_conn *c, const tz_dir_join *j) {
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
        if (!ok) return tz_err_new(TZE_INVITE_SUBJECT_NOT_AUTHORIZED);
    }
    return NULL;
}

static tz_error *join_steps(tz_store *s, tzs_conn *c, const tz_dir_join *j, json_t **meta) {
    /* both ends must exist (an invite's target may have been deleted since it was issued) */
    bool child = false, parent = false;
    tz_error *err = entity_exists(s, c, j->child_kind, j->child_id, &child);
    if (!err) err = entity_exists(s, c, j->parent_kind, j->parent_id, &parent);
    if (!err && (!child || !parent)) err = tz_err_new(TZE_NOT_FOUND);
    if (!err && j->invite_id) err = usage_check(s, c, j->invite_id, meta);
    if (!err && j->issuer_user) err = issuer_check(s, c, j);
    if (err) return err;
    if (j->child_kind == j->parent_kind && !strcmp(j->child_id, j->parent_id))
        return tz_err_new(TZE_CANNOT_ADD_RELATION_TO_SELF);
    if (j->child_kind == TZ_DIR_GROUP && j->parent_kind == TZ_DIR_GROUP) {
        const char *p[] = {j->parent_id, j->child_id};
        int cycle = 0;
        if ((err = row_int(s, c, SQL_INV_GROUP_CYCLE, p, 2, &cycle))) return err;
        /* the child is already above the parent: the group would become its own ancestor */
        if (cycle) return tz_err_new(TZE_CANNOT_ADD_RELATION_TO_SELF);
    }
    err = tzs_dir_insert_relation(s, c, j->child_kind, j->child_id, j->parent_kind, j->parent_id,
                                  j->privs, j->n_privs, j->support_size);
    if (!err && j->invite_id) err = usage_bump(s, c, j->invite_id, *meta);
    return err;
}

tz_error *tz_store_dir_join(tz_store *s, const tz_dir_join *j) {
    if (!j || !tz_dir_kind_word(j->child_kind) || !tz_dir_kind_word(j->parent_kind) ||
        !j->child_id || !j->parent_id || (j->n_privs && !j->privs) ||
        (j->issuer_user && j->n_issuer &&
         (!j->issuer_privs || !j->issuer_oz_privs || !j->issuer_entity ||
          !tz_dir_kind_word(j->issuer_kind))))
        return tzs_bad_arg(s, "dir_join", "relation");
    if (!tzs_dir_relation_table(j->child_kind, j->parent_kind))
        return tz_err_new(TZE_NOT_SUPPORTED);
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    json_t *meta = NULL;
    err = tzs_begin(s, c, "dir_join");
    if (!err) {
        err = join_steps(s, c, j, &meta);
        if (err) tzs_rollback(c);
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
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return tz_err_key(TZE_BAD_VALUE_IDENTIFIER_OCCUPIED, "subdomain");
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return tz_err_new(TZE_ALREADY_EXISTS);
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "provider_register", rc);
    rc = tzs_run(s, c, SQL_INV_PROVIDER_CLUSTER, p->id, p->name, &err);
    if (err) return err;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return tz_err_new(TZE_ALREADY_EXISTS);
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

tz_error *tz_store_provider_register(tz_store *s, const tz_provider_rec *p, const char *subdomain,
                                     const char *admin_email, const char *admin_user,
                                     const char *const *admin_privs, size_t n_admin_privs,
                                     const tz_named_token_rec *root, const char *invite_id) {
    if (!p || !p->id || !p->name || !admin_user || !root || !root->id || !root->name ||
        !root->token || !root->secret || !root->metadata_json || !root->subject.id ||
        (n_admin_privs && !admin_privs))
        return tzs_bad_arg(s, "provider_register", "provider, admin or root token");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    json_t *meta = NULL;
    err = tzs_begin(s, c, "provider_register");
    if (!err) {
        if (invite_id) err = usage_check(s, c, invite_id, &meta);
        if (!err) err = insert_provider(s, c, p, subdomain, admin_email);
        if (!err)
            err = tzs_dir_insert_relation(s, c, TZ_DIR_USER, admin_user, TZ_DIR_CLUSTER, p->id,
                                          admin_privs, n_admin_privs, 0);
        if (!err) err = insert_root_token(s, c, root);
        if (!err && invite_id) err = usage_bump(s, c, invite_id, meta);
        if (err) tzs_rollback(c);
        else err = tzs_commit(s, c, "provider_register");
    }
    json_decref(meta);
    tzs_release(s, c);
    return err;
}

/* ---------------- named token PATCH ---------------- */

static const char SQL_INV_PATCH[] =
    "UPDATE named_tokens SET name = coalesce(?2, name), metadata = coalesce(?3, metadata),"
    " revoked = CASE WHEN ?4 < 0 THEN revoked ELSE ?4 END WHERE id = ?1";

/* The stored metadata with `custom` replaced; *out malloc'd. */
static tz_error *merged_metadata(tz_store *s, tzs_conn *c, const char *id, const char *custom,
                                 char **out) {
    *out = NULL;
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, SQL_INV_TOKEN, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    json_t *m = NULL;
    if (rc == SQLITE_DONE) err = tz_err_new(TZE_NOT_FOUND);
    else if (rc != SQLITE_ROW) err = tzs_fail(s, c->db, "named_patch", rc);
    else m = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    sqlite3_reset(st);
    json_t *cj = err ? NULL : json_loads(custom, 0, NULL);
    if (!err && (!json_is_object(m) || !json_is_object(cj))) err = tzs_bad_arg(s, "named_patch", "metadata");
    if (!err) {
        json_object_set(m, "custom", cj);
        if (!(*out = json_dumps(m, JSON_COMPACT))) err = tz_err_new(TZE_INTERNAL);
    }
    json_decref(m);
    json_decref(cj);
    return err;
}

tz_error *tz_store_named_patch(tz_store *s, const char *id, const char *name, const char *custom,
                               int revoked) {
    if (!id || revoked < -1 || revoked > 1) return tzs_bad_arg(s, "named_patch", "id, revoked");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    char *metadata = NULL;
    err = tzs_begin(s, c, "named_patch");
    if (!err && custom) err = merged_metadata(s, c, id, custom, &metadata);
    sqlite3_stmt *st;
    if (!err) err = tzs_stmt(s, c, SQL_INV_PATCH, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (name) sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        if (metadata) sqlite3_bind_text(st, 3, metadata, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, revoked);
        int rc = tzs_step_done(st);
        if (rc == SQLITE_CONSTRAINT_UNIQUE) err = tz_err_key(TZE_BAD_VALUE_IDENTIFIER_OCCUPIED, "name");
        else if (rc != SQLITE_DONE) err = tzs_fail(s, c->db, "named_patch", rc);
        else if (sqlite3_changes(c->db) == 0) err = tz_err_new(TZE_NOT_FOUND);
    }
    if (err) tzs_rollback(c);
    else err = tzs_commit(s, c, "named_patch");
    free(metadata);
    tzs_release(s, c);
    return err;
}
