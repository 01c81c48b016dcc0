/* Placeholder until the REST client is implemented. */
#include <stdio.h>
#include <string.h>
#include "cli/commands.h"

bool tz_client_is_operation(const char *name) {
    (void)name;
    return false;
}

int tz_cmd_client(int argc, char **argv) {
    (void)argc;
    (void)argv;
    return 2;
}

int tz_cmd_client_help(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "tokenzone help: not implemented yet\n");
    return 2;
}
