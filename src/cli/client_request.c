/* Argument parsing, path building and body building of the REST client (see client_request.h). */
#include "cli/client_request.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No operation has more than two path parameters; the headroom only guards the table. */
#define MAX_PATH_PARAMS 4

typedef struct parse_state {
    const tz_client_op *op;
    bool positional;
    tz_client_reader read;
    void *read_ctx;
    const char *path_names[MAX_PATH_PARAMS];
    const char *path_values[MAX_PATH_PARAMS]; /* point into argv */
    size_t n_path;
    json_t *fields; /* typed body fields */
    json_t *data;   /* data= body, any JSON */
    long long ttl;
} parse_state;

tz_error *tz_client_usage_error(tz_err_id id, const char *key, const char *fmt, ...) {
    char hint[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(hint, sizeof hint, fmt, ap);
    va_end(ap);
    json_t *details = json_pack("{s:s, s:s}", "key", key, "hint", hint);
    /* a key that is not UTF-8 cannot go into JSON; the hint alone still explains */
    if (!details) details = json_pack("{s:s, s:s}", "key", "?", "hint", "invalid argument (not UTF-8)");
    return details ? tz_err_new_details(id, details) : tz_err_new(TZE_INTERNAL);
}

const char *tz_client_error_hint(const tz_error *e) {
    return e ? json_string_value(json_object_get(e->details, "hint")) : NULL;
}

const tz_client_op *tz_client_op_find(const char *name, bool *by_alias) {
    size_t n;
    const tz_client_op *ops = tz_client_ops(&n);
    for (size_t i = 0; name && i < n; i++) {
        bool alias = !strcmp(ops[i].alias, name);
        if (alias || !strcmp(ops[i].name, name)) {
            if (by_alias) *by_alias = alias;
            return &ops[i];
        }
    }
    return NULL;
}

bool tz_client_op_has_body(const tz_client_op *op) {
    return !strcmp(op->method, "POST") || !strcmp(op->method, "PATCH");
}

static const tz_client_param *find_param(const tz_client_op *op, const char *key, size_t key_len) {
    for (const tz_client_param *const *p = op->params; *p; p++) {
        if (strlen((*p)->name) == key_len && !memcmp((*p)->name, key, key_len)) return *p;
    }
    return NULL;
}

/* ------------------------------------------------------------------------- path */

char *tz_client_encode_segment(const char *segment) {
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(segment);
    bool only_dots = len > 0 && strspn(segment, ".") == len;
    char *out = malloc(len * 3 + 1);
    if (!out) return NULL;
    char *w = out;
    for (const unsigned char *s = (const unsigned char *)segment; *s; s++) {
        unsigned char c = *s;
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '~' ||
                          (c == '.' && !only_dots);
        if (unreserved) {
            *w++ = (char)c;
        } else {
            *w++ = '%';
            *w++ = hex[c >> 4];
            *w++ = hex[c & 15];
        }
    }
    *w = '\0';
    return out;
}

/* Appends n bytes to a growing malloc'd buffer; false on allocation failure. */
static bool append(char **buf, size_t *len, size_t *cap, const char *s, size_t n) {
    if (*len + n + 1 > *cap) {
        size_t ncap = (*cap ? *cap : 64);
        while (ncap < *len + n + 1) ncap *= 2;
        char *nb = realloc(*buf, ncap);
        if (!nb) return false;
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return true;
}

tz_error *tz_client_build_path(const char *template, const char *const *names,
                               const char *const *values, size_t n, char **out) {
    char *buf = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    const char *t = template;
    while (*t) {
        const char *open = strchr(t, '{');
        if (!open) {
            if (!append(&buf, &len, &cap, t, strlen(t))) goto oom;
            break;
        }
        const char *close = strchr(open, '}');
        if (!close) { /* a broken template is a table bug, not user input */
            free(buf);
            return tz_err_new(TZE_INTERNAL);
        }
        if (!append(&buf, &len, &cap, t, (size_t)(open - t))) goto oom;
        size_t name_len = (size_t)(close - open - 1);
        const char *value = NULL, *name = NULL;
        for (size_t i = 0; i < n; i++) {
            if (strlen(names[i]) == name_len && !memcmp(names[i], open + 1, name_len)) {
                name = names[i];
                value = values[i];
                break;
            }
        }
        if (!name) {
            free(buf);
            return tz_err_new(TZE_INTERNAL);
        }
        if (!value) {
            free(buf);
            return tz_client_usage_error(TZE_MISSING_REQUIRED_VALUE, name,
                                         "missing path parameter %s=", name);
        }
        if (!*value) {
            free(buf);
            return tz_client_usage_error(TZE_BAD_VALUE_EMPTY, name,
                                         "path parameter %s= must not be empty", name);
        }
        char *enc = tz_client_encode_segment(value);
        if (!enc) goto oom;
        bool ok = append(&buf, &len, &cap, enc, strlen(enc));
        free(enc);
        if (!ok) goto oom;
        t = close + 1;
    }
    if (!buf && !append(&buf, &len, &cap, "", 0)) goto oom;
    *out = buf;
    return NULL;
oom:
    free(buf);
    return tz_err_new(TZE_INTERNAL);
}

/* ------------------------------------------------------------------------- values */

static bool all_digits(const char *s, size_t max_len) {
    size_t n = strspn(s, "0123456789");
    return n > 0 && n <= max_len && s[n] == '\0';
}

static tz_error *parse_ttl(const char *value, long long *ttl) {
    /* 10 digits hold every accepted ttl; longer input is rejected before conversion */
    if (!all_digits(value, 10))
        return tz_client_usage_error(TZE_BAD_VALUE_INTEGER, "ttl",
                                     "ttl= takes a number of seconds, got \"%s\"", value);
    long long v = strtoll(value, NULL, 10);
    if (v < 1) return tz_err_limit(TZE_BAD_VALUE_TOO_LOW, "ttl", 1);
    if (v > TZ_CLIENT_MAX_TTL)
        return tz_client_usage_error(TZE_BAD_VALUE_INTEGER, "ttl", "ttl= must be at most %lld",
                                     TZ_CLIENT_MAX_TTL);
    *ttl = v;
    return NULL;
}

static tz_error *parse_json_value(const char *key, const char *text, size_t len, json_t **out) {
    json_error_t jerr;
    *out = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (*out) return NULL;
    return tz_client_usage_error(TZE_BAD_VALUE_JSON, key, "%s: invalid JSON at line %d column %d: %s",
                                 key, jerr.line, jerr.column, jerr.text);
}

/* The JSON value of a typed body field given as key=value. */
static tz_error *typed_value(const tz_client_param *p, const char *value, json_t **out) {
    *out = NULL;
    switch (p->kind) {
    case TZ_PARAM_STRING:
    case TZ_PARAM_TOKEN:
        *out = json_string(value);
        return *out ? NULL : tz_client_usage_error(TZE_BAD_VALUE_STRING, p->name,
                                                   "%s= is not valid UTF-8", p->name);
    case TZ_PARAM_BOOL:
        if (!strcmp(value, "true")) *out = json_true();
        else if (!strcmp(value, "false")) *out = json_false();
        else return tz_client_usage_error(TZE_BAD_VALUE_BOOLEAN, p->name,
                                          "%s= takes true or false", p->name);
        return NULL;
    case TZ_PARAM_JSON:
        return parse_json_value(p->name, value, strlen(value), out);
    case TZ_PARAM_COUNT: {
        /* integers travel as JSON numbers, anything else ("infinity") as a string the server
         * validates; 18 digits always fit a json_int_t */
        const char *digits = value[0] == '-' ? value + 1 : value;
        *out = all_digits(digits, 18) ? json_integer(strtoll(value, NULL, 10)) : json_string(value);
        return *out ? NULL : tz_client_usage_error(TZE_BAD_VALUE_INTEGER, p->name,
                                                   "%s= is not valid UTF-8", p->name);
    }
    case TZ_PARAM_PATH:
    case TZ_PARAM_TTL:
        break;
    }
    return tz_err_new(TZE_INTERNAL);
}

/* ------------------------------------------------------------------------- arguments */

static tz_error *set_path(parse_state *st, const char *name, const char *value) {
    for (size_t i = 0; i < st->n_path; i++) {
        if (!strcmp(st->path_names[i], name)) {
            if (st->path_values[i])
                return tz_client_usage_error(TZE_BAD_DATA, name, "%s= is given twice", name);
            st->path_values[i] = value;
            return NULL;
        }
    }
    return tz_err_new(TZE_INTERNAL);
}

static tz_error *set_data(parse_state *st, const char *value) {
    if (st->data) return tz_client_usage_error(TZE_BAD_DATA, "data", "the body is given twice");
    if (value[0] != '@') return parse_json_value("data", value, strlen(value), &st->data);
    if (!st->read)
        return tz_client_usage_error(TZE_BAD_DATA, "data", "data=@FILE is not available here");
    char *bytes = NULL;
    size_t len = 0;
    tz_error *err = st->read(st->read_ctx, value + 1, &bytes, &len);
    if (err) return err;
    err = parse_json_value("data", bytes, len, &st->data);
    OPENSSL_cleanse(bytes, len); /* bodies may carry tokens */
    free(bytes);
    return err;
}

static tz_error *set_field(parse_state *st, const char *key, json_t *value) {
    if (json_object_get(st->fields, key)) {
        json_decref(value);
        return tz_client_usage_error(TZE_BAD_DATA, key, "%s= is given twice", key);
    }
    if (json_object_set_new(st->fields, key, value)) return tz_err_new(TZE_INTERNAL);
    return NULL;
}

static tz_error *parse_positional(parse_state *st, const char *arg) {
    if (!strcmp(arg, "-")) return set_data(st, "@-");
    if (st->positional) {
        for (size_t i = 0; i < st->n_path; i++) {
            if (!st->path_values[i]) {
                st->path_values[i] = arg;
                return NULL;
            }
        }
        return tz_client_usage_error(TZE_BAD_DATA, arg, "unexpected argument \"%s\"", arg);
    }
    return tz_client_usage_error(TZE_BAD_DATA, arg,
                                 "unexpected argument \"%s\" (write param=value; bare path "
                                 "parameters work only with the alias %s)",
                                 arg, st->op->alias);
}

static tz_error *parse_arg(parse_state *st, const char *arg) {
    const char *eq = strchr(arg, '=');
    if (!eq) return parse_positional(st, arg);
    size_t key_len = (size_t)(eq - arg);
    bool raw = key_len > 1 && arg[key_len - 1] == ':';
    if (raw) key_len--;
    const char *value = eq + 1;
    if (!raw && *value == '=') value++; /* key==value */
    if (key_len == 0)
        return tz_client_usage_error(TZE_BAD_DATA, arg, "malformed argument \"%s\"", arg);

    char *key = strndup(arg, key_len);
    if (!key) return tz_err_new(TZE_INTERNAL);
    tz_error *err = NULL;
    const tz_client_param *p = find_param(st->op, key, key_len);
    if (!strcmp(key, "data") && !p) {
        err = raw ? parse_json_value("data", value, strlen(value), &st->data) : set_data(st, value);
    } else if (!p) {
        err = tz_client_usage_error(TZE_BAD_DATA, key, "unknown parameter \"%s\" for %s", key,
                                    st->op->name);
    } else if (raw && (p->kind == TZ_PARAM_PATH || p->kind == TZ_PARAM_TTL)) {
        err = tz_client_usage_error(TZE_BAD_DATA, key, "%s takes %s=VALUE, not :=JSON", key, key);
    } else if (p->kind == TZ_PARAM_PATH) {
        err = set_path(st, p->name, value);
    } else if (p->kind == TZ_PARAM_TTL) {
        if (st->ttl) err = tz_client_usage_error(TZE_BAD_DATA, key, "ttl= is given twice");
        else err = parse_ttl(value, &st->ttl);
    } else {
        json_t *v = NULL;
        err = raw ? parse_json_value(p->name, value, strlen(value), &v) : typed_value(p, value, &v);
        if (!err) err = set_field(st, p->name, v);
    }
    free(key);
    return err;
}

static tz_error *assemble_body(parse_state *st, tz_client_request *out) {
    bool has_fields = json_object_size(st->fields) > 0 || st->ttl;
    if (!tz_client_op_has_body(st->op)) {
        if (st->data || has_fields)
            return tz_client_usage_error(TZE_BAD_DATA, "data", "%s %s takes no request body",
                                         st->op->method, st->op->name);
        return NULL;
    }
    if (!st->data) {
        out->body = st->fields;
        st->fields = NULL;
        return NULL;
    }
    if (has_fields) {
        if (!json_is_object(st->data))
            return tz_client_usage_error(TZE_BAD_DATA, "data",
                                         "body fields can only be merged into a JSON object body");
        if (json_object_update(st->data, st->fields)) return tz_err_new(TZE_INTERNAL);
    }
    out->body = st->data;
    st->data = NULL;
    return NULL;
}

tz_error *tz_client_request_parse(const tz_client_op *op, bool positional, int argc,
                                  char *const *argv, tz_client_reader read, void *read_ctx,
                                  tz_client_request *out) {
    memset(out, 0, sizeof *out);
    out->op = op;
    parse_state st = {.op = op, .positional = positional, .read = read, .read_ctx = read_ctx};
    for (const tz_client_param *const *p = op->params; *p; p++) {
        if ((*p)->kind != TZ_PARAM_PATH) continue;
        if (st.n_path == MAX_PATH_PARAMS) return tz_err_new(TZE_INTERNAL);
        st.path_names[st.n_path++] = (*p)->name;
    }
    st.fields = json_object();
    if (!st.fields) return tz_err_new(TZE_INTERNAL);
    tz_error *err = NULL;
    for (int i = 0; i < argc && !err; i++) err = parse_arg(&st, argv[i]);
    if (!err) err = tz_client_build_path(op->path, st.path_names, st.path_values, st.n_path,
                                         &out->path);
    if (!err) err = assemble_body(&st, out);
    if (!err) out->ttl = st.ttl;
    json_decref(st.fields);
    json_decref(st.data);
    return err;
}

tz_error *tz_client_request_apply_ttl(tz_client_request *req, long long now) {
    if (!req->ttl) return NULL;
    if (!json_is_object(req->body))
        return tz_client_usage_error(TZE_BAD_DATA, "data",
                                     "ttl= needs a JSON object body to add the caveat to");
    json_t *caveats = json_object_get(req->body, "caveats");
    if (!caveats) {
        caveats = json_array();
        if (!caveats || json_object_set_new(req->body, "caveats", caveats))
            return tz_err_new(TZE_INTERNAL);
    }
    if (!json_is_array(caveats))
        return tz_client_usage_error(TZE_BAD_DATA, "caveats",
                                     "ttl= needs caveats to be a JSON array to add the caveat to");
    json_t *time = json_pack("{s:s, s:I}", "type", "time", "validUntil",
                             (json_int_t)(now + req->ttl));
    if (!time || json_array_append_new(caveats, time)) return tz_err_new(TZE_INTERNAL);
    return NULL;
}

char *tz_client_request_body_text(const tz_client_request *req) {
    if (!req->body) return NULL;
    return json_dumps(req->body, JSON_COMPACT | JSON_ENCODE_ANY);
}

void tz_client_request_clear(tz_client_request *req) {
    free(req->path);
    json_decref(req->body);
    memset(req, 0, sizeof *req);
}
