/* Texts of the REST client generated from the operation table: `tokenzone help`, per-operation
 * help, and the machine-made pieces of docs/cli.md and dist/tokenzone.bash-completion. */
#ifndef TZ_CLI_CLIENT_HELP_H
#define TZ_CLI_CLIENT_HELP_H
#include <stdio.h>
#include "cli/client_ops.h"

/* Exit statuses of the REST client (documented in the help text and docs/cli.md). */
enum {
    TZ_CLIENT_EXIT_OK = 0,
    TZ_CLIENT_EXIT_LOCAL = 1,      /* local failure: memory, output, reading a file */
    TZ_CLIENT_EXIT_USAGE = 2,      /* bad command line or environment */
    TZ_CLIENT_EXIT_PROTOCOL = 3,   /* unexpected reply: 1xx/3xx status, malformed time reply */
    TZ_CLIENT_EXIT_HTTP_4XX = 4,
    TZ_CLIENT_EXIT_HTTP_5XX = 5,
    TZ_CLIENT_EXIT_TRANSPORT = 7   /* no reply: connection refused, DNS, TLS, timeout, size cap */
};

/* `tokenzone help`: usage, options, environment, exit statuses and the grouped operations. */
void tz_client_print_overview(FILE *f);
/* `tokenzone help OPERATION`: method, path, parameters, example. */
void tz_client_print_op_help(FILE *f, const tz_client_op *op);
/* One-line usage of an operation, e.g. "usage: tokenzone getNamedToken id=ID". */
void tz_client_print_usage_line(FILE *f, const tz_client_op *op);
/* The operation reference of docs/cli.md (Markdown). */
void tz_client_print_markdown(FILE *f);
/* The generated block of the bash completion script. */
void tz_client_print_bash_table(FILE *f);

#endif
