/* The pure parts of the REST client: the operation table (against the swagger operationIds and
 * the server's router), argument parsing, path encoding, body building, base URL and credential
 * checks, and the --dry-run curl command. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "cli/client_http.h"
#include "cli/client_ops.h"
#include "cli/client_request.h"
#include "http/routes.h"
#include "harness.h"

/* ------------------------------------------------------------------------- table */

/* The swagger operationIds (snake_case) with their routes, plus infer_access_token_scope. */
static const struct { const char *id, *method, *path; } SWAGGER[] = {
    {"examine_token", "POST", "/tokens/examine"},
    {"confine_token", "POST", "/tokens/confine"},
    {"infer_access_token_scope", "POST", "/tokens/infer_access_token_scope"},
    {"verify_access_token", "POST", "/tokens/verify_access_token"},
    {"verify_identity_token", "POST", "/tokens/verify_identity_token"},
    {"verify_invite_token", "POST", "/tokens/verify_invite_token"},
    {"list_all_named_tokens", "GET", "/tokens/named"},
    {"get_named_token", "GET", "/tokens/named/{id}"},
    {"modify_named_token", "PATCH", "/tokens/named/{id}"},
    {"delete_named_token", "DELETE", "/tokens/named/{id}"},
    {"get_named_token_status", "GET", "/tokens/named/{id}/status"},
    {"create_temporary_token_for_user", "POST", "/users/{id}/tokens/temporary"},
    {"get_temporary_token_generation_of_user", "GET", "/users/{id}/tokens/temporary"},
    {"revoke_all_temporary_tokens_of_user", "DELETE", "/users/{id}/tokens/temporary"},
    {"create_named_token_for_user", "POST", "/users/{id}/tokens/named"},
    {"list_named_tokens_of_user", "GET", "/users/{id}/tokens/named"},
    {"delete_named_tokens_of_user", "DELETE", "/users/{id}/tokens/named"},
    {"get_named_token_of_user_by_name", "GET", "/users/{id}/tokens/named/name/{name}"},
    {"create_temporary_token_for_current_user", "POST", "/user/tokens/temporary"},
    {"get_temporary_token_generation_of_current_user", "GET", "/user/tokens/temporary"},
    {"revoke_all_temporary_tokens_of_current_user", "DELETE", "/user/tokens/temporary"},
    {"create_named_token_for_current_user", "POST", "/user/tokens/named"},
    {"list_named_tokens_of_current_user", "GET", "/user/tokens/named"},
    {"delete_named_tokens_of_current_user", "DELETE", "/user/tokens/named"},
    {"get_named_token_of_current_user_by_name", "GET", "/user/tokens/named/name/{name}"},
    {"create_temporary_token_for_provider", "POST", "/providers/{id}/tokens/temporary"},
    {"get_temporary_token_generation_of_provider", "GET", "/providers/{id}/tokens/temporary"},
    {"revoke_all_temporary_tokens_of_provider", "DELETE", "/providers/{id}/tokens/temporary"},
    {"create_named_token_for_provider", "POST", "/providers/{id}/tokens/named"},
    {"list_named_tokens_of_provider", "GET", "/providers/{id}/tokens/named"},
    {"delete_named_tokens_of_provider", "DELETE", "/providers/{id}/tokens/named"},
    {"get_named_token_of_provider_by_name", "GET", "/providers/{id}/tokens/named/name/{name}"},
    {"create_temporary_token_for_current_provider", "POST", "/provider/tokens/temporary"},
    {"get_temporary_token_generation_of_current_provider", "GET", "/provider/tokens/temporary"},
    {"revoke_all_temporary_tokens_of_current_provider", "DELETE", "/provider/tokens/temporary"},
    {"create_named_token_for_current_provider", "POST", "/provider/tokens/named"},
    {"list_named_tokens_of_current_provider", "GET", "/provider/tokens/named"},
    {"delete_named_tokens_of_current_provider", "DELETE", "/provider/tokens/named"},
    {"get_named_token_of_current_provider_by_name", "GET", "/provider/tokens/named/name/{name}"},
};
#define N_SWAGGER (sizeof SWAGGER / sizeof SWAGGER[0])

static void camel_case(const char *snake, char *out, size_t cap) {
    size_t w = 0;
    bool upper = false;
    for (const char *c = snake; *c && w + 1 < cap; c++) {
        if (*c == '_') {
            upper = true;
            continue;
        }
        out[w++] = upper ? (char)toupper((unsigned char)*c) : *c;
        upper = false;
    }
    out[w] = '\0';
}

static void test_table_matches_swagger(void) {
    size_t n;
    (void)tz_client_ops(&n);
    CHECK_INT(n, 39 + 43);  /* + invites, directory and legacy routes */
    CHECK_INT(N_SWAGGER, 39);
    for (size_t i = 0; i < N_SWAGGER; i++) {
        char camel[128];
        camel_case(SWAGGER[i].id, camel, sizeof camel);
        bool by_alias = true;
        const tz_client_op *op = tz_client_op_find(camel, &by_alias);
        CHECK(op != NULL);
        if (!op) {
            fprintf(stderr, "  missing operation %s\n", camel);
            continue;
        }
        CHECK(!by_alias);
        CHECK_STR(op->method, SWAGGER[i].method);
        CHECK_STR(op->path, SWAGGER[i].path);
    }
}

static void test_table_names_unique_and_wellformed(void) {
    size_t n;
    const tz_client_op *ops = tz_client_ops(&n);
    for (size_t i = 0; i < n; i++) {
        CHECK(islower((unsigned char)ops[i].name[0]));
        CHECK(strspn(ops[i].alias, "abcdefghijklmnopqrstuvwxyz-") == strlen(ops[i].alias));
        CHECK(ops[i].summary && *ops[i].summary);
        CHECK(!strncmp(ops[i].example, "tokenzone ", 10));
        CHECK((unsigned)ops[i].group < TZ_GROUP__COUNT);
        CHECK(strcmp(tz_client_group_title(ops[i].group), "Other") != 0);
        /* the example names the operation itself */
        CHECK(!strncmp(ops[i].example + 10, ops[i].name, strlen(ops[i].name)));
        for (size_t j = 0; j < n; j++) {
            if (i == j) continue;
            CHECK(strcmp(ops[i].name, ops[j].name) != 0);
            CHECK(strcmp(ops[i].alias, ops[j].alias) != 0);
            CHECK(strcmp(ops[i].name, ops[j].alias) != 0);
            /* one operation per method + path, like the server's route list */
            CHECK(strcmp(ops[i].method, ops[j].method) || strcmp(ops[i].path, ops[j].path));
        }
        /* parameter names are unique within an operation */
        for (const tz_client_param *const *p = ops[i].params; *p; p++)
            for (const tz_client_param *const *q = p + 1; *q; q++)
                CHECK(strcmp((*p)->name, (*q)->name) != 0);
    }
}

/* Path params are listed first and in template order, exactly the template's placeholders. */
static void test_table_path_params_match_template(void) {
    size_t n;
    const tz_client_op *ops = tz_client_ops(&n);
    for (size_t i = 0; i < n; i++) {
        const char *t = ops[i].path;
        const tz_client_param *const *p = ops[i].params;
        while ((t = strchr(t, '{'))) {
            const char *close = strchr(t, '}');
            CHECK(close != NULL);
            if (!close) break;
            CHECK(*p && (*p)->kind == TZ_PARAM_PATH);
            if (!*p) break;
            CHECK(strlen((*p)->name) == (size_t)(close - t - 1) &&
                  !strncmp((*p)->name, t + 1, (size_t)(close - t - 1)));
            p++;
            t = close + 1;
        }
        for (; *p; p++) CHECK((*p)->kind != TZ_PARAM_PATH);
        /* bodies only on methods that carry one */
        bool has_body_param = false;
        for (p = ops[i].params; *p; p++) has_body_param |= (*p)->kind != TZ_PARAM_PATH;
        CHECK(!has_body_param || tz_client_op_has_body(&ops[i]));
    }
}

/* Every operation's request reaches the server's route for it (same router code as the server). */
static void test_table_routes_match_server(void) {
    size_t n;
    const tz_client_op *ops = tz_client_ops(&n);
    for (size_t i = 0; i < n; i++) {
        char *argv[] = {"id=a1b2", "name=my token"};
        int argc = 0;
        for (const tz_client_param *const *p = ops[i].params; *p; p++)
            if ((*p)->kind == TZ_PARAM_PATH) argc++;
        tz_client_request req;
        tz_error *err = tz_client_request_parse(&ops[i], false, 0, NULL, NULL, NULL, &req);
        CHECK(argc > 0 ? err != NULL : err == NULL);
        tz_err_free(err);
        tz_client_request_clear(&req);
        /* ops with only {name} take argv[1] */
        char **args = argc == 1 && strstr(ops[i].path, "{name}") ? argv + 1 : argv;
        err = tz_client_request_parse(&ops[i], false, argc, args, NULL, NULL, &req);
        CHECK(err == NULL);
        tz_err_free(err);
        if (!req.path) continue;
        char full[512], scratch[512];
        snprintf(full, sizeof full, "%s%s", TZ_REST_PREFIX, req.path);
        tz_route route;
        tz_route_status st = tz_route_match(ops[i].method, full, strlen(full), scratch,
                                            sizeof scratch, &route);
        CHECK_INT(st, TZ_ROUTE_OK);
        if (st != TZ_ROUTE_OK) fprintf(stderr, "  no server route for %s %s\n", ops[i].method, full);
        if (st == TZ_ROUTE_OK && strstr(ops[i].path, "{name}")) CHECK_STR(route.name, "my token");
        tz_client_request_clear(&req);
    }
}

static void test_find(void) {
    bool alias = false;
    const tz_client_op *op = tz_client_op_find("getNamedTokenStatus", &alias);
    CHECK(op && !alias);
    CHECK(op == tz_client_op_find("token-status", &alias));
    CHECK(alias);
    CHECK(tz_client_op_find("revokeAllTemporaryTokensOfCurrentUser", NULL) != NULL);
    CHECK(tz_client_op_find("inferAccessTokenScope", NULL) != NULL);
    CHECK(tz_client_op_find("getnamedtokenstatus", NULL) == NULL);
    CHECK(tz_client_op_find("get_named_token_status", NULL) == NULL);
    CHECK(tz_client_op_find("", NULL) == NULL);
    CHECK(tz_client_op_find(NULL, NULL) == NULL);
    CHECK(tz_client_op_find("serve", NULL) == NULL);
    CHECK(tz_client_op_find("help", NULL) == NULL);
}

/* ------------------------------------------------------------------------- parsing helpers */

static const tz_client_op *op_named(const char *name) {
    const tz_client_op *op = tz_client_op_find(name, NULL);
    if (!op) {
        fprintf(stderr, "no operation %s\n", name);
        abort();
    }
    return op;
}

/* Parses and returns the error id (-1 for success); *body_out gets the compact body. */
static int parse_ex(const char *op_name, bool positional, int argc, char **argv,
                    tz_client_reader read, char **path_out, char **body_out, long long *ttl) {
    tz_client_request req;
    tz_error *err = tz_client_request_parse(op_named(op_name), positional, argc, argv, read, NULL,
                                            &req);
    int id = err ? (int)err->id : -1;
    if (err) CHECK(tz_client_error_hint(err) != NULL || err->id == TZE_BAD_VALUE_TOO_LOW);
    tz_err_free(err);
    if (path_out) *path_out = req.path ? strdup(req.path) : NULL;
    if (body_out) *body_out = tz_client_request_body_text(&req);
    if (ttl) *ttl = req.ttl;
    tz_client_request_clear(&req);
    return id;
}

static int parse(const char *op_name, int argc, char **argv, char **path, char **body) {
    return parse_ex(op_name, false, argc, argv, NULL, path, body, NULL);
}

static void check_body(const char *op_name, int argc, char **argv, const char *want) {
    char *body = NULL;
    CHECK_INT(parse(op_name, argc, argv, NULL, &body), -1);
    CHECK_STR(body, want);
    free(body);
}

static void check_error(const char *op_name, int argc, char **argv, int want) {
    CHECK_INT(parse(op_name, argc, argv, NULL, NULL), want);
}

/* ------------------------------------------------------------------------- parsing */

static void test_parse_path_params(void) {
    char *path = NULL, *body = NULL;
    char *a1[] = {"id=abc"};
    CHECK_INT(parse("getNamedTokenStatus", 1, a1, &path, &body), -1);
    CHECK_STR(path, "/tokens/named/abc/status");
    CHECK(body == NULL); /* GET carries no body */
    free(path);
    char *a2[] = {"name==my-token-1", "id=$USER"}; /* swagger example syntax, any order */
    CHECK_INT(parse("getNamedTokenOfUserByName", 2, a2, &path, NULL), -1);
    CHECK_STR(path, "/users/%24USER/tokens/named/name/my-token-1");
    free(path);
    char *a3[] = {"u1", "tok name"};
    CHECK_INT(parse_ex("users-get-named", true, 2, a3, NULL, &path, NULL, NULL), -1);
    CHECK_STR(path, "/users/u1/tokens/named/name/tok%20name");
    free(path);
    char *a4[] = {"name=n", "u2"}; /* positional fills the remaining path param */
    CHECK_INT(parse_ex("users-get-named", true, 2, a4, NULL, &path, NULL, NULL), -1);
    CHECK_STR(path, "/users/u2/tokens/named/name/n");
    free(path);
    char **a5 = NULL;
    CHECK_INT(parse("revokeAllTemporaryTokensOfCurrentUser", 0, a5, &path, &body), -1);
    CHECK_STR(path, "/user/tokens/temporary");
    CHECK(body == NULL);
    free(path);
}

static void test_parse_path_errors(void) {
    char **missing = NULL;
    check_error("getNamedToken", 0, missing, TZE_MISSING_REQUIRED_VALUE);
    char *empty[] = {"id="};
    check_error("getNamedToken", 1, empty, TZE_BAD_VALUE_EMPTY);
    char *twice[] = {"id=a", "id=b"};
    check_error("getNamedToken", 2, twice, TZE_BAD_DATA);
    char *bare[] = {"abc"}; /* positional only through the alias */
    check_error("getNamedToken", 1, bare, TZE_BAD_DATA);
    char *extra[] = {"a", "b"};
    CHECK_INT(parse_ex("token-get", true, 2, extra, NULL, NULL, NULL, NULL), TZE_BAD_DATA);
    char *both[] = {"a", "id=b"};
    CHECK_INT(parse_ex("token-get", true, 2, both, NULL, NULL, NULL, NULL), TZE_BAD_DATA);
    char *raw[] = {"id:=\"a\""};
    check_error("getNamedToken", 1, raw, TZE_BAD_DATA);
    char *unknown[] = {"id=a", "foo=b"};
    check_error("getNamedToken", 2, unknown, TZE_BAD_DATA);
    char *nokey[] = {"=x"};
    check_error("getNamedToken", 1, nokey, TZE_BAD_DATA);
    char *rawnokey[] = {":=1"};
    check_error("confineToken", 1, rawnokey, TZE_BAD_DATA);
    /* a body field of another operation is unknown here */
    char *other[] = {"id=a", "revoked=true"};
    check_error("getNamedToken", 2, other, TZE_BAD_DATA);
    char *ttl_on_get[] = {"ttl=5"};
    check_error("getTemporaryTokenGenerationOfCurrentUser", 1, ttl_on_get, TZE_BAD_DATA);
}

static void test_parse_typed_fields(void) {
    char *a1[] = {"id=t1", "revoked=true"};
    check_body("modifyNamedToken", 2, a1, "{\"revoked\":true}");
    char *a2[] = {"id=t1", "revoked==false", "name=new name",
                  "customMetadata={\"k\":[1,2]}"};
    check_body("modifyNamedToken", 4, a2,
               "{\"revoked\":false,\"name\":\"new name\",\"customMetadata\":{\"k\":[1,2]}}");
    char *a3[] = {"name=x", "type={\"identityToken\":{}}", "caveats=[]", "usageLimit=5",
                  "privileges=[\"space_view\"]"};
    check_body("createNamedTokenForCurrentUser", 5, a3,
               "{\"name\":\"x\",\"type\":{\"identityToken\":{}},\"caveats\":[],\"usageLimit\":5,"
               "\"privileges\":[\"space_view\"]}");
    char *a4[] = {"name=x", "usageLimit=infinity"};
    check_body("createNamedTokenForCurrentUser", 2, a4, "{\"name\":\"x\",\"usageLimit\":\"infinity\"}");
    char *a5[] = {"name=x", "usageLimit=-3"}; /* the server reports badValueTooLow */
    check_body("createNamedTokenForCurrentUser", 2, a5, "{\"name\":\"x\",\"usageLimit\":-3}");
    char *a6[] = {"token=MDAx", "peerIp=1.2.3.4", "interface=rest", "serviceToken=S",
                  "consumerToken=C", "allowDataAccessCaveats=false"};
    check_body("verifyAccessToken", 6, a6,
               "{\"token\":\"MDAx\",\"peerIp\":\"1.2.3.4\",\"interface\":\"rest\","
               "\"serviceToken\":\"S\",\"consumerToken\":\"C\",\"allowDataAccessCaveats\":false}");
    char *a7[] = {"token=T", "peerIp:=null", "consumerToken:=null"};
    check_body("verifyIdentityToken", 3, a7,
               "{\"token\":\"T\",\"peerIp\":null,\"consumerToken\":null}");
    char *a8[] = {"token=T", "expectedInviteType=userJoinSpace"};
    check_body("verifyInviteToken", 2, a8, "{\"token\":\"T\",\"expectedInviteType\":\"userJoinSpace\"}");
    char *a9[] = {"token=T", "consumerToken=C"};
    check_body("inferAccessTokenScope", 2, a9, "{\"token\":\"T\",\"consumerToken\":\"C\"}");
    char *a10[] = {"name:=5"}; /* raw JSON lets a wrong type through to the server */
    check_body("createNamedTokenForCurrentUser", 1, a10, "{\"name\":5}");
    char *a11[] = {"token=a=b"}; /* only the first '=' separates */
    check_body("examineToken", 1, a11, "{\"token\":\"a=b\"}");
    char **a12 = NULL;
    check_body("examineToken", 0, a12, "{}"); /* POST always carries a JSON object */
    char *a13[] = {"customMetadata:={}", "id=x"};
    check_body("modifyNamedToken", 2, a13, "{\"customMetadata\":{}}");
}

static void test_parse_typed_errors(void) {
    char *b1[] = {"id=t", "revoked=yes"};
    check_error("modifyNamedToken", 2, b1, TZE_BAD_VALUE_BOOLEAN);
    char *b2[] = {"id=t", "revoked=True"};
    check_error("modifyNamedToken", 2, b2, TZE_BAD_VALUE_BOOLEAN);
    char *b3[] = {"token=T", "allowDataAccessCaveats="};
    check_error("verifyAccessToken", 2, b3, TZE_BAD_VALUE_BOOLEAN);
    char *j1[] = {"token=T", "caveats=[{"};
    check_error("confineToken", 2, j1, TZE_BAD_VALUE_JSON);
    char *j2[] = {"id=t", "customMetadata="};
    check_error("modifyNamedToken", 2, j2, TZE_BAD_VALUE_JSON);
    char *j3[] = {"token:=nope"};
    check_error("examineToken", 1, j3, TZE_BAD_VALUE_JSON);
    char *s1[] = {"token=\xff\xfe"};
    check_error("examineToken", 1, s1, TZE_BAD_VALUE_STRING);
    char *u1[] = {"name=x", "usageLimit=\xff"};
    check_error("createNamedTokenForCurrentUser", 2, u1, TZE_BAD_VALUE_INTEGER);
    char *d1[] = {"token=a", "token=b"};
    check_error("examineToken", 2, d1, TZE_BAD_DATA);
    char *d2[] = {"token=a", "token:=\"b\""};
    check_error("examineToken", 2, d2, TZE_BAD_DATA);
}

static void test_parse_ttl(void) {
    long long ttl = 0;
    char *body = NULL;
    char *a1[] = {"ttl=3600"};
    CHECK_INT(parse_ex("createTemporaryTokenForCurrentUser", false, 1, a1, NULL, NULL, &body, &ttl), -1);
    CHECK_INT(ttl, 3600);
    CHECK_STR(body, "{}"); /* the caveat is added once the time is known */
    free(body);
    char *e1[] = {"ttl=0"};
    check_error("createTemporaryTokenForCurrentUser", 1, e1, TZE_BAD_VALUE_TOO_LOW);
    char *e2[] = {"ttl=-5"};
    check_error("createTemporaryTokenForCurrentUser", 1, e2, TZE_BAD_VALUE_INTEGER);
    char *e3[] = {"ttl=1h"};
    check_error("createTemporaryTokenForCurrentUser", 1, e3, TZE_BAD_VALUE_INTEGER);
    char *e4[] = {"ttl="};
    check_error("createTemporaryTokenForCurrentUser", 1, e4, TZE_BAD_VALUE_INTEGER);
    char *e5[] = {"ttl=99999999999"};
    check_error("createTemporaryTokenForCurrentUser", 1, e5, TZE_BAD_VALUE_INTEGER);
    char *e6[] = {"ttl=3155760001"};
    check_error("createTemporaryTokenForCurrentUser", 1, e6, TZE_BAD_VALUE_INTEGER);
    char *e7[] = {"ttl=5", "ttl=6"};
    check_error("createTemporaryTokenForCurrentUser", 2, e7, TZE_BAD_DATA);
    char *e8[] = {"ttl:=5"};
    check_error("createTemporaryTokenForCurrentUser", 1, e8, TZE_BAD_DATA);
    char *ok[] = {"ttl=3155760000"};
    CHECK_INT(parse("createTemporaryTokenForCurrentUser", 1, ok, NULL, NULL), -1);
}

static void test_apply_ttl(void) {
    const tz_client_op *op = op_named("createTemporaryTokenForUser");
    tz_client_request req;
    char *a1[] = {"id=u", "ttl=60", "caveats=[{\"type\":\"interface\",\"interface\":\"rest\"}]"};
    tz_error *err = tz_client_request_parse(op, false, 3, a1, NULL, NULL, &req);
    CHECK(err == NULL);
    CHECK(tz_client_request_apply_ttl(&req, 1700000000) == NULL);
    char *body = tz_client_request_body_text(&req);
    CHECK_STR(body, "{\"caveats\":[{\"type\":\"interface\",\"interface\":\"rest\"},"
                    "{\"type\":\"time\",\"validUntil\":1700000060}]}");
    free(body);
    tz_client_request_clear(&req);

    char *a2[] = {"ttl=10", "type={\"identityToken\":{}}"};
    CHECK(tz_client_request_parse(op_named("user-create-temporary"), true, 2, a2, NULL, NULL, &req) == NULL);
    CHECK(tz_client_request_apply_ttl(&req, 100) == NULL);
    body = tz_client_request_body_text(&req);
    CHECK_STR(body, "{\"type\":{\"identityToken\":{}},\"caveats\":[{\"type\":\"time\",\"validUntil\":110}]}");
    free(body);
    tz_client_request_clear(&req);

    char *a3[] = {"ttl=10", "caveats={}"}; /* caveats must be a list to append to */
    CHECK(tz_client_request_parse(op_named("user-create-temporary"), true, 2, a3, NULL, NULL, &req) == NULL);
    err = tz_client_request_apply_ttl(&req, 100);
    CHECK(err && err->id == TZE_BAD_DATA);
    tz_err_free(err);
    tz_client_request_clear(&req);

    char *a4[] = {"token=T"}; /* no ttl: no change */
    CHECK(tz_client_request_parse(op_named("confineToken"), false, 1, a4, NULL, NULL, &req) == NULL);
    CHECK(tz_client_request_apply_ttl(&req, 100) == NULL);
    body = tz_client_request_body_text(&req);
    CHECK_STR(body, "{\"token\":\"T\"}");
    free(body);
    tz_client_request_clear(&req);
}

/* A reader serving two fake files. */
static tz_error *fake_read(void *ctx, const char *source, char **data, size_t *len) {
    (void)ctx;
    const char *content = NULL;
    if (!strcmp(source, "body.json")) content = "{\"token\":\"FROMFILE\",\"caveats\":[]}";
    else if (!strcmp(source, "-")) content = "{\"token\":\"STDIN\"}";
    else if (!strcmp(source, "list.json")) content = "[1,2]";
    else if (!strcmp(source, "bad.json")) content = "{\"token\":";
    if (!content) return tz_client_usage_error(TZE_BAD_DATA, "data", "cannot open %s", source);
    *data = strdup(content);
    *len = strlen(content);
    return NULL;
}

static void test_parse_data(void) {
    char *body = NULL;
    char *a1[] = {"data={\"token\":\"X\",\"caveats\":[]}"};
    check_body("confineToken", 1, a1, "{\"token\":\"X\",\"caveats\":[]}");
    char *a2[] = {"data=@body.json"};
    CHECK_INT(parse_ex("confineToken", false, 1, a2, fake_read, NULL, &body, NULL), -1);
    CHECK_STR(body, "{\"token\":\"FROMFILE\",\"caveats\":[]}");
    free(body);
    char *a3[] = {"-"};
    CHECK_INT(parse_ex("confineToken", false, 1, a3, fake_read, NULL, &body, NULL), -1);
    CHECK_STR(body, "{\"token\":\"STDIN\"}");
    free(body);
    char *a4[] = {"data=@-", "caveats=[]"};
    CHECK_INT(parse_ex("confineToken", false, 2, a4, fake_read, NULL, &body, NULL), -1);
    CHECK_STR(body, "{\"token\":\"STDIN\",\"caveats\":[]}");
    free(body);
    /* typed fields win over the keys of data */
    char *a5[] = {"token=OVER", "data=@body.json"};
    CHECK_INT(parse_ex("confineToken", false, 2, a5, fake_read, NULL, &body, NULL), -1);
    CHECK_STR(body, "{\"token\":\"OVER\",\"caveats\":[]}");
    free(body);
    /* a non-object body goes as it is (the server answers malformedData) */
    char *a6[] = {"data=@list.json"};
    CHECK_INT(parse_ex("confineToken", false, 1, a6, fake_read, NULL, &body, NULL), -1);
    CHECK_STR(body, "[1,2]");
    free(body);
    char *a7[] = {"data:={\"token\":\"R\"}"};
    check_body("examineToken", 1, a7, "{\"token\":\"R\"}");

    char *e1[] = {"data=@list.json", "token=x"};
    CHECK_INT(parse_ex("confineToken", false, 2, e1, fake_read, NULL, NULL, NULL), TZE_BAD_DATA);
    char *e2[] = {"data=@list.json", "ttl=5"};
    CHECK_INT(parse_ex("confineToken", false, 2, e2, fake_read, NULL, NULL, NULL), TZE_BAD_DATA);
    char *e3[] = {"data=@missing.json"};
    CHECK_INT(parse_ex("confineToken", false, 1, e3, fake_read, NULL, NULL, NULL), TZE_BAD_DATA);
    char *e4[] = {"data=@bad.json"};
    CHECK_INT(parse_ex("confineToken", false, 1, e4, fake_read, NULL, NULL, NULL), TZE_BAD_VALUE_JSON);
    char *e5[] = {"data=@body.json"}; /* no reader available */
    check_error("confineToken", 1, e5, TZE_BAD_DATA);
    char *e6[] = {"data={", "token=x"};
    check_error("confineToken", 2, e6, TZE_BAD_VALUE_JSON);
    char *e7[] = {"data={}", "-"};
    CHECK_INT(parse_ex("confineToken", false, 2, e7, fake_read, NULL, NULL, NULL), TZE_BAD_DATA);
    char *e8[] = {"id=x", "data={}"}; /* GET takes no body */
    check_error("getNamedToken", 2, e8, TZE_BAD_DATA);
    char *e9[] = {"-"};
    CHECK_INT(parse_ex("deleteNamedTokensOfCurrentUser", false, 1, e9, fake_read, NULL, NULL, NULL),
              TZE_BAD_DATA);
    char *e10[] = {"data="};
    check_error("examineToken", 1, e10, TZE_BAD_VALUE_JSON);
}

/* ------------------------------------------------------------------------- encoding */

static void check_segment(const char *in, const char *want) {
    char *got = tz_client_encode_segment(in);
    CHECK_STR(got, want);
    free(got);
}

static void test_encode_segment(void) {
    check_segment("abcXYZ019-._~", "abcXYZ019-._~");
    check_segment("a b", "a%20b");
    check_segment("a/b", "a%2Fb");
    check_segment("100%", "100%25");
    check_segment("a?b#c&d=e+f", "a%3Fb%23c%26d%3De%2Bf");
    check_segment("z\xc3\xb3\xc5\x82w", "z%C3%B3%C5%82w");
    check_segment("(x)", "%28x%29");
    check_segment(".", "%2E");
    check_segment("..", "%2E%2E");
    check_segment("a.b", "a.b");
    check_segment("..a", "..a");
    check_segment("", "");
}

static void test_build_path(void) {
    const char *names[] = {"id", "name"};
    const char *values[] = {"u 1", "n/2"};
    char *out = NULL;
    CHECK(tz_client_build_path("/users/{id}/tokens/named/name/{name}", names, values, 2, &out) == NULL);
    CHECK_STR(out, "/users/u%201/tokens/named/name/n%2F2");
    free(out);
    CHECK(tz_client_build_path("/user/tokens/named", names, values, 0, &out) == NULL);
    CHECK_STR(out, "/user/tokens/named");
    free(out);
    const char *missing[] = {"u", NULL};
    tz_error *err = tz_client_build_path("/users/{id}/tokens/named/name/{name}", names, missing, 2, &out);
    CHECK(err && err->id == TZE_MISSING_REQUIRED_VALUE);
    CHECK(out == NULL);
    CHECK_STR(json_string_value(json_object_get(err->details, "key")), "name");
    tz_err_free(err);
    err = tz_client_build_path("/x/{nope}", names, values, 2, &out); /* table bug */
    CHECK(err && err->id == TZE_INTERNAL);
    tz_err_free(err);
    err = tz_client_build_path("/x/{id", names, values, 2, &out);
    CHECK(err && err->id == TZE_INTERNAL);
    tz_err_free(err);
}

/* ------------------------------------------------------------------------- target */

static void check_base_url(const char *host, const char *want) {
    char *out = NULL;
    tz_error *err = tz_client_base_url(host, &out);
    if (want) {
        CHECK(err == NULL);
        CHECK_STR(out, want);
    } else {
        CHECK(err != NULL);
        CHECK(out == NULL);
        CHECK(tz_client_error_hint(err) != NULL);
    }
    tz_err_free(err);
    free(out);
}

static void test_base_url(void) {
    check_base_url("zone.example.com", "https://zone.example.com");
    check_base_url("https://zone.example.com/", "https://zone.example.com");
    check_base_url("http://127.0.0.1:8080//", "http://127.0.0.1:8080");
    check_base_url("HTTPS://zone.example.com", "https://zone.example.com");
    check_base_url("https://zone.example.com/base", "https://zone.example.com/base");
    check_base_url("[::1]:9443", "https://[::1]:9443");
    check_base_url(NULL, NULL);
    check_base_url("", NULL);
    check_base_url("ftp://zone", NULL);
    check_base_url("file:///etc/passwd", NULL);
    check_base_url("https://", NULL);
    check_base_url("https:///path", NULL);
    check_base_url("zone example", NULL);
    check_base_url("zone\n.com", NULL);
    check_base_url("zone.com?x=1", NULL);
    check_base_url("zone.com#frag", NULL);
    check_base_url("zone'.com", NULL);
}

static void check_secret(tz_client_auth auth, const char *secret, bool ok) {
    tz_error *err = tz_client_check_secret(auth, secret, "--token");
    CHECK(ok ? err == NULL : err != NULL);
    /* the hint names the source, never the secret */
    if (err && secret && *secret) CHECK(!strstr(tz_client_error_hint(err), secret));
    tz_err_free(err);
}

static void test_check_secret(void) {
    check_secret(TZ_AUTH_NONE, NULL, true);
    check_secret(TZ_AUTH_TOKEN, "MDAxabc", true);
    check_secret(TZ_AUTH_TOKEN, "", false);
    check_secret(TZ_AUTH_TOKEN, NULL, false);
    check_secret(TZ_AUTH_TOKEN, "abc\r\nX-Evil: 1", false);
    check_secret(TZ_AUTH_TOKEN, "abc\x7f", false);
    check_secret(TZ_AUTH_BASIC, "admin:pw", true);
    check_secret(TZ_AUTH_BASIC, "admin:", true);
    check_secret(TZ_AUTH_BASIC, "admin:p:w", true);
    check_secret(TZ_AUTH_BASIC, "admin", false);
    check_secret(TZ_AUTH_BASIC, ":pw", false);
    char *big = malloc(TZ_CLIENT_MAX_SECRET + 2);
    memset(big, 'a', TZ_CLIENT_MAX_SECRET + 1);
    big[TZ_CLIENT_MAX_SECRET + 1] = '\0';
    check_secret(TZ_AUTH_TOKEN, big, false);
    big[TZ_CLIENT_MAX_SECRET] = '\0';
    check_secret(TZ_AUTH_TOKEN, big, true);
    free(big);
}

static char *dry_run(const char *op_name, int argc, char **argv, tz_client_auth auth,
                     const char *cacert, bool insecure) {
    tz_client_request req;
    tz_error *err = tz_client_request_parse(op_named(op_name), false, argc, argv, NULL, NULL, &req);
    CHECK(err == NULL);
    tz_err_free(err);
    CHECK(tz_client_request_apply_ttl(&req, 1000) == NULL);
    char base[] = "https://zone.example.com";
    tz_client_conn conn = {.base_url = base, .auth = auth, .secret = "SECRET-VALUE",
                           .cacert = cacert, .insecure = insecure};
    char *cmd = tz_client_curl_command(&conn, &req);
    tz_client_request_clear(&req);
    CHECK(cmd != NULL);
    if (cmd) CHECK(!strstr(cmd, "SECRET-VALUE"));
    return cmd ? cmd : strdup("");
}

static void test_curl_command(void) {
    char **a1 = NULL;
    char *cmd = dry_run("revokeAllTemporaryTokensOfCurrentUser", 0, a1, TZ_AUTH_TOKEN, NULL, false);
    CHECK_STR(cmd, "# $ONEZONE_API_KEY: the access token (not printed)\n"
                   "curl --connect-timeout 10 --max-time 60 -X DELETE -H \"x-auth-token: "
                   "$ONEZONE_API_KEY\" 'https://zone.example.com/api/v3/onezone/user/tokens/temporary'\n");
    free(cmd);

    char *a2[] = {"id=a b"};
    cmd = dry_run("getNamedTokenStatus", 1, a2, TZ_AUTH_BASIC, "/etc/ca's.pem", true);
    CHECK_STR(cmd, "# $ONEZONE_BASIC_AUTH: username:password (not printed)\n"
                   "curl --connect-timeout 10 --max-time 60 --cacert '/etc/ca'\\''s.pem' --insecure "
                   "-X GET -u \"$ONEZONE_BASIC_AUTH\" "
                   "'https://zone.example.com/api/v3/onezone/tokens/named/a%20b/status'\n");
    free(cmd);

    /* body tokens become shell variables; other fields are quoted literally */
    char *a3[] = {"token=BODY-SECRET", "consumerToken=CONSUMER-SECRET", "peerIp=1.2.3.4",
                  "serviceToken:=null"};
    cmd = dry_run("verifyAccessToken", 4, a3, TZ_AUTH_NONE, NULL, false);
    CHECK(!strstr(cmd, "BODY-SECRET") && !strstr(cmd, "CONSUMER-SECRET"));
    CHECK(strstr(cmd, "# $TOKEN: the token value (not printed)\n") != NULL);
    CHECK(strstr(cmd, "# $CONSUMER_TOKEN: the consumerToken value (not printed)\n") != NULL);
    CHECK(strstr(cmd, "-d '{\"token\":\"'\"$TOKEN\"'\",\"consumerToken\":\"'\"$CONSUMER_TOKEN\"'\","
                      "\"peerIp\":\"1.2.3.4\",\"serviceToken\":null}' ") != NULL);
    CHECK(!strstr(cmd, "x-auth-token") && !strstr(cmd, " -u "));
    free(cmd);

    char *a4[] = {"name=it's", "ttl=5"};
    cmd = dry_run("createNamedTokenForCurrentUser", 2, a4, TZ_AUTH_TOKEN, NULL, false);
    CHECK(strstr(cmd, "local clock") != NULL);
    CHECK(strstr(cmd, "-H 'Content-Type: application/json' -d '{\"name\":\"it'\\''s\","
                      "\"caveats\":[{\"type\":\"time\",\"validUntil\":1005}]}' ") != NULL);
    free(cmd);
}

static void test_usage_error_hint(void) {
    tz_error *e = tz_client_usage_error(TZE_BAD_DATA, "foo", "unknown parameter \"%s\"", "foo");
    CHECK(e->id == TZE_BAD_DATA);
    CHECK_STR(tz_client_error_hint(e), "unknown parameter \"foo\"");
    char *d = tz_err_description(e);
    CHECK(d && strstr(d, "\"foo\""));
    free(d);
    tz_err_free(e);
    e = tz_err_key(TZE_BAD_DATA, "x");
    CHECK(tz_client_error_hint(e) == NULL);
    tz_err_free(e);
    CHECK(tz_client_error_hint(NULL) == NULL);
    e = tz_client_usage_error(TZE_BAD_DATA, "\xff", "bad");
    CHECK(e->id == TZE_BAD_DATA); /* non-UTF-8 key still yields an error with a hint */
    CHECK(tz_client_error_hint(e) != NULL);
    tz_err_free(e);
}

int main(void) {
    RUN(test_table_matches_swagger);
    RUN(test_table_names_unique_and_wellformed);
    RUN(test_table_path_params_match_template);
    RUN(test_table_routes_match_server);
    RUN(test_find);
    RUN(test_parse_path_params);
    RUN(test_parse_path_errors);
    RUN(test_parse_typed_fields);
    RUN(test_parse_typed_errors);
    RUN(test_parse_ttl);
    RUN(test_apply_ttl);
    RUN(test_parse_data);
    RUN(test_encode_segment);
    RUN(test_build_path);
    RUN(test_base_url);
    RUN(test_check_secret);
    RUN(test_curl_command);
    RUN(test_usage_error_hint);
    return TEST_REPORT();
}
