/* `tokenzone admin cluster|group|space ...`: creating groups and spaces, memberships with
 * privileges, and space support. */
#include <stdio.h>
#include <string.h>
#include "cli/admin_internal.h"

static tz_priv_entity priv_entity(tz_entity_kind kind) {
    switch (kind) {
    case TZ_ENT_GROUP: return TZ_PRIV_GROUP;
    case TZ_ENT_SPACE: return TZ_PRIV_SPACE;
    case TZ_ENT_CLUSTER: break;
    }
    return TZ_PRIV_CLUSTER;
}

/* `create NAME --owner USER_ID`: the owner gets every privilege of the entity type. */
static int entity_create(const admin_cmd *cmd, tz_entity_kind kind) {
    const char *owner = NULL;
    const admin_opt opts[] = {{"owner", &owner, NULL}};
    admin_args a;
    int rc = admin_parse(cmd, opts, 1, 1, 1, &a);
    if (rc != -1) return rc;
    if (!owner) return admin_usage(cmd, "--owner USER_ID is required");
    if ((rc = admin_check_name(cmd, "name", a.pos[0])) != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    if ((rc = admin_require_user(cmd, s, owner)) != -1) {
        tz_store_close(s);
        return rc;
    }
    char id[TZ_ID_HEX_LEN + 1];
    tz_error *err = tz_store_random_id(id);
    if (!err) {
        /* the entity and its owner in one transaction: never an entity nobody can manage */
        tz_priv_list all = tz_privileges_all(priv_entity(kind));
        err = tz_store_entity_create_owned(s, kind, id, a.pos[0], owner, all.names, all.n);
    }
    tz_store_close(s);
    if (err) return admin_fail(cmd, err, "cannot create '%s'", a.pos[0]);
    printf("%s\n", id);
    return ADMIN_EXIT_OK;
}

/* `add-user ENTITY_ID USER_ID [--privileges P,...]` and `add-group SPACE_ID GROUP_ID [...]`. */
static int add_member(const admin_cmd *cmd, tz_entity_kind kind, bool group_member) {
    const char *list = NULL;
    const admin_opt opts[] = {{"privileges", &list, NULL}};
    admin_args a;
    int rc = admin_parse(cmd, opts, 1, 2, 2, &a);
    if (rc != -1) return rc;
    tz_priv_entity pe = priv_entity(kind);
    char **privs = NULL;
    size_t n = 0;
    if (list && (rc = admin_parse_privileges(cmd, pe, list, &privs, &n)) != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) {
        tz_strv_free(privs, n);
        return rc;
    }
    rc = admin_require_entity(cmd, s, kind, a.pos[0]);
    if (rc == -1)
        rc = group_member ? admin_require_entity(cmd, s, TZ_ENT_GROUP, a.pos[1])
                          : admin_require_user(cmd, s, a.pos[1]);
    if (rc == -1) {
        tz_priv_list def = tz_privileges_default(pe);
        const char *const *names = list ? (const char *const *)privs : def.names;
        size_t count = list ? n : def.n;
        tz_error *err = group_member
                            ? tz_store_member_add_group(s, kind, a.pos[0], a.pos[1], names, count)
                            : tz_store_member_add_user(s, kind, a.pos[0], a.pos[1], names, count);
        rc = err ? admin_fail(cmd, err, "cannot add '%s' to '%s'", a.pos[1], a.pos[0])
                 : ADMIN_EXIT_OK;
    }
    tz_strv_free(privs, n);
    tz_store_close(s);
    return rc;
}

static int space_support(const admin_cmd *cmd) {
    admin_args a;
    int rc = admin_parse(cmd, NULL, 0, 2, 2, &a);
    if (rc != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    rc = admin_require_entity(cmd, s, TZ_ENT_SPACE, a.pos[0]);
    if (rc == -1) rc = admin_require_provider(cmd, s, a.pos[1]);
    if (rc == -1) {
        tz_error *err = tz_store_space_add_support(s, a.pos[0], a.pos[1]);
        rc = err ? admin_fail(cmd, err, "cannot record the support") : ADMIN_EXIT_OK;
    }
    tz_store_close(s);
    return rc;
}

/* Dispatches `AREA SUB ...` to the handler registered for "AREA SUB". */
typedef int (*member_handler)(const admin_cmd *cmd);

static int cluster_add_user(const admin_cmd *c) { return add_member(c, TZ_ENT_CLUSTER, false); }
static int group_create(const admin_cmd *c) { return entity_create(c, TZ_ENT_GROUP); }
static int group_add_user(const admin_cmd *c) { return add_member(c, TZ_ENT_GROUP, false); }
static int space_create(const admin_cmd *c) { return entity_create(c, TZ_ENT_SPACE); }
static int space_add_user(const admin_cmd *c) { return add_member(c, TZ_ENT_SPACE, false); }
static int space_add_group(const admin_cmd *c) { return add_member(c, TZ_ENT_SPACE, true); }

static const struct {
    const char *name;
    member_handler run;
} handlers[] = {
    {"cluster add-user", cluster_add_user}, {"group create", group_create},
    {"group add-user", group_add_user},     {"space create", space_create},
    {"space add-user", space_add_user},     {"space add-group", space_add_group},
    {"space support", space_support},
};

static int dispatch(const char *area, const char *data_dir, int argc, char **argv) {
    admin_cmd cmd = {data_dir, area, argc - 1, argv + 1};
    const char *sub = argc > 0 ? argv[0] : NULL;
    if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        admin_help(sub ? stdout : stderr, area);
        return sub ? ADMIN_EXIT_OK : ADMIN_EXIT_USAGE;
    }
    size_t alen = strlen(area);
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
        const char *name = handlers[i].name;
        if (strncmp(name, area, alen) == 0 && name[alen] == ' ' &&
            strcmp(name + alen + 1, sub) == 0) {
            cmd.name = name;
            return handlers[i].run(&cmd);
        }
    }
    return admin_usage(&cmd, "unknown command '%s'", sub);
}

int admin_cmd_cluster(const char *data_dir, int argc, char **argv) {
    return dispatch("cluster", data_dir, argc, argv);
}

int admin_cmd_group(const char *data_dir, int argc, char **argv) {
    return dispatch("group", data_dir, argc, argv);
}

int admin_cmd_space(const char *data_dir, int argc, char **argv) {
    return dispatch("space", data_dir, argc, argv);
}
