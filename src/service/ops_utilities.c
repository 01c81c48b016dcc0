/* The public token utilities (rest-api §6): examine, confine, verify_* and infer scope. Everyone,
 * including nobody, may call them; the caller's own API caveats still apply. */
#include <stdlib.h>
#include <string.h>

#include "service/authz.h"
#include "service/service_internal.h"
#include "service/verify_answer.h"

static tz_error *authorize_public(tz_service_ctx *svc, const tz_client *c, const char *aspect) {
    tz_gri gri = {"token", NULL, aspect, "public"};
    return authz_check(svc, c, TZ_API_CREATE, &gri, true);
}

/* Start of every utility: authorization, then the body must be an object. */
static tz_error *begin(tz_service_ctx *svc, const tz_client *c, const tz_request *r, const char *aspect) {
    tz_error *e = authorize_public(svc, c, aspect);
    return e ? e : val_body_object(r->body);
}

static json_t *ttl_json(tz_service_ctx *svc, const tz_verify_result *res) {
    int64_t until;
    if (!tz_caveats_expiration(res->caveats, res->n_caveats, &until)) return json_null();
    return json_integer(until - svc_now(svc));
}

static json_t *subject_ttl_body(tz_service_ctx *svc, const tz_subject *s, const tz_verify_result *res) {
    tz_subject plain = *s;
    plain.subtype = TZ_PSUB_NONE;
    return json_pack("{s:o,s:o}", "subject", tz_subject_to_json(&plain), "ttl", ttl_json(svc, res));
}

/* The same answer as subject_ttl_body, written as text when it can be (verify_answer.h). */
static void reply_subject_ttl(tz_service_ctx *svc, tz_response *resp, const tz_subject *s,
                              const tz_verify_result *res) {
    int64_t until;
    bool has_ttl = tz_caveats_expiration(res->caveats, res->n_caveats, &until);
    size_t len;
    char *text = svc_verify_answer_text(s, has_ttl, has_ttl ? until - svc_now(svc) : 0, &len);
    if (!text) {
        resp_json(resp, 200, subject_ttl_body(svc, s, res));
        return;
    }
    resp->status = 200;
    resp->text = text;
    resp->text_len = len;
}

static tz_error *not_a(tz_err_id id, const tz_token_type *type) {
    return tz_err_new_details(id, json_pack("{s:o}", "received", tz_token_type_to_json(type)));
}

void op_examine(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    tz_token *t = NULL;
    bool present;
    json_t *out = NULL;
    tz_error *e = begin(svc, c, r, "examine");
    if (!e) e = val_token(svc, r->body, "token", true, false, &present, &t);
    if (!e) e = tz_token_examine_json(t, &out);
    svc_facts_token(resp, t);
    tz_token_free(t);
    if (e) tz_response_error(resp, e);
    else resp_json(resp, 200, out);
}

void op_confine(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    tz_token *t = NULL, *confined = NULL;
    tz_caveat **cs = NULL;
    size_t n = 0;
    bool present;
    tz_raw_caveat *raw = NULL;
    char *serialized = NULL;
    tz_error *e = begin(svc, c, r, "confine");
    if (!e) {
        const json_t *caveats = r->body ? json_object_get(r->body, "caveats") : NULL;
        e = caveats ? tz_caveats_from_json(caveats, "caveats", &cs, &n) : tz_err_key(TZE_MISSING_REQUIRED_VALUE, "caveats");
    }
    if (!e) e = val_token(svc, r->body, "token", true, false, &present, &t);
    if (!e) e = svc_check_subject_and_services(svc, &t->subject, &t->type, cs, n);
    if (!e && n && !(raw = calloc(n, sizeof *raw))) e = tz_err_new(TZE_INTERNAL);
    for (size_t i = 0; !e && i < n; i++)
        if (!(raw[i].ptr = tz_caveat_serialize(cs[i], &raw[i].len))) e = tz_err_new(TZE_INTERNAL);
    if (!e) e = tz_token_confine(t, raw, n, &confined);
    if (!e) e = tz_token_serialize(confined, &serialized, NULL);
    for (size_t i = 0; raw && i < n; i++) free(raw[i].ptr);
    free(raw);
    tz_caveats_free(cs, n);
    svc_facts_token(resp, t);
    tz_token_free(t);
    tz_token_free(confined);
    if (e) tz_response_error(resp, e);
    else resp_json(resp, 200, json_pack("{s:s}", "token", serialized));
    free(serialized);
}

/* Validated fields shared by the verify endpoints. */
typedef struct verify_body {
    tz_token *token;
    bool allow_data;
    bool peer_known;
    uint32_t peer;
    tz_interface iface;
    tz_token *service_token;
    bool consumer_token_present, consumer_token_null;
    tz_token *consumer_token;
    bool any_invite_type;
    tz_invite_type invite_type;
} verify_body;

static void verify_body_clear(verify_body *b) {
    tz_token_free(b->token);
    tz_token_free(b->service_token);
    tz_token_free(b->consumer_token);
}

/* Checks the format of the body keys (§1.4) in sorted order; `keys` says which keys the
 * endpoint knows. Semantic checks (verifying the service/consumer tokens) come later. */
enum { K_ALLOW = 1, K_CONSUMER = 2, K_EXPECTED = 4, K_INTERFACE = 8, K_PEER = 16, K_SERVICE = 32 };
static tz_error *parse_verify_body(tz_service_ctx *svc, const tz_request *r, unsigned keys, verify_body *b) {
    bool present;
    memset(b, 0, sizeof *b);
    b->peer_known = r->peer_ip_known;
    b->peer = r->peer_ip;
    tz_error *e = val_token(svc, r->body, "token", true, false, &present, &b->token);
    if (!e && (keys & K_ALLOW)) e = val_bool(r->body, "allowDataAccessCaveats", &present, &b->allow_data);
    if (!e && (keys & K_CONSUMER)) {
        e = val_token(svc, r->body, "consumerToken", false, true, &b->consumer_token_present, &b->consumer_token);
        b->consumer_token_null = b->consumer_token_present && !b->consumer_token;
    }
    b->any_invite_type = true;
    if (!e && (keys & K_EXPECTED)) {
        const json_t *v = json_object_get(r->body, "expectedInviteType");
        const char *name = json_string_value(v);
        if (v && !(name && (!strcmp(name, "any") || tz_invite_type_from_name(name, &b->invite_type) == 0)))
            e = tz_err_key(TZE_BAD_VALUE_INVITE_TYPE, "expectedInviteType");
        else if (name && strcmp(name, "any") != 0)
            b->any_invite_type = false;
    }
    if (!e && (keys & K_INTERFACE)) e = val_interface(r->body, "interface", &present, &b->iface);
    if (!e && (keys & K_PEER)) {
        bool known;
        uint32_t ip;
        e = val_ipv4(r->body, "peerIp", &present, &known, &ip);
        if (!e && present) {
            b->peer_known = known;
            b->peer = ip;
        }
    }
    if (!e && (keys & K_SERVICE)) e = val_token(svc, r->body, "serviceToken", false, false, &present, &b->service_token);
    return e;
}

/* The consumer of the verification: from consumerToken, none for null, else the caller. */
static tz_error *resolve_consumer(tz_service_ctx *svc, const tz_client *c, verify_body *b, bool *have, tz_subject *out) {
    *have = false;
    if (b->consumer_token) {
        tz_error *e = svc_verify_identity_like(svc, b->consumer_token, b->peer_known, b->peer, b->iface, out);
        if (e) return tz_err_wrap(TZE_BAD_CONSUMER_TOKEN, NULL, e);
        *have = true;
        return NULL;
    }
    if (b->consumer_token_null) return NULL;
    if (tz_subject_copy(out, &c->subject) != 0) return tz_err_new(TZE_INTERNAL);
    *have = true;
    return NULL;
}

/* One verify request: the validated body, the consumer, and the outcome. */
typedef struct verify_job {
    verify_body b;
    tz_subject consumer, subject;
    bool have_consumer;
    tz_verify_result res;
    svc_verify_args args;   /* filled by the endpoint before run_verification */
} verify_job;

/* Authorization, then the body keys in Onezone's order. */
static tz_error *start_verify(tz_service_ctx *svc, const tz_client *c, const tz_request *r, const char *aspect,
                              unsigned keys, verify_job *j) {
    memset(j, 0, sizeof *j);
    tz_error *e = begin(svc, c, r, aspect);
    if (!e) e = parse_verify_body(svc, r, keys, &j->b);
    j->args.peer_ip_known = j->b.peer_known;
    j->args.peer_ip = j->b.peer;
    j->args.iface = j->b.iface;
    j->args.session_match = TZ_SESSION_ANY;
    return e;
}

static tz_error *run_verification(tz_service_ctx *svc, verify_job *j) {
    j->args.consumer = j->have_consumer ? &j->consumer : NULL;
    return svc_verify_token(svc, j->b.token, &j->args, &j->subject, &j->res);
}

/* Replies {"subject","ttl"} or the error, and releases the job. */
static void finish_verify(tz_service_ctx *svc, tz_response *resp, tz_error *e, verify_job *j) {
    svc_facts_token(resp, j->b.token);
    if (e) tz_response_error(resp, e);
    else reply_subject_ttl(svc, resp, &j->subject, &j->res);
    tz_verify_result_clear(&j->res);
    tz_subject_clear(&j->subject);
    tz_subject_clear(&j->consumer);
    verify_body_clear(&j->b);
}

void op_verify_access(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    verify_job j;
    tz_subject service_subject = {0};
    tz_service service = {0};
    tz_error *e = start_verify(svc, c, r, "verify_access_token",
                               K_ALLOW | K_CONSUMER | K_INTERFACE | K_PEER | K_SERVICE, &j);
    if (!e && j.b.service_token) {
        e = svc_verify_service_token(svc, j.b.service_token, j.b.peer_known, j.b.peer, j.b.iface, &service_subject,
                                     &service);
        if (!e) j.args.service = &service;
    }
    if (!e) e = resolve_consumer(svc, c, &j.b, &j.have_consumer, &j.consumer);
    if (!e && j.b.token->type.kind != TZ_TT_ACCESS) e = not_a(TZE_NOT_AN_ACCESS_TOKEN, &j.b.token->type);
    if (!e) {
        j.args.allow_data_access = j.b.allow_data;
        e = run_verification(svc, &j);
    }
    finish_verify(svc, resp, e, &j);
    tz_subject_clear(&service_subject);
}

void op_verify_identity(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    verify_job j;
    tz_error *e = start_verify(svc, c, r, "verify_identity_token", K_CONSUMER | K_INTERFACE | K_PEER, &j);
    if (!e) e = resolve_consumer(svc, c, &j.b, &j.have_consumer, &j.consumer);
    if (!e) {
        const tz_token_type *type = &j.b.token->type;
        /* a provider's plain access token also proves its identity (legacy scope rules) */
        bool plain_access = type->kind == TZ_TT_ACCESS && !type->session_id;
        if (type->kind != TZ_TT_IDENTITY && !plain_access) e = not_a(TZE_NOT_AN_IDENTITY_TOKEN, type);
        if (!e) {
            j.args.scope_identity = plain_access;
            j.args.supported = plain_access ? TZ_CV_SET_ACCESS_LEGACY_IDENTITY : 0;
            e = run_verification(svc, &j);
            if (!e && plain_access && j.subject.kind != TZ_SUBJ_PROVIDER) e = not_a(TZE_NOT_AN_IDENTITY_TOKEN, type);
        }
    }
    finish_verify(svc, resp, e, &j);
}

void op_verify_invite(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    verify_job j;
    tz_error *e = start_verify(svc, c, r, "verify_invite_token", K_CONSUMER | K_EXPECTED | K_PEER, &j);
    if (!e) e = resolve_consumer(svc, c, &j.b, &j.have_consumer, &j.consumer);
    if (!e) {
        const tz_token_type *type = &j.b.token->type;
        if (type->kind != TZ_TT_INVITE || (!j.b.any_invite_type && type->invite != j.b.invite_type))
            e = tz_err_new_details(TZE_NOT_AN_INVITE_TOKEN,
                                   json_pack("{s:s,s:o}", "expectedInviteType",
                                             j.b.any_invite_type ? "any" : tz_invite_type_name(j.b.invite_type),
                                             "received", tz_token_type_to_json(type)));
    }
    if (!e) e = run_verification(svc, &j);
    finish_verify(svc, resp, e, &j);
}
