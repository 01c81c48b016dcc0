/* The audit-trail and metrics hooks around every service operation (service.c calls
 * svc_observe_begin/end around the dispatch), plus the facts operations leave in the response.
 *
 * An operation is audited when it is a change (CHANGE_OPS below), or when it was refused for
 * lack of authentication or authority (401, 403). A new operation becomes audited by adding it to
 * is_change(); operations that want a line of their own call tz_audit_record with a
 * tz_audit_event directly. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "service/audit.h"
#include "service/observe.h"
#include "service/service_internal.h"

tz_metrics *tz_service_metrics(tz_service_ctx *svc) { return svc->metrics; }

static bool is_change(tz_op op) {
    switch (op) {
    case TZ_OP_CREATE_NAMED:
    case TZ_OP_CREATE_TEMPORARY:
    case TZ_OP_UPDATE_NAMED:
    case TZ_OP_DELETE_NAMED:
    case TZ_OP_DELETE_ALL_NAMED:
    case TZ_OP_REVOKE_ALL_TEMPORARY:
    /* consuming an invite, registering a provider, supporting a space */
    case TZ_OP_JOIN_USER_GROUP: case TZ_OP_JOIN_GROUP_PARENT: case TZ_OP_JOIN_USER_SPACE:
    case TZ_OP_JOIN_GROUP_SPACE: case TZ_OP_JOIN_HARVESTER_SPACE: case TZ_OP_JOIN_USER_CLUSTER:
    case TZ_OP_JOIN_GROUP_CLUSTER: case TZ_OP_JOIN_USER_HARVESTER: case TZ_OP_JOIN_GROUP_HARVESTER:
    case TZ_OP_JOIN_SPACE_HARVESTER: case TZ_OP_JOIN_USER_ATM_INVENTORY:
    case TZ_OP_JOIN_GROUP_ATM_INVENTORY: case TZ_OP_SUPPORT_SPACE: case TZ_OP_REGISTER_PROVIDER:
    /* the legacy shortcuts create named invite tokens; client tokens are named tokens too */
    case TZ_OP_LEGACY_GROUP_USER_TOKEN: case TZ_OP_LEGACY_GROUP_CHILD_TOKEN:
    case TZ_OP_LEGACY_SPACE_USER_TOKEN: case TZ_OP_LEGACY_SPACE_GROUP_TOKEN:
    case TZ_OP_LEGACY_SPACE_PROVIDER_TOKEN: case TZ_OP_LEGACY_CLUSTER_USER_TOKEN:
    case TZ_OP_LEGACY_CLUSTER_GROUP_TOKEN: case TZ_OP_LEGACY_HARVESTER_USER_TOKEN:
    case TZ_OP_LEGACY_HARVESTER_GROUP_TOKEN: case TZ_OP_LEGACY_HARVESTER_SPACE_TOKEN:
    case TZ_OP_LEGACY_PROVIDER_REGISTRATION_TOKEN: case TZ_OP_CLIENT_TOKEN_CREATE:
    case TZ_OP_CLIENT_TOKEN_DELETE: return true;
    default: return false;
    }
}

/* Token operations counted in tokenzone_token_operations_total (everything but the "related"
 * routes), with the verification kind of the verify endpoints. */
static bool is_token_op(tz_op op) {
    return op != TZ_OP_CONFIGURATION && op != TZ_OP_CURRENT_TIME && op != TZ_OP_GET_USER;
}

static const char *const TYPE_NAMES[] = {"access", "identity", "invite"};
static const char *const PERSISTENCE_NAMES[] = {NULL, "named", "temporary"};

void svc_facts_token(tz_response *resp, const tz_token *t) {
    if (!t) return;
    tz_op_facts *f = &resp->facts;
    f->token_type = (int)t->type.kind;
    f->persistence = t->named ? 1 : 2;
    f->known = true;
    if (t->named && t->id) snprintf(f->token_id, sizeof f->token_id, "%s", t->id);
    char *s = tz_subject_serialize(&t->subject);
    if (s) snprintf(f->subject, sizeof f->subject, "%s", s);
    free(s);
}

/* The "type" member of a stored template (service/secrets.h). tz_token_template writes
 * {"v":N,"type":{..},"caveats":[..]} in that order, so the type object is parsed on its own from
 * right after its key (JSON_DISABLE_EOF_CHECK stops after it) instead of parsing every caveat: on a
 * status read that whole parse was a tenth of the request's work. Any other layout is parsed
 * whole. New reference owned by the caller, or NULL. */
static json_t *template_type(const char *tmpl, const char *at) {
    if (at) {
        json_t *type = json_loads(at, JSON_DISABLE_EOF_CHECK, NULL);
        if (type) return type;
    }
    json_t *whole = tmpl ? json_loads(tmpl, 0, NULL) : NULL;
    json_t *type = json_incref(json_object_get(whole, "type"));
    json_decref(whole);
    return type;
}

/* Where the type object starts in a template of tz_token_template's layout, else NULL. */
static const char *template_type_at(const char *tmpl) {
    static const char head[] = "{\"v\":", key[] = ",\"type\":";
    if (!tmpl || strncmp(tmpl, head, sizeof head - 1) != 0) return NULL;
    const char *p = tmpl + sizeof head - 1;
    while (*p >= '0' && *p <= '9') p++;
    if (p == tmpl + sizeof head - 1 || strncmp(p, key, sizeof key - 1) != 0) return NULL;
    return p + sizeof key - 1;
}

/* The kind of the plain types as tz_token_type_to_json writes them (the commonest by far), read
 * without jansson; false for anything else. */
static bool plain_type_kind(const char *at, int *kind) {
    static const char access[] = "{\"accessToken\":{}},", identity[] = "{\"identityToken\":{}},";
    if (!at) return false;
    if (strncmp(at, access, sizeof access - 1) == 0) *kind = TZ_TT_ACCESS;
    else if (strncmp(at, identity, sizeof identity - 1) == 0) *kind = TZ_TT_IDENTITY;
    else return false;
    return true;
}

void svc_facts_named(tz_response *resp, const tz_named_token_rec *rec) {
    if (!rec || !rec->id) return;
    tz_op_facts *f = &resp->facts;
    snprintf(f->token_id, sizeof f->token_id, "%s", rec->id);
    char *s = tz_subject_serialize(&rec->subject);
    if (s) snprintf(f->subject, sizeof f->subject, "%s", s);
    free(s);
    f->persistence = 1;
    f->token_type = -1;
    /* the type is in the stored template (service/secrets.h): {"v":..,"type":{..},"caveats":[..]} */
    const char *at = template_type_at(rec->token);
    int kind;
    if (plain_type_kind(at, &kind)) {
        f->token_type = kind;
        f->known = true;
        return;
    }
    json_t *tmpl_type = template_type(rec->token, at);
    tz_token_type type;
    memset(&type, 0, sizeof type);
    tz_error *e = tmpl_type ? tz_token_type_from_json(tmpl_type, &type) : tz_err_new(TZE_INTERNAL);
    if (!e) {
        f->token_type = (int)type.kind;
        f->known = true;
        tz_token_type_clear(&type);
    }
    tz_err_free(e);
    json_decref(tmpl_type);
}

void svc_observe_client(tz_service_ctx *svc, tz_client *c, const char *token, bool basic) {
    c->auth_via = token ? "token" : basic ? "basic" : "none";
    c->credential_hmac[0] = '\0';
    if (token && svc->audit) tz_audit_hash(svc->audit, token, strlen(token), c->credential_hmac);
}

static const char *error_id_of(const tz_response *resp) {
    const json_t *err = json_object_get(resp->body, "error");
    return json_string_value(json_object_get(err, "id"));
}

static void format_ip(bool known, uint32_t ip, char out[INET_ADDRSTRLEN]) {
    out[0] = '\0';
    if (!known) return;
    struct in_addr a = {htonl(ip)};
    inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

bool svc_observe_begin(tz_service_ctx *svc, const tz_request *r, tz_response *resp) {
    tz_metrics_bind_thread(svc->metrics);
    if (!svc->audit || !is_change(r->op) || tz_audit_ready(svc->audit)) return true;
    tz_response_error(resp, tz_err_new(TZE_SERVICE_UNAVAILABLE));
    return false;
}

/* The subject a per-subject route addresses, when the operation did not say. */
static void route_subject(const tz_client *c, const tz_request *r, char *out, size_t n) {
    if (r->target == TZ_TARGET_USER && r->subject_id) snprintf(out, n, "usr-%s", r->subject_id);
    else if (r->target == TZ_TARGET_PROVIDER && r->subject_id) snprintf(out, n, "prv-%s", r->subject_id);
    else if ((r->target == TZ_TARGET_SELF_USER || r->target == TZ_TARGET_SELF_PROVIDER) && c)
        snprintf(out, n, "%s", tz_client_log_id(c));
}

/* What a PATCH of a named token did: rename, revoke, unrevoke, metadata (comma-joined). */
static void update_detail(const tz_request *r, char *out, size_t n) {
    out[0] = '\0';
    const json_t *b = r->body;
    const json_t *rv = json_object_get(b, "revoked");
    size_t len = 0;
    if (json_object_get(b, "name")) len += (size_t)snprintf(out + len, n - len, "rename");
    if (rv && len < n) len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "," : "",
                                              json_is_true(rv) || (json_is_string(rv) && !strcmp(json_string_value(rv), "true")) ? "revoke" : "unrevoke");
    if (json_object_get(b, "customMetadata") && len < n)
        snprintf(out + len, n - len, "%smetadata", len ? "," : "");
}

/* The created token of a 201/200 creation reply, for its type and HMAC. */
static void created_token(tz_service_ctx *svc, const tz_request *r, tz_response *resp, char hmac[TZ_AUDIT_HMAC_SIZE]) {
    hmac[0] = '\0';
    const char *token = json_string_value(json_object_get(resp->body, "token"));
    if (!token) return;
    if (svc->audit) tz_audit_hash(svc->audit, token, strlen(token), hmac);
    tz_token *t = NULL;
    if (!tz_token_deserialize(token, strlen(token), svc->max_token_size, &t)) {
        svc_facts_token(resp, t);
        tz_token_free(t);
    }
    const char *id = json_string_value(json_object_get(resp->body, "tokenId"));
    if (id) snprintf(resp->facts.token_id, sizeof resp->facts.token_id, "%s", id);
    (void)r;
}

static void count(tz_service_ctx *svc, const tz_request *r, const tz_response *resp, const char *err_id) {
    tz_error *e = NULL;
    tz_error fake;
    if (err_id) {
        memset(&fake, 0, sizeof fake);
        fake.id = TZE_INTERNAL;
        for (int i = 0; i < TZE__COUNT; i++)
            if (!strcmp(tz_err_id_name((tz_err_id)i), err_id)) fake.id = (tz_err_id)i;
        e = &fake;
    }
    if (is_token_op(r->op))
        tz_metrics_token_op(svc->metrics, (unsigned)r->op, resp->facts.known ? resp->facts.token_type : -1,
                            resp->facts.known ? resp->facts.persistence : 0, e);
    int kind = r->op == TZ_OP_VERIFY_ACCESS ? 0 : r->op == TZ_OP_VERIFY_IDENTITY ? 1
             : r->op == TZ_OP_VERIFY_INVITE ? 2 : -1;
    if (kind >= 0) tz_metrics_verification(svc->metrics, (unsigned)kind, e ? (int)e->id : -1);
}

void svc_observe_end(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    const char *err_id = resp->status >= 400 ? error_id_of(resp) : NULL;
    if (resp->status >= 400 && !err_id) err_id = "internalServerError";
    bool change = is_change(r->op);
    bool refusal = resp->status == 401 || resp->status == 403;
    char hmac[TZ_AUDIT_HMAC_SIZE] = "";
    if ((r->op == TZ_OP_CREATE_NAMED || r->op == TZ_OP_CREATE_TEMPORARY) && resp->status < 300)
        created_token(svc, r, resp, hmac);
    count(svc, r, resp, err_id);
    if (!svc->audit || (!change && !refusal)) return;
    tz_op_facts *f = &resp->facts;
    if (!f->subject[0]) route_subject(c, r, f->subject, sizeof f->subject);
    if (!f->token_id[0] && r->token_id) snprintf(f->token_id, sizeof f->token_id, "%s", r->token_id);
    if (!f->known && (r->op == TZ_OP_DELETE_ALL_NAMED)) f->persistence = 1;
    if (!f->known && (r->op == TZ_OP_REVOKE_ALL_TEMPORARY)) f->persistence = 2;
    char detail[48] = "", ip[INET_ADDRSTRLEN];
    if (r->op == TZ_OP_UPDATE_NAMED) update_detail(r, detail, sizeof detail);
    format_ip(r->peer_ip_known, r->peer_ip, ip);
    const char *actor = c ? tz_client_log_id(c) : "nobody";
    tz_audit_event ev = {
        .event = change && !refusal ? "change" : "authorization",
        .op = tz_op_name(r->op),
        .request_id = r->request_id,
        .actor_type = !c || c->subject.kind == TZ_SUBJ_NOBODY ? "nobody"
                      : c->subject.kind == TZ_SUBJ_USER ? "user" : "provider",
        .actor_id = c && c->subject.kind != TZ_SUBJ_NOBODY ? actor : NULL,
        .auth = c && c->auth_via ? c->auth_via : "none",
        .credential = c && c->credential_hmac[0] ? c->credential_hmac : NULL,
        .remote_address = ip[0] ? ip : NULL,
        .token_id = f->token_id[0] ? f->token_id : NULL,
        .token_hmac = hmac[0] ? hmac : NULL,
        .subject = f->subject[0] ? f->subject : NULL,
        .token_type = f->known && f->token_type >= 0 && f->token_type < 3 ? TYPE_NAMES[f->token_type] : NULL,
        .persistence = f->persistence > 0 && f->persistence < 3 ? PERSISTENCE_NAMES[f->persistence] : NULL,
        .detail = detail[0] ? detail : NULL,
        .result = err_id ? err_id : "ok",
        .status = resp->status,
    };
    tz_error *e = tz_audit_record(svc->audit, &ev);
    if (e) {
        tz_metrics_audit_failure(svc->metrics);
        /* not acknowledged: the client sees 503 (reads go on; a refusal keeps its own answer) */
        if (change && resp->status < 400) tz_response_error(resp, e);
        else tz_err_free(e);
    }
}

void tz_service_note_auth_failure(tz_service_ctx *svc, const char *request_id, const tz_credentials *cr,
                                  bool peer_ip_known, uint32_t peer_ip, const tz_error *e) {
    if (e && e->id == TZE_TOO_MANY_REQUESTS) tz_metrics_throttle_refused(svc->metrics);
    if (!svc->audit || !e) return;
    const char *token = cr->x_auth_token ? cr->x_auth_token : cr->bearer ? cr->bearer : cr->macaroon;
    char hmac[TZ_AUDIT_HMAC_SIZE] = "", ip[INET_ADDRSTRLEN];
    if (token) tz_audit_hash(svc->audit, token, strlen(token), hmac);
    format_ip(peer_ip_known, peer_ip, ip);
    /* the inner reason: details.authError.id of an unauthorized error */
    const char *result = tz_err_id_name(e->id);
    json_t *body = tz_err_body((tz_error *)e);
    const char *inner = json_string_value(json_object_get(
        json_object_get(json_object_get(json_object_get(body, "error"), "details"), "authError"), "id"));
    char res[96];
    snprintf(res, sizeof res, "%s%s%s", result, inner ? "/" : "", inner ? inner : "");
    tz_audit_event ev = {
        .event = "authentication",
        .op = "authenticate",
        .request_id = request_id,
        .actor_type = "nobody",
        .auth = token ? "token" : cr->basic ? "basic" : "none",
        .credential = hmac[0] ? hmac : NULL,
        .remote_address = ip[0] ? ip : NULL,
        .result = res,
        .status = tz_err_http_status(e->id),
    };
    tz_error *w = tz_audit_record(svc->audit, &ev);
    if (w) tz_metrics_audit_failure(svc->metrics);
    tz_err_free(w);
    json_decref(body);
}

const char *tz_service_store_backend(const tz_service_ctx *svc) {
    return tz_store_backend_name(svc->store);
}

bool tz_service_ready(tz_service_ctx *svc, unsigned timeout_ms) {
    tz_metrics_bind_thread(svc->metrics);
    uint64_t t0 = tz_metrics_now_ns();
    tz_subject probe = {.kind = TZ_SUBJ_USER, .id = (char *)"readiness-probe"};
    bool exists = false, blocked = false;
    tz_error *e = tz_store_subject_state(svc->store, &probe, &exists, &blocked);
    uint64_t took = tz_metrics_now_ns() - t0;
    if (e) tz_err_free(e);
    return !e && took <= (uint64_t)timeout_ms * 1000000u;
}
