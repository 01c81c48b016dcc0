/* HMAC-SHA256 with pre-absorbed pad blocks (see hmac.h for why). */
#include "core/hmac.h"
#include <string.h>
#include <openssl/crypto.h>

#define BLOCK 64u

/* SHA-256 states after absorbing one block of ("macaroons-key-generator" || 0 x 41) ^ 0x36 (inner)
 * and ^ 0x5c (outer): the keyed states of libmacaroons' constant key-generator key. The unit tests
 * recompute them from the key. */
static const SHA256_CTX keygen_inner = {
    .h = {0x9077a15bu, 0xd63d8c38u, 0x24d70d8bu, 0xa0d63f24u,
          0x48036cbfu, 0x16ffae7du, 0x4857e31du, 0xbb1f1d67u},
    .Nl = BLOCK * 8, .Nh = 0, .num = 0, .md_len = SHA256_DIGEST_LENGTH,
};
static const SHA256_CTX keygen_outer = {
    .h = {0xbdcc52d8u, 0x514c306du, 0xa4614039u, 0xaa6e3e88u,
          0xc98a3415u, 0xb547216bu, 0x5b2934f4u, 0x80536d5fu},
    .Nl = BLOCK * 8, .Nh = 0, .num = 0, .md_len = SHA256_DIGEST_LENGTH,
};

void tz_hmac_key_init(tz_hmac_key *k, const uint8_t *key, size_t key_len) {
    uint8_t block[BLOCK] = {0};
    if (key_len > BLOCK) {
        /* the low-level calls, not SHA256(): that one-shot fetches an EVP digest in OpenSSL 3 */
        SHA256_CTX c;
        SHA256_Init(&c);
        SHA256_Update(&c, key, key_len);
        SHA256_Final(block, &c);
    } else if (key_len) {
        memcpy(block, key, key_len);
    }
    for (size_t i = 0; i < BLOCK; i++) block[i] ^= 0x36;
    SHA256_Init(&k->inner);
    SHA256_Update(&k->inner, block, BLOCK);
    for (size_t i = 0; i < BLOCK; i++) block[i] ^= 0x36 ^ 0x5c;
    SHA256_Init(&k->outer);
    SHA256_Update(&k->outer, block, BLOCK);
    OPENSSL_cleanse(block, sizeof block);
}

static void finish(const SHA256_CTX *inner_keyed, const SHA256_CTX *outer_keyed, const uint8_t *msg,
                   size_t msg_len, uint8_t out[TZ_HMAC_LEN]) {
    SHA256_CTX c = *inner_keyed;
    uint8_t inner_digest[SHA256_DIGEST_LENGTH];
    SHA256_Update(&c, msg, msg_len);
    SHA256_Final(inner_digest, &c);
    c = *outer_keyed;
    SHA256_Update(&c, inner_digest, sizeof inner_digest);
    SHA256_Final(out, &c);
    OPENSSL_cleanse(inner_digest, sizeof inner_digest);
    OPENSSL_cleanse(&c, sizeof c);
}

void tz_hmac_keyed(const tz_hmac_key *k, const uint8_t *msg, size_t msg_len, uint8_t out[TZ_HMAC_LEN]) {
    finish(&k->inner, &k->outer, msg, msg_len, out);
}

void tz_hmac_key_clear(tz_hmac_key *k) {
    OPENSSL_cleanse(k, sizeof *k);
}

void tz_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                    uint8_t out[TZ_HMAC_LEN]) {
    tz_hmac_key k;
    tz_hmac_key_init(&k, key, key_len);
    tz_hmac_keyed(&k, msg, msg_len, out);
    tz_hmac_key_clear(&k);
}

void tz_hmac_macaroon_root_key(const uint8_t *secret, size_t secret_len, uint8_t k0[TZ_HMAC_LEN]) {
    finish(&keygen_inner, &keygen_outer, secret, secret_len, k0);
}
