/* Argon2id password hashes (PHC string format) for Basic authentication.
 *
 * Cost parameters follow the OWASP Password Storage Cheat Sheet's first Argon2id configuration:
 * m = 19 MiB, t = 2, p = 1. Every Basic-authenticated request pays one verification, so the cost
 * is set at the recommended minimum rather than higher (about 20-40 ms of one core); hashes made
 * with other parameters keep verifying because the parameters travel in the encoded string.
 * Salt: 16 random bytes, tag: 32 bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include "service/password.h"

#define PW_T_COST 2u
#define PW_M_COST_KIB 19456u
#define PW_PARALLELISM 1u
#define PW_SALT_LEN 16u
#define PW_HASH_LEN 32u

/* Limits on parameters accepted when verifying, so a corrupt or hostile stored string cannot make
 * one login allocate gigabytes or spin for minutes. */
#define PW_MAX_M_COST_KIB (256u * 1024u)
#define PW_MAX_T_COST 16u
#define PW_MAX_PARALLELISM 16u
#define PW_MAX_ENCODED_LEN 512u
#define PW_MAX_SALT_LEN 64u
#define PW_MIN_HASH_LEN 16
#define PW_MAX_HASH_LEN 64u

tz_error *tz_password_hash(const char *password, size_t len, char **encoded_out) {
    *encoded_out = NULL;
    if (len > TZ_PASSWORD_MAX_LEN) return tz_err_new(TZE_BAD_BASIC_CREDENTIALS);
    if (!password && len) return tz_err_new(TZE_INTERNAL);
    uint8_t salt[PW_SALT_LEN];
    if (RAND_bytes(salt, sizeof salt) != 1) return tz_err_new(TZE_INTERNAL);
    size_t enc_len = argon2_encodedlen(PW_T_COST, PW_M_COST_KIB, PW_PARALLELISM, PW_SALT_LEN,
                                       PW_HASH_LEN, Argon2_id);
    char *encoded = malloc(enc_len);
    if (!encoded) return tz_err_new(TZE_INTERNAL);
    int rc = argon2id_hash_encoded(PW_T_COST, PW_M_COST_KIB, PW_PARALLELISM,
                                   password ? password : "", len, salt, sizeof salt, PW_HASH_LEN,
                                   encoded, enc_len);
    OPENSSL_cleanse(salt, sizeof salt);
    if (rc != ARGON2_OK) {
        free(encoded);
        return tz_err_new(TZE_INTERNAL);
    }
    *encoded_out = encoded;
    return NULL;
}

/* The parts of a PHC string "$argon2id$v=19$m=M,t=T,p=P$<salt>$<hash>" (unpadded base64). */
typedef struct phc {
    unsigned m, t, p;
    uint8_t salt[PW_MAX_SALT_LEN];
    size_t salt_len;
    uint8_t hash[PW_MAX_HASH_LEN];
    size_t hash_len;
} phc;

static int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decodes unpadded base64 of exactly `len` chars into out (cap bytes). Returns the byte count, or
 * -1 if malformed or too long. */
static long b64_decode(const char *in, size_t len, uint8_t *out, size_t cap) {
    if (len % 4 == 1) return -1;
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(in[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap) return -1;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    if (acc & ((1u << bits) - 1)) return -1;  /* non-canonical trailing bits */
    return (long)n;
}

/* Parses an encoded hash and checks its parameters against the limits above. */
static bool parse_phc(const char *encoded, phc *out) {
    unsigned version = 0;
    int used = 0;
    if (sscanf(encoded, "$argon2id$v=%u$m=%u,t=%u,p=%u$%n", &version, &out->m, &out->t, &out->p,
               &used) != 4 || used == 0)
        return false;
    if (version != ARGON2_VERSION_13 || out->m < 8 * out->p || out->m > PW_MAX_M_COST_KIB ||
        out->t < 1 || out->t > PW_MAX_T_COST || out->p < 1 || out->p > PW_MAX_PARALLELISM)
        return false;
    const char *salt = encoded + used;
    const char *dollar = strchr(salt, '$');
    if (!dollar) return false;
    const char *hash = dollar + 1;
    long salt_len = b64_decode(salt, (size_t)(dollar - salt), out->salt, sizeof out->salt);
    long hash_len = b64_decode(hash, strlen(hash), out->hash, sizeof out->hash);
    if (salt_len < ARGON2_MIN_SALT_LENGTH || hash_len < PW_MIN_HASH_LEN) return false;
    out->salt_len = (size_t)salt_len;
    out->hash_len = (size_t)hash_len;
    return true;
}

bool tz_password_verify(const char *encoded, const char *password, size_t len) {
    if (!encoded || (!password && len) || len > TZ_PASSWORD_MAX_LEN) return false;
    if (strnlen(encoded, PW_MAX_ENCODED_LEN + 1) > PW_MAX_ENCODED_LEN) return false;
    phc h;
    if (!parse_phc(encoded, &h)) return false;
    uint8_t derived[PW_MAX_HASH_LEN];
    int rc = argon2id_hash_raw(h.t, h.m, h.p, password ? password : "", len, h.salt, h.salt_len,
                               derived, h.hash_len);
    bool ok = rc == ARGON2_OK && CRYPTO_memcmp(derived, h.hash, h.hash_len) == 0;
    OPENSSL_cleanse(derived, sizeof derived);
    OPENSSL_cleanse(&h, sizeof h);
    return ok;
}

/* argon2id of a password nobody has, salt "tokenzone-dummy!", with PW_T_COST, PW_M_COST_KIB,
 * PW_PARALLELISM, PW_SALT_LEN and PW_HASH_LEN: keep them in step (test_password.c checks). */
static const char DUMMY_HASH[] =
    "$argon2id$v=19$m=19456,t=2,p=1$dG9rZW56b25lLWR1bW15IQ$pYwyK8wVQ1ojEVYehsICZi5Fj1DCWAjBgL45Uy4ummw";

bool tz_password_verify_dummy(const char *password, size_t len) {
    bool match = tz_password_verify(DUMMY_HASH, password, len);
    (void)match;   /* even the dummy's own password must not authenticate anybody */
    return false;
}

const char *tz_password_dummy_hash(void) { return DUMMY_HASH; }
