/* Unit tests of the store operations added with the backend interface: admin bootstrap
 * (user_ensure), provider registration in one transaction, the one-read verification states,
 * compare-and-set metadata, paging of every list, the copy primitives, the neutral errors,
 * store locations and their redaction, the introspection clients, the directory (nested groups,
 * cycles, supports), invite consumption counted with the join and the directory export of
 * `store copy` (store_dir_export_cases.h). Written against store.h only, so that they hold for
 * every backend; they run on SQLite here. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "store/store.h"

static char base_dir[256];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static tz_store *open_named(const char *name) {
    char loc[600];
    snprintf(loc, sizeof loc, "sqlite:%s/%s", base_dir, name);
    tz_store *s = NULL;
    tz_error *e = tz_store_open(loc, NULL, &s);
    CHECK(e == NULL);
    tz_err_free(e);
    return s;
}

static tz_err_id err_id(tz_error *e) {
    tz_err_id id = e ? e->id : (tz_err_id)-1;
    tz_err_free(e);
    return id;
}

static const char *conflict_key(tz_error *e, char *buf, size_t cap) {
    buf[0] = '\0';
    if (e && e->id == TZE_STORE_CONFLICT) {
        const char *k = json_string_value(json_object_get(e->details, "key"));
        snprintf(buf, cap, "%s", k ? k : "");
    }
    tz_err_free(e);
    return buf;
}

static tz_user_rec user(const char *id, const char *name) {
    tz_user_rec u = {0};
    u.id = (char *)id;
    u.username = (char *)name;
    u.full_name = (char *)name;
    u.creation_time = 1;
    return u;
}

static tz_named_token_rec named(const char *id, const char *name, tz_subject_kind kind, const char *sid) {
    tz_named_token_rec r = {0};
    r.id = (char *)id;
    r.name = (char *)name;
    r.subject.kind = kind;
    r.subject.subtype = TZ_PSUB_NONE;
    r.subject.id = (char *)sid;
    r.token = (char *)"serialized";
    r.secret = (char *)"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    r.metadata_json = (char *)"{\"creationTime\":1,\"custom\":{}}";
    return r;
}

static void test_locations(void) {
    char *r = tz_store_location_redacted("postgresql://tz:s3cret@db.example:5432/tz?sslmode=require");
    CHECK_STR(r, "postgresql://tz:***@db.example:5432/tz?sslmode=require");
    free(r);
    r = tz_store_location_redacted("postgres://db/tz?user=a&password=s3cret&sslmode=disable");
    CHECK_STR(r, "postgres://db/tz?user=a&password=***&sslmode=disable");
    free(r);
    r = tz_store_location_redacted("postgresql://tz@db/tz");
    CHECK_STR(r, "postgresql://tz@db/tz");
    free(r);
    r = tz_store_location_redacted("sqlite:/var/lib/tokenzone");
    CHECK_STR(r, "sqlite:/var/lib/tokenzone");
    free(r);
    CHECK_STR(tz_store_location_backend("sqlite:/x"), "sqlite");
    CHECK_STR(tz_store_location_backend("/plain/dir"), "sqlite");
    CHECK_STR(tz_store_location_backend("postgres://h/d"), "postgresql");
    CHECK_STR(tz_store_location_backend("postgresql://h/d"), "postgresql");
    CHECK(tz_store_location_backend("mysql://h/d") == NULL);
    /* a PostgreSQL location is refused clearly when that backend is not linked in; never a crash */
    tz_store *s = NULL;
    tz_store_open_opts opts = {0};
    tz_error *e = tz_store_open("mysql://h/d", &opts, &s);
    CHECK(e != NULL && s == NULL);
    tz_err_free(e);
}

static void test_user_ensure(void) {
    tz_store *s = open_named("ensure");
    char *privs[] = {(char *)"oz_tokens_manage"};
    tz_user_rec a = user("id-a", "admin");
    a.oz_privileges = privs;
    a.n_oz_privileges = 1;
    bool created = false;
    CHECK(tz_store_user_ensure(s, &a, &created) == NULL);
    CHECK(created);
    tz_user_rec b = user("id-b", "admin");
    CHECK(tz_store_user_ensure(s, &b, &created) == NULL);
    CHECK(!created);
    tz_user_rec got = {0};
    CHECK(tz_store_user_get_by_username(s, "admin", &got) == NULL);
    CHECK_STR(got.id, "id-a");
    CHECK_INT(got.n_oz_privileges, 1);
    tz_user_rec_clear(&got);
    char key[32];
    tz_user_rec c = user("id-c", "admin");
    CHECK_STR(conflict_key(tz_store_user_create(s, &c), key, sizeof key), "username");
    tz_user_rec d = user("id-a", "other");
    CHECK_STR(conflict_key(tz_store_user_create(s, &d), key, sizeof key), "id");
    tz_store_close(s);
}

static void test_provider_register_is_one_transaction(void) {
    tz_store *s = open_named("register");
    tz_user_rec u = user("u1", "owner");
    CHECK(tz_store_user_create(s, &u) == NULL);
    const char *privs[] = {"cluster_update", "cluster_view"};
    tz_provider_rec p = {(char *)"p1", (char *)"Prov", NULL, 5};
    tz_named_token_rec root = named("root1", "root token", TZ_SUBJ_PROVIDER, "p1");
    /* unknown admin: nothing at all is written */
    CHECK_INT(err_id(tz_store_provider_register(s, &p, "nobody", privs, 2, &root)), TZE_STORE_NOT_FOUND);
    tz_provider_rec got = {0};
    CHECK_INT(err_id(tz_store_provider_get(s, "p1", &got)), TZE_STORE_NOT_FOUND);
    bool b = true;
    CHECK(tz_store_entity_exists(s, TZ_ENT_CLUSTER, "p1", &b) == NULL);
    CHECK(!b);
    tz_named_token_rec nr = {0};
    CHECK_INT(err_id(tz_store_named_get(s, "root1", &nr)), TZE_STORE_NOT_FOUND);
    /* a root token id already used: also all or nothing */
    tz_named_token_rec other = named("root1", "x", TZ_SUBJ_USER, "u1");
    CHECK(tz_store_named_create(s, &other) == NULL);
    char key[32];
    CHECK_STR(conflict_key(tz_store_provider_register(s, &p, "u1", privs, 2, &root), key, sizeof key), "id");
    CHECK_INT(err_id(tz_store_provider_get(s, "p1", &got)), TZE_STORE_NOT_FOUND);
    CHECK(tz_store_named_delete(s, "root1") == NULL);
    /* and the whole of it */
    CHECK(tz_store_provider_register(s, &p, "u1", privs, 2, &root) == NULL);
    CHECK(tz_store_provider_get(s, "p1", &got) == NULL);
    tz_provider_rec_clear(&got);
    CHECK(tz_store_user_has_privilege(s, TZ_ENT_CLUSTER, "p1", "u1", "cluster_update", &b) == NULL);
    CHECK(b);
    CHECK(tz_store_named_get(s, "root1", &nr) == NULL);
    tz_named_token_rec_clear(&nr);
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(s);
}

static void test_entity_with_owner_is_one_transaction(void) {
    tz_store *s = open_named("owned");
    tz_user_rec u = user("u1", "owner");
    CHECK(tz_store_user_create(s, &u) == NULL);
    const char *privs[] = {"group_view"};
    CHECK_INT(err_id(tz_store_entity_create_owned(s, TZ_ENT_GROUP, "g1", "G", "nobody", privs, 1)),
              TZE_STORE_NOT_FOUND);
    bool b = true;
    CHECK(tz_store_entity_exists(s, TZ_ENT_GROUP, "g1", &b) == NULL);
    CHECK(!b);
    CHECK(tz_store_entity_create_owned(s, TZ_ENT_GROUP, "g1", "G", "u1", privs, 1) == NULL);
    CHECK(tz_store_user_has_privilege(s, TZ_ENT_GROUP, "g1", "u1", "group_view", &b) == NULL);
    CHECK(b);
    char key[32];
    CHECK_STR(conflict_key(tz_store_entity_create_owned(s, TZ_ENT_GROUP, "g1", "G", "u1", privs, 1), key,
                           sizeof key),
              "id");
    tz_store_close(s);
}

static void test_verify_states(void) {
    tz_store *s = open_named("verify");
    tz_user_rec u = user("u1", "alice");
    CHECK(tz_store_user_create(s, &u) == NULL);
    tz_named_token_rec t = named("t1", "n", TZ_SUBJ_USER, "u1");
    CHECK(tz_store_named_create(s, &t) == NULL);
    tz_named_token_rec orphan = named("t2", "n", TZ_SUBJ_USER, "gone");
    CHECK(tz_store_named_create(s, &orphan) == NULL);
    tz_named_token_rec rec = {0};
    bool exists = false, blocked = true;
    CHECK(tz_store_named_verify_state(s, "t1", &rec, &exists, &blocked) == NULL);
    CHECK(exists && !blocked);
    CHECK_STR(rec.secret, t.secret);
    tz_named_token_rec_clear(&rec);
    CHECK(tz_store_user_set_blocked(s, "u1", true) == NULL);
    CHECK(tz_store_named_verify_state(s, "t1", &rec, &exists, &blocked) == NULL);
    CHECK(exists && blocked);
    tz_named_token_rec_clear(&rec);
    CHECK(tz_store_named_verify_state(s, "t2", &rec, &exists, &blocked) == NULL);
    CHECK(!exists && !blocked);
    tz_named_token_rec_clear(&rec);
    CHECK_INT(err_id(tz_store_named_verify_state(s, "nope", &rec, &exists, &blocked)), TZE_STORE_NOT_FOUND);

    tz_subject su = {TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)"u1"};
    char secret[TZ_STORED_SECRET_MAX + 1];
    int64_t gen = -1;
    bool has = true;
    /* verification never creates a secret */
    CHECK(tz_store_temp_verify_state(s, &su, secret, &gen, &has, &exists, &blocked) == NULL);
    CHECK(!has && exists && blocked);
    CHECK(tz_store_temp_secret_bump(s, &su) == NULL);
    CHECK(tz_store_temp_secret_bump(s, &su) == NULL);
    CHECK(tz_store_temp_verify_state(s, &su, secret, &gen, &has, &exists, &blocked) == NULL);
    CHECK(has);
    CHECK_INT(gen, 2);
    char secret2[TZ_SECRET_HEX_LEN + 1];
    int64_t gen2 = 0;
    CHECK(tz_store_temp_secret_get(s, &su, secret2, &gen2) == NULL);
    CHECK_STR(secret, secret2);
    CHECK_INT(gen2, 2);
    tz_subject sp = {TZ_SUBJ_PROVIDER, TZ_PSUB_NONE, (char *)"nope"};
    CHECK(tz_store_temp_verify_state(s, &sp, secret, &gen, &has, &exists, &blocked) == NULL);
    CHECK(!has && !exists);
    tz_store_close(s);
}

/* named_verify_state_and_get: the verification read of one token and the row of another from one
 * statement; only a missing first token is NOT_FOUND. */
static void test_verify_state_and_get(void) {
    tz_store *s = open_named("verifyget");
    tz_user_rec u = user("u1", "alice");
    CHECK(tz_store_user_create(s, &u) == NULL);
    tz_named_token_rec t1 = named("t1", "one", TZ_SUBJ_USER, "u1");
    tz_named_token_rec t2 = named("t2", "two", TZ_SUBJ_USER, "u1");
    tz_named_token_rec orphan = named("t3", "n", TZ_SUBJ_USER, "gone");
    CHECK(tz_store_named_create(s, &t1) == NULL);
    CHECK(tz_store_named_create(s, &t2) == NULL);
    CHECK(tz_store_named_create(s, &orphan) == NULL);
    CHECK(tz_store_named_update(s, "t2", NULL, NULL, 1, NULL) == NULL);
    tz_named_token_rec rec = {0}, other = {0};
    bool exists = false, blocked = true, found = false;
    CHECK(tz_store_named_verify_state_and_get(s, "t1", &rec, &exists, &blocked, "t2", &other, &found) == NULL);
    CHECK(exists && !blocked && found);
    CHECK_STR(rec.id, "t1");
    CHECK_STR(rec.secret, t1.secret);
    CHECK(!rec.revoked);
    CHECK_STR(other.id, "t2");
    CHECK_STR(other.name, "two");
    CHECK_STR(other.subject.id, "u1");
    CHECK_STR(other.secret, t2.secret);
    CHECK(other.revoked);
    tz_named_token_rec_clear(&rec);
    tz_named_token_rec_clear(&other);
    /* the same token twice */
    CHECK(tz_store_named_verify_state_and_get(s, "t1", &rec, &exists, &blocked, "t1", &other, &found) == NULL);
    CHECK(found);
    CHECK_STR(rec.id, "t1");
    CHECK_STR(other.id, "t1");
    tz_named_token_rec_clear(&rec);
    tz_named_token_rec_clear(&other);
    /* a missing second token is not an error; a blocked user and a vanished subject show */
    CHECK(tz_store_user_set_blocked(s, "u1", true) == NULL);
    CHECK(tz_store_named_verify_state_and_get(s, "t1", &rec, &exists, &blocked, "nope", &other, &found) == NULL);
    CHECK(exists && blocked && !found);
    CHECK(other.id == NULL);
    tz_named_token_rec_clear(&rec);
    CHECK(tz_store_named_verify_state_and_get(s, "t3", &rec, &exists, &blocked, "t1", &other, &found) == NULL);
    CHECK(!exists && !blocked && found);
    tz_named_token_rec_clear(&rec);
    tz_named_token_rec_clear(&other);
    /* a second id no row can hold (not UTF-8) reads like a missing one */
    CHECK(tz_store_named_verify_state_and_get(s, "t1", &rec, &exists, &blocked, "\xff\xfe", &other, &found) == NULL);
    CHECK(!found);
    tz_named_token_rec_clear(&rec);
    /* only a missing first token is NOT_FOUND, and then nothing is returned */
    CHECK_INT(err_id(tz_store_named_verify_state_and_get(s, "nope", &rec, &exists, &blocked, "t1", &other, &found)),
              TZE_STORE_NOT_FOUND);
    CHECK(!found && rec.id == NULL && other.id == NULL);
    tz_store_close(s);
}

/* The verification reads with the username give what the reads without it give, plus the
 * subject's username (NULL for providers and missing users), from the same statement. */
static void test_verify_with_username(void) {
    tz_store *s = open_named("verifyuser");
    tz_user_rec u = user("u1", "alice");
    CHECK(tz_store_user_create(s, &u) == NULL);
    tz_provider_rec p = {(char *)"p1", (char *)"Prov", NULL, 1};
    CHECK(tz_store_provider_create(s, &p) == NULL);
    tz_named_token_rec t = named("t1", "n", TZ_SUBJ_USER, "u1");
    CHECK(tz_store_named_create(s, &t) == NULL);
    tz_named_token_rec orphan = named("t2", "n", TZ_SUBJ_USER, "gone");
    CHECK(tz_store_named_create(s, &orphan) == NULL);
    tz_named_token_rec pt = named("t3", "n", TZ_SUBJ_PROVIDER, "p1");
    CHECK(tz_store_named_create(s, &pt) == NULL);

    const char *ids[] = {"t1", "t2", "t3"};
    const char *want_user[] = {"alice", NULL, NULL};
    for (int round = 0; round < 2; round++) {
        if (round == 1) CHECK(tz_store_user_set_blocked(s, "u1", true) == NULL);
        for (size_t i = 0; i < 3; i++) {
            tz_named_token_rec a = {0}, b = {0};
            bool ea = false, ba = false, eb = true, bb = true;
            char *name = (char *)"sentinel";
            CHECK(tz_store_named_verify_state(s, ids[i], &a, &ea, &ba) == NULL);
            CHECK(tz_store_named_verify_user(s, ids[i], &b, &eb, &bb, &name) == NULL);
            CHECK(ea == eb && ba == bb);
            CHECK(ea == (i != 1));
            CHECK(bb == (round == 1 && i == 0));
            CHECK(a.secret && b.secret && !strcmp(a.secret, b.secret));
            CHECK(a.metadata_json && b.metadata_json && !strcmp(a.metadata_json, b.metadata_json));
            CHECK(b.subject.kind == (i == 2 ? TZ_SUBJ_PROVIDER : TZ_SUBJ_USER));
            CHECK(a.revoked == b.revoked);
            if (want_user[i]) CHECK_STR(name, want_user[i]);
            else CHECK(name == NULL);
            free(name);
            tz_named_token_rec_clear(&a);
            tz_named_token_rec_clear(&b);
        }
    }
    CHECK(tz_store_named_update(s, "t1", NULL, NULL, 1, NULL) == NULL);
    tz_named_token_rec rec = {0};
    bool exists = false, blocked = false;
    char *name = NULL;
    CHECK(tz_store_named_verify_user(s, "t1", &rec, &exists, &blocked, &name) == NULL);
    CHECK(rec.revoked && exists && blocked);
    CHECK_STR(name, "alice");
    free(name);
    tz_named_token_rec_clear(&rec);
    name = (char *)"sentinel";
    CHECK_INT(err_id(tz_store_named_verify_user(s, "nope", &rec, &exists, &blocked, &name)), TZE_STORE_NOT_FOUND);
    CHECK(name == NULL);

    /* temporary tokens: nothing is created by the read */
    tz_subject su = {TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)"u1"};
    char secret[TZ_STORED_SECRET_MAX + 1], plain[TZ_STORED_SECRET_MAX + 1];
    int64_t gen = -1, gen_plain = -1;
    bool has = true, has_plain = false;
    name = NULL;
    CHECK(tz_store_temp_verify_user(s, &su, secret, &gen, &has, &exists, &blocked, &name) == NULL);
    CHECK(!has && exists && blocked);
    CHECK_STR(name, "alice");
    free(name);
    CHECK(tz_store_temp_secret_bump(s, &su) == NULL);
    CHECK(tz_store_temp_secret_bump(s, &su) == NULL);
    CHECK(tz_store_user_set_blocked(s, "u1", false) == NULL);
    name = NULL;
    CHECK(tz_store_temp_verify_user(s, &su, secret, &gen, &has, &exists, &blocked, &name) == NULL);
    CHECK(tz_store_temp_verify_state(s, &su, plain, &gen_plain, &has_plain, &exists, &blocked) == NULL);
    CHECK(has && has_plain && exists && !blocked);
    CHECK_INT(gen, 2);
    CHECK_INT(gen_plain, 2);
    CHECK_STR(secret, plain);
    CHECK_STR(name, "alice");
    free(name);
    tz_subject sp = {TZ_SUBJ_PROVIDER, TZ_PSUB_NONE, (char *)"p1"};
    name = (char *)"sentinel";
    CHECK(tz_store_temp_verify_user(s, &sp, secret, &gen, &has, &exists, &blocked, &name) == NULL);
    CHECK(!has && exists && !blocked && name == NULL);
    tz_subject sg = {TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)"ghost"};
    name = (char *)"sentinel";
    CHECK(tz_store_temp_verify_user(s, &sg, secret, &gen, &has, &exists, &blocked, &name) == NULL);
    CHECK(!has && !exists && !blocked && name == NULL);
    tz_subject sx = {TZ_SUBJ_PROVIDER, TZ_PSUB_NONE, (char *)"nope"};
    CHECK(tz_store_temp_verify_user(s, &sx, secret, &gen, &has, &exists, &blocked, &name) == NULL);
    CHECK(!has && !exists && name == NULL);
    tz_store_close(s);
}

static void test_metadata_compare_and_set(void) {
    tz_store *s = open_named("cas");
    tz_named_token_rec t = named("t1", "n", TZ_SUBJ_USER, "u1");
    CHECK(tz_store_named_create(s, &t) == NULL);
    const char *seen = t.metadata_json;
    CHECK(tz_store_named_update(s, "t1", NULL, "{\"custom\":{\"a\":1}}", -1, seen) == NULL);
    /* a second writer that read the same old text loses, and changes nothing */
    char key[32];
    CHECK_STR(conflict_key(tz_store_named_update(s, "t1", "renamed", "{\"custom\":{\"b\":2}}", 1, seen), key,
                           sizeof key),
              "metadata");
    tz_named_token_rec rec = {0};
    CHECK(tz_store_named_get(s, "t1", &rec) == NULL);
    CHECK_STR(rec.metadata_json, "{\"custom\":{\"a\":1}}");
    CHECK_STR(rec.name, "n");
    CHECK(!rec.revoked);
    tz_named_token_rec_clear(&rec);
    CHECK_INT(err_id(tz_store_named_update(s, "nope", NULL, "{}", -1, "{}")), TZE_STORE_NOT_FOUND);
    tz_store_close(s);
}

static void test_paging_and_copy_primitives(void) {
    tz_store *s = open_named("pages");
    bool empty = false;
    CHECK(tz_store_is_empty(s, &empty) == NULL);
    CHECK(empty);
    char id[16], name[16];
    for (int i = 0; i < 7; i++) {
        snprintf(id, sizeof id, "u%d", i);
        snprintf(name, sizeof name, "n%d", 6 - i);   /* username order is the reverse of ids */
        tz_user_rec u = user(id, name);
        CHECK(tz_store_user_create(s, &u) == NULL);
        snprintf(id, sizeof id, "g%d", i);
        CHECK(tz_store_entity_create(s, TZ_ENT_GROUP, id, "G") == NULL);
        snprintf(id, sizeof id, "p%d", i);
        tz_provider_rec p = {id, (char *)"P", NULL, 1};
        CHECK(tz_store_provider_create(s, &p) == NULL);
    }
    CHECK(tz_store_is_empty(s, &empty) == NULL);
    CHECK(!empty);
    /* users by username, 3 a page */
    char *cursor = NULL;
    int seen = 0, pages = 0;
    do {
        tz_user_rec *page = NULL;
        size_t n = 0;
        char *next = NULL;
        CHECK(tz_store_user_list(s, 3, cursor, &page, &n, &next) == NULL);
        CHECK(n <= 3);
        for (size_t i = 0; i < n; i++, seen++) {
            snprintf(name, sizeof name, "n%d", seen);
            CHECK_STR(page[i].username, name);
        }
        tz_user_recs_free(page, n);
        free(cursor);
        cursor = next;
    } while (cursor && ++pages < 10);
    CHECK_INT(seen, 7);
    /* providers by id */
    seen = 0;
    do {
        tz_provider_rec *page = NULL;
        size_t n = 0;
        char *next = NULL;
        CHECK(tz_store_provider_list(s, 2, cursor, &page, &n, &next) == NULL);
        for (size_t i = 0; i < n; i++, seen++) {
            snprintf(id, sizeof id, "p%d", seen);
            CHECK_STR(page[i].id, id);
        }
        tz_provider_recs_free(page, n);
        free(cursor);
        cursor = next;
    } while (cursor && ++pages < 30);
    CHECK_INT(seen, 7);
    /* clusters: onezone and one per provider */
    seen = 0;
    do {
        tz_entity_rec *page = NULL;
        size_t n = 0;
        char *next = NULL;
        CHECK(tz_store_entity_list(s, TZ_ENT_CLUSTER, 4, cursor, &page, &n, &next) == NULL);
        seen += (int)n;
        tz_entity_recs_free(page, n);
        free(cursor);
        cursor = next;
    } while (cursor && ++pages < 50);
    CHECK_INT(seen, 8);
    /* members: users first, then groups, one a page */
    const char *privs[] = {"space_view"};
    CHECK(tz_store_entity_create(s, TZ_ENT_SPACE, "s1", "S") == NULL);
    CHECK(tz_store_member_add_user(s, TZ_ENT_SPACE, "s1", "u2", privs, 1) == NULL);
    CHECK(tz_store_member_add_user(s, TZ_ENT_SPACE, "s1", "u1", NULL, 0) == NULL);
    CHECK(tz_store_member_add_group(s, TZ_ENT_SPACE, "s1", "g3", privs, 1) == NULL);
    static const char *const expect[] = {"u1", "u2", "g3"};
    seen = 0;
    do {
        tz_member_rec *page = NULL;
        size_t n = 0;
        char *next = NULL;
        CHECK(tz_store_member_list(s, TZ_ENT_SPACE, "s1", 1, cursor, &page, &n, &next) == NULL);
        for (size_t i = 0; i < n && seen < 3; i++, seen++) {
            CHECK_STR(page[i].id, expect[seen]);
            CHECK_INT(page[i].kind, seen < 2 ? TZ_MEMBER_USER : TZ_MEMBER_GROUP);
            CHECK_INT(page[i].n_privileges, seen == 0 ? 0 : 1);
        }
        tz_member_recs_free(page, n);
        free(cursor);
        cursor = next;
    } while (cursor && ++pages < 60);
    CHECK_INT(seen, 3);
    /* temporary secrets: listed with their generation, written back as they are */
    tz_subject su = {TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)"u1"};
    CHECK(tz_store_temp_secret_bump(s, &su) == NULL);
    CHECK(tz_store_temp_secret_bump(s, &su) == NULL);
    tz_temp_secret_rec *recs = NULL;
    size_t n = 0;
    char *next = NULL;
    CHECK(tz_store_temp_secret_list(s, 10, NULL, &recs, &n, &next) == NULL);
    CHECK_INT(n, 1);
    CHECK(next == NULL);
    tz_store *t = open_named("pages-copy");
    if (n == 1) {
        CHECK_INT(recs[0].generation, 2);
        CHECK(tz_store_temp_secret_put(t, &recs[0]) == NULL);
        char key[32];
        CHECK_STR(conflict_key(tz_store_temp_secret_put(t, &recs[0]), key, sizeof key), "subject");
        char secret[TZ_SECRET_HEX_LEN + 1];
        int64_t gen = 0;
        CHECK(tz_store_temp_secret_get(t, &su, secret, &gen) == NULL);
        CHECK_INT(gen, 2);
        CHECK_STR(secret, recs[0].secret);
    }
    tz_temp_secret_recs_free(recs, n);
    /* a page limit of 0 and a malformed cursor are errors, not empty pages */
    tz_user_rec *none = NULL;
    CHECK_INT(err_id(tz_store_user_list(s, 0, NULL, &none, &n, &next)), TZE_INTERNAL);
    CHECK_INT(err_id(tz_store_user_list(s, 5, "not a cursor", &none, &n, &next)), TZE_INTERNAL);
    tz_store_close(t);
    tz_store_close(s);
}

/* ---------------- introspection clients and the directory (ops 2 and 3 of store_backend.h) */

static void test_clients(void) {
    tz_store *s = open_named("clients");
    if (!s) return;
    tz_oauth_client_rec a = {.id = "aa", .name = "first", .secret_hash = "h1", .allow_revoke = true,
                             .creation_time = 20};
    tz_oauth_client_rec b = {.id = "bb", .name = "second", .secret_hash = "h2", .creation_time = 10};
    CHECK(tz_store_client_create(s, &a) == NULL);
    bool empty = true;
    CHECK(tz_store_is_empty(s, &empty) == NULL && !empty);  /* a client alone is content */
    CHECK(tz_store_client_create(s, &b) == NULL);
    char key[32];
    CHECK_STR(conflict_key(tz_store_client_create(s, &a), key, sizeof key), "id");
    tz_oauth_client_rec r;
    CHECK(tz_store_client_get(s, "aa", &r) == NULL);
    CHECK_STR(r.name, "first");
    CHECK_STR(r.secret_hash, "h1");
    CHECK(r.allow_revoke);
    CHECK_INT(r.creation_time, 20);
    tz_oauth_client_rec_clear(&r);
    CHECK_INT(err_id(tz_store_client_get(s, "zz", &r)), TZE_STORE_NOT_FOUND);
    tz_oauth_client_rec *v = NULL;
    size_t n = 0;
    CHECK(tz_store_client_list(s, &v, &n) == NULL);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(v[0].id, "bb"); /* ordered by creation time */
        CHECK_STR(v[1].id, "aa");
        CHECK(!v[0].allow_revoke);
    }
    tz_oauth_client_recs_free(v, n);
    CHECK(tz_store_client_set_secret_hash(s, "bb", "h3") == NULL);
    CHECK(tz_store_client_get(s, "bb", &r) == NULL);
    CHECK_STR(r.secret_hash, "h3");
    tz_oauth_client_rec_clear(&r);
    CHECK_INT(err_id(tz_store_client_set_secret_hash(s, "zz", "h")), TZE_STORE_NOT_FOUND);
    CHECK(tz_store_client_delete(s, "aa") == NULL);
    CHECK_INT(err_id(tz_store_client_delete(s, "aa")), TZE_STORE_NOT_FOUND);
    CHECK(tz_store_client_list(s, &v, &n) == NULL);
    CHECK_INT(n, 1);
    tz_oauth_client_recs_free(v, n);
    /* a reopened store (another node) sees the same rows */
    tz_store *t = open_named("clients");
    if (t) {
        CHECK(tz_store_client_get(t, "bb", &r) == NULL);
        CHECK_STR(r.secret_hash, "h3");
        tz_oauth_client_rec_clear(&r);
        tz_store_close(t);
    }
    tz_store_close(s);
}

static void dir_user(tz_store *s, const char *id) {
    tz_user_rec u = user(id, id);
    CHECK(tz_store_user_create(s, &u) == NULL);
}

static const char *const DIR_ALL[] = {"group_add_user", "group_set_privileges", "group_view"};
static const char *const DIR_VIEW[] = {"group_view"};

/* Runs a join and returns its outcome (-1 when the store failed). */
static int dir_join(tz_store *s, const tz_dir_join *j) {
    tz_dir_outcome outcome = TZ_DIR_DONE;
    tz_error *e = tz_store_dir_join(s, j, &outcome);
    int r = e ? -1 : (int)outcome;
    tz_err_free(e);
    return r;
}

static int dir_usage(tz_store *s, const char *token_id) {
    tz_named_token_rec r = {0};
    CHECK(tz_store_named_get(s, token_id, &r) == NULL);
    json_t *m = json_loads(r.metadata_json ? r.metadata_json : "{}", 0, NULL);
    int n = (int)json_integer_value(json_object_get(m, "usageCount"));
    json_decref(m);
    tz_named_token_rec_clear(&r);
    return n;
}

static void dir_invite(tz_store *s, const char *id, const char *issuer, int limit) {
    char meta[160];
    snprintf(meta, sizeof meta, "{\"creationTime\":1,\"custom\":{},\"usageLimit\":%d,"
             "\"usageCount\":0,\"privileges\":[\"group_view\"]}", limit);
    tz_named_token_rec r = named(id, id, TZ_SUBJ_USER, issuer);
    r.metadata_json = meta;
    CHECK(tz_store_named_create(s, &r) == NULL);
}

static void test_directory_nested_groups(void) {
    tz_store *s = open_named("directory");
    if (!s) return;
    dir_user(s, "u1");
    dir_user(s, "u2");
    CHECK(tz_store_dir_create(s, TZ_DIR_GROUP, "top", "Top", "u1", DIR_ALL, 3) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_GROUP, "mid", "Mid", "u1", DIR_ALL, 3) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_HARVESTER, "h", "H", "u1", NULL, 0) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_ATM_INVENTORY, "i", "I", "u1", NULL, 0) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_SPACE, "sp", "Sp", "u1", NULL, 0) == NULL);
    char key[32];
    CHECK_STR(conflict_key(tz_store_dir_create(s, TZ_DIR_HARVESTER, "h", "again", "u1", NULL, 0),
                           key, sizeof key), "id");
    CHECK_INT(err_id(tz_store_dir_create(s, TZ_DIR_GROUP, "g9", "G9", "nobody", NULL, 0)),
              TZE_STORE_NOT_FOUND);
    char *name = NULL;
    CHECK(tz_store_dir_entity_name(s, TZ_DIR_HARVESTER, "h", &name) == NULL);
    CHECK_STR(name, "H");
    free(name);
    CHECK(tz_store_dir_entity_name(s, TZ_DIR_USER, "u1", &name) == NULL);
    CHECK_STR(name, "u1");
    free(name);
    CHECK_INT(err_id(tz_store_dir_entity_name(s, TZ_DIR_GROUP, "g9", &name)), TZE_STORE_NOT_FOUND);
    /* mid in top with group_add_user; u2 in mid: u2 gets group_add_user in top */
    const char *const add[] = {"group_add_user"};
    tz_dir_join j = {TZ_DIR_GROUP, "mid", TZ_DIR_GROUP, "top", add, 1, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(dir_join(s, &j), TZ_DIR_DONE);
    CHECK_INT(dir_join(s, &j), TZ_DIR_EXISTS);
    tz_dir_join j2 = {TZ_DIR_USER, "u2", TZ_DIR_GROUP, "mid", DIR_VIEW, 1, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(dir_join(s, &j2), TZ_DIR_DONE);
    bool ok = false;
    CHECK(tz_store_dir_user_has(s, "u2", TZ_DIR_GROUP, "top", "group_add_user", &ok) == NULL && ok);
    CHECK(tz_store_dir_user_has(s, "u2", TZ_DIR_GROUP, "top", "group_view", &ok) == NULL && !ok);
    CHECK(tz_store_dir_user_has(s, "u2", TZ_DIR_GROUP, "top", NULL, &ok) == NULL && ok);
    CHECK(tz_store_dir_user_has(s, "u2", TZ_DIR_SPACE, "sp", NULL, &ok) == NULL && !ok);
    /* top in the harvester and in the space: u2 is an effective member of both */
    tz_dir_join j3 = {TZ_DIR_GROUP, "top", TZ_DIR_HARVESTER, "h", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(dir_join(s, &j3), TZ_DIR_DONE);
    tz_dir_join j4 = {TZ_DIR_GROUP, "top", TZ_DIR_SPACE, "sp", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(dir_join(s, &j4), TZ_DIR_DONE);
    CHECK(tz_store_dir_user_has(s, "u2", TZ_DIR_SPACE, "sp", NULL, &ok) == NULL && ok);
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
    CHECK_INT(dir_join(s, &cyc), TZ_DIR_SELF);
    tz_dir_join self = {TZ_DIR_GROUP, "top", TZ_DIR_GROUP, "top", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(dir_join(s, &self), TZ_DIR_SELF);
    tz_dir_join missing = {TZ_DIR_USER, "nobody", TZ_DIR_GROUP, "top", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(dir_join(s, &missing), TZ_DIR_MISSING);
    /* a provider supporting the space with a size */
    tz_provider_rec p = {"prov", "Prov", NULL, 1};
    CHECK(tz_store_provider_create(s, &p) == NULL);
    tz_dir_join sup = {TZ_DIR_PROVIDER, "prov", TZ_DIR_SPACE, "sp", NULL, 0, 4096, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(dir_join(s, &sup), TZ_DIR_DONE);
    int64_t *sizes = NULL;
    CHECK(tz_store_dir_space_supports(s, "sp", &ids, &sizes, &n) == NULL);
    CHECK(n == 1 && !strcmp(ids[0], "prov") && sizes[0] == 4096);
    tz_strv_free(ids, n);
    free(sizes);
    CHECK(tz_store_dir_list(s, TZ_DIR_LIST_PROVIDER_SPACES, "prov", TZ_DIR_SPACE, &ids, &n) == NULL);
    CHECK(n == 1 && !strcmp(ids[0], "sp"));
    tz_strv_free(ids, n);
    /* revoking the relation's privilege takes it away from u2 */
    CHECK(tz_store_dir_set_privileges(s, TZ_DIR_GROUP, "top", TZ_DIR_GROUP, "mid", add, 1, false) == NULL);
    CHECK(tz_store_dir_user_has(s, "u2", TZ_DIR_GROUP, "top", "group_add_user", &ok) == NULL && !ok);
    CHECK_INT(err_id(tz_store_dir_set_privileges(s, TZ_DIR_GROUP, "top", TZ_DIR_USER, "u2", add, 1,
                                                 true)), TZE_STORE_NOT_FOUND);  /* not direct */
    /* deleting a user removes its relations in the directory's own tables too */
    tz_dir_join uh = {TZ_DIR_USER, "u2", TZ_DIR_ATM_INVENTORY, "i", DIR_VIEW, 1, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(dir_join(s, &uh), TZ_DIR_DONE);
    CHECK(tz_store_user_delete(s, "u2") == NULL);
    CHECK(tz_store_dir_list(s, TZ_DIR_LIST_USER_DIRECT, "u2", TZ_DIR_ATM_INVENTORY, &ids, &n) == NULL);
    CHECK(n == 0);
    tz_strv_free(ids, n);
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(s);
}

static void test_directory_invite_usage(void) {
    tz_store *s = open_named("dirusage");
    if (!s) return;
    dir_user(s, "owner");
    dir_user(s, "a");
    dir_user(s, "b");
    dir_user(s, "c");
    CHECK(tz_store_dir_create(s, TZ_DIR_GROUP, "g", "G", "owner", DIR_ALL, 3) == NULL);
    dir_invite(s, "inv", "owner", 2);
    const char *const need[] = {"group_add_user"};
    const char *const need_oz[] = {"oz_groups_add_relationships"};
    tz_dir_join j = {TZ_DIR_USER, "owner", TZ_DIR_GROUP, "g", DIR_VIEW, 1, 0, "inv", "owner",
                     TZ_DIR_GROUP, "g", need, need_oz, 1};
    CHECK_INT(dir_join(s, &j), TZ_DIR_EXISTS);
    CHECK_INT(dir_usage(s, "inv"), 0);  /* a failed join does not count */
    j.child_id = "a";
    CHECK_INT(dir_join(s, &j), TZ_DIR_DONE);
    CHECK_INT(dir_usage(s, "inv"), 1);
    /* the issuer loses the right: refused, not counted */
    CHECK(tz_store_dir_set_privileges(s, TZ_DIR_GROUP, "g", TZ_DIR_USER, "owner", need, 1, false) == NULL);
    j.child_id = "b";
    CHECK_INT(dir_join(s, &j), TZ_DIR_ISSUER_NOT_ALLOWED);
    CHECK_INT(dir_usage(s, "inv"), 1);
    bool ok = true;
    CHECK(tz_store_dir_user_has(s, "b", TZ_DIR_GROUP, "g", NULL, &ok) == NULL && !ok);
    CHECK(tz_store_dir_set_privileges(s, TZ_DIR_GROUP, "g", TZ_DIR_USER, "owner", need, 1, true) == NULL);
    CHECK_INT(dir_join(s, &j), TZ_DIR_DONE);
    j.child_id = "c";
    CHECK_INT(dir_join(s, &j), TZ_DIR_INVITE_USED_UP);
    CHECK_INT(dir_usage(s, "inv"), 2);
    CHECK(tz_store_named_update(s, "inv", NULL, NULL, 1, NULL) == NULL);
    CHECK_INT(dir_join(s, &j), TZ_DIR_INVITE_REVOKED);
    j.invite_id = "gone";
    CHECK_INT(dir_join(s, &j), TZ_DIR_INVITE_GONE);
    CHECK(tz_store_dir_user_has(s, "c", TZ_DIR_GROUP, "g", NULL, &ok) == NULL && !ok);
    tz_store_close(s);
}

static void test_directory_provider_register(void) {
    tz_store *s = open_named("dirregister");
    if (!s) return;
    dir_user(s, "admin");
    dir_invite(s, "reg", "admin", 1);
    const char *const privs[] = {"cluster_update", "cluster_view"};
    tz_provider_rec p = {"p1", "P1", "sub.zone", 5};
    tz_named_token_rec root = named("root1", "root token", TZ_SUBJ_PROVIDER, "p1");
    tz_dir_outcome outcome = TZ_DIR_MISSING;
    CHECK(tz_store_provider_register_invited(s, &p, "sub", "a@b.c", "admin", privs, 2, &root, "reg",
                                             &outcome) == NULL);
    CHECK_INT(outcome, TZ_DIR_DONE);
    CHECK_INT(dir_usage(s, "reg"), 1);
    bool ok = false;
    CHECK(tz_store_dir_user_has(s, "admin", TZ_DIR_CLUSTER, "p1", "cluster_update", &ok) == NULL && ok);
    tz_provider_rec p2 = {"p2", "P2", "sub.zone", 5};
    root.id = "root2";
    root.subject.id = "p2";
    char key[32];
    CHECK_STR(conflict_key(tz_store_provider_register_invited(s, &p2, "sub", NULL, "admin", privs, 2,
                                                              &root, NULL, &outcome),
                           key, sizeof key), "subdomain");
    CHECK(tz_store_provider_register_invited(s, &p2, "other", NULL, "admin", privs, 2, &root, "reg",
                                             &outcome) == NULL);
    CHECK_INT(outcome, TZ_DIR_INVITE_USED_UP);
    CHECK(tz_store_provider_register_invited(s, &p2, "other", NULL, "nobody", privs, 2, &root, NULL,
                                             &outcome) == NULL);
    CHECK_INT(outcome, TZ_DIR_MISSING);
    tz_provider_rec got = {0};
    /* nothing of the refused registrations stayed */
    CHECK_INT(err_id(tz_store_provider_get(s, "p2", &got)), TZE_STORE_NOT_FOUND);
    CHECK(tz_store_check_integrity(s) == NULL);
    tz_store_close(s);
}

#include "store_dir_export_cases.h"

/* The sealed-secret operations (rotation and legacy sealing): paged walks of named and temporary
 * secrets, conditional replacement that loses to a concurrent change, temporary secrets stored
 * as the caller gives them, and the scrub. */
static void test_sealed_secret_ops(void) {
    tz_store *s = open_named("sealed");
    tz_user_rec u1 = user("u1", "alice"), u2 = user("u2", "bob");
    CHECK(tz_store_user_create(s, &u1) == NULL);
    CHECK(tz_store_user_create(s, &u2) == NULL);
    char id[16];
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "t%d", i);
        tz_named_token_rec t = named(id, id, TZ_SUBJ_USER, "u1");
        t.secret = (char *)"tzs1$1$old";
        CHECK(tz_store_named_create(s, &t) == NULL);
    }
    tz_subject su1 = {TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)"u1"};
    tz_subject su2 = {TZ_SUBJ_USER, TZ_PSUB_NONE, (char *)"u2"};
    char *sealed = NULL;
    int64_t gen = 0;
    CHECK_INT(err_id(tz_store_temp_sealed_get(s, &su1, NULL, &sealed, &gen)), TZE_STORE_NOT_FOUND);
    CHECK(tz_store_temp_sealed_get(s, &su1, "tzs1$1$first", &sealed, &gen) == NULL);
    CHECK_STR(sealed, "tzs1$1$first");
    CHECK_INT(gen, 1);
    free(sealed);
    /* a second first use does not replace the stored value */
    CHECK(tz_store_temp_sealed_get(s, &su1, "tzs1$1$other", &sealed, &gen) == NULL);
    CHECK_STR(sealed, "tzs1$1$first");
    free(sealed);
    CHECK(tz_store_temp_sealed_bump(s, &su1, "tzs1$1$bumped") == NULL);
    CHECK(tz_store_temp_sealed_bump(s, &su2, "tzs1$1$u2") == NULL);
    CHECK(tz_store_temp_sealed_get(s, &su1, NULL, &sealed, &gen) == NULL);
    CHECK_STR(sealed, "tzs1$1$bumped");
    CHECK_INT(gen, 2);
    free(sealed);
    /* the verification read returns the stored (sealed) text */
    char stored[TZ_STORED_SECRET_MAX + 1];
    bool has = false, exists = false, blocked = true;
    CHECK(tz_store_temp_verify_state(s, &su1, stored, &gen, &has, &exists, &blocked) == NULL);
    CHECK(has && exists && !blocked);
    CHECK_STR(stored, "tzs1$1$bumped");

    /* named secrets in pages of 2 */
    size_t total = 0, n = 0;
    tz_secret_row *rows = NULL, last = {0};
    bool have_last = false;
    char last_id[8] = "";
    for (int page = 0; page < 10; page++) {
        CHECK(tz_store_secrets_page(s, TZ_SECRET_NAMED, have_last ? &last : NULL, 2, &rows, &n) == NULL);
        total += n;
        if (n) {
            CHECK_STR(rows[0].secret, "tzs1$1$old");
            CHECK(rows[0].token != NULL && rows[0].subject.kind == TZ_SUBJ_USER);
            snprintf(last_id, sizeof last_id, "%s", rows[n - 1].token_id);
            last.kind = TZ_SECRET_NAMED;
            last.token_id = last_id;
            have_last = true;
        }
        tz_secret_rows_free(rows, n);
        if (n < 2) break;
    }
    CHECK_INT(total, 5);
    /* temporary secrets: both subjects */
    CHECK(tz_store_secrets_page(s, TZ_SECRET_TEMP, NULL, 10, &rows, &n) == NULL);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(rows[0].subject.id, "u1");
        CHECK(rows[0].token_id == NULL);
        /* conditional replacement: the first applies, the second lost to a change (u2's secret is
         * not the one named) */
        tz_secret_row stale = rows[1];
        stale.secret = (char *)"tzs1$1$not-this";
        tz_secret_change ch[2] = {{&rows[0], "tzs1$2$new", NULL}, {&stale, "tzs1$2$new2", NULL}};
        size_t applied = 9;
        CHECK(tz_store_secrets_replace(s, ch, 2, &applied) == NULL);
        CHECK_INT(applied, 1);
    }
    tz_secret_rows_free(rows, n);
    CHECK(tz_store_temp_sealed_get(s, &su1, NULL, &sealed, &gen) == NULL);
    CHECK_STR(sealed, "tzs1$2$new");
    CHECK_INT(gen, 2);
    free(sealed);
    /* a named secret and template replaced together */
    CHECK(tz_store_secrets_page(s, TZ_SECRET_NAMED, NULL, 1, &rows, &n) == NULL);
    CHECK_INT(n, 1);
    if (n == 1) {
        tz_secret_change ch = {&rows[0], "tzs1$2$named", "{\"v\":2}"};
        size_t applied = 0;
        CHECK(tz_store_secrets_replace(s, &ch, 1, &applied) == NULL);
        CHECK_INT(applied, 1);
        tz_named_token_rec rec = {0};
        CHECK(tz_store_named_get(s, rows[0].token_id, &rec) == NULL);
        CHECK_STR(rec.secret, "tzs1$2$named");
        CHECK_STR(rec.token, "{\"v\":2}");
        tz_named_token_rec_clear(&rec);
    }
    tz_secret_rows_free(rows, n);
    CHECK(tz_store_scrub(s, TZ_SCRUB_FULL) == NULL);
    CHECK(tz_store_scrub(s, TZ_SCRUB_LOG) == NULL);
    tz_store_close(s);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(base_dir, sizeof base_dir, "%s/tz-store-ops-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base_dir)) {
        perror("mkdtemp");
        return 2;
    }
    RUN(test_locations);
    RUN(test_user_ensure);
    RUN(test_provider_register_is_one_transaction);
    RUN(test_entity_with_owner_is_one_transaction);
    RUN(test_verify_states);
    RUN(test_verify_state_and_get);
    RUN(test_verify_with_username);
    RUN(test_metadata_compare_and_set);
    RUN(test_paging_and_copy_primitives);
    RUN(test_clients);
    RUN(test_directory_nested_groups);
    RUN(test_directory_invite_usage);
    RUN(test_directory_provider_register);
    RUN(test_sealed_secret_ops);
    RUN(test_directory_export_and_import);
    nftw(base_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return TEST_REPORT();
}
