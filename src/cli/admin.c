/* `tokenzone admin --data DIR COMMAND ...`: administration of a store directly on disk, safe while
 * the server runs on the same directory (SQLite WAL; writers wait for each other in a busy handler). This file reads the
 * global options and dispatches to the area handlers (admin_users.c, admin_provider.c,
 * admin_members.c); `check` is handled here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/admin_internal.h"
#include "service/audit.h"
#include "cli/commands.h"
#include "cli/store_opts.h"

static int cmd_check(const char *data_dir, int argc, char **argv) {
    admin_cmd cmd = {data_dir, "check", argc, argv};
    admin_args a;
    int rc = admin_parse(&cmd, NULL, 0, 0, 0, &a);
    if (rc != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(&cmd, &s)) != 0) return rc;
    tz_error *err = tz_store_check_integrity(s);
    tz_store_close(s);
    if (err) return admin_fail(&cmd, err, "the database is damaged (details above)");
    printf("ok\n");
    return ADMIN_EXIT_OK;
}

static void print_privileges(tz_priv_entity e, const char *indent) {
    tz_priv_list all = tz_privileges_all(e);
    tz_priv_list def = tz_privileges_default(e);
    for (size_t i = 0; i < all.n; i++) {
        bool is_default = false;
        for (size_t j = 0; j < def.n; j++) is_default |= strcmp(def.names[j], all.names[i]) == 0;
        printf("%s%s%s\n", indent, all.names[i], is_default ? " (member default)" : "");
    }
}

/* `privileges [ENTITY]`: the valid names, one per line, so nobody has to guess them. */
static int cmd_privileges(int argc, char **argv) {
    admin_cmd cmd = {NULL, "privileges", argc, argv};
    admin_args a;
    int rc = admin_parse(&cmd, NULL, 0, 0, 1, &a);
    if (rc != -1) return rc;
    for (int e = 0; e < TZ_PRIV__COUNT; e++) {
        const char *name = tz_priv_entity_name((tz_priv_entity)e);
        if (!a.n_pos) {
            printf("%s:\n", name);
            print_privileges((tz_priv_entity)e, "  ");
        } else if (strcmp(a.pos[0], name) == 0) {
            print_privileges((tz_priv_entity)e, "");
            return ADMIN_EXIT_OK;
        }
    }
    return a.n_pos ? admin_usage(&cmd, "unknown entity type '%s'", a.pos[0]) : ADMIN_EXIT_OK;
}

static int admin_dispatch(const char *data_dir, const char *audit_log, int argc, char **argv,
                          int i);
static int run_area(const char *data_dir, const char *area, int rest, char **rest_argv);

int tz_cmd_admin(int argc, char **argv) {
    const char *data_dir = NULL, *store = NULL;
    const char *audit_log = getenv(TZ_AUDIT_LOG_ENV);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            admin_help(stdout, NULL);
            return ADMIN_EXIT_OK;
        }
        if (strcmp(a, "--data") == 0 && i + 1 < argc) {
            data_dir = argv[++i];
        } else if (strncmp(a, "--data=", 7) == 0) {
            data_dir = a + 7;
        } else if (strcmp(a, "--store") == 0 && i + 1 < argc) {
            store = argv[++i];
        } else if (strncmp(a, "--store=", 8) == 0) {
            store = a + 8;
        } else if (strcmp(a, "--audit-log") == 0 && i + 1 < argc) {
            audit_log = argv[++i];
        } else if (strncmp(a, "--audit-log=", 12) == 0) {
            audit_log = a + 12;
        } else {
            fprintf(stderr, "tokenzone admin: %s option '%s'\n\n",
                    strcmp(a, "--data") == 0 || strcmp(a, "--store") == 0 ? "missing value of" : "unknown", a);
            admin_help(stderr, NULL);
            return ADMIN_EXIT_USAGE;
        }
    }
    /* from here on "data_dir" is the store location: sqlite:DIR, postgresql://... */
    char *location = NULL;
    if (!cli_store_location("admin", store, data_dir, &location)) return ADMIN_EXIT_USAGE;
    int rc = admin_dispatch(location, audit_log, argc, argv, i);
    free(location);
    return rc;
}

static int admin_dispatch(const char *data_dir, const char *audit_log, int argc, char **argv,
                          int i) {
    if (i >= argc) {
        admin_help(stderr, NULL);
        return ADMIN_EXIT_USAGE;
    }
    if (audit_log && !*audit_log) audit_log = NULL;
    return admin_audited(data_dir, audit_log, argv[i], argc - i - 1, argv + i + 1, run_area);
}

static int run_area(const char *data_dir, const char *area, int rest, char **rest_argv) {
    if (strcmp(area, "backup") == 0) return admin_cmd_backup(data_dir, rest, rest_argv);
    if (strcmp(area, "audit-hash") == 0) return admin_cmd_audit_hash(data_dir, rest, rest_argv);
    int dir_rc = admin_cmd_directory(area, data_dir, rest, rest_argv);
    if (dir_rc != -1) return dir_rc;
    if (strcmp(area, "user") == 0) return admin_cmd_user(data_dir, rest, rest_argv);
    if (strcmp(area, "provider") == 0) return admin_cmd_provider(data_dir, rest, rest_argv);
    if (strcmp(area, "cluster") == 0) return admin_cmd_cluster(data_dir, rest, rest_argv);
    if (strcmp(area, "group") == 0) return admin_cmd_group(data_dir, rest, rest_argv);
    if (strcmp(area, "space") == 0) return admin_cmd_space(data_dir, rest, rest_argv);
    if (strcmp(area, "client") == 0) return admin_cmd_client(data_dir, rest, rest_argv);
    if (strcmp(area, "check") == 0) return cmd_check(data_dir, rest, rest_argv);
    if (strcmp(area, "master-key") == 0) return admin_cmd_master_key(data_dir, rest, rest_argv);
    if (strcmp(area, "privileges") == 0) return cmd_privileges(rest, rest_argv);
    fprintf(stderr, "tokenzone admin: unknown command '%s'\n\n", area);
    admin_help(stderr, NULL);
    return ADMIN_EXIT_USAGE;
}
