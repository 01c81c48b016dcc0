/* The REST JSON form of caveats (rest-api §4.6, token-format §10.1): output in canonical form,
 * input tried against the forms in table order, then sanitized. */
#include "core/caveat_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/objectid.h"

/* ---- output ---- */

static json_t *elems_json(const tz_caveat *c) {
    json_t *arr = json_array();
    if (!arr) return NULL;
    for (size_t i = 0; i < c->n; i++) {
        json_t *v = NULL;
        switch (c->type) {
        case TZ_CV_IP: {
            char m[19];
            size_t n = tz_cv_write_mask(&c->masks[i], m);
            v = json_stringn(m, n);
            break;
        }
        case TZ_CV_ASN:
            v = json_integer((json_int_t)c->asns[i]);
            break;
        case TZ_CV_API: {
            size_t n = tz_matchspec_text_len(&c->specs[i]);
            char *tmp = malloc(n ? n : 1);
            if (tmp) {
                tz_matchspec_write(&c->specs[i], tmp);
                v = tz_cv_json_string(tmp, n);
                free(tmp);
            }
            break;
        }
        case TZ_CV_SERVICE: {
            /* Canonical "xxx-ID": the element as parsed is exactly that. */
            v = tz_cv_json_string(c->elems[i].ptr, c->elems[i].len);
            break;
        }
        default:
            v = tz_cv_json_string(c->elems[i].ptr, c->elems[i].len);
            break;
        }
        if (!v || json_array_append_new(arr, v) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static const char *type_names[TZ_CV__COUNT] = {
    [TZ_CV_TIME] = "time",
    [TZ_CV_IP] = "ip",
    [TZ_CV_ASN] = "asn",
    [TZ_CV_GEO_COUNTRY] = "geo.country",
    [TZ_CV_GEO_REGION] = "geo.region",
    [TZ_CV_SCOPE] = NULL,
    [TZ_CV_SERVICE] = "service",
    [TZ_CV_CONSUMER] = "consumer",
    [TZ_CV_INTERFACE] = "interface",
    [TZ_CV_API] = "api",
    [TZ_CV_DATA_READONLY] = "data.readonly",
    [TZ_CV_DATA_PATH] = "data.path",
    [TZ_CV_DATA_OBJECTID] = "data.objectid",
};

json_t *tz_caveat_to_json(const tz_caveat *c) {
    switch (c->type) {
    case TZ_CV_SCOPE:
        return json_pack("{s:s}", "scope", "identityToken");
    case TZ_CV_TIME:
        return json_pack("{s:s,s:I}", "type", "time", "validUntil", (json_int_t)c->valid_until);
    case TZ_CV_DATA_READONLY:
        return json_pack("{s:s}", "type", "data.readonly");
    case TZ_CV_INTERFACE:
        return json_pack("{s:s,s:s}", "type", "interface", "interface", tz_interface_name(c->iface));
    case TZ_CV_GEO_COUNTRY:
    case TZ_CV_GEO_REGION: {
        json_t *list = elems_json(c);
        return list ? json_pack("{s:s,s:s,s:o}", "type", type_names[c->type], "filter",
                                c->blacklist ? "blacklist" : "whitelist", "list", list)
                    : NULL;
    }
    default: {
        json_t *list = elems_json(c);
        return list ? json_pack("{s:s,s:o}", "type", type_names[c->type], "whitelist", list) : NULL;
    }
    }
}

/* ---- input ---- */

static bool type_is(const json_t *j, const char *name) {
    const json_t *t = json_object_get(j, "type");
    return json_is_string(t) && json_string_length(t) == strlen(name) &&
           memcmp(json_string_value(t), name, strlen(name)) == 0;
}

/* The list under `key` when it is a non-empty array (the reference's `length(L) > 0` guard). */
static const json_t *nonempty_list(const json_t *j, const char *key) {
    const json_t *l = json_object_get(j, key);
    return json_is_array(l) && json_array_size(l) > 0 ? l : NULL;
}

/* Elements from a JSON array of strings; INVALID when an element is not a string. */
static tz_cv_status set_string_elems(tz_caveat *c, const json_t *arr) {
    size_t n = json_array_size(arr);
    if (n > TZ_CV_MAX_ELEMS) return TZ_CV_INVALID;
    tz_cv_text *parts = malloc(n * sizeof *parts);
    if (!parts) return TZ_CV_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(arr, i);
        if (!json_is_string(e)) {
            free(parts);
            return TZ_CV_INVALID;
        }
        parts[i].ptr = json_string_value(e);
        parts[i].len = json_string_length(e);
    }
    tz_cv_status st = tz_cv_set_elems(c, parts, n);
    free(parts);
    return st;
}

/* Elements of an asn whitelist: JSON integers, kept as their decimal text. */
static tz_cv_status set_asn_elems(tz_caveat *c, const json_t *arr) {
    size_t n = json_array_size(arr);
    if (n > TZ_CV_MAX_ELEMS) return TZ_CV_INVALID;
    tz_cv_text *parts = malloc(n * sizeof *parts);
    char *digits = malloc(n * 24);
    tz_cv_status st = TZ_CV_NOMEM;
    if (!parts || !digits) goto done;
    st = TZ_CV_INVALID;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(arr, i);
        if (!json_is_integer(e)) goto done;
        int len = snprintf(digits + i * 24, 24, "%" JSON_INTEGER_FORMAT, json_integer_value(e));
        parts[i].ptr = digits + i * 24;
        parts[i].len = len > 0 ? (size_t)len : 0;
    }
    st = tz_cv_set_elems(c, parts, n);
done:
    free(parts);
    free(digits);
    return st;
}

/* The semantic checks of `sanitize` beyond what parsing already enforced. */
static bool sanitize_ok(const tz_caveat *c) {
    switch (c->type) {
    case TZ_CV_GEO_COUNTRY:
        for (size_t i = 0; i < c->n; i++)
            if (c->elems[i].len != 2) return false;
        return true;
    case TZ_CV_GEO_REGION:
        for (size_t i = 0; i < c->n; i++)
            if (!tz_cv_is_region(c->elems[i].ptr, c->elems[i].len)) return false;
        return true;
    case TZ_CV_CONSUMER:
        for (size_t i = 0; i < c->n; i++)
            if (c->subjects[i].kind == TZ_SUBJ_NOBODY) return false;
        return true;
    case TZ_CV_DATA_PATH:
        for (size_t i = 0; i < c->n; i++)
            if (!tz_cv_is_canonical_path(c->paths[i].ptr, c->paths[i].len)) return false;
        return true;
    case TZ_CV_DATA_OBJECTID:
        for (size_t i = 0; i < c->n; i++) {
            size_t sl;
            if (!tz_objectid_space(c->elems[i].ptr, c->elems[i].len, NULL, &sl)) return false;
        }
        return true;
    case TZ_CV_API: {
        /* Re-serializing and re-parsing must give the same value: an element holding `|` (or
         * anything else that does not survive the wire form) is rejected. */
        size_t len;
        char *wire = tz_caveat_serialize(c, &len);
        if (!wire) return false;
        tz_caveat *again = NULL;
        tz_error *e = tz_caveat_parse(wire, len, &again);
        bool same = false;
        if (!e && again->n == c->n) {
            size_t len2;
            char *wire2 = tz_caveat_serialize(again, &len2);
            same = wire2 && len2 == len && memcmp(wire, wire2, len) == 0;
            free(wire2);
        }
        tz_err_free(e);
        tz_caveat_free(again);
        free(wire);
        return same;
    }
    default:
        return true;
    }
}

/* One form of the table: `type` plus the key holding its non-empty list. */
typedef struct list_form {
    tz_caveat_type type;
    const char *key;
} list_form;

tz_cv_status tz_cv_from_json(const json_t *j, bool sanitize, tz_caveat **out) {
    *out = NULL;
    if (!json_is_object(j)) return TZ_CV_INVALID;
    tz_caveat *c = NULL;
    tz_cv_status st;

    /* The forms in table order; the first whose shape matches decides (no fall-through after). */
    static const list_form order[] = {
        {TZ_CV_TIME, "validUntil"}, {TZ_CV_IP, "whitelist"},         {TZ_CV_ASN, "whitelist"},
        {TZ_CV_GEO_COUNTRY, "list"}, {TZ_CV_GEO_REGION, "list"},     {TZ_CV_SCOPE, NULL},
        {TZ_CV_SERVICE, "whitelist"}, {TZ_CV_CONSUMER, "whitelist"}, {TZ_CV_INTERFACE, "interface"},
        {TZ_CV_API, "whitelist"},     {TZ_CV_DATA_READONLY, NULL},   {TZ_CV_DATA_PATH, "whitelist"},
        {TZ_CV_DATA_OBJECTID, "whitelist"},
    };
    for (size_t f = 0; f < sizeof order / sizeof order[0]; f++) {
        tz_caveat_type t = order[f].type;
        const json_t *list = NULL;
        switch (t) {
        case TZ_CV_SCOPE: {
            const json_t *s = json_object_get(j, "scope");
            if (!json_is_string(s) || strcmp(json_string_value(s), "identityToken") != 0 ||
                json_string_length(s) != strlen("identityToken"))
                continue;
            break;
        }
        case TZ_CV_TIME:
        case TZ_CV_INTERFACE:
            if (!type_is(j, type_names[t]) || !json_object_get(j, order[f].key)) continue;
            break;
        case TZ_CV_DATA_READONLY:
            if (!type_is(j, type_names[t])) continue;
            break;
        case TZ_CV_GEO_COUNTRY:
        case TZ_CV_GEO_REGION:
            if (!type_is(j, type_names[t]) || !json_object_get(j, "filter") || !(list = nonempty_list(j, "list")))
                continue;
            break;
        default:
            if (!type_is(j, type_names[t]) || !(list = nonempty_list(j, order[f].key))) continue;
            break;
        }

        if (!(c = tz_cv_new(t))) return TZ_CV_NOMEM;
        st = TZ_CV_INVALID;
        switch (t) {
        case TZ_CV_SCOPE:
        case TZ_CV_DATA_READONLY:
            st = TZ_CV_OK;
            break;
        case TZ_CV_TIME: {
            const json_t *v = json_object_get(j, "validUntil");
            if (json_is_integer(v)) {
                c->valid_until = json_integer_value(v);
                st = TZ_CV_OK;
            }
            break;
        }
        case TZ_CV_INTERFACE: {
            const json_t *v = json_object_get(j, "interface");
            if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v) &&
                tz_interface_from_name(json_string_value(v), &c->iface) == 0)
                st = TZ_CV_OK;
            break;
        }
        case TZ_CV_GEO_COUNTRY:
        case TZ_CV_GEO_REGION: {
            const char *filter = json_string_value(json_object_get(j, "filter"));
            if (!filter || (strcmp(filter, "whitelist") != 0 && strcmp(filter, "blacklist") != 0)) break;
            c->blacklist = filter[0] == 'b';
            st = set_string_elems(c, list);
            break;
        }
        case TZ_CV_ASN:
            st = set_asn_elems(c, list);
            if (st == TZ_CV_OK) st = tz_cv_build_typed(c);
            break;
        default:
            st = set_string_elems(c, list);
            if (st == TZ_CV_OK) st = tz_cv_build_typed(c);
            break;
        }
        if (st == TZ_CV_OK && sanitize && !sanitize_ok(c)) st = TZ_CV_INVALID;
        if (st != TZ_CV_OK) {
            tz_caveat_free(c);
            return st;
        }
        *out = c;
        return TZ_CV_OK;
    }
    return TZ_CV_INVALID;
}

/* ---- the offending element in badValueCaveat details ---- */

/* Erlang's `~tp` rendering of a decoded JSON term, for elements that are neither objects nor
 * strings (numbers, booleans, null, arrays). */
static void print_term(tz_cv_buf *b, const json_t *v);

static void print_float(tz_cv_buf *b, double d) {
    /* Erlang's shortest round-trip digits placed the way io_lib_format does it: plain notation
     * while it is not longer than the exponent form ("1.56", "100.0", "0.0001"), else "1.0e3",
     * "1.23456e7", "1.0e-5". */
    char sci[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, d);
        if (strtod(sci, NULL) == d) break;
    }
    if (prec > 17) prec = 17;
    if (d < 0) tz_cv_buf_add(b, "-", 1);
    /* digits without sign, dot and trailing zeros; place: value = 0.DIGITS * 10^place */
    char *e = strchr(sci, 'e');
    int place = (e ? atoi(e + 1) : 0) + 1;
    char digits[40];
    size_t l = 0;
    for (const char *p = sci + (sci[0] == '-'); p < (e ? e : sci + strlen(sci)); p++)
        if (*p >= '0' && *p <= '9') digits[l++] = *p;
    while (l > 1 && digits[l - 1] == '0') l--;
    digits[l] = '\0';
    if (d == 0) place = 1; /* "0.0" */
    if (place == 0) {
        tz_cv_buf_str(b, "0.");
        tz_cv_buf_str(b, digits);
        return;
    }
    if (place > 0 && (size_t)place < l) {
        tz_cv_buf_add(b, digits, (size_t)place);
        tz_cv_buf_add(b, ".", 1);
        tz_cv_buf_str(b, digits + place);
        return;
    }
    char exp_text[16];
    int exp_len = snprintf(exp_text, sizeof exp_text, "%d", place - 1);
    int exp_cost = exp_len + 1 + (l == 1 ? 2 : 1);
    if (place < 0 && 2 - place <= exp_cost) {
        tz_cv_buf_str(b, "0.");
        for (int i = 0; i < -place; i++) tz_cv_buf_add(b, "0", 1);
        tz_cv_buf_str(b, digits);
    } else if (place > 0 && place - (int)l + 2 <= exp_cost) {
        tz_cv_buf_str(b, digits);
        for (int i = 0; i < place - (int)l; i++) tz_cv_buf_add(b, "0", 1);
        tz_cv_buf_str(b, ".0");
    } else {
        tz_cv_buf_add(b, digits, 1);
        tz_cv_buf_add(b, ".", 1);
        tz_cv_buf_str(b, l == 1 ? "0" : digits + 1);
        tz_cv_buf_add(b, "e", 1);
        tz_cv_buf_str(b, exp_text);
    }
}

/* One character inside an Erlang string or binary literal, escaped the way io_lib writes it. */
static void add_char(tz_cv_buf *b, unsigned ch, const char *raw) {
    static const char *const named[] = {[8] = "\\b", [9] = "\\t", [10] = "\\n", [11] = "\\v",
                                        [12] = "\\f", [13] = "\\r", [27] = "\\e"};
    if (ch == '"' || ch == '\\') {
        tz_cv_buf_add(b, "\\", 1);
        tz_cv_buf_add(b, raw, 1);
    } else if (ch < 28 && named[ch]) {
        tz_cv_buf_str(b, named[ch]);
    } else if (ch < 0x20 || ch == 0x7F) {
        tz_cv_buf_printf(b, "\\%o", ch);
    } else {
        tz_cv_buf_add(b, raw, 1);
    }
}

static void print_binary(tz_cv_buf *b, const char *s, size_t len) {
    bool ascii = true;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80) ascii = false;
    tz_cv_buf_str(b, "<<\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        add_char(b, ch, s + i);
    }
    tz_cv_buf_str(b, ascii ? "\">>" : "\"/utf8>>");
}

/* A list of integers that Erlang prints as a string ("abc"): latin-1 printable characters. */
static bool printable_list(const json_t *arr) {
    if (json_array_size(arr) == 0) return false;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        if (!json_is_integer(e)) return false;
        json_int_t v = json_integer_value(e);
        if (!((v >= 32 && v <= 126) || (v >= 160 && v <= 255) || (v >= 8 && v <= 13) || v == 27)) return false;
    }
    return true;
}

static int cmp_keys(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_term(tz_cv_buf *b, const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_INTEGER:
        tz_cv_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        print_float(b, json_real_value(v));
        break;
    case JSON_TRUE:
        tz_cv_buf_str(b, "true");
        break;
    case JSON_FALSE:
        tz_cv_buf_str(b, "false");
        break;
    case JSON_NULL:
        tz_cv_buf_str(b, "null");
        break;
    case JSON_STRING:
        print_binary(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_ARRAY:
        if (printable_list(v)) {
            tz_cv_buf_add(b, "\"", 1);
            for (size_t i = 0; i < json_array_size(v); i++) {
                unsigned ch = (unsigned)json_integer_value(json_array_get(v, i));
                if (ch < 128) {
                    char one = (char)ch;
                    add_char(b, ch, &one);
                } else {
                    char two[2] = {(char)(0xC0 | ch >> 6), (char)(0x80 | (ch & 63))};
                    tz_cv_buf_add(b, two, 2);
                }
            }
            tz_cv_buf_add(b, "\"", 1);
            break;
        }
        tz_cv_buf_add(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) tz_cv_buf_add(b, ",", 1);
            print_term(b, json_array_get(v, i));
        }
        tz_cv_buf_add(b, "]", 1);
        break;
    case JSON_OBJECT: {
        size_t n = json_object_size(v), k = 0;
        const char **keys = malloc((n ? n : 1) * sizeof *keys);
        if (!keys) {
            b->failed = true;
            return;
        }
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val) keys[k++] = key;
        qsort(keys, n, sizeof *keys, cmp_keys);
        tz_cv_buf_str(b, "#{");
        for (k = 0; k < n; k++) {
            if (k) tz_cv_buf_add(b, ",", 1);
            print_binary(b, keys[k], strlen(keys[k]));
            tz_cv_buf_str(b, " => ");
            print_term(b, json_object_get(v, keys[k]));
        }
        tz_cv_buf_str(b, "}");
        free(keys);
        break;
    }
    }
}

/* Printed terms are capped: the element came from a request body, so it is bounded anyway. */
#define PRINT_LIMIT (1u << 20)

static tz_error *bad_value_caveat(const json_t *j) {
    json_t *detail;
    if (json_is_object(j) || json_is_string(j)) {
        detail = json_deep_copy(j);
    } else {
        tz_cv_buf b;
        tz_cv_buf_init(&b, PRINT_LIMIT);
        if (j) print_term(&b, j);
        else tz_cv_buf_str(&b, "undefined");
        size_t len;
        char *text = tz_cv_buf_finish(&b, &len);
        detail = text ? tz_cv_json_string(text, len) : NULL;
        free(text);
    }
    json_t *details = detail ? json_pack("{s:o}", "caveat", detail) : NULL;
    if (!details) return tz_err_new(TZE_INTERNAL);
    return tz_err_new_details(TZE_BAD_VALUE_CAVEAT, details);
}

tz_error *tz_caveat_from_json(const json_t *j, tz_caveat **out) {
    *out = NULL;
    tz_cv_status st = tz_cv_from_json(j, true, out);
    if (st == TZ_CV_OK) return NULL;
    if (st == TZ_CV_NOMEM) return tz_err_new(TZE_INTERNAL);
    return bad_value_caveat(j);
}

tz_error *tz_caveats_from_json(const json_t *arr, const char *key, tz_caveat ***out, size_t *n_out) {
    *out = NULL;
    *n_out = 0;
    if (!json_is_array(arr)) return tz_err_key(TZE_BAD_DATA, key);
    size_t n = json_array_size(arr);
    if (n == 0) return NULL;
    tz_caveat **cs = calloc(n, sizeof *cs);
    if (!cs) return tz_err_new(TZE_INTERNAL);
    for (size_t i = 0; i < n; i++) {
        tz_error *e = tz_caveat_from_json(json_array_get(arr, i), &cs[i]);
        if (e) {
            tz_caveats_free(cs, i);
            return e;
        }
    }
    *out = cs;
    *n_out = n;
    return NULL;
}
