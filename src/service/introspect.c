/* RFC 7662 introspection and forward auth: a token is verified as an access token by
 * svc_verify_token, the path verify_access_token takes, so revocation, time, every caveat and the
 * subject's state count the same way. A token that does not verify is "inactive" with no reason
 * given; a failing store is never turned into "inactive". */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/json_write.h"
#include "service/oauth.h"
#include "service/service_internal.h"

const char *tz_oauth_issuer(const tz_service_ctx *svc) { return svc->domain; }

static bool json_has_failure_id(const json_t *j, int depth) {
    if (!j || depth > 8) return false;
    if (json_is_object(j)) {
        const char *id = json_string_value(json_object_get(j, "id"));
        if (id && (!strcmp(id, "internalServerError") || !strcmp(id, "serviceUnavailable"))) return true;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v) if (json_has_failure_id(v, depth + 1)) return true;
    }
    return false;
}

bool tz_oauth_is_server_failure(const tz_error *e) {
    if (!e) return false;
    if (tz_err_http_status(e->id) >= 500) return true;
    return json_has_failure_id(e->details, 0);
}

/* A verified access token: the parsed token, its subject and parsed caveats. */
typedef struct verified {
    tz_token *t;
    tz_subject subject;
    tz_verify_result res;
    char *metadata; /* named tokens: stored metadata JSON, from the verification's read */
    char *username; /* users: the username, from the same read; NULL for providers */
} verified;

static void verified_clear(verified *v) {
    free(v->metadata);
    free(v->username);
    tz_token_free(v->t);
    tz_subject_clear(&v->subject);
    tz_verify_result_clear(&v->res);
    memset(v, 0, sizeof *v);
}

static tz_error *verify_access(tz_service_ctx *svc, const char *token, size_t len, svc_verify_args *a,
                               verified *out) {
    memset(out, 0, sizeof *out);
    tz_error *e = tz_token_deserialize(token, len, svc->max_token_size, &out->t);
    if (!e && out->t->type.kind != TZ_TT_ACCESS) e = tz_err_new(TZE_NOT_AN_ACCESS_TOKEN);
    a->named_metadata_out = &out->metadata;
    a->username_out = &out->username;
    if (!e) e = svc_verify_token(svc, out->t, a, &out->subject, &out->res);
    a->named_metadata_out = NULL;
    a->username_out = NULL;
    if (e) {
        tz_token_free(out->t);
        out->t = NULL;
    }
    return e;
}

/* The context parameters of an introspection request. */
typedef struct context {
    svc_verify_args args;
    tz_subject service_subject, consumer;
    tz_service service;
} context;

static void context_clear(context *c) {
    tz_subject_clear(&c->service_subject);
    tz_subject_clear(&c->consumer);
}

/* Fills c from the parameters. *usable false when a given service or consumer token does not
 * verify (the introspected token is then inactive); errors are malformed parameters (400) and
 * store failures. */
static tz_error *read_context(tz_service_ctx *svc, const tz_introspect_params *p, context *c, bool *usable) {
    memset(c, 0, sizeof *c);
    *usable = true;
    c->args.session_match = TZ_SESSION_ANY;
    if (p->peer_ip) {
        struct in_addr a;
        if (inet_pton(AF_INET, p->peer_ip, &a) != 1) return tz_err_key(TZE_BAD_DATA, "peer_ip");
        c->args.peer_ip_known = true;
        c->args.peer_ip = ntohl(a.s_addr);
    }
    if (p->interface && tz_interface_from_name(p->interface, &c->args.iface) != 0)
        return tz_err_key(TZE_BAD_DATA, "interface");
    if (p->allow_data_access_caveats) {
        if (!strcmp(p->allow_data_access_caveats, "true")) c->args.allow_data_access = true;
        else if (strcmp(p->allow_data_access_caveats, "false") != 0)
            return tz_err_key(TZE_BAD_DATA, "allow_data_access_caveats");
    }
    tz_error *e = NULL;
    if (p->service_token) {
        tz_token *st = NULL;
        e = tz_token_deserialize(p->service_token, strlen(p->service_token), svc->max_token_size, &st);
        if (!e) e = svc_verify_service_token(svc, st, c->args.peer_ip_known, c->args.peer_ip, c->args.iface,
                                             &c->service_subject, &c->service);
        tz_token_free(st);
        if (!e) c->args.service = &c->service;
    }
    if (!e && p->consumer_token) {
        tz_token *ct = NULL;
        e = tz_token_deserialize(p->consumer_token, strlen(p->consumer_token), svc->max_token_size, &ct);
        if (!e) e = svc_verify_identity_like(svc, ct, c->args.peer_ip_known, c->args.peer_ip, c->args.iface,
                                             &c->consumer);
        tz_token_free(ct);
        if (!e) c->args.consumer = &c->consumer;
    }
    if (e && !tz_oauth_is_server_failure(e)) {
        tz_err_free(e);
        *usable = false;
        return NULL;
    }
    return e;
}

/* "iat" of a named token: its creation time from the stored metadata, which the verification read
 * together with the secret (no second store read). */
/* The metadata of a token created without custom metadata is exactly {"creationTime":N,"custom":{}}
 * (token_create.c, ops_register.c): read N without a JSON parser (jansson's json_loads of it was
 * 4 % of an introspection). Anything else, even slightly different, goes to jansson. */
static bool plain_creation_time(const char *m, json_int_t *out) {
    static const char head[] = "{\"creationTime\":", tail[] = ",\"custom\":{}}";
    if (strncmp(m, head, sizeof head - 1) != 0) return false;
    const char *d = m + sizeof head - 1;
    size_t n = strspn(d, "0123456789");
    if (n == 0 || n > 18 || (n > 1 && d[0] == '0') || strcmp(d + n, tail) != 0) return false;
    json_int_t v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (d[i] - '0');
    *out = v;
    return true;
}

static void creation_time(const char *metadata_json, bool *known, json_int_t *out) {
    *known = false;
    if (metadata_json && plain_creation_time(metadata_json, out)) {
        *known = true;
        return;
    }
    json_t *m = metadata_json ? json_loads(metadata_json, 0, NULL) : NULL;
    json_t *ct = json_object_get(m, "creationTime");
    if (json_is_integer(ct)) {
        *known = true;
        *out = json_integer_value(ct);
    }
    json_decref(m);
}

/* A user's username, read by the verification together with the token's secret; NULL for
 * providers. A verified user token always has one (the user row exists). */
static tz_error *username_of(const verified *v, const char **out) {
    *out = NULL;
    if (v->subject.kind != TZ_SUBJ_USER) return NULL;
    if (!v->username) return tz_err_new(TZE_INTERNAL);
    *out = v->username;
    return NULL;
}

/* A member name with its quotes and colon; the names here are plain ASCII. */
#define KEY(b, lit) tz_jb_raw(b, lit, sizeof lit - 1)

/* The RFC 7662 answer of an active token, written as text (no jansson tree: building, dumping
 * and freeing one was a sixth of the request). Members and their order are those of the
 * answer as it always was: active, sub, username (users), jti, iss, exp (when a time caveat
 * bounds the token), iat (named tokens), token_type, onedata {subject, persistence, caveats};
 * strings are escaped as jansson escapes them (core/json_write.c), caveats written as
 * tz_caveat_to_json renders them (core/caveat_json_text.c). */
static tz_error *active_body(tz_service_ctx *svc, const verified *v, char **out, size_t *out_len) {
    tz_subject plain = v->subject;
    plain.subtype = TZ_PSUB_NONE;
    char *sub = tz_subject_serialize(&plain);
    const char *username = NULL;
    tz_error *e = sub && svc->domain ? username_of(v, &username) : tz_err_new(TZE_INTERNAL);
    bool iat_known = false;
    json_int_t iat = 0;
    if (!e && v->t->named) creation_time(v->metadata, &iat_known, &iat);
    int64_t until;
    bool has_exp = tz_caveats_expiration(v->res.caveats, v->res.n_caveats, &until);
    tz_json_buf b = {0};
    if (!e) {
        const char *jti = v->t->id ? v->t->id : "";
        KEY(&b, "{\"active\":true,\"sub\":");
        tz_jb_string(&b, sub, strlen(sub));
        if (username) {
            KEY(&b, ",\"username\":");
            tz_jb_string(&b, username, strlen(username));
        }
        KEY(&b, ",\"jti\":");
        tz_jb_string(&b, jti, strlen(jti));
        KEY(&b, ",\"iss\":");
        tz_jb_string(&b, svc->domain, strlen(svc->domain));
        if (has_exp) {
            KEY(&b, ",\"exp\":");
            tz_jb_int(&b, until);
        }
        if (iat_known) {
            KEY(&b, ",\"iat\":");
            tz_jb_int(&b, iat);
        }
        KEY(&b, ",\"token_type\":\"access_token\",\"onedata\":{\"subject\":");
        json_t *subject = tz_subject_to_json(&plain);
        tz_jb_value(&b, subject);
        json_decref(subject);
        if (v->t->named) KEY(&b, ",\"persistence\":\"named\",\"caveats\":[");
        else KEY(&b, ",\"persistence\":\"temporary\",\"caveats\":[");
        for (size_t i = 0; i < v->res.n_caveats; i++) {
            if (i) KEY(&b, ",");
            tz_caveat_write_json(&b, v->res.caveats[i]);
        }
        KEY(&b, "]}}");
        if (!(*out = tz_jb_finish(&b, out_len))) e = tz_err_new(TZE_INTERNAL);
    }
    tz_jb_free(&b);
    free(sub);
    return e;
}

tz_error *tz_oauth_introspect(tz_service_ctx *svc, const tz_oauth_caller *caller,
                              const tz_introspect_params *p, char **out, size_t *out_len, bool *is_active) {
    *out = NULL;
    *out_len = 0;
    *is_active = false;
    if (!caller->is_client && !caller->provider && !caller->token_admin) return tz_err_new(TZE_FORBIDDEN);
    context c;
    bool usable;
    tz_error *e = read_context(svc, p, &c, &usable);
    verified v;
    memset(&v, 0, sizeof v);
    bool active = false;
    if (!e && usable) {
        e = verify_access(svc, p->token, p->token_len, &c.args, &v);
        active = !e;
        if (e && !tz_oauth_is_server_failure(e)) {
            tz_err_free(e);
            e = NULL;
        }
    }
    if (!e && active) e = active_body(svc, &v, out, out_len);
    if (!e && !active) {
        static const char inactive[] = "{\"active\":false}";
        if ((*out = strdup(inactive))) *out_len = sizeof inactive - 1;
        else e = tz_err_new(TZE_INTERNAL);
    }
    if (!e) *is_active = active;
    verified_clear(&v);
    context_clear(&c);
    return e;
}

tz_error *tz_oauth_forward_auth(tz_service_ctx *svc, const char *token, size_t len, bool peer_known,
                                uint32_t peer, const char *interface, tz_forward_identity *out) {
    memset(out, 0, sizeof *out);
    svc_verify_args a = {
        .peer_ip_known = peer_known,
        .peer_ip = peer,
        .iface = TZ_IF_REST,
        .session_match = TZ_SESSION_ANY,
    };
    if (interface && tz_interface_from_name(interface, &a.iface) != 0) return tz_err_new(TZE_UNAUTHORIZED);
    verified v;
    tz_error *e = verify_access(svc, token, len, &a, &v);
    if (e) {
        if (tz_oauth_is_server_failure(e)) return e;
        tz_err_free(e);
        return tz_err_new(TZE_UNAUTHORIZED);
    }
    tz_subject plain = v.subject;
    plain.subtype = TZ_PSUB_NONE;
    char *sub = tz_subject_serialize(&plain);
    const char *username = NULL;
    e = sub ? username_of(&v, &username) : tz_err_new(TZE_INTERNAL);
    if (!e) {
        snprintf(out->subject, sizeof out->subject, "%s", sub);
        snprintf(out->token_id, sizeof out->token_id, "%s", v.t->id ? v.t->id : "");
        snprintf(out->username, sizeof out->username, "%s", username ? username : "");
    }
    free(sub);
    verified_clear(&v);
    return e;
}
