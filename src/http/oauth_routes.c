/* HTTP side of the integration endpoints: reading form or JSON parameters and credentials,
 * rendering RFC 6749 §5.2 errors. No token, secret or parameter value is ever logged: the access
 * line carries only the route, status, caller id and an error word. */
#include "http/oauth_routes.h"
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "service/oauth.h"

/* Request parameters, decoded, from a form body or a JSON object body. */
typedef struct params {
    bool json;
    json_t *obj;          /* JSON body */
    const char *form;     /* form body (borrowed) */
    size_t form_len;
    char *vals[9];        /* malloc'd decoded values, wiped on clear */
    size_t n_vals;
} params;

static bool is_json(const tz_extra_req *r) {
    const char *ct = tz_extra_header(r, "Content-Type");
    return ct && strncasecmp(ct, "application/json", 16) == 0;
}

/* False when the body is not a form / JSON object that can be read. */
static bool params_open(const tz_extra_req *r, params *p) {
    memset(p, 0, sizeof *p);
    if (is_json(r)) {
        p->json = true;
        p->obj = r->body ? json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL) : NULL;
        return json_is_object(p->obj);
    }
    p->form = r->body;
    p->form_len = r->body ? r->body_len : 0;
    return true;
}

static void params_clear(params *p) {
    for (size_t i = 0; i < p->n_vals; i++) {
        OPENSSL_cleanse(p->vals[i], strlen(p->vals[i]));
        free(p->vals[i]);
    }
    json_decref(p->obj);
    memset(p, 0, sizeof *p);
}

/* Longest decoded value of a parameter other than `token` (client credentials, context). A
 * service or consumer token is small; the cap keeps one request's copies bounded. */
#define PARAM_MAX ((size_t)64 * 1024)

/* *out: the value (owned by p), or NULL when absent. False when malformed (bad escape, not a
 * string, longer than PARAM_MAX except for `token`, more values than tracked). */
static bool param(params *p, const char *name, const char **out) {
    *out = NULL;
    if (p->n_vals >= sizeof p->vals / sizeof p->vals[0]) return false;
    if (p->json) {
        const json_t *v = json_object_get(p->obj, name);
        if (!v || json_is_null(v)) return true;
        if (json_is_boolean(v)) {
            *out = json_is_true(v) ? "true" : "false";
            return true;
        }
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) return false;
        if (strcmp(name, "token") != 0 && json_string_length(v) >= PARAM_MAX) return false;
        *out = json_string_value(v);
        return true;
    }
    /* one pass to find the raw value, then a buffer of its size (decoding never lengthens) */
    const char *raw;
    size_t raw_len;
    if (!tz_form_span(p->form, p->form_len, name, &raw, &raw_len)) return true;
    size_t cap = raw_len + 1;
    if (strcmp(name, "token") != 0 && cap > PARAM_MAX) cap = PARAM_MAX;
    char *buf = malloc(cap);
    if (!buf) return false;
    if (tz_form_decode(raw, raw_len, buf, cap) < 0) {
        free(buf);
        return false;
    }
    p->vals[p->n_vals++] = buf;
    *out = buf;
    return true;
}

/* ---------------------------------------------------------------- replies */

static void oauth_error(tz_extra_resp *resp, int status, const char *error) {
    json_t *b = json_pack("{s:s}", "error", error);
    if (b) tz_extra_reply_json(resp, status, b);
    json_decref(b);
    tz_extra_add_header(resp, "Cache-Control", "no-store");
    resp->log_error = error;
}

/* The answer to a failed service call: 401 invalid_client, 429, or 500. */
static void auth_failure(const tz_extra_req *r, tz_extra_resp *resp, tz_error *e) {
    if (e->id == TZE_TOO_MANY_REQUESTS) {
        oauth_error(resp, 429, "too_many_requests");
        json_int_t wait = json_integer_value(json_object_get(e->details, "retryAfter"));
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)(wait > 0 ? wait : 1));
        tz_extra_add_header(resp, "Retry-After", v);
    } else if (tz_oauth_is_server_failure(e)) {
        oauth_error(resp, 500, "server_error");
    } else {
        const char *auth = tz_extra_header(r, "Authorization");
        bool bearer = auth && strncmp(auth, "Bearer ", 7) == 0;
        oauth_error(resp, 401, "invalid_client");
        tz_extra_add_header(resp, "WWW-Authenticate",
                            bearer ? "Bearer realm=\"tokenzone\", error=\"invalid_token\""
                                   : "Basic realm=\"tokenzone\"");
    }
    tz_err_free(e);
}

/* Authenticates the caller of introspection / revocation; false after replying. */
static bool authenticate(const tz_extra_req *r, tz_extra_resp *resp, params *p, tz_oauth_caller *caller) {
    tz_oauth_credentials cr = {.authorization = tz_extra_header(r, "Authorization")};
    if (!param(p, "client_id", &cr.form_client_id) || !param(p, "client_secret", &cr.form_client_secret)) {
        oauth_error(resp, 400, "invalid_request");
        return false;
    }
    tz_error *e = tz_oauth_authenticate(r->svc, &cr, r->peer_ip_known, r->peer_ip, caller);
    if (e) {
        auth_failure(r, resp, e);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- handlers */

static void introspect(const tz_extra_req *r, tz_extra_resp *resp) {
    params p;
    tz_oauth_caller caller;
    memset(&caller, 0, sizeof caller);
    if (!params_open(r, &p)) {
        oauth_error(resp, 400, "invalid_request");
        params_clear(&p);
        return;
    }
    if (!authenticate(r, resp, &p, &caller)) {
        params_clear(&p);
        return;
    }
    tz_introspect_params ip = {0};
    bool ok = param(&p, "token", &ip.token) && param(&p, "peer_ip", &ip.peer_ip) &&
              param(&p, "interface", &ip.interface) && param(&p, "service_token", &ip.service_token) &&
              param(&p, "consumer_token", &ip.consumer_token) &&
              param(&p, "allow_data_access_caveats", &ip.allow_data_access_caveats);
    /* Static context may also come in the endpoint URL's query string, for gateways that can
     * only send `token` (mod_oauth2): e.g. /oauth2/introspect?interface=rest. Never the token. */
    char q_iface[16], q_allow[8];
    if (ok && !ip.interface) {
        long n = tz_extra_query(r, "interface", q_iface, sizeof q_iface);
        if (n >= 0) ip.interface = q_iface;
        else if (n == -2) ok = false;
    }
    if (ok && !ip.allow_data_access_caveats) {
        long n = tz_extra_query(r, "allow_data_access_caveats", q_allow, sizeof q_allow);
        if (n >= 0) ip.allow_data_access_caveats = q_allow;
        else if (n == -2) ok = false;
    }
    if (!ok || !ip.token) {
        oauth_error(resp, 400, "invalid_request");
    } else {
        ip.token_len = strlen(ip.token);
        char *out = NULL;
        size_t out_len = 0;
        bool active = false;
        tz_error *e = tz_oauth_introspect(r->svc, &caller, &ip, &out, &out_len, &active);
        if (!e) {
            tz_extra_reply_owned(resp, 200, "application/json", out, out_len);
            out = NULL;
            tz_extra_add_header(resp, "Cache-Control", "no-store");
            if (!active) resp->log_error = "inactive";
        } else if (e->id == TZE_FORBIDDEN) {
            /* RFC 7662 §2.3: a bearer without the right to introspect gets a 401 */
            oauth_error(resp, 401, "insufficient_scope");
            tz_extra_add_header(resp, "WWW-Authenticate", "Bearer realm=\"tokenzone\", error=\"insufficient_scope\"");
            tz_err_free(e);
        } else if (e->id == TZE_BAD_DATA) {
            oauth_error(resp, 400, "invalid_request");
            tz_err_free(e);
        } else {
            oauth_error(resp, 500, "server_error");
            tz_err_free(e);
        }
        free(out);
    }
    tz_oauth_caller_clear(&caller);
    params_clear(&p);
}

static void revoke(const tz_extra_req *r, tz_extra_resp *resp) {
    params p;
    tz_oauth_caller caller;
    memset(&caller, 0, sizeof caller);
    if (!params_open(r, &p)) {
        oauth_error(resp, 400, "invalid_request");
        params_clear(&p);
        return;
    }
    if (!authenticate(r, resp, &p, &caller)) {
        params_clear(&p);
        return;
    }
    const char *token = NULL;
    if (!param(&p, "token", &token) || !token) {
        oauth_error(resp, 400, "invalid_request");
    } else {
        tz_revoke_outcome outcome;
        tz_error *e = tz_oauth_revoke(r->svc, &caller, token, strlen(token), &outcome);
        if (e) {
            tz_err_free(e);
            oauth_error(resp, 503, "temporarily_unavailable");
        } else if (outcome == TZ_REVOKE_UNSUPPORTED) {
            oauth_error(resp, 400, "unsupported_token_type");
        } else if (outcome == TZ_REVOKE_NOT_ALLOWED) {
            oauth_error(resp, 400, "unauthorized_client");
        } else {
            tz_extra_reply_copy(resp, 200, NULL, "", 0);
            tz_extra_add_header(resp, "Cache-Control", "no-store");
        }
    }
    tz_oauth_caller_clear(&caller);
    params_clear(&p);
}

/* A Host header usable in a URL: letters, digits and . - : [ ] only. */
static bool host_ok(const char *h) {
    if (!h || !*h || strlen(h) > 255) return false;
    for (const char *c = h; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr(".-:[]", *c)))
            return false;
    return true;
}

static void metadata(const tz_extra_req *r, tz_extra_resp *resp) {
    const char *host = tz_extra_header(r, "Host");
    const char *domain = tz_oauth_issuer(r->svc);
    char base[300], issuer[300], intro[340], rev[340];
    snprintf(base, sizeof base, "%s://%s", r->tls ? "https" : "http", host_ok(host) ? host : domain);
    snprintf(issuer, sizeof issuer, "https://%s", domain);
    snprintf(intro, sizeof intro, "%s%s", base, TZ_OAUTH_INTROSPECT_PATH);
    snprintf(rev, sizeof rev, "%s%s", base, TZ_OAUTH_REVOKE_PATH);
    json_t *b = json_pack("{s:s,s:s,s:[sss],s:s,s:[sss],s:[s]}", "issuer", issuer,
                          "introspection_endpoint", intro, "introspection_endpoint_auth_methods_supported",
                          "client_secret_basic", "client_secret_post", "bearer",
                          "revocation_endpoint", rev, "revocation_endpoint_auth_methods_supported",
                          "client_secret_basic", "client_secret_post", "bearer",
                          "grant_types_supported", "urn:onedata:tokens");
    if (b) tz_extra_reply_json(resp, 200, b);
    json_decref(b);
}

/* Copies a header value only when it is plain printable ASCII. */
static void add_safe_header(tz_extra_resp *resp, const char *name, const char *value) {
    for (const char *c = value; *c; c++)
        if (*c < 0x20 || *c > 0x7e) return;
    tz_extra_add_header(resp, name, value);
}

static void forward_auth(const tz_extra_req *r, tz_extra_resp *resp) {
    const char *auth = tz_extra_header(r, "Authorization");
    const char *token = auth && strncmp(auth, "Bearer ", 7) == 0 ? auth + 7 : tz_extra_header(r, "x-auth-token");
    tz_error *e = NULL;
    tz_forward_identity id;
    if (!token || !*token) e = tz_err_new(TZE_UNAUTHORIZED);
    else e = tz_oauth_forward_auth(r->svc, token, strlen(token), r->peer_ip_known, r->peer_ip,
                                   tz_extra_header(r, "X-Onedata-Interface"), &id);
    if (!e) {
        tz_extra_reply_copy(resp, 204, NULL, "", 0);
        add_safe_header(resp, "X-Token-Subject", id.subject);
        add_safe_header(resp, "X-Token-Id", id.token_id);
        if (id.username[0]) add_safe_header(resp, "X-Token-Username", id.username);
        tz_extra_add_header(resp, "Cache-Control", "no-store");
    } else if (tz_oauth_is_server_failure(e)) {
        tz_err_free(e);
        tz_extra_reply_copy(resp, 500, NULL, "", 0);
        resp->log_error = "server_error";
    } else {
        tz_err_free(e);
        tz_extra_reply_copy(resp, 401, NULL, "", 0);
        tz_extra_add_header(resp, "WWW-Authenticate", token ? "Bearer realm=\"tokenzone\", error=\"invalid_token\""
                                                            : "Bearer realm=\"tokenzone\"");
        resp->log_error = "invalid_token";
    }
}

bool tz_oauth_routes_append(tz_extra_route *routes, size_t *n, size_t cap) {
    if (cap - *n < TZ_OAUTH_N_ROUTES) return false;
    routes[(*n)++] = (tz_extra_route){TZ_OAUTH_INTROSPECT_PATH, false, "POST", introspect, NULL};
    routes[(*n)++] = (tz_extra_route){TZ_OAUTH_REVOKE_PATH, false, "POST", revoke, NULL};
    routes[(*n)++] = (tz_extra_route){TZ_OAUTH_METADATA_PATH, false, "GET", metadata, NULL};
    routes[(*n)++] = (tz_extra_route){TZ_FORWARD_AUTH_PATH, false, NULL, forward_auth, NULL};
    /* Envoy's ext_authz appends the original path to its path_prefix */
    routes[(*n)++] = (tz_extra_route){TZ_FORWARD_AUTH_PATH "/", true, NULL, forward_auth, NULL};
    return true;
}
