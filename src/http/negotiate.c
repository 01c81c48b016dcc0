/* Accept and Content-Type checks for the JSON routes.
 *
 * Cowboy (Onezone's HTTP server) matches the request media type exactly, so it would refuse
 * "application/json; charset=utf-8". HTTP clients routinely send that charset, and UTF-8 is the
 * only encoding JSON has, so it is accepted here; any other parameter is still refused. */
#include "http/negotiate.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

/* RFC 9110 token characters. */
static bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

typedef struct cursor {
    const char *p;
    const char *end;
} cursor;

static void skip_ows(cursor *c) {
    while (c->p < c->end && is_ows(*c->p)) c->p++;
}

static bool take_token(cursor *c, const char **s, size_t *n) {
    const char *start = c->p;
    while (c->p < c->end && is_tchar(*c->p)) c->p++;
    *s = start;
    *n = (size_t)(c->p - start);
    return *n > 0;
}

/* A parameter value: token or quoted-string; the unquoted content is compared by the caller. */
static bool take_value(cursor *c, const char **s, size_t *n, bool *quoted) {
    *quoted = false;
    if (c->p < c->end && *c->p == '"') {
        *quoted = true;
        const char *start = ++c->p;
        while (c->p < c->end && *c->p != '"') {
            if (*c->p == '\\') {
                c->p++;
                if (c->p >= c->end) return false;
            }
            c->p++;
        }
        if (c->p >= c->end) return false;
        *s = start;
        *n = (size_t)(c->p - start);
        c->p++;
        return true;
    }
    return take_token(c, s, n);
}

static bool eq_ci(const char *s, size_t n, const char *lit) {
    return n == strlen(lit) && strncasecmp(s, lit, n) == 0;
}

/* Parses an RFC 9110 weight: "0", "0.ddd", "1", "1.000". Returns -1 if malformed. */
static int parse_weight(const char *s, size_t n) {
    if (n == 0 || n > 5) return -1;
    if (s[0] != '0' && s[0] != '1') return -1;
    int w = (s[0] - '0') * 1000;
    if (n == 1) return w;
    if (s[1] != '.') return -1;
    int scale = 100;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9') return -1;
        w += (s[i] - '0') * scale;
    }
    return w > 1000 ? -1 : w;
}

/* Parses one media range with its parameters from [p, end). Returns false if malformed. */
static bool parse_range(cursor *c, const char **type, size_t *tn, const char **sub, size_t *sn,
                        int *weight) {
    *weight = 1000;
    skip_ows(c);
    if (!take_token(c, type, tn)) return false;
    if (c->p >= c->end || *c->p != '/') return false;
    c->p++;
    if (!take_token(c, sub, sn)) return false;
    for (;;) {
        skip_ows(c);
        if (c->p >= c->end) return true;
        if (*c->p != ';') return false;
        c->p++;
        skip_ows(c);
        if (c->p >= c->end) return true; /* tolerate a trailing ';' */
        const char *name, *val;
        size_t nn, vn;
        bool quoted;
        if (!take_token(c, &name, &nn)) return false;
        if (c->p >= c->end || *c->p != '=') return false;
        c->p++;
        if (!take_value(c, &val, &vn, &quoted)) return false;
        if (eq_ci(name, nn, "q")) {
            if (quoted) return false;
            *weight = parse_weight(val, vn);
            if (*weight < 0) return false;
        }
    }
}

bool tz_accept_allows_json(const char *accept) {
    if (!accept) return true;
    const char *end = accept + strlen(accept);
    cursor all = {accept, end};
    skip_ows(&all);
    if (all.p == end) return true;
    int best_specificity = 0, best_weight = 0;
    const char *p = accept;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *elem_end = comma ? comma : end;
        cursor c = {p, elem_end};
        const char *type, *sub;
        size_t tn, sn;
        int weight;
        if (parse_range(&c, &type, &tn, &sub, &sn, &weight)) {
            int spec = 0;
            if (eq_ci(type, tn, "application") && eq_ci(sub, sn, "json")) spec = 3;
            else if (eq_ci(type, tn, "application") && eq_ci(sub, sn, "*")) spec = 2;
            else if (eq_ci(type, tn, "*") && eq_ci(sub, sn, "*")) spec = 1;
            /* Among equally specific ranges the highest weight wins. */
            if (spec > best_specificity || (spec && spec == best_specificity && weight > best_weight)) {
                best_specificity = spec;
                best_weight = weight;
            }
        }
        if (!comma) break;
        p = comma + 1;
    }
    return best_specificity > 0 && best_weight > 0;
}

bool tz_content_type_is_json(const char *ct) {
    if (!ct) return false;
    cursor c = {ct, ct + strlen(ct)};
    skip_ows(&c);
    const char *type, *sub;
    size_t tn, sn;
    if (!take_token(&c, &type, &tn) || !eq_ci(type, tn, "application")) return false;
    if (c.p >= c.end || *c.p != '/') return false;
    c.p++;
    if (!take_token(&c, &sub, &sn) || !eq_ci(sub, sn, "json")) return false;
    bool seen_charset = false;
    for (;;) {
        skip_ows(&c);
        if (c.p >= c.end) return true;
        if (*c.p != ';') return false;
        c.p++;
        skip_ows(&c);
        const char *name, *val;
        size_t nn, vn;
        bool quoted;
        if (!take_token(&c, &name, &nn)) return false;
        if (c.p >= c.end || *c.p != '=') return false;
        c.p++;
        if (!take_value(&c, &val, &vn, &quoted)) return false;
        if (seen_charset || !eq_ci(name, nn, "charset") || !eq_ci(val, vn, "utf-8")) return false;
        seen_charset = true;
    }
}
