/* Tokens: identifiers (v2 and legacy), types in wire and JSON form, prefixes, the size limit,
 * construction, confinement, examine and the verification order. */
#include <stdlib.h>
#include <string.h>
#include "core/codec.h"
#include "core/hmac.h"
#include "core/macaroon.h"
#include "core/token.h"
#include "harness.h"

static void expect_ok(tz_error *e, int line) {
    if (e) {
        fprintf(stderr, "line %d: unexpected error %s\n", line, tz_err_id_name(e->id));
        tz_test_cur_failures++;
    }
    tz_err_free(e);
}
#define EXPECT_OK(call) expect_ok((call), __LINE__)

static const uint8_t SECRET[] = "a-secret-of-the-zone";
#define SECRET_LEN (sizeof SECRET - 1)

/* ---- helpers: crafting tokens packet by packet, to reach inputs the creator refuses ---- */

/* Encodes macaroon packet bytes as a token string (base64url + base62). Caller frees. */
static char *encode_packets(const uint8_t *p, size_t n) {
    size_t bl = tz_b64url_encoded_len(n);
    char *b = malloc(bl + 1), *out = malloc(2 * bl + 1);
    tz_b64url_encode(p, n, b);
    out[tz_base62_escape(b, bl, out)] = 0;
    free(b);
    return out;
}

static size_t put(uint8_t *buf, const char *key, const void *v, size_t vlen) {
    size_t n = 4 + strlen(key) + 1 + vlen + 1;
    char hdr[5];
    snprintf(hdr, sizeof hdr, "%04x", (unsigned)n);
    memcpy(buf, hdr, 4);
    memcpy(buf + 4, key, strlen(key));
    buf[4 + strlen(key)] = ' ';
    if (vlen) memcpy(buf + 5 + strlen(key), v, vlen);
    buf[n - 1] = '\n';
    return n;
}

/* A token with any identifier (identifier of id_len bytes), signed with SECRET over the given
 * caveats. location NULL = no location packet. */
static char *craft_n(const char *location, const char *identifier, size_t id_len, const char *const *cavs,
                     size_t n) {
    uint8_t k0[32], sig[32];
    tz_token_derive_key(SECRET, SECRET_LEN, k0);
    tz_hmac_sha256(k0, 32, (const uint8_t *)identifier, id_len, sig);
    static uint8_t buf[1 << 16];
    size_t o = 0;
    if (location) o += put(buf + o, "location", location, strlen(location));
    o += put(buf + o, "identifier", identifier, id_len);
    for (size_t i = 0; i < n; i++) {
        o += put(buf + o, "cid", cavs[i], strlen(cavs[i]));
        tz_hmac_sha256(sig, 32, (const uint8_t *)cavs[i], strlen(cavs[i]), sig);
    }
    o += put(buf + o, "signature", sig, 32);
    return encode_packets(buf, o);
}
static char *craft(const char *identifier, const char *const *cavs, size_t n) {
    return craft_n("zone.example", identifier, strlen(identifier), cavs, n);
}

static tz_token *parse_ok(const char *s, int line) {
    tz_token *t = NULL;
    tz_error *e = tz_token_deserialize(s, strlen(s), 0, &t);
    if (e) {
        fprintf(stderr, "line %d: deserialize failed: %s\n", line, tz_err_id_name(e->id));
        tz_test_cur_failures++;
        tz_err_free(e);
    }
    return t;
}
#define PARSE_OK(s) parse_ok((s), __LINE__)

static tz_token *parse_identifier(const char *identifier) {
    char *s = craft(identifier, NULL, 0);
    tz_token *t = NULL;
    tz_error *e = tz_token_deserialize(s, strlen(s), 0, &t);
    tz_err_free(e);
    free(s);
    return t;
}

static tz_error *verify_now(const tz_token *t, const uint8_t *secret, size_t len, int64_t now) {
    tz_caveat_ctx ctx = {0};
    ctx.now = now;
    tz_verify_result res;
    tz_error *e = tz_token_verify(t, secret, len, &ctx, TZ_SESSION_ANY, NULL, &res);
    if (!e) tz_verify_result_clear(&res);
    return e;
}

/* Serializes t and returns the string (NULL on error). */
static char *ser(const tz_token *t) {
    char *s = NULL;
    tz_error *e = tz_token_serialize(t, &s, NULL);
    tz_err_free(e);
    return s;
}

static tz_token proto_user(const char *uid, const char *id) {
    tz_token p = {0};
    p.domain = "zone.example";
    p.version = 2;
    p.named = true;
    p.subject = (tz_subject){TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)(uintptr_t)uid};
    p.type.kind = TZ_TT_ACCESS;
    p.id = (char *)(uintptr_t)id;
    return p;
}

static tz_token *mint(const tz_token *proto, const char *const *cavs, size_t n) {
    tz_raw_caveat raw[8];
    for (size_t i = 0; i < n; i++) raw[i] = (tz_raw_caveat){(char *)(uintptr_t)cavs[i], strlen(cavs[i])};
    tz_token *t = NULL;
    tz_error *e = tz_token_create(proto, SECRET, SECRET_LEN, raw, n, &t);
    CHECK(e == NULL);
    tz_err_free(e);
    return t;
}

/* ---- identifier ---- */

static void test_identifier_v2(void) {
    tz_token *t = parse_identifier("2/nmd/usr-u1/act/id1");
    CHECK(t && t->version == 2 && t->named && t->subject.kind == TZ_SUBJ_USER);
    if (t) {
        CHECK_STR(t->subject.id, "u1");
        CHECK_STR(t->id, "id1");
        CHECK(t->type.kind == TZ_TT_ACCESS && !t->type.session_id && !t->raw_identifier);
        CHECK_STR(t->domain, "zone.example");
    }
    tz_token_free(t);
    t = parse_identifier("2/tmp-42/prv-p1/idn/x");
    CHECK(t && !t->named && t->generation == 42 && t->subject.kind == TZ_SUBJ_PROVIDER &&
          t->type.kind == TZ_TT_IDENTITY && !t->raw_identifier);
    tz_token_free(t);
    t = parse_identifier("2/tmp--3/usr-u/act/x");
    CHECK(t && !t->named && t->generation == -3 && !t->raw_identifier);
    tz_token_free(t);
    t = parse_identifier("2/tmp-9223372036854775807/usr-u/act/x");
    CHECK(t && t->generation == INT64_MAX);
    tz_token_free(t);
    /* deserialization accepts subjects construction refuses */
    t = parse_identifier("2/nmd/nobody/act/x");
    CHECK(t && t->subject.kind == TZ_SUBJ_NOBODY && !t->subject.id);
    tz_token_free(t);
    t = parse_identifier("2/nmd/grp-g/act/x");
    CHECK(t && t->subject.kind == TZ_SUBJ_GROUP);
    tz_token_free(t);
    t = parse_identifier("2/nmd/usr-/act/");
    CHECK(t && t->subject.id && !*t->subject.id && t->id && !*t->id);
    tz_token_free(t);
    t = parse_identifier("2/nmd/usr-a-b/act:s:1/x");
    CHECK(t && t->type.session_id);
    if (t && t->type.session_id) CHECK_STR(t->type.session_id, "s:1");
    if (t) CHECK_STR(t->subject.id, "a-b");
    tz_token_free(t);
    t = parse_identifier("2/nmd/usr-u/ssp:Sp:ge/x");
    CHECK(t && t->type.kind == TZ_TT_INVITE && t->type.invite == TZ_INV_SUPPORT_SPACE && !t->raw_identifier);
    if (t) CHECK_STR(t->type.target_id, "Sp");
    tz_token_free(t);
}

/* Identifiers Onezone accepts but would not write keep their bytes, so the signature holds. */
static void test_identifier_noncanonical(void) {
    const char *ids[] = {"02/nmd/usr-u/act/x", "+2/nmd/usr-u/act/x", "2/tmp-+7/usr-u/act/x",
                         "2/tmp-007/usr-u/act/x", "2/nmd/usr-u/ujs:S:junk/x", "2/nmd/usr-u/ssp:S:/x",
                         "0002/nmd/usr-u/act/x"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const char *cav[] = {"time < 100"};
        char *s = craft(ids[i], cav, 1);
        tz_token *t = PARSE_OK(s);
        CHECK(t && t->version == 2 && t->raw_identifier);
        if (!t) {
            free(s);
            continue;
        }
        CHECK_STR(t->raw_identifier, ids[i]);
        size_t n;
        char *idf = tz_token_identifier(t, &n);
        CHECK_STR(idf, ids[i]);
        CHECK_INT(n, strlen(ids[i]));
        free(idf);
        char *again = ser(t);
        CHECK_STR(again, s);
        free(again);
        EXPECT_OK(verify_now(t, SECRET, SECRET_LEN, 1));
        const char *more[] = {"time < 50"};
        tz_raw_caveat raw = {(char *)(uintptr_t)more[0], strlen(more[0])};
        tz_token *c = NULL;
        EXPECT_OK(tz_token_confine(t, &raw, 1, &c));
        if (c) {
            CHECK_STR(c->raw_identifier, ids[i]);
            EXPECT_OK(verify_now(c, SECRET, SECRET_LEN, 1));
            char *cs = ser(c);
            tz_token *back = cs ? PARSE_OK(cs) : NULL;
            if (back) EXPECT_OK(verify_now(back, SECRET, SECRET_LEN, 1));
            tz_token_free(back);
            free(cs);
        }
        tz_token_free(c);
        tz_token_free(t);
        free(s);
    }
    tz_token *t = parse_identifier("2/tmp-+7/usr-u/act/x");
    CHECK(t && t->generation == 7);
    tz_token_free(t);
    t = parse_identifier("2/nmd/usr-u/ujs:S:junk/x");
    CHECK(t && t->type.kind == TZ_TT_INVITE && t->type.invite == TZ_INV_USER_JOIN_SPACE);
    tz_token_free(t);
}

static void test_identifier_legacy(void) {
    const char *cases[][2] = {
        {"abc", "abc"}, {"abc/def", "abc/def"}, {"/x", "/x"}, {"2a/b/c/d/e", "2a/b/c/d/e"},
        {"", ""}, {" 2/nmd/usr-u/act/x", " 2/nmd/usr-u/act/x"}, {"2 /a/b/c/d", "2 /a/b/c/d"},
        {"+/a", "+/a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tz_token *t = parse_identifier(cases[i][0]);
        CHECK(t && t->version == 1 && t->named && t->subject.kind == TZ_SUBJ_NOBODY &&
              t->type.kind == TZ_TT_ACCESS && !t->type.session_id && !t->raw_identifier);
        if (t) {
            CHECK_STR(t->id, cases[i][1]);
            EXPECT_OK(verify_now(t, SECRET, SECRET_LEN, 0));
        }
        tz_token_free(t);
    }
    /* construction of a version-1 token puts the id verbatim into the identifier */
    tz_token p = proto_user("ignored", "legacy-id");
    p.version = 1;
    tz_token *t = mint(&p, NULL, 0);
    if (t) {
        size_t n;
        char *idf = tz_token_identifier(t, &n);
        CHECK_STR(idf, "legacy-id");
        free(idf);
        char *s = ser(t);
        tz_token *back = s ? PARSE_OK(s) : NULL;
        CHECK(back && back->version == 1 && back->subject.kind == TZ_SUBJ_NOBODY);
        if (back) EXPECT_OK(verify_now(back, SECRET, SECRET_LEN, 0));
        tz_token_free(back);
        free(s);
    }
    tz_token_free(t);
}

static void test_identifier_bad(void) {
    const char *bad[] = {
        "1/abc", "1/a/b/c/d", "3/a/b/c/d", "-2/a/b/c/d", "0/a", "99999999999999999999/a/b/c/d",
        "2/a/b/c", "2/nmd/usr-u/act/x/y", "2/nmd/usr-u/act", "2//usr-u/act/x",
        "2/xyz/usr-u/act/x", "2/tmp-/usr-u/act/x", "2/tmp-x/usr-u/act/x", "2/NMD/usr-u/act/x",
        "2/tmp/usr-u/act/x", "2/tmp-1a/usr-u/act/x", "2/tmp-99999999999999999999/usr-u/act/x",
        "2/tmp- 1/usr-u/act/x", "2/nmd/user-u/act/x", "2/nmd/nobodyx/act/x", "2/nmd/usr/act/x",
        "2/nmd/USR-u/act/x", "2/nmd//act/x", "2/nmd/usr-u/act:/x", "2/nmd/usr-u/ACT/x",
        "2/nmd/usr-u/idn:x:y/x", "2/nmd/usr-u/ujg:G/x", "2/nmd/usr-u/ujg::/x",
        "2/nmd/usr-u/ujg:G:a:b/x", "2/nmd/usr-u/xyz:G:/x", "2/nmd/usr-u/UJG:G:/x", "2/nmd/usr-u//x",
        "2/nmd/usr-u/actx/x", "2/nmd/usr-u/idn:/x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *s = craft(bad[i], NULL, 0);
        tz_token *t = NULL;
        tz_error *e = tz_token_deserialize(s, strlen(s), 0, &t);
        if (!e || e->id != TZE_BAD_TOKEN) {
            fprintf(stderr, "identifier '%s' was not rejected\n", bad[i]);
            tz_test_cur_failures++;
        }
        tz_err_free(e);
        tz_token_free(t);
        free(s);
    }
    /* NUL bytes cannot become C strings */
    const char nul_cases[][24] = {"2/nmd/usr-u\0x/act/x", "2/nmd/usr-u/act/x\0y", "ab\0c", "2/nmd/usr-u/act:a\0b/x"};
    const size_t nul_lens[] = {19, 19, 4, 22};
    for (size_t i = 0; i < 4; i++) {
        char *s = craft_n("z", nul_cases[i], nul_lens[i], NULL, 0);
        tz_token *t = NULL;
        EXPECT_ERR(tz_token_deserialize(s, strlen(s), 0, &t), TZE_BAD_TOKEN);
        free(s);
    }
    /* nor in the domain */
    uint8_t buf[128];
    size_t o = put(buf, "location", "z\0y", 3);
    o += put(buf + o, "identifier", "2/nmd/usr-u/act/x", 17);
    char *s = encode_packets(buf, o);
    tz_token *t = NULL;
    EXPECT_ERR(tz_token_deserialize(s, strlen(s), 0, &t), TZE_BAD_TOKEN);
    free(s);
}

/* ---- types ---- */

static const struct {
    tz_invite_type t;
    const char *name, *snake, *code, *key, *printable;
} INVITES[] = {
    {TZ_INV_USER_JOIN_GROUP, "userJoinGroup", "user_join_group", "ujg", "groupId",
     "invite token for a user to join group \"T1\""},
    {TZ_INV_GROUP_JOIN_GROUP, "groupJoinGroup", "group_join_group", "gjg", "groupId",
     "invite token for a group to join group \"T1\""},
    {TZ_INV_USER_JOIN_SPACE, "userJoinSpace", "user_join_space", "ujs", "spaceId",
     "invite token for a user to join space \"T1\""},
    {TZ_INV_GROUP_JOIN_SPACE, "groupJoinSpace", "group_join_space", "gjs", "spaceId",
     "invite token for a group to join space \"T1\""},
    {TZ_INV_SUPPORT_SPACE, "supportSpace", "support_space", "ssp", "spaceId",
     "invite token to grant support for space \"T1\""},
    {TZ_INV_HARVESTER_JOIN_SPACE, "harvesterJoinSpace", "harvester_join_space", "hjs", "spaceId",
     "invite token for a harvester to become a metadata sink for space \"T1\""},
    {TZ_INV_REGISTER_ONEPROVIDER, "registerOneprovider", "register_oneprovider", "rop", "adminUserId",
     "invite token to register a Oneprovider for admin user \"T1\""},
    {TZ_INV_USER_JOIN_CLUSTER, "userJoinCluster", "user_join_cluster", "ujc", "clusterId",
     "invite token for a user to join cluster \"T1\""},
    {TZ_INV_GROUP_JOIN_CLUSTER, "groupJoinCluster", "group_join_cluster", "gjc", "clusterId",
     "invite token for a group to join cluster \"T1\""},
    {TZ_INV_USER_JOIN_HARVESTER, "userJoinHarvester", "user_join_harvester", "ujh", "harvesterId",
     "invite token for a user to join harvester \"T1\""},
    {TZ_INV_GROUP_JOIN_HARVESTER, "groupJoinHarvester", "group_join_harvester", "gjh", "harvesterId",
     "invite token for a group to join harvester \"T1\""},
    {TZ_INV_SPACE_JOIN_HARVESTER, "spaceJoinHarvester", "space_join_harvester", "sjh", "harvesterId",
     "invite token for a space to become a metadata source for harvester \"T1\""},
    {TZ_INV_USER_JOIN_ATM_INVENTORY, "userJoinAtmInventory", "user_join_atm_inventory", "uji",
     "atmInventoryId", "invite token for a user to join automation inventory \"T1\""},
    {TZ_INV_GROUP_JOIN_ATM_INVENTORY, "groupJoinAtmInventory", "group_join_atm_inventory", "gji",
     "atmInventoryId", "invite token for a group to join automation inventory \"T1\""},
};
#define N_INVITES (sizeof INVITES / sizeof INVITES[0])

static json_t *J(const char *text) {
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j) fprintf(stderr, "bad test JSON: %s\n", text);
    return j;
}

static void test_invite_types_all(void) {
    CHECK_INT(N_INVITES, TZ_INV__COUNT);
    for (size_t i = 0; i < N_INVITES; i++) {
        CHECK_STR(tz_invite_type_name(INVITES[i].t), INVITES[i].name);
        CHECK_STR(tz_invite_type_snake(INVITES[i].t), INVITES[i].snake);
        CHECK_STR(tz_invite_type_code(INVITES[i].t), INVITES[i].code);
        CHECK_STR(tz_invite_type_target_key(INVITES[i].t), INVITES[i].key);
        tz_invite_type back;
        CHECK(tz_invite_type_from_name(INVITES[i].name, &back) == 0 && back == INVITES[i].t);

        /* JSON -> type -> JSON */
        char text[256];
        snprintf(text, sizeof text, "{\"inviteToken\":{\"inviteType\":\"%s\",\"%s\":\"T1\"}}",
                 INVITES[i].name, INVITES[i].key);
        json_t *in = J(text);
        tz_token_type ty;
        EXPECT_OK(tz_token_type_from_json(in, &ty));
        CHECK(ty.kind == TZ_TT_INVITE && ty.invite == INVITES[i].t);
        CHECK_STR(ty.target_id, "T1");
        json_t *out = tz_token_type_to_json(&ty);
        snprintf(text, sizeof text,
                 "{\"inviteToken\":{\"inviteType\":\"%s\",\"%s\":\"T1\",\"parameters\":{}}}",
                 INVITES[i].name, INVITES[i].key);
        json_t *want = J(text);
        CHECK(json_equal(out, want));
        char *pr = tz_token_type_printable_json(out);
        CHECK_STR(pr, INVITES[i].printable);
        free(pr);

        /* the wire form in the identifier, and back */
        tz_token p = proto_user("u", "tid");
        p.type = ty;
        tz_token *t = mint(&p, NULL, 0);
        if (t) {
            char *idf = tz_token_identifier(t, NULL);
            char want_id[64];
            snprintf(want_id, sizeof want_id, "2/nmd/usr-u/%s:T1:%s/tid", INVITES[i].code,
                     INVITES[i].t == TZ_INV_SUPPORT_SPACE ? "ge" : "");
            CHECK_STR(idf, want_id);
            free(idf);
            char *s = ser(t);
            tz_token *back_t = s ? PARSE_OK(s) : NULL;
            CHECK(back_t && back_t->type.kind == TZ_TT_INVITE && back_t->type.invite == INVITES[i].t &&
                  !back_t->raw_identifier);
            tz_token_free(back_t);
            free(s);
        }
        tz_token_free(t);
        tz_token_type_clear(&ty);
        json_decref(in);
        json_decref(out);
        json_decref(want);
    }
    tz_invite_type x;
    CHECK(tz_invite_type_from_name("UserJoinGroup", &x) == -1);
    CHECK(tz_invite_type_from_name("", &x) == -1);
    CHECK(tz_invite_type_name((tz_invite_type)99) == NULL);
}

static void test_type_json_accepted(void) {
    const struct {
        const char *json;
        tz_type_kind kind;
        const char *session;
        const char *out;
    } ok[] = {
        {"{\"accessToken\":{}}", TZ_TT_ACCESS, NULL, "{\"accessToken\":{}}"},
        {"{\"accessToken\":{\"sessionId\":\"s1\"}}", TZ_TT_ACCESS, "s1", "{\"accessToken\":{\"sessionId\":\"s1\"}}"},
        {"{\"accessToken\":{\"sessionId\":\"a:b\",\"x\":1}}", TZ_TT_ACCESS, "a:b",
         "{\"accessToken\":{\"sessionId\":\"a:b\"}}"},
        {"{\"identityToken\":{}}", TZ_TT_IDENTITY, NULL, "{\"identityToken\":{}}"},
        {"{\"identityToken\":null}", TZ_TT_IDENTITY, NULL, "{\"identityToken\":{}}"},
        {"{\"identityToken\":\"anything\"}", TZ_TT_IDENTITY, NULL, "{\"identityToken\":{}}"},
        {"{\"identityToken\":{},\"extra\":1}", TZ_TT_IDENTITY, NULL, "{\"identityToken\":{}}"},
        /* a recognised key whose value does not fit falls through to the next one */
        {"{\"accessToken\":{\"bad\":1},\"identityToken\":{}}", TZ_TT_IDENTITY, NULL, "{\"identityToken\":{}}"},
        {"{\"accessToken\":{\"sessionId\":5},\"identityToken\":{}}", TZ_TT_IDENTITY, NULL, "{\"identityToken\":{}}"},
        {"{\"accessToken\":\"x\",\"inviteToken\":{\"inviteType\":\"userJoinSpace\",\"spaceId\":\"s\"}}",
         TZ_TT_INVITE, NULL, "{\"inviteToken\":{\"inviteType\":\"userJoinSpace\",\"spaceId\":\"s\",\"parameters\":{}}}"},
        {"{\"inviteToken\":{\"inviteType\":\"supportSpace\",\"spaceId\":\"s\",\"parameters\":{\"x\":1},\"y\":2}}",
         TZ_TT_INVITE, NULL, "{\"inviteToken\":{\"inviteType\":\"supportSpace\",\"spaceId\":\"s\",\"parameters\":{}}}"},
        {"{\"inviteToken\":{\"inviteType\":\"userJoinGroup\",\"groupId\":\"g\",\"parameters\":\"junk\"}}",
         TZ_TT_INVITE, NULL, "{\"inviteToken\":{\"inviteType\":\"userJoinGroup\",\"groupId\":\"g\",\"parameters\":{}}}"},
        /* the type accepts '/' in ids (construction then refuses the token) */
        {"{\"accessToken\":{\"sessionId\":\"a/b\"}}", TZ_TT_ACCESS, "a/b", "{\"accessToken\":{\"sessionId\":\"a/b\"}}"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        json_t *in = J(ok[i].json), *want = J(ok[i].out);
        tz_token_type ty;
        tz_error *e = tz_token_type_from_json(in, &ty);
        if (e) {
            fprintf(stderr, "type JSON rejected: %s\n", ok[i].json);
            tz_test_cur_failures++;
            tz_err_free(e);
        } else {
            CHECK_INT(ty.kind, ok[i].kind);
            if (ok[i].session) CHECK_STR(ty.session_id, ok[i].session);
            else CHECK(ty.session_id == NULL);
            json_t *out = tz_token_type_to_json(&ty);
            CHECK(json_equal(out, want));
            json_decref(out);
            tz_token_type_clear(&ty);
        }
        json_decref(in);
        json_decref(want);
    }
}

static void test_type_json_rejected(void) {
    const char *bad[] = {
        "\"accessToken\"", "5", "null", "true", "[]", "[{\"accessToken\":{}}]", "{}", "{\"foo\":{}}",
        "{\"AccessToken\":{}}",
        "{\"accessToken\":{\"bad\":1}}", "{\"accessToken\":{\"sessionId\":\"\"}}",
        "{\"accessToken\":{\"sessionId\":5}}", "{\"accessToken\":{\"sessionId\":null}}",
        "{\"accessToken\":\"x\"}", "{\"accessToken\":[]}", "{\"accessToken\":null}",
        "{\"accessToken\":{\"sessionId\":\"a\\u0000b\"}}",
        "{\"inviteToken\":{}}", "{\"inviteToken\":\"userJoinGroup\"}", "{\"inviteToken\":null}",
        "{\"inviteToken\":{\"groupId\":\"g\"}}",
        "{\"inviteToken\":{\"inviteType\":\"userJoinGroups\",\"groupId\":\"g\"}}",
        "{\"inviteToken\":{\"inviteType\":\"UserJoinGroup\",\"groupId\":\"g\"}}",
        "{\"inviteToken\":{\"inviteType\":\"user_join_group\",\"groupId\":\"g\"}}",
        "{\"inviteToken\":{\"inviteType\":5,\"groupId\":\"g\"}}",
        "{\"inviteToken\":{\"inviteType\":null,\"groupId\":\"g\"}}",
        "{\"inviteToken\":{\"inviteType\":\"userJoinGroup\"}}",
        "{\"inviteToken\":{\"inviteType\":\"userJoinGroup\",\"spaceId\":\"g\"}}",
        "{\"inviteToken\":{\"inviteType\":\"userJoinGroup\",\"groupId\":\"\"}}",
        "{\"inviteToken\":{\"inviteType\":\"userJoinGroup\",\"groupId\":5}}",
        "{\"inviteToken\":{\"inviteType\":\"userJoinGroup\",\"groupId\":null}}",
        "{\"inviteToken\":{\"inviteType\":\"userJoinGroup\",\"groupId\":[\"g\"]}}",
        "{\"inviteToken\":{\"inviteType\":\"userJoinGroup\",\"groupId\":\"a:b\"}}",
        "{\"inviteToken\":{\"inviteType\":\"supportSpace\",\"spaceId\":\":\"}}",
        "{\"inviteToken\":{\"inviteType\":\"registerOneprovider\",\"spaceId\":\"u\"}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *in = J(bad[i]);
        tz_token_type ty;
        tz_error *e = tz_token_type_from_json(in, &ty);
        if (!e || e->id != TZE_BAD_VALUE_TOKEN_TYPE) {
            fprintf(stderr, "type JSON not rejected: %s\n", bad[i]);
            tz_test_cur_failures++;
        } else {
            CHECK_STR(json_string_value(json_object_get(e->details, "key")), "type");
        }
        if (!e) tz_token_type_clear(&ty);
        tz_err_free(e);
        char *pr = tz_token_type_printable_json(in);
        CHECK(pr == NULL);
        free(pr);
        json_decref(in);
    }
    tz_token_type ty;
    EXPECT_ERR(tz_token_type_from_json(NULL, &ty), TZE_BAD_VALUE_TOKEN_TYPE);
}

static void test_type_printable(void) {
    const char *cases[][2] = {
        {"{\"accessToken\":{}}", "access token"},
        {"{\"accessToken\":{\"sessionId\":\"s7\"}}", "access token for session \"s7\""},
        {"{\"identityToken\":{}}", "identity token"},
    };
    for (size_t i = 0; i < 3; i++) {
        json_t *j = J(cases[i][0]);
        char *p = tz_token_type_printable_json(j);
        CHECK_STR(p, cases[i][1]);
        free(p);
        json_decref(j);
    }
}

/* ---- subjects and services ---- */

static void test_subjects(void) {
    const struct {
        const char *wire;
        tz_subject_kind kind;
        const char *id, *json;
    } ok[] = {
        {"nobody", TZ_SUBJ_NOBODY, NULL, "{\"type\":\"nobody\",\"id\":null}"},
        {"usr-U", TZ_SUBJ_USER, "U", "{\"type\":\"user\",\"id\":\"U\"}"},
        {"grp-G-1", TZ_SUBJ_GROUP, "G-1", "{\"type\":\"group\",\"id\":\"G-1\"}"},
        {"prv-P", TZ_SUBJ_PROVIDER, "P", "{\"type\":\"oneprovider\",\"id\":\"P\"}"},
        {"usr-", TZ_SUBJ_USER, "", "{\"type\":\"user\",\"id\":\"\"}"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        tz_subject s, c;
        EXPECT_OK(tz_subject_parse(ok[i].wire, strlen(ok[i].wire), &s));
        CHECK_INT(s.kind, ok[i].kind);
        if (ok[i].id) CHECK_STR(s.id, ok[i].id);
        else CHECK(s.id == NULL);
        char *w = tz_subject_serialize(&s);
        CHECK_STR(w, ok[i].wire);
        free(w);
        json_t *j = tz_subject_to_json(&s), *want = J(ok[i].json);
        CHECK(json_equal(j, want));
        json_decref(j);
        json_decref(want);
        CHECK(tz_subject_copy(&c, &s) == 0);
        CHECK(tz_subject_equal(&c, &s));
        c.subtype = TZ_PSUB_OP_PANEL; /* ignored by equality */
        CHECK(tz_subject_equal(&c, &s));
        tz_subject_clear(&c);
        tz_subject_clear(&s);
    }
    tz_subject a = {TZ_SUBJ_USER, TZ_PSUB_NONE, "x"}, b = {TZ_SUBJ_PROVIDER, TZ_PSUB_NONE, "x"},
               d = {TZ_SUBJ_USER, TZ_PSUB_NONE, "y"};
    CHECK(!tz_subject_equal(&a, &b));
    CHECK(!tz_subject_equal(&a, &d));
    const char *bad[] = {"", "usr", "usrx", "user-1", "Nobody", "nobody ", "nobod", "USR-x", "xyz-1", "-usr-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tz_subject s;
        EXPECT_ERR(tz_subject_parse(bad[i], strlen(bad[i]), &s), TZE_BAD_TOKEN);
    }
    tz_subject s;
    EXPECT_ERR(tz_subject_parse("usr-a\0b", 7, &s), TZE_BAD_TOKEN);
}

static void test_services(void) {
    const char *shorts[] = {"ozw", "ozp", "opw", "opp"}, *snakes[] = {"oz_worker", "oz_panel", "op_worker", "op_panel"};
    const tz_service_type types[] = {TZ_SVC_OZ_WORKER, TZ_SVC_OZ_PANEL, TZ_SVC_OP_WORKER, TZ_SVC_OP_PANEL};
    for (int i = 0; i < 4; i++) {
        CHECK_STR(tz_service_short_name(types[i]), shorts[i]);
        CHECK_STR(tz_service_snake_name(types[i]), snakes[i]);
        tz_service_type t;
        CHECK(tz_service_type_from_short(shorts[i], 3, &t) == 0 && t == types[i]);
    }
    tz_service_type t;
    CHECK(tz_service_type_from_short("OZW", 3, &t) == -1);
    CHECK(tz_service_type_from_short("ozwx", 4, &t) == -1);
    CHECK(tz_service_type_from_short("oz", 2, &t) == -1);
    tz_service svc = {TZ_SVC_OP_WORKER, "abc"};
    json_t *j = tz_service_to_json(&svc), *want = J("{\"type\":\"op_worker\",\"id\":\"abc\"}");
    CHECK(json_equal(j, want));
    json_decref(j);
    json_decref(want);
}

/* ---- prefixes, size limit, garbage ---- */

static void test_prefixes(void) {
    tz_token p = proto_user("u", "id");
    p.subject.kind = TZ_SUBJ_PROVIDER;
    tz_token *t = mint(&p, NULL, 0);
    char *s = t ? ser(t) : NULL;
    tz_token_free(t);
    if (!s) return;
    const struct {
        const char *prefix;
        tz_provider_subtype sub;
    } ok[] = {{"opw-", TZ_PSUB_OP_WORKER}, {"opp-", TZ_PSUB_OP_PANEL}, {"", TZ_PSUB_NONE}};
    for (size_t i = 0; i < 3; i++) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s%s", ok[i].prefix, s);
        tz_token *x = PARSE_OK(buf);
        CHECK(x && x->subject.kind == TZ_SUBJ_PROVIDER && x->subject.subtype == ok[i].sub);
        char *again = x ? ser(x) : NULL;
        CHECK_STR(again, s); /* serialization never emits the prefix */
        free(again);
        if (x) EXPECT_OK(verify_now(x, SECRET, SECRET_LEN, 0));
        tz_token_free(x);
    }
    const char *bad[] = {"ozw-", "ozp-", "abc-", "OPW-", "op--", "opw_"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s%s", bad[i], s);
        tz_token *x = NULL;
        EXPECT_ERR(tz_token_deserialize(buf, strlen(buf), 0, &x), TZE_BAD_TOKEN);
    }
    free(s);
    /* user subjects: the prefix is silently discarded */
    tz_token pu = proto_user("u", "id");
    t = mint(&pu, NULL, 0);
    s = t ? ser(t) : NULL;
    tz_token_free(t);
    if (s) {
        char buf[1024];
        snprintf(buf, sizeof buf, "opw-%s", s);
        tz_token *x = PARSE_OK(buf);
        CHECK(x && x->subject.kind == TZ_SUBJ_USER && x->subject.subtype == TZ_PSUB_NONE);
        tz_token_free(x);
    }
    free(s);
    tz_token *x = NULL;
    EXPECT_ERR(tz_token_deserialize("opw-", 4, 0, &x), TZE_BAD_TOKEN);
    EXPECT_ERR(tz_token_deserialize("opp-0", 5, 0, &x), TZE_BAD_TOKEN);
}

static void check_too_large(tz_error *e, long long limit, int line) {
    if (!e || e->id != TZE_TOKEN_TOO_LARGE) {
        fprintf(stderr, "line %d: expected tokenTooLarge\n", line);
        tz_test_cur_failures++;
    } else {
        json_t *l = json_object_get(e->details, "limit");
        CHECK(json_is_integer(l) && json_integer_value(l) == limit);
    }
    tz_err_free(e);
}

static void test_size_limit(void) {
    tz_token p = proto_user("u", "id");
    tz_token *t = mint(&p, NULL, 0);
    char *s = t ? ser(t) : NULL;
    tz_token_free(t);
    if (!s) return;
    size_t L = strlen(s);
    tz_token *x = NULL;
    EXPECT_OK(tz_token_deserialize(s, L, L, &x)); /* exactly at the limit */
    tz_token_free(x);
    x = NULL;
    check_too_large(tz_token_deserialize(s, L, L - 1, &x), (long long)L - 1, __LINE__);
    /* the prefix counts */
    char buf[1024];
    snprintf(buf, sizeof buf, "opw-%s", s);
    check_too_large(tz_token_deserialize(buf, L + 4, L, &x), (long long)L, __LINE__);
    EXPECT_OK(tz_token_deserialize(buf, L + 4, L + 4, &x));
    tz_token_free(x);
    free(s);
    /* default limit 1 MiB; the size check comes before any decoding */
    size_t big = TZ_DEFAULT_MAX_TOKEN_SIZE + 1;
    char *g = malloc(big);
    memset(g, 'a', big);
    check_too_large(tz_token_deserialize(g, big, 0, &x), 1048576, __LINE__);
    EXPECT_ERR(tz_token_deserialize(g, big - 1, 0, &x), TZE_BAD_TOKEN);
    free(g);
    /* tokens_tests too_large_token_test */
    size_t n = 4485766;
    g = malloc(n);
    for (size_t i = 0; i < n; i++) g[i] = "0123456789abcdef"[i % 16];
    check_too_large(tz_token_deserialize(g, n, 4485764, &x), 4485764, __LINE__);
    free(g);
}

static void test_garbage(void) {
    const char *bad[] = {"", "rubbish-123", "a", "06abc", "MDAy", "Zm9vYmFy", "!!!!", "AAAAA",
                         "MDAyMGxvY2F00aW9uIGRvbWFpbi5leGFtcGxlLmNvbQo"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tz_token *x = NULL;
        EXPECT_ERR(tz_token_deserialize(bad[i], strlen(bad[i]), 0, &x), TZE_BAD_TOKEN);
        CHECK(x == NULL);
    }
    /* libmacaroons v2 binary */
    const uint8_t v2[] = {0x02, 0x01, 0x05, 'l', 'o', 'c', 0x02, 0x02, 'i', 'd', 0x00, 0x00, 0x06, 0x20};
    char *s = encode_packets(v2, sizeof v2);
    tz_token *x = NULL;
    EXPECT_ERR(tz_token_deserialize(s, strlen(s), 0, &x), TZE_BAD_TOKEN);
    free(s);
}

/* ---- construction ---- */

static void test_create_errors(void) {
    tz_token p = proto_user("u", "id");
    tz_token *t = NULL;
    p.subject.kind = TZ_SUBJ_NOBODY;
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_TOKEN_SUBJECT_INVALID);
    p.subject.kind = TZ_SUBJ_GROUP;
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_TOKEN_SUBJECT_INVALID);
    p.version = 3;
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_TOKEN_SUBJECT_INVALID);
    p = proto_user("u", "id");
    p.version = 3;
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p.version = 0;
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    /* fields that would not parse back */
    p = proto_user("u/x", "id");
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p = proto_user("u", "i/d");
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p = proto_user("u", "id");
    p.type.session_id = "s/1";
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p.type.session_id = "";
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p.type = (tz_token_type){.kind = TZ_TT_INVITE, .invite = TZ_INV_USER_JOIN_SPACE, .target_id = "a:b"};
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p.type.target_id = "";
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p.type.target_id = "a/b";
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p.type.target_id = NULL;
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p.type = (tz_token_type){.kind = TZ_TT_INVITE, .invite = (tz_invite_type)77, .target_id = "x"};
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_INTERNAL);
    /* legacy ids that would parse as something else */
    p = proto_user("u", "2/x");
    p.version = 1;
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p.id = "1/x";
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p.id = "2/nmd/usr-u/act/x";
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p.id = "x/2";
    p.subject.kind = TZ_SUBJ_NOBODY; /* ignored for version 1 */
    EXPECT_OK(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t));
    tz_token_free(t);
    t = NULL;
    /* packets over 0xFFFF */
    char *big = malloc(70000);
    memset(big, 'c', 70000);
    p = proto_user("u", "id");
    tz_raw_caveat c = {big, 65527};
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, &c, 1, &t), TZE_BAD_TOKEN);
    c.len = 65526;
    EXPECT_OK(tz_token_create(&p, SECRET, SECRET_LEN, &c, 1, &t));
    tz_token_free(t);
    t = NULL;
    big[65522] = 0;
    p.domain = big;
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    p = proto_user("u", big);
    EXPECT_ERR(tz_token_create(&p, SECRET, SECRET_LEN, NULL, 0, &t), TZE_BAD_TOKEN);
    free(big);
    CHECK(t == NULL);
}

static void test_create_fields(void) {
    tz_token p = proto_user("u", "id");
    p.named = false;
    p.generation = -3;
    p.domain = NULL; /* no location packet */
    tz_token *t = mint(&p, NULL, 0);
    if (!t) return;
    char *idf = tz_token_identifier(t, NULL);
    CHECK_STR(idf, "2/tmp--3/usr-u/act/id");
    free(idf);
    char *s = ser(t);
    tz_token *back = s ? PARSE_OK(s) : NULL;
    CHECK(back && back->domain == NULL && back->generation == -3 && !back->named);
    if (back) {
        char *again = ser(back);
        CHECK_STR(again, s);
        free(again);
        json_t *ex = NULL;
        EXPECT_OK(tz_token_examine_json(back, &ex));
        CHECK(json_is_null(json_object_get(ex, "onezoneDomain")));
        json_decref(ex);
    }
    tz_token_free(back);
    free(s);
    tz_token_free(t);
}

/* confine(create(c1), [c2, c3]) == create([c1, c2, c3]) */
static void test_confine(void) {
    tz_token p = proto_user("u", "id");
    const char *all[] = {"time < 100", "time < 90", "time < 80"};
    tz_token *one = mint(&p, all, 1), *three = mint(&p, all, 3), *c = NULL;
    if (!one || !three) goto out;
    tz_raw_caveat more[2] = {{(char *)(uintptr_t)all[1], 9}, {(char *)(uintptr_t)all[2], 9}};
    EXPECT_OK(tz_token_confine(one, more, 2, &c));
    if (!c) goto out;
    CHECK_INT(c->n_caveats, 3);
    CHECK(memcmp(c->signature, three->signature, 32) == 0);
    char *a = ser(c), *b = ser(three);
    CHECK_STR(a, b);
    free(a);
    free(b);
    EXPECT_OK(verify_now(c, SECRET, SECRET_LEN, 1));
    EXPECT_ERR(verify_now(c, SECRET, SECRET_LEN, 85), TZE_TOKEN_CAVEAT_UNVERIFIED);
    /* the original is unchanged; an oversized caveat is refused */
    CHECK_INT(one->n_caveats, 1);
    char *big = malloc(65527);
    memset(big, 'x', 65527);
    tz_raw_caveat huge = {big, 65527};
    tz_token *d = NULL;
    EXPECT_ERR(tz_token_confine(one, &huge, 1, &d), TZE_BAD_TOKEN);
    CHECK(d == NULL);
    free(big);
    /* confining with nothing is a copy */
    EXPECT_OK(tz_token_confine(one, NULL, 0, &d));
    CHECK(d && memcmp(d->signature, one->signature, 32) == 0);
    tz_token_free(d);
out:
    tz_token_free(c);
    tz_token_free(one);
    tz_token_free(three);
}

/* ---- examine ---- */

static void test_examine(void) {
    tz_token p = proto_user("u1", "tok-id");
    p.named = false;
    p.generation = 4;
    p.type = (tz_token_type){.kind = TZ_TT_INVITE, .invite = TZ_INV_SUPPORT_SPACE, .target_id = "sp1"};
    const char *cav[] = {"time < 100"};
    tz_token *t = mint(&p, cav, 1);
    if (!t) return;
    json_t *ex = NULL;
    EXPECT_OK(tz_token_examine_json(t, &ex));
    json_t *want = J("{\"onezoneDomain\":\"zone.example\",\"id\":\"tok-id\",\"persistence\":\"temporary\","
                     "\"subject\":{\"type\":\"user\",\"id\":\"u1\"},"
                     "\"type\":{\"inviteToken\":{\"inviteType\":\"supportSpace\",\"spaceId\":\"sp1\",\"parameters\":{}}},"
                     "\"caveats\":[{\"type\":\"time\",\"validUntil\":100}]}");
    CHECK(json_equal(ex, want));
    json_decref(ex);
    json_decref(want);
    tz_token_free(t);
    /* an unparsable caveat fails the whole view */
    const char *unk[] = {"time < 5", "grant = everything"};
    p = proto_user("u1", "tok-id");
    t = mint(&p, unk, 2);
    if (!t) return;
    ex = NULL;
    tz_error *e = tz_token_examine_json(t, &ex);
    CHECK(e && e->id == TZE_TOKEN_CAVEAT_UNKNOWN && ex == NULL);
    if (e) CHECK_STR(json_string_value(json_object_get(e->details, "caveat")), "grant = everything");
    tz_err_free(e);
    tz_token_free(t);
    /* invalid UTF-8 in token fields is shown with U+FFFD */
    char *s = craft_n("zone\xff", "2/nmd/usr-\xc3/act/\xe2\x82", 18, NULL, 0);
    t = PARSE_OK(s);
    free(s);
    if (!t) return;
    EXPECT_OK(tz_token_examine_json(t, &ex));
    CHECK_STR(json_string_value(json_object_get(ex, "onezoneDomain")), "zone\xef\xbf\xbd");
    CHECK_STR(json_string_value(json_object_get(ex, "id")), "\xef\xbf\xbd\xef\xbf\xbd");
    CHECK_STR(json_string_value(json_object_get(json_object_get(ex, "subject"), "id")), "\xef\xbf\xbd");
    json_decref(ex);
    tz_token_free(t);
}

/* ---- verification ---- */

static const uint8_t WRONG[] = "another-secret";
#define WRONG_LEN (sizeof WRONG - 1)

/* Caveats are judged before the signature (token-format §4.4). */
static void test_verify_order(void) {
    tz_token p = proto_user("u", "id");
    const char *cav[] = {"time < 100"};
    tz_token *t = mint(&p, cav, 1);
    if (!t) return;
    EXPECT_OK(verify_now(t, SECRET, SECRET_LEN, 99));
    tz_error *e = verify_now(t, WRONG, WRONG_LEN, 100);
    CHECK(e && e->id == TZE_TOKEN_CAVEAT_UNVERIFIED);
    if (e && e->id == TZE_TOKEN_CAVEAT_UNVERIFIED) {
        json_t *want = J("{\"caveat\":{\"type\":\"time\",\"validUntil\":100}}");
        CHECK(json_equal(e->details, want));
        json_decref(want);
    }
    tz_err_free(e);
    EXPECT_ERR(verify_now(t, WRONG, WRONG_LEN, 99), TZE_TOKEN_INVALID);
    EXPECT_ERR(verify_now(t, SECRET, SECRET_LEN, 100), TZE_TOKEN_CAVEAT_UNVERIFIED);
    EXPECT_ERR(verify_now(t, SECRET, SECRET_LEN - 1, 0), TZE_TOKEN_INVALID);
    tz_token_free(t);
    /* the first failing caveat wins: unknown before expired, expired before unknown */
    const char *c2[] = {"grant = everything", "time < 1"};
    t = mint(&p, c2, 2);
    tz_error *e2 = t ? verify_now(t, WRONG, WRONG_LEN, 5) : NULL;
    CHECK(e2 && e2->id == TZE_TOKEN_CAVEAT_UNKNOWN);
    if (e2 && e2->id == TZE_TOKEN_CAVEAT_UNKNOWN)
        CHECK_STR(json_string_value(json_object_get(e2->details, "caveat")), "grant = everything");
    tz_err_free(e2);
    tz_token_free(t);
    const char *c3[] = {"time < 1", "grant = everything"};
    t = mint(&p, c3, 2);
    if (t) EXPECT_ERR(verify_now(t, SECRET, SECRET_LEN, 5), TZE_TOKEN_CAVEAT_UNVERIFIED);
    tz_token_free(t);
    /* tampering with a caveat breaks the chain */
    t = mint(&p, cav, 1);
    if (t) {
        t->caveats[0].ptr[8] = '9'; /* "time < 190" would be longer; same length: "time < 900" */
        t->caveats[0].ptr[9] = '0';
        EXPECT_ERR(verify_now(t, SECRET, SECRET_LEN, 1), TZE_TOKEN_INVALID);
    }
    tz_token_free(t);
}

/* tokens_tests unknown_caveat_test: a legacy macaroon with an unknown caveat. */
static void test_legacy_unknown_caveat(void) {
    tz_token p = {0};
    p.domain = "onezone.example.com";
    p.version = 1;
    p.id = "id123";
    tz_raw_caveat c = {"grant = everything", 18};
    tz_token *t = NULL;
    EXPECT_OK(tz_token_create(&p, (const uint8_t *)"secrettt123", 11, &c, 1, &t));
    char *s = t ? ser(t) : NULL;
    tz_token_free(t);
    t = s ? PARSE_OK(s) : NULL;
    free(s);
    if (!t) return;
    CHECK(t->version == 1 && t->named && t->type.kind == TZ_TT_ACCESS && t->subject.kind == TZ_SUBJ_NOBODY);
    CHECK_STR(t->id, "id123");
    CHECK_STR(t->domain, "onezone.example.com");
    tz_caveat_ctx ctx = {0};
    tz_verify_result res;
    tz_error *e = tz_token_verify(t, (const uint8_t *)"secrettt123", 11, &ctx, TZ_SESSION_ANY, NULL, &res);
    CHECK(e && e->id == TZE_TOKEN_CAVEAT_UNKNOWN);
    if (e && e->id == TZE_TOKEN_CAVEAT_UNKNOWN)
        CHECK_STR(json_string_value(json_object_get(e->details, "caveat")), "grant = everything");
    tz_err_free(e);
    tz_token_free(t);
}

static tz_error *verify_session(const tz_token *t, tz_session_match m, const char *sid) {
    tz_caveat_ctx ctx = {0};
    tz_verify_result res;
    tz_error *e = tz_token_verify(t, SECRET, SECRET_LEN, &ctx, m, sid, &res);
    if (!e) tz_verify_result_clear(&res);
    return e;
}

static void test_session_binding(void) {
    tz_token p = proto_user("u", "id");
    p.type.session_id = "s1";
    tz_token *bound = mint(&p, NULL, 0);
    p.type.session_id = NULL;
    tz_token *free_t = mint(&p, NULL, 0);
    p.type.kind = TZ_TT_IDENTITY;
    tz_token *idn = mint(&p, NULL, 0);
    p.type = (tz_token_type){.kind = TZ_TT_INVITE, .invite = TZ_INV_USER_JOIN_GROUP, .target_id = "g"};
    tz_token *inv = mint(&p, NULL, 0);
    if (bound && free_t && idn && inv) {
        EXPECT_OK(verify_session(bound, TZ_SESSION_ANY, NULL));
        EXPECT_OK(verify_session(bound, TZ_SESSION_VALUE, "s1"));
        EXPECT_ERR(verify_session(bound, TZ_SESSION_VALUE, "s2"), TZE_TOKEN_SESSION_INVALID);
        EXPECT_ERR(verify_session(bound, TZ_SESSION_UNDEFINED, NULL), TZE_TOKEN_SESSION_INVALID);
        EXPECT_ERR(verify_session(bound, TZ_SESSION_VALUE, NULL), TZE_TOKEN_SESSION_INVALID);
        EXPECT_OK(verify_session(free_t, TZ_SESSION_ANY, NULL));
        EXPECT_OK(verify_session(free_t, TZ_SESSION_UNDEFINED, NULL));
        EXPECT_ERR(verify_session(free_t, TZ_SESSION_VALUE, "s1"), TZE_TOKEN_SESSION_INVALID);
        /* identity and invite tokens ignore the session */
        EXPECT_OK(verify_session(idn, TZ_SESSION_VALUE, "s1"));
        EXPECT_OK(verify_session(idn, TZ_SESSION_UNDEFINED, NULL));
        EXPECT_OK(verify_session(inv, TZ_SESSION_VALUE, "zzz"));
        /* the signature is checked before the session */
        tz_caveat_ctx ctx = {0};
        tz_verify_result res;
        EXPECT_ERR(tz_token_verify(bound, WRONG, WRONG_LEN, &ctx, TZ_SESSION_VALUE, "s2", &res), TZE_TOKEN_INVALID);
    }
    tz_token_free(bound);
    tz_token_free(free_t);
    tz_token_free(idn);
    tz_token_free(inv);
}

/* Default caveat sets per token type (token-format §11). */
static void test_supported_sets(void) {
    tz_service svc = {TZ_SVC_OZ_WORKER, "onezone"};
    tz_caveat_ctx ctx = {0};
    ctx.service = &svc;
    ctx.iface = TZ_IF_REST;
    const char *svc_cav[] = {"service = ozw-onezone"}, *if_cav[] = {"interface = rest"},
               *scope_cav[] = {"authorization = none"};
    tz_token p = proto_user("u", "id");
    tz_token *acc_svc = mint(&p, svc_cav, 1), *acc_scope = mint(&p, scope_cav, 1);
    p.type.kind = TZ_TT_IDENTITY;
    tz_token *idn_svc = mint(&p, svc_cav, 1), *idn_if = mint(&p, if_cav, 1);
    p.type = (tz_token_type){.kind = TZ_TT_INVITE, .invite = TZ_INV_USER_JOIN_GROUP, .target_id = "g"};
    tz_token *inv_if = mint(&p, if_cav, 1);
    tz_verify_result res;
#define V(t) tz_token_verify((t), SECRET, SECRET_LEN, &ctx, TZ_SESSION_ANY, NULL, &res)
    if (acc_svc && acc_scope && idn_svc && idn_if && inv_if) {
        tz_error *e = V(acc_svc);
        CHECK(e == NULL);
        if (!e) tz_verify_result_clear(&res);
        tz_err_free(e);
        EXPECT_ERR(V(idn_svc), TZE_TOKEN_CAVEAT_UNVERIFIED);
        e = V(idn_if);
        CHECK(e == NULL);
        if (!e) tz_verify_result_clear(&res);
        tz_err_free(e);
        EXPECT_ERR(V(inv_if), TZE_TOKEN_CAVEAT_UNVERIFIED);
        /* legacy scope: unverified for access tokens, satisfied in the identity scope where the
         * service caveat is not supported */
        EXPECT_ERR(V(acc_scope), TZE_TOKEN_CAVEAT_UNVERIFIED);
        ctx.scope_identity = true;
        e = V(acc_scope);
        CHECK(e == NULL);
        if (!e) tz_verify_result_clear(&res);
        tz_err_free(e);
        EXPECT_ERR(V(acc_svc), TZE_TOKEN_CAVEAT_UNVERIFIED);
        ctx.scope_identity = false;
        /* an explicit set narrows, the ignored set lets a caveat pass unchecked */
        ctx.supported = TZ_CV_BIT(TZ_CV_TIME);
        EXPECT_ERR(V(acc_svc), TZE_TOKEN_CAVEAT_UNVERIFIED);
        ctx.supported = TZ_CV_ALL;
        ctx.service = NULL;
        EXPECT_ERR(V(acc_svc), TZE_TOKEN_CAVEAT_UNVERIFIED);
        ctx.ignored = TZ_CV_BIT(TZ_CV_SERVICE);
        e = V(acc_svc);
        CHECK(e == NULL);
        if (!e) {
            CHECK_INT(res.n_caveats, 1);
            CHECK(res.n_caveats == 1 && tz_caveat_get_type(res.caveats[0]) == TZ_CV_SERVICE);
            tz_verify_result_clear(&res);
        }
        tz_err_free(e);
    }
#undef V
    tz_token_free(acc_svc);
    tz_token_free(acc_scope);
    tz_token_free(idn_svc);
    tz_token_free(idn_if);
    tz_token_free(inv_if);
}

static char *craft_third_party(const char *first, const char *after) {
    uint8_t k0[32], sig[32];
    static uint8_t buf[4096];
    size_t o = 0;
    const char *id = "2/nmd/usr-u/act/x";
    tz_token_derive_key(SECRET, SECRET_LEN, k0);
    tz_hmac_sha256(k0, 32, (const uint8_t *)id, strlen(id), sig);
    o += put(buf + o, "location", "zone.example", 12);
    o += put(buf + o, "identifier", id, strlen(id));
    if (first) {
        o += put(buf + o, "cid", first, strlen(first));
        tz_hmac_sha256(sig, 32, (const uint8_t *)first, strlen(first), sig);
    }
    o += put(buf + o, "cid", "third-party-caveat-id", 21);
    o += put(buf + o, "vid", "0123456789abcdef0123456789abcdef0123456789abcdef", 48);
    o += put(buf + o, "cl", "https://third.example", 21);
    if (after) o += put(buf + o, "cid", after, strlen(after));
    o += put(buf + o, "signature", sig, 32);
    return encode_packets(buf, o);
}

static void test_third_party(void) {
    char *s = craft_third_party("time < 100", "time < 1");
    tz_token *t = PARSE_OK(s);
    free(s);
    if (t) {
        CHECK(t->has_third_party_caveat && t->third_party_at == 1 && t->n_caveats == 2);
        EXPECT_ERR(verify_now(t, SECRET, SECRET_LEN, 5), TZE_TOKEN_INVALID);
        /* an earlier failing caveat is reported first */
        EXPECT_ERR(verify_now(t, SECRET, SECRET_LEN, 100), TZE_TOKEN_CAVEAT_UNVERIFIED);
        char *out = NULL;
        EXPECT_ERR(tz_token_serialize(t, &out, NULL), TZE_BAD_TOKEN);
        CHECK(out == NULL);
        json_t *ex = NULL;
        EXPECT_OK(tz_token_examine_json(t, &ex));
        CHECK_INT(json_array_size(json_object_get(ex, "caveats")), 2);
        json_decref(ex);
        tz_token *c = NULL;
        tz_raw_caveat more = {"time < 50", 9};
        EXPECT_OK(tz_token_confine(t, &more, 1, &c));
        if (c) EXPECT_ERR(verify_now(c, SECRET, SECRET_LEN, 5), TZE_TOKEN_INVALID);
        tz_token_free(c);
    }
    tz_token_free(t);
    s = craft_third_party(NULL, NULL);
    t = PARSE_OK(s);
    free(s);
    if (t) {
        CHECK(t->has_third_party_caveat && t->third_party_at == 0 && t->n_caveats == 0);
        EXPECT_ERR(verify_now(t, SECRET, SECRET_LEN, 5), TZE_TOKEN_INVALID);
    }
    tz_token_free(t);
}

static void test_signature_absent_or_short(void) {
    uint8_t buf[256];
    const char *id = "2/nmd/usr-u/act/x";
    for (int variant = 0; variant < 3; variant++) {
        size_t o = 0;
        o += put(buf + o, "location", "z", 1);
        o += put(buf + o, "identifier", id, strlen(id));
        if (variant == 1) o += put(buf + o, "signature", "short", 5);
        if (variant == 2) {
            uint8_t k0[32], sig[33];
            tz_token_derive_key(SECRET, SECRET_LEN, k0);
            tz_hmac_sha256(k0, 32, (const uint8_t *)id, strlen(id), sig);
            sig[32] = 0;
            o += put(buf + o, "signature", sig, 33); /* right bytes, one too many */
        }
        char *s = encode_packets(buf, o);
        tz_token *t = PARSE_OK(s);
        free(s);
        if (!t) continue;
        CHECK(!t->signature_valid_len);
        EXPECT_ERR(verify_now(t, SECRET, SECRET_LEN, 0), TZE_TOKEN_INVALID);
        char *out = NULL;
        EXPECT_ERR(tz_token_serialize(t, &out, NULL), TZE_BAD_TOKEN);
        json_t *ex = NULL;
        EXPECT_OK(tz_token_examine_json(t, &ex));
        json_decref(ex);
        tz_token_free(t);
    }
}

static void test_verify_k0_and_result(void) {
    tz_token p = proto_user("u", "id");
    const char *cav[] = {"time < 100", "time < 200"};
    tz_token *t = mint(&p, cav, 2);
    if (!t) return;
    uint8_t k0[32];
    tz_token_derive_key(SECRET, SECRET_LEN, k0);
    tz_caveat_ctx ctx = {0};
    tz_verify_result res;
    EXPECT_OK(tz_token_verify_k0(t, k0, &ctx, TZ_SESSION_ANY, NULL, &res));
    CHECK_INT(res.n_caveats, 2);
    int64_t exp = 0;
    CHECK(tz_caveats_expiration(res.caveats, res.n_caveats, &exp) && exp == 100);
    tz_verify_result_clear(&res);
    CHECK(res.caveats == NULL && res.n_caveats == 0);
    k0[0] ^= 1;
    EXPECT_ERR(tz_token_verify_k0(t, k0, &ctx, TZ_SESSION_ANY, NULL, &res), TZE_TOKEN_INVALID);
    /* a NULL context is an empty one */
    EXPECT_OK(tz_token_verify(t, SECRET, SECRET_LEN, NULL, TZ_SESSION_ANY, NULL, &res));
    tz_verify_result_clear(&res);
    tz_token_free(t);
    /* the secret is the raw HMAC message: any bytes, any length */
    uint8_t odd[300];
    for (int i = 0; i < 300; i++) odd[i] = (uint8_t)i;
    tz_token *u = NULL;
    EXPECT_OK(tz_token_create(&p, odd, sizeof odd, NULL, 0, &u));
    if (u) {
        EXPECT_OK(tz_token_verify(u, odd, sizeof odd, NULL, TZ_SESSION_ANY, NULL, &res));
        tz_verify_result_clear(&res);
        EXPECT_ERR(tz_token_verify(u, odd, sizeof odd - 1, NULL, TZ_SESSION_ANY, NULL, &res), TZE_TOKEN_INVALID);
    }
    tz_token_free(u);
}

int main(void) {
    RUN(test_identifier_v2);
    RUN(test_identifier_noncanonical);
    RUN(test_identifier_legacy);
    RUN(test_identifier_bad);
    RUN(test_invite_types_all);
    RUN(test_type_json_accepted);
    RUN(test_type_json_rejected);
    RUN(test_type_printable);
    RUN(test_subjects);
    RUN(test_services);
    RUN(test_prefixes);
    RUN(test_size_limit);
    RUN(test_garbage);
    RUN(test_create_errors);
    RUN(test_create_fields);
    RUN(test_confine);
    RUN(test_examine);
    RUN(test_verify_order);
    RUN(test_legacy_unknown_caveat);
    RUN(test_session_binding);
    RUN(test_supported_sets);
    RUN(test_third_party);
    RUN(test_signature_absent_or_short);
    RUN(test_verify_k0_and_result);
    return TEST_REPORT();
}
