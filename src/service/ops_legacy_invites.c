/* Legacy invite-token shortcuts (invites.md §E.3): POST with no body creates a named invite token
 * with usageLimit 1 for the caller and replies 200 {"token": ...}. The caller needs the right to
 * issue that invite (else 403); the name is "<description> - <entity name> <6 hex>", at most 50
 * bytes ("..." marks a cut). */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/authz.h"
#include "service/invite_rules.h"
#include "service/service_internal.h"
#include "service/token_create.h"

#define LEGACY_NAME_MAX 50

typedef struct legacy_route {
    tz_op op;
    tz_invite_type type;
    const char *gri_type;
    const char *aspect;
    const char *description;
} legacy_route;

static const legacy_route ROUTES[] = {
    {TZ_OP_LEGACY_GROUP_USER_TOKEN, TZ_INV_USER_JOIN_GROUP, "group", "invite_user_token", "user invite to group"},
    {TZ_OP_LEGACY_GROUP_CHILD_TOKEN, TZ_INV_GROUP_JOIN_GROUP, "group", "invite_group_token", "group invite to group"},
    {TZ_OP_LEGACY_SPACE_USER_TOKEN, TZ_INV_USER_JOIN_SPACE, "space", "invite_user_token", "user invite to space"},
    {TZ_OP_LEGACY_SPACE_GROUP_TOKEN, TZ_INV_GROUP_JOIN_SPACE, "space", "invite_group_token", "group invite to space"},
    {TZ_OP_LEGACY_SPACE_PROVIDER_TOKEN, TZ_INV_SUPPORT_SPACE, "space", "space_support_token",
     "support request for space"},
    {TZ_OP_LEGACY_CLUSTER_USER_TOKEN, TZ_INV_USER_JOIN_CLUSTER, "cluster", "invite_user_token",
     "user invite to cluster"},
    {TZ_OP_LEGACY_CLUSTER_GROUP_TOKEN, TZ_INV_GROUP_JOIN_CLUSTER, "cluster", "invite_group_token",
     "group invite to cluster"},
    {TZ_OP_LEGACY_HARVESTER_USER_TOKEN, TZ_INV_USER_JOIN_HARVESTER, "harvester", "invite_user_token",
     "user invite to harvester"},
    {TZ_OP_LEGACY_HARVESTER_GROUP_TOKEN, TZ_INV_GROUP_JOIN_HARVESTER, "harvester", "invite_group_token",
     "group invite to harvester"},
    {TZ_OP_LEGACY_HARVESTER_SPACE_TOKEN, TZ_INV_SPACE_JOIN_HARVESTER, "harvester", "invite_space_token",
     "space invite to harvester"},
    {TZ_OP_LEGACY_PROVIDER_REGISTRATION_TOKEN, TZ_INV_REGISTER_ONEPROVIDER, "user",
     "provider_registration_token", "Oneprovider rgstr. token for"},
};

/* Length of the longest prefix of s within max bytes that does not split a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n <= max) return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    return max;
}

/* "<description> - <entity> <6 hex>" within LEGACY_NAME_MAX bytes; a name that breaks the token
 * name rule (odd characters in the entity name) becomes "<description> <6 hex>". Caller frees. */
static char *legacy_name(tz_service_ctx *svc, const char *description, const char *entity) {
    unsigned char raw[3];
    char hex[7];
    if (RAND_bytes(raw, sizeof raw) != 1) return NULL;
    snprintf(hex, sizeof hex, "%02x%02x%02x", raw[0], raw[1], raw[2]);
    char head[256];
    snprintf(head, sizeof head, "%s - %s", description, entity);
    size_t room = LEGACY_NAME_MAX - 1 - strlen(hex);   /* " " + hex */
    char *out = NULL;
    if (strlen(head) <= room) {
        if (asprintf(&out, "%s %s", head, hex) < 0) out = NULL;
    } else {
        size_t keep = utf8_cut(head, room - 3);
        if (asprintf(&out, "%.*s... %s", (int)keep, head, hex) < 0) out = NULL;
    }
    if (out && !val_name_ok(svc->utf8, out)) {
        free(out);
        if (asprintf(&out, "%s %s", description, hex) < 0) out = NULL;
    }
    return out;
}

/* The entity named by {id} (404 when absent) and its display name (caller frees). */
static tz_error *target_name(tz_service_ctx *svc, const legacy_route *lr, const char *id, char **name) {
    *name = NULL;
    if (lr->type == TZ_INV_REGISTER_ONEPROVIDER) {
        tz_user_rec u = {0};
        tz_error *e = tz_store_user_get(svc->store, id, &u);
        if (!e) *name = strdup(u.full_name && *u.full_name ? u.full_name : u.username);
        tz_user_rec_clear(&u);
        return e ? e : (*name ? NULL : tz_err_new(TZE_INTERNAL));
    }
    svc_invite_rule rule;
    svc_invite_rule_for(lr->type, &rule);
    if (rule.target == TZ_DIR_CLUSTER && !strcmp(id, TZ_ONEZONE_CLUSTER_ID)) {
        *name = strdup("Onezone");
        return *name ? NULL : tz_err_new(TZE_INTERNAL);
    }
    return tz_store_dir_entity_name(svc->store, rule.target, id, name);
}

void op_legacy_invite(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    const legacy_route *lr = NULL;
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++)
        if (ROUTES[i].op == r->op) lr = &ROUTES[i];
    if (!lr) {
        tz_response_error(resp, tz_err_new(TZE_NOT_SUPPORTED));
        return;
    }
    /* /user/clusters/provider_registration_token: the caller's own id */
    const char *id = r->target == TZ_TARGET_SELF_USER
                         ? (c->subject.kind == TZ_SUBJ_USER ? c->subject.id : NULL)
                         : r->subject_id;
    char *entity = NULL, *name = NULL;
    tz_error *e = NULL;
    if (!id) e = tz_err_new(c->subject.kind == TZ_SUBJ_NOBODY ? TZE_UNAUTHORIZED : TZE_FORBIDDEN);
    if (!e) e = target_name(svc, lr, id, &entity);
    if (!e) {
        tz_gri gri = {lr->gri_type, id, lr->aspect, "private"};
        e = authz_check(svc, c, TZ_API_CREATE, &gri, true);
    }
    if (!e && c->subject.kind == TZ_SUBJ_NOBODY) e = tz_err_new(TZE_UNAUTHORIZED);
    tz_token_type type = {TZ_TT_INVITE, NULL, lr->type, (char *)id};
    if (!e && (e = svc_check_invite_rights(svc, &c->subject, &type, false)) &&
        e->id == TZE_INVITE_SUBJECT_NOT_AUTHORIZED) {
        tz_err_free(e);
        e = tz_err_new(TZE_FORBIDDEN);
    }
    if (!e && !(name = legacy_name(svc, lr->description, entity))) e = tz_err_new(TZE_INTERNAL);
    if (e) {
        tz_response_error(resp, e);
    } else {
        json_t *body = json_pack("{s:s,s:o,s:i}", "name", name, "type", tz_token_type_to_json(&type),
                                 "usageLimit", 1);
        create_named_token(svc, &c->subject, body, resp);
        json_decref(body);
        if (resp->status == 201) {
            /* the legacy shortcut answers 200 {"token"} */
            json_t *token = json_incref(json_object_get(resp->body, "token"));
            json_decref(resp->body);
            free(resp->location);
            resp->location = NULL;
            resp->body = NULL;
            resp_json(resp, 200, json_pack("{s:o}", "token", token));
        }
    }
    free(entity);
    free(name);
}
