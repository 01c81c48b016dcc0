/* Related endpoints clients use with tokens (rest-api §9): configuration, current time, GET /user. */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "service/authz.h"
#include "service/service_internal.h"

#ifndef TZ_VERSION
#define TZ_VERSION "0.1.0"
#endif

static json_t *configuration(tz_service_ctx *svc) {
    return json_pack("{s:o,s:s,s:s,s:s,s:b,s:[],s:i,s:[],s:n,s:n,s:{}}", "name",
                     svc->zone_name ? json_string(svc->zone_name) : json_null(), "version", TZ_VERSION, "build",
                     "tokenzone", "domain", svc->domain, "subdomainDelegationSupported", 1, "supportedIdPs",
                     "compatibilityRegistryRevision", 0, "compatibleOneproviderVersions",
                     "openDataXrootdServerDomain", "bagitUploaderWorkflowSchemaId", "availableSpaceTags");
}

static json_t *current_time(tz_service_ctx *svc) {
    json_int_t millis;
    if (svc->clock) {
        millis = (json_int_t)svc_now(svc) * 1000;
    } else {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        millis = (json_int_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
    }
    return json_pack("{s:I}", "timeMillis", millis);
}

static void get_user(tz_service_ctx *svc, const tz_client *c, tz_response *resp) {
    const char *uid = c->subject.kind == TZ_SUBJ_USER ? c->subject.id : NULL;
    tz_gri gri = {"user", uid ? uid : "self", "instance", "protected"};
    tz_error *e = authz_check(svc, c, TZ_API_GET, &gri, uid != NULL);
    if (!e && !uid) e = tz_err_new(TZE_FORBIDDEN); /* even a token admin has no user of its own here */
    tz_user_rec u = {0};
    if (!e) e = tz_store_user_get(svc->store, uid, &u);
    if (e) {
        tz_response_error(resp, e);
        return;
    }
    const char *full = u.full_name ? u.full_name : u.username;
    resp_json(resp, 200,
              json_pack("{s:s,s:s,s:s,s:b,s:b,s:[],s:[],s:I,s:s,s:s,s:s,s:[]}", "userId", u.id, "fullName", full,
                        "username", u.username, "basicAuthEnabled", u.basic_auth_enabled, "blocked", u.blocked,
                        "emails", "linkedAccounts", "creationTime", (json_int_t)u.creation_time, "name", full, "login",
                        u.username, "alias", u.username, "emailList"));
    tz_user_rec_clear(&u);
}

void op_misc(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    switch (r->op) {
    case TZ_OP_CONFIGURATION: resp_json(resp, 200, configuration(svc)); break;
    case TZ_OP_CURRENT_TIME: resp_json(resp, 200, current_time(svc)); break;
    case TZ_OP_GET_USER: get_user(svc, c, resp); break;
    default: tz_response_error(resp, tz_err_new(TZE_NOT_SUPPORTED)); break;
    }
}
