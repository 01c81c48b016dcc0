/* Sealing of stored token secrets: AES-256-GCM under a versioned master key, bound to the row the
 * secret belongs to. Pure: the caller supplies the key bytes and the nonce; nothing here reads
 * files, clocks or random sources, and nothing is logged.
 *
 * Sealed text: "tzs1$VERSION$BASE64" where VERSION is the key version in decimal (1..2^31-1) and
 * BASE64 is standard padded base64 of nonce (12 bytes) | ciphertext | tag (16 bytes). The
 * associated data is "tokenzone sealed secret\n" + VERSION + "\n" + binding, so neither the
 * version nor the row (binding: the token id of a named token, the subject of a temporary-token
 * secret) can be changed without the tag failing. */
#ifndef TZ_CORE_SEAL_H
#define TZ_CORE_SEAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define TZ_SEAL_KEY_LEN 32
#define TZ_SEAL_NONCE_LEN 12
#define TZ_SEAL_TAG_LEN 16
#define TZ_SEAL_MAX_PLAIN 256          /* secrets are 64 hex chars; room to spare */
#define TZ_SEAL_MAX_VERSION 2147483647u
#define TZ_SEAL_PREFIX "tzs1$"

/* Does `text` have the shape of sealed text (prefix, version, base64)? Says nothing about
 * whether it opens. */
bool tz_seal_is_sealed(const char *text);

/* The key version named by sealed text. Error: TZE_INTERNAL when the text is not sealed text. */
tz_error *tz_seal_version(const char *sealed, uint32_t *version);

/* Seals plain[0..n) (1..TZ_SEAL_MAX_PLAIN bytes) with `key` of version `version`, binding it to
 * `binding` (NUL-terminated, non-empty). The nonce must be fresh random bytes for every call.
 * *out is a malloc'd NUL-terminated string owned by the caller. Errors: TZE_INTERNAL. */
tz_error *tz_seal(const uint8_t key[TZ_SEAL_KEY_LEN], uint32_t version,
                  const uint8_t nonce[TZ_SEAL_NONCE_LEN], const char *binding,
                  const uint8_t *plain, size_t n, char **out);

/* Opens sealed text with `key` (which must be the key of the version the text names) for the row
 * `binding`. Writes the plain bytes to out (cap bytes available) and their count to *n; a NUL is
 * appended when room allows. Errors: TZE_INTERNAL for malformed text, a wrong key, a different
 * binding or any tampering (indistinguishable on purpose). Nothing is left in out on failure. */
tz_error *tz_unseal(const uint8_t key[TZ_SEAL_KEY_LEN], const char *sealed, const char *binding,
                    uint8_t *out, size_t cap, size_t *n);
/* tz_unseal with an AES-256-GCM implementation the caller fetched once (EVP_CIPHER_fetch "AES-256-GCM",
 * borrowed; NULL = OpenSSL's default, fetched anew on every call as tz_unseal does). */
struct evp_cipher_st;
tz_error *tz_unseal_with(const struct evp_cipher_st *aes_256_gcm, const uint8_t key[TZ_SEAL_KEY_LEN],
                         const char *sealed, const char *binding, uint8_t *out, size_t cap, size_t *n);

#endif
