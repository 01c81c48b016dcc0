/* Who may do what with subjects: existence, blocking, services a subject may use (rest-api §5.6)
 * and the right to issue invitations (§5.5). */
#include <stdlib.h>
#include <string.h>

#include "service/service_internal.h"

tz_error *svc_subject_exists(tz_service_ctx *svc, const tz_subject *s, bool *out) {
    *out = false;
    tz_error *e = NULL;
    if (s->kind == TZ_SUBJ_USER) {
        tz_user_rec u = {0};
        e = tz_store_user_get(svc->store, s->id, &u);
        tz_user_rec_clear(&u);
    } else if (s->kind == TZ_SUBJ_PROVIDER) {
        tz_provider_rec p = {0};
        e = tz_store_provider_get(svc->store, s->id, &p);
        tz_provider_rec_clear(&p);
    } else {
        return NULL;
    }
    if (e && e->id == TZE_STORE_NOT_FOUND) {
        tz_err_free(e);
        return NULL;
    }
    if (!e) *out = true;
    return e;
}

tz_error *svc_check_subject_usable(tz_service_ctx *svc, const tz_subject *s) {
    bool exists, blocked;
    tz_error *e = tz_store_subject_state(svc->store, s, &exists, &blocked);
    if (e) return e;
    if (!exists) return tz_err_new(TZE_TOKEN_SUBJECT_INVALID);
    return blocked ? tz_err_new(TZE_USER_BLOCKED) : NULL;
}

static tz_error *forbidden_service(const tz_service *service) {
    return tz_err_new_details(TZE_TOKEN_SERVICE_FORBIDDEN, json_pack("{s:o}", "service", tz_service_to_json(service)));
}

tz_error *svc_check_service_allowed(tz_service_ctx *svc, const tz_subject *s, const tz_service *service) {
    const char *id = service->id ? service->id : "";
    if (service->type == TZ_SVC_OZ_WORKER && (!strcmp(id, "onezone") || !strcmp(id, "*"))) return NULL;
    if (s->kind != TZ_SUBJ_USER) return forbidden_service(service);
    if (!strcmp(id, "*")) return NULL;
    bool ok = false;
    tz_error *e = NULL;
    switch (service->type) {
    case TZ_SVC_OZ_PANEL:
        if (!strcmp(id, "onezone"))
            e = tz_store_user_is_member(svc->store, TZ_ENT_CLUSTER, TZ_ONEZONE_CLUSTER_ID, s->id, &ok);
        break;
    case TZ_SVC_OP_WORKER:
        e = tz_store_provider_supports_user(svc->store, id, s->id, &ok);
        break;
    case TZ_SVC_OP_PANEL:
        e = tz_store_user_is_member(svc->store, TZ_ENT_CLUSTER, id, s->id, &ok);
        break;
    case TZ_SVC_OZ_WORKER:
        break;
    }
    if (e) return e;
    return ok ? NULL : forbidden_service(service);
}

tz_error *svc_check_subject_and_services(tz_service_ctx *svc, const tz_subject *s, const tz_token_type *type,
                                         tz_caveat *const *cs, size_t n) {
    tz_error *e = svc_check_subject_usable(svc, s);
    if (e) return e;
    if (type->kind == TZ_TT_ACCESS && type->session_id)
        return tz_err_new(TZE_TOKEN_SESSION_INVALID); /* no GUI session ever exists here */
    if (type->kind != TZ_TT_ACCESS) return NULL;
    for (size_t i = 0; i < n; i++) {
        const tz_service *list;
        size_t count;
        if (!tz_caveat_services(cs[i], &list, &count)) continue;
        for (size_t k = 0; k < count; k++)
            if ((e = svc_check_service_allowed(svc, s, &list[k]))) return e;
    }
    return NULL;
}

tz_error *svc_user_is_token_admin(tz_service_ctx *svc, const char *user_id, bool *out) {
    *out = false;
    return tz_store_user_has_oz_privilege(svc->store, user_id, "oz_tokens_manage", out);
}

bool svc_group_member_cb(void *ud, const tz_subject *consumer, const char *group_id) {
    svc_group_ud *g = ud;
    if (!consumer || consumer->kind != TZ_SUBJ_USER || g->failure) return false;
    bool ok = false;
    tz_error *e = tz_store_user_is_member(g->svc->store, TZ_ENT_GROUP, group_id, consumer->id, &ok);
    if (e) {
        g->failure = e; /* reported by the verifier instead of its answer */
        return false;
    }
    return ok;
}

/* What issuing an invite of a given type needs (§5.5). */
typedef struct invite_rule {
    tz_entity_kind entity;  /* where the target lives */
    int has_entity;         /* 0: harvesters, inventories (not kept here), register-oneprovider */
    const char *right;      /* privilege of the subject in the target entity */
    const char *oz_right;   /* Onezone admin privilege that also allows it */
    const char *set_privs;  /* privilege to choose the invitee's privileges */
    const char *oz_set_privs;
} invite_rule;

static invite_rule rule_for(tz_invite_type t) {
    switch (t) {
    case TZ_INV_USER_JOIN_GROUP:
        return (invite_rule){TZ_ENT_GROUP, 1, "group_add_user", "oz_groups_add_relationships", "group_set_privileges", "oz_groups_set_privileges"};
    case TZ_INV_GROUP_JOIN_GROUP:
        return (invite_rule){TZ_ENT_GROUP, 1, "group_add_child", "oz_groups_add_relationships", "group_set_privileges", "oz_groups_set_privileges"};
    case TZ_INV_USER_JOIN_SPACE:
        return (invite_rule){TZ_ENT_SPACE, 1, "space_add_user", "oz_spaces_add_relationships", "space_set_privileges", "oz_spaces_set_privileges"};
    case TZ_INV_GROUP_JOIN_SPACE:
        return (invite_rule){TZ_ENT_SPACE, 1, "space_add_group", "oz_spaces_add_relationships", "space_set_privileges", "oz_spaces_set_privileges"};
    case TZ_INV_SUPPORT_SPACE:
        return (invite_rule){TZ_ENT_SPACE, 1, "space_add_support", "oz_spaces_add_relationships", NULL, NULL};
    case TZ_INV_HARVESTER_JOIN_SPACE:
        return (invite_rule){TZ_ENT_SPACE, 1, "space_add_harvester", "oz_spaces_add_relationships", NULL, NULL};
    case TZ_INV_USER_JOIN_CLUSTER:
        return (invite_rule){TZ_ENT_CLUSTER, 1, "cluster_add_user", "oz_clusters_add_relationships", "cluster_set_privileges", "oz_clusters_set_privileges"};
    case TZ_INV_GROUP_JOIN_CLUSTER:
        return (invite_rule){TZ_ENT_CLUSTER, 1, "cluster_add_group", "oz_clusters_add_relationships", "cluster_set_privileges", "oz_clusters_set_privileges"};
    default:
        return (invite_rule){TZ_ENT_GROUP, 0, NULL, NULL, NULL, NULL};
    }
}

static tz_error *user_has(tz_service_ctx *svc, const char *uid, const invite_rule *r, const char *target,
                          const char *priv, const char *oz_priv, bool *out) {
    *out = false;
    tz_error *e = tz_store_user_has_privilege(svc->store, r->entity, target, uid, priv, out);
    if (e || *out) return e;
    return tz_store_user_has_oz_privilege(svc->store, uid, oz_priv, out);
}

tz_error *svc_check_invite_rights(tz_service_ctx *svc, const tz_subject *s, const tz_token_type *type,
                                  bool privileges_given) {
    if (type->kind != TZ_TT_INVITE) return NULL;
    const char *target = type->target_id;
    invite_rule r = rule_for(type->invite);
    bool exists = false;
    tz_error *e = NULL;
    if (type->invite == TZ_INV_REGISTER_ONEPROVIDER) {
        tz_subject u = {TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)target};
        e = svc_subject_exists(svc, &u, &exists);
    } else if (r.has_entity) {
        e = tz_store_entity_exists(svc->store, r.entity, target, &exists);
    }
    if (e) return e;
    if (!exists) return tz_err_new_details(TZE_INVITE_TARGET_ID_INVALID, json_pack("{s:s}", "id", target));

    bool allowed = false;
    if (s->kind == TZ_SUBJ_PROVIDER) {
        allowed = (type->invite == TZ_INV_USER_JOIN_CLUSTER || type->invite == TZ_INV_GROUP_JOIN_CLUSTER) &&
                  !strcmp(target, s->id);
        /* a provider may set any privileges of its own cluster */
    } else if (s->kind == TZ_SUBJ_USER) {
        if (type->invite == TZ_INV_REGISTER_ONEPROVIDER) {
            bool admin = false;
            e = tz_store_user_has_oz_privilege(svc->store, s->id, "oz_providers_invite", &admin);
            if (e) return e;
            allowed = !strcmp(target, s->id) || admin;
        } else {
            e = user_has(svc, s->id, &r, target, r.right, r.oz_right, &allowed);
            if (!e && allowed && privileges_given && r.set_privs)
                e = user_has(svc, s->id, &r, target, r.set_privs, r.oz_set_privs, &allowed);
            if (e) return e;
        }
    }
    return allowed ? NULL : tz_err_new(TZE_INVITE_SUBJECT_NOT_AUTHORIZED);
}
