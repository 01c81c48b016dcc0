/* Credential extraction. Scheme prefixes are matched exactly ("Bearer ", "Basic "), as Onezone's
 * REST authentication does: "bearer x" or "Bearer" without a value is not a bearer token. */
#include "http/credentials.h"
#include <string.h>

static const char *after_prefix(const char *s, const char *prefix) {
    size_t n = strlen(prefix);
    return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

void tz_credentials_from_headers(const char *x_auth_token, const char *authorization,
                                 const char *macaroon, const char *service_token,
                                 const char *consumer_token, tz_credentials *out) {
    memset(out, 0, sizeof *out);
    out->x_auth_token = x_auth_token;
    out->macaroon = macaroon;
    out->service_token = service_token;
    out->consumer_token = consumer_token;
    if (authorization) {
        out->bearer = after_prefix(authorization, "Bearer ");
        if (!out->bearer) out->basic = after_prefix(authorization, "Basic ");
    }
}

bool tz_cookie_find(const char *header, const char *name, const char **value, size_t *len) {
    if (!header || !name) return false;
    size_t name_len = strlen(name);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';') p++;
        const char *pair = p;
        while (*p && *p != ';') p++;
        const char *pair_end = p;
        const char *eq = memchr(pair, '=', (size_t)(pair_end - pair));
        if (!eq) continue;
        const char *n_end = eq;
        while (n_end > pair && (n_end[-1] == ' ' || n_end[-1] == '\t')) n_end--;
        if ((size_t)(n_end - pair) != name_len || memcmp(pair, name, name_len) != 0) continue;
        const char *v = eq + 1;
        while (v < pair_end && (*v == ' ' || *v == '\t')) v++;
        const char *v_end = pair_end;
        while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t')) v_end--;
        *value = v;
        *len = (size_t)(v_end - v);
        return true;
    }
    return false;
}
