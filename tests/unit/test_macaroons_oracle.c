/* Cross-checks against Debian's libmacaroons, an independent implementation of the macaroon layer:
 * tokens minted here verify there with the raw secret, and macaroons made there parse, verify and
 * re-serialize byte for byte here. */
#include <stdlib.h>
#include <string.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <macaroons.h>
#pragma GCC diagnostic pop
#include "core/codec.h"
#include "core/token.h"
#include "harness.h"

static const char SECRET[] = "5f2b0c8e0d0a4e6f9c1d2b3a4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2";

static int accept_all(void *f, const unsigned char *pred, size_t pred_sz) {
    (void)f;
    (void)pred;
    (void)pred_sz;
    return 0;
}

/* Base62-unescapes a serialized token into a NUL-terminated base64 string (NULL on error). */
static char *to_base64(const char *token) {
    size_t n = strlen(token), m;
    char *out = malloc(n + 1);
    tz_error *e = tz_base62_unescape(token, n, out, &m);
    if (e) {
        tz_err_free(e);
        free(out);
        return NULL;
    }
    out[m] = 0;
    return out;
}

/* Verifies a serialized token with libmacaroons; returns macaroon_verify's result (0 = valid), or
 * -2 if libmacaroons cannot read it. Also checks the fields it exposes against t. */
static int oracle_verify(const char *token, const tz_token *t, const char *secret) {
    char *b64 = to_base64(token);
    if (!b64) return -2;
    enum macaroon_returncode err = MACAROON_SUCCESS;
    struct macaroon *m = macaroon_deserialize(b64, &err);
    free(b64);
    if (!m) return -2;
    const unsigned char *p;
    size_t n;
    macaroon_location(m, &p, &n);
    CHECK(t->domain && n == strlen(t->domain) && memcmp(p, t->domain, n) == 0);
    size_t idn;
    char *id = tz_token_identifier(t, &idn);
    macaroon_identifier(m, &p, &n);
    CHECK(id && n == idn && memcmp(p, id, n) == 0);
    free(id);
    macaroon_signature(m, &p, &n);
    CHECK(n == 32 && memcmp(p, t->signature, 32) == 0);
    struct macaroon_verifier *v = macaroon_verifier_create();
    macaroon_verifier_satisfy_general(v, accept_all, NULL, &err);
    int rc = macaroon_verify(v, m, (const unsigned char *)secret, strlen(secret), NULL, 0, &err);
    macaroon_verifier_destroy(v);
    macaroon_destroy(m);
    return rc;
}

static tz_token *mint(tz_token *proto, const char *const *cavs, size_t n) {
    tz_raw_caveat raw[16];
    for (size_t i = 0; i < n; i++) raw[i] = (tz_raw_caveat){(char *)(uintptr_t)cavs[i], strlen(cavs[i])};
    tz_token *t = NULL;
    tz_error *e = tz_token_create(proto, (const uint8_t *)SECRET, strlen(SECRET), raw, n, &t);
    CHECK(e == NULL);
    tz_err_free(e);
    return t;
}

static void check_minted(tz_token *proto, const char *const *cavs, size_t n) {
    tz_token *t = mint(proto, cavs, n);
    if (!t) return;
    char *s = NULL;
    tz_error *e = tz_token_serialize(t, &s, NULL);
    CHECK(e == NULL);
    tz_err_free(e);
    if (s) {
        CHECK_INT(oracle_verify(s, t, SECRET), 0);
        CHECK(oracle_verify(s, t, "wrong-secret") != 0);
        /* confined tokens verify too, with no secret involved in the confinement */
        tz_raw_caveat more = {"time < 4102444800", 17};
        tz_token *c = NULL;
        e = tz_token_confine(t, &more, 1, &c);
        tz_err_free(e);
        char *cs = NULL;
        if (c) {
            e = tz_token_serialize(c, &cs, NULL);
            tz_err_free(e);
        }
        CHECK(cs != NULL);
        if (cs) CHECK_INT(oracle_verify(cs, c, SECRET), 0);
        free(cs);
        tz_token_free(c);
    }
    free(s);
    tz_token_free(t);
}

static void test_minted_tokens_verify_in_libmacaroons(void) {
    const char *cav_sets[][4] = {
        {NULL},
        {"time < 4102444800", NULL},
        {"ip = 10.0.0.0/8", "interface = rest", "consumer = usr-*|grp-g", NULL},
        {"data.path = L3NwYWNlMS9maWxlMS50eHQ=", "api = ozw/get/user.*.*:*", "service = opw-*", "data.readonly"},
    };
    const size_t cav_counts[] = {0, 1, 3, 4};
    tz_token_type types[] = {
        {.kind = TZ_TT_ACCESS},
        {.kind = TZ_TT_ACCESS, .session_id = "sess:1"},
        {.kind = TZ_TT_IDENTITY},
        {.kind = TZ_TT_INVITE, .invite = TZ_INV_SUPPORT_SPACE, .target_id = "space1"},
        {.kind = TZ_TT_INVITE, .invite = TZ_INV_GROUP_JOIN_ATM_INVENTORY, .target_id = "inv"},
    };
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        for (size_t ci = 0; ci < 4; ci++) {
            tz_token p = {0};
            p.domain = "onezone.example.org";
            p.version = 2;
            p.named = ti % 2 == 0;
            p.generation = 3;
            p.subject = (tz_subject){ti == 2 ? TZ_SUBJ_PROVIDER : TZ_SUBJ_USER, TZ_PSUB_NONE, "subject-0_-x"};
            p.type = types[ti];
            p.id = "0a1b2c-token_id";
            check_minted(&p, cav_sets[ci], cav_counts[ci]);
        }
    }
    /* legacy identifier and an empty secret-independent edge: 30 KiB caveat */
    tz_token p = {0};
    p.domain = "z";
    p.version = 1;
    p.id = "legacy0id";
    check_minted(&p, NULL, 0);
    char *big = malloc(30001);
    memset(big, 'q', 30000);
    big[30000] = 0;
    const char *bigc[] = {big};
    p.version = 2;
    p.named = true;
    p.subject = (tz_subject){TZ_SUBJ_USER, TZ_PSUB_NONE, "u"};
    p.type.kind = TZ_TT_ACCESS;
    p.id = "x";
    check_minted(&p, bigc, 1);
    free(big);
}

/* Serializes a libmacaroons macaroon and base62-escapes it: the token text Onedata would send. */
static char *oracle_token(const struct macaroon *m) {
    enum macaroon_returncode err;
    size_t hint = macaroon_serialize_size_hint(m);
    char *b64 = malloc(hint + 1);
    if (macaroon_serialize(m, b64, hint + 1, &err) < 0) {
        free(b64);
        return NULL;
    }
    size_t n = strlen(b64);
    char *out = malloc(2 * n + 1);
    out[tz_base62_escape(b64, n, out)] = 0;
    free(b64);
    return out;
}

static void test_libmacaroons_tokens_verify_here(void) {
    const char *id = "2/tmp-12/usr-someone/act/tid-0_1";
    const char *loc = "zone.example.net";
    enum macaroon_returncode err;
    struct macaroon *m = macaroon_create((const unsigned char *)loc, strlen(loc), (const unsigned char *)SECRET,
                                         strlen(SECRET), (const unsigned char *)id, strlen(id), &err);
    CHECK(m != NULL);
    if (!m) return;
    const char *cavs[] = {"time < 4102444800", "time < 4102444801", "ip = 1.2.3.0/24"};
    for (size_t i = 0; i < 3; i++) {
        struct macaroon *n2 = macaroon_add_first_party_caveat(m, (const unsigned char *)cavs[i], strlen(cavs[i]), &err);
        macaroon_destroy(m);
        m = n2;
        CHECK(m != NULL);
        if (!m) return;
    }
    char *s = oracle_token(m);
    CHECK(s != NULL);
    tz_token *t = NULL;
    tz_error *e = s ? tz_token_deserialize(s, strlen(s), 0, &t) : NULL;
    CHECK(e == NULL && t != NULL);
    tz_err_free(e);
    if (t) {
        CHECK_STR(t->domain, loc);
        CHECK(t->version == 2 && !t->named && t->generation == 12 && t->n_caveats == 3);
        CHECK_STR(t->subject.id, "someone");
        tz_caveat_ctx ctx = {0};
        ctx.now = 1000;
        ctx.peer_ip_known = true;
        ctx.peer_ip = 0x01020309;
        tz_verify_result res;
        e = tz_token_verify(t, (const uint8_t *)SECRET, strlen(SECRET), &ctx, TZ_SESSION_ANY, NULL, &res);
        CHECK(e == NULL);
        if (e) fprintf(stderr, "verify: %s\n", tz_err_id_name(e->id));
        if (!e) tz_verify_result_clear(&res);
        tz_err_free(e);
        e = tz_token_verify(t, (const uint8_t *)"nope", 4, &ctx, TZ_SESSION_ANY, NULL, &res);
        CHECK(e && e->id == TZE_TOKEN_INVALID);
        tz_err_free(e);
        /* byte-identical serialization */
        char *again = NULL;
        e = tz_token_serialize(t, &again, NULL);
        tz_err_free(e);
        CHECK_STR(again, s);
        free(again);
        tz_token_free(t);
    }
    free(s);

    /* a third-party caveat: readable, never valid */
    const char *tp_loc = "https://auth.example", *tp_id = "tp-id";
    struct macaroon *m3 = macaroon_add_third_party_caveat(m, (const unsigned char *)tp_loc, strlen(tp_loc),
                                                          (const unsigned char *)"0123456789abcdef0123456789abcdef", 32,
                                                          (const unsigned char *)tp_id, strlen(tp_id), &err);
    CHECK(m3 != NULL);
    if (m3) {
        s = oracle_token(m3);
        t = NULL;
        e = s ? tz_token_deserialize(s, strlen(s), 0, &t) : NULL;
        CHECK(e == NULL && t && t->has_third_party_caveat && t->third_party_at == 3);
        tz_err_free(e);
        if (t) {
            tz_caveat_ctx ctx = {0};
            ctx.now = 1000;
            ctx.peer_ip_known = true;
            ctx.peer_ip = 0x01020309;
            tz_verify_result res;
            e = tz_token_verify(t, (const uint8_t *)SECRET, strlen(SECRET), &ctx, TZ_SESSION_ANY, NULL, &res);
            CHECK(e && e->id == TZE_TOKEN_INVALID);
            tz_err_free(e);
        }
        tz_token_free(t);
        free(s);
        macaroon_destroy(m3);
    }
    macaroon_destroy(m);
}

int main(void) {
    RUN(test_minted_tokens_verify_in_libmacaroons);
    RUN(test_libmacaroons_tokens_verify_here);
    return TEST_REPORT();
}
