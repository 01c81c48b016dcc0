/* The route table: every method+path of rest-api §0 and §9, trailing slashes, 405 sets, unknown
 * paths, percent-decoding and its errors. */
#include <stdlib.h>
#include "harness.h"
#include "http/routes.h"

typedef struct match_result {
    tz_route_status st;
    tz_route r;
    char scratch[4096];
} match_result;

static match_result *m_;

static tz_route_status match(const char *method, const char *path) {
    free(m_);
    m_ = calloc(1, sizeof *m_);
    m_->st = tz_route_match(method, path, strlen(path), m_->scratch, sizeof m_->scratch, &m_->r);
    return m_->st;
}

#define P TZ_REST_PREFIX

typedef struct expect {
    const char *method;
    const char *path;
    tz_op op;
    tz_target target;
    const char *subject_id, *token_id, *name;
} expect;

static const expect ALL[] = {
    {"POST", P "/tokens/examine", TZ_OP_EXAMINE, TZ_TARGET_NONE, NULL, NULL, NULL},
    {"POST", P "/tokens/confine", TZ_OP_CONFINE, TZ_TARGET_NONE, NULL, NULL, NULL},
    {"POST", P "/tokens/infer_access_token_scope", TZ_OP_INFER_SCOPE, TZ_TARGET_NONE, NULL, NULL, NULL},
    {"POST", P "/tokens/verify_access_token", TZ_OP_VERIFY_ACCESS, TZ_TARGET_NONE, NULL, NULL, NULL},
    {"POST", P "/tokens/verify_identity_token", TZ_OP_VERIFY_IDENTITY, TZ_TARGET_NONE, NULL, NULL, NULL},
    {"POST", P "/tokens/verify_invite_token", TZ_OP_VERIFY_INVITE, TZ_TARGET_NONE, NULL, NULL, NULL},
    {"GET", P "/tokens/named", TZ_OP_LIST_ALL_NAMED, TZ_TARGET_NONE, NULL, NULL, NULL},
    {"GET", P "/tokens/named/abc", TZ_OP_GET_NAMED, TZ_TARGET_NONE, NULL, "abc", NULL},
    {"PATCH", P "/tokens/named/abc", TZ_OP_UPDATE_NAMED, TZ_TARGET_NONE, NULL, "abc", NULL},
    {"DELETE", P "/tokens/named/abc", TZ_OP_DELETE_NAMED, TZ_TARGET_NONE, NULL, "abc", NULL},
    {"GET", P "/tokens/named/abc/status", TZ_OP_NAMED_STATUS, TZ_TARGET_NONE, NULL, "abc", NULL},
    /* users/{uid} */
    {"POST", P "/users/u1/tokens/temporary", TZ_OP_CREATE_TEMPORARY, TZ_TARGET_USER, "u1", NULL, NULL},
    {"GET", P "/users/u1/tokens/temporary", TZ_OP_GET_GENERATION, TZ_TARGET_USER, "u1", NULL, NULL},
    {"DELETE", P "/users/u1/tokens/temporary", TZ_OP_REVOKE_ALL_TEMPORARY, TZ_TARGET_USER, "u1", NULL, NULL},
    {"POST", P "/users/u1/tokens/named", TZ_OP_CREATE_NAMED, TZ_TARGET_USER, "u1", NULL, NULL},
    {"GET", P "/users/u1/tokens/named", TZ_OP_LIST_NAMED, TZ_TARGET_USER, "u1", NULL, NULL},
    {"DELETE", P "/users/u1/tokens/named", TZ_OP_DELETE_ALL_NAMED, TZ_TARGET_USER, "u1", NULL, NULL},
    {"GET", P "/users/u1/tokens/named/name/n1", TZ_OP_GET_NAMED_BY_NAME, TZ_TARGET_USER, "u1", NULL, "n1"},
    /* user (self) */
    {"POST", P "/user/tokens/temporary", TZ_OP_CREATE_TEMPORARY, TZ_TARGET_SELF_USER, NULL, NULL, NULL},
    {"GET", P "/user/tokens/temporary", TZ_OP_GET_GENERATION, TZ_TARGET_SELF_USER, NULL, NULL, NULL},
    {"DELETE", P "/user/tokens/temporary", TZ_OP_REVOKE_ALL_TEMPORARY, TZ_TARGET_SELF_USER, NULL, NULL, NULL},
    {"POST", P "/user/tokens/named", TZ_OP_CREATE_NAMED, TZ_TARGET_SELF_USER, NULL, NULL, NULL},
    {"GET", P "/user/tokens/named", TZ_OP_LIST_NAMED, TZ_TARGET_SELF_USER, NULL, NULL, NULL},
    {"DELETE", P "/user/tokens/named", TZ_OP_DELETE_ALL_NAMED, TZ_TARGET_SELF_USER, NULL, NULL, NULL},
    {"GET", P "/user/tokens/named/name/n1", TZ_OP_GET_NAMED_BY_NAME, TZ_TARGET_SELF_USER, NULL, NULL, "n1"},
    /* providers/{pid} */
    {"POST", P "/providers/p1/tokens/temporary", TZ_OP_CREATE_TEMPORARY, TZ_TARGET_PROVIDER, "p1", NULL, NULL},
    {"GET", P "/providers/p1/tokens/temporary", TZ_OP_GET_GENERATION, TZ_TARGET_PROVIDER, "p1", NULL, NULL},
    {"DELETE", P "/providers/p1/tokens/temporary", TZ_OP_REVOKE_ALL_TEMPORARY, TZ_TARGET_PROVIDER, "p1", NULL, NULL},
    {"POST", P "/providers/p1/tokens/named", TZ_OP_CREATE_NAMED, TZ_TARGET_PROVIDER, "p1", NULL, NULL},
    {"GET", P "/providers/p1/tokens/named", TZ_OP_LIST_NAMED, TZ_TARGET_PROVIDER, "p1", NULL, NULL},
    {"DELETE", P "/providers/p1/tokens/named", TZ_OP_DELETE_ALL_NAMED, TZ_TARGET_PROVIDER, "p1", NULL, NULL},
    {"GET", P "/providers/p1/tokens/named/name/n1", TZ_OP_GET_NAMED_BY_NAME, TZ_TARGET_PROVIDER, "p1", NULL, "n1"},
    /* provider (self) */
    {"POST", P "/provider/tokens/temporary", TZ_OP_CREATE_TEMPORARY, TZ_TARGET_SELF_PROVIDER, NULL, NULL, NULL},
    {"GET", P "/provider/tokens/temporary", TZ_OP_GET_GENERATION, TZ_TARGET_SELF_PROVIDER, NULL, NULL, NULL},
    {"DELETE", P "/provider/tokens/temporary", TZ_OP_REVOKE_ALL_TEMPORARY, TZ_TARGET_SELF_PROVIDER, NULL, NULL, NULL},
    {"POST", P "/provider/tokens/named", TZ_OP_CREATE_NAMED, TZ_TARGET_SELF_PROVIDER, NULL, NULL, NULL},
    {"GET", P "/provider/tokens/named", TZ_OP_LIST_NAMED, TZ_TARGET_SELF_PROVIDER, NULL, NULL, NULL},
    {"DELETE", P "/provider/tokens/named", TZ_OP_DELETE_ALL_NAMED, TZ_TARGET_SELF_PROVIDER, NULL, NULL, NULL},
    {"GET", P "/provider/tokens/named/name/n1", TZ_OP_GET_NAMED_BY_NAME, TZ_TARGET_SELF_PROVIDER, NULL, NULL, "n1"},
    /* related (§9) */
    {"GET", P "/configuration", TZ_OP_CONFIGURATION, TZ_TARGET_NONE, NULL, NULL, NULL},
    {"GET", "/configuration", TZ_OP_CONFIGURATION, TZ_TARGET_NONE, NULL, NULL, NULL},
    {"GET", P "/provider/public/get_current_time", TZ_OP_CURRENT_TIME, TZ_TARGET_NONE, NULL, NULL, NULL},
    {"GET", P "/user", TZ_OP_GET_USER, TZ_TARGET_NONE, NULL, NULL, NULL},
};
#define N_ALL (sizeof ALL / sizeof ALL[0])

static void check_param(const char *got, const char *want, const char *what, const expect *e) {
    if (!want) {
        if (got) fprintf(stderr, "  %s %s: unexpected %s '%s'\n", e->method, e->path, what, got);
        CHECK(got == NULL);
    } else {
        CHECK_STR(got, want);
    }
}

static void check_expect(const expect *e, const char *path) {
    tz_route_status st = match(e->method, path);
    if (st != TZ_ROUTE_OK) fprintf(stderr, "  %s %s -> status %d\n", e->method, path, (int)st);
    CHECK_INT(st, TZ_ROUTE_OK);
    if (st != TZ_ROUTE_OK) return;
    CHECK_INT(m_->r.op, e->op);
    CHECK_INT(m_->r.target, e->target);
    check_param(m_->r.subject_id, e->subject_id, "subject_id", e);
    check_param(m_->r.token_id, e->token_id, "token_id", e);
    check_param(m_->r.name, e->name, "name", e);
}

static void test_every_route(void) {
    /* 39 token routes + 4 related ones. */
    CHECK_INT(N_ALL, 43);
    for (size_t i = 0; i < N_ALL; i++) check_expect(&ALL[i], ALL[i].path);
}

static void test_trailing_slash(void) {
    char buf[512];
    for (size_t i = 0; i < N_ALL; i++) {
        snprintf(buf, sizeof buf, "%s/", ALL[i].path);
        check_expect(&ALL[i], buf);
    }
    /* Only one trailing slash is dropped: a second one is an empty segment. */
    CHECK_INT(match("GET", P "/tokens/named//"), TZ_ROUTE_OK);
    CHECK_INT(m_->r.op, TZ_OP_GET_NAMED);
    CHECK_STR(m_->r.token_id, "");
    CHECK_INT(match("POST", P "/tokens/examine//"), TZ_ROUTE_NOT_FOUND);
}

static void check_405(const char *path, const char *allow, const char *const *bad_methods) {
    for (size_t i = 0; bad_methods[i]; i++) {
        tz_route_status st = match(bad_methods[i], path);
        if (st != TZ_ROUTE_METHOD_NOT_ALLOWED)
            fprintf(stderr, "  %s %s -> %d, want 405\n", bad_methods[i], path, (int)st);
        CHECK_INT(st, TZ_ROUTE_METHOD_NOT_ALLOWED);
        CHECK_STR(m_->r.allow, allow);
    }
}

static void test_method_not_allowed(void) {
    static const char *const not_post[] = {"GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
                                           "post", "BREW", "", NULL};
    static const char *const not_get[] = {"POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
                                          "get", NULL};
    static const char *const not_gpd[] = {"POST", "PUT", "HEAD", "OPTIONS", "patch", NULL};
    static const char *const not_pgd[] = {"PUT", "PATCH", "HEAD", "OPTIONS", "TRACE", NULL};
    check_405(P "/tokens/examine", "POST", not_post);
    check_405(P "/tokens/confine/", "POST", not_post);
    check_405(P "/tokens/infer_access_token_scope", "POST", not_post);
    check_405(P "/tokens/verify_access_token", "POST", not_post);
    check_405(P "/tokens/verify_identity_token", "POST", not_post);
    check_405(P "/tokens/verify_invite_token", "POST", not_post);
    check_405(P "/tokens/named", "GET", not_get);
    check_405(P "/tokens/named/x", "GET, PATCH, DELETE", not_gpd);
    check_405(P "/tokens/named/x/status", "GET", not_get);
    const char *bases[] = {P "/users/u", P "/user", P "/providers/p", P "/provider"};
    char buf[256];
    for (size_t i = 0; i < 4; i++) {
        snprintf(buf, sizeof buf, "%s/tokens/temporary", bases[i]);
        check_405(buf, "POST, GET, DELETE", not_pgd);
        snprintf(buf, sizeof buf, "%s/tokens/named", bases[i]);
        check_405(buf, "POST, GET, DELETE", not_pgd);
        snprintf(buf, sizeof buf, "%s/tokens/named/name/n", bases[i]);
        check_405(buf, "GET", not_get);
    }
    check_405(P "/configuration", "GET", not_get);
    check_405("/configuration", "GET", not_get);
    check_405(P "/provider/public/get_current_time", "GET", not_get);
    check_405(P "/user", "GET", not_get);
    /* 405 wins over a bad id parameter (the method is checked first). */
    CHECK_INT(match("PUT", P "/tokens/named/a%2Fb"), TZ_ROUTE_METHOD_NOT_ALLOWED);
}

static void test_unknown_paths(void) {
    static const char *const paths[] = {
        "/", "/api", "/api/v3", P, P "/", P "/tokens", P "/tokens/named/a/b",
        P "/tokens/named/a/status/x", P "/tokens/examine/x", P "/users", P "/users/u",
        P "/users/u/tokens", P "/users/u/tokens/named/name", P "/users/u/tokens/named/name/a/b",
        P "/users/u/tokens/other", P "/providers/p/tokens/named/x", P "/provider/public",
        P "/user/client_tokens/a/b", "/api/v3/onezonex/tokens/examine", "/api/v2/onezone/user",
        "/API/v3/onezone/user", "/tokens/examine", "/configuration/x", "//configuration",
        P "//tokens/examine", P "/tokens//examine", P "/Tokens/examine", NULL};
    for (size_t i = 0; paths[i]; i++) {
        tz_route_status a = match("GET", paths[i]);
        if (a != TZ_ROUTE_NOT_FOUND) fprintf(stderr, "  GET %s -> %d\n", paths[i], (int)a);
        CHECK_INT(a, TZ_ROUTE_NOT_FOUND);
        CHECK_INT(match("POST", paths[i]), TZ_ROUTE_NOT_FOUND);
        CHECK_INT(match("BREW", paths[i]), TZ_ROUTE_NOT_FOUND);
    }
    /* Far too many segments. */
    char deep[2048] = P;
    for (int i = 0; i < 100; i++) strcat(deep, "/x");
    CHECK_INT(match("GET", deep), TZ_ROUTE_NOT_FOUND);
    /* The cap is on the final depth: ".." climbing back below it still routes. */
    char deep2[2048] = P "/tokens/examine";
    for (int i = 0; i < 70; i++) strcat(deep2, "/x");
    for (int i = 0; i < 70; i++) strcat(deep2, "/..");
    CHECK_INT(match("POST", deep2), TZ_ROUTE_OK);
    CHECK_INT(m_->r.op, TZ_OP_EXAMINE);
}

static void test_percent_decoding(void) {
    CHECK_INT(match("POST", "/api/v3/onezone/tokens/%65xamine"), TZ_ROUTE_OK);
    CHECK_INT(m_->r.op, TZ_OP_EXAMINE);
    CHECK_INT(match("POST", "/%61pi/v3/onezone/tokens/%65XAMINE"), TZ_ROUTE_NOT_FOUND);
    CHECK_INT(match("GET", "/api/v3/onezone/tokens/%6E%61med"), TZ_ROUTE_OK);
    CHECK_INT(m_->r.op, TZ_OP_LIST_ALL_NAMED);
    CHECK_INT(match("GET", P "/tokens/named/a%20b%2bc+d"), TZ_ROUTE_OK);
    CHECK_STR(m_->r.token_id, "a b+c+d");
    CHECK_INT(match("GET", P "/users/%75%31/tokens/named/name/my%20token%C3%A9"), TZ_ROUTE_OK);
    CHECK_STR(m_->r.subject_id, "u1");
    CHECK_STR(m_->r.name, "my token\xc3\xa9");
    /* A decoded '/' inside a name is kept (the service answers notFound after authorization). */
    CHECK_INT(match("GET", P "/user/tokens/named/name/a%2Fb"), TZ_ROUTE_OK);
    CHECK_STR(m_->r.name, "a/b");
    /* "%2F" does not split segments. */
    CHECK_INT(match("GET", P "/tokens%2Fnamed"), TZ_ROUTE_NOT_FOUND);
}

static void test_bad_paths(void) {
    static const char *const bad[] = {
        P "/tokens/named/%", P "/tokens/named/%4", P "/tokens/named/%zz", P "/tokens/named/%g0",
        P "/tokens/named/a%2", "/%", P "/tokens/%xxamine", "/x/%%41", "relative/path", "*",
        "http://host/api/v3/onezone/user",
        /* decoded '/' or NUL inside an id */
        P "/tokens/named/a%2Fb", P "/tokens/named/a%2fb/status", P "/tokens/named/a%00b",
        P "/users/a%2Fb/tokens/named", P "/providers/%00/tokens/temporary",
        P "/users/u%2f/tokens/named/name/n",
        /* decoded NUL inside a name */
        P "/user/tokens/named/name/a%00", NULL};
    for (size_t i = 0; bad[i]; i++) {
        const char *method = strstr(bad[i], "temporary") ? "POST" : "GET";
        tz_route_status st = match(method, bad[i]);
        if (st != TZ_ROUTE_BAD_PATH) fprintf(stderr, "  %s -> %d, want bad path\n", bad[i], (int)st);
        CHECK_INT(st, TZ_ROUTE_BAD_PATH);
    }
    /* Bad encoding is refused even on unknown paths (the path is decoded before routing). */
    CHECK_INT(match("GET", "/nowhere/%zz"), TZ_ROUTE_BAD_PATH);
    /* Empty path, raw NUL byte, scratch too small, NULL arguments. */
    tz_route r;
    char scratch[64];
    CHECK_INT(tz_route_match("GET", "", 0, scratch, sizeof scratch, &r), TZ_ROUTE_BAD_PATH);
    CHECK_INT(tz_route_match("GET", "/user\0x", 7, scratch, sizeof scratch, &r), TZ_ROUTE_BAD_PATH);
    const char *user = P "/user";
    CHECK_INT(tz_route_match("GET", user, strlen(user), scratch, strlen(user), &r), TZ_ROUTE_BAD_PATH);
    CHECK_INT(tz_route_match("GET", user, strlen(user), scratch, strlen(user) + 1, &r), TZ_ROUTE_OK);
    CHECK_INT(tz_route_match(NULL, user, strlen(user), scratch, sizeof scratch, &r), TZ_ROUTE_BAD_PATH);
    CHECK_INT(tz_route_match("GET", NULL, 0, scratch, sizeof scratch, &r), TZ_ROUTE_BAD_PATH);
    CHECK_INT(tz_route_match("GET", user, strlen(user), NULL, 0, &r), TZ_ROUTE_BAD_PATH);
}

static void test_dot_segments(void) {
    CHECK_INT(match("GET", P "/tokens/./named"), TZ_ROUTE_OK);
    CHECK_INT(m_->r.op, TZ_OP_LIST_ALL_NAMED);
    CHECK_INT(match("GET", P "/tokens/x/../named"), TZ_ROUTE_OK);
    CHECK_INT(m_->r.op, TZ_OP_LIST_ALL_NAMED);
    CHECK_INT(match("GET", P "/tokens/x/%2e%2E/named/"), TZ_ROUTE_OK);
    CHECK_INT(m_->r.op, TZ_OP_LIST_ALL_NAMED);
    CHECK_INT(match("GET", "/../../configuration"), TZ_ROUTE_OK);
    CHECK_INT(m_->r.op, TZ_OP_CONFIGURATION);
    CHECK_INT(match("GET", P "/tokens/named/.."), TZ_ROUTE_NOT_FOUND);
    /* "..." is an ordinary segment. */
    CHECK_INT(match("GET", P "/tokens/named/..."), TZ_ROUTE_OK);
    CHECK_STR(m_->r.token_id, "...");
}

static void test_op_names(void) {
    CHECK_STR(tz_op_name(TZ_OP_EXAMINE), "examine");
    CHECK_STR(tz_op_name(TZ_OP_GET_USER), "get_user");
    CHECK_STR(tz_op_name(TZ_OP__COUNT), "unknown");
    for (int op = 0; op < TZ_OP__COUNT; op++) CHECK(strcmp(tz_op_name((tz_op)op), "unknown") != 0);
}

int main(void) {
    RUN(test_every_route);
    RUN(test_trailing_slash);
    RUN(test_method_not_allowed);
    RUN(test_unknown_paths);
    RUN(test_percent_decoding);
    RUN(test_bad_paths);
    RUN(test_dot_segments);
    RUN(test_op_names);
    free(m_);
    return TEST_REPORT();
}
