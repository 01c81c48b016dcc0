/* The standard integration routes outside the JSON API (http/extra.h): RFC 7662 introspection,
 * RFC 7009 revocation, RFC 8414 metadata and forward auth. Logic lives in service/oauth.h. */
#ifndef TZ_HTTP_OAUTH_ROUTES_H
#define TZ_HTTP_OAUTH_ROUTES_H
#include <stddef.h>
#include "http/extra.h"

#define TZ_OAUTH_INTROSPECT_PATH "/oauth2/introspect"
#define TZ_OAUTH_REVOKE_PATH "/oauth2/revoke"
#define TZ_OAUTH_METADATA_PATH "/.well-known/oauth-authorization-server"
#define TZ_FORWARD_AUTH_PATH "/forward-auth"
#define TZ_OAUTH_N_ROUTES 5

/* Appends the routes to routes[*n..cap); false (nothing appended) when they do not fit. */
bool tz_oauth_routes_append(tz_extra_route *routes, size_t *n, size_t cap);

#endif
