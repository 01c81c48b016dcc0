/* The web page for tokens (src/web/, compiled in): routes for the mechanism of http/extra.h.
 * `/` is the page, `/web/<file>` its scripts and styles. */
#ifndef TZ_HTTP_WEB_ROUTES_H
#define TZ_HTTP_WEB_ROUTES_H
#include <stddef.h>
#include "http/extra.h"

/* Appends the page's routes to `routes` (room for `cap`, `*n` used); false when they don't fit. */
bool tz_web_add_routes(tz_extra_route *routes, size_t cap, size_t *n);

#endif
