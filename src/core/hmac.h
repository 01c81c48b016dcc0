/* HMAC-SHA256 on OpenSSL's low-level SHA256_CTX, with the inner and outer pad blocks absorbed once
 * per key: the token signature chain (token-format §4.3) is the server's hot path, and copying a
 * keyed state is cheaper than re-keying or fetching an EVP implementation per call. Internal to
 * src/core. */
#ifndef TZ_CORE_HMAC_H
#define TZ_CORE_HMAC_H
#include <stddef.h>
#include <stdint.h>
#include <openssl/sha.h>

#define TZ_HMAC_LEN 32u

/* A keyed HMAC: SHA-256 states that have absorbed key^ipad and key^opad. Holds key material; wipe
 * with tz_hmac_key_clear. */
typedef struct tz_hmac_key {
    SHA256_CTX inner;
    SHA256_CTX outer;
} tz_hmac_key;

/* Keys `k` (keys longer than the 64-byte block are hashed first, as RFC 2104 says). */
void tz_hmac_key_init(tz_hmac_key *k, const uint8_t *key, size_t key_len);
/* HMAC of msg under a keyed state; `k` is not modified, so it can be reused. */
void tz_hmac_keyed(const tz_hmac_key *k, const uint8_t *msg, size_t msg_len, uint8_t out[TZ_HMAC_LEN]);
void tz_hmac_key_clear(tz_hmac_key *k);

/* One-shot HMAC-SHA256 (out may alias key). */
void tz_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                    uint8_t out[TZ_HMAC_LEN]);

/* One link of the macaroon signature chain: sig = HMAC-SHA256(key = sig, msg), for a 32-byte key;
 * the compression function is called directly (no SHA256_Update buffering). Same result as
 * tz_hmac_sha256(sig, 32, msg, msg_len, sig). */
void tz_hmac_chain_step(uint8_t sig[TZ_HMAC_LEN], const uint8_t *msg, size_t msg_len);

/* libmacaroons' root key: HMAC("macaroons-key-generator" || 0x00 x 9, secret). The generator key is
 * constant, so its pad states are compile-time constants. */
void tz_hmac_macaroon_root_key(const uint8_t *secret, size_t secret_len, uint8_t k0[TZ_HMAC_LEN]);

#endif
