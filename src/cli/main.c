/* tokenzone: one binary for the server, the store administration, the offline token tool and the
 * REST client. This file only dispatches to the subcommand. */
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"

#ifndef TZ_VERSION
#define TZ_VERSION "0.1.0"
#endif

static void usage(FILE *f) {
    fprintf(f,
        "usage: tokenzone COMMAND [ARGS]\n"
        "\n"
        "A token authority speaking Onezone's token REST API.\n"
        "\n"
        "commands:\n"
        "  serve      run the REST server on an embedded store (tokenzone serve --help)\n"
        "  admin      administer a store directly: users, providers, groups, spaces\n"
        "  token      offline token tool: mint, examine, confine, verify\n"
        "  store      store maintenance: copy a whole store between backends\n"
        "  OPERATION  call a REST operation, e.g. getNamedTokenStatus id=ID (tokenzone help)\n"
        "  help       list REST operations, or show one: tokenzone help OPERATION\n"
        "  version    print the version\n"
        "\n"
        "Every command takes --help.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("tokenzone %s\n", TZ_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "serve")) return tz_cmd_serve(argc - 1, argv + 1);
    if (!strcmp(cmd, "admin")) return tz_cmd_admin(argc - 1, argv + 1);
    if (!strcmp(cmd, "token")) return tz_cmd_token(argc - 1, argv + 1);
    if (!strcmp(cmd, "store")) return tz_cmd_store(argc - 1, argv + 1);
    if (!strcmp(cmd, "help")) return tz_cmd_client_help(argc - 1, argv + 1);
    if (tz_client_is_operation(cmd)) return tz_cmd_client(argc - 1, argv + 1);
    fprintf(stderr, "tokenzone: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
