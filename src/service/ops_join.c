/* Invite consumption through the join routes (invites.md §E.1, §E.4) and space support by a
 * provider (§E.7).
 *
 * Order: the consuming entity is fetched (404), the caller authorized (its API caveats, then the
 * right to act for the consumer: 401 / 403), the body validated (token, expected invite type,
 * support size), then consume: verify the invite (signature, caveats with the caller as consumer,
 * revocation, subject; a blocked issuer is inviteTokenSubjectNotAuthorized), check the consumer
 * kind, and join in one store transaction that also checks and counts the named invite's usage
 * and re-checks the issuer's right to invite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/authz.h"
#include "service/invite_ops.h"
#include "service/invite_rules.h"
#include "service/membership.h"
#include "service/service_internal.h"

#define MIN_SUPPORT_SIZE 1000000

typedef struct join_route {
    tz_op op;
    tz_invite_type type;
    tz_dir_kind consumer;       /* USER: the caller; PROVIDER: the calling provider; else {id} */
    const char *consumer_priv;  /* caller's privilege in the consumer entity */
    const char *consumer_oz_priv;
    bool consumer_is_parent;    /* the target joins the consumer (harvesterJoinSpace) */
    const char *gri_type;
    const char *loc_a, *loc_b;  /* Location after /api/v3/onezone: loc_a [consumer id loc_b] target */
} join_route;

static const join_route ROUTES[] = {
    {TZ_OP_JOIN_USER_GROUP, TZ_INV_USER_JOIN_GROUP, TZ_DIR_USER, NULL, NULL, false, "group",
     "/user/groups/", NULL},
    {TZ_OP_JOIN_GROUP_PARENT, TZ_INV_GROUP_JOIN_GROUP, TZ_DIR_GROUP, "group_add_parent",
     "oz_groups_add_relationships", false, "group", "/groups/", "/parents/"},
    {TZ_OP_JOIN_USER_SPACE, TZ_INV_USER_JOIN_SPACE, TZ_DIR_USER, NULL, NULL, false, "space",
     "/user/spaces/", NULL},
    {TZ_OP_JOIN_GROUP_SPACE, TZ_INV_GROUP_JOIN_SPACE, TZ_DIR_GROUP, "group_add_space",
     "oz_groups_add_relationships", false, "space", "/groups/", "/spaces/"},
    {TZ_OP_JOIN_HARVESTER_SPACE, TZ_INV_HARVESTER_JOIN_SPACE, TZ_DIR_HARVESTER,
     "harvester_add_space", "oz_harvesters_add_relationships", true, "space",
     "/harvesters/", "/spaces/"},
    {TZ_OP_JOIN_USER_CLUSTER, TZ_INV_USER_JOIN_CLUSTER, TZ_DIR_USER, NULL, NULL, false, "cluster",
     "/user/clusters/", NULL},
    {TZ_OP_JOIN_GROUP_CLUSTER, TZ_INV_GROUP_JOIN_CLUSTER, TZ_DIR_GROUP, "group_add_cluster",
     "oz_groups_add_relationships", false, "cluster", "/groups/", "/clusters/"},
    {TZ_OP_JOIN_USER_HARVESTER, TZ_INV_USER_JOIN_HARVESTER, TZ_DIR_USER, NULL, NULL, false,
     "harvester", "/user/harvesters/", NULL},
    {TZ_OP_JOIN_GROUP_HARVESTER, TZ_INV_GROUP_JOIN_HARVESTER, TZ_DIR_GROUP, "group_add_harvester",
     "oz_groups_add_relationships", false, "harvester", "/groups/", "/harvesters/"},
    {TZ_OP_JOIN_SPACE_HARVESTER, TZ_INV_SPACE_JOIN_HARVESTER, TZ_DIR_SPACE, "space_add_harvester",
     "oz_spaces_add_relationships", false, "harvester", "/spaces/", "/harvesters/"},
    {TZ_OP_JOIN_USER_ATM_INVENTORY, TZ_INV_USER_JOIN_ATM_INVENTORY, TZ_DIR_USER, NULL, NULL, false,
     "atm_inventory", "/user/atm_inventories/", NULL},
    {TZ_OP_JOIN_GROUP_ATM_INVENTORY, TZ_INV_GROUP_JOIN_ATM_INVENTORY, TZ_DIR_GROUP,
     "group_add_atm_inventory", "oz_groups_add_relationships", false, "atm_inventory",
     "/groups/", "/atm_inventories/"},
    {TZ_OP_SUPPORT_SPACE, TZ_INV_SUPPORT_SPACE, TZ_DIR_PROVIDER, NULL, NULL, false, "space",
     "/provider/spaces/", NULL},
};

static const join_route *route_for(tz_op op) {
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++)
        if (ROUTES[i].op == op) return &ROUTES[i];
    return NULL;
}

/* 404 when the consuming entity named in the path does not exist. */
static tz_error *fetch_consumer(tz_service_ctx *svc, const join_route *jr, const char *id) {
    if (jr->consumer == TZ_DIR_USER || jr->consumer == TZ_DIR_PROVIDER) return NULL;
    char *name = NULL;
    tz_error *e = tz_store_dir_entity_name(svc->store, jr->consumer, id, &name);
    free(name);
    return e;
}

static tz_error *authorize(tz_service_ctx *svc, const tz_client *c, const join_route *jr,
                           const char *id) {
    tz_gri gri = {jr->gri_type, NULL, "join", "private"};
    tz_error *e = authz_check(svc, c, TZ_API_CREATE, &gri, true); /* the caller's API caveats */
    if (e) return e;
    if (c->subject.kind == TZ_SUBJ_NOBODY) return tz_err_new(TZE_UNAUTHORIZED);
    bool ok = false;
    switch (jr->consumer) {
    case TZ_DIR_USER: ok = c->subject.kind == TZ_SUBJ_USER; break;
    /* /provider/...: only a provider acts for itself */
    case TZ_DIR_PROVIDER: ok = c->subject.kind == TZ_SUBJ_PROVIDER; break;
    default:
        if (c->subject.kind == TZ_SUBJ_USER)
            e = svc_user_has_or_oz(svc, c->subject.id, jr->consumer, id, jr->consumer_priv,
                                   jr->consumer_oz_priv, &ok);
        break;
    }
    if (e) return e;
    return ok ? NULL : tz_err_new(TZE_FORBIDDEN);
}

static tz_error *validate(tz_service_ctx *svc, const tz_request *r, const join_route *jr,
                          tz_token **t, int64_t *size) {
    bool present;
    tz_error *e = val_body_object(r->body);
    if (!e) e = val_token(svc, r->body, "token", true, false, &present, t);
    if (!e) e = svc_expect_invite(*t, jr->type);
    if (e || jr->op != TZ_OP_SUPPORT_SPACE) return e;
    const json_t *v = json_object_get(r->body, "size");
    if (!v) return tz_err_key(TZE_MISSING_REQUIRED_VALUE, "size");
    if (!json_is_integer(v)) return tz_err_key(TZE_BAD_VALUE_INTEGER, "size");
    if (json_integer_value(v) < MIN_SUPPORT_SIZE)
        return tz_err_limit(TZE_BAD_VALUE_TOO_LOW, "size", MIN_SUPPORT_SIZE);
    *size = (int64_t)json_integer_value(v);
    return NULL;
}

static tz_error *consume(tz_service_ctx *svc, const tz_client *c, const tz_request *r,
                         const join_route *jr, const char *consumer_id, const tz_token *t,
                         int64_t size) {
    tz_subject issuer = {0};
    svc_invite_grant g = {0};
    tz_error *e = svc_verify_invite_for(svc, c, r, t, &issuer);
    bool user_consumer = jr->consumer != TZ_DIR_PROVIDER;
    if (!e && (user_consumer ? c->subject.kind != TZ_SUBJ_USER : c->subject.kind != TZ_SUBJ_PROVIDER))
        e = tz_err_new_details(TZE_INVITE_CONSUMER_INVALID,
                               json_pack("{s:o}", "consumer", tz_subject_to_json(&c->subject)));
    if (!e) e = svc_invite_grant_prepare(svc, t, &issuer, &g);
    if (!e) {
        const char *target = t->type.target_id;
        tz_dir_join j = {
            .child_kind = jr->consumer_is_parent ? g.target_kind : jr->consumer,
            .child_id = jr->consumer_is_parent ? target : consumer_id,
            .parent_kind = jr->consumer_is_parent ? jr->consumer : g.target_kind,
            .parent_id = jr->consumer_is_parent ? consumer_id : target,
            .privs = (const char *const *)g.privs, .n_privs = g.n_privs,
            .support_size = size,
            .invite_id = t->named ? t->id : NULL,
        };
        svc_invite_grant_issuer(&g, target, &j);
        tz_dir_outcome outcome;
        e = tz_store_dir_join(svc->store, &j, &outcome);
        if (!e) e = svc_join_outcome_error(outcome, &j, target);
    }
    svc_invite_grant_clear(&g);
    tz_subject_clear(&issuer);
    return e;
}

void op_join(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    const join_route *jr = route_for(r->op);
    if (!jr) {
        tz_response_error(resp, tz_err_new(TZE_NOT_SUPPORTED));
        return;
    }
    const char *consumer_id = jr->consumer == TZ_DIR_USER || jr->consumer == TZ_DIR_PROVIDER
                                  ? c->subject.id
                                  : r->subject_id;
    tz_token *t = NULL;
    int64_t size = 0;
    tz_error *e = fetch_consumer(svc, jr, consumer_id);
    if (!e) e = authorize(svc, c, jr, consumer_id);
    if (!e) e = validate(svc, r, jr, &t, &size);
    if (!e) e = consume(svc, c, r, jr, consumer_id, t, size);
    if (e) {
        tz_response_error(resp, e);
    } else {
        resp->status = 201;
        resp->body = NULL;
        if (asprintf(&resp->location, "https://%s/api/v3/onezone%s%s%s%s", svc->domain, jr->loc_a,
                     jr->loc_b ? consumer_id : "", jr->loc_b ? jr->loc_b : "", t->type.target_id) < 0)
            resp->location = NULL;
    }
    tz_token_free(t);
}
