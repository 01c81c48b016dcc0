/* `tokenzone admin --data DIR COMMAND ...`: administration of a store directly on disk, safe while
 * the server runs on the same directory (SQLite WAL; writers wait for each other in a busy handler). This file reads the
 * global options and dispatches to the area handlers (admin_users.c, admin_provider.c,
 * admin_members.c); `check` is handled here. */
#include <stdio.h>
#include <string.h>
#include "cli/admin_internal.h"
#include "cli/commands.h"

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

int tz_cmd_admin(int argc, char **argv) {
    const char *data_dir = NULL;
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
        } else {
            fprintf(stderr, "tokenzone admin: %s option '%s'\n\n",
                    strcmp(a, "--data") == 0 ? "missing value of" : "unknown", a);
            admin_help(stderr, NULL);
            return ADMIN_EXIT_USAGE;
        }
    }
    if (data_dir && !*data_dir) {
        fprintf(stderr, "tokenzone admin: --data must not be empty\n");
        return ADMIN_EXIT_USAGE;
    }
    if (i >= argc) {
        admin_help(stderr, NULL);
        return ADMIN_EXIT_USAGE;
    }
    const char *area = argv[i];
    int rest = argc - i - 1;
    char **rest_argv = argv + i + 1;
    if (strcmp(area, "user") == 0) return admin_cmd_user(data_dir, rest, rest_argv);
    if (strcmp(area, "provider") == 0) return admin_cmd_provider(data_dir, rest, rest_argv);
    if (strcmp(area, "cluster") == 0) return admin_cmd_cluster(data_dir, rest, rest_argv);
    if (strcmp(area, "group") == 0) return admin_cmd_group(data_dir, rest, rest_argv);
    if (strcmp(area, "space") == 0) return admin_cmd_space(data_dir, rest, rest_argv);
    if (strcmp(area, "check") == 0) return cmd_check(data_dir, rest, rest_argv);
    if (strcmp(area, "master-key") == 0) return admin_cmd_master_key(data_dir, rest, rest_argv);
    if (strcmp(area, "privileges") == 0) return cmd_privileges(rest, rest_argv);
    fprintf(stderr, "tokenzone admin: unknown command '%s'\n\n", area);
    admin_help(stderr, NULL);
    return ADMIN_EXIT_USAGE;
}
