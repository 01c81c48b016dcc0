/* The published ctool compatibility vectors V1, V3, V5 (token-format §15): constructed tokens
 * serialize byte for byte, and the expected strings deserialize to equal tokens that serialize
 * back to themselves. */
#include <stdlib.h>
#include <string.h>
#include "core/token.h"
#include "harness.h"
#include "token_vectors.h"

/* ACCESS_TOKEN_CAVEATS of §15 as wire strings, in order. */
static const char *const access_caveats[] = {
    "time < 8374891234",
    "ip = 172.98.11.23/32",
    "asn = 322",
    "geo.country = PL|FR",
    "geo.region = Asia|EU",
    "authorization = none",
    "service = ozw-onezone",
    "consumer = usr-user-id|grp-group-id",
    "interface = graphsync",
    "api = all/all/*.*.*:*",
    "data.readonly",
    "data.path = L3NwYWNlMS9maWxlMS50eHQ=|L3NwYWNlMi9kaXIvZmlsZTIudHh0",
    "data.objectid = 00000000000CDBDA677569642331323323616263",
};

static const char *const identity_caveats[] = {
    "geo.region = Africa", "interface = rest", "time < 8374891234", "geo.country = DE|PT",
    "asn = 322", "consumer = usr-user-id|grp-group-id", "ip = 172.98.11.23/32",
};

struct vector {
    const char *name, *expected, *secret, *identifier, *signature_hex;
    size_t length;
    tz_token proto;
    const char *const *caveats;
    size_t n_caveats;
};

static void hex(const uint8_t *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
}

static bool opt_eq(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_equal(const tz_token *a, const tz_token *b) {
    CHECK(opt_eq(a->domain, b->domain));
    CHECK_INT(a->version, b->version);
    CHECK_INT(a->named, b->named);
    CHECK_INT(a->generation, b->generation);
    CHECK(tz_subject_equal(&a->subject, &b->subject));
    CHECK_INT(a->subject.subtype, b->subject.subtype);
    CHECK_INT(a->type.kind, b->type.kind);
    CHECK(opt_eq(a->type.session_id, b->type.session_id));
    CHECK(opt_eq(a->type.target_id, b->type.target_id));
    if (a->type.kind == TZ_TT_INVITE) CHECK_INT(a->type.invite, b->type.invite);
    CHECK(opt_eq(a->id, b->id));
    CHECK_INT(a->n_caveats, b->n_caveats);
    for (size_t i = 0; i < a->n_caveats && i < b->n_caveats; i++)
        CHECK(a->caveats[i].len == b->caveats[i].len &&
              memcmp(a->caveats[i].ptr, b->caveats[i].ptr, a->caveats[i].len) == 0);
    CHECK(a->signature_valid_len && b->signature_valid_len);
    CHECK(memcmp(a->signature, b->signature, TZ_SIGNATURE_LEN) == 0);
    CHECK(!a->has_third_party_caveat && !b->has_third_party_caveat);
    CHECK(!a->raw_identifier && !b->raw_identifier);
}

static void run_vector(const struct vector *v) {
    CHECK_INT(strlen(v->expected), v->length);
    tz_raw_caveat raw[16];
    for (size_t i = 0; i < v->n_caveats; i++)
        raw[i] = (tz_raw_caveat){(char *)(uintptr_t)v->caveats[i], strlen(v->caveats[i])};
    tz_token *built = NULL, *parsed = NULL;
    tz_error *e = tz_token_create(&v->proto, (const uint8_t *)v->secret, strlen(v->secret), raw,
                                  v->n_caveats, &built);
    CHECK(e == NULL);
    tz_err_free(e);
    if (!built) return;
    char sig[65];
    hex(built->signature, 32, sig);
    CHECK_STR(sig, v->signature_hex);
    size_t id_len;
    char *identifier = tz_token_identifier(built, &id_len);
    CHECK_STR(identifier, v->identifier);
    free(identifier);
    char *s = NULL;
    size_t len = 0;
    e = tz_token_serialize(built, &s, &len);
    CHECK(e == NULL);
    tz_err_free(e);
    CHECK_STR(s, v->expected);
    CHECK_INT(len, v->length);
    free(s);

    e = tz_token_deserialize(v->expected, strlen(v->expected), 0, &parsed);
    CHECK(e == NULL);
    tz_err_free(e);
    if (parsed) {
        check_equal(built, parsed);
        s = NULL;
        e = tz_token_serialize(parsed, &s, &len);
        CHECK(e == NULL);
        tz_err_free(e);
        CHECK_STR(s, v->expected);
        free(s);
        /* the secret verifies the signature; a neighbour does not (no caveat checks here) */
        tz_caveat_ctx ctx = {0};
        ctx.supported = TZ_CV_ALL;
        ctx.ignored = TZ_CV_ALL;
        tz_verify_result res;
        e = tz_token_verify(parsed, (const uint8_t *)v->secret, strlen(v->secret), &ctx, TZ_SESSION_ANY,
                            NULL, &res);
        CHECK(e == NULL);
        tz_err_free(e);
        if (!e) {
            CHECK_INT(res.n_caveats, v->n_caveats);
            tz_verify_result_clear(&res);
        }
        e = tz_token_verify(parsed, (const uint8_t *)"verySecretSecret0", 17, &ctx, TZ_SESSION_ANY, NULL, &res);
        CHECK(e && e->id == TZE_TOKEN_INVALID);
        tz_err_free(e);
    }
    tz_token_free(parsed);
    tz_token_free(built);
}

static void test_v1_access_token(void) {
    struct vector v = {
        .name = "V1", .expected = V1, .secret = "verySecretSecret1", .length = 823,
        .identifier = "2/tmp-7/usr-uid/act:sessId/1234567890example-id1234567890a",
        .signature_hex = "5ce372d2268dd85e8a721ab5ec0413aa99c65b90a17eb79131d80446c285592c",
        .caveats = access_caveats, .n_caveats = 13,
    };
    v.proto.domain = "domain.example.com";
    v.proto.version = 2;
    v.proto.named = false;
    v.proto.generation = 7;
    v.proto.subject = (tz_subject){TZ_SUBJ_USER, TZ_PSUB_NONE, "uid"};
    v.proto.type = (tz_token_type){.kind = TZ_TT_ACCESS, .session_id = "sessId"};
    v.proto.id = "1234567890example-id1234567890a";
    run_vector(&v);
}

static void test_v3_identity_token(void) {
    struct vector v = {
        .name = "V3", .expected = V3, .secret = "verySecretSecret3", .length = 462,
        .identifier = "2/nmd/prv-pid/idn/1234567890example-id1234567890c",
        .signature_hex = "78780ecb5971f7a2e64b50e627c5458b34fa5abb002d08b32b5a743d09c99d85",
        .caveats = identity_caveats, .n_caveats = 7,
    };
    v.proto.domain = "domain.example.com";
    v.proto.version = 2;
    v.proto.named = true;
    v.proto.subject = (tz_subject){TZ_SUBJ_PROVIDER, TZ_PSUB_NONE, "pid"};
    v.proto.type = (tz_token_type){.kind = TZ_TT_IDENTITY};
    v.proto.id = "1234567890example-id1234567890c";
    run_vector(&v);
}

static void test_v5_invite_token(void) {
    struct vector v = {
        .name = "V5", .expected = V5, .secret = "verySecretSecret5", .length = 227,
        .identifier = "2/nmd/usr-invitation-sender/ujg:GroupId:/1234567890example-id1234567890e",
        .signature_hex = "87ecc94a7bdecaecae541c4a5353f9d46fc00defb0c1a7b62cdbfd2724138077",
        .caveats = NULL, .n_caveats = 0,
    };
    v.proto.domain = "domain.example.com";
    v.proto.version = 2;
    v.proto.named = true;
    v.proto.subject = (tz_subject){TZ_SUBJ_USER, TZ_PSUB_NONE, "invitation-sender"};
    v.proto.type = (tz_token_type){.kind = TZ_TT_INVITE, .invite = TZ_INV_USER_JOIN_GROUP, .target_id = "GroupId"};
    v.proto.id = "1234567890example-id1234567890e";
    run_vector(&v);
}

/* V1's caveats in JSON (as examine shows them) convert back to the same wire strings, so a token
 * minted from the JSON form reproduces the vector. */
static void test_v1_from_json(void) {
    tz_token *t = NULL;
    tz_error *e = tz_token_deserialize(V1, strlen(V1), 0, &t);
    CHECK(e == NULL);
    tz_err_free(e);
    if (!t) return;
    json_t *ex = NULL;
    e = tz_token_examine_json(t, &ex);
    CHECK(e == NULL);
    tz_err_free(e);
    if (ex) {
        CHECK_STR(json_string_value(json_object_get(ex, "onezoneDomain")), "domain.example.com");
        CHECK_STR(json_string_value(json_object_get(ex, "persistence")), "temporary");
        json_t *arr = json_object_get(ex, "caveats");
        CHECK_INT(json_array_size(arr), 13);
        tz_caveat **cs = NULL;
        size_t n = 0;
        e = tz_caveats_from_json(arr, "caveats", &cs, &n);
        CHECK(e == NULL);
        tz_err_free(e);
        CHECK_INT(n, 13);
        tz_raw_caveat raw[13];
        for (size_t i = 0; i < n && i < 13; i++) {
            raw[i].ptr = tz_caveat_serialize(cs[i], &raw[i].len);
            CHECK_STR(raw[i].ptr, access_caveats[i]);
        }
        if (n == 13) {
            tz_token *again = NULL;
            e = tz_token_create(t, (const uint8_t *)"verySecretSecret1", 17, raw, 13, &again);
            CHECK(e == NULL);
            tz_err_free(e);
            char *s = NULL;
            if (again) {
                e = tz_token_serialize(again, &s, NULL);
                tz_err_free(e);
            }
            CHECK_STR(s, V1);
            free(s);
            tz_token_free(again);
        }
        for (size_t i = 0; i < n && i < 13; i++) free(raw[i].ptr);
        tz_caveats_free(cs, n);
    }
    json_decref(ex);
    tz_token_free(t);
}

static bool geo_asn(void *ud, uint32_t ip, int64_t *asn) {
    (void)ud;
    (void)ip;
    *asn = 322;
    return true;
}
static bool geo_country(void *ud, uint32_t ip, char code[3]) {
    (void)ud;
    (void)ip;
    memcpy(code, "PL", 3);
    return true;
}
static bool geo_regions(void *ud, uint32_t ip, const char *regions[2], size_t *n) {
    (void)ud;
    (void)ip;
    regions[0] = "Asia";
    regions[1] = "EU";
    *n = 2;
    return true;
}

/* V1 passes a full check when the context satisfies all 13 caveats, and each missing piece of
 * context makes exactly its caveat fail. */
static void test_v1_full_verification(void) {
    tz_token *t = NULL;
    tz_error *e = tz_token_deserialize(V1, strlen(V1), 0, &t);
    tz_err_free(e);
    if (!t) {
        CHECK(t != NULL);
        return;
    }
    tz_geo_lookup geo = {NULL, geo_asn, geo_country, geo_regions};
    tz_service svc = {TZ_SVC_OZ_WORKER, "onezone"};
    tz_subject consumer = {TZ_SUBJ_USER, TZ_PSUB_NONE, "user-id"};
    tz_caveat_ctx ctx = {0};
    ctx.now = 8374891233;
    ctx.peer_ip_known = true;
    ctx.peer_ip = 172u << 24 | 98u << 16 | 11u << 8 | 23u;
    ctx.iface = TZ_IF_GRAPHSYNC;
    ctx.service = &svc;
    ctx.consumer = &consumer;
    ctx.geo = &geo;
    ctx.allow_data_access = true;
    ctx.scope_identity = true;
    ctx.supported = TZ_CV_ALL;
    tz_verify_result res;
    e = tz_token_verify(t, (const uint8_t *)"verySecretSecret1", 17, &ctx, TZ_SESSION_VALUE, "sessId", &res);
    CHECK(e == NULL);
    if (e) {
        json_t *b = tz_err_body(e);
        char *s = json_dumps(b, 0);
        fprintf(stderr, "V1 verification: %s\n", s);
        free(s);
        json_decref(b);
    }
    tz_err_free(e);
    if (!e) {
        CHECK_INT(res.n_caveats, 13);
        tz_verify_result_clear(&res);
    }
    /* expired: the time caveat is reported */
    ctx.now = 8374891234;
    e = tz_token_verify(t, (const uint8_t *)"verySecretSecret1", 17, &ctx, TZ_SESSION_ANY, NULL, &res);
    CHECK(e && e->id == TZE_TOKEN_CAVEAT_UNVERIFIED);
    if (e && e->details) {
        json_t *c = json_object_get(e->details, "caveat");
        CHECK_STR(json_string_value(json_object_get(c, "type")), "time");
    }
    tz_err_free(e);
    /* default access set: the legacy scope caveat is not supported */
    ctx.now = 0;
    ctx.supported = 0;
    ctx.scope_identity = false;
    e = tz_token_verify(t, (const uint8_t *)"verySecretSecret1", 17, &ctx, TZ_SESSION_ANY, NULL, &res);
    CHECK(e && e->id == TZE_TOKEN_CAVEAT_UNVERIFIED);
    if (e && e->details) {
        json_t *c = json_object_get(e->details, "caveat");
        CHECK_STR(json_string_value(json_object_get(c, "scope")), "identityToken");
    }
    tz_err_free(e);
    /* session binding is checked last */
    ctx.supported = TZ_CV_ALL;
    ctx.scope_identity = true;
    e = tz_token_verify(t, (const uint8_t *)"verySecretSecret1", 17, &ctx, TZ_SESSION_VALUE, "other", &res);
    CHECK(e && e->id == TZE_TOKEN_SESSION_INVALID);
    tz_err_free(e);
    tz_token_free(t);
}

int main(void) {
    RUN(test_v1_access_token);
    RUN(test_v3_identity_token);
    RUN(test_v5_invite_token);
    RUN(test_v1_from_json);
    RUN(test_v1_full_verification);
    return TEST_REPORT();
}
