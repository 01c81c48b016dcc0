/* Grammars of single list elements inside caveats (token-format §10.2-§10.13), shared by the wire
 * and the JSON readers. */
#include "core/caveat_internal.h"

#include <stdio.h>
#include <string.h>

bool tz_cv_parse_int(const char *s, size_t len, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (len && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len) return false;
    /* Accumulate as a negative number so INT64_MIN is representable. */
    int64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        int d = s[i] - '0';
        if (v < (INT64_MIN + d) / 10) return false;
        v = v * 10 - d;
    }
    if (!neg) {
        if (v == INT64_MIN) return false;
        v = -v;
    }
    *out = v;
    return true;
}

/* 1-3 ASCII digits, value <= 255. */
static bool parse_octet(const char *s, size_t len, uint32_t *out) {
    if (len < 1 || len > 3) return false;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > 255) return false;
    *out = v;
    return true;
}

static bool parse_ipv4(const char *s, size_t len, uint32_t *out) {
    uint32_t addr = 0;
    size_t start = 0, fields = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') continue;
        uint32_t v;
        if (fields == 4 || !parse_octet(s + start, i - start, &v)) return false;
        addr = addr << 8 | v;
        fields++;
        start = i + 1;
    }
    if (fields != 4) return false;
    *out = addr;
    return true;
}

bool tz_cv_parse_mask(const char *s, size_t len, tz_cv_mask *out) {
    /* Split on '/' dropping every empty piece (so "a//8" and "a/" are fine, "/8" leaves no
     * address); 1 piece: /32, 2 pieces: address and length, more: error. */
    const char *piece[2];
    size_t plen[2], n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '/') continue;
        if (i > start) {
            if (n == 2) return false;
            piece[n] = s + start;
            plen[n] = i - start;
            n++;
        }
        start = i + 1;
    }
    if (n == 0) return false;
    uint32_t addr;
    if (!parse_ipv4(piece[0], plen[0], &addr)) return false;
    int64_t bits = 32;
    if (n == 2 && (!tz_cv_parse_int(piece[1], plen[1], &bits) || bits < 0 || bits > 32)) return false;
    out->addr = addr;
    out->len = (uint8_t)bits;
    return true;
}

size_t tz_cv_write_mask(const tz_cv_mask *m, char out[19]) {
    int n = snprintf(out, 19, "%u.%u.%u.%u/%u", (unsigned)(m->addr >> 24), (unsigned)(m->addr >> 16 & 255),
                     (unsigned)(m->addr >> 8 & 255), (unsigned)(m->addr & 255), (unsigned)m->len);
    return n > 0 ? (size_t)n : 0;
}

bool tz_cv_parse_service(const char *s, size_t len, tz_service_type *type, tz_cv_text *id) {
    if (len < 4 || s[3] != '-') return false;
    if (tz_service_type_from_short(s, 3, type) != 0) return false;
    id->ptr = s + 4;
    id->len = len - 4;
    return true;
}

bool tz_cv_parse_subject(const char *s, size_t len, tz_cv_subject *out) {
    if (len == 6 && memcmp(s, "nobody", 6) == 0) {
        out->kind = TZ_SUBJ_NOBODY;
        out->id.ptr = s + 6;
        out->id.len = 0;
        return true;
    }
    if (len < 4) return false;
    if (memcmp(s, "usr-", 4) == 0) out->kind = TZ_SUBJ_USER;
    else if (memcmp(s, "grp-", 4) == 0) out->kind = TZ_SUBJ_GROUP;
    else if (memcmp(s, "prv-", 4) == 0) out->kind = TZ_SUBJ_PROVIDER;
    else return false;
    out->id.ptr = s + 4;
    out->id.len = len - 4;
    return true;
}

const char *tz_cv_subject_prefix(tz_subject_kind k) {
    switch (k) {
    case TZ_SUBJ_USER: return "usr-";
    case TZ_SUBJ_GROUP: return "grp-";
    case TZ_SUBJ_PROVIDER: return "prv-";
    case TZ_SUBJ_NOBODY: break;
    }
    return "nobody";
}

const char *tz_cv_subject_type_name(tz_subject_kind k) {
    switch (k) {
    case TZ_SUBJ_USER: return "user";
    case TZ_SUBJ_GROUP: return "group";
    case TZ_SUBJ_PROVIDER: return "oneprovider";
    case TZ_SUBJ_NOBODY: break;
    }
    return "nobody";
}

bool tz_cv_is_region(const char *s, size_t len) {
    static const char *const regions[] = {"Africa", "Antarctica", "Asia", "Europe", "EU",
                                          "NorthAmerica", "Oceania", "SouthAmerica"};
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        if (strlen(regions[i]) == len && memcmp(regions[i], s, len) == 0) return true;
    return false;
}

bool tz_cv_is_canonical_path(const char *s, size_t len) {
    /* "/" alone has no component; a trailing '/' is forbidden, so "/x..." ending in a non-'/' byte
     * always has at least one component after the root. */
    return len >= 2 && s[0] == '/' && s[len - 1] != '/';
}
