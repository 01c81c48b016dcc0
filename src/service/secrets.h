/* Token secrets at rest: every secret the store holds is sealed (src/core/seal.h) under the
 * master key (master_key.h) and bound to its row, and the named-token column that once held the
 * issued token holds only its unsigned template (type and caveats, never a signature), from which
 * the token is recomputed with the unsealed secret. Used by the service, `tokenzone serve` (start-up
 * check and migration) and `tokenzone admin` (provider root tokens, master-key rotation). */
#ifndef TZ_SERVICE_SECRETS_H
#define TZ_SERVICE_SECRETS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/token.h"
#include "service/master_key.h"
#include "store/store.h"

#define TZ_SECRETS_WHY_MAX 512

/* Seals a plain hex secret for a named token / for a subject's temporary tokens. *out malloc'd. */
tz_error *tz_secrets_seal_named(tz_keyring *kr, const char *token_id, const char *plain, char **out);
tz_error *tz_secrets_seal_temp(tz_keyring *kr, const tz_subject *subject, const char *plain, char **out);
/* Opens a stored secret into out (TZ_SECRET_HEX_LEN + 1 bytes, NUL-terminated hex). */
tz_error *tz_secrets_open_named(tz_keyring *kr, const char *token_id, const char *sealed,
                                char out[TZ_SECRET_HEX_LEN + 1]);
tz_error *tz_secrets_open_temp(tz_keyring *kr, const tz_subject *subject, const char *sealed,
                               char out[TZ_SECRET_HEX_LEN + 1]);

/* The template of a named token: {"v":VERSION,"type":TYPE,"caveats":[RAW...]}; malloc'd. */
char *tz_token_template(const tz_token *t);
/* Recomputes the serialized token from its template, id, subject, the zone domain and the plain
 * secret. *out malloc'd (caller wipes and frees). TZE_INTERNAL for a template that does not parse. */
tz_error *tz_token_from_template(const char *tmpl, const char *token_id, const tz_subject *subject,
                                 const char *domain, const char *secret, char **out);

/* Start-up check and migration, before the server accepts connections:
 *  - every sealed secret names a version the keyring has, and one secret of each version opens
 *    (else: a clear reason in why, the key file is missing a version or is the wrong file);
 *  - legacy rows (plain secrets, whole tokens in the token column) are sealed and templated in
 *    one transaction; rows changed meanwhile are left to the next start (idempotent);
 *  - after a migration the store is scrubbed so no plain value survives in free pages or the log
 *    (an error if that fails); every other start empties the store's log, best effort, which
 *    completes the erasure of a start that sealed but could not scrub.
 * *migrated counts converted rows. */
tz_error *tz_secrets_prepare(tz_store *s, tz_keyring *kr, size_t *migrated, char why[TZ_SECRETS_WHY_MAX]);

/* Per-version census of the stored secrets: counts[i] for versions[i] (the keyring's versions,
 * ascending), *other for sealed values of versions the keyring lacks, *plain for unsealed ones. */
tz_error *tz_secrets_census(tz_store *s, tz_keyring *kr, const uint32_t *versions, size_t n_versions,
                            size_t *counts, size_t *other, size_t *plain);

/* Reseals every secret not sealed with the current version, `batch` rows per transaction, each
 * change conditional on the row being unchanged (a concurrent revoke-all or deletion wins).
 * *resealed counts replaced rows, *skipped rows that changed meanwhile. */
tz_error *tz_secrets_reseal(tz_store *s, tz_keyring *kr, size_t batch, size_t *resealed, size_t *skipped,
                            char why[TZ_SECRETS_WHY_MAX]);

/* Opens the master keyring for the store at `location`, following the start-up rules:
 * `path` (from --master-key-file or the environment; NULL = DIR/master.key for a directory store,
 * refused for a shared store) is read; when it does not exist it is created with a fresh key only
 * if the store holds no sealed secret yet (otherwise the key was lost or the path is wrong: a
 * clear error, never a new key that would make every stored token invalid). *path_used is
 * malloc'd (caller frees). On failure *why says what is wrong. */
tz_error *tz_secrets_open_keyring(tz_store *s, const char *location, const char *path, tz_keyring **out,
                                  char **path_used, char why[TZ_SECRETS_WHY_MAX]);

/* Does any store location name a server rather than a directory (e.g. postgresql://)? Such
 * stores are shared by several nodes, which must be given the same key file explicitly. */
bool tz_store_location_is_remote(const char *location);

#endif
