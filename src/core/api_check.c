/* Lazy caveat checks when a token authorizes an operation (token-format §12.2-§12.4): api caveats,
 * then the API implied by service caveats, then the API implied by data access caveats. */
#include "core/caveat_internal.h"

#include <string.h>

/* §12.3: the API each whitelisted service type implies; the union over the types present counts. */
static const char *const oz_worker_api[] = {"ozw/all/*.*.*:*", NULL};
static const char *const oz_panel_api[] = {"ozp/all/*.*.*:*", "ozw/get/user.*.*:*", "ozw/get/cluster.*.*:*",
                                           "ozw/get/provider.*.*:*", NULL};
static const char *const op_panel_api[] = {"opp/all/*.*.*:*", "ozw/get/user.*.*:*", "ozw/get/cluster.*.*:*",
                                           "ozw/get/provider.*.*:*", NULL};
static const char *const op_worker_api[] = {
    "opw/all/*.*.*:*",
    "ozw/get/user.*.*:*",
    "ozw/create/user.*.idp_access_token,*:*",
    "ozw/get/group.*.*:*",
    "ozw/get/space.*.*:*",
    "ozw/create/space.*.infer_accessible_eff_groups:*",
    "ozw/all/share.*.*:*",
    "ozw/get/provider.*.*:*",
    "ozw/all/handle.*.*:*",
    "ozw/get/handleService.*.*:*",
    "ozw/get/atm_inventory.*.*:*",
    "ozw/get/atm_lambda.*.*:*",
    "ozw/get/atm_workflow_schema.*.*:*",
    NULL,
};

/* §12.4: the fixed part of the API left to data access caveats, per serving service. */
static const char *const data_op_worker_api[] = {"opw/all/file.*.*:*", "opw/get/op_space.null.list:private", NULL};
static const char *const data_oz_worker_api[] = {"ozw/get/user.*.instance:*", "ozw/get/share.*.instance:*", NULL};

static bool any_text_matches(const char *const *specs, tz_service_type service, tz_api_operation op,
                             const tz_gri *gri) {
    for (size_t i = 0; specs[i]; i++) {
        tz_matchspec m;
        /* The tables above are constant and well-formed; a parse failure would be a bug there. */
        if (tz_matchspec_parse(specs[i], strlen(specs[i]), &m) && tz_matchspec_matches(&m, service, op, gri))
            return true;
    }
    return false;
}

static bool api_caveat_allows(const tz_caveat *c, tz_service_type service, tz_api_operation op,
                              const tz_gri *gri) {
    for (size_t i = 0; i < c->n; i++)
        if (tz_matchspec_matches(&c->specs[i], service, op, gri)) return true;
    return false;
}

static bool service_caveat_allows(const tz_caveat *c, tz_service_type service, tz_api_operation op,
                                  const tz_gri *gri) {
    bool present[4] = {false, false, false, false};
    for (size_t i = 0; i < c->n; i++)
        if ((unsigned)c->services[i].type < 4) present[c->services[i].type] = true;
    static const char *const *const by_type[4] = {
        [TZ_SVC_OZ_WORKER] = oz_worker_api,
        [TZ_SVC_OZ_PANEL] = oz_panel_api,
        [TZ_SVC_OP_WORKER] = op_worker_api,
        [TZ_SVC_OP_PANEL] = op_panel_api,
    };
    for (int t = 0; t < 4; t++)
        if (present[t] && any_text_matches(by_type[t], service, op, gri)) return true;
    return false;
}

static bool is_data_access_caveat(const tz_caveat *c) {
    return c->type == TZ_CV_DATA_READONLY || c->type == TZ_CV_DATA_PATH || c->type == TZ_CV_DATA_OBJECTID ||
           (c->type == TZ_CV_INTERFACE && c->iface == TZ_IF_ONECLIENT);
}

/* `SVC/get/TYPE.S.instance:SCOPE` for one allowed space S ("*" meaning any space). */
static bool space_instance_matches(tz_service_type svc, const char *type, int scope, const char *space,
                                   tz_service_type service, tz_api_operation op, const tz_gri *gri) {
    tz_matchspec m;
    memset(&m, 0, sizeof m);
    m.service = (int)svc;
    m.operation = TZ_API_GET;
    m.gri.type = tz_gri_type_index(type, strlen(type));
    if (strcmp(space, "*") == 0) {
        m.gri.id_kind = TZ_GRI_ID_ANY;
    } else {
        m.gri.id_kind = TZ_GRI_ID_VALUE;
        m.gri.id.ptr = space;
        m.gri.id.len = strlen(space);
    }
    m.gri.name.ptr = "instance";
    m.gri.name.len = strlen("instance");
    m.gri.scope = scope;
    return tz_matchspec_matches(&m, service, op, gri);
}

static bool data_caveat_allows(const tz_caveat *c, tz_service_type service, tz_api_operation op,
                               const tz_gri *gri) {
    static const char *const unrestricted[] = {"*"};
    const char *const *spaces = unrestricted;
    size_t n = 1;
    if (c->type == TZ_CV_DATA_PATH || c->type == TZ_CV_DATA_OBJECTID) {
        spaces = c->spaces;
        n = c->n_spaces;
    }
    switch (service) {
    case TZ_SVC_OP_WORKER:
        if (any_text_matches(data_op_worker_api, service, op, gri)) return true;
        for (size_t i = 0; i < n; i++)
            if (space_instance_matches(TZ_SVC_OP_WORKER, "op_space", TZ_GRI_PRIVATE, spaces[i], service, op, gri))
                return true;
        return false;
    case TZ_SVC_OZ_WORKER:
        if (any_text_matches(data_oz_worker_api, service, op, gri)) return true;
        for (size_t i = 0; i < n; i++)
            if (space_instance_matches(TZ_SVC_OZ_WORKER, "space", TZ_GRI_ANY, spaces[i], service, op, gri))
                return true;
        return false;
    default:
        return false; /* the panels allow nothing to data access tokens */
    }
}

static tz_error *unverified(const tz_caveat *c) {
    json_t *cj = tz_caveat_to_json(c);
    json_t *details = cj ? json_pack("{s:o}", "caveat", cj) : NULL;
    if (!details) return tz_err_new(TZE_INTERNAL);
    return tz_err_new_details(TZE_TOKEN_CAVEAT_UNVERIFIED, details);
}

tz_error *tz_caveats_check_api(tz_caveat *const *cs, size_t n, tz_service_type service, tz_api_operation op,
                               const tz_gri *gri) {
    for (size_t i = 0; i < n; i++)
        if (cs[i]->type == TZ_CV_API && !api_caveat_allows(cs[i], service, op, gri)) return unverified(cs[i]);
    for (size_t i = 0; i < n; i++)
        if (cs[i]->type == TZ_CV_SERVICE && !service_caveat_allows(cs[i], service, op, gri))
            return unverified(cs[i]);
    for (size_t i = 0; i < n; i++)
        if (is_data_access_caveat(cs[i]) && !data_caveat_allows(cs[i], service, op, gri)) return unverified(cs[i]);
    return NULL;
}
