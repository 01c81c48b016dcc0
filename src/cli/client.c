/* `tokenzone OPERATION [param=value ...]`: the REST client, compatible with onezone-rest-cli's
 * environment (ONEZONE_HOST, ONEZONE_API_KEY, ONEZONE_BASIC_AUTH). This file wires the pieces:
 * options and environment, request building (client_request.c), transport (client_http.c),
 * output and exit statuses (client_help.h). */
#include <curl/curl.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/client_help.h"
#include "cli/client_http.h"
#include "cli/client_request.h"
#include "cli/commands.h"

typedef struct client_opts {
    const char *host;
    const char *token;
    const char *basic;
    const char *cacert;
    bool insecure, raw, dry_run, help;
} client_opts;

/* Prints a tz_error as a usage error and frees it. */
static int usage_error(const tz_client_op *op, tz_error *err) {
    const char *hint = tz_client_error_hint(err);
    char *text = hint ? NULL : tz_err_description(err);
    fprintf(stderr, "tokenzone %s: %s\n", op->name, hint ? hint : text ? text : "invalid arguments");
    free(text);
    tz_err_free(err);
    tz_client_print_usage_line(stderr, op);
    fprintf(stderr, "(details: tokenzone help %s)\n", op->name);
    return TZ_CLIENT_EXIT_USAGE;
}

/* The value of option `name` at argv[*i]: "--name=value" or "--name value". NULL if `arg` is not
 * that option; *missing is set when the value is absent. */
static const char *option_value(const char *name, int argc, char **argv, int *i, bool *missing) {
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n)) return NULL;
    if (arg[n] == '=') return arg + n + 1;
    if (arg[n] != '\0') return NULL;
    /* "--host --dry-run" is a forgotten value, not a host named --dry-run */
    if (*i + 1 >= argc || !strncmp(argv[*i + 1], "--", 2)) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* Splits argv[1..] into options and parameters (collected in params, count in *n_params).
 * Returns the name of a bad option, or NULL. */
static const char *parse_options(int argc, char **argv, client_opts *o, char **params,
                                 int *n_params) {
    static const struct { const char *name; size_t off; } VALUED[] = {
        {"--host", offsetof(client_opts, host)},     {"--token", offsetof(client_opts, token)},
        {"--basic", offsetof(client_opts, basic)},   {"--cacert", offsetof(client_opts, cacert)},
    };
    bool only_params = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_params || a[0] != '-' || !strcmp(a, "-")) {
            params[(*n_params)++] = argv[i];
            continue;
        }
        if (!strcmp(a, "--")) { only_params = true; continue; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { o->help = true; continue; }
        if (!strcmp(a, "--insecure") || !strcmp(a, "-k")) { o->insecure = true; continue; }
        if (!strcmp(a, "--raw")) { o->raw = true; continue; }
        if (!strcmp(a, "--dry-run")) { o->dry_run = true; continue; }
        bool matched = false, missing = false;
        for (size_t k = 0; k < sizeof VALUED / sizeof VALUED[0] && !matched; k++) {
            const char *v = option_value(VALUED[k].name, argc, argv, &i, &missing);
            if (missing) return VALUED[k].name;
            if (v) {
                *(const char **)((char *)o + VALUED[k].off) = v;
                matched = true;
            }
        }
        if (!matched) return a;
    }
    return NULL;
}

/* data=@FILE and `-` reader: at most TZ_CLIENT_MAX_BODY_FILE bytes. */
static tz_error *read_source(void *ctx, const char *source, char **data, size_t *len) {
    (void)ctx;
    bool is_stdin = !strcmp(source, "-");
    FILE *f = is_stdin ? stdin : fopen(source, "rb");
    if (!f) return tz_client_usage_error(TZE_BAD_DATA, "data", "cannot open %s: %s", source,
                                         strerror(errno));
    char *buf = malloc(TZ_CLIENT_MAX_BODY_FILE + 1);
    size_t n = buf ? fread(buf, 1, TZ_CLIENT_MAX_BODY_FILE + 1, f) : 0;
    bool failed = !buf || ferror(f);
    if (!is_stdin) fclose(f);
    if (failed || n > TZ_CLIENT_MAX_BODY_FILE) {
        free(buf);
        return tz_client_usage_error(TZE_BAD_DATA, "data", "cannot read %s: %s",
                                     is_stdin ? "stdin" : source,
                                     failed ? "read error" : "more than 16 MiB");
    }
    *data = buf;
    *len = n;
    return NULL;
}

/* Credentials: options win over the environment; a token wins over basic credentials. */
static tz_error *choose_auth(const client_opts *o, tz_client_conn *conn) {
    const char *api_key = getenv("ONEZONE_API_KEY"), *basic = getenv("ONEZONE_BASIC_AUTH");
    if (o->token && o->basic)
        return tz_client_usage_error(TZE_BAD_DATA, "--basic", "give --token or --basic, not both");
    if (o->token) {
        conn->auth = TZ_AUTH_TOKEN;
        conn->secret = o->token;
        return tz_client_check_secret(conn->auth, conn->secret, "--token");
    }
    if (o->basic) {
        conn->auth = TZ_AUTH_BASIC;
        conn->secret = o->basic;
        return tz_client_check_secret(conn->auth, conn->secret, "--basic");
    }
    if (api_key && *api_key) {
        conn->auth = TZ_AUTH_TOKEN;
        conn->secret = api_key;
        return tz_client_check_secret(conn->auth, conn->secret, "ONEZONE_API_KEY");
    }
    if (basic && *basic) {
        conn->auth = TZ_AUTH_BASIC;
        conn->secret = basic;
        return tz_client_check_secret(conn->auth, conn->secret, "ONEZONE_BASIC_AUTH");
    }
    conn->auth = TZ_AUTH_NONE;
    return NULL;
}

/* Writes a reply body: formatted JSON, or as received with --raw or when it is not JSON. */
static bool print_body(FILE *f, const tz_client_response *r, bool raw) {
    if (!r->len) return true;
    json_t *j = raw ? NULL : json_loadb(r->body, r->len, JSON_DECODE_ANY, NULL);
    bool ok;
    if (j) {
        ok = json_dumpf(j, f, JSON_INDENT(2) | JSON_ENCODE_ANY) == 0 && fputc('\n', f) != EOF;
        json_decref(j);
    } else {
        ok = fwrite(r->body, 1, r->len, f) == r->len;
    }
    return fflush(f) == 0 && ok;
}

static int transport_error(const tz_client_conn *conn, const char *errbuf) {
    fprintf(stderr, "tokenzone: no reply from %s: %s\n", conn->base_url, errbuf);
    /* https:// is assumed for a host without a scheme; a plain HTTP server then fails the TLS
     * handshake, which deserves a pointer to the fix */
    if (!strncmp(conn->base_url, "https://", 8) && (strstr(errbuf, "SSL") || strstr(errbuf, "TLS")))
        fprintf(stderr, "tokenzone: if the server speaks plain HTTP, write http:// in "
                        "ONEZONE_HOST or --host\n");
    return TZ_CLIENT_EXIT_TRANSPORT;
}

/* Exit status and stderr report of a non-2xx reply. */
static int http_error(const tz_client_response *r, bool raw) {
    if (r->len) print_body(stderr, r, raw);
    else fprintf(stderr, "tokenzone: HTTP %ld with an empty body\n", r->status);
    if (r->status >= 500) return TZ_CLIENT_EXIT_HTTP_5XX;
    if (r->status >= 400) return TZ_CLIENT_EXIT_HTTP_4XX;
    if (!r->len) return TZ_CLIENT_EXIT_PROTOCOL;
    fprintf(stderr, "tokenzone: unexpected HTTP status %ld\n", r->status);
    return TZ_CLIENT_EXIT_PROTOCOL;
}

/* The server's clock in UNIX seconds (GET /provider/public/get_current_time, public, sent
 * without credentials): time caveats are checked against that clock, not ours. */
static int server_now(const tz_client_conn *conn, bool raw, long long *now) {
    tz_client_response r;
    char errbuf[CURL_ERROR_SIZE + 64];
    if (!tz_client_http_send(conn, "GET", "/provider/public/get_current_time", NULL, false, &r,
                             errbuf, sizeof errbuf))
        return transport_error(conn, errbuf);
    int status = TZ_CLIENT_EXIT_OK;
    if (r.status < 200 || r.status > 299) {
        fprintf(stderr, "tokenzone: ttl= needs the server time, GET "
                        "/provider/public/get_current_time failed:\n");
        status = http_error(&r, raw);
    } else {
        json_t *j = json_loadb(r.body ? r.body : "", r.len, 0, NULL);
        json_t *ms = json_object_get(j, "timeMillis");
        if (json_is_integer(ms) && json_integer_value(ms) >= 0) {
            *now = (long long)(json_integer_value(ms) / 1000);
        } else {
            fprintf(stderr, "tokenzone: the server time reply has no integer timeMillis\n");
            status = TZ_CLIENT_EXIT_PROTOCOL;
        }
        json_decref(j);
    }
    tz_client_response_clear(&r);
    return status;
}

static int run(const tz_client_op *op, const client_opts *o, tz_client_conn *conn,
               tz_client_request *req) {
    if (o->dry_run) {
        tz_error *err = tz_client_request_apply_ttl(req, (long long)time(NULL));
        if (err) return usage_error(op, err);
        char *cmd = tz_client_curl_command(conn, req);
        if (!cmd) return TZ_CLIENT_EXIT_LOCAL;
        bool ok = fputs(cmd, stdout) != EOF && fflush(stdout) == 0;
        free(cmd);
        return ok ? TZ_CLIENT_EXIT_OK : TZ_CLIENT_EXIT_LOCAL;
    }
    if (req->ttl) {
        long long now = 0;
        int status = server_now(conn, o->raw, &now);
        if (status != TZ_CLIENT_EXIT_OK) return status;
        tz_error *err = tz_client_request_apply_ttl(req, now);
        if (err) return usage_error(op, err);
    }
    char *body = tz_client_request_body_text(req);
    if (req->body && !body) return TZ_CLIENT_EXIT_LOCAL;
    tz_client_response r;
    char errbuf[CURL_ERROR_SIZE + 64];
    bool sent = tz_client_http_send(conn, op->method, req->path, body, true, &r, errbuf,
                                    sizeof errbuf);
    free(body);
    if (!sent) return transport_error(conn, errbuf);
    int status = TZ_CLIENT_EXIT_OK;
    if (r.status >= 200 && r.status <= 299) {
        if (!print_body(stdout, &r, o->raw)) status = TZ_CLIENT_EXIT_LOCAL;
    } else {
        status = http_error(&r, o->raw);
    }
    tz_client_response_clear(&r);
    return status;
}

bool tz_client_is_operation(const char *name) { return tz_client_op_find(name, NULL) != NULL; }

int tz_cmd_client(int argc, char **argv) {
    bool by_alias = false;
    const tz_client_op *op = argc > 0 ? tz_client_op_find(argv[0], &by_alias) : NULL;
    if (!op) {
        fprintf(stderr, "tokenzone: unknown operation (tokenzone help lists them)\n");
        return TZ_CLIENT_EXIT_USAGE;
    }
    client_opts o = {0};
    char **params = calloc((size_t)argc + 1, sizeof *params);
    if (!params) return TZ_CLIENT_EXIT_LOCAL;
    int n_params = 0;
    const char *bad = parse_options(argc, argv, &o, params, &n_params);
    if (bad) {
        fprintf(stderr, "tokenzone %s: unknown option or missing value: %s\n", op->name, bad);
        tz_client_print_usage_line(stderr, op);
        free(params);
        return TZ_CLIENT_EXIT_USAGE;
    }
    if (o.help) {
        free(params);
        tz_client_print_op_help(stdout, op);
        return fflush(stdout) == 0 ? TZ_CLIENT_EXIT_OK : TZ_CLIENT_EXIT_LOCAL;
    }

    tz_client_request req;
    tz_client_conn conn = {.cacert = o.cacert, .insecure = o.insecure};
    tz_error *err = tz_client_request_parse(op, by_alias, n_params, params, read_source, NULL, &req);
    free(params);
    if (!err) err = tz_client_base_url(o.host ? o.host : getenv("ONEZONE_HOST"), &conn.base_url);
    if (!err) err = choose_auth(&o, &conn);
    int status;
    if (err) {
        status = usage_error(op, err);
    } else if (o.dry_run) {
        status = run(op, &o, &conn, &req);
    } else if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "tokenzone: cannot initialise libcurl\n");
        status = TZ_CLIENT_EXIT_LOCAL;
    } else {
        status = run(op, &o, &conn, &req);
        curl_global_cleanup();
    }
    tz_client_request_clear(&req);
    free(conn.base_url);
    return status;
}

int tz_cmd_client_help(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        tz_client_print_overview(stdout);
    } else if (!strcmp(argv[1], "--markdown")) {
        tz_client_print_markdown(stdout);
    } else if (!strcmp(argv[1], "--bash")) {
        tz_client_print_bash_table(stdout);
    } else if (!strcmp(argv[1], "serve") || !strcmp(argv[1], "admin") ||
               !strcmp(argv[1], "token")) {
        char help_flag[] = "--help";
        char *sub[] = {argv[1], help_flag, NULL};
        if (!strcmp(argv[1], "serve")) return tz_cmd_serve(2, sub);
        if (!strcmp(argv[1], "admin")) return tz_cmd_admin(2, sub);
        return tz_cmd_token(2, sub);
    } else {
        const tz_client_op *op = tz_client_op_find(argv[1], NULL);
        if (!op) {
            fprintf(stderr, "tokenzone help: unknown operation '%s' (tokenzone help lists them)\n",
                    argv[1]);
            return TZ_CLIENT_EXIT_USAGE;
        }
        tz_client_print_op_help(stdout, op);
    }
    return fflush(stdout) == 0 ? TZ_CLIENT_EXIT_OK : TZ_CLIENT_EXIT_LOCAL;
}
