/* core/json_write.c against json_dumps(JSON_COMPACT) on the inputs a reply can hold: every escape,
 * strings from every ASCII byte and multi-byte UTF-8, integers to both int64 limits, malformed
 * UTF-8, reals and deep trees (which it hands to jansson): the same text, and NULL exactly where
 * json_dumps gives NULL. (test_json_write.c holds the piece-by-piece writer.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "core/json_write.h"

/* 1 when the writer's text is json_dumps's (both NULL included). */
static int agrees(const json_t *v) {
    size_t len = 0;
    char *ours = tz_json_dump_compact(v, &len);
    char *ref = json_dumps(v, JSON_COMPACT);
    int ok;
    if (!ours || !ref) ok = !ours && !ref;
    else ok = len == strlen(ref) && memcmp(ours, ref, len) == 0 && ours[len] == '\0';
    if (!ok) fprintf(stderr, "  ours: %s\n  ref:  %s\n", ours ? ours : "(null)", ref ? ref : "(null)");
    free(ours);
    free(ref);
    return ok;
}

static void test_verify_answer(void) {
    json_t *v = json_pack("{s:{s:s,s:s},s:I}", "subject", "type", "user", "id",
                          "0123456789abcdef0123456789abcdef", "ttl", (json_int_t)3599);
    size_t len;
    char *text = tz_json_dump_compact(v, &len);
    CHECK_STR(text, "{\"subject\":{\"type\":\"user\",\"id\":\"0123456789abcdef0123456789abcdef\"},\"ttl\":3599}");
    CHECK(agrees(v));
    free(text);
    json_decref(v);
    v = json_pack("{s:{s:s,s:n},s:n}", "subject", "type", "nobody", "id", "ttl");
    CHECK(agrees(v));
    json_decref(v);
}

static void test_escapes(void) {
    static const char all[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 <>&'";
    json_t *v = json_object();
    json_object_set_new(v, "k\"\n\x02", json_stringn(all, sizeof all - 1));
    json_object_set_new(v, "", json_string(""));
    json_object_set_new(v, "e", json_array());
    json_object_set_new(v, "o", json_object());
    json_object_set_new(v, "n", json_pack("[I,I,I,b,b,n]", (json_int_t)INT64_MIN, (json_int_t)INT64_MAX,
                                          (json_int_t)0, 1, 0));
    CHECK(agrees(v));
    size_t len;
    char *text = tz_json_dump_compact(v, &len);
    CHECK(text && strstr(text, "\\u0001\\u001F") && strstr(text, "\\\"\\\\/\\b\\f\\n\\r\\t"));
    free(text);
    json_decref(v);
}

/* What the writer hands to jansson comes back as jansson writes it, failures included. */
static void test_handed_to_jansson(void) {
    json_t *real = json_pack("{s:f,s:[f,f]}", "r", 1.5, "a", -0.25, 1e300);
    CHECK(agrees(real));
    json_decref(real);
    json_t *str = json_string("top level");
    size_t len;
    CHECK(tz_json_dump_compact(str, &len) == NULL); /* as json_dumps without JSON_ENCODE_ANY */
    CHECK(agrees(str));
    json_decref(str);
    /* not well-formed UTF-8: overlong, surrogate, above U+10FFFF, truncated, stray continuation */
    static const char *bad[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80", "\xff"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *v = json_pack("{s:o}", "s", json_stringn_nocheck(bad[i], strlen(bad[i])));
        CHECK(agrees(v));
        json_decref(v);
    }
    json_t *deep = json_array(), *cur = deep;
    for (int i = 0; i < 200; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    CHECK(agrees(deep));
    json_decref(deep);
}

/* Random trees of every kind the writer renders, strings from every byte value. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

static json_t *random_string(void) {
    static const char *pieces[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
                                   "\"", "\\", "/", "\x7f", "\x00"};
    char buf[64];
    size_t n = 0, want = rnd() % 20;
    while (n < want && n + 4 < sizeof buf) {
        if (rnd() % 3 == 0) {
            const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
            size_t l = p[0] ? strlen(p) : 1;
            memcpy(buf + n, p, l);
            n += l;
        } else {
            buf[n++] = (char)(rnd() % 0x80); /* every ASCII byte, control characters included */
        }
    }
    return json_stringn(buf, n);
}

static json_t *random_value(int depth) {
    unsigned k = rnd() % (depth > 4 ? 6 : 8);
    switch (k) {
    case 0: return json_true();
    case 1: return json_false();
    case 2: return json_null();
    case 3: return json_integer((json_int_t)(((uint64_t)rnd() << 32) | rnd()) >> (rnd() % 64));
    case 4: return json_integer(-(json_int_t)(rnd() % 1000));
    case 5: return random_string();
    case 6: {
        json_t *a = json_array();
        for (unsigned i = rnd() % 5; i > 0; i--) json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = rnd() % 5; i > 0; i--) {
            json_t *key = random_string();
            json_object_setn_new(o, json_string_value(key), json_string_length(key), random_value(depth + 1));
            json_decref(key);
        }
        return o;
    }
    }
}

static void test_random_trees(void) {
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        json_t *v = rnd() % 2 ? json_array() : json_object();
        for (unsigned j = rnd() % 6; j > 0; j--) {
            json_t *x = random_value(1);
            if (json_is_array(v)) json_array_append_new(v, x);
            else {
                char key[16];
                snprintf(key, sizeof key, "k%u", rnd() % 8);
                json_object_set_new(v, key, x);
            }
        }
        if (!agrees(v)) bad++;
        json_decref(v);
    }
    CHECK_INT(bad, 0);
}

int main(void) {
    RUN(test_verify_answer);
    RUN(test_escapes);
    RUN(test_handed_to_jansson);
    RUN(test_random_trees);
    return TEST_REPORT();
}
