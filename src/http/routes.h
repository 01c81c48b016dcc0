/* The REST route table: method + raw request path -> service operation, target and path
 * parameters. A pure function (no I/O, no allocation, no globals) so that it can be unit-tested and
 * fuzzed on its own; the server calls it before anything else (rest-api §1.1 step 1). */
#ifndef TZ_HTTP_ROUTES_H
#define TZ_HTTP_ROUTES_H
#include <stddef.h>
#include "service/service.h"

/* The REST prefix every token route lives under (rest-api §0). */
#define TZ_REST_PREFIX "/api/v3/onezone"
/* More decoded path segments than this cannot name any route: such paths are 404. */
#define TZ_ROUTE_MAX_SEGMENTS 64

typedef enum tz_route_status {
    TZ_ROUTE_OK,                 /* op, target and parameters are set */
    TZ_ROUTE_NOT_FOUND,          /* no route has this path -> 404 */
    TZ_ROUTE_METHOD_NOT_ALLOWED, /* the path exists, the method does not -> 405, `allow` is set */
    TZ_ROUTE_BAD_PATH,           /* malformed percent-encoding, a raw NUL byte, a path not
                                    starting with '/', or a decoded NUL or '/' inside an id
                                    parameter (a decoded NUL inside a name) -> 400 */
} tz_route_status;

typedef struct tz_route {
    tz_op op;
    tz_target target;
    /* Percent-decoded, NUL-terminated parameters pointing into the caller's scratch buffer;
     * NULL when the route has no such parameter. */
    const char *subject_id;
    const char *token_id;
    const char *name;
    /* For TZ_ROUTE_METHOD_NOT_ALLOWED: the value of the Allow header (static string). */
    const char *allow;
    /* For TZ_ROUTE_OK and TZ_ROUTE_METHOD_NOT_ALLOWED: the index of the path pattern matched
     * (tz_route_pattern), e.g. for metrics labels. */
    unsigned pattern;
} tz_route;

/* Matches `method` (NUL-terminated, case-sensitive) and the raw path `path`/`path_len` (query
 * string already removed, percent-encoding still in place). Segments are split on '/', then each
 * is percent-decoded, then "." and ".." segments are removed; one trailing slash is tolerated.
 * `scratch` (caller-owned, at least path_len + 1 bytes, else TZ_ROUTE_BAD_PATH) receives the
 * decoded segments; out's parameter pointers borrow from it. `out` is fully set only for
 * TZ_ROUTE_OK (and `allow` for TZ_ROUTE_METHOD_NOT_ALLOWED). */
tz_route_status tz_route_match(const char *method, const char *path, size_t path_len,
                               char *scratch, size_t scratch_len, tz_route *out);

/* The number of path patterns, and the text of pattern `idx` as a metrics label (the full path
 * with {uid}, {pid}, {id} and {name} in place of parameters) written into buf (n bytes), or
 * NULL past the end. */
size_t tz_route_pattern_count(void);
const char *tz_route_pattern(size_t idx, char *buf, size_t n);


#endif
