/* The facts of a named token (metrics, audit) take its type from the stored template: the fast
 * read of tz_token_template's layout and the whole parse of any other layout must agree. */
#include <string.h>

#include "harness.h"
#include "core/token.h"
#include "service/service_internal.h"

static int type_of(const char *tmpl) {
    tz_named_token_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.id = (char *)"0123456789abcdef0123456789abcdef";
    rec.subject.kind = TZ_SUBJ_USER;
    rec.subject.id = (char *)"u1";
    rec.token = (char *)tmpl;
    tz_response resp;
    memset(&resp, 0, sizeof resp);
    svc_facts_named(&resp, &rec);
    CHECK_STR(resp.facts.token_id, "0123456789abcdef0123456789abcdef");
    return resp.facts.known ? resp.facts.token_type : -1;
}

static void test_template_layouts(void) {
    CHECK_INT(type_of("{\"v\":2,\"type\":{\"accessToken\":{}},\"caveats\":[\"time < 9\"]}"), TZ_TT_ACCESS);
    CHECK_INT(type_of("{\"v\":2,\"type\":{\"identityToken\":{}},\"caveats\":[]}"), TZ_TT_IDENTITY);
    CHECK_INT(type_of("{\"v\":2,\"type\":{\"accessToken\":{\"sessionId\":\"s\"}},\"caveats\":[]}"), TZ_TT_ACCESS);
    /* other layouts: parsed whole */
    CHECK_INT(type_of("{\"caveats\":[],\"type\":{\"identityToken\":{}},\"v\":2}"), TZ_TT_IDENTITY);
    CHECK_INT(type_of("{ \"v\": 2, \"type\": {\"accessToken\":{}}, \"caveats\": []}"), TZ_TT_ACCESS);
    /* no type, a type that is not one, no template at all */
    CHECK_INT(type_of("{\"v\":2,\"caveats\":[]}"), -1);
    CHECK_INT(type_of("{\"v\":2,\"type\":{\"nothing\":{}},\"caveats\":[]}"), -1);
    CHECK_INT(type_of("{\"v\":2,\"type\":\"accessToken\",\"caveats\":[]}"), -1);
    CHECK_INT(type_of("MDAxY2xvY2F0aW9u"), -1);
    CHECK_INT(type_of(NULL), -1);
}

int main(void) {
    RUN(test_template_layouts);
    return TEST_REPORT();
}
