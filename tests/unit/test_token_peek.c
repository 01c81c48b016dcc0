/* tz_token_peek_type reads the type from the first packets only; it must agree with a full parse. */
#include <stdlib.h>
#include <string.h>

#include "core/token.h"
#include "harness.h"

static char *serialized(tz_type_kind kind, size_t n_caveats, const char *domain) {
    static char texts[64][64];
    tz_raw_caveat raw[64];
    for (size_t i = 0; i < n_caveats && i < 64; i++) {
        /* 0-heavy text, so that the base62 escapes (`0` + digit) land on the cut too */
        snprintf(texts[i], sizeof texts[i], "ip = 10.0.0.%zu/32|100.0.0.0/8|0.0.0.0/0", i);
        raw[i] = (tz_raw_caveat){texts[i], strlen(texts[i])};
    }
    tz_token proto;
    memset(&proto, 0, sizeof proto);
    proto.domain = (char *)domain;
    proto.version = 2;
    proto.named = true;
    proto.subject = (tz_subject){TZ_SUBJ_USER, TZ_PSUB_NONE, "00000000000000000000000000000000"};
    proto.type.kind = kind;
    if (kind == TZ_TT_INVITE) {
        proto.type.invite = TZ_INV_USER_JOIN_GROUP;
        proto.type.target_id = "0000000000000000";
    }
    proto.id = "00000000000000000000000000000000";
    tz_token *t = NULL;
    char *out = NULL;
    if (tz_token_create(&proto, (const uint8_t *)"secret", 6, raw, n_caveats, &t) == NULL)
        (void)tz_token_serialize(t, &out, NULL);
    tz_token_free(t);
    return out;
}

static void test_agrees(void) {
    const tz_type_kind kinds[] = {TZ_TT_ACCESS, TZ_TT_IDENTITY, TZ_TT_INVITE};
    const size_t counts[] = {0, 1, 8, 40};
    for (size_t k = 0; k < 3; k++)
        for (size_t c = 0; c < 4; c++) {
            char *s = serialized(kinds[k], counts[c], c % 2 ? "onezone.example.org" : "0000.0000");
            CHECK(s != NULL);
            if (!s) continue;
            tz_type_kind got = (tz_type_kind)-1;
            CHECK(tz_token_peek_type(s, strlen(s), &got));
            CHECK_INT(got, kinds[k]);
            /* every cut of the text either fails or agrees */
            for (size_t cut = 1; cut < strlen(s); cut += 7) {
                tz_type_kind g2;
                if (tz_token_peek_type(s, cut, &g2)) CHECK_INT(g2, kinds[k]);
            }
            free(s);
        }
}

static void test_rejects(void) {
    tz_type_kind k;
    CHECK(!tz_token_peek_type("", 0, &k));
    CHECK(!tz_token_peek_type("not a token", 11, &k));
    CHECK(!tz_token_peek_type("abc-MDAx", 8, &k));
}

int main(void) {
    RUN(test_agrees);
    RUN(test_rejects);
    return TEST_REPORT();
}
