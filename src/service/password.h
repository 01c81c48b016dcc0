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
/* Does the work of tz_password_verify against a fixed hash with the same parameters as
 * tz_password_hash and returns false: an unknown username then costs what a wrong password
 * costs, so usernames cannot be told apart by the time of the reply. */
bool tz_password_verify_dummy(const char *password, size_t len);
/* The fixed hash tz_password_verify_dummy uses (for tests). */
const char *tz_password_dummy_hash(void);

#endif
