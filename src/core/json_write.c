/* Reply bodies without json_dumps' per-container cost: jansson 2.14 checks every object and array
 * for reference loops by printing its address with snprintf into a hash table, and grows its
 * buffer through a callback per token; on an RFC 7662 answer that was about a sixth of the
 * request's instructions. This writer walks the same tree in the same (insertion) order and gives
 * byte for byte the text json_dumps(JSON_COMPACT) gives. Whatever needs jansson's own formatting
 * (reals, strings that need escaping or hold non-ASCII bytes) is handed to jansson for that value
 * alone; a tree deeper than DEPTH_MAX (never built by the server, but a loop would be infinite)
 * is handed to json_dumps whole, so loops fail exactly as they do there. */
#include "core/json_write.h"
#include <inttypes.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 64

typedef tz_json_buf buf; /* failed: allocation or encoding failure; deep: past DEPTH_MAX */

static bool grow(buf *b, size_t more) {
    if (b->failed) return false;
    if (b->len + more + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static void put(buf *b, const char *s, size_t n) {
    if (!grow(b, n)) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void put_c(buf *b, char c) {
    if (!grow(b, 1)) return;
    b->p[b->len++] = c;
}

/* A value written by jansson itself (JSON_ENCODE_ANY: a scalar on its own). */
static void put_by_jansson(buf *b, const json_t *v) {
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!t) {
        b->failed = true;
        return;
    }
    put(b, t, strlen(t));
    free(t);
}

/* Printable ASCII other than '"' and '\\' is written as it is by jansson too. */
static bool plain(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
    }
    return true;
}

static void put_string(buf *b, const char *s, size_t n) {
    if (plain(s, n)) {
        if (!grow(b, n + 2)) return;
        b->p[b->len++] = '"';
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len++] = '"';
        return;
    }
    json_t *tmp = json_stringn_nocheck(s, n);
    if (!tmp) {
        b->failed = true;
        return;
    }
    put_by_jansson(b, tmp); /* jansson escapes it, or fails on invalid UTF-8 as json_dumps does */
    json_decref(tmp);
}

static void put_value(buf *b, const json_t *v, int depth) {
    if (b->failed || b->deep) return;
    if (depth > DEPTH_MAX) {
        b->deep = true;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        put_c(b, '{');
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
            if (!first) put_c(b, ',');
            first = false;
            put_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
            put_c(b, ':');
            put_value(b, json_object_iter_value(it), depth + 1);
        }
        put_c(b, '}');
        break;
    }
    case JSON_ARRAY: {
        put_c(b, '[');
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i) put_c(b, ',');
            put_value(b, json_array_get(v, i), depth + 1);
        }
        put_c(b, ']');
        break;
    }
    case JSON_STRING:
        put_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        char num[32];
        int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        if (n > 0 && (size_t)n < sizeof num) put(b, num, (size_t)n);
        else b->failed = true;
        break;
    }
    case JSON_TRUE:
        put(b, "true", 4);
        break;
    case JSON_FALSE:
        put(b, "false", 5);
        break;
    case JSON_NULL:
        put(b, "null", 4);
        break;
    default: /* JSON_REAL */
        put_by_jansson(b, v);
        break;
    }
}

char *tz_json_dump_compact(const json_t *j, size_t *len) {
    if (len) *len = 0;
    if (!json_is_object(j) && !json_is_array(j)) return NULL; /* as json_dumps without JSON_ENCODE_ANY */
    buf b = {0};
    put_value(&b, j, 0);
    if (b.deep) {
        free(b.p);
        char *t = json_dumps(j, JSON_COMPACT);
        if (t && len) *len = strlen(t);
        return t;
    }
    return tz_jb_finish(&b, len);
}

void tz_jb_raw(tz_json_buf *b, const char *s, size_t n) { put(b, s, n); }

void tz_jb_string(tz_json_buf *b, const char *s, size_t n) { put_string(b, s, n); }

void tz_jb_int(tz_json_buf *b, long long v) {
    char num[32];
    int n = snprintf(num, sizeof num, "%lld", v);
    if (n > 0 && (size_t)n < sizeof num) put(b, num, (size_t)n);
    else b->failed = true;
}

void tz_jb_value(tz_json_buf *b, const json_t *v) {
    if (!v) {
        b->failed = true;
        return;
    }
    size_t mark = b->len;
    put_value(b, v, 0);
    if (b->deep && !b->failed) {
        /* too deep for the writer: jansson writes this value */
        b->deep = false;
        b->len = mark;
        put_by_jansson(b, v);
    }
}

char *tz_jb_finish(tz_json_buf *b, size_t *len) {
    if (len) *len = 0;
    if (b->failed || b->deep || !grow(b, 0)) {
        tz_jb_free(b);
        return NULL;
    }
    b->p[b->len] = '\0';
    char *out = b->p;
    if (len) *len = b->len;
    memset(b, 0, sizeof *b);
    return out;
}

void tz_jb_free(tz_json_buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}
