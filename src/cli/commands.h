/* The tokenzone subcommands. Each takes the arguments after its own name (argv[0] is the
 * subcommand name) and returns the process exit status: 0 success, 1 failure reported as an error
 * object on stderr, 2 usage error. */
#ifndef TZ_CLI_COMMANDS_H
#define TZ_CLI_COMMANDS_H
#include <stdbool.h>

int tz_cmd_serve(int argc, char **argv);   /* serve.c */
int tz_cmd_admin(int argc, char **argv);   /* admin.c */
int tz_cmd_token(int argc, char **argv);   /* token_cmd.c: offline mint/examine/confine/verify */
int tz_cmd_store(int argc, char **argv);   /* store_copy.c: `store copy --from URL --to URL` */

/* client.c: REST operations by swagger operationId or kebab-case alias. */
bool tz_client_is_operation(const char *name);
int tz_cmd_client(int argc, char **argv);
/* `tokenzone help [OPERATION]`: lists operations, or one operation's details. */
int tz_cmd_client_help(int argc, char **argv);

#endif
