/* The signature chain and token verification (token-format §4.3, §4.4, §7.1, §11). */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "core/caveat_internal.h"
#include "core/hmac.h"
#include "core/token.h"
#include "core/token_internal.h"

void tz_token_derive_key(const uint8_t *secret, size_t secret_len, uint8_t k0[32]) {
    tz_hmac_macaroon_root_key(secret, secret_len, k0);
}

void tz_token_chain(const uint8_t k0[32], tz_slice identifier, const tz_raw_caveat *caveats,
                    size_t n_caveats, uint8_t sig[TZ_SIGNATURE_LEN]) {
    memcpy(sig, k0, TZ_SIGNATURE_LEN);
    tz_hmac_chain_step(sig, identifier.ptr, identifier.len);
    tz_token_chain_extend(sig, caveats, n_caveats);
}

void tz_token_chain_extend(uint8_t sig[TZ_SIGNATURE_LEN], const tz_raw_caveat *caveats, size_t n) {
    for (size_t i = 0; i < n; i++)
        tz_hmac_chain_step(sig, (const uint8_t *)caveats[i].ptr, caveats[i].len);
}

/* The default supported caveat set of the token's type (§11). */
static uint32_t default_supported(const tz_token *t, const tz_caveat_ctx *ctx) {
    switch (t->type.kind) {
    case TZ_TT_ACCESS:
        return ctx->scope_identity ? TZ_CV_SET_ACCESS_LEGACY_IDENTITY : TZ_CV_SET_ACCESS;
    case TZ_TT_IDENTITY:
        return TZ_CV_SET_IDENTITY;
    case TZ_TT_INVITE:
        return TZ_CV_SET_INVITE;
    }
    return 0;
}

static bool session_ok(const tz_token *t, tz_session_match match, const char *session_id) {
    if (t->type.kind != TZ_TT_ACCESS || match == TZ_SESSION_ANY) return true;
    const char *want = match == TZ_SESSION_VALUE ? session_id : NULL;
    const char *have = t->type.session_id;
    if (!want || !have) return !want && !have;
    return strcmp(want, have) == 0;
}

static tz_error *unverified(const tz_caveat *c) {
    json_t *d = json_object();
    if (!d || json_object_set_new(d, "caveat", tz_caveat_to_json(c))) {
        json_decref(d);
        return tz_err_new(TZE_INTERNAL);
    }
    return tz_err_new_details(TZE_TOKEN_CAVEAT_UNVERIFIED, d);
}

tz_error *tz_token_verify_k0(const tz_token *t, const uint8_t k0[32], const tz_caveat_ctx *ctx,
                             tz_session_match session_match, const char *session_id,
                             tz_verify_result *res) {
    memset(res, 0, sizeof *res);
    static const tz_caveat_ctx empty_ctx;
    if (!ctx) ctx = &empty_ctx;
    uint32_t supported = ctx->supported ? ctx->supported : default_supported(t, ctx);
    /* A parsed token carries its identifier as received; a built one is serialized here. */
    size_t id_len = t->wire_identifier_len;
    char *built = t->wire_identifier ? NULL : tz_token_identifier(t, &id_len);
    const char *identifier = t->wire_identifier ? t->wire_identifier : built;
    /* One arena for the result: the pointer array and every parsed caveat (caveat_arena.c). */
    size_t hint = 256 + t->n_caveats * (sizeof(tz_caveat *) + sizeof(tz_caveat) + 64);
    for (size_t i = 0; i < t->n_caveats; i++) hint += 3 * t->caveats[i].len;
    tz_cv_arena *arena = t->n_caveats ? tz_cv_arena_new(hint) : NULL;
    tz_caveat **parsed = arena ? tz_cv_arena_alloc(arena, t->n_caveats * sizeof *parsed)
                               : calloc(1, sizeof *parsed);
    if (!identifier || !parsed) {
        free(built);
        if (arena) tz_cv_arena_free(arena);
        else free(parsed);
        return tz_err_new(TZE_INTERNAL);
    }
    if (arena) {
        memset(parsed, 0, t->n_caveats * sizeof *parsed);
        tz_cv_arena_set_array(arena, parsed);
    }
    uint8_t sig[TZ_SIGNATURE_LEN];
    memcpy(sig, k0, TZ_SIGNATURE_LEN);
    tz_hmac_chain_step(sig, (const uint8_t *)identifier, id_len);
    free(built);
    tz_error *e = NULL;
    size_t n = 0;
    /* Caveats are judged before the signature: a token with a wrong secret and a failing caveat
     * reports the caveat, as the reference does. */
    for (; n < t->n_caveats; n++) {
        if (t->has_third_party_caveat && n == t->third_party_at) {
            e = tz_err_new(TZE_TOKEN_INVALID);
            break;
        }
        const tz_raw_caveat *rc = &t->caveats[n];
        if ((e = tz_caveat_parse_in(arena, rc->ptr, rc->len, &parsed[n]))) break;
        if (!tz_caveat_verify(parsed[n], ctx, supported)) {
            e = unverified(parsed[n]);
            break;
        }
        tz_hmac_chain_step(sig, (const uint8_t *)rc->ptr, rc->len);
    }
    if (!e && t->has_third_party_caveat) e = tz_err_new(TZE_TOKEN_INVALID);
    if (!e && (!t->signature_valid_len || CRYPTO_memcmp(sig, t->signature, TZ_SIGNATURE_LEN) != 0))
        e = tz_err_new(TZE_TOKEN_INVALID);
    if (!e && !session_ok(t, session_match, session_id)) e = tz_err_new(TZE_TOKEN_SESSION_INVALID);
    OPENSSL_cleanse(sig, sizeof sig);
    if (e) {
        if (arena) tz_cv_arena_free(arena);
        else free(parsed);
        return e;
    }
    res->caveats = parsed;
    res->n_caveats = t->n_caveats;
    return NULL;
}

tz_error *tz_token_verify(const tz_token *t, const uint8_t *secret, size_t secret_len,
                          const tz_caveat_ctx *ctx, tz_session_match session_match,
                          const char *session_id, tz_verify_result *res) {
    uint8_t k0[32];
    tz_token_derive_key(secret, secret_len, k0);
    tz_error *e = tz_token_verify_k0(t, k0, ctx, session_match, session_id, res);
    OPENSSL_cleanse(k0, sizeof k0);
    return e;
}

void tz_verify_result_clear(tz_verify_result *res) {
    tz_caveats_free(res->caveats, res->n_caveats);
    res->caveats = NULL;
    res->n_caveats = 0;
}
