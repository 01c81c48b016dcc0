/* The macaroon identifier: "2/PERSISTENCE/SUBJECT/TYPE/ID" or a legacy bare id (token-format §5,
 * §6). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/token_internal.h"

/* Erlang binary_to_integer syntax: optional sign, at least one decimal digit, nothing else.
 * *fits tells whether the value fits in int64 (the reference has arbitrary precision). */
static bool erl_integer(const char *s, size_t n, int64_t *value, bool *fits) {
    size_t i = 0;
    bool neg = false;
    if (n && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n) return false;
    uint64_t mag = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    *fits = true;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (*fits && mag > (limit - d) / 10) *fits = false;
        if (*fits) mag = mag * 10 + d;
    }
    if (*fits) *value = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
    return true;
}

static tz_error *parse_legacy(const char *s, size_t len, tz_token *t) {
    if (memchr(s, 0, len)) return tz_err_new(TZE_BAD_TOKEN);
    if (!(t->id = strndup(s, len))) return tz_err_new(TZE_INTERNAL);
    t->version = 1;
    t->named = true;
    t->generation = 0;
    t->subject.kind = TZ_SUBJ_NOBODY;
    t->type.kind = TZ_TT_ACCESS;
    return NULL;
}

static tz_error *parse_persistence(const char *s, size_t len, tz_token *t) {
    if (len == 3 && memcmp(s, "nmd", 3) == 0) {
        t->named = true;
        t->generation = 0;
        return NULL;
    }
    bool fits;
    if (len > 4 && memcmp(s, "tmp-", 4) == 0 && erl_integer(s + 4, len - 4, &t->generation, &fits) &&
        fits) {
        t->named = false;
        return NULL;
    }
    return tz_err_new(TZE_BAD_TOKEN);
}

tz_error *tz_identifier_parse(const char *s, size_t len, tz_token *t) {
    const char *end = s + len, *slash = memchr(s, '/', len);
    if (!slash) return parse_legacy(s, len, t);
    int64_t version;
    bool fits;
    if (!erl_integer(s, (size_t)(slash - s), &version, &fits)) return parse_legacy(s, len, t);
    if (!fits || version != 2) return tz_err_new(TZE_BAD_TOKEN);
    /* exactly four more fields */
    const char *f[4];
    size_t flen[4];
    const char *p = slash + 1;
    for (int i = 0; i < 4; i++) {
        const char *next = memchr(p, '/', (size_t)(end - p));
        if (i < 3 ? !next : next != NULL) return tz_err_new(TZE_BAD_TOKEN);
        f[i] = p;
        flen[i] = (size_t)((i < 3 ? next : end) - p);
        if (i < 3) p = next + 1;
    }
    tz_error *e = parse_persistence(f[0], flen[0], t);
    if (!e) e = tz_subject_parse(f[1], flen[1], &t->subject);
    if (!e) e = tz_token_type_parse_wire(f[2], flen[2], &t->type);
    if (!e && memchr(f[3], 0, flen[3])) e = tz_err_new(TZE_BAD_TOKEN);
    if (!e && !(t->id = strndup(f[3], flen[3]))) e = tz_err_new(TZE_INTERNAL);
    if (e) {
        tz_subject_clear(&t->subject);
        tz_token_type_clear(&t->type);
        return e;
    }
    t->version = 2;
    return NULL;
}

char *tz_identifier_build(const tz_token *t, size_t *len_out) {
    char *out = NULL;
    int n = -1;
    if (t->version == 1) {
        out = strdup(t->id ? t->id : "");
        n = out ? (int)strlen(out) : -1;
    } else if (t->version == 2) {
        char *subject = tz_subject_serialize(&t->subject), *type = tz_token_type_wire(&t->type);
        if (subject && type) {
            if (t->named)
                n = asprintf(&out, "2/nmd/%s/%s/%s", subject, type, t->id ? t->id : "");
            else
                n = asprintf(&out, "2/tmp-%" PRId64 "/%s/%s/%s", t->generation, subject, type,
                             t->id ? t->id : "");
        }
        free(subject);
        free(type);
    }
    if (n < 0) return NULL;
    if (len_out) *len_out = (size_t)n;
    return out;
}
