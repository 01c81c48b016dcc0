/* Helpers of `tokenzone admin`: argument parsing, error reporting, password and privilege input,
 * existence checks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "cli/admin_internal.h"
#include "service/password.h"
#include "service/store_errors.h"

#define NAME_MAX_BYTES 128

/* ---------------- reporting ---------------- */

int admin_fail(const admin_cmd *cmd, tz_error *err, const char *context_fmt, ...) {
    char context[512];
    va_list ap;
    va_start(ap, context_fmt);
    vsnprintf(context, sizeof context, context_fmt, ap);
    va_end(ap);
    /* the allowed list of badValueListNotAllowed is long: it stays in the JSON line only */
    err = tz_store_err_to_api(err);
    char *desc = err && err->id != TZE_BAD_VALUE_LIST_NOT_ALLOWED ? tz_err_description(err) : NULL;
    fprintf(stderr, "tokenzone admin: %s: %s%s%s\n", cmd->name, context, desc ? ": " : "",
            desc ? desc : "");
    free(desc);
    if (err) {
        json_t *body = tz_err_body(err);
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
        if (text) fprintf(stderr, "%s\n", text);
        free(text);
        json_decref(body);
        tz_err_free(err);
    }
    return ADMIN_EXIT_FAIL;
}

int admin_usage(const admin_cmd *cmd, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "tokenzone admin: %s: %s\n", cmd->name, msg);
    const char *usage = admin_usage_line(cmd->name);
    if (usage)
        fprintf(stderr, "usage: tokenzone admin --data DIR %s%s%s\n", cmd->name, *usage ? " " : "",
                usage);
    fprintf(stderr, "(tokenzone admin %s --help)\n", cmd->name);
    return ADMIN_EXIT_USAGE;
}

/* ---------------- arguments ---------------- */

static const admin_opt *find_opt(const admin_opt *opts, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0) return &opts[i];
    return NULL;
}

int admin_parse(const admin_cmd *cmd, const admin_opt *opts, size_t n_opts, size_t min_pos,
                size_t max_pos, admin_args *out) {
    out->n_pos = 0;
    bool only_positional = false;
    for (int i = 0; i < cmd->argc; i++) {
        char *a = cmd->argv[i];
        if (!only_positional && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            admin_help(stdout, cmd->name);
            return ADMIN_EXIT_OK;
        }
    }
    for (int i = 0; i < cmd->argc; i++) {
        char *a = cmd->argv[i];
        /* "-" alone is a value (stdin), not an option */
        if (only_positional || a[0] != '-' || strcmp(a, "-") == 0) {
            if (out->n_pos == ADMIN_MAX_POSITIONAL || out->n_pos == max_pos)
                return admin_usage(cmd, "unexpected argument '%s'", a);
            out->pos[out->n_pos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) return admin_usage(cmd, "unknown option '%s'", a);
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const admin_opt *o = find_opt(opts, n_opts, name, len);
        if (!o) return admin_usage(cmd, "unknown option '--%.*s'", (int)len, name);
        if (o->flag) {
            if (eq) return admin_usage(cmd, "option '--%s' takes no value", o->name);
            *o->flag = true;
            continue;
        }
        if (*o->value) return admin_usage(cmd, "option '--%s' given twice", o->name);
        if (eq) {
            *o->value = eq + 1;
        } else {
            if (i + 1 >= cmd->argc) return admin_usage(cmd, "option '--%s' needs a value", o->name);
            *o->value = cmd->argv[++i];
        }
    }
    if (out->n_pos < min_pos) return admin_usage(cmd, "missing arguments");
    return -1;
}

int admin_open(const admin_cmd *cmd, tz_store **out) {
    *out = NULL;
    if (!cmd->data_dir) return admin_usage(cmd, "--data DIR or --store URL is required (or $TOKENZONE_STORE)");
    tz_error *err = tz_store_open(cmd->data_dir, NULL, out);
    if (err) {
        char *shown = tz_store_location_redacted(cmd->data_dir);
        int rc = admin_fail(cmd, err, "cannot open the store '%s'", shown ? shown : "(location)");
        free(shown);
        return rc;
    }
    return ADMIN_EXIT_OK;
}

/* ---------------- passwords ---------------- */

void admin_free_secret(char *s, size_t len) {
    if (!s) return;
    OPENSSL_cleanse(s, len);
    free(s);
}

/* Reads at most TZ_PASSWORD_MAX_LEN + 1 bytes (plus a newline) so that an over-long input is
 * detected without reading it all. */
static int read_secret_stream(const admin_cmd *cmd, FILE *f, const char *source, char **out,
                              size_t *len) {
    size_t cap = TZ_PASSWORD_MAX_LEN + 2;
    char *buf = malloc(cap + 1);
    if (!buf) return admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
    size_t n = fread(buf, 1, cap + 1, f);
    bool failed = ferror(f) != 0;
    if (failed) {
        admin_free_secret(buf, cap + 1);
        return admin_fail(cmd, NULL, "cannot read the password from %s: %s", source,
                          strerror(errno));
    }
    if (n > 0 && buf[n - 1] == '\n') n--;
    if (n > 0 && buf[n - 1] == '\r') n--;
    if (n > TZ_PASSWORD_MAX_LEN) {
        admin_free_secret(buf, cap + 1);
        return admin_fail(cmd, tz_err_new(TZE_BAD_BASIC_CREDENTIALS),
                          "the password is longer than %d bytes", TZ_PASSWORD_MAX_LEN);
    }
    if (memchr(buf, '\n', n)) {
        admin_free_secret(buf, cap + 1);
        return admin_fail(cmd, NULL, "the password from %s spans several lines", source);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return -1;
}

/* Prompts on a terminal and reads one line without echo. */
static int read_terminal(const admin_cmd *cmd, char **out, size_t *len) {
    struct termios saved, quiet;
    bool echo_off = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (echo_off) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    fprintf(stderr, "Password: ");
    fflush(stderr);
    size_t cap = TZ_PASSWORD_MAX_LEN + 2;
    char *buf = malloc(cap + 1);
    bool got = buf && fgets(buf, (int)cap + 1, stdin) != NULL;
    if (echo_off) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    fprintf(stderr, "\n");
    if (!buf) return admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
    size_t n = got ? strlen(buf) : 0;
    if (n > 0 && buf[n - 1] == '\n') n--;
    if (n > TZ_PASSWORD_MAX_LEN) {  /* also a line cut short by the buffer */
        admin_free_secret(buf, cap + 1);
        return admin_fail(cmd, tz_err_new(TZE_BAD_BASIC_CREDENTIALS),
                          "the password is longer than %d bytes", TZ_PASSWORD_MAX_LEN);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return -1;
}

int admin_read_password(const admin_cmd *cmd, const char *value, const char *file, char **out,
                        size_t *len) {
    *out = NULL;
    *len = 0;
    if (value && file) return admin_usage(cmd, "give either --password or --password-file");
    if (!value && !file) return admin_usage(cmd, "a password is required");
    int rc;
    if (file) {
        FILE *f = fopen(file, "rb");
        if (!f) return admin_fail(cmd, NULL, "cannot open '%s': %s", file, strerror(errno));
        rc = read_secret_stream(cmd, f, file, out, len);
        fclose(f);
    } else if (strcmp(value, "-") == 0) {
        rc = isatty(STDIN_FILENO) ? read_terminal(cmd, out, len)
                                  : read_secret_stream(cmd, stdin, "stdin", out, len);
    } else {
        size_t n = strlen(value);
        if (n > TZ_PASSWORD_MAX_LEN)
            return admin_fail(cmd, tz_err_new(TZE_BAD_BASIC_CREDENTIALS),
                              "the password is longer than %d bytes", TZ_PASSWORD_MAX_LEN);
        *out = strdup(value);
        if (!*out) return admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
        *len = n;
        rc = -1;
    }
    if (rc == -1 && *len == 0) {
        admin_free_secret(*out, 1);
        *out = NULL;
        return admin_fail(cmd, tz_err_key(TZE_BAD_VALUE_EMPTY, "password"),
                          "the password is empty");
    }
    return rc;
}

/* ---------------- privileges ---------------- */

int admin_parse_privileges(const admin_cmd *cmd, tz_priv_entity e, const char *list,
                           char ***privs, size_t *n) {
    *privs = NULL;
    *n = 0;
    size_t count = 0;
    char **v = calloc(strlen(list) / 2 + 2, sizeof *v);
    if (!v) return admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        v[count] = strndup(p, len);
        if (!v[count]) {
            tz_strv_free(v, count);
            return admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
        }
        count++;
        if (!tz_privilege_valid(e, v[count - 1])) {
            tz_priv_list all = tz_privileges_all(e);
            tz_error *err = tz_err_allowed(TZE_BAD_VALUE_LIST_NOT_ALLOWED, "privileges",
                                           all.names, all.n);
            int rc = admin_fail(cmd, err, "'%s' is not a %s privilege", v[count - 1],
                                tz_priv_entity_name(e));
            tz_strv_free(v, count);
            return rc;
        }
        p += len + (comma ? 1 : 0);
    }
    *privs = v;
    *n = count;
    return -1;
}

/* ---------------- names and existence ---------------- */

int admin_check_name(const admin_cmd *cmd, const char *what, const char *name) {
    size_t len = strlen(name);
    if (len == 0 || len > NAME_MAX_BYTES)
        return admin_fail(cmd, tz_err_key(TZE_BAD_DATA, what), "the %s must be 1-%d bytes long",
                          what, NAME_MAX_BYTES);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return admin_fail(cmd, tz_err_key(TZE_BAD_DATA, what),
                              "the %s contains a control character", what);
    }
    return -1;
}

int admin_require_user(const admin_cmd *cmd, tz_store *s, const char *id) {
    tz_user_rec u;
    tz_error *err = tz_store_user_get(s, id, &u);
    if (!err) {
        tz_user_rec_clear(&u);
        return -1;
    }
    return admin_fail(cmd, err, "user '%s'", id);
}

int admin_require_entity(const admin_cmd *cmd, tz_store *s, tz_entity_kind kind, const char *id) {
    static const char *const kinds[] = {"group", "space", "cluster"};
    bool exists = false;
    tz_error *err = tz_store_entity_exists(s, kind, id, &exists);
    if (!err && exists) return -1;
    if (!err) err = tz_err_new(TZE_NOT_FOUND);
    return admin_fail(cmd, err, "%s '%s'", kinds[kind], id);
}

int admin_require_provider(const admin_cmd *cmd, tz_store *s, const char *id) {
    tz_provider_rec p;
    tz_error *err = tz_store_provider_get(s, id, &p);
    if (!err) {
        tz_provider_rec_clear(&p);
        return -1;
    }
    return admin_fail(cmd, err, "provider '%s'", id);
}
