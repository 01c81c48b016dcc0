/* Standard padded base64 (RFC 4648 §4: `+ /` and `=` padding), as used by sealed secrets
 * (seal.h) and data.path caveat elements (token-format §10.12). Unlike the token's own URL-safe
 * unpadded base64, decoding here is strict: only canonical text is accepted, so a decoded path
 * re-encodes to the same bytes. */
#ifndef TZ_CORE_B64STD_H
#define TZ_CORE_B64STD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the padded encoding of n bytes: 4 * ceil(n / 3). */
size_t tz_b64std_encoded_len(size_t n);

/* Writes tz_b64std_encoded_len(n) characters to out (no NUL). */
void tz_b64std_encode(const uint8_t *in, size_t n, char *out);

/* Decodes canonical padded base64: length a multiple of 4, alphabet `A-Z a-z 0-9 + /`, at most two
 * `=` only at the end, unused trailing bits zero. `out` must hold len / 4 * 3 bytes. Returns false
 * for anything else (nothing useful is left in out then). The empty string decodes to 0 bytes. */
bool tz_b64std_decode(const char *in, size_t len, uint8_t *out, size_t *out_len);

#endif
