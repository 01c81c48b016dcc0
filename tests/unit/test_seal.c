/* Sealing of stored secrets (src/core/seal.c): round trip, binding to the row and the key
 * version, tamper detection, and the format's edges. */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "core/err.h"
#include "core/seal.h"
#include "harness.h"

static const uint8_t KEY1[TZ_SEAL_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                              17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t NONCE[TZ_SEAL_NONCE_LEN] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1};
static const char SECRET[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

static char *seal(const uint8_t *key, uint32_t version, const char *binding) {
    char *out = NULL;
    tz_error *e = tz_seal(key, version, NONCE, binding, (const uint8_t *)SECRET, strlen(SECRET), &out);
    CHECK(e == NULL);
    tz_err_free(e);
    return out;
}

/* true when `sealed` opens with key for binding and gives SECRET back */
static bool opens(const uint8_t *key, const char *sealed, const char *binding) {
    uint8_t out[TZ_SEAL_MAX_PLAIN + 1];
    size_t n = 99;
    tz_error *e = tz_unseal(key, sealed, binding, out, sizeof out, &n);
    bool ok = !e && n == strlen(SECRET) && memcmp(out, SECRET, n) == 0 && out[n] == 0;
    if (e) CHECK_INT(n, 0);
    tz_err_free(e);
    return ok;
}

static void test_round_trip_and_format(void) {
    char *s = seal(KEY1, 7, "named:abc");
    CHECK(s && strncmp(s, "tzs1$7$", 7) == 0);
    CHECK(tz_seal_is_sealed(s));
    uint32_t v = 0;
    CHECK(tz_seal_version(s, &v) == NULL);
    CHECK_INT(v, 7);
    CHECK(opens(KEY1, s, "named:abc"));
    CHECK(strstr(s, SECRET) == NULL);   /* the plain secret is not in the text */
    free(s);
}

/* The sealed text of fixed inputs: stored secrets keep opening across changes to the code. */
static void test_known_answer(void) {
    char *s = seal(KEY1, 7, "named:abc");
    CHECK_STR(s, "tzs1$7$CQkJCQkJCQkJCQkB3ou19P3vKvzhGXyY1D2S3J8UOvQvYEGNGzRusz0uUSu8f4/QLeQlPo1e1EYzgkzYE"
                 "ozy1WWfbkDFBZba3pmlkR2/nrAm8ZolN2wcruQIkZ8=");
    CHECK(opens(KEY1, s, "named:abc"));
    /* with a cipher fetched once, as the keyring does */
    EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    CHECK(gcm != NULL);
    uint8_t out[TZ_SEAL_MAX_PLAIN + 1];
    size_t n = 0;
    tz_error *e = tz_unseal_with(gcm, KEY1, s, "named:abc", out, sizeof out, &n);
    CHECK(e == NULL && n == strlen(SECRET) && memcmp(out, SECRET, n) == 0);
    tz_err_free(e);
    e = tz_unseal_with(gcm, KEY1, s, "named:abd", out, sizeof out, &n);
    CHECK(e != NULL && n == 0);
    tz_err_free(e);
    EVP_CIPHER_free(gcm);
    free(s);
}

static void test_binding_and_key_matter(void) {
    char *s = seal(KEY1, 1, "named:abc");
    uint8_t key2[TZ_SEAL_KEY_LEN];
    memcpy(key2, KEY1, sizeof key2);
    key2[31] ^= 1;
    CHECK(!opens(key2, s, "named:abc"));          /* wrong key */
    CHECK(!opens(KEY1, s, "named:abd"));          /* copied to another row */
    CHECK(!opens(KEY1, s, "temp:usr:abc"));
    CHECK(!opens(KEY1, s, ""));
    /* the version is bound too: relabelling the text as version 2 does not open */
    char *relabel = strdup(s);
    relabel[5] = '2';
    CHECK(tz_seal_is_sealed(relabel));
    CHECK(!opens(KEY1, relabel, "named:abc"));
    free(relabel);
    free(s);
}

static void test_every_tampered_byte_fails(void) {
    char *s = seal(KEY1, 3, "temp:prv:p1");
    size_t len = strlen(s);
    int opened = 0;
    for (size_t i = 0; i < len; i++) {
        char *t = strdup(s);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        if (opens(KEY1, t, "temp:prv:p1")) opened++;
        free(t);
    }
    CHECK_INT(opened, 0);
    /* truncations */
    for (size_t cut = 0; cut < len; cut += 7) {
        char *t = strndup(s, cut);
        CHECK(!opens(KEY1, t, "temp:prv:p1"));
        free(t);
    }
    free(s);
}

static void test_bad_inputs(void) {
    const char *not_sealed[] = {"", SECRET, "tzs1$", "tzs1$0$AAAA", "tzs1$01$AAAA", "tzs1$1$",
                                "tzs1$2147483648$AAAA", "tzs1$1$AAA", "tzs2$1$AAAA", "tzs1$1x$AAAA"};
    for (size_t i = 0; i < sizeof not_sealed / sizeof *not_sealed; i++) {
        CHECK(!tz_seal_is_sealed(not_sealed[i]));
        CHECK(!opens(KEY1, not_sealed[i], "named:x"));
    }
    uint32_t v;
    EXPECT_ERR(tz_seal_version(SECRET, &v), TZE_INTERNAL);
    char *out = NULL;
    EXPECT_ERR(tz_seal(KEY1, 0, NONCE, "b", (const uint8_t *)"x", 1, &out), TZE_INTERNAL);
    EXPECT_ERR(tz_seal(KEY1, 1, NONCE, "", (const uint8_t *)"x", 1, &out), TZE_INTERNAL);
    EXPECT_ERR(tz_seal(KEY1, 1, NONCE, "b", (const uint8_t *)"x", 0, &out), TZE_INTERNAL);
    uint8_t big[TZ_SEAL_MAX_PLAIN + 1] = {0};
    EXPECT_ERR(tz_seal(KEY1, 1, NONCE, "b", big, sizeof big, &out), TZE_INTERNAL);
    CHECK(out == NULL);
    /* an output buffer too small is refused, not truncated */
    char *s = seal(KEY1, 1, "b");
    uint8_t small[10];
    size_t n = 5;
    EXPECT_ERR(tz_unseal(KEY1, s, "b", small, sizeof small, &n), TZE_INTERNAL);
    CHECK_INT(n, 0);
    free(s);
}

/* Bindings carry subject ids taken from tokens: any length seals and opens, and still binds. */
static void test_long_binding(void) {
    char *b = malloc(70001);
    memset(b, 'x', 70000);
    b[70000] = 0;
    char *s = seal(KEY1, 1, b);
    CHECK(s != NULL);
    CHECK(opens(KEY1, s, b));
    b[69999] = 'y';
    CHECK(!opens(KEY1, s, b));
    free(s);
    free(b);
}

static void test_largest_version(void) {
    char *s = seal(KEY1, TZ_SEAL_MAX_VERSION, "named:z");
    uint32_t v = 0;
    CHECK(tz_seal_version(s, &v) == NULL);
    CHECK_INT(v, TZ_SEAL_MAX_VERSION);
    CHECK(opens(KEY1, s, "named:z"));
    free(s);
}

int main(void) {
    RUN(test_round_trip_and_format);
    RUN(test_known_answer);
    RUN(test_binding_and_key_matter);
    RUN(test_every_tampered_byte_fails);
    RUN(test_bad_inputs);
    RUN(test_largest_version);
    RUN(test_long_binding);
    return TEST_REPORT();
}
