/* Writes an answer body as compact JSON text without json_dumps. json_dumps costs about 10,000
 * instructions even for the 70-byte verify answer: a loop-check hashtable keyed by the printed
 * address ("%p") of every object and array, a callback per fragment, and a copy of the result.
 * This writer appends to one growing buffer. Its output must be exactly json_dumps's with
 * JSON_COMPACT (tests/unit/test_json_write.c compares the two on random trees): the same member
 * order (insertion order, as jansson 2.14 keeps it), the same escapes (\" \\ \b \f \n \r \t,
 * \u00XX in capitals for the other control characters; '/' and non-ASCII left as they are), and
 * integers as "%lld" prints them. Whatever it is not sure to render identically it leaves to
 * json_dumps (see json_write.h). */
#include "http/json_write.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct out_buf {
    char *p;
    size_t len, cap;
} out_buf;

static bool reserve(out_buf *b, size_t more) {
    if (more > TZ_JSON_WRITE_MAX_BYTES - b->len) return false;
    size_t need = b->len + more + 1; /* + the final NUL */
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 128;
    while (cap < need) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return false;
    b->p = p;
    b->cap = cap;
    return true;
}

static bool put(out_buf *b, const char *s, size_t n) {
    if (!reserve(b, n)) return false;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return true;
}

static bool put_char(out_buf *b, char c) { return put(b, &c, 1); }

/* Length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) starting at s[0] >= 0x80, or 0 when it is not one: jansson refuses the same. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0; /* overlong */
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
    return len;
}

static bool put_string(out_buf *b, const char *str, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    if (!put_char(b, '"')) return false;
    size_t run = 0; /* start of the bytes not yet copied */
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t l = utf8_seq(s + i, n - i);
            if (!l) return false;
            i += l;
            continue;
        }
        if (!put(b, str + run, i - run)) return false;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t el = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];
            el = 6;
        }
        if (!put(b, esc, el)) return false;
        run = ++i;
    }
    return put(b, str + run, n - run) && put_char(b, '"');
}

static bool put_integer(out_buf *b, json_int_t v) {
    char digits[24];
    size_t i = sizeof digits;
    unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[--i] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0) digits[--i] = '-';
    return put(b, digits + i, sizeof digits - i);
}

static bool put_value(out_buf *b, const json_t *v, unsigned depth) {
    if (depth > TZ_JSON_WRITE_MAX_DEPTH) return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (!put_char(b, '{')) return false;
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
            if (!first && !put_char(b, ',')) return false;
            first = false;
            if (!put_string(b, json_object_iter_key(it), json_object_iter_key_len(it)) || !put_char(b, ':') ||
                !put_value(b, json_object_iter_value(it), depth + 1))
                return false;
        }
        return put_char(b, '}');
    }
    case JSON_ARRAY: {
        if (!put_char(b, '[')) return false;
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i && !put_char(b, ',')) return false;
            if (!put_value(b, json_array_get(v, i), depth + 1)) return false;
        }
        return put_char(b, ']');
    }
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return put_integer(b, json_integer_value(v));
    case JSON_TRUE:
        return put(b, "true", 4);
    case JSON_FALSE:
        return put(b, "false", 5);
    case JSON_NULL:
        return put(b, "null", 4);
    default: /* JSON_REAL: json_dumps's "%.17g" rules stay with json_dumps */
        return false;
    }
}

char *tz_json_write_compact(const json_t *v, size_t *len) {
    *len = 0;
    if (!v || (!json_is_object(v) && !json_is_array(v))) return NULL;
    out_buf b = {0};
    if (!put_value(&b, v, 0) || !reserve(&b, 0)) {
        free(b.p);
        return NULL;
    }
    b.p[b.len] = '\0';
    *len = b.len;
    return b.p;
}
