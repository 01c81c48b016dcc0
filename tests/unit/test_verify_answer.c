/* The verify answer written as text must be the compact rendering of the jansson tree it replaces
 * ({"subject": tz_subject_to_json, "ttl": integer or null}), or be left to that tree (NULL). */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "service/verify_answer.h"

static char *tree_text(const tz_subject *s, bool has_ttl, int64_t ttl) {
    json_t *v = json_pack("{s:o,s:o}", "subject", tz_subject_to_json(s), "ttl",
                          has_ttl ? json_integer(ttl) : json_null());
    char *text = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    return text;
}

static int agrees(tz_subject_kind kind, const char *id, bool has_ttl, int64_t ttl) {
    tz_subject s = {kind, TZ_PSUB_NONE, (char *)id};
    size_t len = 0;
    char *ours = svc_verify_answer_text(&s, has_ttl, ttl, &len);
    char *ref = tree_text(&s, has_ttl, ttl);
    int ok = ours && ref && strcmp(ours, ref) == 0 && len == strlen(ref);
    if (!ok) fprintf(stderr, "  ours: %s\n  ref:  %s\n", ours ? ours : "(null)", ref ? ref : "(null)");
    free(ours);
    free(ref);
    return ok;
}

static void test_every_kind(void) {
    CHECK(agrees(TZ_SUBJ_USER, "0123456789abcdef0123456789abcdef", true, 3599));
    CHECK(agrees(TZ_SUBJ_PROVIDER, "prov1", false, 0));
    CHECK(agrees(TZ_SUBJ_GROUP, "g", true, -5));
    CHECK(agrees(TZ_SUBJ_NOBODY, NULL, true, 0));
    CHECK(agrees(TZ_SUBJ_USER, "", true, INT64_MAX));
    CHECK(agrees(TZ_SUBJ_USER, "a/b <c> & ' ~", true, INT64_MIN));
}

static void test_escaping_left_to_the_tree(void) {
    static const char *ids[] = {"a\"b", "a\\b", "tab\t", "\x7f", "caf\xc3\xa9", "\xff"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        tz_subject s = {TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)ids[i]};
        size_t len;
        char *text = svc_verify_answer_text(&s, true, 1, &len);
        CHECK(text == NULL);
        free(text);
    }
}

int main(void) {
    RUN(test_every_kind);
    RUN(test_escaping_left_to_the_tree);
    return TEST_REPORT();
}
