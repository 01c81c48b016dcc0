/* Placeholder until the command is implemented. */
#include <stdio.h>
#include "cli/commands.h"

int tz_cmd_serve(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "tokenzone serve: not implemented yet\n");
    return 2;
}
