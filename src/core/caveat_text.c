/* Text helpers for caveats: a capped growable buffer and UTF-8 repair for JSON output (raw caveat
 * bytes may be anything, but jansson strings and error descriptions must be valid UTF-8). */
#include "core/caveat_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tz_cv_buf_init(tz_cv_buf *b, size_t limit) {
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->limit = limit;
    b->failed = false;
}

static bool reserve(tz_cv_buf *b, size_t extra) {
    if (b->failed) return false;
    if (extra > b->limit || b->len > b->limit - extra) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1; /* room for the final NUL */
    if (need <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->ptr, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->ptr = p;
    b->cap = cap;
    return true;
}

void tz_cv_buf_add(tz_cv_buf *b, const char *s, size_t len) {
    if (!reserve(b, len)) return;
    if (len) memcpy(b->ptr + b->len, s, len);
    b->len += len;
    b->ptr[b->len] = '\0';
}

void tz_cv_buf_str(tz_cv_buf *b, const char *s) {
    tz_cv_buf_add(b, s, strlen(s));
}

void tz_cv_buf_printf(tz_cv_buf *b, const char *fmt, ...) {
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        tz_cv_buf_add(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0 if there is none. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (avail < n) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return n;
}

static void add_utf8(tz_cv_buf *b, const char *s, size_t len, bool keep_nul) {
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0; /* run: start of the pending valid stretch */
    while (i < len) {
        size_t n = utf8_seq_len(u + i, len - i);
        if (n && (u[i] != 0 || keep_nul)) {
            i += n;
            continue;
        }
        tz_cv_buf_add(b, s + run, i - run);
        tz_cv_buf_add(b, replacement, 3);
        i++;
        run = i;
    }
    tz_cv_buf_add(b, s + run, i - run);
}

void tz_cv_buf_add_utf8(tz_cv_buf *b, const char *s, size_t len) {
    add_utf8(b, s, len, false);
}

char *tz_cv_buf_finish(tz_cv_buf *b, size_t *len_out) {
    if (!b->failed && !b->ptr) reserve(b, 0);
    if (b->failed) {
        tz_cv_buf_free(b);
        return NULL;
    }
    char *p = b->ptr;
    if (len_out) *len_out = b->len;
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

void tz_cv_buf_free(tz_cv_buf *b) {
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

json_t *tz_cv_json_string(const char *s, size_t len) {
    tz_cv_buf b;
    /* Every input byte expands to at most 3 output bytes. */
    tz_cv_buf_init(&b, len > SIZE_MAX / 3 ? SIZE_MAX / 3 : len * 3);
    add_utf8(&b, s, len, true);
    size_t out_len;
    char *text = tz_cv_buf_finish(&b, &out_len);
    if (!text) return NULL;
    json_t *j = json_stringn_nocheck(text, out_len); /* validated above */
    free(text);
    return j;
}
