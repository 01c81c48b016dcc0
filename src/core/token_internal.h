/* Pieces shared by the token modules of src/core (identifier, type wire form, JSON text of raw
 * bytes, the signature chain). Internal to src/core. */
#ifndef TZ_CORE_TOKEN_INTERNAL_H
#define TZ_CORE_TOKEN_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/err.h"
#include "core/slice.h"
#include "core/token.h"

/* A JSON string of raw bytes: valid UTF-8 is kept, every invalid sequence becomes U+FFFD (token
 * fields come from untrusted input and JSON needs UTF-8). New reference; NULL on allocation failure. */
json_t *tz_json_text(const char *p, size_t n);

/* Type field of the identifier (token-format §8.1). Parse failure: TZE_BAD_TOKEN; on success the
 * caller owns out's strings (tz_token_type_clear). */
tz_error *tz_token_type_parse_wire(const char *s, size_t len, tz_token_type *out);
/* Canonical wire form ("act", "act:S", "idn", "ssp:ID:ge"...); malloc'd, NULL on allocation
 * failure. */
char *tz_token_type_wire(const tz_token_type *t);

/* Parses an identifier (token-format §5, §6) into t's version, named, generation, subject, type
 * and id (which must be empty on entry; on failure they are left cleared). Failure: TZE_BAD_TOKEN. */
tz_error *tz_identifier_parse(const char *s, size_t len, tz_token *t);
/* The canonical identifier of t's fields (ignores t->raw_identifier); malloc'd, caller owns, NULL
 * on allocation failure or an unknown version. */
char *tz_identifier_build(const tz_token *t, size_t *len_out);

/* The signature chain of token-format §4.3 from a root key: HMAC(k0, identifier), then one HMAC per
 * caveat. */
void tz_token_chain(const uint8_t k0[32], tz_slice identifier, const tz_raw_caveat *caveats,
                    size_t n_caveats, uint8_t sig[TZ_SIGNATURE_LEN]);
/* Folds further caveats into an existing signature (confinement). */
void tz_token_chain_extend(uint8_t sig[TZ_SIGNATURE_LEN], const tz_raw_caveat *caveats, size_t n);

#endif
