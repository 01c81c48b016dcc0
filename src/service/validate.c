/* The request-body validation engine of rest-api §1.4: type coercions and the error each bad value
 * gets. Operations call these in the documented key order (required keys first, then optional
 * keys, each group in byte-wise sorted order). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "service/service_internal.h"

tz_error *val_body_object(const json_t *body) {
    if (body && !json_is_object(body)) return tz_err_new(TZE_MALFORMED_DATA);
    return NULL;
}

static const json_t *field(const json_t *body, const char *key) { return body ? json_object_get(body, key) : NULL; }

tz_error *val_token(tz_service_ctx *svc, const json_t *body, const char *key, bool required, bool null_ok,
                    bool *present, tz_token **out) {
    *out = NULL;
    *present = false;
    const json_t *v = field(body, key);
    if (!v) return required ? tz_err_key(TZE_MISSING_REQUIRED_VALUE, key) : NULL;
    *present = true;
    if (json_is_null(v) && null_ok) return NULL;
    if (!json_is_string(v)) return tz_err_wrap(TZE_BAD_VALUE_TOKEN, key, tz_err_new(TZE_BAD_TOKEN));
    size_t len = json_string_length(v);
    if (len == 0) return tz_err_key(TZE_BAD_VALUE_EMPTY, key);
    tz_error *e = tz_token_deserialize(json_string_value(v), len, svc->max_token_size, out);
    return e ? tz_err_wrap(TZE_BAD_VALUE_TOKEN, key, e) : NULL;
}

tz_error *val_string(const json_t *body, const char *key, bool *present, bool *was_null, const char **out) {
    *out = NULL;
    *present = false;
    *was_null = false;
    const json_t *v = field(body, key);
    if (!v) return NULL;
    if (json_is_null(v)) {
        *was_null = true;
        return NULL;
    }
    *present = true;
    if (json_is_true(v)) *out = "true";
    else if (json_is_false(v)) *out = "false";
    else if (json_is_string(v)) *out = json_string_value(v);
    else return tz_err_key(TZE_BAD_VALUE_STRING, key);
    return NULL;
}

tz_error *val_bool(const json_t *body, const char *key, bool *present, bool *out) {
    const json_t *v = field(body, key);
    *present = v != NULL;
    if (!v) return NULL;
    if (!json_is_boolean(v)) return tz_err_key(TZE_BAD_VALUE_BOOLEAN, key);
    *out = json_is_true(v);
    return NULL;
}

tz_error *val_ipv4(const json_t *body, const char *key, bool *present, bool *known, uint32_t *out) {
    const json_t *v = field(body, key);
    *present = v != NULL;
    *known = false;
    if (!v || json_is_null(v)) return NULL;
    struct in_addr a;
    if (!json_is_string(v) || inet_pton(AF_INET, json_string_value(v), &a) != 1)
        return tz_err_key(TZE_BAD_VALUE_IPV4_ADDRESS, key);
    *known = true;
    *out = ntohl(a.s_addr);
    return NULL;
}

tz_error *val_interface(const json_t *body, const char *key, bool *present, tz_interface *out) {
    static const char *const allowed[] = {"rest", "oneclient", "graphsync"};
    const json_t *v = field(body, key);
    *present = v != NULL;
    if (!v) return NULL;
    if (!json_is_string(v) && !json_is_null(v)) return tz_err_key(TZE_BAD_VALUE_STRING, key);
    if (json_is_null(v) || tz_interface_from_name(json_string_value(v), out) != 0)
        return tz_err_allowed(TZE_BAD_VALUE_NOT_ALLOWED, key, allowed, 3);
    return NULL;
}

/* Decodes one UTF-8 code point (input already valid: jansson checks it). */
static size_t utf8_next(const unsigned char *s, wint_t *cp) {
    if (s[0] < 0x80) { *cp = s[0]; return 1; }
    if ((s[0] & 0xE0) == 0xC0) { *cp = ((wint_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F); return 2; }
    if ((s[0] & 0xF0) == 0xE0) {
        *cp = ((wint_t)(s[0] & 0x0F) << 12) | ((wint_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    *cp = ((wint_t)(s[0] & 0x07) << 18) | ((wint_t)(s[1] & 0x3F) << 12) | ((wint_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
}

static bool edge_char_ok(locale_t utf8, wint_t c) {
    return c == '_' || c == '(' || c == ')' || (c < 0x80 ? (iswalnum(c) != 0) : (iswalnum_l(c, utf8) != 0));
}

bool val_name_ok(locale_t utf8, const char *name) {
    const unsigned char *s = (const unsigned char *)name;
    size_t count = 0;
    wint_t c = 0, last = 0;
    while (*s) {
        if (++count > 128) return false;
        s += utf8_next(s, &c);
        bool ok = edge_char_ok(utf8, c) || (count > 1 && (c == ' ' || c == '.' || c == '-'));
        if (!ok || (count == 1 && !edge_char_ok(utf8, c))) return false;
        last = c;
    }
    return count >= 2 && edge_char_ok(utf8, last);
}
