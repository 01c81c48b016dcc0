/* Unit tests of Argon2id password hashing: round trip, wrong passwords, limits and malformed or
 * hostile encoded strings. */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include <argon2.h>
#include "service/password.h"

static char *hash_of(const char *pw, size_t len) {
    char *enc = NULL;
    tz_error *err = tz_password_hash(pw, len, &enc);
    CHECK(err == NULL);
    tz_err_free(err);
    return enc;
}

static void test_round_trip(void) {
    char *enc = hash_of("correct horse", 13);
    if (!enc) return;
    CHECK(strncmp(enc, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    CHECK(tz_password_verify(enc, "correct horse", 13));
    CHECK(!tz_password_verify(enc, "correct horsE", 13));
    CHECK(!tz_password_verify(enc, "correct hors", 12));
    CHECK(!tz_password_verify(enc, "correct horse ", 14));
    CHECK(!tz_password_verify(enc, "", 0));
    /* the same password hashes differently (random salt) */
    char *enc2 = hash_of("correct horse", 13);
    CHECK(enc2 && strcmp(enc, enc2) != 0);
    CHECK(enc2 && tz_password_verify(enc2, "correct horse", 13));
    free(enc);
    free(enc2);
}

static void test_binary_and_empty_passwords(void) {
    /* lengths are explicit: bytes after a NUL count */
    const char pw[] = {'a', '\0', 'b'};
    char *enc = hash_of(pw, sizeof pw);
    if (enc) {
        CHECK(tz_password_verify(enc, pw, sizeof pw));
        CHECK(!tz_password_verify(enc, "a", 1));
        free(enc);
    }
    enc = hash_of("", 0);
    if (enc) {
        CHECK(tz_password_verify(enc, "", 0));
        CHECK(!tz_password_verify(enc, "x", 1));
        free(enc);
    }
}

static void test_too_long(void) {
    size_t len = TZ_PASSWORD_MAX_LEN + 1;
    char *pw = malloc(len);
    if (!pw) return;
    memset(pw, 'p', len);
    char *enc = (char *)"untouched";
    tz_error *err = tz_password_hash(pw, len, &enc);
    CHECK(err && err->id == TZE_BAD_BASIC_CREDENTIALS);
    CHECK(enc == NULL);
    tz_err_free(err);
    /* the maximum itself is fine */
    enc = hash_of(pw, TZ_PASSWORD_MAX_LEN);
    if (enc) {
        CHECK(tz_password_verify(enc, pw, TZ_PASSWORD_MAX_LEN));
        CHECK(!tz_password_verify(enc, pw, len));  /* over the limit never verifies */
        free(enc);
    }
    free(pw);
}

static void test_garbage_encoded(void) {
    char *good = hash_of("pw", 2);
    if (!good) return;
    const char *bad[] = {
        "",
        "garbage",
        "$argon2id$",
        "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2d$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0",
        "$argon2id$v=19$m=19456,t=2,p=1$!!!!$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFz",           /* tag too short */
        "$argon2id$v=19$m=19456,t=2,p=1$c2E$aGFzaGhhc2hoYXNoaGFzaA",      /* salt too short */
        /* hostile costs: would allocate 4 TiB or loop for hours */
        "$argon2id$v=19$m=4294967295,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=4000000,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=2,p=255$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (tz_password_verify(bad[i], "pw", 2)) {
            fprintf(stderr, "accepted bad encoding #%zu\n", i);
            CHECK(0);
        }
    }
    CHECK(!tz_password_verify(NULL, "pw", 2));
    /* a tampered tag or salt fails */
    size_t n = strlen(good);
    char *t = strdup(good);
    if (t) {
        t[n - 10] = t[n - 10] == 'A' ? 'B' : 'A';  /* inside the tag: decodes, mismatches */
        CHECK(!tz_password_verify(t, "pw", 2));
        free(t);
    }
    /* an over-long string is refused before any work */
    char *longer = malloc(n + 600);
    if (longer) {
        memcpy(longer, good, n);
        memset(longer + n, 'A', 599);
        longer[n + 599] = '\0';
        CHECK(!tz_password_verify(longer, "pw", 2));
        free(longer);
    }
    CHECK(tz_password_verify(good, "pw", 2));
    free(good);
}

/* Hashes made with other parameters (e.g. by another tool or an older release) still verify. */
static void test_other_parameters(void) {
    char enc[256];
    const unsigned char salt[] = "0123456789abcdef";
    CHECK(argon2id_hash_encoded(3, 65536, 4, "secret", 6, salt, 16, 32, enc, sizeof enc) ==
          ARGON2_OK);
    CHECK(tz_password_verify(enc, "secret", 6));
    CHECK(!tz_password_verify(enc, "Secret", 6));
    CHECK(argon2id_hash_encoded(1, 8, 1, "secret", 6, salt, 8, 16, enc, sizeof enc) == ARGON2_OK);
    CHECK(tz_password_verify(enc, "secret", 6));
}

/* The dummy hash an unknown username is checked against costs what a real one costs: same
 * algorithm, version, memory, passes, lanes, salt and hash length as a fresh hash. */
static void test_dummy_hash_matches_the_parameters(void) {
    char *fresh = NULL;
    tz_error *e = tz_password_hash("pw", 2, &fresh);
    CHECK(e == NULL);
    const char *dummy = tz_password_dummy_hash();
    /* "$argon2id$v=19$m=..,t=..,p=..$" and the lengths of salt and hash */
    const char *f_salt = fresh ? strchr(strstr(fresh, "$m=") + 1, '$') : NULL;
    const char *d_salt = strchr(strstr(dummy, "$m=") + 1, '$');
    CHECK(f_salt && d_salt);
    if (f_salt && d_salt) {
        CHECK_INT(f_salt - fresh, d_salt - dummy);
        CHECK(strncmp(fresh, dummy, (size_t)(f_salt - fresh)) == 0);
        CHECK_INT(strlen(f_salt), strlen(d_salt));
    }
    CHECK(tz_password_verify(dummy, "no user has this password", 25));   /* a real hash */
    CHECK(!tz_password_verify_dummy("no user has this password", 25));   /* never a match */
    CHECK(!tz_password_verify_dummy("pw", 2));
    tz_err_free(e);
    free(fresh);
}

int main(void) {
    RUN(test_round_trip);
    RUN(test_dummy_hash_matches_the_parameters);
    RUN(test_binary_and_empty_passwords);
    RUN(test_too_long);
    RUN(test_garbage_encoded);
    RUN(test_other_parameters);
    return TEST_REPORT();
}
