/* A fast reader for the most common request body: one flat JSON object whose keys and values are
 * plain ASCII strings without escapes, e.g. {"token":"...","interface":"rest"}. jansson's lexer
 * costs about 90 instructions per byte, which for a 600-byte verify body was a fifth of the
 * server's work per request. Anything else (numbers, nesting, escapes, non-ASCII, bad syntax) is
 * left to jansson, so the result is always what json_loadb would give. */
#include "http/json_flat.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static size_t skip_ws(const char *s, size_t i, size_t n) {
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

/* Eight bytes at a time: does the word hold a byte < 0x20, >= 0x7f, '"' or '\\'? (Exact as a yes/no;
 * the bytes of a word that says yes are then looked at one by one.) Tokens are most of a verify
 * body, and a byte-by-byte scan of them was 2 % of the request's instructions. */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static bool word_needs_look(uint64_t x) {
    uint64_t below_space = (x - ONES * 0x20) & ~x;          /* a high bit: some byte < 0x20 */
    uint64_t from_del = (x + ONES * (0x7f - 0x7e)) | x;      /* a high bit: some byte >= 0x7f */
    uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');
    uint64_t quote = (q - ONES) & ~q, backslash = (b - ONES) & ~b;
    return ((below_space | from_del | quote | backslash) & HIGHS) != 0;
}

/* A string of printable ASCII without '"' or '\\' starting at s[i] == '"'; returns the index after
 * the closing quote, or 0 when the string needs the full parser. */
static size_t plain_string(const char *s, size_t i, size_t n, size_t *start, size_t *len) {
    if (i >= n || s[i] != '"') return 0;
    size_t j = ++i;
    while (n - j >= 8) {
        uint64_t w;
        memcpy(&w, s + j, 8);
        if (word_needs_look(w)) break;
        j += 8;
    }
    while (j < n && s[j] != '"') {
        unsigned char c = (unsigned char)s[j];
        if (c < 0x20 || c >= 0x7f || c == '\\') return 0;
        j++;
    }
    if (j >= n) return 0;
    *start = i;
    *len = j - i;
    return j + 1;
}

json_t *tz_json_load_flat(const char *s, size_t n) {
    size_t i = skip_ws(s, 0, n);
    if (i >= n || s[i] != '{') return NULL;
    json_t *obj = json_object();
    if (!obj) return NULL;
    i = skip_ws(s, i + 1, n);
    if (i < n && s[i] == '}') goto done;
    for (;;) {
        size_t ks, kl, vs, vl;
        if (!(i = plain_string(s, i, n, &ks, &kl))) goto fallback;
        i = skip_ws(s, i, n);
        if (i >= n || s[i] != ':') goto fallback;
        i = skip_ws(s, i + 1, n);
        if (!(i = plain_string(s, i, n, &vs, &vl))) goto fallback;
        json_t *v = json_stringn_nocheck(s + vs, vl);
        if (!v || json_object_setn_new_nocheck(obj, s + ks, kl, v) != 0) goto fallback;
        i = skip_ws(s, i, n);
        if (i < n && s[i] == ',') {
            i = skip_ws(s, i + 1, n);
            continue;
        }
        if (i < n && s[i] == '}') break;
        goto fallback;
    }
done:
    if (skip_ws(s, i + 1, n) != n) goto fallback;
    return obj;
fallback:
    json_decref(obj);
    return NULL;
}
