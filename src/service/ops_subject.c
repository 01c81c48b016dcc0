/* Per-subject token routes (/users/{uid}, /user, /providers/{pid}, /provider: tokens/temporary,
 * tokens/named, tokens/named/name/{name}) — rest-api §3, §5.1–§5.5, §5.9, §5.11. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "service/authz.h"
#include "service/named_json.h"
#include "service/membership.h"
#include "service/service_internal.h"
#include "service/store_errors.h"
#include "service/token_create.h"

/* Works out whose tokens the route addresses. /user and /provider take the caller; a user holding
 * oz_tokens_manage calling /provider acts on a "provider" with the user's id (Onezone does the
 * same: creations then fail with tokenSubjectInvalid, listings are empty). */
static tz_error *resolve_subject(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_subject *out) {
    memset(out, 0, sizeof *out);
    const char *id = r->subject_id;
    switch (r->target) {
    case TZ_TARGET_USER: out->kind = TZ_SUBJ_USER; break;
    case TZ_TARGET_PROVIDER: out->kind = TZ_SUBJ_PROVIDER; break;
    case TZ_TARGET_SELF_USER:
        if (c->subject.kind == TZ_SUBJ_NOBODY) return tz_err_new(TZE_UNAUTHORIZED);
        if (c->subject.kind != TZ_SUBJ_USER) return tz_err_new(TZE_FORBIDDEN);
        out->kind = TZ_SUBJ_USER;
        id = c->subject.id;
        break;
    case TZ_TARGET_SELF_PROVIDER:
        if (c->subject.kind == TZ_SUBJ_NOBODY) return tz_err_new(TZE_UNAUTHORIZED);
        if (c->subject.kind == TZ_SUBJ_USER) {
            bool admin = false;
            tz_error *e = svc_user_is_token_admin(svc, c->subject.id, &admin);
            if (e) return e;
            if (!admin) return tz_err_new(TZE_FORBIDDEN);
        }
        out->kind = TZ_SUBJ_PROVIDER;
        id = c->subject.id;
        break;
    default: return tz_err_new(TZE_NOT_SUPPORTED);
    }
    out->id = strdup(id ? id : "");
    return out->id ? NULL : tz_err_new(TZE_INTERNAL);
}

/* The resource rule of §3 for per-subject routes. */
static tz_error *resource_ok(tz_service_ctx *svc, const tz_client *c, const tz_subject *s, tz_op op, bool *ok) {
    *ok = false;
    if (s->kind == TZ_SUBJ_USER) {
        if ((*ok = authz_is_user(c, s->id))) return NULL;
        if (op != TZ_OP_GET_GENERATION || !authz_is_provider(c, NULL)) return NULL;
        return svc_provider_supports_user(svc, c->subject.id, s->id, ok);
    }
    if ((*ok = authz_is_provider(c, s->id))) return NULL;
    return authz_user_in_cluster(svc, c, s->id, op == TZ_OP_GET_GENERATION ? NULL : "cluster_update", ok);
}

/* The GRI an operation addresses, for the caller's API caveats. `aspect_buf` holds compound
 * aspects. */
static void op_gri(const tz_request *r, const tz_subject *s, char *aspect_buf, size_t cap, tz_gri *gri,
                   tz_api_operation *op) {
    const char *who = s->kind == TZ_SUBJ_USER ? "user" : "provider";
    const char *aspect = "named_tokens";
    *gri = (tz_gri){"token", NULL, NULL, "private"};
    switch (r->op) {
    case TZ_OP_CREATE_TEMPORARY: *op = TZ_API_CREATE; aspect = "temporary_token"; break;
    case TZ_OP_GET_GENERATION:
    case TZ_OP_REVOKE_ALL_TEMPORARY:
        *op = r->op == TZ_OP_GET_GENERATION ? TZ_API_GET : TZ_API_DELETE;
        *gri = (tz_gri){"temporary_token_secret", s->id, who, "shared"};
        return;
    case TZ_OP_CREATE_NAMED: *op = TZ_API_CREATE; aspect = "named_token"; break;
    case TZ_OP_LIST_NAMED: *op = TZ_API_GET; break;
    case TZ_OP_DELETE_ALL_NAMED: *op = TZ_API_DELETE; break;
    default: *op = TZ_API_GET; aspect = "named_token_by_name"; break;
    }
    snprintf(aspect_buf, cap, "%s_%s,%s", who, aspect, s->id);
    gri->aspect = aspect_buf;
}

static void list_named(tz_service_ctx *svc, const tz_subject *s, tz_response *resp) {
    char **ids = NULL;
    size_t n = 0;
    tz_error *e = svc_named_list_all(svc->store, s, &ids, &n);
    resp_id_list(resp, e, ids, n);
}

static void get_by_name(tz_service_ctx *svc, const tz_subject *s, const char *name, tz_response *resp) {
    tz_named_token_rec rec = {0};
    json_t *body = NULL;
    tz_error *e = tz_store_named_get_by_name(svc->store, s, name ? name : "", &rec);
    if (!e) e = named_token_json(svc, &rec, &body);
    tz_named_token_rec_clear(&rec);
    if (e) tz_response_error(resp, e);
    else resp_json(resp, 200, body);
}

static void generation(tz_service_ctx *svc, const tz_subject *s, tz_response *resp) {
    char secret[TZ_SECRET_HEX_LEN + 1];
    int64_t gen = 0;
    tz_error *e = svc_temp_secret(svc, s, secret, &gen);
    OPENSSL_cleanse(secret, sizeof secret);
    if (e) tz_response_error(resp, e);
    else resp_json(resp, 200, json_pack("{s:I}", "generation", (json_int_t)gen));
}

static void no_content_or_error(tz_response *resp, tz_error *e) {
    if (e) tz_response_error(resp, e);
    else resp_no_content(resp);
}

void op_subject_tokens(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    tz_subject s;
    tz_error *e = resolve_subject(svc, c, r, &s);
    if (e) {
        tz_subject_clear(&s);
        tz_response_error(resp, e);
        return;
    }
    char aspect[512];
    tz_gri gri;
    tz_api_operation api_op;
    op_gri(r, &s, aspect, sizeof aspect, &gri, &api_op);
    bool ok = false;
    e = resource_ok(svc, c, &s, r->op, &ok);
    if (!e) e = authz_check(svc, c, api_op, &gri, ok);
    if (e) {
        tz_response_error(resp, e);
    } else {
        switch (r->op) {
        case TZ_OP_CREATE_TEMPORARY: create_temporary_token(svc, &s, r->body, resp); break;
        case TZ_OP_GET_GENERATION: generation(svc, &s, resp); break;
        case TZ_OP_REVOKE_ALL_TEMPORARY: no_content_or_error(resp, svc_temp_bump(svc, &s)); break;
        case TZ_OP_CREATE_NAMED: create_named_token(svc, &s, r->body, resp); break;
        case TZ_OP_LIST_NAMED: list_named(svc, &s, resp); break;
        case TZ_OP_DELETE_ALL_NAMED: no_content_or_error(resp, tz_store_named_delete_all(svc->store, &s)); break;
        case TZ_OP_GET_NAMED_BY_NAME: get_by_name(svc, &s, r->name, resp); break;
        default: tz_response_error(resp, tz_err_new(TZE_NOT_SUPPORTED)); break;
        }
    }
    tz_subject_clear(&s);
}
