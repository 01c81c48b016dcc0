/* The reply writer must give byte for byte what json_dumps(JSON_COMPACT) gives. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "core/json_write.h"

/* Same text as jansson (or NULL on both sides), and the reported length is the text's. */
static int same(const json_t *j) {
    size_t len = 99;
    char *ours = tz_json_dump_compact(j, &len);
    char *ref = json_dumps(j, JSON_COMPACT);
    int ok = (!ours && !ref && len == 0) || (ours && ref && strcmp(ours, ref) == 0 && len == strlen(ours));
    if (!ok) fprintf(stderr, "  ours: %s\n  jansson: %s\n", ours ? ours : "(null)", ref ? ref : "(null)");
    free(ours);
    free(ref);
    return ok;
}

static int same_text(const char *text) {
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    int ok = j && same(j);
    json_decref(j);
    return ok;
}

static void test_answers(void) {
    const char *texts[] = {
        "{\"active\":true,\"sub\":\"usr-42f8\",\"username\":\"bench\",\"jti\":\"fc1c\",\"iss\":\"localhost\","
        "\"exp\":1796584303,\"iat\":1796580703,\"token_type\":\"access_token\",\"onedata\":{\"subject\":"
        "{\"type\":\"user\",\"id\":\"42f8\"},\"persistence\":\"named\",\"caveats\":[{\"type\":\"time\","
        "\"validUntil\":1796584303},{\"type\":\"ip\",\"whitelist\":[\"127.0.0.0/8\"]}]}}",
        "{\"active\":false}", "{}", "[]", "[[],{},[{}]]", "{\"a\":null,\"b\":false,\"c\":true}",
        "{\"n\":-9223372036854775808,\"m\":9223372036854775807,\"z\":0}",
        "{\"r\":1.5,\"s\":1e300,\"t\":-0.0,\"u\":3.0,\"v\":0.1}",
        "{\"q\":\"a\\\"b\\\\c\\/d\",\"ctl\":\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\"}",
        "{\"u\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",\"k\\u00e9y\":1,\"\\n\":2}",
        "{\"nul\":\"a\\u0000b\"}",
        "{\"b\":1,\"a\":2,\"c\":{\"z\":1,\"y\":2}}", /* insertion order, not sorted */
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) CHECK(same_text(texts[i]));
}

static void test_not_containers(void) {
    json_t *vals[] = {json_string("x"), json_integer(1), json_true(), json_null(), json_real(1.0)};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        CHECK(tz_json_dump_compact(vals[i], NULL) == NULL);
        CHECK(same(vals[i]));
        json_decref(vals[i]);
    }
    CHECK(tz_json_dump_compact(NULL, NULL) == NULL);
}

/* Deeper than the writer's own depth cap: jansson writes it. */
static void test_deep(void) {
    json_t *root = json_array(), *cur = root;
    for (int i = 0; i < 200; i++) {
        json_t *next = i % 2 ? json_array() : json_object();
        if (json_is_array(cur)) json_array_append_new(cur, next);
        else json_object_set_new(cur, "k", next);
        cur = next;
    }
    json_object_set_new(root, "x", json_string("unused")); /* no-op on an array */
    CHECK(same(root));
    json_decref(root);
}

/* Random trees of every kind of value, strings drawn from a set that needs every kind of
 * escaping. */
static unsigned next_rand(unsigned *s) {
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static json_t *random_value(unsigned *s, int depth) {
    static const char *const strs[] = {"", "plain", "a\"q", "back\\slash", "sl/ash", "tab\t", "\x01",
                                       "\x7f", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80 smile",
                                       "127.0.0.0/8", "usr-0123456789abcdef"};
    size_t n_strs = sizeof strs / sizeof strs[0];
    unsigned k = next_rand(s) % (depth > 4 ? 6 : 8);
    switch (k) {
    case 0: return json_string(strs[next_rand(s) % n_strs]);
    case 1: return json_integer((json_int_t)next_rand(s) * (next_rand(s) % 2 ? -77777 : 1));
    case 2: return json_real((double)next_rand(s) / 7.0);
    case 3: return json_true();
    case 4: return json_false();
    case 5: return json_null();
    case 6: {
        json_t *a = json_array();
        for (unsigned i = next_rand(s) % 5; i > 0; i--) json_array_append_new(a, random_value(s, depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = next_rand(s) % 5; i > 0; i--)
            json_object_set_new(o, strs[next_rand(s) % n_strs], random_value(s, depth + 1));
        return o;
    }
    }
}

static void test_random(void) {
    unsigned seed = 12345;
    int bad = 0;
    for (int i = 0; i < 3000; i++) {
        json_t *j = next_rand(&seed) % 2 ? json_object() : json_array();
        for (unsigned m = next_rand(&seed) % 6; m > 0; m--) {
            json_t *v = random_value(&seed, 1);
            if (json_is_array(j)) json_array_append_new(j, v);
            else json_object_set_new(j, "m" + (m % 2), v);
        }
        if (!same(j)) bad++;
        json_decref(j);
    }
    CHECK_INT(bad, 0);
}

/* Pieces written one by one give what jansson gives for the same tree. */
static void test_pieces(void) {
    const char *strs[] = {"plain", "q\"b\\s/t\n\x01", "caf\xc3\xa9", ""};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        tz_json_buf b = {0};
        tz_jb_raw(&b, "{\"k\":", 5);
        tz_jb_string(&b, strs[i], strlen(strs[i]));
        tz_jb_raw(&b, ",\"n\":", 5);
        tz_jb_int(&b, -42);
        tz_jb_raw(&b, ",\"v\":", 5);
        json_t *v = json_pack("{s:[i,f,n]}", "x", 7, 0.5);
        tz_jb_value(&b, v);
        tz_jb_raw(&b, "}", 1);
        size_t len = 0;
        char *ours = tz_jb_finish(&b, &len);
        json_t *whole = json_pack("{s:s,s:i,s:O}", "k", strs[i], "n", -42, "v", v);
        char *ref = json_dumps(whole, JSON_COMPACT);
        CHECK(ours && ref && !strcmp(ours, ref) && len == strlen(ref));
        free(ours);
        free(ref);
        json_decref(whole);
        json_decref(v);
    }
    /* invalid UTF-8 fails the whole text, as json_dumps fails */
    tz_json_buf b = {0};
    tz_jb_raw(&b, "[", 1);
    tz_jb_string(&b, "\xff", 1);
    tz_jb_raw(&b, "]", 1);
    CHECK(tz_jb_finish(&b, NULL) == NULL);
    tz_json_buf n = {0};
    tz_jb_value(&n, NULL);
    CHECK(tz_jb_finish(&n, NULL) == NULL);
}

int main(void) {
    RUN(test_pieces);
    RUN(test_answers);
    RUN(test_not_containers);
    RUN(test_deep);
    RUN(test_random);
    return TEST_REPORT();
}
