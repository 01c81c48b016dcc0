/* Unit tests of the directory store functions (store_directory.c, store_invites.c): entities of
 * every kind, nested groups and effective privileges, cycles, privilege grants, joins counted
 * against a named invite's usage limit in the same transaction, provider registration. */
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "store/store.h"

static char base_dir[256];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static tz_store *open_store(const char *name) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", base_dir, name);
    tz_store *s = NULL;
    tz_error *err = tz_store_open(dir, NULL, &s);
    CHECK(err == NULL);
    tz_err_free(err);
    return s;
}

static void user(tz_store *s, const char *id) {
    tz_user_rec u = {.id = (char *)id, .username = (char *)id, .full_name = (char *)id,
                     .basic_auth_enabled = false, .creation_time = 1};
    CHECK(tz_store_user_create(s, &u) == NULL);
}

static const char *const ALL[] = {"group_add_user", "group_set_privileges", "group_view"};
static const char *const VIEW[] = {"group_view"};

/* Runs a join and returns its outcome (-1 when the store failed). */
static int join(tz_store *s, const tz_dir_join *j) {
    tz_dir_outcome outcome = TZ_DIR_DONE;
    tz_error *e = tz_store_dir_join(s, j, &outcome);
    int r = e ? -1 : (int)outcome;
    tz_err_free(e);
    return r;
}

static int count_of(tz_store *s, const char *token_id) {
    tz_named_token_rec r = {0};
    CHECK(tz_store_named_get(s, token_id, &r) == NULL);
    json_t *m = json_loads(r.metadata_json ? r.metadata_json : "{}", 0, NULL);
    int n = (int)json_integer_value(json_object_get(m, "usageCount"));
    json_decref(m);
    tz_named_token_rec_clear(&r);
    return n;
}

static void named_invite(tz_store *s, const char *id, const char *issuer, int limit) {
    char meta[160];
    snprintf(meta, sizeof meta, "{\"creationTime\":1,\"custom\":{},\"usageLimit\":%d,\"usageCount\":0,"
             "\"privileges\":[\"group_view\"]}", limit);
    tz_named_token_rec r = {.id = (char *)id, .name = (char *)id,
                            .subject = {TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)issuer},
                            .token = "x", .secret = "00", .metadata_json = meta};
    CHECK(tz_store_named_create(s, &r) == NULL);
}

static void test_entities_nested_groups_and_privileges(void) {
    tz_store *s = open_store("nested");
    if (!s) return;
    user(s, "u1");
    user(s, "u2");
    CHECK(tz_store_dir_create(s, TZ_DIR_GROUP, "top", "Top", "u1", ALL, 3) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_GROUP, "mid", "Mid", "u1", ALL, 3) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_HARVESTER, "h", "H", "u1", NULL, 0) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_ATM_INVENTORY, "i", "I", "u1", NULL, 0) == NULL);
    tz_error *e = tz_store_dir_create(s, TZ_DIR_HARVESTER, "h", "again", "u1", NULL, 0);
    CHECK(e && e->id == TZE_STORE_CONFLICT);
    tz_err_free(e);
    char *name = NULL;
    CHECK(tz_store_dir_entity_name(s, TZ_DIR_HARVESTER, "h", &name) == NULL);
    CHECK_STR(name, "H");
    free(name);
    /* mid in top with group_add_user; u2 in mid: u2 gets group_add_user in top */
    const char *const add[] = {"group_add_user"};
    tz_dir_join j = {TZ_DIR_GROUP, "mid", TZ_DIR_GROUP, "top", add, 1, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(join(s, &j), TZ_DIR_DONE);
    CHECK_INT(join(s, &j), TZ_DIR_EXISTS);
    tz_dir_join j2 = {TZ_DIR_USER, "u2", TZ_DIR_GROUP, "mid", VIEW, 1, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(join(s, &j2), TZ_DIR_DONE);
    bool ok = false;
    CHECK(tz_store_dir_user_has(s, "u2", TZ_DIR_GROUP, "top", "group_add_user", &ok) == NULL && ok);
    CHECK(tz_store_dir_user_has(s, "u2", TZ_DIR_GROUP, "top", "group_view", &ok) == NULL && !ok);
    CHECK(tz_store_dir_user_has(s, "u2", TZ_DIR_GROUP, "top", NULL, &ok) == NULL && ok);
    /* top in the harvester: u2 is an effective member of it */
    tz_dir_join j3 = {TZ_DIR_GROUP, "top", TZ_DIR_HARVESTER, "h", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(join(s, &j3), TZ_DIR_DONE);
    char **ids = NULL;
    size_t n = 0;
    CHECK(tz_store_dir_list(s, TZ_DIR_LIST_USER_EFFECTIVE, "u2", TZ_DIR_HARVESTER, &ids, &n) == NULL);
    CHECK(n == 1 && !strcmp(ids[0], "h"));
    tz_strv_free(ids, n);
    CHECK(tz_store_dir_list(s, TZ_DIR_LIST_USER_DIRECT, "u2", TZ_DIR_HARVESTER, &ids, &n) == NULL);
    CHECK(n == 0);
    tz_strv_free(ids, n);
    CHECK(tz_store_dir_list(s, TZ_DIR_LIST_USER_EFFECTIVE, "u2", TZ_DIR_GROUP, &ids, &n) == NULL);
    CHECK(n == 2 && !strcmp(ids[0], "mid") && !strcmp(ids[1], "top"));
    tz_strv_free(ids, n);
    /* cycles and self */
    tz_dir_join cyc = {TZ_DIR_GROUP, "top", TZ_DIR_GROUP, "mid", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(join(s, &cyc), TZ_DIR_SELF);
    tz_dir_join self = {TZ_DIR_GROUP, "top", TZ_DIR_GROUP, "top", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(join(s, &self), TZ_DIR_SELF);
    tz_dir_join missing = {TZ_DIR_USER, "nobody", TZ_DIR_GROUP, "top", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(join(s, &missing), TZ_DIR_MISSING);
    /* revoking the relation's privilege takes it away from u2 */
    CHECK(tz_store_dir_set_privileges(s, TZ_DIR_GROUP, "top", TZ_DIR_GROUP, "mid", add, 1, false) == NULL);
    CHECK(tz_store_dir_user_has(s, "u2", TZ_DIR_GROUP, "top", "group_add_user", &ok) == NULL && !ok);
    e = tz_store_dir_set_privileges(s, TZ_DIR_GROUP, "top", TZ_DIR_USER, "u2", add, 1, true);
    CHECK(e && e->id == TZE_STORE_NOT_FOUND);  /* not a direct member */
    tz_err_free(e);
    /* deleting a user removes its relations in the new tables too */
    tz_dir_join uh = {TZ_DIR_USER, "u2", TZ_DIR_ATM_INVENTORY, "i", VIEW, 1, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(join(s, &uh), TZ_DIR_DONE);
    CHECK(tz_store_user_delete(s, "u2") == NULL);
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(s);
}

static void test_usage_counted_with_the_join(void) {
    tz_store *s = open_store("usage");
    if (!s) return;
    user(s, "owner");
    user(s, "a");
    user(s, "b");
    user(s, "c");
    CHECK(tz_store_dir_create(s, TZ_DIR_GROUP, "g", "G", "owner", ALL, 3) == NULL);
    named_invite(s, "inv", "owner", 2);
    const char *const need[] = {"group_add_user"};
    const char *const need_oz[] = {"oz_groups_add_relationships"};
    tz_dir_join j = {TZ_DIR_USER, "owner", TZ_DIR_GROUP, "g", VIEW, 1, 0, "inv", "owner", TZ_DIR_GROUP, "g",
                     need, need_oz, 1};
    CHECK_INT(join(s, &j), TZ_DIR_EXISTS);
    CHECK_INT(count_of(s, "inv"), 0);  /* a failed join does not count */
    j.child_id = "a";
    CHECK_INT(join(s, &j), TZ_DIR_DONE);
    CHECK_INT(count_of(s, "inv"), 1);
    /* the issuer loses the right: refused, not counted */
    CHECK(tz_store_dir_set_privileges(s, TZ_DIR_GROUP, "g", TZ_DIR_USER, "owner", need, 1, false) == NULL);
    j.child_id = "b";
    CHECK_INT(join(s, &j), TZ_DIR_ISSUER_NOT_ALLOWED);
    CHECK_INT(count_of(s, "inv"), 1);
    CHECK(tz_store_dir_set_privileges(s, TZ_DIR_GROUP, "g", TZ_DIR_USER, "owner", need, 1, true) == NULL);
    CHECK_INT(join(s, &j), TZ_DIR_DONE);
    j.child_id = "c";
    CHECK_INT(join(s, &j), TZ_DIR_INVITE_USED_UP);
    CHECK_INT(count_of(s, "inv"), 2);
    CHECK(tz_store_named_update(s, "inv", NULL, NULL, 1, NULL) == NULL);
    CHECK_INT(join(s, &j), TZ_DIR_INVITE_REVOKED);
    j.invite_id = "gone";
    CHECK_INT(join(s, &j), TZ_DIR_INVITE_GONE);
    tz_store_close(s);
}

static void test_provider_register(void) {
    tz_store *s = open_store("register");
    if (!s) return;
    user(s, "admin");
    named_invite(s, "reg", "admin", 1);
    const char *const privs[] = {"cluster_update", "cluster_view"};
    tz_provider_rec p = {"p1", "P1", "sub.zone", 5};
    tz_named_token_rec root = {.id = "root1", .name = "root token",
                               .subject = {TZ_SUBJ_PROVIDER, TZ_PSUB_NONE, "p1"}, .token = "t",
                               .secret = "00", .metadata_json = "{}"};
    tz_dir_outcome outcome = TZ_DIR_MISSING;
    CHECK(tz_store_provider_register_invited(s, &p, "sub", "a@b.c", "admin", privs, 2, &root, "reg",
                                             &outcome) == NULL);
    CHECK_INT(outcome, TZ_DIR_DONE);
    CHECK_INT(count_of(s, "reg"), 1);
    bool ok = false;
    CHECK(tz_store_dir_user_has(s, "admin", TZ_DIR_CLUSTER, "p1", "cluster_update", &ok) == NULL && ok);
    tz_provider_rec p2 = {"p2", "P2", "sub.zone", 5};
    root.id = "root2";
    root.subject.id = "p2";
    tz_error *e = tz_store_provider_register_invited(s, &p2, "sub", NULL, "admin", privs, 2, &root,
                                                     NULL, &outcome);
    CHECK(e && e->id == TZE_STORE_CONFLICT);
    tz_err_free(e);
    CHECK(tz_store_provider_register_invited(s, &p2, "other", NULL, "admin", privs, 2, &root, "reg",
                                             &outcome) == NULL);
    CHECK_INT(outcome, TZ_DIR_INVITE_USED_UP);
    CHECK(tz_store_provider_register_invited(s, &p2, "other", NULL, "nobody", privs, 2, &root, NULL,
                                             &outcome) == NULL);
    CHECK_INT(outcome, TZ_DIR_MISSING);
    tz_provider_rec got = {0};
    e = tz_store_provider_get(s, "p2", &got);  /* nothing of the refused registrations stayed */
    CHECK(e && e->id == TZE_STORE_NOT_FOUND);
    tz_err_free(e);
    tz_store_close(s);
}

/* A database of schema version 2 (before the directory) is brought to version 3 on open,
 * keeping its data. */
static void test_upgrade_to_directory_schema(void) {
    tz_store *s = open_store("upgrade");
    if (!s) return;
    user(s, "u");
    CHECK(tz_store_dir_create(s, TZ_DIR_SPACE, "sp", "Space", "u", VIEW, 1) == NULL);
    tz_store_close(s);
    char path[600];
    snprintf(path, sizeof path, "%s/upgrade/tokenzone.db", base_dir);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db,
        "DROP VIEW dir_all_privileges; DROP VIEW dir_all_relations; DROP VIEW dir_all_entities;"
        "DROP TRIGGER dir_relations_user_deleted; DROP TABLE dir_relation_privileges;"
        "DROP TABLE dir_relations; DROP TABLE dir_entities; DROP INDEX providers_by_subdomain;"
        "ALTER TABLE providers DROP COLUMN subdomain; ALTER TABLE providers DROP COLUMN admin_email;"
        "ALTER TABLE space_supports DROP COLUMN size; PRAGMA user_version=2;", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    s = open_store("upgrade");
    if (!s) return;
    bool ok = false;
    CHECK(tz_store_dir_user_has(s, "u", TZ_DIR_SPACE, "sp", "group_view", &ok) == NULL && ok);
    CHECK(tz_store_dir_create(s, TZ_DIR_HARVESTER, "h", "H", "u", NULL, 0) == NULL);
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(s);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(base_dir, sizeof base_dir, "%s/tz-dir-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base_dir)) {
        perror("mkdtemp");
        return 2;
    }
    RUN(test_entities_nested_groups_and_privileges);
    RUN(test_usage_counted_with_the_join);
    RUN(test_provider_register);
    RUN(test_upgrade_to_directory_schema);
    nftw(base_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return TEST_REPORT();
}
