/* Unit tests of the SQLite store: every operation, cascades, uniqueness, ordering, lazy temporary
 * secrets, durability across reopen, file modes, schema version checks and concurrent use. Each
 * test works in its own temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "store/store.h"

/* ---------------- helpers ---------------- */

static char base_dir[256];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void make_base(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(base_dir, sizeof base_dir, "%s/tz-store-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base_dir)) {
        perror("mkdtemp");
        exit(2);
    }
}

static void remove_base(void) {
    nftw(base_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh data directory path (not created) under the base directory. */
static void data_dir(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s/%s", base_dir, name);
}

static tz_store *open_store(const char *name) {
    char dir[512];
    data_dir(dir, sizeof dir, name);
    tz_store *s = NULL;
    tz_error *err = tz_store_open(dir, NULL, &s);
    CHECK(err == NULL);
    tz_err_free(err);
    return s;
}

/* Captures logger lines. */
typedef struct log_capture {
    pthread_mutex_t mu;
    int lines;
    char last[1024];
} log_capture;

static void capture_log(void *ud, const char *msg) {
    log_capture *lc = ud;
    pthread_mutex_lock(&lc->mu);
    lc->lines++;
    snprintf(lc->last, sizeof lc->last, "%s", msg);
    pthread_mutex_unlock(&lc->mu);
}

static int err_id(tz_error *err) {
    int id = err ? (int)err->id : -1;
    tz_err_free(err);
    return id;
}

static tz_subject subj(tz_subject_kind kind, const char *id) {
    tz_subject s = {kind, TZ_PSUB_NONE, (char *)id};
    return s;
}

static tz_error *add_user(tz_store *s, const char *id, const char *username) {
    tz_user_rec u = {0};
    u.id = (char *)id;
    u.username = (char *)username;
    u.full_name = (char *)"Full Name";
    u.password_hash = (char *)"$argon2id$fake";
    u.basic_auth_enabled = true;
    u.creation_time = 1700000000;
    return tz_store_user_create(s, &u);
}

static tz_error *add_provider(tz_store *s, const char *id, const char *name) {
    tz_provider_rec p = {(char *)id, (char *)name, (char *)"p.example.com", 1700000001};
    return tz_store_provider_create(s, &p);
}

static tz_error *add_token(tz_store *s, const char *id, const char *name, tz_subject_kind kind,
                           const char *subject_id) {
    tz_named_token_rec r = {0};
    r.id = (char *)id;
    r.name = (char *)name;
    r.subject = subj(kind, subject_id);
    r.token = (char *)"MDAxserializedtoken";
    r.secret = (char *)"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    r.metadata_json = (char *)"{\"creationTime\":1,\"custom\":{}}";
    return tz_store_named_create(s, &r);
}

static bool is_hex(const char *s, size_t len) {
    if (strlen(s) != len) return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789abcdef", s[i])) return false;
    return true;
}

static mode_t mode_of(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return (mode_t)-1;
    return st.st_mode & 07777;
}

static size_t count_list(tz_store *s, const tz_subject *subject) {
    char **ids = NULL;
    size_t n = 0;
    char *next = NULL;
    tz_error *err = tz_store_named_list(s, subject, TZ_STORE_PAGE_MAX, NULL, &ids, &n, &next);
    CHECK(next == NULL);
    free(next);
    CHECK(err == NULL);
    tz_err_free(err);
    tz_strv_free(ids, n);
    return n;
}

/* Runs tz_store_open with stderr captured into buf (the store logs to stderr while opening). */
static int open_capturing_stderr(const char *dir, char *buf, size_t cap) {
    char path[600];
    snprintf(path, sizeof path, "%s/stderr.txt", base_dir);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    tz_store *s = NULL;
    tz_error *err = tz_store_open(dir, NULL, &s);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    ssize_t got = read(fd, buf, cap - 1);
    buf[got > 0 ? got : 0] = '\0';
    close(fd);
    if (s) tz_store_close(s);
    return err_id(err);
}

/* ---------------- open, files, modes ---------------- */

static void test_open_creates_private_files(void) {
    char dir[512], path[600];
    data_dir(dir, sizeof dir, "modes");
    mode_t old = umask(0);  /* the most permissive umask must not widen anything */
    tz_store *s = NULL;
    CHECK(tz_store_open(dir, NULL, &s) == NULL);
    umask(old);
    if (!s) return;
    CHECK_INT(mode_of(dir), 0700);
    snprintf(path, sizeof path, "%s/tokenzone.db", dir);
    CHECK_INT(mode_of(path), 0600);
    CHECK(add_user(s, "u1", "alice") == NULL);
    snprintf(path, sizeof path, "%s/tokenzone.db-wal", dir);
    CHECK_INT(mode_of(path), 0600);
    snprintf(path, sizeof path, "%s/tokenzone.db-shm", dir);
    CHECK_INT(mode_of(path), 0600);
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(s);

    /* an existing database with a wide mode is tightened on open */
    snprintf(path, sizeof path, "%s/tokenzone.db", dir);
    CHECK(chmod(path, 0644) == 0);
    CHECK(tz_store_open(dir, NULL, &s) == NULL);
    CHECK_INT(mode_of(path), 0600);
    tz_store_close(s);
}

static void test_open_errors(void) {
    char path[512], buf[1024];
    /* the directory path is a regular file */
    data_dir(path, sizeof path, "plainfile");
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) fclose(f);
    CHECK_INT(open_capturing_stderr(path, buf, sizeof buf), TZE_INTERNAL);
    CHECK(strstr(buf, "not a directory") != NULL);
    /* the parent directory does not exist */
    data_dir(path, sizeof path, "missing/parent/dir");
    CHECK_INT(open_capturing_stderr(path, buf, sizeof buf), TZE_INTERNAL);
    CHECK(strstr(buf, "cannot create directory") != NULL);
    CHECK_INT(open_capturing_stderr("", buf, sizeof buf), TZE_INTERNAL);
}

static void test_random_ids(void) {
    char a[TZ_ID_HEX_LEN + 1], b[TZ_ID_HEX_LEN + 1], sec[TZ_SECRET_HEX_LEN + 1];
    CHECK(tz_store_random_id(a) == NULL);
    CHECK(tz_store_random_id(b) == NULL);
    CHECK(is_hex(a, TZ_ID_HEX_LEN));
    CHECK(strcmp(a, b) != 0);
    CHECK(tz_store_random_secret(sec) == NULL);
    CHECK(is_hex(sec, TZ_SECRET_HEX_LEN));
}

/* ---------------- users ---------------- */

static void test_users(void) {
    tz_store *s = open_store("users");
    if (!s) return;
    tz_user_rec u = {0};
    CHECK(add_user(s, "u2", "bob") == NULL);
    CHECK(add_user(s, "u1", "alice") == NULL);
    CHECK_INT(err_id(add_user(s, "u3", "alice")), TZE_STORE_CONFLICT);
    CHECK_INT(err_id(add_user(s, "u1", "carol")), TZE_STORE_CONFLICT);

    CHECK(tz_store_user_get(s, "u1", &u) == NULL);
    CHECK_STR(u.id, "u1");
    CHECK_STR(u.username, "alice");
    CHECK_STR(u.full_name, "Full Name");
    CHECK_STR(u.password_hash, "$argon2id$fake");
    CHECK(u.basic_auth_enabled);
    CHECK(!u.blocked);
    CHECK_INT(u.creation_time, 1700000000);
    CHECK_INT(u.n_oz_privileges, 0);
    tz_user_rec_clear(&u);
    CHECK(u.id == NULL);

    CHECK(tz_store_user_get_by_username(s, "bob", &u) == NULL);
    CHECK_STR(u.id, "u2");
    tz_user_rec_clear(&u);
    CHECK_INT(err_id(tz_store_user_get(s, "nope", &u)), TZE_STORE_NOT_FOUND);
    CHECK_INT(err_id(tz_store_user_get_by_username(s, "nope", &u)), TZE_STORE_NOT_FOUND);

    CHECK(tz_store_user_set_blocked(s, "u1", true) == NULL);
    CHECK_INT(err_id(tz_store_user_set_blocked(s, "nope", true)), TZE_STORE_NOT_FOUND);
    CHECK(tz_store_user_set_password(s, "u1", NULL) == NULL);
    CHECK_INT(err_id(tz_store_user_set_password(s, "nope", "x")), TZE_STORE_NOT_FOUND);
    CHECK(tz_store_user_get(s, "u1", &u) == NULL);
    CHECK(u.blocked);
    CHECK(u.password_hash == NULL);
    tz_user_rec_clear(&u);
    CHECK(tz_store_user_set_password(s, "u1", "$argon2id$new") == NULL);
    CHECK(tz_store_user_set_blocked(s, "u1", false) == NULL);
    CHECK(tz_store_user_get(s, "u1", &u) == NULL);
    CHECK(!u.blocked);
    CHECK_STR(u.password_hash, "$argon2id$new");
    tz_user_rec_clear(&u);

    /* Onezone admin privileges: grant is idempotent, the record lists them sorted */
    const char *grant[] = {"oz_users_list", "oz_tokens_manage", "oz_users_list"};
    CHECK(tz_store_user_set_oz_privileges(s, "u1", grant, 3, true) == NULL);
    CHECK_INT(err_id(tz_store_user_set_oz_privileges(s, "nope", grant, 1, true)), TZE_STORE_NOT_FOUND);
    bool has = false;
    CHECK(tz_store_user_has_oz_privilege(s, "u1", "oz_tokens_manage", &has) == NULL);
    CHECK(has);
    CHECK(tz_store_user_has_oz_privilege(s, "u2", "oz_tokens_manage", &has) == NULL);
    CHECK(!has);
    CHECK(tz_store_user_has_oz_privilege(s, "nope", "oz_tokens_manage", &has) == NULL);
    CHECK(!has);
    CHECK(tz_store_user_get(s, "u1", &u) == NULL);
    CHECK_INT(u.n_oz_privileges, 2);
    if (u.n_oz_privileges == 2) {
        CHECK_STR(u.oz_privileges[0], "oz_tokens_manage");
        CHECK_STR(u.oz_privileges[1], "oz_users_list");
    }
    tz_user_rec_clear(&u);
    const char *revoke[] = {"oz_tokens_manage", "oz_not_held"};
    CHECK(tz_store_user_set_oz_privileges(s, "u1", revoke, 2, false) == NULL);
    CHECK(tz_store_user_has_oz_privilege(s, "u1", "oz_tokens_manage", &has) == NULL);
    CHECK(!has);

    /* privileges given at creation are stored too */
    char *init_privs[] = {"oz_groups_list"};
    tz_user_rec nu = {0};
    nu.id = "u0";
    nu.username = "zed";
    nu.full_name = "";
    nu.oz_privileges = init_privs;
    nu.n_oz_privileges = 1;
    CHECK(tz_store_user_create(s, &nu) == NULL);

    /* listing is ordered by username and carries privileges */
    tz_user_rec *all = NULL;
    size_t n = 0;
    char *next = NULL;
    CHECK(tz_store_user_list(s, 10, NULL, &all, &n, &next) == NULL);
    CHECK(next == NULL);
    free(next);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(all[0].username, "alice");
        CHECK_STR(all[1].username, "bob");
        CHECK_STR(all[2].username, "zed");
        CHECK_INT(all[0].n_oz_privileges, 1);
        CHECK_INT(all[2].n_oz_privileges, 1);
        CHECK(all[2].password_hash == NULL);
        CHECK(!all[2].basic_auth_enabled);
    }
    tz_user_recs_free(all, n);

    /* missing required fields are refused */
    log_capture lc = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    tz_store_set_logger(s, capture_log, &lc);
    tz_user_rec bad = {0};
    CHECK_INT(err_id(tz_store_user_create(s, &bad)), TZE_INTERNAL);
    CHECK(lc.lines == 1);
    tz_store_close(s);
}

/* ---------------- providers, entities, memberships ---------------- */

static void test_providers(void) {
    tz_store *s = open_store("providers");
    if (!s) return;
    bool exists = false;
    CHECK(tz_store_entity_exists(s, TZ_ENT_CLUSTER, TZ_ONEZONE_CLUSTER_ID, &exists) == NULL);
    CHECK(exists);
    CHECK(add_provider(s, "p1", "Provider One") == NULL);
    CHECK_INT(err_id(add_provider(s, "p1", "Again")), TZE_STORE_CONFLICT);
    CHECK_INT(err_id(add_provider(s, "onezone", "Clash")), TZE_STORE_CONFLICT);
    tz_provider_rec p = {0};
    CHECK(tz_store_provider_get(s, "p1", &p) == NULL);
    CHECK_STR(p.id, "p1");
    CHECK_STR(p.name, "Provider One");
    CHECK_STR(p.domain, "p.example.com");
    CHECK_INT(p.creation_time, 1700000001);
    tz_provider_rec_clear(&p);
    CHECK_INT(err_id(tz_store_provider_get(s, "onezone", &p)), TZE_STORE_NOT_FOUND);

    tz_provider_rec nodomain = {"p2", "Two", NULL, 5};
    CHECK(tz_store_provider_create(s, &nodomain) == NULL);
    CHECK(tz_store_provider_get(s, "p2", &p) == NULL);
    CHECK(p.domain == NULL);
    tz_provider_rec_clear(&p);

    /* the provider's cluster has the provider's id */
    CHECK(tz_store_entity_exists(s, TZ_ENT_CLUSTER, "p1", &exists) == NULL);
    CHECK(exists);
    char *name = NULL;
    CHECK(tz_store_entity_name(s, TZ_ENT_CLUSTER, "p1", &name) == NULL);
    CHECK_STR(name, "Provider One");
    free(name);
    CHECK_INT(err_id(tz_store_provider_delete(s, "nope")), TZE_STORE_NOT_FOUND);
    tz_store_close(s);
}

static void test_entities_and_memberships(void) {
    tz_store *s = open_store("entities");
    if (!s) return;
    CHECK(add_user(s, "u1", "alice") == NULL);
    CHECK(add_user(s, "u2", "bob") == NULL);
    CHECK(add_provider(s, "p1", "P1") == NULL);
    CHECK(add_provider(s, "p0", "P0") == NULL);
    CHECK(tz_store_entity_create(s, TZ_ENT_GROUP, "g1", "Group") == NULL);
    CHECK(tz_store_entity_create(s, TZ_ENT_SPACE, "s1", "Space One") == NULL);
    CHECK(tz_store_entity_create(s, TZ_ENT_SPACE, "s0", "Space Zero") == NULL);
    CHECK(tz_store_entity_create(s, TZ_ENT_SPACE, "s9", "Unrelated") == NULL);
    /* same id, different kind: distinct entities */
    CHECK(tz_store_entity_create(s, TZ_ENT_GROUP, "s1", "Group named like a space") == NULL);
    CHECK_INT(err_id(tz_store_entity_create(s, TZ_ENT_SPACE, "s1", "dup")), TZE_STORE_CONFLICT);
    CHECK_INT(err_id(tz_store_entity_create(s, TZ_ENT_CLUSTER, "c", "x")), TZE_INTERNAL);

    bool b = true;
    CHECK(tz_store_entity_exists(s, TZ_ENT_GROUP, "nope", &b) == NULL);
    CHECK(!b);
    char *name = NULL;
    CHECK(tz_store_entity_name(s, TZ_ENT_SPACE, "s1", &name) == NULL);
    CHECK_STR(name, "Space One");
    free(name);
    CHECK_INT(err_id(tz_store_entity_name(s, TZ_ENT_SPACE, "nope", &name)), TZE_STORE_NOT_FOUND);
    CHECK(name == NULL);

    /* direct membership with privileges; adding again replaces them */
    const char *p_view[] = {"space_view", "space_read_data"};
    CHECK(tz_store_member_add_user(s, TZ_ENT_SPACE, "s1", "u1", p_view, 2) == NULL);
    CHECK(tz_store_user_is_member(s, TZ_ENT_SPACE, "s1", "u1", &b) == NULL);
    CHECK(b);
    CHECK(tz_store_user_has_privilege(s, TZ_ENT_SPACE, "s1", "u1", "space_read_data", &b) == NULL);
    CHECK(b);
    const char *p_update[] = {"space_update"};
    CHECK(tz_store_member_add_user(s, TZ_ENT_SPACE, "s1", "u1", p_update, 1) == NULL);
    CHECK(tz_store_user_has_privilege(s, TZ_ENT_SPACE, "s1", "u1", "space_read_data", &b) == NULL);
    CHECK(!b);
    CHECK(tz_store_user_has_privilege(s, TZ_ENT_SPACE, "s1", "u1", "space_update", &b) == NULL);
    CHECK(b);
    /* membership without privileges */
    CHECK(tz_store_member_add_user(s, TZ_ENT_CLUSTER, "p1", "u2", NULL, 0) == NULL);
    CHECK(tz_store_user_is_member(s, TZ_ENT_CLUSTER, "p1", "u2", &b) == NULL);
    CHECK(b);
    CHECK(tz_store_user_has_privilege(s, TZ_ENT_CLUSTER, "p1", "u2", "cluster_view", &b) == NULL);
    CHECK(!b);
    /* the same id in another kind is another entity */
    CHECK(tz_store_user_is_member(s, TZ_ENT_GROUP, "s1", "u1", &b) == NULL);
    CHECK(!b);
    CHECK_INT(err_id(tz_store_member_add_user(s, TZ_ENT_SPACE, "nope", "u1", NULL, 0)),
              TZE_STORE_NOT_FOUND);
    CHECK_INT(err_id(tz_store_member_add_user(s, TZ_ENT_SPACE, "s1", "nope", NULL, 0)),
              TZE_STORE_NOT_FOUND);

    /* effective membership and privileges through a group */
    const char *g_privs[] = {"group_view"};
    CHECK(tz_store_member_add_user(s, TZ_ENT_GROUP, "g1", "u2", g_privs, 1) == NULL);
    const char *sg_privs[] = {"space_view", "space_write_data"};
    CHECK(tz_store_member_add_group(s, TZ_ENT_SPACE, "s0", "g1", sg_privs, 2) == NULL);
    CHECK(tz_store_member_add_group(s, TZ_ENT_SPACE, "s1", "g1", NULL, 0) == NULL);
    CHECK_INT(err_id(tz_store_member_add_group(s, TZ_ENT_SPACE, "s0", "nope", NULL, 0)),
              TZE_STORE_NOT_FOUND);
    CHECK_INT(err_id(tz_store_member_add_group(s, TZ_ENT_SPACE, "nope", "g1", NULL, 0)),
              TZE_STORE_NOT_FOUND);
    CHECK_INT(err_id(tz_store_member_add_group(s, TZ_ENT_GROUP, "g1", "g1", NULL, 0)),
              TZE_INTERNAL);
    CHECK(tz_store_user_is_member(s, TZ_ENT_SPACE, "s0", "u2", &b) == NULL);
    CHECK(b);
    CHECK(tz_store_user_has_privilege(s, TZ_ENT_SPACE, "s0", "u2", "space_write_data", &b) ==
          NULL);
    CHECK(b);
    CHECK(tz_store_user_has_privilege(s, TZ_ENT_SPACE, "s1", "u2", "space_view", &b) == NULL);
    CHECK(!b);  /* the group has no privileges in s1 */
    CHECK(tz_store_user_is_member(s, TZ_ENT_SPACE, "s0", "u1", &b) == NULL);
    CHECK(!b);
    /* union of direct and group privileges */
    const char *u2_s0[] = {"space_delete"};
    CHECK(tz_store_member_add_user(s, TZ_ENT_SPACE, "s0", "u2", u2_s0, 1) == NULL);
    CHECK(tz_store_user_has_privilege(s, TZ_ENT_SPACE, "s0", "u2", "space_delete", &b) == NULL);
    CHECK(b);
    CHECK(tz_store_user_has_privilege(s, TZ_ENT_SPACE, "s0", "u2", "space_view", &b) == NULL);
    CHECK(b);

    /* the user's effective spaces, sorted, without duplicates */
    char **ids = NULL;
    size_t n = 0;
    CHECK(tz_store_user_spaces(s, "u2", &ids, &n) == NULL);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(ids[0], "s0");
        CHECK_STR(ids[1], "s1");
    }
    tz_strv_free(ids, n);
    CHECK(tz_store_user_spaces(s, "nope", &ids, &n) == NULL);
    CHECK_INT(n, 0);
    tz_strv_free(ids, n);

    /* supports */
    CHECK(tz_store_space_add_support(s, "s1", "p1") == NULL);
    CHECK(tz_store_space_add_support(s, "s1", "p1") == NULL);  /* idempotent */
    CHECK(tz_store_space_add_support(s, "s1", "p0") == NULL);
    CHECK_INT(err_id(tz_store_space_add_support(s, "nope", "p1")), TZE_STORE_NOT_FOUND);
    CHECK_INT(err_id(tz_store_space_add_support(s, "s1", "nope")), TZE_STORE_NOT_FOUND);
    CHECK_INT(err_id(tz_store_space_add_support(s, "g1", "p1")), TZE_STORE_NOT_FOUND);  /* a group */
    CHECK(tz_store_space_providers(s, "s1", &ids, &n) == NULL);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(ids[0], "p0");
        CHECK_STR(ids[1], "p1");
    }
    tz_strv_free(ids, n);
    CHECK(tz_store_provider_supports_user(s, "p1", "u1", &b) == NULL);
    CHECK(b);  /* direct member of s1 */
    CHECK(tz_store_provider_supports_user(s, "p1", "u2", &b) == NULL);
    CHECK(b);  /* through g1 in s1 */
    CHECK(tz_store_space_add_support(s, "s9", "p1") == NULL);
    CHECK(add_user(s, "u3", "carol") == NULL);
    CHECK(tz_store_provider_supports_user(s, "p1", "u3", &b) == NULL);
    CHECK(!b);
    CHECK(tz_store_provider_supports_user(s, "nope", "u1", &b) == NULL);
    CHECK(!b);
    tz_store_close(s);
}

/* ---------------- named tokens ---------------- */

static void test_named_tokens(void) {
    tz_store *s = open_store("named");
    if (!s) return;
    tz_subject u1 = subj(TZ_SUBJ_USER, "id1"), p1 = subj(TZ_SUBJ_PROVIDER, "id1");
    CHECK(add_token(s, "t2", "beta", TZ_SUBJ_USER, "id1") == NULL);
    CHECK(add_token(s, "t1", "alpha", TZ_SUBJ_USER, "id1") == NULL);
    /* the same name is free for another subject, even a provider with the same id */
    CHECK(add_token(s, "t3", "alpha", TZ_SUBJ_PROVIDER, "id1") == NULL);
    CHECK(add_token(s, "t4", "alpha", TZ_SUBJ_USER, "id0") == NULL);
    tz_error *err = add_token(s, "t5", "alpha", TZ_SUBJ_USER, "id1");
    CHECK(err && err->id == TZE_STORE_CONFLICT);
    CHECK(err && err->details && json_is_string(json_object_get(err->details, "key")));
    if (err && err->details)
        CHECK_STR(json_string_value(json_object_get(err->details, "key")), "name");
    tz_err_free(err);
    CHECK_INT(err_id(add_token(s, "t1", "other", TZ_SUBJ_USER, "id1")), TZE_STORE_CONFLICT);

    tz_named_token_rec r = {0};
    CHECK(tz_store_named_get(s, "t1", &r) == NULL);
    CHECK_STR(r.id, "t1");
    CHECK_STR(r.name, "alpha");
    CHECK_INT(r.subject.kind, TZ_SUBJ_USER);
    CHECK_STR(r.subject.id, "id1");
    CHECK_STR(r.token, "MDAxserializedtoken");
    CHECK_STR(r.secret, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    CHECK_STR(r.metadata_json, "{\"creationTime\":1,\"custom\":{}}");
    CHECK(!r.revoked);
    tz_named_token_rec_clear(&r);
    CHECK(r.secret == NULL);
    CHECK_INT(err_id(tz_store_named_get(s, "nope", &r)), TZE_STORE_NOT_FOUND);

    CHECK(tz_store_named_get_by_name(s, &p1, "alpha", &r) == NULL);
    CHECK_STR(r.id, "t3");
    CHECK_INT(r.subject.kind, TZ_SUBJ_PROVIDER);
    tz_named_token_rec_clear(&r);
    CHECK_INT(err_id(tz_store_named_get_by_name(s, &p1, "beta", &r)), TZE_STORE_NOT_FOUND);

    /* updates: each field alone, the rest kept */
    CHECK(tz_store_named_update(s, "t1", NULL, NULL, 1, NULL) == NULL);
    CHECK(tz_store_named_update(s, "t1", NULL, "{\"custom\":{\"a\":1}}", -1, NULL) == NULL);
    CHECK(tz_store_named_update(s, "t1", "alpha", NULL, -1, NULL) == NULL);  /* its own name */
    CHECK(tz_store_named_get(s, "t1", &r) == NULL);
    CHECK(r.revoked);
    CHECK_STR(r.name, "alpha");
    CHECK_STR(r.metadata_json, "{\"custom\":{\"a\":1}}");
    tz_named_token_rec_clear(&r);
    CHECK(tz_store_named_update(s, "t1", "gamma", NULL, 0, NULL) == NULL);
    CHECK(tz_store_named_get(s, "t1", &r) == NULL);
    CHECK(!r.revoked);
    CHECK_STR(r.name, "gamma");
    tz_named_token_rec_clear(&r);
    CHECK_INT(err_id(tz_store_named_update(s, "t1", "beta", NULL, -1, NULL)),
              TZE_STORE_CONFLICT);
    CHECK_INT(err_id(tz_store_named_update(s, "nope", "x", NULL, -1, NULL)), TZE_STORE_NOT_FOUND);
    /* the old name is free again */
    CHECK(add_token(s, "t6", "alpha", TZ_SUBJ_USER, "id1") == NULL);

    /* listing: by name for one subject; all = users (by id, name) then providers */
    char **ids = NULL;
    size_t n = 0;
    char *next = NULL;
    CHECK(tz_store_named_list(s, &u1, 1000, NULL, &ids, &n, &next) == NULL);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(ids[0], "t6");  /* alpha */
        CHECK_STR(ids[1], "t2");  /* beta */
        CHECK_STR(ids[2], "t1");  /* gamma */
    }
    tz_strv_free(ids, n);
    CHECK(tz_store_named_list(s, NULL, 1000, NULL, &ids, &n, &next) == NULL);
    CHECK_INT(n, 5);
    if (n == 5) {
        CHECK_STR(ids[0], "t4");  /* user id0 */
        CHECK_STR(ids[1], "t6");
        CHECK_STR(ids[2], "t2");
        CHECK_STR(ids[3], "t1");
        CHECK_STR(ids[4], "t3");  /* provider id1 */
    }
    tz_strv_free(ids, n);
    /* the same listing two rows a page: the pages join up in order, nothing twice */
    static const char *const expect[] = {"t4", "t6", "t2", "t1", "t3"};
    size_t seen = 0;
    char *cursor = NULL;
    int pages = 0;
    do {
        char **page = NULL;
        size_t got = 0;
        next = NULL;
        CHECK(tz_store_named_list(s, NULL, 2, cursor, &page, &got, &next) == NULL);
        CHECK(got <= 2);
        for (size_t i = 0; i < got && seen < 5; i++) CHECK_STR(page[i], expect[seen++]);
        tz_strv_free(page, got);
        free(cursor);
        cursor = next;
    } while (cursor && ++pages < 10);
    CHECK_INT(seen, 5);
    /* one subject's tokens one a page */
    seen = 0;
    cursor = NULL;
    static const char *const expect_u1[] = {"t6", "t2", "t1"};
    do {
        char **page = NULL;
        size_t got = 0;
        next = NULL;
        CHECK(tz_store_named_list(s, &u1, 1, cursor, &page, &got, &next) == NULL);
        for (size_t i = 0; i < got && seen < 3; i++) CHECK_STR(page[i], expect_u1[seen++]);
        tz_strv_free(page, got);
        free(cursor);
        cursor = next;
    } while (cursor && ++pages < 20);
    CHECK_INT(seen, 3);
    tz_subject unknown = subj(TZ_SUBJ_USER, "nobody-here");
    CHECK_INT(count_list(s, &unknown), 0);

    CHECK(tz_store_named_delete(s, "t2") == NULL);
    CHECK_INT(err_id(tz_store_named_delete(s, "t2")), TZE_STORE_NOT_FOUND);
    CHECK_INT(err_id(tz_store_named_get(s, "t2", &r)), TZE_STORE_NOT_FOUND);
    CHECK(tz_store_named_delete_all(s, &u1) == NULL);
    CHECK_INT(count_list(s, &u1), 0);
    CHECK_INT(count_list(s, &p1), 1);
    CHECK(tz_store_named_delete_all(s, &u1) == NULL);  /* nothing left: still fine */

    /* subjects other than user/provider are refused (and logged) */
    log_capture lc = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    tz_store_set_logger(s, capture_log, &lc);
    tz_subject nobody = {TZ_SUBJ_NOBODY, TZ_PSUB_NONE, NULL};
    CHECK_INT(err_id(tz_store_named_list(s, &nobody, 10, NULL, &ids, &n, &next)), TZE_INTERNAL);
    CHECK_INT(err_id(add_token(s, "t9", "x", TZ_SUBJ_GROUP, "g")), TZE_INTERNAL);
    CHECK_INT(lc.lines, 2);
    CHECK(strstr(lc.last, "named_create") != NULL);
    CHECK(strstr(lc.last, "0123456789abcdef") == NULL);  /* never the secret */
    tz_store_close(s);
}

/* ---------------- temporary-token secrets ---------------- */

static void test_temp_secrets(void) {
    tz_store *s = open_store("temp");
    if (!s) return;
    tz_subject u = subj(TZ_SUBJ_USER, "x"), p = subj(TZ_SUBJ_PROVIDER, "x");
    char s1[TZ_SECRET_HEX_LEN + 1], s2[TZ_SECRET_HEX_LEN + 1], s3[TZ_SECRET_HEX_LEN + 1];
    int64_t gen = 0;
    /* created lazily with generation 1, for any subject id */
    CHECK(tz_store_temp_secret_get(s, &u, s1, &gen) == NULL);
    CHECK_INT(gen, 1);
    CHECK(is_hex(s1, TZ_SECRET_HEX_LEN));
    CHECK(tz_store_temp_secret_get(s, &u, s2, &gen) == NULL);
    CHECK_INT(gen, 1);
    CHECK_STR(s1, s2);
    /* bump: new secret, generation + 1 */
    CHECK(tz_store_temp_secret_bump(s, &u) == NULL);
    CHECK(tz_store_temp_secret_get(s, &u, s2, &gen) == NULL);
    CHECK_INT(gen, 2);
    CHECK(strcmp(s1, s2) != 0);
    CHECK(tz_store_temp_secret_bump(s, &u) == NULL);
    CHECK(tz_store_temp_secret_get(s, &u, s2, &gen) == NULL);
    CHECK_INT(gen, 3);
    /* bump of an absent record creates generation 1; the provider with the same id is separate */
    CHECK(tz_store_temp_secret_bump(s, &p) == NULL);
    CHECK(tz_store_temp_secret_get(s, &p, s3, &gen) == NULL);
    CHECK_INT(gen, 1);
    CHECK(strcmp(s3, s2) != 0);

    log_capture lc = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    tz_store_set_logger(s, capture_log, &lc);
    tz_subject g = subj(TZ_SUBJ_GROUP, "x");
    CHECK_INT(err_id(tz_store_temp_secret_get(s, &g, s3, &gen)), TZE_INTERNAL);
    CHECK_INT(err_id(tz_store_temp_secret_bump(s, &g)), TZE_INTERNAL);
    CHECK_INT(lc.lines, 2);
    tz_store_close(s);
}

/* ---------------- cascades ---------------- */

static void test_user_delete_cascades(void) {
    tz_store *s = open_store("cascade-user");
    if (!s) return;
    tz_subject u = subj(TZ_SUBJ_USER, "u1"), other = subj(TZ_SUBJ_USER, "u2");
    CHECK(add_user(s, "u1", "alice") == NULL);
    CHECK(add_user(s, "u2", "bob") == NULL);
    CHECK(tz_store_entity_create(s, TZ_ENT_SPACE, "s1", "S") == NULL);
    CHECK(tz_store_entity_create(s, TZ_ENT_GROUP, "g1", "G") == NULL);
    const char *privs[] = {"space_view"};
    CHECK(tz_store_member_add_user(s, TZ_ENT_SPACE, "s1", "u1", privs, 1) == NULL);
    CHECK(tz_store_member_add_user(s, TZ_ENT_GROUP, "g1", "u1", NULL, 0) == NULL);
    CHECK(tz_store_member_add_user(s, TZ_ENT_SPACE, "s1", "u2", privs, 1) == NULL);
    const char *oz[] = {"oz_tokens_manage"};
    CHECK(tz_store_user_set_oz_privileges(s, "u1", oz, 1, true) == NULL);
    CHECK(add_token(s, "t1", "a", TZ_SUBJ_USER, "u1") == NULL);
    CHECK(add_token(s, "t2", "b", TZ_SUBJ_USER, "u1") == NULL);
    CHECK(add_token(s, "t3", "a", TZ_SUBJ_USER, "u2") == NULL);
    CHECK(add_token(s, "t4", "a", TZ_SUBJ_PROVIDER, "u1") == NULL);  /* not the user's */
    char sec1[TZ_SECRET_HEX_LEN + 1], sec2[TZ_SECRET_HEX_LEN + 1];
    int64_t gen = 0;
    CHECK(tz_store_temp_secret_bump(s, &u) == NULL);
    CHECK(tz_store_temp_secret_bump(s, &u) == NULL);
    CHECK(tz_store_temp_secret_get(s, &u, sec1, &gen) == NULL);
    CHECK_INT(gen, 2);

    CHECK(tz_store_user_delete(s, "u1") == NULL);
    CHECK_INT(err_id(tz_store_user_delete(s, "u1")), TZE_STORE_NOT_FOUND);
    tz_user_rec rec;
    CHECK_INT(err_id(tz_store_user_get(s, "u1", &rec)), TZE_STORE_NOT_FOUND);
    CHECK_INT(count_list(s, &u), 0);
    CHECK_INT(count_list(s, &other), 1);
    tz_subject pu1 = subj(TZ_SUBJ_PROVIDER, "u1");
    CHECK_INT(count_list(s, &pu1), 1);
    bool b = true;
    CHECK(tz_store_user_is_member(s, TZ_ENT_SPACE, "s1", "u1", &b) == NULL);
    CHECK(!b);
    CHECK(tz_store_user_is_member(s, TZ_ENT_GROUP, "g1", "u1", &b) == NULL);
    CHECK(!b);
    CHECK(tz_store_user_is_member(s, TZ_ENT_SPACE, "s1", "u2", &b) == NULL);
    CHECK(b);
    CHECK(tz_store_user_has_oz_privilege(s, "u1", "oz_tokens_manage", &b) == NULL);
    CHECK(!b);
    /* the temporary secret is gone: the next read starts over at generation 1 */
    CHECK(tz_store_temp_secret_get(s, &u, sec2, &gen) == NULL);
    CHECK_INT(gen, 1);
    CHECK(strcmp(sec1, sec2) != 0);
    /* a new user with the same username is possible again */
    CHECK(add_user(s, "u9", "alice") == NULL);
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(s);
}

static void test_provider_delete_cascades(void) {
    tz_store *s = open_store("cascade-provider");
    if (!s) return;
    tz_subject p = subj(TZ_SUBJ_PROVIDER, "p1");
    CHECK(add_user(s, "u1", "alice") == NULL);
    CHECK(add_provider(s, "p1", "P1") == NULL);
    CHECK(add_provider(s, "p2", "P2") == NULL);
    CHECK(tz_store_entity_create(s, TZ_ENT_SPACE, "s1", "S") == NULL);
    CHECK(tz_store_entity_create(s, TZ_ENT_GROUP, "g1", "G") == NULL);
    const char *cl[] = {"cluster_update"};
    CHECK(tz_store_member_add_user(s, TZ_ENT_CLUSTER, "p1", "u1", cl, 1) == NULL);
    CHECK(tz_store_member_add_group(s, TZ_ENT_CLUSTER, "p1", "g1", cl, 1) == NULL);
    CHECK(tz_store_member_add_user(s, TZ_ENT_SPACE, "s1", "u1", NULL, 0) == NULL);
    CHECK(tz_store_space_add_support(s, "s1", "p1") == NULL);
    CHECK(tz_store_space_add_support(s, "s1", "p2") == NULL);
    CHECK(add_token(s, "root1", "root token", TZ_SUBJ_PROVIDER, "p1") == NULL);
    CHECK(add_token(s, "root2", "root token", TZ_SUBJ_PROVIDER, "p2") == NULL);
    CHECK(tz_store_temp_secret_bump(s, &p) == NULL);
    CHECK(tz_store_temp_secret_bump(s, &p) == NULL);

    CHECK(tz_store_provider_delete(s, "p1") == NULL);
    tz_provider_rec rec;
    CHECK_INT(err_id(tz_store_provider_get(s, "p1", &rec)), TZE_STORE_NOT_FOUND);
    bool b = true;
    CHECK(tz_store_entity_exists(s, TZ_ENT_CLUSTER, "p1", &b) == NULL);
    CHECK(!b);
    CHECK(tz_store_user_is_member(s, TZ_ENT_CLUSTER, "p1", "u1", &b) == NULL);
    CHECK(!b);
    CHECK(tz_store_provider_supports_user(s, "p1", "u1", &b) == NULL);
    CHECK(!b);
    CHECK(tz_store_provider_supports_user(s, "p2", "u1", &b) == NULL);
    CHECK(b);
    char **ids = NULL;
    size_t n = 0;
    CHECK(tz_store_space_providers(s, "s1", &ids, &n) == NULL);
    CHECK_INT(n, 1);
    if (n == 1) CHECK_STR(ids[0], "p2");
    tz_strv_free(ids, n);
    CHECK_INT(count_list(s, &p), 0);
    tz_named_token_rec r;
    CHECK_INT(err_id(tz_store_named_get(s, "root1", &r)), TZE_STORE_NOT_FOUND);
    CHECK(tz_store_named_get(s, "root2", &r) == NULL);
    tz_named_token_rec_clear(&r);
    char sec[TZ_SECRET_HEX_LEN + 1];
    int64_t gen = 0;
    CHECK(tz_store_temp_secret_get(s, &p, sec, &gen) == NULL);
    CHECK_INT(gen, 1);
    /* the id can be registered again, with a fresh cluster */
    CHECK(add_provider(s, "p1", "P1 again") == NULL);
    CHECK(tz_store_user_is_member(s, TZ_ENT_CLUSTER, "p1", "u1", &b) == NULL);
    CHECK(!b);
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(s);
}

/* ---------------- durability, versions ---------------- */

static void test_durable_across_reopen(void) {
    tz_store *s = open_store("durable");
    if (!s) return;
    tz_subject u = subj(TZ_SUBJ_USER, "u1");
    CHECK(add_user(s, "u1", "alice") == NULL);
    CHECK(add_token(s, "t1", "a", TZ_SUBJ_USER, "u1") == NULL);
    CHECK(tz_store_temp_secret_bump(s, &u) == NULL);
    CHECK(tz_store_temp_secret_bump(s, &u) == NULL);
    char before[TZ_SECRET_HEX_LEN + 1], after[TZ_SECRET_HEX_LEN + 1];
    int64_t gen = 0;
    CHECK(tz_store_temp_secret_get(s, &u, before, &gen) == NULL);
    tz_store_close(s);

    s = open_store("durable");
    if (!s) return;
    tz_user_rec rec;
    CHECK(tz_store_user_get(s, "u1", &rec) == NULL);
    tz_user_rec_clear(&rec);
    CHECK_INT(count_list(s, &u), 1);
    CHECK(tz_store_temp_secret_get(s, &u, after, &gen) == NULL);
    CHECK_INT(gen, 2);
    CHECK_STR(before, after);
    bool b = false;
    CHECK(tz_store_entity_exists(s, TZ_ENT_CLUSTER, "onezone", &b) == NULL);
    CHECK(b);
    tz_store_close(s);
}

static int set_pragma(const char *dir, const char *sql) {
    char path[600];
    snprintf(path, sizeof path, "%s/tokenzone.db", dir);
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static void test_schema_version_checks(void) {
    char dir[512], buf[2048];
    data_dir(dir, sizeof dir, "version");
    tz_store *s = open_store("version");
    if (!s) return;
    tz_store_close(s);
    /* a database from a newer release is refused with a clear message */
    CHECK_INT(set_pragma(dir, "PRAGMA user_version=999"), SQLITE_OK);
    CHECK_INT(open_capturing_stderr(dir, buf, sizeof buf), TZE_INTERNAL);
    CHECK(strstr(buf, "schema version 999") != NULL);
    CHECK(strstr(buf, "newer") != NULL);
    /* reopening the current version works again */
    CHECK_INT(set_pragma(dir, "PRAGMA user_version=1"), SQLITE_OK);
    CHECK_INT(open_capturing_stderr(dir, buf, sizeof buf), -1);
    /* a SQLite file of another application is refused */
    CHECK_INT(set_pragma(dir, "PRAGMA application_id=42"), SQLITE_OK);
    CHECK_INT(open_capturing_stderr(dir, buf, sizeof buf), TZE_INTERNAL);
    CHECK(strstr(buf, "not a tokenzone database") != NULL);
    /* a file that is not a database at all */
    char path[600];
    data_dir(dir, sizeof dir, "garbage");
    CHECK(mkdir(dir, 0700) == 0);
    snprintf(path, sizeof path, "%s/tokenzone.db", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("this is not a database, just some text that is long enough to look like one....."
              "................................................................................",
              f);
        fclose(f);
    }
    CHECK_INT(open_capturing_stderr(dir, buf, sizeof buf), TZE_INTERNAL);
}

/* A write is on disk when the call returns: a process that dies right after (without closing the
 * store, no atexit, no checkpoint) loses nothing. */
static void test_write_survives_process_death(void) {
    char dir[512];
    data_dir(dir, sizeof dir, "crash");
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        tz_store *s = NULL;
        if (tz_store_open(dir, NULL, &s) != NULL) _exit(3);
        tz_subject u = subj(TZ_SUBJ_USER, "u1");
        if (add_user(s, "u1", "alice") != NULL) _exit(4);
        if (add_token(s, "t1", "a", TZ_SUBJ_USER, "u1") != NULL) _exit(5);
        if (tz_store_temp_secret_bump(s, &u) != NULL) _exit(6);
        if (tz_store_temp_secret_bump(s, &u) != NULL) _exit(7);
        _exit(0);  /* no tz_store_close */
    }
    int status = -1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    tz_store *s = open_store("crash");
    if (!s) return;
    tz_named_token_rec r;
    CHECK(tz_store_named_get(s, "t1", &r) == NULL);
    tz_named_token_rec_clear(&r);
    tz_subject u = subj(TZ_SUBJ_USER, "u1");
    char sec[TZ_SECRET_HEX_LEN + 1];
    int64_t gen = 0;
    CHECK(tz_store_temp_secret_get(s, &u, sec, &gen) == NULL);
    CHECK_INT(gen, 2);
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(s);
}

static void test_integrity_check_reports_damage(void) {
    char dir[512];
    data_dir(dir, sizeof dir, "damaged");
    tz_store *s = open_store("damaged");
    if (!s) return;
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(s);
    /* a membership of a user that does not exist, written behind the store's back */
    CHECK_INT(set_pragma(dir, "PRAGMA foreign_keys=OFF;"
                              "INSERT INTO user_members VALUES ('space', 'nope', 'ghost');"),
              SQLITE_OK);
    s = open_store("damaged");
    if (!s) return;
    log_capture lc = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    tz_store_set_logger(s, capture_log, &lc);
    CHECK_INT(err_id(tz_store_check_integrity(s)), TZE_INTERNAL);
    CHECK(lc.lines >= 1);
    CHECK(strstr(lc.last, "user_members") != NULL);
    tz_store_close(s);
}

/* ---------------- concurrency ---------------- */

#define N_THREADS 8
#define N_PER_THREAD 40

typedef struct worker_arg {
    tz_store *s;
    int index;
    int failures;
} worker_arg;

static void *worker(void *p) {
    worker_arg *a = p;
    tz_subject u = subj(TZ_SUBJ_USER, "shared");
    for (int i = 0; i < N_PER_THREAD; i++) {
        char id[64], name[64], sec[TZ_SECRET_HEX_LEN + 1];
        snprintf(id, sizeof id, "w%d-%d", a->index, i);
        snprintf(name, sizeof name, "token %03d of %d", i, a->index);
        tz_named_token_rec r;
        int64_t gen = 0;
        if (add_token(a->s, id, name, TZ_SUBJ_USER, "shared") != NULL) a->failures++;
        if (tz_store_named_get(a->s, id, &r) != NULL) a->failures++;
        else tz_named_token_rec_clear(&r);
        if (tz_store_temp_secret_get(a->s, &u, sec, &gen) != NULL || gen < 1) a->failures++;
        if (i % 10 == 0 && tz_store_temp_secret_bump(a->s, &u) != NULL) a->failures++;
        /* everyone races for the same name: exactly one wins */
        tz_error *err = add_token(a->s, id[0] == 'w' ? "x" : "y", "contested", TZ_SUBJ_USER,
                                  "shared");
        (void)err;
        tz_err_free(err);
    }
    return NULL;
}

static void test_subject_state(void) {
    tz_store *s = open_store("subject-state");
    if (!s) return;
    CHECK(add_user(s, "u1", "alice") == NULL);
    CHECK(add_provider(s, "p1", "Provider One") == NULL);
    bool exists = false, blocked = true;
    tz_subject user = {TZ_SUBJ_USER, TZ_PSUB_NONE, "u1"}, provider = {TZ_SUBJ_PROVIDER, TZ_PSUB_NONE, "p1"};
    tz_subject ghost = {TZ_SUBJ_USER, TZ_PSUB_NONE, "p1"}, nobody = {TZ_SUBJ_NOBODY, TZ_PSUB_NONE, NULL};
    CHECK(tz_store_subject_state(s, &user, &exists, &blocked) == NULL);
    CHECK(exists && !blocked);
    CHECK(tz_store_user_set_blocked(s, "u1", true) == NULL);
    CHECK(tz_store_subject_state(s, &user, &exists, &blocked) == NULL);
    CHECK(exists && blocked);
    CHECK(tz_store_subject_state(s, &provider, &exists, &blocked) == NULL);
    CHECK(exists && !blocked);
    /* a provider id is no user id, and an unknown subject is an answer, not an error */
    CHECK(tz_store_subject_state(s, &ghost, &exists, &blocked) == NULL);
    CHECK(!exists && !blocked);
    CHECK_INT(err_id(tz_store_subject_state(s, &nobody, &exists, &blocked)), TZE_INTERNAL);
    CHECK(!exists);
    tz_store_close(s);
}

static void test_concurrent_use(void) {
    tz_store *s = open_store("concurrent");
    /* a second handle on the same directory plays the admin tool writing meanwhile */
    tz_store *admin = open_store("concurrent");
    if (!s || !admin) {
        tz_store_close(s);
        tz_store_close(admin);
        return;
    }
    pthread_t th[N_THREADS];
    worker_arg args[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        args[i] = (worker_arg){i % 2 ? s : admin, i, 0};
        CHECK(pthread_create(&th[i], NULL, worker, &args[i]) == 0);
    }
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(args[i].failures, 0);
    }
    tz_subject u = subj(TZ_SUBJ_USER, "shared");
    CHECK_INT(count_list(s, &u), N_THREADS * N_PER_THREAD + 1);
    CHECK_INT(count_list(admin, &u), N_THREADS * N_PER_THREAD + 1);
    char sec[TZ_SECRET_HEX_LEN + 1];
    int64_t gen = 0;
    CHECK(tz_store_temp_secret_get(s, &u, sec, &gen) == NULL);
    /* the first bump may have created the record (generation 1) instead of incrementing it */
    int bumps = N_THREADS * ((N_PER_THREAD + 9) / 10);
    CHECK(gen == bumps || gen == bumps + 1);
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(admin);
    tz_store_close(s);
}

int main(void) {
    make_base();
    RUN(test_open_creates_private_files);
    RUN(test_open_errors);
    RUN(test_random_ids);
    RUN(test_users);
    RUN(test_providers);
    RUN(test_entities_and_memberships);
    RUN(test_named_tokens);
    RUN(test_temp_secrets);
    RUN(test_user_delete_cascades);
    RUN(test_provider_delete_cascades);
    RUN(test_durable_across_reopen);
    RUN(test_schema_version_checks);
    RUN(test_write_survives_process_death);
    RUN(test_integrity_check_reports_damage);
    RUN(test_subject_state);
    RUN(test_concurrent_use);
    remove_base();
    return TEST_REPORT();
}
