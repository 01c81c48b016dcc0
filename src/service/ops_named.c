/* Operations on /tokens/named and /tokens/named/{id} (rest-api §5.3, §5.4, §5.7, §5.9, §5.10).
 * For {id} routes the token is fetched before authorization, so an unknown id is 404 for anyone. */
#include <stdlib.h>
#include <string.h>

#include "service/authz.h"
#include "service/named_json.h"
#include "service/membership.h"
#include "service/service_internal.h"

/* Full access: the subject itself, or for provider tokens a user with cluster_update in the
 * provider's cluster. */
static bool may_manage(tz_service_ctx *svc, const tz_client *c, const tz_subject *s) {
    if (s->kind == TZ_SUBJ_USER) return authz_is_user(c, s->id);
    return authz_is_provider(c, s->id) || authz_user_in_cluster(svc, c, s->id, "cluster_update");
}

/* Status: also providers supporting the user subject, and plain members of a provider's cluster. */
static bool may_read_status(tz_service_ctx *svc, const tz_client *c, const tz_subject *s) {
    if (s->kind == TZ_SUBJ_USER) {
        if (authz_is_user(c, s->id)) return true;
        if (!authz_is_provider(c, NULL)) return false;
        bool ok = false;
        tz_error *e = svc_provider_supports_user(svc, c->subject.id, s->id, &ok);
        tz_err_free(e);
        return !e && ok;
    }
    return authz_is_provider(c, s->id) || authz_user_in_cluster(svc, c, s->id, NULL);
}

static tz_error *update(tz_service_ctx *svc, const tz_request *r, const tz_named_token_rec *rec) {
    tz_error *e = val_body_object(r->body);
    if (e) return e;
    const json_t *custom = r->body ? json_object_get(r->body, "customMetadata") : NULL;
    if (custom && !json_is_object(custom)) return tz_err_key(TZE_BAD_VALUE_JSON, "customMetadata");
    bool name_present, name_null, revoked_present, revoked = false;
    const char *name;
    if ((e = val_string(r->body, "name", &name_present, &name_null, &name))) return e;
    if (name_null || (name_present && !val_name_ok(svc->utf8, name))) return tz_err_new(TZE_BAD_VALUE_NAME);
    if ((e = val_bool(r->body, "revoked", &revoked_present, &revoked))) return e;
    if (!custom && !name_present && !revoked_present) {
        static const char *const keys[] = {"customMetadata", "name", "revoked"};
        json_t *list = json_array();
        for (size_t i = 0; i < 3; i++) json_array_append_new(list, json_string(keys[i]));
        return tz_err_new_details(TZE_MISSING_AT_LEAST_ONE_VALUE, json_pack("{s:o}", "keys", list));
    }
    /* custom metadata is merged into the metadata inside the store's transaction, so that an
     * invite's usageCount counted meanwhile is kept */
    char *custom_text = custom ? json_dumps(custom, JSON_COMPACT) : NULL;
    if (custom && !custom_text) return tz_err_new(TZE_INTERNAL);
    e = tz_store_named_patch(svc->store, rec->id, name_present ? name : NULL, custom_text,
                             revoked_present ? revoked : -1);
    free(custom_text);
    return e;
}

static void list_all(tz_service_ctx *svc, const tz_client *c, tz_response *resp) {
    tz_gri gri = {"token", NULL, "list", "private"};
    char **ids = NULL;
    size_t n = 0;
    tz_error *e = authz_check(svc, c, TZ_API_GET, &gri, false);
    if (!e) e = tz_store_named_list(svc->store, NULL, &ids, &n);
    resp_id_list(resp, e, ids, n);
}

void op_named(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    if (r->op == TZ_OP_LIST_ALL_NAMED) {
        list_all(svc, c, resp);
        return;
    }
    tz_named_token_rec rec = {0};
    tz_error *e = tz_store_named_get(svc->store, r->token_id, &rec);
    if (e) {
        tz_response_error(resp, e);
        return;
    }
    tz_gri gri = {"token", r->token_id, "instance", r->op == TZ_OP_NAMED_STATUS ? "shared" : "private"};
    json_t *body = NULL;
    switch (r->op) {
    case TZ_OP_GET_NAMED:
        e = authz_check(svc, c, TZ_API_GET, &gri, may_manage(svc, c, &rec.subject));
        if (!e) e = named_token_json(svc, &rec, &body);
        break;
    case TZ_OP_NAMED_STATUS:
        e = authz_check(svc, c, TZ_API_GET, &gri, may_read_status(svc, c, &rec.subject));
        if (!e) body = json_pack("{s:b}", "revoked", rec.revoked);
        break;
    case TZ_OP_UPDATE_NAMED:
        e = authz_check(svc, c, TZ_API_UPDATE, &gri, may_manage(svc, c, &rec.subject));
        if (!e) e = update(svc, r, &rec);
        break;
    case TZ_OP_DELETE_NAMED:
        e = authz_check(svc, c, TZ_API_DELETE, &gri, may_manage(svc, c, &rec.subject));
        if (!e) e = tz_store_named_delete(svc->store, rec.id);
        break;
    default:
        e = tz_err_new(TZE_NOT_SUPPORTED);
    }
    tz_named_token_rec_clear(&rec);
    if (e) tz_response_error(resp, e);
    else if (body) resp_json(resp, 200, body);
    else resp_no_content(resp);
}
