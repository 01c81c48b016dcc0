/* Shared steps of invite consumption. */
#include <stdlib.h>
#include <string.h>

#include "service/invite_ops.h"
#include "service/invite_rules.h"

tz_error *svc_expect_invite(const tz_token *t, tz_invite_type expected) {
    if (t->type.kind == TZ_TT_INVITE && t->type.invite == expected) return NULL;
    /* body validation of {invite_token, Type} in Onezone's entity logic: wrapped as a bad value */
    return tz_err_wrap(TZE_BAD_VALUE_TOKEN, "token",
                       tz_err_new_details(TZE_NOT_AN_INVITE_TOKEN,
                                          json_pack("{s:s,s:o}", "expectedInviteType",
                                                    tz_invite_type_name(expected), "received",
                                                    tz_token_type_to_json(&t->type))));
}

tz_error *svc_verify_invite_for(tz_service_ctx *svc, const tz_client *c, const tz_request *r,
                                const tz_token *t, tz_subject *issuer) {
    svc_verify_args a = {
        .peer_ip_known = r->peer_ip_known, .peer_ip = r->peer_ip, .iface = TZ_IF_REST,
        .consumer = c->subject.kind == TZ_SUBJ_NOBODY ? NULL : &c->subject,
        .session_match = TZ_SESSION_ANY,
    };
    tz_verify_result res = {0};
    tz_error *e = svc_verify_token(svc, t, &a, issuer, &res);
    tz_verify_result_clear(&res);
    if (e && e->id == TZE_USER_BLOCKED) {
        tz_err_free(e);
        e = tz_err_new(TZE_INVITE_SUBJECT_NOT_AUTHORIZED);
    }
    return e;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The privileges stored with a named invite (sorted); a missing or null list = none. */
static tz_error *stored_privileges(tz_service_ctx *svc, const char *id, char ***out, size_t *n) {
    tz_named_token_rec rec = {0};
    tz_error *e = tz_store_named_get(svc->store, id, &rec);
    if (e && e->id == TZE_STORE_NOT_FOUND) {
        tz_err_free(e);
        e = tz_err_new(TZE_TOKEN_INVALID);
    }
    json_t *m = e ? NULL : json_loads(rec.metadata_json ? rec.metadata_json : "{}", 0, NULL);
    tz_named_token_rec_clear(&rec);
    if (e) return e;
    const json_t *list = json_object_get(m, "privileges");
    size_t count = json_is_array(list) ? json_array_size(list) : 0;
    *out = count ? calloc(count, sizeof **out) : NULL;
    for (size_t i = 0; i < count && *out; i++) {
        const char *p = json_string_value(json_array_get(list, i));
        if (!p || !((*out)[i] = strdup(p))) e = tz_err_new(TZE_INTERNAL);
    }
    if (count && !*out) e = tz_err_new(TZE_INTERNAL);
    *n = count;
    json_decref(m);
    if (!e && count) qsort(*out, count, sizeof **out, cmp_str);
    return e;
}

tz_error *svc_invite_grant_prepare(tz_service_ctx *svc, const tz_token *t, const tz_subject *issuer,
                                   svc_invite_grant *g) {
    memset(g, 0, sizeof *g);
    svc_invite_rule rule;
    if (!svc_invite_rule_for(t->type.invite, &rule)) return tz_err_new(TZE_NOT_SUPPORTED);
    g->target_kind = rule.target;
    tz_priv_list def = svc_invite_default_privileges(t->type.invite);
    tz_error *e = NULL;
    if (t->named && def.n) {
        e = stored_privileges(svc, t->id, &g->privs, &g->n_privs);
        if (e) return e;
        g->custom = g->n_privs != def.n;
        for (size_t i = 0; !g->custom && i < def.n; i++) g->custom = strcmp(g->privs[i], def.names[i]) != 0;
    } else if (def.n) {
        /* temporary invites carry the defaults only */
        g->privs = calloc(def.n, sizeof *g->privs);
        if (!g->privs) return tz_err_new(TZE_INTERNAL);
        g->n_privs = def.n;
        for (size_t i = 0; i < def.n; i++)
            if (!(g->privs[i] = strdup(def.names[i]))) e = tz_err_new(TZE_INTERNAL);
        if (e) return e;
    }
    /* a provider may invite to (and set any privileges of) its own cluster */
    if (issuer->kind != TZ_SUBJ_USER) return NULL;
    g->issuer_user = issuer->id;
    g->need[0] = rule.right;
    g->need_oz[0] = rule.oz_right;
    g->n_need = 1;
    if (g->custom && rule.set_privs) {
        g->need[1] = rule.set_privs;
        g->need_oz[1] = rule.oz_set_privs;
        g->n_need = 2;
    }
    return NULL;
}

void svc_invite_grant_issuer(const svc_invite_grant *g, const char *target, tz_dir_join *j) {
    if (!g->issuer_user) return;
    j->issuer_user = g->issuer_user;
    j->issuer_kind = g->target_kind;
    j->issuer_entity = target;
    j->issuer_privs = g->need;
    j->issuer_oz_privs = g->need_oz;
    j->n_issuer = g->n_need;
}

void svc_invite_grant_clear(svc_invite_grant *g) {
    tz_strv_free(g->privs, g->n_privs);
    memset(g, 0, sizeof *g);
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

tz_error *svc_join_outcome_error(tz_dir_outcome outcome, const tz_dir_join *j, const char *target) {
    switch (outcome) {
    case TZ_DIR_DONE: return NULL;
    case TZ_DIR_MISSING:
        return target ? tz_err_new_details(TZE_INVITE_TARGET_ID_INVALID, json_pack("{s:s}", "id", target))
                      : tz_err_new(TZE_NOT_FOUND);
    case TZ_DIR_INVITE_GONE: return tz_err_new(TZE_TOKEN_INVALID);
    case TZ_DIR_INVITE_REVOKED: return tz_err_new(TZE_TOKEN_REVOKED);
    case TZ_DIR_INVITE_USED_UP: return tz_err_new(TZE_INVITE_USAGE_LIMIT_REACHED);
    case TZ_DIR_ISSUER_NOT_ALLOWED: return tz_err_new(TZE_INVITE_SUBJECT_NOT_AUTHORIZED);
    case TZ_DIR_SELF: return tz_err_new(TZE_CANNOT_ADD_RELATION_TO_SELF);
    case TZ_DIR_EXISTS:
        if (j->child_kind == TZ_DIR_PROVIDER)  /* Onezone records a support as the space below the provider */
            return tz_err_new_details(TZE_RELATION_ALREADY_EXISTS,
                                      json_pack("{s:s,s:s,s:s,s:s}", "childType", "od_space", "childId",
                                                j->parent_id, "parentType", "od_provider", "parentId",
                                                j->child_id));
        return tz_err_new_details(TZE_RELATION_ALREADY_EXISTS,
                                  json_pack("{s:s,s:s,s:s,s:s}", "childType", model_name(j->child_kind),
                                            "childId", j->child_id, "parentType", model_name(j->parent_kind),
                                            "parentId", j->parent_id));
    }
    return tz_err_new(TZE_INTERNAL);
}
