/* Choosing the store on the command line, shared by `serve`, `admin` and `store copy`:
 * --store URL, --data DIR (= sqlite:DIR), or $TOKENZONE_STORE, and the store's options. */
#ifndef TZ_CLI_STORE_OPTS_H
#define TZ_CLI_STORE_OPTS_H
#include <stdbool.h>
#include "store/store.h"

#define TZ_STORE_ENV "TOKENZONE_STORE"

/* The store location from --store (store_opt), --data (data_opt) or $TOKENZONE_STORE, in that
 * order; giving both --store and --data is an error. On success *out is a malloc'd location
 * (caller frees) or NULL when none was given anywhere. On error prints "tokenzone CMD: ..." on
 * stderr and returns false. */
bool cli_store_location(const char *cmd, const char *store_opt, const char *data_opt, char **out);

/* Overwrites, in place, the password characters of a store URI given on the command line (user
 * info and password= parameters) with '*', once it has been copied (store_argv.c). */
void cli_store_hide_password(char *arg);

/* Parses a --store-pool / timeout value (1..max) for `cmd`; prints the problem and returns false. */
bool cli_store_number(const char *cmd, const char *opt, const char *value, unsigned max, unsigned *out);

/* The help lines of the store options (for --help texts). */
#define TZ_STORE_OPTIONS_HELP \
    "  --store URL                     the store: sqlite:DIR (embedded, the default kind) or a\n" \
    "                                  PostgreSQL URI postgresql://USER@HOST:PORT/DB?sslmode=...\n" \
    "                                  (password from PGPASSWORD, ~/.pgpass or passfile=; never\n" \
    "                                  logged). Default: $" TZ_STORE_ENV "\n" \
    "  --data DIR                      same as --store sqlite:DIR\n" \
    "  --store-pool N                  database connections at most (default: SQLite 16,\n" \
    "                                  PostgreSQL 8; at most 256)\n" \
    "  --store-connect-timeout MS      PostgreSQL: give up connecting after MS (default 1000)\n" \
    "  --store-statement-timeout MS    longest statement or lock wait (default: SQLite 5000,\n" \
    "                                  PostgreSQL 1500); past it a request fails with 503\n" \
    "                                  serviceUnavailable\n"

#endif
