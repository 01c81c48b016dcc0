/* Authentication of the callers of /oauth2/introspect and /oauth2/revoke (RFC 7662 §2.1,
 * RFC 6749 §2.3): introspection clients by client_secret_basic or client_secret_post, or a
 * Onedata subject by Bearer token or Basic username:password (through the service's own
 * authentication, so its throttle and caveat rules apply). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/b64std.h"
#include "service/oauth.h"
#include "service/service_internal.h"

#define BASIC_MAX 4096

void tz_oauth_caller_clear(tz_oauth_caller *c) {
    if (!c) return;
    free(c->subject);
    memset(c, 0, sizeof *c);
}

static int hexv(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* In-place form-urldecoding of a NUL-terminated string (RFC 6749 §2.3.1 encodes id and secret
 * before Basic). False on a malformed escape or a decoded NUL. */
static bool url_decode(char *s) {
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '+') {
            *o++ = ' ';
        } else if (*p == '%') {
            int hi = hexv(p[1]), lo = hi < 0 ? -1 : hexv(p[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
            *o++ = (char)(hi << 4 | lo);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return true;
}

static tz_error *as_client(tz_service_ctx *svc, const char *id, const char *secret, bool *found,
                           tz_oauth_caller *out) {
    bool ok = false, allow_revoke = false;
    *found = false;
    tz_error *e = tz_oauth_client_check(svc->store, id, secret, strlen(secret), &ok, &allow_revoke);
    if (e) return e;
    /* tz_oauth_client_check answers ok=false both for a wrong secret and an unknown id; an
     * unknown id may still be a username, which the caller then tries */
    if (!ok) {
        tz_oauth_client_rec r;
        tz_error *g = strlen(id) == TZ_ID_HEX_LEN ? tz_store_client_get(svc->store, id, &r) : tz_err_new(TZE_STORE_NOT_FOUND);
        if (!g) {
            *found = true;
            tz_oauth_client_rec_clear(&r);
            return tz_err_new(TZE_UNAUTHORIZED);
        }
        if (g->id != TZE_STORE_NOT_FOUND) return g;
        tz_err_free(g);
        return NULL;
    }
    *found = true;
    out->is_client = true;
    out->allow_revoke = allow_revoke;
    snprintf(out->log_id, sizeof out->log_id, "client:%s", id);
    return NULL;
}

/* A Onedata subject through the service's authentication (Bearer token or user Basic). */
static tz_error *as_subject(tz_service_ctx *svc, const tz_credentials *cr, bool peer_known, uint32_t peer,
                            tz_oauth_caller *out) {
    tz_client *c = NULL;
    tz_error *e = tz_service_authenticate(svc, cr, peer_known, peer, &c);
    if (e) {
        if (e->id == TZE_TOO_MANY_REQUESTS || tz_oauth_is_server_failure(e)) return e;
        tz_err_free(e);
        return tz_err_new(TZE_UNAUTHORIZED);
    }
    if (c->subject.kind != TZ_SUBJ_USER && c->subject.kind != TZ_SUBJ_PROVIDER) {
        tz_client_free(c);
        return tz_err_new(TZE_UNAUTHORIZED);
    }
    out->provider = c->subject.kind == TZ_SUBJ_PROVIDER;
    if (c->subject.kind == TZ_SUBJ_USER) {
        bool admin = false;
        e = tz_store_user_has_oz_privilege(svc->store, c->subject.id, "oz_tokens_manage", &admin);
        out->token_admin = !e && admin;
    }
    if (!e && !(out->subject = strdup(tz_client_log_id(c)))) e = tz_err_new(TZE_INTERNAL);
    if (!e) snprintf(out->log_id, sizeof out->log_id, "%s", out->subject);
    tz_client_free(c);
    return e;
}

static tz_error *basic(tz_service_ctx *svc, const char *value, bool peer_known, uint32_t peer,
                       tz_oauth_caller *out) {
    unsigned char buf[BASIC_MAX / 4 * 3 + 4];
    size_t len = strlen(value), n = 0;
    while (len && value[len - 1] == ' ') len--;
    if (len > BASIC_MAX || !tz_b64std_decode(value, len, buf, &n) || n == 0) return tz_err_new(TZE_UNAUTHORIZED);
    buf[n] = '\0';
    char *colon = memchr(buf, ':', n);
    tz_error *e = NULL;
    bool found = false;
    if (!colon || strlen((char *)buf) != n) {
        e = tz_err_new(TZE_UNAUTHORIZED);
    } else {
        /* a client id never needs decoding; decode copies so the user Basic below sees the
         * header exactly as sent */
        char id[TZ_ID_HEX_LEN * 3 + 1], secret[TZ_OAUTH_SECRET_LEN * 3 + 1];
        size_t id_len = (size_t)(colon - (char *)buf), sec_len = n - id_len - 1;
        if (id_len < sizeof id && sec_len < sizeof secret) {
            memcpy(id, buf, id_len);
            id[id_len] = '\0';
            memcpy(secret, colon + 1, sec_len);
            secret[sec_len] = '\0';
            if (url_decode(id) && url_decode(secret)) e = as_client(svc, id, secret, &found, out);
            OPENSSL_cleanse(secret, sizeof secret);
        }
    }
    OPENSSL_cleanse(buf, sizeof buf);
    if (e || found) return e;
    tz_credentials cr = {.basic = value};
    return as_subject(svc, &cr, peer_known, peer, out);
}

tz_error *tz_oauth_authenticate(tz_service_ctx *svc, const tz_oauth_credentials *cr, bool peer_known,
                                uint32_t peer, tz_oauth_caller *out) {
    memset(out, 0, sizeof *out);
    bool post = cr->form_client_id || cr->form_client_secret;
    const char *auth = cr->authorization;
    tz_error *e;
    /* RFC 6749 §2.3: one method per request */
    if (auth && post) {
        e = tz_err_new(TZE_UNAUTHORIZED);
    } else if (post) {
        bool found = false;
        if (!cr->form_client_id || !cr->form_client_secret) e = tz_err_new(TZE_UNAUTHORIZED);
        else e = as_client(svc, cr->form_client_id, cr->form_client_secret, &found, out);
        if (!e && !found) e = tz_err_new(TZE_UNAUTHORIZED);
    } else if (auth && strncmp(auth, "Basic ", 6) == 0) {
        e = basic(svc, auth + 6, peer_known, peer, out);
    } else if (auth && strncmp(auth, "Bearer ", 7) == 0 && auth[7]) {
        tz_credentials c = {.bearer = auth + 7};
        e = as_subject(svc, &c, peer_known, peer, out);
    } else {
        e = tz_err_new(TZE_UNAUTHORIZED);
    }
    if (e) tz_oauth_caller_clear(out);
    return e;
}
