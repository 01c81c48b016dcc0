/* The table of routes outside the JSON API, and the small helpers their handlers share: header
 * and form/query lookup, reply building. The request plumbing (reading the body, sending the
 * reply, the log line) is in request.c. */
#include "http/extra.h"
#include "core/json_write.h"
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *tz_extra_header(const tz_extra_req *r, const char *name) {
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes one form-encoded component into out (cap bytes with the NUL). */
static long decode_component(const char *s, size_t len, char *out, size_t cap) {
    /* nothing to decode (a token, an id): one copy instead of a test per byte */
    if (!memchr(s, '%', len) && !memchr(s, '+', len)) {
        if (len + 1 > cap) return -2;
        memcpy(out, s, len);
        out[len] = '\0';
        return (long)len;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= len) return -2;
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return -2;
            c = (char)(hi << 4 | lo);
            if (c == '\0') return -2;
            i += 2;
        }
        if (o + 1 >= cap) return -2;
        out[o++] = c;
    }
    if (cap == 0) return -2;
    out[o] = '\0';
    return (long)o;
}

/* Whether the raw (still encoded) form name `k` decodes to `name`. Names longer than 127 decoded
 * bytes never match (the names handlers ask for are short plain ASCII). */
static bool name_is(const char *k, size_t klen, const char *name, size_t name_len) {
    if (name_len >= 128 || klen < name_len) return false; /* decoding never lengthens */
    if (!memchr(k, '%', klen) && !memchr(k, '+', klen)) return klen == name_len && memcmp(k, name, name_len) == 0;
    char key[128];
    long n = decode_component(k, klen, key, sizeof key);
    return n >= 0 && (size_t)n == name_len && memcmp(key, name, name_len) == 0;
}

bool tz_form_span(const char *src, size_t len, const char *name, const char **val, size_t *val_len) {
    *val = NULL;
    *val_len = 0;
    if (!src || !name) return false;
    size_t name_len = strlen(name);
    const char *p = src, *lim = src + len;
    while (p < lim) {
        const char *end = memchr(p, '&', (size_t)(lim - p));
        if (!end) end = lim;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq) eq = end;
        if (name_is(p, (size_t)(eq - p), name, name_len)) {
            *val = eq == end ? end : eq + 1;
            *val_len = (size_t)(end - *val);
            return true;
        }
        p = end + 1;
    }
    return false;
}

long tz_form_decode(const char *s, size_t len, char *out, size_t cap) { return decode_component(s, len, out, cap); }

long tz_form_value(const char *src, size_t len, const char *name, char *out, size_t cap) {
    const char *v;
    size_t vlen;
    if (!tz_form_span(src, len, name, &v, &vlen)) return -1;
    return decode_component(v, vlen, out, cap);
}

long tz_extra_query(const tz_extra_req *r, const char *name, char *out, size_t cap) {
    /* The server keeps percent-encoding in place (see keep_escaped in server.c), so the
     * argument values libmicrohttpd split out are still encoded: decode them here. */
    const char *raw = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    if (!raw) return -1;
    return decode_component(raw, strlen(raw), out, cap);
}

bool tz_extra_add_header(tz_extra_resp *resp, const char *name, const char *value) {
    if (resp->n_headers >= TZ_EXTRA_MAX_HEADERS) return false;
    resp->headers[resp->n_headers].name = name;
    snprintf(resp->headers[resp->n_headers].value, sizeof resp->headers[0].value, "%s", value);
    resp->n_headers++;
    return true;
}

static void reset_body(tz_extra_resp *resp) {
    if (resp->owns_body) free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    resp->owns_body = false;
}

bool tz_extra_reply_copy(tz_extra_resp *resp, int status, const char *content_type,
                         const char *text, size_t len) {
    reset_body(resp);
    char *copy = malloc(len ? len : 1);
    if (!copy) {
        resp->status = 500;
        resp->content_type = NULL;
        return false;
    }
    if (len) memcpy(copy, text, len);
    resp->status = status;
    resp->content_type = content_type;
    resp->body = copy;
    resp->body_len = len;
    resp->owns_body = true;
    return true;
}

void tz_extra_reply_owned(tz_extra_resp *resp, int status, const char *content_type, char *text, size_t len) {
    reset_body(resp);
    resp->status = status;
    resp->content_type = content_type;
    resp->body = text;
    resp->body_len = len;
    resp->owns_body = true;
}

bool tz_extra_reply_json(tz_extra_resp *resp, int status, const json_t *body) {
    reset_body(resp);
    size_t len = 0;
    char *text = tz_json_dump_compact(body, &len);
    if (!text) {
        resp->status = 500;
        resp->content_type = NULL;
        return false;
    }
    /* the rendered text becomes the body as it is (no second copy) */
    resp->status = status;
    resp->content_type = "application/json";
    resp->body = text;
    resp->body_len = len;
    resp->owns_body = true;
    return true;
}

const tz_extra_route *tz_extra_match(const tz_extra_route *routes, size_t n, const char *path,
                                     size_t len) {
    for (size_t i = 0; i < n; i++) {
        size_t plen = strlen(routes[i].path);
        if (routes[i].prefix ? (len >= plen && memcmp(path, routes[i].path, plen) == 0)
                             : (len == plen && memcmp(path, routes[i].path, plen) == 0))
            return &routes[i];
    }
    return NULL;
}

bool tz_extra_method_allowed(const tz_extra_route *route, const char *method) {
    if (!route->methods) return true;
    const char *list = route->methods;
    size_t mlen = strlen(method);
    bool get = false;
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',') p++;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ') e++;
        if ((size_t)(e - p) == mlen && memcmp(p, method, mlen) == 0) return true;
        if (e - p == 3 && memcmp(p, "GET", 3) == 0) get = true;
        p = e;
    }
    return get && strcmp(method, "HEAD") == 0;
}
