/* The fast reader of flat JSON bodies must give exactly what json_loadb gives, or step aside. */
#include <string.h>

#include "harness.h"
#include "http/json_flat.h"

/* Either NULL (left to jansson) or equal to jansson's reading. */
static int agrees(const char *text) {
    json_t *fast = tz_json_load_flat(text, strlen(text));
    json_t *ref = json_loadb(text, strlen(text), JSON_DECODE_ANY, NULL);
    int ok = !fast || (ref && json_equal(fast, ref));
    json_decref(fast);
    json_decref(ref);
    return ok;
}

static void test_taken(void) {
    const char *texts[] = {"{\"token\":\"MDAxYmxvY2F0aW9u\",\"interface\":\"rest\"}",
                           " { \"a\" : \"b\" , \"c\":\"\" }\n", "{}", "{ }",
                           "{\"a\":\"1\",\"a\":\"2\"}"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_t *fast = tz_json_load_flat(texts[i], strlen(texts[i]));
        CHECK(fast != NULL);
        json_decref(fast);
        CHECK(agrees(texts[i]));
    }
    json_t *dup = tz_json_load_flat("{\"a\":\"1\",\"a\":\"2\"}", 17);
    CHECK(dup && strcmp(json_string_value(json_object_get(dup, "a")), "2") == 0);
    json_decref(dup);
}

static void test_left_to_jansson(void) {
    const char *texts[] = {"{\"a\":1}", "{\"a\":\"\\u0041\"}", "{\"a\":\"\xc3\xa9\"}", "{\"a\":{\"b\":\"c\"}}",
                           "[\"a\"]", "\"a\"", "{\"a\":\"b\"} x", "{\"a\":\"b\",}", "{\"a\" \"b\"}",
                           "{\"a\":\"b\"", "{\"a\":\"b", "", "{", "{\"a\":\"\t\"}", "{\"a\":null}"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        json_t *fast = tz_json_load_flat(texts[i], strlen(texts[i]));
        CHECK(fast == NULL);
        json_decref(fast);
    }
}

int main(void) {
    RUN(test_taken);
    RUN(test_left_to_jansson);
    return TEST_REPORT();
}
