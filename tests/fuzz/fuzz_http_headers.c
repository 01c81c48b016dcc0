/* Fuzzes the header-value parsers of the HTTP layer (Accept, Content-Type, Cookie,
 * Authorization): no out-of-bounds access, and results that stay inside the input.
 *
 * The Makefile's fuzz rule links only src/core; these parsers are pure and live in src/http, so
 * they are compiled into this target directly. */
#include "../../src/http/credentials.c"
#include "../../src/http/negotiate.c"
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = '\0';
    (void)tz_accept_allows_json(s);
    bool json = tz_content_type_is_json(s);
    /* Only application/json (any case) can be JSON. */
    const char *p = s;
    while (*p == ' ' || *p == '\t') p++;
    if (json && strncasecmp(p, "application/json", 16) != 0) abort();
    const char *v;
    size_t n;
    if (tz_cookie_find(s, "SID", &v, &n)) {
        if (v < s || v + n > s + strlen(s)) abort();
    }
    tz_credentials c;
    tz_credentials_from_headers(NULL, s, NULL, NULL, NULL, &c);
    if (c.bearer && c.basic) abort();
    if (c.bearer && c.bearer != s + 7) abort();
    if (c.basic && c.basic != s + 6) abort();
    free(s);
    return 0;
}
