/* The helpers of the routes outside the JSON API (http/extra.h): the route table, the method
 * lists, form/query decoding and reply building. The request plumbing is covered by the API tests
 * of the routes that use it. */
#include <stdlib.h>
#include "harness.h"
#include "http/extra.h"

static void noop(const tz_extra_req *req, tz_extra_resp *resp) {
    (void)req;
    (void)resp;
}

static void test_match(void) {
    static const tz_extra_route routes[] = {
        {"/healthz", false, "GET, HEAD", noop, NULL},
        {"/assets/", true, "GET", noop, NULL},
        {"/", false, "GET", noop, NULL},
    };
    size_t n = sizeof routes / sizeof routes[0];
    CHECK(tz_extra_match(routes, n, "/healthz", 8) == &routes[0]);
    CHECK(tz_extra_match(routes, n, "/healthz/", 9) == NULL);
    CHECK(tz_extra_match(routes, n, "/health", 7) == NULL);
    CHECK(tz_extra_match(routes, n, "/assets/app.js", 14) == &routes[1]);
    CHECK(tz_extra_match(routes, n, "/assets", 7) == NULL);
    CHECK(tz_extra_match(routes, n, "/", 1) == &routes[2]);
    CHECK(tz_extra_match(routes, n, "/x", 2) == NULL);
    CHECK(tz_extra_match(routes, 0, "/", 1) == NULL);
}

static void test_methods(void) {
    tz_extra_route get_head = {"/a", false, "GET, HEAD", noop, NULL};
    tz_extra_route get = {"/a", false, "GET", noop, NULL};
    tz_extra_route post = {"/a", false, "POST", noop, NULL};
    tz_extra_route any = {"/a", false, NULL, noop, NULL};
    CHECK(tz_extra_method_allowed(&get_head, "GET"));
    CHECK(tz_extra_method_allowed(&get_head, "HEAD"));
    CHECK(!tz_extra_method_allowed(&get_head, "POST"));
    CHECK(!tz_extra_method_allowed(&get_head, "GE"));
    CHECK(tz_extra_method_allowed(&get, "HEAD"));
    CHECK(!tz_extra_method_allowed(&post, "HEAD"));
    CHECK(!tz_extra_method_allowed(&post, "post"));
    CHECK(tz_extra_method_allowed(&post, "POST"));
    CHECK(tz_extra_method_allowed(&any, "PATCH"));
}

static void test_form(void) {
    const char *f = "token=abc%2Bdef+x&token_type_hint=access_token&empty=&flag&token=second";
    size_t len = strlen(f);
    char out[64];
    CHECK_INT(tz_form_value(f, len, "token", out, sizeof out), 9);
    CHECK_STR(out, "abc+def x");
    CHECK_INT(tz_form_value(f, len, "token_type_hint", out, sizeof out), 12);
    CHECK_STR(out, "access_token");
    CHECK_INT(tz_form_value(f, len, "empty", out, sizeof out), 0);
    CHECK_STR(out, "");
    CHECK_INT(tz_form_value(f, len, "flag", out, sizeof out), 0);
    CHECK_INT(tz_form_value(f, len, "missing", out, sizeof out), -1);
    CHECK_INT(tz_form_value(f, len, "tok", out, sizeof out), -1);
    CHECK_INT(tz_form_value(f, len, "token", out, 4), -2);           /* does not fit */
    CHECK_INT(tz_form_value("a=%4", 4, "a", out, sizeof out), -2);   /* truncated escape */
    CHECK_INT(tz_form_value("a=%zz", 5, "a", out, sizeof out), -2);  /* not hex */
    CHECK_INT(tz_form_value("a=%00", 5, "a", out, sizeof out), -2);  /* decoded NUL */
    CHECK_INT(tz_form_value("a%3Db=1", 7, "a=b", out, sizeof out), 1); /* encoded name */
    CHECK_INT(tz_form_value(NULL, 0, "a", out, sizeof out), -1);
    CHECK_INT(tz_form_value("", 0, "a", out, sizeof out), -1);
    CHECK_INT(tz_form_value("a+b=1&a%20b=2", 13, "a b", out, sizeof out), 1); /* '+' in a name */
    CHECK_STR(out, "1");
    CHECK_INT(tz_form_value("a%zz=1&a=2", 10, "a", out, sizeof out), 1); /* bad name: skipped */
    CHECK_STR(out, "2");
    /* the raw span: first occurrence, still encoded, empty when '=' is absent */
    const char *v = NULL;
    size_t vlen = 99;
    CHECK(tz_form_span(f, len, "token", &v, &vlen) && vlen == 11 && memcmp(v, "abc%2Bdef+x", 11) == 0);
    CHECK(tz_form_span(f, len, "flag", &v, &vlen) && vlen == 0);
    CHECK(!tz_form_span(f, len, "missing", &v, &vlen) && v == NULL && vlen == 0);
    CHECK(!tz_form_span("a=1&", 4, "", &v, &vlen));
    CHECK(tz_form_span("a=1&&b=2", 8, "", &v, &vlen) && vlen == 0);
    CHECK_INT(tz_form_value("a=abcd", 6, "a", out, 4), -2); /* plain value that does not fit */
    CHECK_INT(tz_form_value("a=abcd", 6, "a", out, 5), 4);
    CHECK_STR(out, "abcd");
    CHECK_INT(tz_form_decode("", 0, out, 0), -2);
    CHECK_INT(tz_form_decode("x%41+", 5, out, sizeof out), 3);
    CHECK_STR(out, "xA ");
}

static void test_reply(void) {
    tz_extra_resp r;
    memset(&r, 0, sizeof r);
    CHECK(tz_extra_reply_copy(&r, 200, "text/plain", "ok\n", 3));
    CHECK_INT(r.status, 200);
    CHECK_INT(r.body_len, 3);
    CHECK(r.owns_body && memcmp(r.body, "ok\n", 3) == 0);
    json_t *j = json_pack("{s:b}", "active", 0);
    CHECK(tz_extra_reply_json(&r, 200, j));
    json_decref(j);
    CHECK_STR(r.content_type, "application/json");
    CHECK(r.body_len == 16 && memcmp(r.body, "{\"active\":false}", 16) == 0);
    free(r.body);
    memset(&r, 0, sizeof r);
    for (int i = 0; i < TZ_EXTRA_MAX_HEADERS; i++) CHECK(tz_extra_add_header(&r, "X-A", "v"));
    CHECK(!tz_extra_add_header(&r, "X-A", "v"));
    CHECK_INT(r.n_headers, TZ_EXTRA_MAX_HEADERS);
}

int main(void) {
    RUN(test_match);
    RUN(test_methods);
    RUN(test_form);
    RUN(test_reply);
    return TEST_REPORT();
}
