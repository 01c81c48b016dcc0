/* POST /tokens/infer_access_token_scope (rest-api §6.3): what an access token would let its bearer
 * reach — expiry, and for user tokens the spaces and providers its caveats leave open. */
#include <stdlib.h>
#include <string.h>

#include "service/authz.h"
#include "service/service_internal.h"

/* Is `id` in the string set (NULL set = unrestricted)? */
static bool in_set(json_t *set, const char *id) { return !set || json_object_get(set, id) != NULL; }

/* Intersects the allowed-space set with the spaces of one data.path / data.objectid caveat. */
static void narrow_spaces(json_t **allowed, const char *const *spaces, size_t n) {
    json_t *next = json_object();
    for (size_t i = 0; i < n; i++)
        if (in_set(*allowed, spaces[i])) json_object_set_new(next, spaces[i], json_true());
    json_decref(*allowed);
    *allowed = next;
}

/* Providers allowed by service caveats: NULL = all; else the set of opw- ids (a caveat whose
 * whitelist has no opw- entry allows none; opw-* allows all). */
static void narrow_providers(json_t **allowed, const tz_service *list, size_t n) {
    json_t *next = json_object();
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (list[i].type != TZ_SVC_OP_WORKER) continue;
        if (!strcmp(list[i].id, "*")) any = true;
        else if (in_set(*allowed, list[i].id)) json_object_set_new(next, list[i].id, json_true());
    }
    if (any) {
        json_decref(next);
        return; /* this caveat restricts nothing further */
    }
    json_decref(*allowed);
    *allowed = next;
}

/* The provider's entry, or *out = NULL when the provider is gone (deleted meanwhile). A store
 * failure is returned, not taken for "gone". */
static tz_error *provider_json(tz_service_ctx *svc, const char *pid, json_t **out) {
    *out = NULL;
    tz_provider_rec p = {0};
    tz_error *e = tz_store_provider_get(svc->store, pid, &p);
    if (!e) {
        *out = json_pack("{s:s,s:s?,s:s,s:b}", "name", p.name ? p.name : "", "domain", p.domain, "version",
                         "unknown", "online", 0);
        if (!*out) e = tz_err_new(TZE_INTERNAL);
    } else if (e->id == TZE_STORE_NOT_FOUND) {
        tz_err_free(e);
        e = NULL;
    }
    tz_provider_rec_clear(&p);
    return e;
}

static tz_error *data_scope(tz_service_ctx *svc, const tz_subject *s, const tz_verify_result *res, json_t **out) {
    json_t *allowed_spaces = NULL, *allowed_providers = NULL;
    bool readonly = false;
    for (size_t i = 0; i < res->n_caveats; i++) {
        const char *const *spaces;
        const tz_service *svcs;
        size_t n;
        if (tz_caveat_get_type(res->caveats[i]) == TZ_CV_DATA_READONLY) readonly = true;
        if (tz_caveat_data_spaces(res->caveats[i], &spaces, &n)) narrow_spaces(&allowed_spaces, spaces, n);
        if (tz_caveat_services(res->caveats[i], &svcs, &n)) narrow_providers(&allowed_providers, svcs, n);
    }
    char **ids = NULL;
    size_t n_ids = 0;
    tz_error *e = tz_store_user_spaces(svc->store, s->id, &ids, &n_ids);
    json_t *spaces = json_object(), *providers = json_object();
    for (size_t i = 0; !e && i < n_ids; i++) {
        if (!in_set(allowed_spaces, ids[i])) continue;
        char *name = NULL, **pids = NULL;
        size_t n_p = 0;
        e = tz_store_entity_name(svc->store, TZ_ENT_SPACE, ids[i], &name);
        if (!e) e = tz_store_space_providers(svc->store, ids[i], &pids, &n_p);
        json_t *supports = json_object();
        for (size_t k = 0; !e && k < n_p; k++) {
            if (!in_set(allowed_providers, pids[k])) continue;
            json_object_set_new(supports, pids[k], json_pack("{s:b}", "readonly", 0));
            if (!e && !json_object_get(providers, pids[k])) {
                json_t *pj = NULL;
                e = provider_json(svc, pids[k], &pj);
                if (pj) json_object_set_new(providers, pids[k], pj);
            }
        }
        json_object_set_new(spaces, ids[i], json_pack("{s:s,s:o}", "name", name ? name : "", "supports", supports));
        free(name);
        tz_strv_free(pids, n_p);
    }
    tz_strv_free(ids, n_ids);
    json_decref(allowed_spaces);
    json_decref(allowed_providers);
    if (e) {
        json_decref(spaces);
        json_decref(providers);
        return e;
    }
    *out = json_pack("{s:b,s:o,s:o}", "readonly", readonly, "spaces", spaces, "providers", providers);
    return *out ? NULL : tz_err_new(TZE_INTERNAL);
}

void op_infer_scope(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    tz_gri gri = {"token", NULL, "infer_access_token_scope", "public"};
    tz_token *t = NULL, *ct = NULL;
    tz_subject consumer = {0}, subject = {0};
    bool present, ct_present = false, have_consumer = false;
    tz_verify_result res = {0};
    json_t *scope = NULL;
    tz_error *e = authz_check(svc, c, TZ_API_CREATE, &gri, true);
    if (!e) e = val_body_object(r->body);
    if (!e) e = val_token(svc, r->body, "token", true, false, &present, &t);
    if (!e) e = val_token(svc, r->body, "consumerToken", false, true, &ct_present, &ct);
    if (!e && ct) {
        e = svc_verify_identity_like(svc, ct, r->peer_ip_known, r->peer_ip, TZ_IF_UNKNOWN, &consumer);
        if (e) e = tz_err_wrap(TZE_BAD_CONSUMER_TOKEN, NULL, e);
        else have_consumer = true;
    } else if (!e && !ct_present) {
        /* absent: the token's own subject is assumed to be the consumer */
        if (tz_subject_copy(&consumer, &t->subject) != 0) e = tz_err_new(TZE_INTERNAL);
        have_consumer = true;
    }
    if (!e && t->type.kind != TZ_TT_ACCESS)
        e = tz_err_new_details(TZE_NOT_AN_ACCESS_TOKEN, json_pack("{s:o}", "received", tz_token_type_to_json(&t->type)));
    if (!e) {
        svc_verify_args a = {
            .peer_ip_known = r->peer_ip_known, .peer_ip = r->peer_ip,
            .consumer = have_consumer ? &consumer : NULL, .allow_data_access = true,
            .ignored = TZ_CV_BIT(TZ_CV_SERVICE) | TZ_CV_BIT(TZ_CV_INTERFACE), .session_match = TZ_SESSION_ANY,
        };
        e = svc_verify_token(svc, t, &a, &subject, &res);
    }
    if (!e && subject.kind == TZ_SUBJ_USER) e = data_scope(svc, &subject, &res, &scope);
    if (e) {
        tz_response_error(resp, e);
    } else {
        int64_t until;
        json_t *valid = tz_caveats_expiration(res.caveats, res.n_caveats, &until) ? json_integer(until) : json_null();
        resp_json(resp, 200, json_pack("{s:o,s:o}", "validUntil", valid, "dataAccessScope", scope ? scope : json_null()));
    }
    tz_verify_result_clear(&res);
    tz_subject_clear(&subject);
    tz_subject_clear(&consumer);
    tz_token_free(t);
    tz_token_free(ct);
}
