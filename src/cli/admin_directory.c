/* `tokenzone admin harvester|atm-inventory ...` and the entity-privilege and nested-group
 * commands of every entity kind: creating harvesters and automation inventories, adding users,
 * groups and spaces to them, a group to a parent group or a cluster, and granting or revoking a
 * member's privileges (`group grant GROUP_ID MEMBER_ID PRIV...`). */
#include <stdio.h>
#include <string.h>
#include "cli/admin_internal.h"
#include "service/invite_ops.h"

typedef struct area_kind {
    const char *area;
    tz_dir_kind kind;
    tz_priv_entity priv;
} area_kind;

static const area_kind AREAS[] = {
    {"group", TZ_DIR_GROUP, TZ_PRIV_GROUP},
    {"space", TZ_DIR_SPACE, TZ_PRIV_SPACE},
    {"cluster", TZ_DIR_CLUSTER, TZ_PRIV_CLUSTER},
    {"harvester", TZ_DIR_HARVESTER, TZ_PRIV_HARVESTER},
    {"atm-inventory", TZ_DIR_ATM_INVENTORY, TZ_PRIV_ATM_INVENTORY},
};

static const area_kind *area_for(const char *area) {
    for (size_t i = 0; i < sizeof AREAS / sizeof AREAS[0]; i++)
        if (!strcmp(AREAS[i].area, area)) return &AREAS[i];
    return NULL;
}

static int report(const admin_cmd *cmd, tz_error *err, const char *what) {
    if (!err) return ADMIN_EXIT_OK;
    return admin_fail(cmd, err, "%s", what);
}

/* `create NAME --owner USER_ID` (harvesters, inventories): the owner gets every privilege. */
static int dir_create(const admin_cmd *cmd, const area_kind *ak) {
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
    tz_priv_list all = tz_privileges_all(ak->priv);
    tz_error *err = tz_store_random_id(id);
    if (!err) err = tz_store_dir_create(s, ak->kind, id, a.pos[0], owner, all.names, all.n);
    tz_store_close(s);
    if (err) return admin_fail(cmd, err, "cannot create '%s'", a.pos[0]);
    printf("%s\n", id);
    return ADMIN_EXIT_OK;
}

/* `add-user|add-group|add-space ENTITY_ID MEMBER_ID [--privileges P,...]`. */
static int dir_add(const admin_cmd *cmd, const area_kind *ak, tz_dir_kind member) {
    const char *list = NULL;
    const admin_opt opts[] = {{"privileges", &list, NULL}};
    admin_args a;
    int rc = admin_parse(cmd, opts, 1, 2, 2, &a);
    if (rc != -1) return rc;
    bool carries = member != TZ_DIR_SPACE;
    if (!carries && list) return admin_usage(cmd, "a space in a harvester has no privileges");
    char **privs = NULL;
    size_t n = 0;
    if (list && (rc = admin_parse_privileges(cmd, ak->priv, list, &privs, &n)) != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) {
        tz_strv_free(privs, n);
        return rc;
    }
    tz_priv_list def = tz_privileges_default(ak->priv);
    tz_dir_join j = {
        .child_kind = member, .child_id = a.pos[1], .parent_kind = ak->kind, .parent_id = a.pos[0],
        .privs = carries ? (list ? (const char *const *)privs : def.names) : NULL,
        .n_privs = carries ? (list ? n : def.n) : 0,
    };
    tz_dir_outcome outcome = TZ_DIR_DONE;
    tz_error *err = tz_store_dir_join(s, &j, &outcome);
    if (!err) err = svc_join_outcome_error(outcome, &j, NULL);
    tz_strv_free(privs, n);
    tz_store_close(s);
    if (err && err->id == TZE_NOT_FOUND)
        return admin_fail(cmd, err, "'%s' or '%s' does not exist", a.pos[0], a.pos[1]);
    return report(cmd, err, "cannot add the member");
}

/* `grant|revoke ENTITY_ID MEMBER_ID PRIVILEGE...`: MEMBER_ID is a user or a group. */
static int dir_privileges(const admin_cmd *cmd, const area_kind *ak, bool grant) {
    admin_args a;
    int rc = admin_parse(cmd, NULL, 0, 3, ADMIN_MAX_POSITIONAL, &a);
    if (rc != -1) return rc;
    for (size_t i = 2; i < a.n_pos; i++)
        if (!tz_privilege_valid(ak->priv, a.pos[i])) {
            tz_priv_list all = tz_privileges_all(ak->priv);
            return admin_fail(cmd, tz_err_allowed(TZE_BAD_VALUE_LIST_NOT_ALLOWED, "privileges", all.names, all.n),
                              "'%s' is not a %s privilege", a.pos[i], tz_priv_entity_name(ak->priv));
        }
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    const char *const *privs = (const char *const *)&a.pos[2];
    size_t n = a.n_pos - 2;
    tz_error *err = tz_store_dir_set_privileges(s, ak->kind, a.pos[0], TZ_DIR_USER, a.pos[1], privs, n, grant);
    if (err && err->id == TZE_STORE_NOT_FOUND) {
        tz_err_free(err);
        err = tz_store_dir_set_privileges(s, ak->kind, a.pos[0], TZ_DIR_GROUP, a.pos[1], privs, n, grant);
    }
    tz_store_close(s);
    if (err && err->id == TZE_STORE_NOT_FOUND)
        return admin_fail(cmd, err, "'%s' is not a direct member of '%s'", a.pos[1], a.pos[0]);
    return report(cmd, err, grant ? "cannot grant" : "cannot revoke");
}

int admin_cmd_directory(const char *area, const char *data_dir, int argc, char **argv) {
    const area_kind *ak = area_for(area);
    const char *sub = argc > 0 ? argv[0] : NULL;
    if (!ak) return -1;
    bool new_kind = ak->kind == TZ_DIR_HARVESTER || ak->kind == TZ_DIR_ATM_INVENTORY;
    if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        if (!new_kind) return -1;  /* the area's own dispatcher prints the help */
        admin_help(sub ? stdout : stderr, area);
        return sub ? ADMIN_EXIT_OK : ADMIN_EXIT_USAGE;
    }
    char name[64];
    snprintf(name, sizeof name, "%s %s", area, sub);
    admin_cmd cmd = {data_dir, NULL, argc - 1, argv + 1};
    cmd.name = admin_usage_line(name) ? name : area;
    if (!strcmp(sub, "grant") || !strcmp(sub, "revoke")) return dir_privileges(&cmd, ak, !strcmp(sub, "grant"));
    if (new_kind && !strcmp(sub, "create")) return dir_create(&cmd, ak);
    if (new_kind && !strcmp(sub, "add-user")) return dir_add(&cmd, ak, TZ_DIR_USER);
    if (ak->kind != TZ_DIR_SPACE && !strcmp(sub, "add-group")) return dir_add(&cmd, ak, TZ_DIR_GROUP);
    if (ak->kind == TZ_DIR_HARVESTER && !strcmp(sub, "add-space")) return dir_add(&cmd, ak, TZ_DIR_SPACE);
    if (!new_kind) return -1;  /* the older group/space/cluster commands */
    return admin_usage(&cmd, "unknown command '%s'", sub);
}
