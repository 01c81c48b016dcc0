/* The master key file: the versioned AES-256 keys that seal every stored token secret
 * (src/core/seal.h). The file lives outside the store on purpose: a copy of the store without it
 * cannot produce a token that verifies.
 *
 * Format (text, mode 0600, one key per line, '#' comments):
 *     VERSION HEX64
 * VERSION is 1..2147483647, HEX64 is the 32-byte key as 64 lowercase hex characters; the highest
 * version seals new secrets, the others only open secrets sealed earlier. */
#ifndef TZ_SERVICE_MASTER_KEY_H
#define TZ_SERVICE_MASTER_KEY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/seal.h"

#define TZ_MASTER_KEY_ENV "TOKENZONE_MASTER_KEY_FILE"
#define TZ_MASTER_KEY_DEFAULT_NAME "master.key"
#define TZ_MASTER_KEY_MAX_VERSIONS 64
#define TZ_MASTER_KEY_WHY_MAX 512

/* The keys of one key file; safe to share between threads. Opaque. */
typedef struct tz_keyring tz_keyring;

/* Reads the key file at `path` into a new keyring (*out, caller frees with tz_keyring_free, which
 * wipes the keys). With `create` and no file at `path`, first writes a new file (0600) holding
 * version 1 with a fresh random key. On failure *why (if not NULL) gets a one-line reason: the
 * file is missing, unreadable, group/other-accessible, malformed, or holds no key. */
tz_error *tz_keyring_load(const char *path, bool create, tz_keyring **out,
                          char why[TZ_MASTER_KEY_WHY_MAX]);
void tz_keyring_free(tz_keyring *kr);

/* The version that seals new secrets. */
uint32_t tz_keyring_current(const tz_keyring *kr);
/* Does the keyring hold `version`? */
bool tz_keyring_has(const tz_keyring *kr, uint32_t version);
/* The versions, ascending, into v[cap]; returns their count. */
size_t tz_keyring_versions(const tz_keyring *kr, uint32_t *v, size_t cap);
/* Re-reads the file if it changed since it was read (an operator added a version while the
 * server runs); keeps the keys held so far when the file cannot be read. Returns whether the
 * keyring changed. */
bool tz_keyring_reload(tz_keyring *kr);

/* Seals a secret of `n` bytes for the row `binding` with the current key. *out malloc'd. */
tz_error *tz_keyring_seal(tz_keyring *kr, const char *binding, const uint8_t *plain, size_t n,
                          char **out);
/* Opens sealed text for `binding` into out[cap] (NUL-terminated); *n = length. A version the
 * keyring lacks makes it re-read the file (if the file changed) before failing. TZE_INTERNAL on any
 * failure; *unknown_version (if not NULL) says the version was missing rather than the text not
 * opening. */
tz_error *tz_keyring_unseal(tz_keyring *kr, const char *sealed, const char *binding, uint8_t *out,
                            size_t cap, size_t *n, bool *unknown_version);

/* Adds a new version (highest + 1) with a fresh random key to the file at `path`, rewriting it
 * atomically (0600, fsync, rename). *version gets the new version. */
tz_error *tz_master_key_add_version(const char *path, uint32_t *version, char why[TZ_MASTER_KEY_WHY_MAX]);
/* Removes `version` from the file (never the current, i.e. highest, one). */
tz_error *tz_master_key_remove_version(const char *path, uint32_t version, char why[TZ_MASTER_KEY_WHY_MAX]);

#endif
