/* PostgreSQL store: invite consumption (store.h tz_store_dir_join and
 * tz_store_provider_register_invited), as store_invites.c for SQLite. The relation, its
 * privileges and the named invite's usage are written in ONE transaction that reads the invite
 * with SELECT ... FOR UPDATE: concurrent consumers on any number of nodes queue on the invite's
 * row, and each sees the count the previous one committed, so a usage limit of N lets exactly N
 * in. A failed join leaves the count untouched (the transaction is rolled back). Group-in-group
 * joins also take a transaction-scoped advisory lock before the cycle check, so that two joins
 * that would close a cycle together cannot both pass it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_directory.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

/* An arbitrary key for the group-nesting lock (the schema's lock key + 1). */
#define PGS_NESTING_LOCK "7741350741837570671"

static const char SQL_INV_EXISTS[] =
    "SELECT EXISTS (SELECT 1 FROM dir_all_entities WHERE kind = $1::text AND id = $2::text)"
    " OR ($1::text = 'user' AND EXISTS (SELECT 1 FROM users WHERE id = $2::text))"
    " OR ($1::text = 'provider' AND EXISTS (SELECT 1 FROM providers WHERE id = $2::text))";
static const char SQL_INV_REL_EXISTS[] =
    "SELECT EXISTS (SELECT 1 FROM dir_all_relations"
    " WHERE child_kind = $1 AND child_id = $2 AND parent_kind = $3 AND parent_id = $4)";
/* relation inserts: $1 parent kind, $2 parent, $3 child (tables 1, 2); see insert_params */
static const char SQL_INV_USER_MEMBER[] =
    "INSERT INTO user_members (kind, entity_id, user_id) VALUES ($1, $2, $3)"
    " ON CONFLICT DO NOTHING";
static const char SQL_INV_GROUP_MEMBER[] =
    "INSERT INTO group_members (kind, entity_id, group_id) VALUES ($1, $2, $3)"
    " ON CONFLICT DO NOTHING";
static const char SQL_INV_SUPPORT[] =
    "INSERT INTO space_supports (space_id, provider_id, size) VALUES ($1, $2, $3::bigint)"
    " ON CONFLICT DO NOTHING";
static const char SQL_INV_RELATION[] =
    "INSERT INTO dir_relations (child_kind, child_id, parent_kind, parent_id)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
static const char SQL_PRIV_ADD_USER[] =
    "INSERT INTO user_member_privileges (kind, entity_id, user_id, privilege)"
    " SELECT $1, $2, $3, p FROM unnest($4::text[]) p ON CONFLICT DO NOTHING";
static const char SQL_PRIV_DEL_USER[] =
    "DELETE FROM user_member_privileges"
    " WHERE kind = $1 AND entity_id = $2 AND user_id = $3 AND privilege = ANY ($4::text[])";
static const char SQL_PRIV_ADD_GROUP[] =
    "INSERT INTO group_member_privileges (kind, entity_id, group_id, privilege)"
    " SELECT $1, $2, $3, p FROM unnest($4::text[]) p ON CONFLICT DO NOTHING";
static const char SQL_PRIV_DEL_GROUP[] =
    "DELETE FROM group_member_privileges"
    " WHERE kind = $1 AND entity_id = $2 AND group_id = $3 AND privilege = ANY ($4::text[])";
static const char SQL_PRIV_ADD_NEW[] =
    "INSERT INTO dir_relation_privileges (child_kind, child_id, parent_kind, parent_id, privilege)"
    " SELECT $1, $2, $3, $4, p FROM unnest($5::text[]) p ON CONFLICT DO NOTHING";
static const char SQL_PRIV_DEL_NEW[] =
    "DELETE FROM dir_relation_privileges"
    " WHERE child_kind = $1 AND child_id = $2 AND parent_kind = $3 AND parent_id = $4"
    " AND privilege = ANY ($5::text[])";
static const char SQL_INV_NESTING_LOCK[] = "SELECT pg_advisory_xact_lock(" PGS_NESTING_LOCK ")";
/* Would parent $1 be below group $2 already (so that $2 -> $1 closes a cycle)? */
static const char SQL_INV_GROUP_CYCLE[] =
    "WITH RECURSIVE up(id) AS (VALUES ($1::text) UNION"
    "  SELECT r.parent_id FROM dir_relations r JOIN up"
    "  ON r.child_kind = 'group' AND r.child_id = up.id AND r.parent_kind = 'group')"
    " SELECT EXISTS (SELECT 1 FROM up WHERE id = $2::text)";
static const char SQL_INV_TOKEN[] =
    "SELECT metadata, revoked FROM named_tokens WHERE id = $1 FOR UPDATE";
static const char SQL_INV_TOKEN_UPDATE[] = "UPDATE named_tokens SET metadata = $2 WHERE id = $1";
static const char SQL_INV_OZ_PRIV[] =
    "SELECT EXISTS (SELECT 1 FROM user_oz_privileges WHERE user_id = $1 AND privilege = $2)";
static const char SQL_INV_EFFECTIVE_PRIV[] =
    PGS_DIR_ANCESTORS
    "SELECT EXISTS (SELECT 1 FROM dir_all_privileges p JOIN anc"
    "  ON p.child_kind = anc.kind AND p.child_id = anc.id"
    "  WHERE p.parent_kind = $2 AND p.parent_id = $3 AND p.privilege = $4)";
static const char SQL_INV_PROVIDER[] =
    "INSERT INTO providers (id, name, domain, creation_time, subdomain, admin_email)"
    " VALUES ($1, $2, $3, $4::bigint, $5, $6)";
static const char SQL_INV_PROVIDER_CLUSTER[] =
    "INSERT INTO entities (kind, id, name, provider_id) VALUES ('cluster', $1, $2, $1)";

/* Runs a one-row boolean SELECT; *out = its first column. */
static tz_error *row_bool(pg_store *s, pgs_conn *c, const char *op, const char *sql, int n,
                          const char *const *params, bool *out) {
    PGresult *r;
    tz_error *err = pgs_exec(s, c, op, sql, n, params, &r);
    if (err) return err;
    *out = PQntuples(r) > 0 && pgs_bool(r, 0, 0);
    PQclear(r);
    return NULL;
}

static tz_error *entity_exists(pg_store *s, pgs_conn *c, tz_dir_kind k, const char *id, bool *out) {
    /* an id that is not UTF-8 names no stored row (and PostgreSQL would refuse it) */
    if (!pgs_utf8_valid(id)) {
        *out = false;
        return NULL;
    }
    const char *params[] = {tz_dir_kind_word(k), id};
    return row_bool(s, c, "dir_exists", SQL_INV_EXISTS, 2, params, out);
}

tz_error *pgs_dir_relation_exists(pg_store *s, pgs_conn *c, tz_dir_kind ck, const char *cid,
                                  tz_dir_kind pk, const char *pid, bool *out) {
    const char *params[] = {tz_dir_kind_word(ck), cid, tz_dir_kind_word(pk), pid};
    return row_bool(s, c, "dir_relation", SQL_INV_REL_EXISTS, 4, params, out);
}

tz_error *pgs_dir_write_privileges(pg_store *s, pgs_conn *c, tz_dir_kind ck, const char *cid,
                                   tz_dir_kind pk, const char *pid, const char *privs, bool grant) {
    bool none = !strcmp(privs, "{}");
    const char *entity[] = {tz_dir_kind_word(pk), pid, cid, privs};
    const char *relation[] = {tz_dir_kind_word(ck), cid, tz_dir_kind_word(pk), pid, privs};
    switch (tzs_dir_relation_table(ck, pk)) {
    case 1:
        return none ? NULL : pgs_run(s, c, "dir_privileges", grant ? SQL_PRIV_ADD_USER : SQL_PRIV_DEL_USER, 4, entity, NULL);
    case 2:
        return none ? NULL : pgs_run(s, c, "dir_privileges", grant ? SQL_PRIV_ADD_GROUP : SQL_PRIV_DEL_GROUP, 4, entity, NULL);
    case 4:
        return none ? NULL : pgs_run(s, c, "dir_privileges", grant ? SQL_PRIV_ADD_NEW : SQL_PRIV_DEL_NEW, 5, relation, NULL);
    default:
        return none ? NULL : pgs_bad_arg(s, "dir_privileges", "relation without privileges");
    }
}

tz_error *pgs_dir_insert_relation(pg_store *s, pgs_conn *c, tz_dir_kind ck, const char *cid,
                                  tz_dir_kind pk, const char *pid, const char *privs,
                                  int64_t support_size, tz_dir_outcome *outcome) {
    int table = tzs_dir_relation_table(ck, pk);
    if (!table || !cid || !pid || !privs) return pgs_bad_arg(s, "dir_relation", "relation");
    bool exists = false;
    tz_error *err = entity_exists(s, c, ck, cid, &exists);
    if (!err && exists) err = entity_exists(s, c, pk, pid, &exists);
    if (err) return err;
    if (!exists) {
        *outcome = TZ_DIR_MISSING;
        return NULL;
    }
    if ((err = pgs_dir_relation_exists(s, c, ck, cid, pk, pid, &exists))) return err;
    if (exists) {
        *outcome = TZ_DIR_EXISTS;
        return NULL;
    }
    char size[24];
    snprintf(size, sizeof size, "%lld", (long long)support_size);
    const char *member[] = {tz_dir_kind_word(pk), pid, cid};
    const char *support[] = {pid, cid, size};
    const char *relation[] = {tz_dir_kind_word(ck), cid, tz_dir_kind_word(pk), pid};
    long added = 0;
    err = table == 1   ? pgs_run(s, c, "dir_relation", SQL_INV_USER_MEMBER, 3, member, &added)
          : table == 2 ? pgs_run(s, c, "dir_relation", SQL_INV_GROUP_MEMBER, 3, member, &added)
          : table == 3 ? pgs_run(s, c, "dir_relation", SQL_INV_SUPPORT, 3, support, &added)
                       : pgs_run(s, c, "dir_relation", SQL_INV_RELATION, 4, relation, &added);
    if (err) return err;
    if (added == 0) {  /* a concurrent transaction added it after our read */
        *outcome = TZ_DIR_EXISTS;
        return NULL;
    }
    *outcome = TZ_DIR_DONE;
    return pgs_dir_write_privileges(s, c, ck, cid, pk, pid, privs, true);
}

/* ---------------- the invite's usage ---------------- */

/* Reads and locks the named invite: *outcome says gone / revoked / used up (TZ_DIR_DONE =
 * usable); *meta (owned) is its metadata when usable. */
static tz_error *usage_check(pg_store *s, pgs_conn *c, const char *invite_id, json_t **meta,
                             tz_dir_outcome *outcome) {
    *meta = NULL;
    *outcome = TZ_DIR_DONE;
    if (!pgs_utf8_valid(invite_id)) {
        *outcome = TZ_DIR_INVITE_GONE;
        return NULL;
    }
    const char *params[] = {invite_id};
    PGresult *r;
    tz_error *err = pgs_exec(s, c, "invite usage", SQL_INV_TOKEN, 1, params, &r);
    if (err) return err;
    if (PQntuples(r) == 0) {
        *outcome = TZ_DIR_INVITE_GONE;
    } else if (pgs_bool(r, 0, 1)) {
        *outcome = TZ_DIR_INVITE_REVOKED;
    } else {
        *meta = PQgetisnull(r, 0, 0) ? NULL : json_loads(PQgetvalue(r, 0, 0), 0, NULL);
        if (!json_is_object(*meta)) {
            pgs_log(s, "invite %s: unreadable metadata", invite_id);
            err = tz_err_new(TZE_INTERNAL);
        }
    }
    PQclear(r);
    if (!err && *outcome == TZ_DIR_DONE) {
        const json_t *limit = json_object_get(*meta, "usageLimit");
        json_int_t count = json_integer_value(json_object_get(*meta, "usageCount"));
        if (json_is_integer(limit) && count >= json_integer_value(limit))
            *outcome = TZ_DIR_INVITE_USED_UP;
    }
    if (err || *outcome != TZ_DIR_DONE) {
        json_decref(*meta);
        *meta = NULL;
    }
    return err;
}

static tz_error *usage_bump(pg_store *s, pgs_conn *c, const char *invite_id, json_t *meta) {
    json_int_t count = json_integer_value(json_object_get(meta, "usageCount"));
    json_object_set_new(meta, "usageCount", json_integer(count + 1));
    char *text = json_dumps(meta, JSON_COMPACT);
    if (!text) return tz_err_new(TZE_INTERNAL);
    const char *params[] = {invite_id, text};
    tz_error *err = pgs_run(s, c, "invite usage", SQL_INV_TOKEN_UPDATE, 2, params, NULL);
    free(text);
    return err;
}

/* The issuer still holds, for every i, issuer_privs[i] in its entity or issuer_oz_privs[i]. */
static tz_error *issuer_check(pg_store *s, pgs_conn *c, const tz_dir_join *j, bool *allowed) {
    *allowed = true;
    if (!pgs_utf8_valid(j->issuer_user) || !pgs_utf8_valid(j->issuer_entity)) {
        *allowed = j->n_issuer == 0;
        return NULL;
    }
    for (size_t i = 0; i < j->n_issuer; i++) {
        bool ok = false;
        tz_error *err = NULL;
        if (j->issuer_privs[i]) {
            const char *p[] = {j->issuer_user, tz_dir_kind_word(j->issuer_kind), j->issuer_entity,
                               j->issuer_privs[i]};
            err = row_bool(s, c, "invite issuer", SQL_INV_EFFECTIVE_PRIV, 4, p, &ok);
        }
        if (!err && !ok && j->issuer_oz_privs[i]) {
            const char *p[] = {j->issuer_user, j->issuer_oz_privs[i]};
            err = row_bool(s, c, "invite issuer", SQL_INV_OZ_PRIV, 2, p, &ok);
        }
        if (err) return err;
        if (!ok) {
            *allowed = false;
            return NULL;
        }
    }
    return NULL;
}

/* One attempt of a join or invited registration. A unit of work may run several times
 * (retries), so everything it sets is reset at its start. An outcome other than TZ_DIR_DONE ends
 * it with `abort` set and an error that rolls the transaction back; the caller drops that error. */
typedef struct join_work_ctx {
    const tz_dir_join *j;
    const char *privs;          /* text[] literal */
    /* provider registration */
    const tz_provider_rec *p;
    const char *subdomain, *admin_email, *admin_user, *admin_privs;
    const tz_named_token_rec *root;
    const char *invite_id;
    /* results */
    tz_dir_outcome outcome;
    bool abort;
} join_work_ctx;

static tz_error *abort_with(join_work_ctx *w, tz_dir_outcome outcome) {
    w->outcome = outcome;
    w->abort = true;
    return tz_err_new(TZE_INTERNAL);  /* dropped by the caller: only rolls back */
}

static tz_error *join_steps(pg_store *s, pgs_conn *c, join_work_ctx *w, json_t **meta) {
    const tz_dir_join *j = w->j;
    /* both ends must exist (an invite's target may have been deleted since it was issued) */
    bool child = false, parent = false, allowed = true;
    tz_error *err = entity_exists(s, c, j->child_kind, j->child_id, &child);
    if (!err) err = entity_exists(s, c, j->parent_kind, j->parent_id, &parent);
    if (err) return err;
    if (!child || !parent) return abort_with(w, TZ_DIR_MISSING);
    tz_dir_outcome outcome = TZ_DIR_DONE;
    if (j->invite_id) {
        if ((err = usage_check(s, c, j->invite_id, meta, &outcome))) return err;
        if (outcome != TZ_DIR_DONE) return abort_with(w, outcome);
    }
    if (j->issuer_user) {
        if ((err = issuer_check(s, c, j, &allowed))) return err;
        if (!allowed) return abort_with(w, TZ_DIR_ISSUER_NOT_ALLOWED);
    }
    if (j->child_kind == j->parent_kind && !strcmp(j->child_id, j->parent_id))
        return abort_with(w, TZ_DIR_SELF);
    if (j->child_kind == TZ_DIR_GROUP && j->parent_kind == TZ_DIR_GROUP) {
        /* serialize nestings: two joins that close a cycle together would both pass the check */
        if ((err = pgs_run(s, c, "dir_join", SQL_INV_NESTING_LOCK, 0, NULL, NULL))) return err;
        const char *p[] = {j->parent_id, j->child_id};
        bool cycle = false;
        if ((err = row_bool(s, c, "dir_join", SQL_INV_GROUP_CYCLE, 2, p, &cycle))) return err;
        /* the child is already above the parent: the group would become its own ancestor */
        if (cycle) return abort_with(w, TZ_DIR_SELF);
    }
    err = pgs_dir_insert_relation(s, c, j->child_kind, j->child_id, j->parent_kind, j->parent_id,
                                  w->privs, j->support_size, &outcome);
    if (err) return err;
    if (outcome != TZ_DIR_DONE) return abort_with(w, outcome);
    if (j->invite_id) err = usage_bump(s, c, j->invite_id, *meta);
    return err;
}

static tz_error *join_work(pg_store *s, pgs_conn *c, void *ctx) {
    join_work_ctx *w = ctx;
    w->outcome = TZ_DIR_DONE;
    w->abort = false;
    json_t *meta = NULL;
    tz_error *err = join_steps(s, c, w, &meta);
    json_decref(meta);
    return err;
}

/* Runs a join-like unit of work: *outcome from it; an aborted attempt is not an error. */
static tz_error *run_join(pg_store *s, const char *op, join_work_ctx *w, pgs_work work,
                          tz_dir_outcome *outcome) {
    tz_error *err = pgs_run_work(s, op, PGS_TX, work, w);
    if (err && w->abort) {
        tz_err_free(err);
        err = NULL;
    }
    *outcome = err ? TZ_DIR_MISSING : w->outcome;
    return err;
}

tz_error *pgs_dir_join(tz_store *ts, const tz_dir_join *j, tz_dir_outcome *outcome) {
    pg_store *s = (pg_store *)ts;
    *outcome = TZ_DIR_MISSING;
    if (!j || !tz_dir_kind_word(j->child_kind) || !tz_dir_kind_word(j->parent_kind) ||
        !j->child_id || !j->parent_id || (j->n_privs && !j->privs) ||
        (j->issuer_user && j->n_issuer &&
         (!j->issuer_privs || !j->issuer_oz_privs || !j->issuer_entity ||
          !tz_dir_kind_word(j->issuer_kind))) ||
        !tzs_dir_relation_table(j->child_kind, j->parent_kind))
        return pgs_bad_arg(s, "dir_join", "relation");
    for (size_t i = 0; i < j->n_privs; i++)
        if (!j->privs[i]) return pgs_bad_arg(s, "dir_join", "privilege");
    char *arr = pgs_text_array(j->privs, j->n_privs);
    if (!arr) return tz_err_new(TZE_INTERNAL);
    join_work_ctx w = {.j = j, .privs = arr};
    tz_error *err = run_join(s, "dir_join", &w, join_work, outcome);
    free(arr);
    return err;
}

/* ---------------- provider registration ---------------- */

static tz_error *register_steps(pg_store *s, pgs_conn *c, join_work_ctx *w, json_t **meta) {
    bool admin = false;
    tz_error *err = entity_exists(s, c, TZ_DIR_USER, w->admin_user, &admin);
    if (err) return err;
    if (!admin) return abort_with(w, TZ_DIR_MISSING);
    tz_dir_outcome outcome = TZ_DIR_DONE;
    if (w->invite_id) {
        if ((err = usage_check(s, c, w->invite_id, meta, &outcome))) return err;
        if (outcome != TZ_DIR_DONE) return abort_with(w, outcome);
    }
    char ctime[24];
    snprintf(ctime, sizeof ctime, "%lld", (long long)w->p->creation_time);
    const char *pp[] = {w->p->id, w->p->name, w->p->domain, ctime, w->subdomain, w->admin_email};
    /* a taken id or subdomain fails its unique constraint: CONFLICT id / subdomain */
    if ((err = pgs_run(s, c, "provider_register", SQL_INV_PROVIDER, 6, pp, NULL))) return err;
    const char *cp[] = {w->p->id, w->p->name};
    if ((err = pgs_run(s, c, "provider_register", SQL_INV_PROVIDER_CLUSTER, 2, cp, NULL)))
        return err;
    err = pgs_dir_insert_relation(s, c, TZ_DIR_USER, w->admin_user, TZ_DIR_CLUSTER, w->p->id,
                                  w->admin_privs, 0, &outcome);
    if (err) return err;
    if (outcome != TZ_DIR_DONE) return abort_with(w, outcome);
    if ((err = pgs_named_insert(s, c, w->root, "provider_register"))) return err;
    if (w->invite_id) err = usage_bump(s, c, w->invite_id, *meta);
    return err;
}

static tz_error *register_work(pg_store *s, pgs_conn *c, void *ctx) {
    join_work_ctx *w = ctx;
    w->outcome = TZ_DIR_DONE;
    w->abort = false;
    json_t *meta = NULL;
    tz_error *err = register_steps(s, c, w, &meta);
    json_decref(meta);
    return err;
}

tz_error *pgs_provider_register_invited(tz_store *ts, const tz_provider_rec *p,
                                        const char *subdomain, const char *admin_email,
                                        const char *admin_user, const char *const *admin_privs,
                                        size_t n_admin_privs, const tz_named_token_rec *root,
                                        const char *invite_id, tz_dir_outcome *outcome) {
    pg_store *s = (pg_store *)ts;
    *outcome = TZ_DIR_MISSING;
    if (!p || !p->id || !p->name || !admin_user || !root || !root->id || !root->name ||
        !root->token || !root->secret || !root->metadata_json || !root->subject.id ||
        (n_admin_privs && !admin_privs))
        return pgs_bad_arg(s, "provider_register", "provider, admin or root token");
    for (size_t i = 0; i < n_admin_privs; i++)
        if (!admin_privs[i]) return pgs_bad_arg(s, "provider_register", "privilege");
    const char *texts[] = {p->id, p->name, p->domain, subdomain, admin_email};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i] && !pgs_utf8_valid(texts[i]))
            return pgs_bad_arg(s, "provider_register", "a value that is not UTF-8");
    char *arr = pgs_text_array(admin_privs, n_admin_privs);
    if (!arr) return tz_err_new(TZE_INTERNAL);
    join_work_ctx w = {.p = p, .subdomain = subdomain, .admin_email = admin_email,
                       .admin_user = admin_user, .admin_privs = arr, .root = root,
                       .invite_id = invite_id};
    tz_error *err = run_join(s, "provider_register", &w, register_work, outcome);
    free(arr);
    return err;
}
