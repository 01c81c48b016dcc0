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

/* SHA-256 of the rest of a message whose first `prefix` bytes (whole blocks) are already in c->h:
 * whole blocks go straight to the compression function, then one or two padding blocks. This skips
 * SHA256_Update's buffering, which costs as much as a compression for the short messages of the
 * chain. Only c->h is used. */
static void finish_blocks(SHA256_CTX *c, size_t prefix, const uint8_t *msg, size_t len,
                          uint8_t out[SHA256_DIGEST_LENGTH]) {
    uint64_t bits = ((uint64_t)prefix + len) * 8u;
    for (; len >= BLOCK; msg += BLOCK, len -= BLOCK) SHA256_Transform(c, msg);
    uint8_t tail[2 * BLOCK];
    size_t n = len + 9 <= BLOCK ? BLOCK : 2 * BLOCK;
    memset(tail, 0, n);
    if (len) memcpy(tail, msg, len);
    tail[len] = 0x80;
    for (int i = 0; i < 8; i++) tail[n - 1 - i] = (uint8_t)(bits >> (8 * i));
    SHA256_Transform(c, tail);
    if (n > BLOCK) SHA256_Transform(c, tail + BLOCK);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
    OPENSSL_cleanse(tail, n);
}

void tz_hmac_chain_step(uint8_t sig[TZ_HMAC_LEN], const uint8_t *msg, size_t msg_len) {
    uint8_t block[BLOCK];
    SHA256_CTX c;
    memset(block + TZ_HMAC_LEN, 0x36, BLOCK - TZ_HMAC_LEN);
    for (size_t i = 0; i < TZ_HMAC_LEN; i++) block[i] = sig[i] ^ 0x36;
    SHA256_Init(&c);
    SHA256_Transform(&c, block);
    uint8_t inner[SHA256_DIGEST_LENGTH];
    finish_blocks(&c, BLOCK, msg, msg_len, inner);
    for (size_t i = 0; i < BLOCK; i++) block[i] ^= 0x36 ^ 0x5c;
    SHA256_Init(&c);
    SHA256_Transform(&c, block);
    finish_blocks(&c, BLOCK, inner, sizeof inner, sig);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(inner, sizeof inner);
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
    SHA256_CTX c = keygen_inner;
    uint8_t inner[SHA256_DIGEST_LENGTH];
    finish_blocks(&c, BLOCK, secret, secret_len, inner);
    c = keygen_outer;
    finish_blocks(&c, BLOCK, inner, sizeof inner, k0);
    OPENSSL_cleanse(inner, sizeof inner);
    OPENSSL_cleanse(&c, sizeof c);
}
