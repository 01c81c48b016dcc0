/* Service lifecycle and the operation dispatcher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "service/metrics.h"
#include "service/service_internal.h"
#include "service/store_errors.h"

int64_t svc_now(const tz_service_ctx *svc) {
    if (svc->clock) return svc->clock(svc->clock_ud);
    return (int64_t)time(NULL);
}

tz_error *tz_service_new(const tz_service_config *cfg, tz_store *store, tz_service_ctx **out) {
    *out = NULL;
    tz_service_ctx *svc = calloc(1, sizeof *svc);
    if (!svc) return tz_err_new(TZE_INTERNAL);
    svc->store = store;
    svc->domain = strdup(cfg->domain ? cfg->domain : "localhost");
    svc->max_temporary_token_ttl = cfg->max_temporary_token_ttl > 0 ? cfg->max_temporary_token_ttl : 2592000;
    svc->max_token_size = cfg->max_token_size ? cfg->max_token_size : TZ_DEFAULT_MAX_TOKEN_SIZE;
    svc->basic_auth_enabled = cfg->basic_auth_enabled;
    svc->throttle_loopback = cfg->throttle_loopback;
    svc->clock = cfg->clock;
    svc->clock_ud = cfg->clock_ud;
    if (cfg->zone_name) svc->zone_name = strdup(cfg->zone_name);
    svc->keyring = cfg->keyring;
    svc->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    svc->throttle = tz_throttle_new(TZ_THROTTLE_DEFAULT_CAPACITY);
    svc->metrics = tz_metrics_new();
    svc->audit = cfg->audit;
    tz_error *e = NULL;
    if (!svc->domain || !svc->utf8 || !svc->throttle || !svc->metrics || !svc->keyring ||
        (cfg->zone_name && !svc->zone_name))
        e = tz_err_new(TZE_INTERNAL);
    if (!e && (cfg->geoip_asn || cfg->geoip_country || cfg->geoip_city))
        e = tz_geo_open(cfg->geoip_asn, cfg->geoip_country, cfg->geoip_city, &svc->geo);
    if (e) {
        tz_service_free(svc);
        return e;
    }
    tz_geo_callbacks(svc->geo, &svc->geo_lookup);
    *out = svc;
    return NULL;
}

void tz_service_free(tz_service_ctx *svc) {
    if (!svc) return;
    tz_geo_close(svc->geo);
    tz_throttle_free(svc->throttle);
    tz_metrics_free(svc->metrics);
    if (svc->utf8) freelocale(svc->utf8);
    free(svc->domain);
    free(svc->zone_name);
    free(svc);
}

void resp_json(tz_response *resp, int status, json_t *body) {
    resp->status = status;
    resp->body = body;
    if (!body) tz_response_error(resp, tz_err_new(TZE_INTERNAL));
}

void resp_no_content(tz_response *resp) {
    resp->status = 204;
    resp->body = NULL;
}

/* An internal error gets a reference (10 hex digits) that the client can quote and the log line
 * of the request shows, as Onezone does for failures inside its logic. */
static tz_error *with_reference(tz_error *e) {
    if (e->id != TZE_INTERNAL || e->details) return e;
    unsigned char raw[5];
    char ref[11];
    if (RAND_bytes(raw, sizeof raw) != 1) return e;
    for (size_t i = 0; i < sizeof raw; i++) snprintf(ref + 2 * i, 3, "%02x", raw[i]);
    tz_err_free(e);
    return tz_err_new_details(TZE_INTERNAL, json_pack("{s:s}", "reference", ref));
}

void tz_response_error(tz_response *resp, tz_error *e) {
    e = tz_store_err_to_api(e); /* the store's neutral errors become Onedata errors here */
    e = with_reference(e);
    json_decref(resp->body);
    free(resp->location);
    resp->location = NULL;
    free(resp->text);
    resp->text = NULL;
    resp->text_len = 0;
    resp->status = tz_err_http_status(e->id);
    resp->body = tz_err_body(e);
    tz_err_free(e);
}

void tz_response_clear(tz_response *resp) {
    json_decref(resp->body);
    free(resp->location);
    free(resp->text);
    memset(resp, 0, sizeof *resp);
}

void tz_service_handle(tz_service_ctx *svc, const tz_client *client, const tz_request *req, tz_response *resp) {
    memset(resp, 0, sizeof *resp);
    resp->facts.token_type = -1;
    if (!svc_observe_begin(svc, req, resp)) return;
    switch (req->op) {
    case TZ_OP_EXAMINE: op_examine(svc, client, req, resp); break;
    case TZ_OP_CONFINE: op_confine(svc, client, req, resp); break;
    case TZ_OP_INFER_SCOPE: op_infer_scope(svc, client, req, resp); break;
    case TZ_OP_VERIFY_ACCESS: op_verify_access(svc, client, req, resp); break;
    case TZ_OP_VERIFY_IDENTITY: op_verify_identity(svc, client, req, resp); break;
    case TZ_OP_VERIFY_INVITE: op_verify_invite(svc, client, req, resp); break;
    case TZ_OP_LIST_ALL_NAMED:
    case TZ_OP_GET_NAMED:
    case TZ_OP_UPDATE_NAMED:
    case TZ_OP_DELETE_NAMED:
    case TZ_OP_NAMED_STATUS: op_named(svc, client, req, resp); break;
    case TZ_OP_CREATE_TEMPORARY:
    case TZ_OP_GET_GENERATION:
    case TZ_OP_REVOKE_ALL_TEMPORARY:
    case TZ_OP_CREATE_NAMED:
    case TZ_OP_LIST_NAMED:
    case TZ_OP_DELETE_ALL_NAMED:
    case TZ_OP_GET_NAMED_BY_NAME: op_subject_tokens(svc, client, req, resp); break;
    case TZ_OP_CONFIGURATION:
    case TZ_OP_CURRENT_TIME:
    case TZ_OP_GET_USER: op_misc(svc, client, req, resp); break;
    case TZ_OP_JOIN_USER_GROUP:
    case TZ_OP_JOIN_GROUP_PARENT:
    case TZ_OP_JOIN_USER_SPACE:
    case TZ_OP_JOIN_GROUP_SPACE:
    case TZ_OP_JOIN_HARVESTER_SPACE:
    case TZ_OP_JOIN_USER_CLUSTER:
    case TZ_OP_JOIN_GROUP_CLUSTER:
    case TZ_OP_JOIN_USER_HARVESTER:
    case TZ_OP_JOIN_GROUP_HARVESTER:
    case TZ_OP_JOIN_SPACE_HARVESTER:
    case TZ_OP_JOIN_USER_ATM_INVENTORY:
    case TZ_OP_JOIN_GROUP_ATM_INVENTORY:
    case TZ_OP_SUPPORT_SPACE: op_join(svc, client, req, resp); break;
    case TZ_OP_REGISTER_PROVIDER: op_register_provider(svc, client, req, resp); break;
    case TZ_OP_USER_GROUPS:
    case TZ_OP_USER_EFF_GROUPS:
    case TZ_OP_USER_SPACES:
    case TZ_OP_USER_EFF_SPACES:
    case TZ_OP_USER_CLUSTERS:
    case TZ_OP_USER_EFF_CLUSTERS:
    case TZ_OP_USER_HARVESTERS:
    case TZ_OP_USER_EFF_HARVESTERS:
    case TZ_OP_USER_ATM_INVENTORIES:
    case TZ_OP_USER_EFF_ATM_INVENTORIES:
    case TZ_OP_GET_GROUP:
    case TZ_OP_GET_SPACE:
    case TZ_OP_PROVIDER_SPACES:
    case TZ_OP_SPACE_PROVIDERS: op_directory(svc, client, req, resp); break;
    case TZ_OP_LEGACY_GROUP_USER_TOKEN:
    case TZ_OP_LEGACY_GROUP_CHILD_TOKEN:
    case TZ_OP_LEGACY_SPACE_USER_TOKEN:
    case TZ_OP_LEGACY_SPACE_GROUP_TOKEN:
    case TZ_OP_LEGACY_SPACE_PROVIDER_TOKEN:
    case TZ_OP_LEGACY_CLUSTER_USER_TOKEN:
    case TZ_OP_LEGACY_CLUSTER_GROUP_TOKEN:
    case TZ_OP_LEGACY_HARVESTER_USER_TOKEN:
    case TZ_OP_LEGACY_HARVESTER_GROUP_TOKEN:
    case TZ_OP_LEGACY_HARVESTER_SPACE_TOKEN:
    case TZ_OP_LEGACY_PROVIDER_REGISTRATION_TOKEN: op_legacy_invite(svc, client, req, resp); break;
    case TZ_OP_CLIENT_TOKEN_CREATE:
    case TZ_OP_CLIENT_TOKEN_LIST:
    case TZ_OP_CLIENT_TOKEN_DELETE: op_client_tokens(svc, client, req, resp); break;
    default: tz_response_error(resp, tz_err_new(TZE_NOT_SUPPORTED)); break;
    }
    svc_observe_end(svc, client, req, resp);
}
