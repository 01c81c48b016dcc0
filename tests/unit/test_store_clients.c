/* The introspection-client functions of the store (store_clients.c) and the secret handling over
 * them (service/oauth_clients.c): create, get, list order, rotation, deletion, and that a secret
 * is checked against its hash only. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "service/oauth.h"
#include "store/store.h"
#include "harness.h"

static char base_dir[256];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static tz_store *open_fresh(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(base_dir, sizeof base_dir, "%s/tz-clients-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base_dir)) return NULL;
    char dir[300];
    snprintf(dir, sizeof dir, "%s/data", base_dir);
    tz_store *s = NULL;
    tz_error *e = tz_store_open(dir, NULL, &s);
    CHECK(e == NULL);
    tz_err_free(e);
    return s;
}

static void test_rows(void) {
    tz_store *s = open_fresh();
    if (!s) return;
    tz_oauth_client_rec a = {.id = "aa", .name = "first", .secret_hash = "h1", .allow_revoke = true,
                             .creation_time = 20};
    tz_oauth_client_rec b = {.id = "bb", .name = "second", .secret_hash = "h2", .creation_time = 10};
    CHECK(tz_store_client_create(s, &a) == NULL);
    CHECK(tz_store_client_create(s, &b) == NULL);
    EXPECT_ERR(tz_store_client_create(s, &a), TZE_ALREADY_EXISTS);
    tz_oauth_client_rec r;
    CHECK(tz_store_client_get(s, "aa", &r) == NULL);
    CHECK_STR(r.name, "first");
    CHECK_STR(r.secret_hash, "h1");
    CHECK(r.allow_revoke);
    CHECK_INT(r.creation_time, 20);
    tz_oauth_client_rec_clear(&r);
    EXPECT_ERR(tz_store_client_get(s, "zz", &r), TZE_NOT_FOUND);
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
    EXPECT_ERR(tz_store_client_set_secret_hash(s, "zz", "h"), TZE_NOT_FOUND);
    CHECK(tz_store_client_delete(s, "aa") == NULL);
    EXPECT_ERR(tz_store_client_delete(s, "aa"), TZE_NOT_FOUND);
    CHECK(tz_store_client_list(s, &v, &n) == NULL);
    CHECK_INT(n, 1);
    tz_oauth_client_recs_free(v, n);
    tz_store_close(s);
    nftw(base_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_secrets(void) {
    tz_store *s = open_fresh();
    if (!s) return;
    char id[TZ_ID_HEX_LEN + 1], secret[TZ_OAUTH_SECRET_LEN + 1], rotated[TZ_OAUTH_SECRET_LEN + 1];
    CHECK(tz_oauth_client_create(s, "gw", false, 1, id, secret) == NULL);
    CHECK_INT(strlen(id), TZ_ID_HEX_LEN);
    CHECK_INT(strlen(secret), TZ_OAUTH_SECRET_LEN);
    tz_oauth_client_rec r;
    CHECK(tz_store_client_get(s, id, &r) == NULL);
    /* only the hash is stored */
    CHECK_INT(strlen(r.secret_hash), TZ_OAUTH_SECRET_HASH_LEN);
    CHECK(strstr(r.secret_hash, secret) == NULL);
    tz_oauth_client_rec_clear(&r);
    bool ok = false, revoke = true;
    CHECK(tz_oauth_client_check(s, id, secret, strlen(secret), &ok, &revoke) == NULL);
    CHECK(ok && !revoke);
    char wrong[TZ_OAUTH_SECRET_LEN + 1];
    memcpy(wrong, secret, sizeof wrong);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    CHECK(tz_oauth_client_check(s, id, wrong, strlen(wrong), &ok, &revoke) == NULL);
    CHECK(!ok);
    CHECK(tz_oauth_client_check(s, id, secret, strlen(secret) - 1, &ok, &revoke) == NULL);
    CHECK(!ok);
    /* malformed and unknown ids are no client, not an error */
    CHECK(tz_oauth_client_check(s, "not-hex", secret, strlen(secret), &ok, &revoke) == NULL);
    CHECK(!ok);
    CHECK(tz_oauth_client_check(s, "00000000000000000000000000000000", secret, strlen(secret), &ok, &revoke) == NULL);
    CHECK(!ok);
    CHECK(tz_oauth_client_rotate(s, id, rotated) == NULL);
    CHECK(strcmp(rotated, secret) != 0);
    CHECK(tz_oauth_client_check(s, id, secret, strlen(secret), &ok, &revoke) == NULL);
    CHECK(!ok);
    CHECK(tz_oauth_client_check(s, id, rotated, strlen(rotated), &ok, &revoke) == NULL);
    CHECK(ok);
    EXPECT_ERR(tz_oauth_client_rotate(s, "00000000000000000000000000000000", rotated), TZE_NOT_FOUND);
    char id2[TZ_ID_HEX_LEN + 1], secret2[TZ_OAUTH_SECRET_LEN + 1];
    CHECK(tz_oauth_client_create(s, "revoker", true, 2, id2, secret2) == NULL);
    CHECK(strcmp(secret2, rotated) != 0 && strcmp(id2, id) != 0);
    CHECK(tz_oauth_client_check(s, id2, secret2, strlen(secret2), &ok, &revoke) == NULL);
    CHECK(ok && revoke);
    tz_store_close(s);
    nftw(base_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
    RUN(test_rows);
    RUN(test_secrets);
    return TEST_REPORT();
}
