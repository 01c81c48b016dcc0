/* The outer text layers of a serialized token (token-format §3): base62 escaping and URL-safe
 * unpadded base64. Internal to src/core; no allocation, the caller supplies buffers of the sizes
 * stated per function. */
#ifndef TZ_CORE_CODEC_H
#define TZ_CORE_CODEC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

/* Escapes `0 _ - / + =` as `00 01 02 03 04 05`. `out` must hold 2 * len bytes; returns the number of
 * bytes written (no NUL). */
size_t tz_base62_escape(const char *in, size_t len, char *out);

/* Reverses tz_base62_escape with the reference decoder's leniencies: a `0` as the very last
 * character is copied literally and every other character passes unchanged. `out` must hold len
 * bytes. Failure (a `0` followed by anything but 0-5): TZE_BAD_TOKEN. */
tz_error *tz_base62_unescape(const char *in, size_t len, char *out, size_t *out_len);

/* Length of the unpadded base64 text of n bytes: ceil(4n / 3). */
size_t tz_b64url_encoded_len(size_t n);

/* RFC 4648 URL-safe alphabet, no `=` padding. `out` must hold tz_b64url_encoded_len(n) bytes; no NUL
 * is written. */
void tz_b64url_encode(const uint8_t *in, size_t n, char *out);

/* Upper bound of the decoded size of len base64 characters. */
size_t tz_b64url_decoded_cap(size_t len);

/* Lenient decoding as the reference does it: both alphabets (even mixed), missing padding restored
 * (len mod 4 == 2 or 3), explicit padding accepted, then strict decoding. `out` must hold
 * tz_b64url_decoded_cap(len) bytes. Failure: TZE_BAD_TOKEN (len mod 4 == 1, a character outside the
 * alphabets, misplaced or excess `=`). */
tz_error *tz_b64url_decode(const char *in, size_t len, uint8_t *out, size_t *out_len);

#endif
