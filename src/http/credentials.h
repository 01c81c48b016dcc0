/* Credentials from request headers (rest-api §2.1). Pure functions over header values; the server
 * looks the headers up and keeps them alive while the credentials are used. */
#ifndef TZ_HTTP_CREDENTIALS_H
#define TZ_HTTP_CREDENTIALS_H
#include <stdbool.h>
#include <stddef.h>
#include "service/service.h"

/* The name of the Onezone GUI session cookie. */
#define TZ_SESSION_COOKIE "SID"

/* Fills *out from header values (NULL = header absent); every pointer in *out borrows from the
 * arguments. `authorization` yields `bearer` after an exact "Bearer " prefix or `basic` after an
 * exact "Basic " prefix; any other Authorization value counts as absent. The session cookie is
 * left NULL (see tz_cookie_find). */
void tz_credentials_from_headers(const char *x_auth_token, const char *authorization,
                                 const char *macaroon, const char *service_token,
                                 const char *consumer_token, tz_credentials *out);

/* Finds the first cookie called `name` (case-sensitive) in one Cookie header value
 * ("a=1; b=2"). On success *value and *len point into `header` (borrowed; value not unquoted).
 * Pairs without '=' are skipped. */
bool tz_cookie_find(const char *header, const char *name, const char **value, size_t *len);

#endif
