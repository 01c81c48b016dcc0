/* Directory reads that let a client see what joining did: the calling user's groups, spaces,
 * clusters, harvesters and automation inventories (direct and effective), a group, a space, the
 * spaces a provider supports and the providers of a space. Shapes as Onezone's REST translators
 * give them; entity routes fetch the entity first (404), then authorize. */
#include <stdlib.h>
#include <string.h>

#include "service/authz.h"
#include "service/membership.h"
#include "service/service_internal.h"

typedef struct user_list_route {
    tz_op op;
    tz_dir_kind kind;
    bool effective;
    const char *key;     /* reply key */
    const char *aspect;  /* GRI aspect for API caveats */
} user_list_route;

static const user_list_route USER_LISTS[] = {
    {TZ_OP_USER_GROUPS, TZ_DIR_GROUP, false, "groups", "groups"},
    {TZ_OP_USER_EFF_GROUPS, TZ_DIR_GROUP, true, "groups", "eff_groups"},
    {TZ_OP_USER_SPACES, TZ_DIR_SPACE, false, "spaces", "spaces"},
    {TZ_OP_USER_EFF_SPACES, TZ_DIR_SPACE, true, "spaces", "eff_spaces"},
    {TZ_OP_USER_CLUSTERS, TZ_DIR_CLUSTER, false, "clusters", "clusters"},
    {TZ_OP_USER_EFF_CLUSTERS, TZ_DIR_CLUSTER, true, "clusters", "eff_clusters"},
    {TZ_OP_USER_HARVESTERS, TZ_DIR_HARVESTER, false, "harvesters", "harvesters"},
    {TZ_OP_USER_EFF_HARVESTERS, TZ_DIR_HARVESTER, true, "harvesters", "eff_harvesters"},
    {TZ_OP_USER_ATM_INVENTORIES, TZ_DIR_ATM_INVENTORY, false, "atmInventories", "atm_inventories"},
    {TZ_OP_USER_EFF_ATM_INVENTORIES, TZ_DIR_ATM_INVENTORY, true, "atmInventories", "eff_atm_inventories"},
};

static json_t *id_array(char **ids, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) json_array_append_new(a, json_string(ids[i]));
    return a;
}

/* {key: [ids]} of a store list, or the error. */
static void reply_list(tz_service_ctx *svc, tz_response *resp, tz_dir_list which, const char *id,
                       tz_dir_kind kind, const char *key) {
    char **ids = NULL;
    size_t n = 0;
    tz_error *e = tz_store_dir_list(svc->store, which, id, kind, &ids, &n);
    if (e) tz_response_error(resp, e);
    else resp_json(resp, 200, json_pack("{s:o}", key, id_array(ids, n)));
    tz_strv_free(ids, n);
}

static void user_list(tz_service_ctx *svc, const tz_client *c, const user_list_route *u, tz_response *resp) {
    const char *uid = c->subject.kind == TZ_SUBJ_USER ? c->subject.id : NULL;
    tz_gri gri = {"user", uid ? uid : "self", u->aspect, "private"};
    tz_error *e = authz_check(svc, c, TZ_API_GET, &gri, true);
    if (!e && c->subject.kind == TZ_SUBJ_NOBODY) e = tz_err_new(TZE_UNAUTHORIZED);
    if (!e && !uid) e = tz_err_new(TZE_FORBIDDEN);  /* providers have no memberships of their own */
    if (e) {
        tz_response_error(resp, e);
        return;
    }
    reply_list(svc, resp, u->effective ? TZ_DIR_LIST_USER_EFFECTIVE : TZ_DIR_LIST_USER_DIRECT, uid,
               u->kind, u->key);
}

/* 401 for nobody, 403 unless `ok`, after the caller's API caveats. */
static tz_error *authorize(tz_service_ctx *svc, const tz_client *c, const tz_gri *gri, bool ok) {
    tz_error *e = authz_check(svc, c, TZ_API_GET, gri, true);
    if (e) return e;
    if (c->subject.kind == TZ_SUBJ_NOBODY) return tz_err_new(TZE_UNAUTHORIZED);
    return ok ? NULL : tz_err_new(TZE_FORBIDDEN);
}

static tz_error *provider_supports(tz_service_ctx *svc, const tz_client *c, const char *space_id, bool *out) {
    *out = false;
    if (c->subject.kind != TZ_SUBJ_PROVIDER) return NULL;
    char **ids = NULL;
    size_t n = 0;
    tz_error *e = tz_store_dir_list(svc->store, TZ_DIR_LIST_PROVIDER_SPACES, c->subject.id, TZ_DIR_SPACE, &ids, &n);
    for (size_t i = 0; !e && i < n && !*out; i++) *out = !strcmp(ids[i], space_id);
    tz_strv_free(ids, n);
    return e;
}

static tz_error *user_may(tz_service_ctx *svc, const tz_client *c, tz_dir_kind kind, const char *id,
                          const char *priv, const char *oz_priv, bool *out) {
    *out = false;
    if (c->subject.kind != TZ_SUBJ_USER) return NULL;
    return svc_user_has_or_oz(svc, c->subject.id, kind, id, priv, oz_priv, out);
}

/* {"spaceId", "name", "providers": {provider id: support size}} */
static void reply_space(tz_service_ctx *svc, tz_response *resp, const char *id, const char *name) {
    char **pids = NULL;
    int64_t *sizes = NULL;
    size_t n = 0;
    tz_error *e = tz_store_dir_space_supports(svc->store, id, &pids, &sizes, &n);
    json_t *providers = json_object();
    for (size_t i = 0; !e && i < n; i++) json_object_set_new(providers, pids[i], json_integer(sizes[i]));
    tz_strv_free(pids, n);
    free(sizes);
    if (e) {
        json_decref(providers);
        tz_response_error(resp, e);
        return;
    }
    resp_json(resp, 200, json_pack("{s:s,s:s,s:o}", "spaceId", id, "name", name, "providers", providers));
}

static void get_entity(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    bool group = r->op == TZ_OP_GET_GROUP;
    tz_dir_kind kind = group ? TZ_DIR_GROUP : TZ_DIR_SPACE;
    char *name = NULL;
    tz_error *e = tz_store_dir_entity_name(svc->store, kind, r->subject_id, &name);
    if (!e) {
        tz_gri gri = {group ? "group" : "space", r->subject_id, "instance", "protected"};
        bool ok = false;
        e = user_may(svc, c, kind, r->subject_id, NULL, group ? "oz_groups_view" : "oz_spaces_view", &ok);
        if (!e && !ok && !group) e = provider_supports(svc, c, r->subject_id, &ok);
        if (!e) e = authorize(svc, c, &gri, ok);
    }
    if (e) tz_response_error(resp, e);
    else if (group)
        resp_json(resp, 200, json_pack("{s:s,s:s,s:s}", "groupId", r->subject_id, "name", name, "type", "role"));
    else
        reply_space(svc, resp, r->subject_id, name);
    free(name);
}

static void space_providers(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    char *name = NULL;
    tz_error *e = tz_store_dir_entity_name(svc->store, TZ_DIR_SPACE, r->subject_id, &name);
    free(name);
    if (!e) {
        tz_gri gri = {"space", r->subject_id, "providers", "private"};
        bool ok = false;
        e = user_may(svc, c, TZ_DIR_SPACE, r->subject_id, "space_view", "oz_spaces_list_relationships", &ok);
        if (!e && !ok) e = provider_supports(svc, c, r->subject_id, &ok);
        if (!e) e = authorize(svc, c, &gri, ok);
    }
    char **ids = NULL;
    size_t n = 0;
    if (!e) e = tz_store_space_providers(svc->store, r->subject_id, &ids, &n);
    if (e) tz_response_error(resp, e);
    else resp_json(resp, 200, json_pack("{s:o}", "providers", id_array(ids, n)));
    tz_strv_free(ids, n);
}

static void provider_spaces(tz_service_ctx *svc, const tz_client *c, tz_response *resp) {
    bool provider = c->subject.kind == TZ_SUBJ_PROVIDER;
    tz_gri gri = {"provider", provider ? c->subject.id : "self", "spaces", "private"};
    tz_error *e = authorize(svc, c, &gri, provider);
    if (e) tz_response_error(resp, e);
    else reply_list(svc, resp, TZ_DIR_LIST_PROVIDER_SPACES, c->subject.id, TZ_DIR_SPACE, "spaces");
}

void op_directory(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    for (size_t i = 0; i < sizeof USER_LISTS / sizeof USER_LISTS[0]; i++)
        if (USER_LISTS[i].op == r->op) {
            user_list(svc, c, &USER_LISTS[i], resp);
            return;
        }
    switch (r->op) {
    case TZ_OP_GET_GROUP:
    case TZ_OP_GET_SPACE: get_entity(svc, c, r, resp); break;
    case TZ_OP_SPACE_PROVIDERS: space_providers(svc, c, r, resp); break;
    case TZ_OP_PROVIDER_SPACES: provider_spaces(svc, c, resp); break;
    default: tz_response_error(resp, tz_err_new(TZE_NOT_SUPPORTED)); break;
    }
}
