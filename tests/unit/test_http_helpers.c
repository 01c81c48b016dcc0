/* The pure helpers of the HTTP layer: content negotiation, credential extraction, the listen
 * address and the access log line. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include "harness.h"
#include "http/access_log.h"
#include "http/credentials.h"
#include "http/listen.h"
#include "http/negotiate.h"

static void test_accept(void) {
    static const char *const yes[] = {
        "application/json", "APPLICATION/JSON", "*/*", "application/*", "text/html, */*;q=0.1",
        "text/html,application/json", " application/json ; q=0.5", "application/json;q=1",
        "application/json;q=1.000", "application/json;charset=utf-8", "", "   ",
        "garbage, application/json", "*/*;q=0, application/json", "application/*;q=0, application/json",
        "application/json;q=0.001", "text/plain;q=0.9, application/*;q=0.2", NULL};
    static const char *const no[] = {
        "text/html", "application/xml", "text/*", "application/json;q=0", "application/json;q=0.000",
        "*/*;q=0", "application/*;q=0", "*/*, application/json;q=0", "application/*, application/json;q=0",
        "garbage", "application", "application/json;q=2", "application/json;q=abc",
        "application/json;q=\"1\"", "image/png;q=1, text/html", "application/jsonx", NULL};
    CHECK(tz_accept_allows_json(NULL));
    for (size_t i = 0; yes[i]; i++) {
        if (!tz_accept_allows_json(yes[i])) fprintf(stderr, "  should accept: '%s'\n", yes[i]);
        CHECK(tz_accept_allows_json(yes[i]));
    }
    for (size_t i = 0; no[i]; i++) {
        if (tz_accept_allows_json(no[i])) fprintf(stderr, "  should refuse: '%s'\n", no[i]);
        CHECK(!tz_accept_allows_json(no[i]));
    }
}

static void test_content_type(void) {
    static const char *const yes[] = {
        "application/json", "Application/JSON", " application/json ", "application/json; charset=utf-8",
        "application/json;charset=UTF-8", "application/json; charset=\"utf-8\"", "application/json ;charset=utf-8",
        NULL};
    static const char *const no[] = {
        "", "text/plain", "application/xml", "application/json; charset=latin1",
        "application/json; foo=bar", "application/json; charset=utf-8; charset=utf-8",
        "application/jsonx", "application/json;", "application/json; charset", "application/json x",
        "application/*", "*/*", "application", "application/json; charset=\"utf-8", NULL};
    CHECK(!tz_content_type_is_json(NULL));
    for (size_t i = 0; yes[i]; i++) {
        if (!tz_content_type_is_json(yes[i])) fprintf(stderr, "  should accept: '%s'\n", yes[i]);
        CHECK(tz_content_type_is_json(yes[i]));
    }
    for (size_t i = 0; no[i]; i++) {
        if (tz_content_type_is_json(no[i])) fprintf(stderr, "  should refuse: '%s'\n", no[i]);
        CHECK(!tz_content_type_is_json(no[i]));
    }
}

static void test_credentials(void) {
    tz_credentials c;
    tz_credentials_from_headers(NULL, NULL, NULL, NULL, NULL, &c);
    CHECK(!c.x_auth_token && !c.bearer && !c.macaroon && !c.basic && !c.service_token &&
          !c.consumer_token && !c.session_cookie);
    tz_credentials_from_headers("xa", "Bearer tok", "mac", "svc", "cons", &c);
    CHECK_STR(c.x_auth_token, "xa");
    CHECK_STR(c.bearer, "tok");
    CHECK(c.basic == NULL);
    CHECK_STR(c.macaroon, "mac");
    CHECK_STR(c.service_token, "svc");
    CHECK_STR(c.consumer_token, "cons");
    tz_credentials_from_headers(NULL, "Basic dXNlcjpwdw==", NULL, NULL, NULL, &c);
    CHECK_STR(c.basic, "dXNlcjpwdw==");
    CHECK(c.bearer == NULL);
    /* Present but empty values stay present (the service reports them as bad). */
    tz_credentials_from_headers("", "Bearer ", NULL, NULL, NULL, &c);
    CHECK_STR(c.x_auth_token, "");
    CHECK_STR(c.bearer, "");
    /* Other schemes, wrong case, missing space: no credential. */
    static const char *const absent[] = {"bearer tok", "Bearer", "BASIC x", "Basic", "Digest x",
                                         "Bearertok", " Bearer tok", "", NULL};
    for (size_t i = 0; absent[i]; i++) {
        tz_credentials_from_headers(NULL, absent[i], NULL, NULL, NULL, &c);
        CHECK(c.bearer == NULL && c.basic == NULL);
    }
}

static void check_cookie(const char *header, const char *want) {
    const char *v = NULL;
    size_t n = 0;
    bool found = tz_cookie_find(header, "SID", &v, &n);
    if (!want) {
        CHECK(!found);
        return;
    }
    CHECK(found);
    if (found) {
        char buf[128];
        snprintf(buf, sizeof buf, "%.*s", (int)n, v);
        CHECK_STR(buf, want);
    }
}

static void test_cookie(void) {
    check_cookie("SID=abc", "abc");
    check_cookie("a=1; SID=abc; b=2", "abc");
    check_cookie("a=1;SID=abc;b=2", "abc");
    check_cookie("  SID = abc ; x=y", "abc");
    check_cookie("SID=first; SID=second", "first");
    check_cookie("SID=", "");
    check_cookie("SID=\"q\"", "\"q\"");
    check_cookie("noequals; SID=v", "v");
    check_cookie("XSID=abc; SIDX=def", NULL);
    check_cookie("sid=abc", NULL);
    check_cookie("", NULL);
    check_cookie(";;;", NULL);
    check_cookie("a=SID=x", NULL);
    const char *v;
    size_t n;
    CHECK(!tz_cookie_find(NULL, "SID", &v, &n));
    CHECK(!tz_cookie_find("SID=1", NULL, &v, &n));
}

static void test_listen(void) {
    tz_listen_addr a;
    char buf[80];
    CHECK(tz_listen_parse("127.0.0.1:8080", &a) == NULL);
    CHECK_INT(a.ss.ss_family, AF_INET);
    tz_listen_format((const struct sockaddr *)&a.ss, buf, sizeof buf);
    CHECK_STR(buf, "127.0.0.1:8080");
    CHECK(tz_listen_parse("0.0.0.0:0", &a) == NULL);
    tz_listen_format((const struct sockaddr *)&a.ss, buf, sizeof buf);
    CHECK_STR(buf, "0.0.0.0:0");
    CHECK(tz_listen_parse("[::1]:65535", &a) == NULL);
    CHECK_INT(a.ss.ss_family, AF_INET6);
    tz_listen_format((const struct sockaddr *)&a.ss, buf, sizeof buf);
    CHECK_STR(buf, "[::1]:65535");
    CHECK(tz_listen_parse("[::]:443", &a) == NULL);
    static const char *const bad[] = {
        "", "8080", "127.0.0.1", "127.0.0.1:", ":8080", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:80x", "127.0.0.1:123456", "localhost:8080", "256.0.0.1:80", "::1:8080",
        "[::1]", "[::1]8080", "[::1]:", "[]:80", "[127.0.0.1]:80", "[::1:80", "1.2.3.4:+80",
        "1.2.3.4: 80", NULL};
    for (size_t i = 0; bad[i]; i++) {
        tz_error *e = tz_listen_parse(bad[i], &a);
        if (!e) fprintf(stderr, "  should refuse: '%s'\n", bad[i]);
        CHECK(e != NULL);
        if (e) {
            CHECK_INT(e->id, TZE_BAD_DATA);
            tz_err_free(e);
        }
    }
    tz_error *e = tz_listen_parse(NULL, &a);
    CHECK(e != NULL);
    tz_err_free(e);
}

static void test_access_line(void) {
    struct timespec t = {1700000000, 123456789}; /* 2023-11-14T22:13:20.123Z */
    char buf[TZ_LOG_LINE_MAX];
    tz_access_entry e = {"GET", "/api/v3/onezone/user", 200, 5, "usr-abc", NULL, NULL, NULL, NULL};
    tz_access_format(&e, &t, buf, sizeof buf);
    CHECK_STR(buf, "2023-11-14T22:13:20.123Z GET /api/v3/onezone/user 200 5ms usr-abc\n");
    tz_access_entry f = {"POST", "/x", 401, 0, "-", "unauthorized", "badToken", NULL, NULL};
    tz_access_format(&f, &t, buf, sizeof buf);
    CHECK_STR(buf, "2023-11-14T22:13:20.123Z POST /x 401 0ms - error=unauthorized/badToken\n");
    tz_access_entry g = {"G\x01T", "/a b\n\xff", 0, 7, NULL, NULL, NULL, "timeout", NULL};
    tz_access_format(&g, &t, buf, sizeof buf);
    CHECK_STR(buf, "2023-11-14T22:13:20.123Z G%01T /a%20b%0A%FF - 7ms - timeout\n");
    /* Long paths are cut; the line always ends with a newline, even in a tiny buffer. */
    char path[600];
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    tz_access_entry h = {"GET", path, 404, 1, "-", "notFound", NULL, NULL, NULL};
    size_t n = tz_access_format(&h, &t, buf, sizeof buf);
    CHECK(strstr(buf, "... 404 1ms - error=notFound\n") != NULL);
    CHECK_INT(n, strlen(buf));
    char small[16];
    n = tz_access_format(&h, &t, small, sizeof small);
    CHECK_INT(n, 15);
    CHECK(small[14] == '\n');
    tz_access_entry empty = {NULL, "", 500, 1, NULL, NULL, NULL, NULL, NULL};
    tz_access_format(&empty, &t, buf, sizeof buf);
    CHECK_STR(buf, "2023-11-14T22:13:20.123Z - - 500 1ms -\n");
    /* the request id closes the line (it links the line to the audit trail) */
    tz_access_entry r = {"GET", "/x", 403, 2, "usr-abc", "forbidden", NULL, NULL, "0123456789abcdef"};
    tz_access_format(&r, &t, buf, sizeof buf);
    CHECK_STR(buf, "2023-11-14T22:13:20.123Z GET /x 403 2ms usr-abc error=forbidden rid=0123456789abcdef\n");
}

int main(void) {
    RUN(test_accept);
    RUN(test_content_type);
    RUN(test_credentials);
    RUN(test_cookie);
    RUN(test_listen);
    RUN(test_access_line);
    return TEST_REPORT();
}
