/* Request authentication (rest-api §2): token headers, service and consumer tokens, Basic auth.
 * A credential that is present but bad never falls back to anonymous access. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64std.h"
#include "service/metrics.h"
#include "service/named_prefetch.h"
#include "service/password.h"
#include "service/service_internal.h"

#define BASIC_HEADER_MAX 4096

static tz_client *client_new(void) { return calloc(1, sizeof(tz_client)); }

void tz_client_free(tz_client *c) {
    if (!c) return;
    tz_subject_clear(&c->subject);
    svc_named_prefetch_free(c->prefetch);
    tz_caveats_free(c->caveats, c->n_caveats);
    free(c->log_id);
    free(c);
}

const char *tz_client_log_id(const tz_client *c) { return c && c->log_id ? c->log_id : "nobody"; }

/* The user's checks in Onezone's order: lookup, blocked, Basic auth allowed, password. */
static tz_error *check_password(tz_service_ctx *svc, const char *username, const char *password, size_t pwlen,
                                tz_user_rec *u) {
    tz_error *e = tz_store_user_get_by_username(svc->store, username, u);
    if (e) {
        if (e->id != TZE_STORE_NOT_FOUND) return e;
        tz_err_free(e);
        tz_password_verify_dummy(password, pwlen);   /* same cost as a wrong password */
        return tz_err_new(TZE_BAD_BASIC_CREDENTIALS);
    }
    if (u->blocked) return tz_err_new(TZE_USER_BLOCKED);
    if (!u->basic_auth_enabled || !u->password_hash) return tz_err_new(TZE_BASIC_AUTH_DISABLED);
    if (!tz_password_verify(u->password_hash, password, pwlen)) return tz_err_new(TZE_BAD_BASIC_CREDENTIALS);
    return NULL;
}

static tz_error *authenticate_basic(tz_service_ctx *svc, const char *header, bool peer_known, uint32_t peer,
                                    tz_client *c) {
    unsigned char buf[BASIC_HEADER_MAX / 4 * 3 + 1];
    size_t hlen = strlen(header), n = 0;
    while (hlen && header[hlen - 1] == ' ') hlen--;
    bool decoded = hlen <= BASIC_HEADER_MAX && tz_b64std_decode(header, hlen, buf, &n);
    unsigned char *colon = decoded && n > 0 ? memchr(buf, ':', n) : NULL;
    if (!colon) {
        OPENSSL_cleanse(buf, sizeof buf);
        return tz_err_new(TZE_BAD_BASIC_CREDENTIALS);
    }
    buf[n] = '\0';
    *colon = '\0';
    const char *username = (const char *)buf, *password = (const char *)colon + 1;
    size_t pwlen = n - (size_t)(colon + 1 - buf);
    tz_error *e = NULL;
    tz_user_rec u = {0};
    int64_t now = svc_now(svc), retry_after = 0;
    /* Loopback peers are local proxies or the operator's own tools: they share one address for
     * everyone behind them, so only their usernames are throttled, not the address. */
    if (peer_known && (peer >> 24) == 127 && !svc->throttle_loopback) peer_known = false;
    bool guessed = false; /* the outcome says whether the username/password pair was right */
    if (!svc->basic_auth_enabled) {
        e = tz_err_new(TZE_BASIC_AUTH_NOT_SUPPORTED);
    } else if (!tz_throttle_allowed(svc->throttle, username, peer_known, peer, now, &retry_after)) {
        /* refused before any lookup or hashing: a right guess inside the window reveals nothing */
        e = tz_err_new_details(TZE_TOO_MANY_REQUESTS, json_pack("{s:I}", "retryAfter", (json_int_t)retry_after));
    } else {
        guessed = true;
        e = check_password(svc, username, password, pwlen, &u);
    }
    if (!e) {
        c->subject.kind = TZ_SUBJ_USER;
        c->subject.id = strdup(u.id);
        if (!c->subject.id) e = tz_err_new(TZE_INTERNAL);
    }
    if (guessed && (!e || e->id == TZE_BAD_BASIC_CREDENTIALS))
        tz_throttle_record(svc->throttle, username, peer_known, peer, e == NULL, now);
    OPENSSL_cleanse(buf, sizeof buf);
    tz_user_rec_clear(&u);
    return e;
}

/* Reads an x-onedata-service-token / consumer token header value. Errors are the inner token
 * errors; the caller wraps them. */
static tz_error *header_token(tz_service_ctx *svc, const char *value, tz_token **out) {
    return tz_token_deserialize(value, strlen(value), svc->max_token_size, out);
}

static tz_error *authenticate_token(tz_service_ctx *svc, const tz_credentials *cr, const char *value, bool peer_known,
                                    uint32_t peer, tz_client *c) {
    tz_token *t = NULL;
    tz_subject service_subject = {0}, consumer = {0};
    tz_service service = {0};
    bool have_service = false, have_consumer = false;
    tz_error *e = tz_token_deserialize(value, strlen(value), svc->max_token_size, &t);
    if (!e && cr->service_token) {
        tz_token *st = NULL;
        e = header_token(svc, cr->service_token, &st);
        if (e) e = tz_err_wrap(TZE_BAD_SERVICE_TOKEN, NULL, e);
        else e = svc_verify_service_token(svc, st, peer_known, peer, TZ_IF_REST, &service_subject, &service);
        have_service = !e;
        tz_token_free(st);
    }
    if (!e && cr->consumer_token) {
        tz_token *ct = NULL;
        e = header_token(svc, cr->consumer_token, &ct);
        if (!e) e = svc_verify_identity_like(svc, ct, peer_known, peer, TZ_IF_REST, &consumer);
        if (e) e = tz_err_wrap(TZE_BAD_CONSUMER_TOKEN, NULL, e);
        have_consumer = !e;
        tz_token_free(ct);
    }
    if (!e && t->type.kind != TZ_TT_ACCESS)
        e = tz_err_new_details(TZE_NOT_AN_ACCESS_TOKEN, json_pack("{s:o}", "received", tz_token_type_to_json(&t->type)));
    if (!e) {
        svc_verify_args a = {
            .peer_ip_known = peer_known,
            .peer_ip = peer,
            .iface = TZ_IF_REST,
            .service = have_service ? &service : NULL,
            .consumer = have_consumer ? &consumer : NULL,
            .session_match = TZ_SESSION_UNDEFINED,
        };
        if (have_service && service.type == TZ_SVC_OP_PANEL) a.session_match = TZ_SESSION_ANY;
        else if (cr->session_cookie && t->type.session_id) {
            a.session_match = TZ_SESSION_VALUE;
            a.session_id = cr->session_cookie;
        } else if (t->type.session_id) {
            a.session_match = TZ_SESSION_UNDEFINED;
        }
        a.prefetch = svc_named_prefetch_for(cr->route_op, cr->route_token_id);
        tz_verify_result res;
        e = svc_verify_token(svc, t, &a, &c->subject, &res);
        if (!e) {
            c->caveats = res.caveats;
            c->n_caveats = res.n_caveats;
            c->prefetch = a.prefetch;
        } else {
            svc_named_prefetch_free(a.prefetch);
        }
    }
    tz_subject_clear(&service_subject);
    tz_subject_clear(&consumer);
    tz_token_free(t);
    return e;
}

tz_error *tz_service_authenticate(tz_service_ctx *svc, const tz_credentials *cr, bool peer_ip_known, uint32_t peer_ip,
                                  tz_client **out) {
    *out = NULL;
    tz_metrics_bind_thread(svc->metrics);
    tz_client *c = client_new();
    if (!c) return tz_err_new(TZE_INTERNAL);
    const char *token = cr->x_auth_token ? cr->x_auth_token : cr->bearer ? cr->bearer : cr->macaroon;
    tz_error *e = NULL;
    if (token) e = authenticate_token(svc, cr, token, peer_ip_known, peer_ip, c);
    else if (cr->basic) e = authenticate_basic(svc, cr->basic, peer_ip_known, peer_ip, c);
    if (e) {
        tz_client_free(c);
        /* a throttled attempt is not an authentication verdict: it gets its own 429 */
        return e->id == TZE_TOO_MANY_REQUESTS ? e : tz_err_wrap(TZE_UNAUTHORIZED, NULL, e);
    }
    svc_observe_client(svc, c, token, cr->basic != NULL);
    c->log_id = c->subject.kind == TZ_SUBJ_NOBODY ? strdup("nobody") : tz_subject_serialize(&c->subject);
    if (!c->log_id) {
        tz_client_free(c);
        return tz_err_new(TZE_INTERNAL);
    }
    *out = c;
    return NULL;
}
