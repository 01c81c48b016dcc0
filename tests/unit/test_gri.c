/* GRI patterns and matchspecs (token-format §12.1-§12.2), the lazy API checks of api, service and
 * data access caveats (§12.2-§12.4) and the narrowing of space / service id sets. */
#include <stdlib.h>
#include <string.h>

#include "core/caveat.h"
#include "core/gri.h"
#include "core/objectid.h"
#include "harness.h"

/* Parses and re-serializes a pattern; NULL when it does not parse. */
static char *roundtrip(const char *text) {
    tz_gri_pattern p;
    if (!tz_gri_pattern_parse(text, strlen(text), &p)) return NULL;
    size_t n = tz_gri_pattern_text_len(&p);
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t w = tz_gri_pattern_write(&p, out);
    out[w] = '\0';
    return w == n ? out : NULL;
}

static void check_roundtrip(const char *text, const char *want) {
    char *got = roundtrip(text);
    CHECK_STR(got, want);
    free(got);
}

/* The serialization cases of regular GRIs (valid patterns too) and of patterns. */
static void test_pattern_serialization(void) {
    static const char *const same[] = {
        "user.self.instance:private", "group.gr-abc.user,u123:protected", "space.null.instance:shared",
        "provider.self.spaces:auto", "handleService.null.group,gr123:protected", "handle.hdle34.instance:auto",
        "harvester.hrv13.harvest_metadata:private", "token.tok9876.instance:public",
        "space_stats.spaceABC.provider_sync_progress,provider12345:private",
        "temporary_token_secret.tts123.user:private", "op_archive.qwertyuiop.instance:private",
        "op_dataset.123345456789890.instance:private", "file.891234718246113331.attrs:protected",
        "op_space.null.group,5456:shared", "op_user.u987.space,hr1ade:auto", "op_handle.null.instance:private",
        "op_handle_service.u987.instance:auto", "op_qos.null.instance:private",
        /* patterns */
        "*.gr-abc.user,u123:protected", "space.null.*:shared", "share.sh13.instance:*",
        "handleService.null.*,gr123:protected", "handle.hdle34.*,*:auto", "*.*.harvest_metadata:private",
        "atm_inventory.*.workflows:protected", "atm_workflow_schema.*.instance:*",
        "op_atm_lambda_snapshot.123234345456.instance:*", "op_atm_inventory.*.atm_workflow_schemas:*",
        "op_atm_store.*.iterator:*", "op_atm_task_execution.*.instance:private",
        "op_atm_workflow_execution.*.instance:*", "op_atm_workflow_schema.98776455341.instance:private",
        "op_atm_workflow_schema_snapshot.98776455341.instance:*", "op_dataset.qwertyuiop.*:private",
        "op_dataset.123345456789890.*:private", "file.891234718246113331.*:*", "*.null.*,*:shared", "*.*.*:*",
        "*.*.*,*:*", "storage.st.instance:private", "oz_worker.null.x:public", "onp_zone.a.b:auto",
        "op_storage.a.b:private", "op_metrics.m.x,y:shared", "cluster.c.*:protected",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) check_roundtrip(same[i], same[i]);

    /* the default scope is private and is always written out */
    check_roundtrip("share.sh13.instance", "share.sh13.instance:private");
    check_roundtrip("cluster.null.user,abc", "cluster.null.user,abc:private");
    check_roundtrip("user.*.instance", "user.*.instance:private");
    check_roundtrip("cluster.null.user,*", "cluster.null.user,*:private");
    check_roundtrip("atm_lambda.lAmBdAiD.*", "atm_lambda.lAmBdAiD.*:private");
    check_roundtrip("*.*.*", "*.*.*:private");
    /* ids may be empty or anything without separators */
    check_roundtrip("user..instance", "user..instance:private");
    check_roundtrip("user.a-b_c%20.x", "user.a-b_c%20.x:private");

    tz_gri_pattern p;
    CHECK(tz_gri_pattern_parse("handleService.null.*,gr123:protected", 36, &p));
    CHECK_INT(p.type, tz_gri_type_index("handleService", 13));
    CHECK_INT(p.id_kind, TZ_GRI_ID_NULL);
    CHECK(p.compound && p.name_any && !p.sub_any);
    CHECK(p.sub.len == 5 && memcmp(p.sub.ptr, "gr123", 5) == 0);
    CHECK_INT(p.scope, TZ_GRI_PROTECTED);
    CHECK(tz_gri_pattern_parse("*.*.*:*", 7, &p));
    CHECK_INT(p.type, TZ_GRI_ANY);
    CHECK_INT(p.id_kind, TZ_GRI_ID_ANY);
    CHECK(!p.compound && p.name_any);
    CHECK_INT(p.scope, TZ_GRI_ANY);
    CHECK(tz_gri_pattern_parse("user.self.x", 11, &p));
    CHECK_INT(p.id_kind, TZ_GRI_ID_VALUE);

    CHECK_INT(tz_gri_type_count(), 47);
    CHECK_STR(tz_gri_type_name(0), "oz_worker");
    CHECK(tz_gri_type_name(47) == NULL);
    CHECK(tz_gri_type_name(-1) == NULL);
    CHECK_INT(tz_gri_type_index("file", 4), 35);
    CHECK_INT(tz_gri_type_index("op_file", 7), -1);
    CHECK_STR(tz_gri_scope_name(TZ_GRI_AUTO), "auto");
}

static void test_pattern_errors(void) {
    static const char *const bad[] = {
        "", "rubbish", "1.2.3.4.5.6", "1.2:3", "null.123.instance:protected", "unknown.123.instance:protected",
        "user.123.apect,bin,something:protected", "user.123.aspect.rubbish", "user.123.aspect:14234534.6543",
        /* more */
        "user.123.aspect:", "user.123.aspect:PRIVATE", "user.123.aspect:private:x", "User.1.a", "user.1",
        "op_file.1.a", "od_user.1.a", "user.1.a,b,*", "user.1.a:**", "**.1.a",
    };
    tz_gri_pattern p;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool accepted = tz_gri_pattern_parse(bad[i], strlen(bad[i]), &p);
        if (accepted) fprintf(stderr, "pattern accepted: %s\n", bad[i]);
        CHECK(!accepted);
    }
}

typedef struct match_case {
    tz_gri gri;
    bool result;
    const char *pattern;
} match_case;

#define G(t, i, a, s) {t, i, a, s}

static void test_matching(void) {
    static const match_case cases[] = {
        {G("user", "self", "instance", "private"), true, "user.self.instance:private"},
        {G("user", "self", "instance", "private"), false, "group.self.instance:private"},
        {G("user", "self", "instance", "private"), false, "user.null.instance:private"},
        {G("user", "self", "instance", "private"), false, "user.self.spaces:private"},
        {G("user", "self", "instance", "private"), false, "user.self.instance:auto"},

        {G("user", "userid", "space,123", "private"), true, "*.userid.space,123:private"},
        {G("user", "userid", "space,123", "private"), true, "user.*.space,123:private"},
        {G("user", "userid", "space,123", "private"), true, "user.userid.*:private"},
        {G("user", "userid", "space,123", "private"), true, "user.userid.space,123:*"},

        {G("user", "userid", "groups", "private"), false, "*.userid.space,123:private"},
        {G("group", "userid", "space,123", "private"), false, "user.*.space,123:private"},
        {G("user", "userid", "space,123", "auto"), false, "user.userid.*:private"},
        {G("user", NULL, "space,123", "private"), false, "user.userid.space,123:*"},

        {G("user", "self", "groups", "protected"), true, "*.*.groups:protected"},
        {G("user", "self", "groups", "protected"), true, "*.self.*:protected"},
        {G("user", "self", "groups", "protected"), true, "*.self.groups:*"},
        {G("user", "self", "groups", "protected"), true, "user.*.*:protected"},
        {G("user", "self", "groups", "protected"), true, "user.*.groups:*"},
        {G("user", "self", "groups", "protected"), true, "user.self.*:*"},

        {G("user", "self", "groups", "protected"), false, "*.*.spaces:protected"},
        {G("user", "self", "groups", "protected"), false, "*.123.*:protected"},
        {G("user", "self", "groups", "protected"), false, "*.null.groups:*"},
        {G("user", "self", "groups", "protected"), false, "user.*.*:auto"},
        {G("user", "self", "groups", "protected"), false, "user.*.group,123:*"},
        {G("user", "self", "groups", "protected"), false, "space.self.*:*"},

        {G("space", "space-id", "instance", "auto"), true, "*.*.*:auto"},
        {G("space", "space-id", "instance", "auto"), true, "*.space-id.*:*"},
        {G("space", "space-id", "instance", "auto"), true, "*.*.instance:*"},
        {G("space", "space-id", "instance", "auto"), true, "space.*.*:*"},

        {G("space", "space-id", "instance", "auto"), false, "*.*.*:shared"},
        {G("space", "space-id", "instance", "auto"), false, "*.123.*:*"},
        {G("space", "space-id", "instance", "auto"), false, "*.*.spaces:*"},
        {G("space", "space-id", "instance", "auto"), false, "group.*.*:*"},

        {G("user", NULL, "instance", "shared"), true, "*.*.*:*"},
        {G("user", NULL, "instance", "shared"), false, "*.*.*,*:*"},
        {G("user", NULL, "space,123", "shared"), true, "*.*.*,*:*"},
        {G("user", NULL, "space,123", "shared"), true, "*.*.space,*:*"},
        {G("user", NULL, "space,123", "shared"), true, "*.*.*,123:*"},
        {G("user", NULL, "space,123", "shared"), false, "*.*.*,345:*"},
        {G("user", NULL, "space,123", "shared"), false, "*.*.user,123:*"},

        /* more: null ids, compound vs simple, unknown concrete types */
        {G("user", NULL, "instance", "private"), true, "user.null.instance:private"},
        {G("user", "null", "instance", "private"), false, "user.null.instance:private"},
        {G("user", "x", "space", "private"), false, "user.x.space,*:private"},
        {G("user", "x", "space,1", "private"), false, "user.x.space:private"},
        {G("user", "x", "space,1,2", "private"), true, "user.x.space,*:private"},
        {G("mystery", "x", "a", "private"), true, "*.x.a:private"},
        {G("mystery", "x", "a", "private"), false, "user.x.a:private"},
        {G("user", "", "a", "private"), true, "user..a:private"},
        {G("user", "x", "a", "private"), false, "user..a:private"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tz_gri_pattern p;
        bool parsed = tz_gri_pattern_parse(cases[i].pattern, strlen(cases[i].pattern), &p);
        CHECK(parsed);
        if (parsed && tz_gri_matches(&cases[i].gri, &p) != cases[i].result) {
            fprintf(stderr, "case %zu: %s\n", i, cases[i].pattern);
            CHECK(0);
        }
    }
    /* a GRI without type, aspect or scope matches nothing */
    tz_gri_pattern any;
    CHECK(tz_gri_pattern_parse("*.*.*:*", 7, &any));
    tz_gri none = {NULL, NULL, "a", "private"};
    CHECK(!tz_gri_matches(&none, &any));
    tz_gri noscope = {"user", NULL, "a", NULL};
    CHECK(!tz_gri_matches(&noscope, &any));
    CHECK(!tz_gri_matches(NULL, &any));
}

static void test_matchspec(void) {
    tz_matchspec m;
    CHECK(tz_matchspec_parse("ozw/all/user.*.*:auto", 21, &m));
    CHECK_INT(m.service, TZ_SVC_OZ_WORKER);
    CHECK_INT(m.operation, TZ_GRI_ANY);
    CHECK(tz_matchspec_parse("all/get/*.*.*", 13, &m));
    CHECK_INT(m.service, TZ_GRI_ANY);
    CHECK_INT(m.operation, TZ_API_GET);
    size_t n = tz_matchspec_text_len(&m);
    char buf[64];
    CHECK_INT(tz_matchspec_write(&m, buf), n);
    buf[n] = '\0';
    CHECK_STR(buf, "all/get/*.*.*:private");

    static const char *const ok[] = {"ozp/create/user.*.*", "opw/update/file.x.y:*", "opp/delete/*.*.*:*",
                                     "all/all/*.*.*:*"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) CHECK(tz_matchspec_parse(ok[i], strlen(ok[i]), &m));
    static const char *const bad[] = {"all/user.*.*:auto", "ozw/all/user.*.*:auto/x", "xyz/all/*.*.*",
                                      "ozw/list/*.*.*", "OZW/all/*.*.*", "ozw/All/*.*.*", "ozw/all/bad.*.*",
                                      "", "//", "ozw//*.*.*", "ozw-/all/*.*.*"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(!tz_matchspec_parse(bad[i], strlen(bad[i]), &m));

    tz_gri g = {"user", "u1", "instance", "private"};
    CHECK(tz_matchspec_parse("ozw/get/user.*.*:*", 18, &m));
    CHECK(tz_matchspec_matches(&m, TZ_SVC_OZ_WORKER, TZ_API_GET, &g));
    CHECK(!tz_matchspec_matches(&m, TZ_SVC_OP_WORKER, TZ_API_GET, &g));
    CHECK(!tz_matchspec_matches(&m, TZ_SVC_OZ_WORKER, TZ_API_UPDATE, &g));
    CHECK(tz_matchspec_parse("all/all/user.*.*:*", 18, &m));
    CHECK(tz_matchspec_matches(&m, TZ_SVC_OP_PANEL, TZ_API_DELETE, &g));
}

/* ---- lazy checks ---- */

static tz_caveat *cv(const char *wire) {
    tz_caveat *c = NULL;
    tz_error *e = tz_caveat_parse(wire, strlen(wire), &c);
    if (e) {
        fprintf(stderr, "cannot parse %s\n", wire);
        tz_err_free(e);
    }
    return c;
}

/* Runs the API check; returns NULL when allowed, else the failing caveat's JSON text. */
static char *check(tz_caveat **cs, size_t n, tz_service_type svc, tz_api_operation op, const char *type,
                   const char *id, const char *aspect, const char *scope) {
    tz_gri g = {type, id, aspect, scope};
    tz_error *e = tz_caveats_check_api(cs, n, svc, op, &g);
    if (!e) return NULL;
    char *out = NULL;
    if (e->id == TZE_TOKEN_CAVEAT_UNVERIFIED)
        out = json_dumps(json_object_get(e->details, "caveat"), JSON_COMPACT | JSON_SORT_KEYS);
    else
        out = strdup("other error");
    tz_err_free(e);
    return out;
}

#define ALLOWED(cs, n, svc, op, t, i, a, s) do { char *r_ = check(cs, n, svc, op, t, i, a, s); \
    if (r_) { fprintf(stderr, "%s:%d: denied by %s\n", __FILE__, __LINE__, r_); } \
    CHECK(r_ == NULL); free(r_); } while (0)
#define DENIED(cs, n, svc, op, t, i, a, s, want) do { char *r_ = check(cs, n, svc, op, t, i, a, s); \
    CHECK_STR(r_, want); free(r_); } while (0)

static void free_all(tz_caveat **cs, size_t n) {
    for (size_t i = 0; i < n; i++) tz_caveat_free(cs[i]);
}

static void test_api_caveats(void) {
    tz_caveat *cs[3] = {cv("api = ozw/get/user.*.*:*|opw/all/file.*.*:*"), cv("api = all/get/*.*.*:*"),
                        cv("time < 123")};
    ALLOWED(cs, 3, TZ_SVC_OZ_WORKER, TZ_API_GET, "user", "u", "instance", "private");
    ALLOWED(cs, 3, TZ_SVC_OP_WORKER, TZ_API_GET, "file", "f", "content", "auto");
    /* the second caveat only allows get */
    DENIED(cs, 3, TZ_SVC_OP_WORKER, TZ_API_UPDATE, "file", "f", "content", "auto",
           "{\"type\":\"api\",\"whitelist\":[\"all/get/*.*.*:*\"]}");
    /* the first caveat does not allow groups; it is reported first */
    DENIED(cs, 3, TZ_SVC_OZ_WORKER, TZ_API_GET, "group", "g", "instance", "private",
           "{\"type\":\"api\",\"whitelist\":[\"ozw/get/user.*.*:*\",\"opw/all/file.*.*:*\"]}");
    /* no caveats at all: everything allowed */
    ALLOWED(cs, 0, TZ_SVC_OZ_WORKER, TZ_API_DELETE, "token", "t", "instance", "private");
    /* non-lazy caveats do not limit the API */
    ALLOWED(cs + 2, 1, TZ_SVC_OZ_PANEL, TZ_API_DELETE, "token", "t", "instance", "private");
    free_all(cs, 3);

    tz_caveat *c1[1] = {cv("api = ozw/create/token.null.instance")};
    ALLOWED(c1, 1, TZ_SVC_OZ_WORKER, TZ_API_CREATE, "token", NULL, "instance", "private");
    DENIED(c1, 1, TZ_SVC_OZ_WORKER, TZ_API_CREATE, "token", NULL, "instance", "auto",
           "{\"type\":\"api\",\"whitelist\":[\"ozw/create/token.null.instance:private\"]}");
    DENIED(c1, 1, TZ_SVC_OZ_WORKER, TZ_API_CREATE, "token", "x", "instance", "private",
           "{\"type\":\"api\",\"whitelist\":[\"ozw/create/token.null.instance:private\"]}");
    free_all(c1, 1);
}

static void test_service_caveat_limits(void) {
    /* oz_worker whitelisted: no limit in Onezone, but nothing elsewhere */
    tz_caveat *c[1] = {cv("service = ozw-onezone")};
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_DELETE, "token", "t", "instance", "private");
    DENIED(c, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "file", "f", "instance", "private",
           "{\"type\":\"service\",\"whitelist\":[\"ozw-onezone\"]}");
    free_all(c, 1);

    /* op_worker: its own API, gets on some Onezone entities, a few creates, all on share / handle */
    c[0] = cv("service = opw-p1");
    ALLOWED(c, 1, TZ_SVC_OP_WORKER, TZ_API_DELETE, "file", "f", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "user", "u", "instance", "protected");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "group", "g", "users", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "space", "s", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "provider", "p", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "handleService", "h", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "atm_inventory", "a", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "atm_lambda", "a", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "atm_workflow_schema", "a", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_CREATE, "user", "u", "idp_access_token,github", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_CREATE, "space", "s", "infer_accessible_eff_groups", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_UPDATE, "share", "s", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_DELETE, "handle", "h", "instance", "private");
    const char *opw = "{\"type\":\"service\",\"whitelist\":[\"opw-p1\"]}";
    DENIED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_UPDATE, "user", "u", "instance", "private", opw);
    DENIED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_CREATE, "user", "u", "idp_access_token", "private", opw);
    DENIED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "cluster", "c", "instance", "private", opw);
    DENIED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "token", "t", "instance", "private", opw);
    DENIED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_CREATE, "space", "s", "instance", "private", opw);
    DENIED(c, 1, TZ_SVC_OP_PANEL, TZ_API_GET, "onp_zone", "z", "instance", "private", opw);
    free_all(c, 1);

    /* panels: their own API plus gets on user / cluster / provider in Onezone */
    c[0] = cv("service = ozp-onezone");
    ALLOWED(c, 1, TZ_SVC_OZ_PANEL, TZ_API_UPDATE, "onp_zone", "z", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "cluster", "c", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "provider", "p", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "user", "u", "instance", "private");
    DENIED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "space", "s", "instance", "private",
           "{\"type\":\"service\",\"whitelist\":[\"ozp-onezone\"]}");
    DENIED(c, 1, TZ_SVC_OP_PANEL, TZ_API_GET, "onp_zone", "z", "instance", "private",
           "{\"type\":\"service\",\"whitelist\":[\"ozp-onezone\"]}");
    free_all(c, 1);
    c[0] = cv("service = opp-*");
    ALLOWED(c, 1, TZ_SVC_OP_PANEL, TZ_API_UPDATE, "onp_zone", "z", "instance", "private");
    DENIED(c, 1, TZ_SVC_OZ_PANEL, TZ_API_GET, "onp_zone", "z", "instance", "private",
           "{\"type\":\"service\",\"whitelist\":[\"opp-*\"]}");
    free_all(c, 1);

    /* the union of the whitelisted types counts */
    c[0] = cv("service = opp-p|ozw-onezone");
    ALLOWED(c, 1, TZ_SVC_OP_PANEL, TZ_API_UPDATE, "onp_zone", "z", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_DELETE, "space", "s", "instance", "private");
    DENIED(c, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "file", "f", "instance", "private",
           "{\"type\":\"service\",\"whitelist\":[\"opp-p\",\"ozw-onezone\"]}");
    free_all(c, 1);

    /* api caveats are evaluated before service caveats */
    tz_caveat *two[2] = {cv("service = opw-p"), cv("api = ozw/get/space.*.*")};
    DENIED(two, 2, TZ_SVC_OZ_WORKER, TZ_API_GET, "token", "t", "instance", "private",
           "{\"type\":\"api\",\"whitelist\":[\"ozw/get/space.*.*:private\"]}");
    DENIED(two, 2, TZ_SVC_OZ_WORKER, TZ_API_GET, "space", "t", "instance", "auto",
           "{\"type\":\"api\",\"whitelist\":[\"ozw/get/space.*.*:private\"]}");
    ALLOWED(two, 2, TZ_SVC_OZ_WORKER, TZ_API_GET, "space", "t", "instance", "private");
    free_all(two, 2);
}

static char *path_b64(const char *path) {
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(path), o = 0;
    char *out = malloc((n + 2) / 3 * 4 + 1);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)path[i] << 16;
        if (i + 1 < n) v |= (uint32_t)(unsigned char)path[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)path[i + 2];
        out[o++] = alpha[v >> 18];
        out[o++] = alpha[v >> 12 & 63];
        out[o++] = i + 1 < n ? alpha[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? alpha[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* A data.path caveat over paths in the given spaces. */
static tz_caveat *path_caveat(const char *const *spaces, size_t n) {
    char wire[1024] = "data.path = ";
    for (size_t i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "/%s/dir%zu/file.txt", spaces[i], i);
        char *b = path_b64(path);
        if (i) strcat(wire, "|");
        strcat(wire, b);
        free(b);
    }
    return cv(wire);
}

static tz_caveat *objectid_caveat(const char *const *spaces, size_t n) {
    char wire[2048] = "data.objectid = ";
    for (size_t i = 0; i < n; i++) {
        char *oid = NULL;
        char uuid[32];
        snprintf(uuid, sizeof uuid, "uuid%zu", i);
        tz_error *e = tz_objectid_from_guid_parts(uuid, spaces[i], &oid);
        CHECK(e == NULL);
        if (i) strcat(wire, "|");
        strcat(wire, oid ? oid : "");
        free(oid);
    }
    return cv(wire);
}

static void test_data_access_limits(void) {
    static const char *const s12[] = {"s1", "s2"};
    tz_caveat *c[1] = {path_caveat(s12, 2)};
    const tz_caveat_type t = tz_caveat_get_type(c[0]);
    CHECK_INT(t, TZ_CV_DATA_PATH);
    const char *json = "{\"type\":\"data.path\",\"whitelist\":[\"L3MxL2RpcjAvZmlsZS50eHQ=\",\"L3MyL2RpcjEvZmlsZS50eHQ=\"]}";
    /* op_worker: files, listing spaces, the allowed spaces' instances */
    ALLOWED(c, 1, TZ_SVC_OP_WORKER, TZ_API_UPDATE, "file", "f", "content", "private");
    ALLOWED(c, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", NULL, "list", "private");
    ALLOWED(c, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "s1", "instance", "private");
    ALLOWED(c, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "s2", "instance", "private");
    DENIED(c, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "s3", "instance", "private", json);
    DENIED(c, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "s1", "instance", "auto", json);
    DENIED(c, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "x", "list", "private", json);
    DENIED(c, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_transfer", "x", "instance", "private", json);
    /* oz_worker: users, shares, allowed spaces (any scope) */
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "user", "u", "instance", "protected");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "share", "sh", "instance", "public");
    ALLOWED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "space", "s2", "instance", "auto");
    DENIED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "space", "s3", "instance", "auto", json);
    DENIED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "user", "u", "groups", "private", json);
    DENIED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_UPDATE, "user", "u", "instance", "private", json);
    DENIED(c, 1, TZ_SVC_OZ_WORKER, TZ_API_CREATE, "token", NULL, "instance", "private", json);
    /* panels: nothing */
    DENIED(c, 1, TZ_SVC_OZ_PANEL, TZ_API_GET, "user", "u", "instance", "private", json);
    DENIED(c, 1, TZ_SVC_OP_PANEL, TZ_API_GET, "op_space", NULL, "list", "private", json);
    free_all(c, 1);

    /* readonly and interface = oneclient: unrestricted spaces */
    tz_caveat *ro[1] = {cv("data.readonly")};
    ALLOWED(ro, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "any", "instance", "private");
    ALLOWED(ro, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "space", "any", "instance", "private");
    DENIED(ro, 1, TZ_SVC_OZ_WORKER, TZ_API_GET, "space", "any", "users", "private", "{\"type\":\"data.readonly\"}");
    DENIED(ro, 1, TZ_SVC_OP_PANEL, TZ_API_GET, "space", "any", "instance", "private", "{\"type\":\"data.readonly\"}");
    free_all(ro, 1);
    tz_caveat *oc[1] = {cv("interface = oneclient")};
    ALLOWED(oc, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "any", "instance", "private");
    DENIED(oc, 1, TZ_SVC_OZ_WORKER, TZ_API_DELETE, "space", "any", "instance", "private",
           "{\"interface\":\"oneclient\",\"type\":\"interface\"}");
    free_all(oc, 1);
    /* other interfaces are no data access caveats */
    tz_caveat *rest[1] = {cv("interface = rest")};
    ALLOWED(rest, 1, TZ_SVC_OZ_WORKER, TZ_API_DELETE, "space", "any", "instance", "private");
    free_all(rest, 1);

    /* objectid: the spaces inside the ids; invalid ids are ignored */
    static const char *const sx[] = {"sx"};
    tz_caveat *oid[1] = {objectid_caveat(sx, 1)};
    ALLOWED(oid, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "sx", "instance", "private");
    ALLOWED(oid, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "file", "f", "instance", "private");
    char *r = check(oid, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "sy", "instance", "private");
    CHECK(r != NULL);
    free(r);
    free_all(oid, 1);
    tz_caveat *junk[1] = {cv("data.objectid = nothex|0000")};
    ALLOWED(junk, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "file", "f", "instance", "private");
    r = check(junk, 1, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "nothex", "instance", "private");
    CHECK_STR(r, "{\"type\":\"data.objectid\",\"whitelist\":[\"nothex\",\"0000\"]}");
    free(r);
    free_all(junk, 1);

    /* each data access caveat must allow the operation; service caveats come first */
    static const char *const s1[] = {"s1"}, *const s2[] = {"s2"};
    tz_caveat *three[3] = {path_caveat(s1, 1), path_caveat(s2, 1), cv("service = opp-x")};
    r = check(three, 3, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "s1", "instance", "private");
    CHECK_STR(r, "{\"type\":\"service\",\"whitelist\":[\"opp-x\"]}");
    free(r);
    r = check(three, 2, TZ_SVC_OP_WORKER, TZ_API_GET, "op_space", "s1", "instance", "private");
    CHECK_STR(r, "{\"type\":\"data.path\",\"whitelist\":[\"L3MyL2RpcjAvZmlsZS50eHQ=\"]}");
    free(r);
    ALLOWED(three, 2, TZ_SVC_OP_WORKER, TZ_API_GET, "file", "f", "instance", "private");
    free_all(three, 3);
}

/* Compares a matched set with the expected ids (order included). */
static void check_set(const char **got, size_t n, const char *const *want, size_t n_want) {
    CHECK_INT(n, n_want);
    for (size_t i = 0; i < n && i < n_want; i++) CHECK_STR(got[i], want[i]);
}

static void test_match_spaces(void) {
    static const char *const all123[] = {"1", "2", "3"}, *const all1234[] = {"1", "2", "3", "4"};
    static const char *const star[] = {"*"};
    static const char *const s1[] = {"1"}, *const s2[] = {"2"}, *const s3[] = {"3"};
    static const char *const s13[] = {"1", "3"}, *const s12[] = {"1", "2"}, *const s23[] = {"2", "3"};
    const char **got;
    size_t n;

    /* no caveats */
    CHECK(tz_caveats_match_spaces(NULL, 0, all123, 3, &got, &n) == NULL);
    check_set(got, n, all123, 3);
    free(got);

    /* objectid in 1, path in 2: nothing left (readonly / oneclient do not narrow) */
    tz_caveat *a[4] = {objectid_caveat(s1, 1), cv("data.readonly"), path_caveat(s2, 1), cv("interface = oneclient")};
    CHECK(tz_caveats_match_spaces(a, 4, all123, 3, &got, &n) == NULL);
    CHECK_INT(n, 0);
    CHECK(got == NULL);
    free_all(a, 4);

    /* objectid 3, paths 1 and 3, from "every space" */
    tz_caveat *b[2] = {objectid_caveat(s3, 1), path_caveat(s13, 2)};
    CHECK(tz_caveats_match_spaces(b, 2, star, 1, &got, &n) == NULL);
    check_set(got, n, s3, 1);
    free(got);
    free_all(b, 2);

    static const char *const oids123[] = {"1", "2", "3"};
    tz_caveat *c[1] = {objectid_caveat(oids123, 3)};
    CHECK(tz_caveats_match_spaces(c, 1, all123, 3, &got, &n) == NULL);
    check_set(got, n, all123, 3);
    free(got);
    free_all(c, 1);

    tz_caveat *d[1] = {objectid_caveat(s23, 2)};
    CHECK(tz_caveats_match_spaces(d, 1, NULL, 0, &got, &n) == NULL);
    CHECK_INT(n, 0);
    free_all(d, 1);

    tz_caveat *e[3] = {objectid_caveat(s1, 1), path_caveat(s12, 2), path_caveat(all123, 3)};
    CHECK(tz_caveats_match_spaces(e, 3, all1234, 4, &got, &n) == NULL);
    check_set(got, n, s1, 1);
    free(got);
    free_all(e, 3);

    tz_caveat *f[2] = {path_caveat(all123, 3), cv("data.readonly")};
    CHECK(tz_caveats_match_spaces(f, 2, star, 1, &got, &n) == NULL);
    check_set(got, n, all123, 3);
    free(got);
    free_all(f, 2);

    /* only non-narrowing caveats from "every space" keep the wildcard */
    tz_caveat *g[1] = {cv("data.readonly")};
    CHECK(tz_caveats_match_spaces(g, 1, star, 1, &got, &n) == NULL);
    check_set(got, n, star, 1);
    free(got);
    free_all(g, 1);

    /* duplicates in a caveat's list appear once */
    static const char *const dup[] = {"2", "2", "1"};
    tz_caveat *h[1] = {path_caveat(dup, 3)};
    CHECK(tz_caveats_match_spaces(h, 1, star, 1, &got, &n) == NULL);
    static const char *const want21[] = {"2", "1"};
    check_set(got, n, want21, 2);
    free(got);
    free_all(h, 1);
}

static void test_match_service_ids(void) {
    static const char *const all123[] = {"1", "2", "3"}, *const all12[] = {"1", "2"};
    static const char *const all1234[] = {"1", "2", "3", "4"}, *const star[] = {"*"};
    static const char *const one[] = {"1"}, *const three[] = {"3"};
    const char **got;
    size_t n;

    CHECK(tz_caveats_match_service_ids(NULL, 0, TZ_SVC_OP_WORKER, all123, 3, &got, &n) == NULL);
    check_set(got, n, all123, 3);
    free(got);

    tz_caveat *a[1] = {cv("service = ozw-1|opp-2")};
    CHECK(tz_caveats_match_service_ids(a, 1, TZ_SVC_OP_WORKER, all123, 3, &got, &n) == NULL);
    CHECK_INT(n, 0);
    free_all(a, 1);

    tz_caveat *b[1] = {cv("service = opp-3|ozw-3|opw-*")};
    CHECK(tz_caveats_match_service_ids(b, 1, TZ_SVC_OP_PANEL, all123, 3, &got, &n) == NULL);
    check_set(got, n, three, 1);
    free(got);
    CHECK(tz_caveats_match_service_ids(b, 1, TZ_SVC_OP_WORKER, all123, 3, &got, &n) == NULL);
    check_set(got, n, all123, 3);
    free(got);
    free_all(b, 1);

    tz_caveat *c[1] = {cv("service = ozp-4|ozp-5|ozp-*")};
    CHECK(tz_caveats_match_service_ids(c, 1, TZ_SVC_OZ_PANEL, all123, 3, &got, &n) == NULL);
    check_set(got, n, all123, 3);
    free(got);
    free_all(c, 1);

    tz_caveat *d[1] = {cv("service = ozp-1|ozp-2")};
    CHECK(tz_caveats_match_service_ids(d, 1, TZ_SVC_OZ_PANEL, star, 1, &got, &n) == NULL);
    CHECK_INT(n, 0);
    free_all(d, 1);

    tz_caveat *e[2] = {cv("service = opw-1"), cv("service = opw-2")};
    CHECK(tz_caveats_match_service_ids(e, 2, TZ_SVC_OP_WORKER, all12, 2, &got, &n) == NULL);
    CHECK_INT(n, 0);
    free_all(e, 2);

    tz_caveat *f[3] = {cv("service = ozw-1"), cv("service = ozw-1|ozw-2"), cv("service = ozw-1|ozw-2|ozw-3")};
    CHECK(tz_caveats_match_service_ids(f, 3, TZ_SVC_OZ_WORKER, all1234, 4, &got, &n) == NULL);
    check_set(got, n, one, 1);
    free(got);
    free_all(f, 3);

    tz_caveat *g[4] = {cv("service = opp-1"), cv("service = opp-1|opp-2"), cv("service = opp-1|opp-2|opp-3"),
                       cv("service = opp-*|opp-2|opp-*")};
    CHECK(tz_caveats_match_service_ids(g, 4, TZ_SVC_OP_PANEL, all1234, 4, &got, &n) == NULL);
    check_set(got, n, one, 1);
    free(got);
    free_all(g, 4);
}

int main(void) {
    RUN(test_pattern_serialization);
    RUN(test_pattern_errors);
    RUN(test_matching);
    RUN(test_matchspec);
    RUN(test_api_caveats);
    RUN(test_service_caveat_limits);
    RUN(test_data_access_limits);
    RUN(test_match_spaces);
    RUN(test_match_service_ids);
    return TEST_REPORT();
}
