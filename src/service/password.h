/* Argon2id password hashes for Basic authentication. */
#ifndef TZ_SERVICE_PASSWORD_H
#define TZ_SERVICE_PASSWORD_H
#include <stdbool.h>
#include <stddef.h>
#include "core/err.h"

/* Hashes `password` with Argon2id and a random salt into the PHC string format
 * ($argon2id$v=19$m=...,t=...,p=...$salt$hash). *encoded_out is malloc'd, owned by the caller.
 * Passwords longer than TZ_PASSWORD_MAX_LEN are refused (TZE_BAD_BASIC_CREDENTIALS). */
#define TZ_PASSWORD_MAX_LEN 1024
tz_error *tz_password_hash(const char *password, size_t len, char **encoded_out);
/* True iff `password` matches `encoded` (constant-time comparison of the derived hash). */
bool tz_password_verify(const char *encoded, const char *password, size_t len);

#endif
