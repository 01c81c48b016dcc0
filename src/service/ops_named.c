/* Operations on /tokens/named and /tokens/named/{id} (rest-api §5.3, §5.4, §5.7, §5.9, §5.10).
 * For {id} routes the token is fetched before authorization, so an unknown id is 404 for anyone. */
#include <stdlib.h>
#include <string.h>

#include "service/authz.h"
#include "service/named_json.h"
#include "service/membership.h"
#include "service/named_prefetch.h"
#include "service/service_internal.h"
#include "service/store_errors.h"

/* Full access: the subject itself, or for provider tokens a user with cluster_update in the
 * provider's cluster. */
static tz_error *may_manage(tz_service_ctx *svc, const tz_client *c, const tz_subject *s, bool *ok) {
    *ok = false;
    if (s->kind == TZ_SUBJ_USER) {
        *ok = authz_is_user(c, s->id);
        return NULL;
    }
    if ((*ok = authz_is_provider(c, s->id))) return NULL;
    return authz_user_in_cluster(svc, c, s->id, "cluster_update", ok);
}

/* Status: also providers supporting the user subject, and plain members of a provider's cluster. */
static tz_error *may_read_status(tz_service_ctx *svc, const tz_client *c, const tz_subject *s, bool *ok) {
    *ok = false;
    if (s->kind == TZ_SUBJ_USER) {
        if ((*ok = authz_is_user(c, s->id)) || !authz_is_provider(c, NULL)) return NULL;
        return svc_provider_supports_user(svc, c->subject.id, s->id, ok);
    }
    if ((*ok = authz_is_provider(c, s->id))) return NULL;
    return authz_user_in_cluster(svc, c, s->id, NULL, ok);
}

/* Sets the token's custom metadata without losing a concurrent writer's change: the new text is
 * built from what was read and written only if the stored text is still that (compare-and-set),
 * re-reading and retrying a bounded number of times. Name and revoked go in the same update. */
#define METADATA_CAS_TRIES 8
static tz_error *update_with_custom(tz_service_ctx *svc, const char *id, const char *seen_metadata,
                                    const json_t *custom, const char *name, int revoked) {
    char *seen = strdup(seen_metadata ? seen_metadata : "{}");
    tz_error *e = seen ? NULL : tz_err_new(TZE_INTERNAL);
    for (int attempt = 0; !e && attempt < METADATA_CAS_TRIES; attempt++) {
        json_t *m = json_loads(seen, 0, NULL);
        if (!m) m = json_object();
        json_object_set(m, "custom", (json_t *)custom);
        char *metadata = json_dumps(m, JSON_COMPACT);
        json_decref(m);
        if (!metadata) {
            e = tz_err_new(TZE_INTERNAL);
            break;
        }
        e = tz_store_named_update(svc->store, id, name, metadata, revoked, seen);
        free(metadata);
        const char *key = e && e->id == TZE_STORE_CONFLICT ? json_string_value(json_object_get(e->details, "key"))
                                                           : NULL;
        if (!key || strcmp(key, "metadata") != 0) break;
        /* another writer changed the metadata since it was read: read again */
        tz_err_free(e);
        tz_named_token_rec fresh = {0};
        e = tz_store_named_get(svc->store, id, &fresh);
        if (!e) {
            free(seen);
            seen = fresh.metadata_json;
            fresh.metadata_json = NULL;
            e = seen ? NULL : tz_err_new(TZE_INTERNAL);
            if (!e && attempt + 1 == METADATA_CAS_TRIES) e = tz_err_key(TZE_STORE_CONFLICT, "metadata");
        }
        tz_named_token_rec_clear(&fresh);
    }
    free(seen);
    return e;
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
    if (custom)
        return update_with_custom(svc, rec->id, rec->metadata_json, custom, name_present ? name : NULL,
                                  revoked_present ? revoked : -1);
    return tz_store_named_update(svc->store, rec->id, name_present ? name : NULL, NULL,
                                 revoked_present ? revoked : -1, NULL);
}

static void list_all(tz_service_ctx *svc, const tz_client *c, tz_response *resp) {
    tz_gri gri = {"token", NULL, "list", "private"};
    char **ids = NULL;
    size_t n = 0;
    tz_error *e = authz_check(svc, c, TZ_API_GET, &gri, false);
    if (!e) e = svc_named_list_all(svc->store, NULL, &ids, &n);
    resp_id_list(resp, e, ids, n);
}

void op_named(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    if (r->op == TZ_OP_LIST_ALL_NAMED) {
        list_all(svc, c, resp);
        return;
    }
    tz_named_token_rec rec = {0};
    tz_error *e = svc_named_get_prefetched(svc, c, r->token_id, &rec);
    if (e) {
        tz_response_error(resp, e);
        return;
    }
    svc_facts_named(resp, &rec);
    tz_gri gri = {"token", r->token_id, "instance", r->op == TZ_OP_NAMED_STATUS ? "shared" : "private"};
    json_t *body = NULL;
    bool ok = false;
    switch (r->op) {
    case TZ_OP_GET_NAMED:
        if (!(e = may_manage(svc, c, &rec.subject, &ok))) e = authz_check(svc, c, TZ_API_GET, &gri, ok);
        if (!e) e = named_token_json(svc, &rec, &body);
        break;
    case TZ_OP_NAMED_STATUS:
        if (!(e = may_read_status(svc, c, &rec.subject, &ok))) e = authz_check(svc, c, TZ_API_GET, &gri, ok);
        if (!e) body = json_pack("{s:b}", "revoked", rec.revoked);
        break;
    case TZ_OP_UPDATE_NAMED:
        if (!(e = may_manage(svc, c, &rec.subject, &ok))) e = authz_check(svc, c, TZ_API_UPDATE, &gri, ok);
        if (!e) e = update(svc, r, &rec);
        break;
    case TZ_OP_DELETE_NAMED:
        if (!(e = may_manage(svc, c, &rec.subject, &ok))) e = authz_check(svc, c, TZ_API_DELETE, &gri, ok);
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
