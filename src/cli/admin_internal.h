/* Shared pieces of `tokenzone admin`: argument parsing, error reporting, reading passwords and
 * privilege lists, and the per-area command handlers. */
#ifndef TZ_CLI_ADMIN_INTERNAL_H
#define TZ_CLI_ADMIN_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "core/err.h"
#include "service/privileges.h"
#include "store/store.h"

#define ADMIN_EXIT_OK 0
#define ADMIN_EXIT_FAIL 1
#define ADMIN_EXIT_USAGE 2
#define ADMIN_MAX_POSITIONAL 64
#define ADMIN_DEFAULT_ZONE_DOMAIN "localhost"
#define ADMIN_LIST_PAGE 500

/* What a command handler gets: the data directory (NULL if --data was not given) and the words
 * after the command name. The store is opened by the handler (admin_open) once the arguments are
 * known to be valid, so that `--help` and usage errors never touch the data directory. */
typedef struct admin_cmd {
    const char *data_dir;
    const char *name;   /* "user create", for messages */
    int argc;
    char **argv;
} admin_cmd;

/* One option of a command: `--name VALUE` / `--name=VALUE` (value != NULL) or a flag. */
typedef struct admin_opt {
    const char *name;
    const char **value;
    bool *flag;
} admin_opt;

typedef struct admin_args {
    char *pos[ADMIN_MAX_POSITIONAL];
    size_t n_pos;
} admin_args;

/* Parses cmd->argv against `opts`, expecting between min_pos and max_pos positional words.
 * Returns -1 when the arguments are fine, otherwise the exit status to return: 0 after printing
 * the command's help (--help / -h), 2 after printing a usage error. */
int admin_parse(const admin_cmd *cmd, const admin_opt *opts, size_t n_opts, size_t min_pos,
                size_t max_pos, admin_args *out);

/* Prints the help of one command ("user create"), of a whole area ("user"), or of everything
 * (NULL) to stdout. */
void admin_help(FILE *f, const char *name);
/* The argument synopsis of one command, NULL if unknown. */
const char *admin_usage_line(const char *name);

/* Opens the store of cmd->data_dir (*out owned by the caller, tz_store_close). On failure prints
 * the reason and returns the exit status (1, or 2 when --data is missing); 0 on success. */
int admin_open(const admin_cmd *cmd, tz_store **out);

/* Reports a failure: "tokenzone admin: NAME: CONTEXT: description" and the Onedata error JSON on
 * stderr. Takes ownership of err. Returns 1. */
int admin_fail(const admin_cmd *cmd, tz_error *err, const char *context_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reports a usage error with the command's usage line. Returns 2. */
int admin_usage(const admin_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads a password given as --password VALUE ("-" = read stdin) or --password-file PATH, with one
 * trailing newline removed. *out is malloc'd and owned by the caller, who wipes it
 * (admin_free_secret). Returns -1 on success, or the exit status after reporting the problem. */
int admin_read_password(const admin_cmd *cmd, const char *value, const char *file, char **out,
                        size_t *len);
void admin_free_secret(char *s, size_t len);

/* Splits a comma-separated list (empty string = no privileges) and checks every name against
 * the entity type. *privs is a malloc'd array of malloc'd names (tz_strv_free). Returns -1 on
 * success, or the exit status after reporting badValueListNotAllowed. */
int admin_parse_privileges(const admin_cmd *cmd, tz_priv_entity e, const char *list,
                           char ***privs, size_t *n);

/* Checks that a name for a new user, group, space or provider is usable: 1-128 bytes, no control
 * characters. Returns -1 when fine, otherwise the exit status after reporting. */
int admin_check_name(const admin_cmd *cmd, const char *what, const char *name);

/* Existence checks with a clear message naming the missing object; -1 when present. */
int admin_require_user(const admin_cmd *cmd, tz_store *s, const char *id);
int admin_require_entity(const admin_cmd *cmd, tz_store *s, tz_entity_kind kind, const char *id);
int admin_require_provider(const admin_cmd *cmd, tz_store *s, const char *id);

/* Area handlers: argv[0] is the subcommand word. */
int admin_cmd_user(const char *data_dir, int argc, char **argv);
int admin_cmd_provider(const char *data_dir, int argc, char **argv);
int admin_cmd_cluster(const char *data_dir, int argc, char **argv);
int admin_cmd_group(const char *data_dir, int argc, char **argv);
int admin_cmd_space(const char *data_dir, int argc, char **argv);
int admin_cmd_client(const char *data_dir, int argc, char **argv);   /* admin_clients.c */
/* harvester, atm-inventory, and the grant/revoke/add-group commands of every entity area
 * (admin_directory.c); -1 when (area, subcommand) is not one of them. */
int admin_cmd_directory(const char *area, const char *data_dir, int argc, char **argv);

/* Operator commands (admin_ops.c). */
int admin_cmd_backup(const char *data_dir, int argc, char **argv);
int admin_cmd_audit_hash(const char *data_dir, int argc, char **argv);
/* Runs `run` for the command `area argv...`; when audit_log is set and the command changes the
 * store, opens the trail first (nothing runs when it cannot be opened) and appends the command's
 * line after it (exit 1 when that fails). */
int admin_audited(const char *data_dir, const char *audit_log, const char *area, int argc, char **argv,
                  int (*run)(const char *data_dir, const char *area, int argc, char **argv));
int admin_cmd_master_key(const char *data_dir, int argc, char **argv);

/* Opens the master keyring of the store (admin_master_key.c): `path` from --master-key-file,
 * else $TOKENZONE_MASTER_KEY_FILE, else DIR/master.key (created on first use like the server
 * does). Returns -1 on success (*out owned by the caller, tz_keyring_free), else the exit status
 * after reporting the reason. */
struct tz_keyring;
int admin_open_keyring(const admin_cmd *cmd, tz_store *s, const char *path, struct tz_keyring **out);

#endif
