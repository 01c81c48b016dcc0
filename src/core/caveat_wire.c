/* The wire form of caveats (token-format §10): recognition by exact, case-sensitive prefix; lists
 * split on every `|` with no escaping; the canonical serialization. */
#include "core/caveat_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct wire_form {
    const char *prefix;
    tz_caveat_type type;
    bool blacklist;
} wire_form;

/* List caveats: the prefix is followed by a non-empty `|`-separated list. */
static const wire_form list_forms[] = {
    {"ip = ", TZ_CV_IP, false},
    {"asn = ", TZ_CV_ASN, false},
    {"geo.country = ", TZ_CV_GEO_COUNTRY, false},
    {"geo.country != ", TZ_CV_GEO_COUNTRY, true},
    {"geo.region = ", TZ_CV_GEO_REGION, false},
    {"geo.region != ", TZ_CV_GEO_REGION, true},
    {"service = ", TZ_CV_SERVICE, false},
    {"consumer = ", TZ_CV_CONSUMER, false},
    {"api = ", TZ_CV_API, false},
    {"data.path = ", TZ_CV_DATA_PATH, false},
    {"data.objectid = ", TZ_CV_DATA_OBJECTID, false},
};

static bool has_prefix(const char *s, size_t len, const char *prefix, size_t *plen) {
    size_t n = strlen(prefix);
    if (len < n || memcmp(s, prefix, n) != 0) return false;
    *plen = n;
    return true;
}

static bool is_exactly(const char *s, size_t len, const char *word) {
    return len == strlen(word) && memcmp(s, word, len) == 0;
}

/* Splits a list on every `|` (empty elements kept) and builds the caveat's elements. */
static tz_cv_status set_list(tz_caveat *c, const char *list, size_t len) {
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        if (list[i] == '|' && ++n > TZ_CV_MAX_ELEMS) return TZ_CV_INVALID;
    tz_cv_text *parts = tz_cv_alloc(c, n, sizeof *parts, false);
    if (!parts) return TZ_CV_NOMEM;
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && list[i] != '|') continue;
        parts[k].ptr = list + start;
        parts[k].len = i - start;
        k++;
        start = i + 1;
    }
    tz_cv_status st = tz_cv_set_elems(c, parts, n);
    tz_cv_release(c, parts);
    return st;
}

static tz_cv_status parse_wire(tz_cv_arena *a, const char *s, size_t len, tz_caveat **out) {
    *out = NULL;
    size_t plen;
    tz_caveat *c = NULL;
    tz_cv_status st = TZ_CV_INVALID;

    if (has_prefix(s, len, "time < ", &plen)) {
        int64_t t;
        if (!tz_cv_parse_int(s + plen, len - plen, &t)) return TZ_CV_INVALID;
        if (!(c = tz_cv_new_in(a, TZ_CV_TIME))) return TZ_CV_NOMEM;
        c->valid_until = t;
        *out = c;
        return TZ_CV_OK;
    }
    if (is_exactly(s, len, "authorization = none") || is_exactly(s, len, "data.readonly")) {
        if (!(c = tz_cv_new_in(a, s[0] == 'a' ? TZ_CV_SCOPE : TZ_CV_DATA_READONLY))) return TZ_CV_NOMEM;
        *out = c;
        return TZ_CV_OK;
    }
    if (has_prefix(s, len, "interface = ", &plen)) {
        char name[16];
        size_t nlen = len - plen;
        tz_interface iface;
        if (nlen >= sizeof name || memchr(s + plen, '\0', nlen)) return TZ_CV_INVALID;
        memcpy(name, s + plen, nlen);
        name[nlen] = '\0';
        if (tz_interface_from_name(name, &iface) != 0) return TZ_CV_INVALID;
        if (!(c = tz_cv_new_in(a, TZ_CV_INTERFACE))) return TZ_CV_NOMEM;
        c->iface = iface;
        *out = c;
        return TZ_CV_OK;
    }
    for (size_t f = 0; f < sizeof list_forms / sizeof list_forms[0]; f++) {
        if (!has_prefix(s, len, list_forms[f].prefix, &plen)) continue;
        if (len == plen) return TZ_CV_INVALID; /* the list must be non-empty as a whole */
        if (!(c = tz_cv_new_in(a, list_forms[f].type))) return TZ_CV_NOMEM;
        c->blacklist = list_forms[f].blacklist;
        st = set_list(c, s + plen, len - plen);
        if (st == TZ_CV_OK) st = tz_cv_build_typed(c);
        if (st != TZ_CV_OK) {
            tz_caveat_free(c);
            return st;
        }
        *out = c;
        return TZ_CV_OK;
    }
    return TZ_CV_INVALID;
}

tz_error *tz_caveat_parse(const char *s, size_t len, tz_caveat **out) {
    return tz_caveat_parse_in(NULL, s, len, out);
}

tz_error *tz_caveat_parse_in(tz_cv_arena *a, const char *s, size_t len, tz_caveat **out) {
    *out = NULL;
    tz_cv_status st = s ? parse_wire(a, s, len, out) : TZ_CV_INVALID;
    if (st == TZ_CV_OK) return NULL;
    if (st == TZ_CV_NOMEM) return tz_err_new(TZE_INTERNAL);
    json_t *raw = tz_cv_json_string(s ? s : "", s ? len : 0);
    json_t *details = raw ? json_pack("{s:o}", "caveat", raw) : NULL;
    if (!details) return tz_err_new(TZE_INTERNAL);
    return tz_err_new_details(TZE_TOKEN_CAVEAT_UNKNOWN, details);
}

/* Appends the canonical list text of the caveat's elements. */
static void write_list(tz_cv_buf *b, const tz_caveat *c) {
    for (size_t i = 0; i < c->n; i++) {
        if (i) tz_cv_buf_add(b, "|", 1);
        switch (c->type) {
        case TZ_CV_IP: {
            char m[19];
            tz_cv_buf_add(b, m, tz_cv_write_mask(&c->masks[i], m));
            break;
        }
        case TZ_CV_ASN:
            tz_cv_buf_printf(b, "%" PRId64, c->asns[i]);
            break;
        case TZ_CV_SERVICE:
            tz_cv_buf_str(b, tz_service_short_name(c->services[i].type));
            tz_cv_buf_add(b, "-", 1);
            tz_cv_buf_add(b, c->services[i].id, c->service_id_lens[i]);
            break;
        case TZ_CV_CONSUMER:
            tz_cv_buf_str(b, tz_cv_subject_prefix(c->subjects[i].kind));
            tz_cv_buf_add(b, c->subjects[i].id.ptr, c->subjects[i].id.len);
            break;
        case TZ_CV_API: {
            size_t n = tz_matchspec_text_len(&c->specs[i]);
            char *tmp = malloc(n ? n : 1);
            if (!tmp) {
                b->failed = true;
                return;
            }
            tz_matchspec_write(&c->specs[i], tmp);
            tz_cv_buf_add(b, tmp, n);
            free(tmp);
            break;
        }
        default: /* country, region, data.path (canonical base64 as read), data.objectid */
            tz_cv_buf_add(b, c->elems[i].ptr, c->elems[i].len);
            break;
        }
    }
}

static const char *list_prefix(const tz_caveat *c) {
    for (size_t f = 0; f < sizeof list_forms / sizeof list_forms[0]; f++)
        if (list_forms[f].type == c->type && list_forms[f].blacklist == c->blacklist) return list_forms[f].prefix;
    return NULL;
}

char *tz_caveat_serialize(const tz_caveat *c, size_t *len_out) {
    tz_cv_buf b;
    /* Generous: the list text is at most a small multiple of the element text. */
    tz_cv_buf_init(&b, SIZE_MAX / 4);
    switch (c->type) {
    case TZ_CV_TIME:
        tz_cv_buf_printf(&b, "time < %" PRId64, c->valid_until);
        break;
    case TZ_CV_SCOPE:
        tz_cv_buf_str(&b, "authorization = none");
        break;
    case TZ_CV_DATA_READONLY:
        tz_cv_buf_str(&b, "data.readonly");
        break;
    case TZ_CV_INTERFACE:
        tz_cv_buf_str(&b, "interface = ");
        tz_cv_buf_str(&b, tz_interface_name(c->iface));
        break;
    default: {
        const char *prefix = list_prefix(c);
        if (!prefix) return NULL;
        tz_cv_buf_str(&b, prefix);
        write_list(&b, c);
        break;
    }
    }
    return tz_cv_buf_finish(&b, len_out);
}
