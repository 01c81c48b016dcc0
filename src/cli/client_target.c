/* The pure half of client_http.h: base URL normalisation, credential checks and the --dry-run
 * curl command. */
#include "cli/client_http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Marks a redacted string inside the JSON text of a dry-run body. The control characters come out
 * of jansson as \u0001, which no JSON produced from user input can contain unescaped. */
#define VAR_MARK "\001TZVAR:"
#define VAR_MARK_JSON "\\u0001TZVAR:"
#define VAR_END_JSON "\\u0001"

tz_error *tz_client_base_url(const char *host, char **out) {
    *out = NULL;
    if (!host || !*host)
        return tz_client_usage_error(TZE_MISSING_REQUIRED_VALUE, "ONEZONE_HOST",
                                     "set ONEZONE_HOST or give --host, e.g. https://zone.example.com");
    for (const unsigned char *c = (const unsigned char *)host; *c; c++) {
        if (*c <= ' ' || *c == 0x7f || *c == '?' || *c == '#' || *c == '\'' || *c == '"' ||
            *c == '\\')
            return tz_client_usage_error(TZE_BAD_DATA, "ONEZONE_HOST",
                                         "the host URL contains spaces, quotes, control "
                                         "characters, a query or a fragment");
    }
    const char *sep = strstr(host, "://");
    const char *scheme = "https://";
    const char *rest = host;
    if (sep) {
        size_t slen = (size_t)(sep - host);
        if (slen == 4 && !strncasecmp(host, "http", 4)) scheme = "http://";
        else if (slen == 5 && !strncasecmp(host, "https", 5)) scheme = "https://";
        else return tz_client_usage_error(TZE_BAD_DATA, "ONEZONE_HOST",
                                          "the host URL must start with https:// or http://");
        rest = sep + 3;
    }
    size_t len = strlen(rest);
    while (len > 0 && rest[len - 1] == '/') len--;
    if (len == 0 || rest[0] == '/')
        return tz_client_usage_error(TZE_BAD_DATA, "ONEZONE_HOST", "the host URL has no host");
    size_t total = strlen(scheme) + len + 1;
    char *url = malloc(total);
    if (!url) return tz_err_new(TZE_INTERNAL);
    snprintf(url, total, "%s%.*s", scheme, (int)len, rest);
    *out = url;
    return NULL;
}

tz_error *tz_client_check_secret(tz_client_auth auth, const char *secret, const char *what) {
    if (auth == TZ_AUTH_NONE) return NULL;
    if (!secret || !*secret)
        return tz_client_usage_error(TZE_BAD_VALUE_EMPTY, what, "%s is empty", what);
    size_t len = strnlen(secret, TZ_CLIENT_MAX_SECRET + 1);
    if (len > TZ_CLIENT_MAX_SECRET)
        return tz_client_usage_error(TZE_BAD_DATA, what, "%s is longer than %u bytes", what,
                                     TZ_CLIENT_MAX_SECRET);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)secret[i];
        if (c < ' ' || c == 0x7f) /* would split the header */
            return tz_client_usage_error(TZE_BAD_DATA, what,
                                         "%s contains control characters (a newline?)", what);
    }
    if (auth == TZ_AUTH_BASIC) {
        const char *colon = strchr(secret, ':');
        if (!colon || colon == secret)
            return tz_client_usage_error(TZE_BAD_DATA, what, "%s must be username:password",
                                         what);
    }
    return NULL;
}

/* ------------------------------------------------------------------------- text buffer */

typedef struct text {
    char *s;
    size_t len, cap;
    bool failed;
} text;

static void put_n(text *t, const char *s, size_t n) {
    if (t->failed) return;
    if (t->len + n + 1 > t->cap) {
        size_t ncap = t->cap ? t->cap : 256;
        while (ncap < t->len + n + 1) ncap *= 2;
        char *ns = realloc(t->s, ncap);
        if (!ns) {
            t->failed = true;
            return;
        }
        t->s = ns;
        t->cap = ncap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void put(text *t, const char *s) { put_n(t, s, strlen(s)); }

/* Single-quoted shell word: everything literal, ' written as '\''. */
static void put_quoted_n(text *t, const char *s, size_t n) {
    put(t, "'");
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') put(t, "'\\''");
        else put_n(t, s + i, 1);
    }
    put(t, "'");
}

static void put_quoted(text *t, const char *s) { put_quoted_n(t, s, strlen(s)); }

/* The JSON body as one shell word in which redaction marks become "$VAR" expansions. */
static void put_body(text *t, const char *json) {
    const char *p = json;
    for (;;) {
        const char *mark = strstr(p, VAR_MARK_JSON);
        const char *end = mark ? strstr(mark + strlen(VAR_MARK_JSON), VAR_END_JSON) : NULL;
        if (!mark || !end) {
            put_quoted(t, p);
            return;
        }
        put_quoted_n(t, p, (size_t)(mark - p));
        const char *var = mark + strlen(VAR_MARK_JSON);
        put(t, "\"$");
        put_n(t, var, (size_t)(end - var));
        put(t, "\"");
        p = end + strlen(VAR_END_JSON);
    }
}

/* token -> TOKEN, consumerToken -> CONSUMER_TOKEN. */
static void env_name(const char *field, char *out, size_t cap) {
    size_t w = 0;
    for (const char *c = field; *c && w + 2 < cap; c++) {
        if (isupper((unsigned char)*c) && w > 0) out[w++] = '_';
        out[w++] = (char)toupper((unsigned char)*c);
    }
    out[w] = '\0';
}

/* A copy of the body whose token fields are replaced by marks, with one comment line per
 * redacted field appended to `notes`. */
static json_t *redacted_body(const tz_client_request *req, text *notes) {
    json_t *copy = json_deep_copy(req->body);
    if (!copy || !json_is_object(copy)) return copy;
    for (const tz_client_param *const *p = req->op->params; *p; p++) {
        if ((*p)->kind != TZ_PARAM_TOKEN || !json_is_string(json_object_get(copy, (*p)->name)))
            continue;
        char var[64], mark[96];
        env_name((*p)->name, var, sizeof var);
        snprintf(mark, sizeof mark, VAR_MARK "%s\001", var);
        if (json_object_set_new(copy, (*p)->name, json_string(mark))) {
            json_decref(copy);
            return NULL;
        }
        put(notes, "# $");
        put(notes, var);
        put(notes, ": the ");
        put(notes, (*p)->name);
        put(notes, " value (not printed)\n");
    }
    return copy;
}

char *tz_client_curl_command(const tz_client_conn *conn, const tz_client_request *req) {
    text notes = {0}, cmd = {0};
    if (conn->auth == TZ_AUTH_TOKEN)
        put(&notes, "# $ONEZONE_API_KEY: the access token (not printed)\n");
    else if (conn->auth == TZ_AUTH_BASIC)
        put(&notes, "# $ONEZONE_BASIC_AUTH: username:password (not printed)\n");
    if (req->ttl)
        put(&notes, "# validUntil was computed from the local clock; a real run uses the server's "
                    "time (GET " TZ_CLIENT_REST_PREFIX "/provider/public/get_current_time)\n");

    char *body_text = NULL;
    if (req->body) {
        json_t *body = redacted_body(req, &notes);
        if (!body) goto fail;
        body_text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(body);
        if (!body_text) goto fail;
    }

    char timeouts[96];
    snprintf(timeouts, sizeof timeouts, "curl --connect-timeout %ld --max-time %ld",
             TZ_CLIENT_CONNECT_TIMEOUT_S, TZ_CLIENT_TOTAL_TIMEOUT_S);
    put(&cmd, timeouts);
    if (conn->cacert) {
        put(&cmd, " --cacert ");
        put_quoted(&cmd, conn->cacert);
    }
    if (conn->insecure) put(&cmd, " --insecure");
    put(&cmd, " -X ");
    put(&cmd, req->op->method);
    if (conn->auth == TZ_AUTH_TOKEN) put(&cmd, " -H \"x-auth-token: $ONEZONE_API_KEY\"");
    else if (conn->auth == TZ_AUTH_BASIC) put(&cmd, " -u \"$ONEZONE_BASIC_AUTH\"");
    if (body_text) {
        put(&cmd, " -H 'Content-Type: application/json' -d ");
        put_body(&cmd, body_text);
    }
    put(&cmd, " ");
    size_t url_len = strlen(conn->base_url) + strlen(TZ_CLIENT_REST_PREFIX) + strlen(req->path) + 1;
    char *url = malloc(url_len);
    if (!url) goto fail;
    snprintf(url, url_len, "%s%s%s", conn->base_url, TZ_CLIENT_REST_PREFIX, req->path);
    put_quoted(&cmd, url);
    free(url);
    put(&cmd, "\n");
    free(body_text);
    body_text = NULL;
    if (cmd.failed) goto fail;

    put(&notes, cmd.s ? cmd.s : "");
    free(cmd.s);
    if (notes.failed || !notes.s) {
        free(notes.s);
        return NULL;
    }
    return notes.s;
fail:
    free(body_text);
    free(notes.s);
    free(cmd.s);
    return NULL;
}
