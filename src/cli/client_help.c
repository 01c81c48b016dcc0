/* Help texts of the REST client, all derived from the operation table so they cannot drift. */
#include "cli/client_help.h"

#include <ctype.h>
#include <string.h>
#include "cli/client_http.h"
#include "cli/client_request.h"

static const char OPTIONS_TEXT[] =
    "options:\n"
    "  --host URL     Onezone address, e.g. https://zone.example.com (default $ONEZONE_HOST);\n"
    "                 " TZ_CLIENT_REST_PREFIX " is appended\n"
    "  --token TOKEN  access token, sent as x-auth-token (default $ONEZONE_API_KEY)\n"
    "  --basic U:P    username:password, sent as HTTP basic auth (default $ONEZONE_BASIC_AUTH)\n"
    "  --cacert FILE  CA certificates to verify the server with\n"
    "  --insecure     do not verify the server's TLS certificate\n"
    "  --raw          print response bodies as received, without formatting\n"
    "  --dry-run      print the equivalent curl command instead of sending; secrets are shown\n"
    "                 as shell variables ($ONEZONE_API_KEY, $ONEZONE_BASIC_AUTH, $TOKEN, ...)\n"
    "  --help         show help (of the operation)\n";

static const char ENV_TEXT[] =
    "environment:\n"
    "  ONEZONE_HOST        Onezone address (https:// is assumed without a scheme)\n"
    "  ONEZONE_API_KEY     access token; wins over ONEZONE_BASIC_AUTH\n"
    "  ONEZONE_BASIC_AUTH  username:password\n"
    "  Options win over the environment. Prefer the environment for secrets: command-line\n"
    "  arguments are visible to other local users.\n";

static const char EXIT_TEXT[] =
    "exit status:\n"
    "  0  success (2xx); the JSON reply is printed on stdout, nothing for 204\n"
    "  1  local failure (memory, writing output)\n"
    "  2  usage error: bad operation, parameter, option or environment\n"
    "  3  unexpected reply (1xx or 3xx status, malformed server time)\n"
    "  4  HTTP 4xx; the error object is printed on stderr\n"
    "  5  HTTP 5xx; the error object is printed on stderr\n"
    "  7  no reply: connection refused, name resolution, TLS, timeout (connect 10 s, total\n"
    "     60 s) or a reply above 64 MiB\n";

static const char ARGS_TEXT[] =
    "parameters:\n"
    "  key=value    a path parameter or body field of the operation (key==value works too)\n"
    "  key:=JSON    a body field given as raw JSON, e.g. peerIp:=null\n"
    "  data=JSON    the whole request body; data=@FILE reads a file, data=@- or - stdin;\n"
    "               body fields given as well are merged into it\n"
    "  ttl=SECONDS  (token creation, confine) adds a time caveat valid until the server's\n"
    "               current time (GET /provider/public/get_current_time) + SECONDS\n"
    "  Aliases take path parameters positionally: tokenzone token-status ID\n";

static const char *value_hint(const tz_client_param *p, char *buf, size_t cap) {
    switch (p->kind) {
    case TZ_PARAM_PATH: {
        size_t i = 0;
        for (; p->name[i] && i + 1 < cap; i++) buf[i] = (char)toupper((unsigned char)p->name[i]);
        buf[i] = '\0';
        return buf;
    }
    case TZ_PARAM_STRING: return "STRING";
    case TZ_PARAM_TOKEN: return "TOKEN";
    case TZ_PARAM_BOOL: return "true|false";
    case TZ_PARAM_JSON: return "JSON";
    case TZ_PARAM_COUNT: return "N|infinity";
    case TZ_PARAM_TTL: return "SECONDS";
    }
    return "VALUE";
}

static const char *kind_text(const tz_client_param *p) {
    switch (p->kind) {
    case TZ_PARAM_PATH: return "path, required";
    case TZ_PARAM_TTL: return "time caveat";
    default: return "body";
    }
}

void tz_client_print_usage_line(FILE *f, const tz_client_op *op) {
    char buf[32];
    fprintf(f, "usage: tokenzone %s", op->name);
    for (const tz_client_param *const *p = op->params; *p; p++)
        if ((*p)->kind == TZ_PARAM_PATH) fprintf(f, " %s=%s", (*p)->name, value_hint(*p, buf, sizeof buf));
    if (tz_client_op_has_body(op)) fprintf(f, " [param=value ...]");
    fprintf(f, " [options]\n       tokenzone %s", op->alias);
    for (const tz_client_param *const *p = op->params; *p; p++)
        if ((*p)->kind == TZ_PARAM_PATH) fprintf(f, " %s", value_hint(*p, buf, sizeof buf));
    if (tz_client_op_has_body(op)) fprintf(f, " [param=value ...]");
    fprintf(f, " [options]\n");
}

void tz_client_print_op_help(FILE *f, const tz_client_op *op) {
    char buf[32], lhs[64];
    fprintf(f, "%s (alias %s): %s\n\n  %s %s%s\n\n", op->name, op->alias, op->summary, op->method,
            TZ_CLIENT_REST_PREFIX, op->path);
    tz_client_print_usage_line(f, op);
    fprintf(f, "\nparameters:\n");
    bool any = false;
    for (const tz_client_param *const *p = op->params; *p; p++) {
        snprintf(lhs, sizeof lhs, "%s=%s", (*p)->name, value_hint(*p, buf, sizeof buf));
        fprintf(f, "  %-28s %s (%s)\n", lhs, (*p)->help, kind_text(*p));
        any = true;
    }
    if (tz_client_op_has_body(op)) {
        fprintf(f, "  %-28s %s\n", "data=JSON|@FILE|-", "the whole body (fields above are merged into it)");
        any = true;
    }
    if (!any) fprintf(f, "  (none)\n");
    fprintf(f, "\nexample:\n  %s\n\nOptions, environment and exit statuses: tokenzone help\n",
            op->example);
}

void tz_client_print_overview(FILE *f) {
    size_t n;
    const tz_client_op *ops = tz_client_ops(&n);
    fprintf(f,
            "usage: tokenzone OPERATION [param=value ...] [options]\n"
            "       tokenzone help [OPERATION]\n\n"
            "Calls one operation of the Onezone token REST API and prints the JSON reply.\n"
            "Operations are named by their swagger operationId or a short alias.\n\n");
    fprintf(f, "operations (operationId, alias, method and path):\n");
    for (int g = 0; g < TZ_GROUP__COUNT; g++) {
        fprintf(f, "\n%s\n", tz_client_group_title((tz_client_group)g));
        for (size_t i = 0; i < n; i++) {
            if (ops[i].group != (tz_client_group)g) continue;
            fprintf(f, "  %-44s %s\n      %-6s %s - %s\n", ops[i].name, ops[i].alias, ops[i].method,
                    ops[i].path, ops[i].summary);
        }
    }
    fputc('\n', f);
    fputs(ARGS_TEXT, f);
    fputc('\n', f);
    fputs(OPTIONS_TEXT, f);
    fputc('\n', f);
    fputs(ENV_TEXT, f);
    fputc('\n', f);
    fputs(EXIT_TEXT, f);
    fprintf(f, "\nExamples:\n"
               "  ONEZONE_HOST=https://zone.example.com ONEZONE_API_KEY=$TOKEN \\\n"
               "      tokenzone revokeAllTemporaryTokensOfCurrentUser\n"
               "  tokenzone getNamedTokenStatus id=$TOKEN_ID\n"
               "  tokenzone help getNamedTokenStatus\n");
}

/* Markdown needs | escaped inside table cells. */
static void md_cell(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '|') fputs("\\|", f);
        else fputc(*s, f);
    }
}

void tz_client_print_markdown(FILE *f) {
    size_t n;
    const tz_client_op *ops = tz_client_ops(&n);
    char buf[32];
    fprintf(f, "%zu operations. Paths are below `%s`.\n", n, TZ_CLIENT_REST_PREFIX);
    for (int g = 0; g < TZ_GROUP__COUNT; g++) {
        fprintf(f, "\n### %s\n\n", tz_client_group_title((tz_client_group)g));
        fprintf(f, "| Operation | Alias | Method and path | Parameters |\n|---|---|---|---|\n");
        for (size_t i = 0; i < n; i++) {
            if (ops[i].group != (tz_client_group)g) continue;
            fprintf(f, "| `%s` | `%s` | `%s %s` | ", ops[i].name, ops[i].alias, ops[i].method,
                    ops[i].path);
            bool first = true;
            for (const tz_client_param *const *p = ops[i].params; *p; p++) {
                fprintf(f, "%s`%s=", first ? "" : ", ", (*p)->name);
                md_cell(f, value_hint(*p, buf, sizeof buf));
                fputc('`', f);
                first = false;
            }
            if (tz_client_op_has_body(&ops[i])) fprintf(f, "%s`data=`", first ? "" : ", ");
            else if (first) fputs("-", f);
            fprintf(f, " |\n");
        }
        fputc('\n', f);
        for (size_t i = 0; i < n; i++) {
            if (ops[i].group != (tz_client_group)g) continue;
            fprintf(f, "- `%s`: %s. Example: `%s`\n", ops[i].name, ops[i].summary, ops[i].example);
        }
    }
}

void tz_client_print_bash_table(FILE *f) {
    size_t n;
    const tz_client_op *ops = tz_client_ops(&n);
    fprintf(f, "_tokenzone_operations=\"");
    for (size_t i = 0; i < n; i++) fprintf(f, "%s%s %s", i ? " " : "", ops[i].name, ops[i].alias);
    fprintf(f, "\"\n_tokenzone_op_params() {\n    case \"$1\" in\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "        %s|%s) echo \"", ops[i].name, ops[i].alias);
        for (const tz_client_param *const *p = ops[i].params; *p; p++)
            fprintf(f, "%s=%s", (*p)->name, p[1] || tz_client_op_has_body(&ops[i]) ? " " : "");
        if (tz_client_op_has_body(&ops[i])) fprintf(f, "data=");
        fprintf(f, "\" ;;\n");
    }
    fprintf(f, "    esac\n}\n");
}
