/* The fast reader of flat JSON bodies must give exactly what json_loadb gives, or step aside. */
#include <stdbool.h>
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

/* Bodies whose values hold every kind of byte at every offset of the 8-byte scan: the fast reader
 * takes exactly the plain ones and agrees with jansson on them. */
static void test_every_byte_at_every_offset(void) {
    static const unsigned char specials[] = {0x00, 0x01, 0x1f, '"', '\\', 0x7f, 0x80, 0xc3, 0xff, ' ', '~', 'A'};
    int bad = 0, taken = 0;
    for (size_t len = 1; len <= 40; len++) {
        for (size_t pos = 0; pos < len; pos++) {
            for (size_t k = 0; k < sizeof specials; k++) {
                char text[128];
                size_t o = (size_t)snprintf(text, sizeof text, "{\"token\":\"");
                for (size_t i = 0; i < len; i++) text[o + i] = (char)(i == pos ? specials[k] : 'a' + (char)(i % 26));
                o += len;
                memcpy(text + o, "\"}", 3);
                size_t n = o + 2;
                bool plain = specials[k] >= 0x20 && specials[k] < 0x7f && specials[k] != '"' && specials[k] != '\\';
                json_t *fast = tz_json_load_flat(text, n);
                if ((fast != NULL) != plain) bad++;
                if (fast) {
                    taken++;
                    json_t *ref = json_loadb(text, n, 0, NULL);
                    if (!ref || !json_equal(fast, ref)) bad++;
                    json_decref(ref);
                }
                json_decref(fast);
            }
        }
    }
    CHECK_INT(bad, 0);
    CHECK(taken > 0);
}

int main(void) {
    RUN(test_taken);
    RUN(test_left_to_jansson);
    RUN(test_every_byte_at_every_offset);
    return TEST_REPORT();
}
