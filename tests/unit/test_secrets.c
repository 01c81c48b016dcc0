/* Sealed secrets below the HTTP layer: the store functions of store_secrets.c (pages,
 * conditional replacement, sealed temporary secrets, scrub), token templates (the token a GET
 * recomputes is the token issued), the master key file (parsing, modes, versions) and the
 * start-up check and migration of src/service/secrets.c. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/err.h"
#include "core/seal.h"
#include "core/token.h"
#include "harness.h"
#include "service/master_key.h"
#include "service/secrets.h"
#include "store/store.h"

static char base[256];

static int rm_entry(const char *p, const struct stat *sb, int f, struct FTW *w) {
    (void)sb; (void)f; (void)w;
    return remove(p);
}

static void path_in(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", base, name); }

static tz_store *open_store(const char *name) {
    char dir[512];
    path_in(dir, sizeof dir, name);
    tz_store *s = NULL;
    tz_error *e = tz_store_open(dir, NULL, &s);
    CHECK(e == NULL);
    tz_err_free(e);
    return s;
}

static tz_keyring *keyring(const char *name) {
    char p[512], why[TZ_MASTER_KEY_WHY_MAX];
    path_in(p, sizeof p, name);
    tz_keyring *kr = NULL;
    tz_error *e = tz_keyring_load(p, true, &kr, why);
    CHECK(e == NULL);
    tz_err_free(e);
    return kr;
}

static void write_file(const char *name, const char *text, mode_t mode) {
    char p[512];
    path_in(p, sizeof p, name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
    chmod(p, mode);
}

static const char *S1 = "1111111111111111111111111111111111111111111111111111111111111111";

static void test_temp_sealed_get_and_bump(void) {
    tz_store *s = open_store("temp");
    tz_subject u = {.kind = TZ_SUBJ_USER, .id = "u1"};
    char *sealed = NULL;
    int64_t gen = 0;
    EXPECT_ERR(tz_store_temp_sealed_get(s, &u, NULL, &sealed, &gen), TZE_STORE_NOT_FOUND);
    CHECK(tz_store_temp_sealed_get(s, &u, "first", &sealed, &gen) == NULL);
    CHECK_STR(sealed, "first");
    CHECK_INT(gen, 1);
    free(sealed);
    /* a second first use does not replace the value */
    CHECK(tz_store_temp_sealed_get(s, &u, "second", &sealed, &gen) == NULL);
    CHECK_STR(sealed, "first");
    free(sealed);
    CHECK(tz_store_temp_sealed_bump(s, &u, "bumped") == NULL);
    CHECK(tz_store_temp_sealed_get(s, &u, NULL, &sealed, &gen) == NULL);
    CHECK_STR(sealed, "bumped");
    CHECK_INT(gen, 2);
    free(sealed);
    tz_store_close(s);
}

static void add_named(tz_store *s, const char *id, const char *secret) {
    tz_named_token_rec r = {.id = (char *)id, .name = (char *)id, .subject = {.kind = TZ_SUBJ_USER, .id = "u1"},
                            .token = "{}", .secret = (char *)secret, .metadata_json = "{}"};
    CHECK(tz_store_named_create(s, &r) == NULL);
}

static void test_pages_and_conditional_replace(void) {
    tz_store *s = open_store("pages");
    char id[16];
    for (int i = 0; i < 25; i++) {
        snprintf(id, sizeof id, "t%02d", i);
        add_named(s, id, "old");
    }
    /* pages of 10: 10, 10, 5, in id order, continuing after the last row */
    tz_secret_row *rows = NULL, *prev = NULL;
    size_t n = 0, prev_n = 0, total = 0;
    int pages = 0;
    do {
        CHECK(tz_store_secrets_page(s, TZ_SECRET_NAMED, prev ? &prev[prev_n - 1] : NULL, 10, &rows, &n) == NULL);
        if (n) {
            snprintf(id, sizeof id, "t%02zu", total);
            CHECK_STR(rows[0].token_id, id);
            CHECK_STR(rows[0].secret, "old");
            CHECK_STR(rows[0].token, "{}");
        }
        total += n;
        pages++;
        tz_secret_rows_free(prev, prev_n);
        prev = rows;
        prev_n = n;
    } while (n == 10 && pages < 10);
    tz_secret_rows_free(prev, prev_n);
    CHECK_INT(total, 25);
    CHECK_INT(pages, 3);
    /* conditional: a row changed meanwhile is left alone */
    CHECK(tz_store_secrets_page(s, TZ_SECRET_NAMED, NULL, 2, &rows, &n) == NULL);
    CHECK_INT(n, 2);
    tz_secret_rows_free(NULL, 0);
    tz_named_token_rec cur;
    tz_secret_change ch[2] = {{&rows[0], "new0", "{\"t\":0}"}, {&rows[1], "new1", NULL}};
    /* someone else replaces row 1 first */
    tz_secret_change other = {&rows[1], "theirs", NULL};
    size_t applied = 0;
    CHECK(tz_store_secrets_replace(s, &other, 1, &applied) == NULL);
    CHECK_INT(applied, 1);
    CHECK(tz_store_secrets_replace(s, ch, 2, &applied) == NULL);
    CHECK_INT(applied, 1);
    CHECK(tz_store_named_get(s, "t00", &cur) == NULL);
    CHECK_STR(cur.secret, "new0");
    CHECK_STR(cur.token, "{\"t\":0}");
    tz_named_token_rec_clear(&cur);
    CHECK(tz_store_named_get(s, "t01", &cur) == NULL);
    CHECK_STR(cur.secret, "theirs");
    tz_named_token_rec_clear(&cur);
    tz_secret_rows_free(rows, n);
    /* temporary secrets page by subject */
    tz_subject p = {.kind = TZ_SUBJ_PROVIDER, .id = "p1"}, u = {.kind = TZ_SUBJ_USER, .id = "u9"};
    CHECK(tz_store_temp_sealed_bump(s, &p, "ps") == NULL);
    CHECK(tz_store_temp_sealed_bump(s, &u, "us") == NULL);
    CHECK(tz_store_secrets_page(s, TZ_SECRET_TEMP, NULL, 10, &rows, &n) == NULL);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK(rows[0].subject.kind == TZ_SUBJ_USER && rows[1].subject.kind == TZ_SUBJ_PROVIDER);
        CHECK(rows[0].token_id == NULL && rows[0].token == NULL);
        tz_secret_change t = {&rows[1], "ps2", NULL};
        CHECK(tz_store_secrets_replace(s, &t, 1, &applied) == NULL);
        CHECK_INT(applied, 1);
    }
    tz_secret_rows_free(rows, n);
    EXPECT_ERR(tz_store_secrets_page(s, TZ_SECRET_TEMP, NULL, 0, &rows, &n), TZE_INTERNAL);
    CHECK(tz_store_scrub(s, TZ_SCRUB_FULL) == NULL);
    CHECK(tz_store_scrub(s, TZ_SCRUB_LOG) == NULL);
    tz_store_close(s);
}

static void test_template_recomputes_the_issued_token(void) {
    const char *types[] = {"{\"accessToken\":{}}", "{\"identityToken\":{}}",
                           "{\"inviteToken\":{\"inviteType\":\"userJoinSpace\",\"spaceId\":\"sp1\"}}",
                           "{\"inviteToken\":{\"inviteType\":\"registerOneprovider\",\"adminUserId\":\"u1\"}}",
                           "{\"inviteToken\":{\"inviteType\":\"supportSpace\",\"spaceId\":\"sp1\","
                           "\"parameters\":{\"dataWrite\":\"global\",\"metadataReplication\":\"eager\"}}}"};
    tz_raw_caveat cav[2] = {{"time < 2000000000", 17}, {"interface = rest", 16}};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        tz_token proto;
        memset(&proto, 0, sizeof proto);
        json_t *tj = json_loads(types[i], 0, NULL);
        CHECK(tz_token_type_from_json(tj, &proto.type) == NULL);
        json_decref(tj);
        proto.domain = "zone.test";
        proto.version = 2;
        proto.named = true;
        proto.subject = (tz_subject){.kind = TZ_SUBJ_USER, .id = "u1"};
        proto.id = "tid";
        tz_token *t = NULL;
        char *issued = NULL, *tmpl = NULL, *again = NULL;
        CHECK(tz_token_create(&proto, (const uint8_t *)S1, 64, cav, 2, &t) == NULL);
        CHECK(t && tz_token_serialize(t, &issued, NULL) == NULL);
        CHECK((tmpl = tz_token_template(t)) != NULL);
        CHECK(tmpl && !strstr(tmpl, S1));
        CHECK(tz_token_from_template(tmpl, "tid", &proto.subject, "zone.test", S1, &again) == NULL);
        CHECK_STR(again, issued);
        tz_token_free(t);
        tz_token_type_clear(&proto.type);
        free(issued);
        free(tmpl);
        free(again);
    }
    char *out = NULL;
    tz_subject u = {.kind = TZ_SUBJ_USER, .id = "u1"};
    EXPECT_ERR(tz_token_from_template("MDAx-a-token", "tid", &u, "z", S1, &out), TZE_INTERNAL);
    EXPECT_ERR(tz_token_from_template("{\"v\":1,\"type\":{},\"caveats\":[]}", "tid", &u, "z", S1, &out), TZE_INTERNAL);
}

static void test_key_file(void) {
    char why[TZ_MASTER_KEY_WHY_MAX], p[512];
    tz_keyring *kr = NULL;
    /* created 0600 with version 1 */
    tz_keyring *fresh = keyring("k-new");
    struct stat st;
    path_in(p, sizeof p, "k-new");
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_INT(tz_keyring_current(fresh), 1);
    /* add, remove, refusals */
    uint32_t v = 0;
    CHECK(tz_master_key_add_version(p, &v, why) == NULL);
    CHECK_INT(v, 2);
    CHECK(tz_keyring_reload(fresh));
    CHECK_INT(tz_keyring_current(fresh), 2);
    CHECK(!tz_keyring_reload(fresh));   /* unchanged file: nothing to do */
    EXPECT_ERR(tz_master_key_remove_version(p, 2, why), TZE_INTERNAL);   /* the current one */
    CHECK(strstr(why, "current") != NULL);
    CHECK(tz_master_key_remove_version(p, 1, why) == NULL);
    EXPECT_ERR(tz_master_key_remove_version(p, 1, why), TZE_INTERNAL);
    tz_keyring_free(fresh);
    /* malformed files and modes */
    const char *key = "1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    struct { const char *text; mode_t mode; const char *why; } bad[] = {
        {key, 0644, "accessible to group or others"},
        {"# nothing\n", 0600, "no key"},
        {"1 0011\n", 0600, "line 1"},
        {"0 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", 0600, "line 1"},
        {"2 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
         "1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", 0600, "ascending"},
        {"1 00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\n", 0600, "line 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_file("k-bad", bad[i].text, bad[i].mode);
        path_in(p, sizeof p, "k-bad");
        EXPECT_ERR(tz_keyring_load(p, false, &kr, why), TZE_INTERNAL);
        CHECK(strstr(why, bad[i].why) != NULL);
        if (!strstr(why, bad[i].why)) fprintf(stderr, "  case %zu: %s\n", i, why);
    }
    path_in(p, sizeof p, "k-missing");
    EXPECT_ERR(tz_keyring_load(p, false, &kr, why), TZE_INTERNAL);
    CHECK(access(p, F_OK) != 0);
}

static void test_prepare_migrates_and_checks(void) {
    tz_store *s = open_store("prep");
    tz_keyring *kr = keyring("k-prep");
    /* a legacy row: plain secret and a whole token */
    tz_token proto;
    memset(&proto, 0, sizeof proto);
    proto.domain = "z";
    proto.version = 2;
    proto.named = true;
    proto.subject = (tz_subject){.kind = TZ_SUBJ_USER, .id = "u1"};
    proto.type.kind = TZ_TT_ACCESS;
    proto.id = "legacy";
    tz_token *t = NULL;
    char *tok = NULL;
    CHECK(tz_token_create(&proto, (const uint8_t *)S1, 64, NULL, 0, &t) == NULL);
    CHECK(t && tz_token_serialize(t, &tok, NULL) == NULL);
    tz_token_free(t);
    tz_named_token_rec r = {.id = "legacy", .name = "l", .subject = proto.subject, .token = tok,
                            .secret = (char *)S1, .metadata_json = "{}"};
    CHECK(tz_store_named_create(s, &r) == NULL);
    tz_subject u = {.kind = TZ_SUBJ_USER, .id = "u1"};
    CHECK(tz_store_temp_sealed_bump(s, &u, S1) == NULL);
    size_t migrated = 0;
    char why[TZ_SECRETS_WHY_MAX];
    CHECK(tz_secrets_prepare(s, kr, &migrated, why) == NULL);
    CHECK_INT(migrated, 2);
    tz_named_token_rec got;
    CHECK(tz_store_named_get(s, "legacy", &got) == NULL);
    CHECK(tz_seal_is_sealed(got.secret));
    CHECK(got.token[0] == '{');
    char plain[TZ_SECRET_HEX_LEN + 1], *again = NULL;
    CHECK(tz_secrets_open_named(kr, "legacy", got.secret, plain) == NULL);
    CHECK_STR(plain, S1);
    CHECK(tz_token_from_template(got.token, "legacy", &u, "z", plain, &again) == NULL);
    CHECK_STR(again, tok);
    /* copied to another row it does not open */
    EXPECT_ERR(tz_secrets_open_named(kr, "other", got.secret, plain), TZE_INTERNAL);
    EXPECT_ERR(tz_secrets_open_temp(kr, &u, got.secret, plain), TZE_INTERNAL);
    tz_named_token_rec_clear(&got);
    free(again);
    free(tok);
    /* idempotent */
    CHECK(tz_secrets_prepare(s, kr, &migrated, why) == NULL);
    CHECK_INT(migrated, 0);
    /* another key: the start-up check refuses with a reason */
    tz_keyring *other = keyring("k-other");
    EXPECT_ERR(tz_secrets_prepare(s, other, &migrated, why), TZE_INTERNAL);
    CHECK(strstr(why, "does not open") != NULL);
    tz_keyring_free(other);
    /* a missing key file is not made up while sealed secrets exist */
    tz_keyring *none = NULL;
    char *used = NULL, dir[512], kp[512];
    path_in(dir, sizeof dir, "prep");
    path_in(kp, sizeof kp, "k-absent");
    EXPECT_ERR(tz_secrets_open_keyring(s, dir, kp, &none, &used, why), TZE_INTERNAL);
    CHECK(strstr(why, "does not exist") != NULL);
    CHECK(access(kp, F_OK) != 0);
    /* rotation: reseal moves everything to the new version */
    path_in(kp, sizeof kp, "k-prep");
    uint32_t v = 0;
    char kwhy[TZ_MASTER_KEY_WHY_MAX];
    CHECK(tz_master_key_add_version(kp, &v, kwhy) == NULL);
    CHECK(tz_keyring_reload(kr));
    size_t resealed = 0, skipped = 0;
    CHECK(tz_secrets_reseal(s, kr, 1, &resealed, &skipped, why) == NULL);
    CHECK_INT(resealed, 2);
    CHECK_INT(skipped, 0);
    uint32_t versions[2] = {1, 2};
    size_t counts[2], unknown = 9, plain_n = 9;
    CHECK(tz_secrets_census(s, kr, versions, 2, counts, &unknown, &plain_n) == NULL);
    CHECK_INT(counts[0], 0);
    CHECK_INT(counts[1], 2);
    CHECK_INT(unknown + plain_n, 0);
    tz_keyring_free(kr);
    tz_store_close(s);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(base, sizeof base, "%s/tz-secrets-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base)) return 2;
    RUN(test_temp_sealed_get_and_bump);
    RUN(test_pages_and_conditional_replace);
    RUN(test_template_recomputes_the_issued_token);
    RUN(test_key_file);
    RUN(test_prepare_migrates_and_checks);
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return TEST_REPORT();
}
