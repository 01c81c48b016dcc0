/* Verification of one caveat against a context (token-format §10.2-§10.13, §11). Anything the
 * context cannot establish (unknown peer IP, missing database or callback, failed lookup) makes
 * the caveat unverified. */
#include "core/caveat_internal.h"

#include <string.h>

static bool text_equals(const char *a, size_t alen, const char *b) {
    return b && strlen(b) == alen && memcmp(a, b, alen) == 0;
}

static bool verify_ip(const tz_caveat *c, const tz_caveat_ctx *ctx) {
    if (!ctx->peer_ip_known) return false;
    for (size_t i = 0; i < c->n; i++) {
        uint8_t len = c->masks[i].len;
        if (len == 0) return true;
        uint32_t mask = len == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> len);
        if ((ctx->peer_ip & mask) == (c->masks[i].addr & mask)) return true;
    }
    return false;
}

static bool verify_asn(const tz_caveat *c, const tz_caveat_ctx *ctx) {
    int64_t asn;
    if (!ctx->peer_ip_known || !ctx->geo || !ctx->geo->asn || !ctx->geo->asn(ctx->geo->ud, ctx->peer_ip, &asn))
        return false;
    for (size_t i = 0; i < c->n; i++)
        if (c->asns[i] == asn) return true;
    return false;
}

static bool verify_country(const tz_caveat *c, const tz_caveat_ctx *ctx) {
    char code[3] = {0};
    if (!ctx->peer_ip_known || !ctx->geo || !ctx->geo->country ||
        !ctx->geo->country(ctx->geo->ud, ctx->peer_ip, code))
        return false;
    code[2] = '\0';
    bool listed = false;
    for (size_t i = 0; i < c->n && !listed; i++) listed = text_equals(c->elems[i].ptr, c->elems[i].len, code);
    return c->blacklist ? !listed : listed;
}

static bool verify_region(const tz_caveat *c, const tz_caveat_ctx *ctx) {
    const char *regions[2] = {NULL, NULL};
    size_t n = 0;
    if (!ctx->peer_ip_known || !ctx->geo || !ctx->geo->regions ||
        !ctx->geo->regions(ctx->geo->ud, ctx->peer_ip, regions, &n))
        return false;
    if (n > 2) n = 2;
    bool listed = false;
    for (size_t i = 0; i < c->n && !listed; i++)
        for (size_t r = 0; r < n && !listed; r++) listed = text_equals(c->elems[i].ptr, c->elems[i].len, regions[r]);
    return c->blacklist ? !listed : listed;
}

static bool verify_service(const tz_caveat *c, const tz_caveat_ctx *ctx) {
    if (!ctx->service) return false;
    for (size_t i = 0; i < c->n; i++) {
        if (c->services[i].type != ctx->service->type) continue;
        const char *id = c->services[i].id;
        size_t len = c->service_id_lens[i];
        if ((len == 1 && id[0] == '*') || text_equals(id, len, ctx->service->id)) return true;
    }
    return false;
}

static bool verify_consumer(const tz_caveat *c, const tz_caveat_ctx *ctx) {
    const tz_subject *who = ctx->consumer;
    for (size_t i = 0; i < c->n; i++) {
        const tz_cv_subject *s = &c->subjects[i];
        switch (s->kind) {
        case TZ_SUBJ_GROUP:
            /* `grp-*` is no wildcard: "*" goes to the callback like any group id. An id holding a
             * NUL byte cannot be passed as a C string and never matches. */
            if (ctx->group_member && !memchr(s->id.ptr, '\0', s->id.len) &&
                ctx->group_member(ctx->group_ud, who, s->id.ptr))
                return true;
            break;
        case TZ_SUBJ_NOBODY:
            if (who && who->kind == TZ_SUBJ_NOBODY) return true;
            break;
        default:
            if (!who || who->kind != s->kind) break;
            if ((s->id.len == 1 && s->id.ptr[0] == '*') || text_equals(s->id.ptr, s->id.len, who->id)) return true;
            break;
        }
    }
    return false;
}

bool tz_caveat_verify(const tz_caveat *c, const tz_caveat_ctx *ctx, uint32_t supported) {
    if (!c || !ctx || !(supported & TZ_CV_BIT(c->type))) return false;
    if (ctx->ignored & TZ_CV_BIT(c->type)) return true;
    switch (c->type) {
    case TZ_CV_TIME: return ctx->now < c->valid_until;
    case TZ_CV_IP: return verify_ip(c, ctx);
    case TZ_CV_ASN: return verify_asn(c, ctx);
    case TZ_CV_GEO_COUNTRY: return verify_country(c, ctx);
    case TZ_CV_GEO_REGION: return verify_region(c, ctx);
    case TZ_CV_SCOPE: return ctx->scope_identity;
    case TZ_CV_SERVICE: return verify_service(c, ctx);
    case TZ_CV_CONSUMER: return verify_consumer(c, ctx);
    case TZ_CV_INTERFACE: return ctx->iface != TZ_IF_UNKNOWN && ctx->iface == c->iface;
    case TZ_CV_API: return true; /* lazy: checked when the auth is used (§12) */
    case TZ_CV_DATA_READONLY:
    case TZ_CV_DATA_PATH:
    case TZ_CV_DATA_OBJECTID: return ctx->allow_data_access;
    case TZ_CV__COUNT: break;
    }
    return false;
}
