/* Routes outside the JSON API: everything the server answers that is not under TZ_REST_PREFIX
 * (web page assets, OAuth 2.0 introspection and revocation, forward auth, metrics, health).
 *
 * One mechanism for all of them: the server is given a table of tz_extra_route; a request whose
 * path is not under TZ_REST_PREFIX is matched against it (exact path, or prefix), its body is read
 * whatever its media type (up to the server's body limit), and the route's handler fills a
 * tz_extra_resp that the server sends. Such routes skip the JSON API's authentication and content
 * negotiation: a handler authenticates for itself through the service. A path under
 * TZ_REST_PREFIX never reaches this table, and a path that matches nothing here is the JSON API's
 * 404. */
#ifndef TZ_HTTP_EXTRA_H
#define TZ_HTTP_EXTRA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "service/service.h"

struct MHD_Connection;

/* What a handler sees of the request. Everything is borrowed for the duration of the call. */
typedef struct tz_extra_req {
    struct MHD_Connection *conn;  /* for tz_extra_header / tz_extra_query */
    const char *method;
    const char *path;             /* raw (still percent-encoded), without the query string */
    const char *body;             /* NUL-terminated copy of the whole body; NULL when empty */
    size_t body_len;
    bool peer_ip_known;           /* the direct TCP peer, IPv4 (IPv4-mapped IPv6 included) */
    uint32_t peer_ip;
    bool tls;                     /* the request came over HTTPS */
    tz_service_ctx *svc;
    void *ud;                     /* the route's user data */
} tz_extra_req;

/* A request header (case-insensitive name), NULL when absent. Borrowed from the connection. */
const char *tz_extra_header(const tz_extra_req *r, const char *name);

/* Decodes the value of `name` in an application/x-www-form-urlencoded string (`src`/`len`: a
 * query string or a form body): '+' is a space, %XX a byte. The first occurrence wins. Writes a
 * NUL-terminated value into `out` (caller's buffer of `cap` bytes). Returns the value's length,
 * -1 when the name is absent, -2 when the value does not fit or is malformed (bad %XX, a decoded
 * NUL byte). */
long tz_form_value(const char *src, size_t len, const char *name, char *out, size_t cap);
/* The raw (still encoded) value of the first `name` in a form string: *val points into src,
 * *val_len bytes (an absent '=' gives an empty value). False when the name is absent. */
bool tz_form_span(const char *src, size_t len, const char *name, const char **val, size_t *val_len);
/* Decodes one raw form value as tz_form_value does (same results and error codes). */
long tz_form_decode(const char *s, size_t len, char *out, size_t cap);
/* The same over the request's query string. */
long tz_extra_query(const tz_extra_req *r, const char *name, char *out, size_t cap);

#define TZ_EXTRA_MAX_HEADERS 12

/* What the handler answers. The server zeroes it before the call; a handler that leaves
 * status 0 gets an empty 500. */
typedef struct tz_extra_resp {
    int status;
    const char *content_type;     /* static string, or NULL for no Content-Type */
    /* The body: `body` is either owned by the response (malloc'd: freed by the server after
     * sending; set owns_body) or static / longer-lived than the server (owns_body false). */
    char *body;
    size_t body_len;
    bool owns_body;
    size_t n_headers;
    struct {
        const char *name;         /* static string */
        char value[256];
    } headers[TZ_EXTRA_MAX_HEADERS];
    /* Ids for the access log line (static strings or NULL): e.g. an error id, and who asked. */
    const char *log_error;
} tz_extra_resp;

/* Adds a header (value copied, truncated to fit). False when the table is full. */
bool tz_extra_add_header(tz_extra_resp *resp, const char *name, const char *value);
/* Sets status, content type and a copy of `text` (`len` bytes) as the body. False (and an empty
 * 500) when out of memory. */
bool tz_extra_reply_copy(tz_extra_resp *resp, int status, const char *content_type,
                         const char *text, size_t len);
/* Sets status, content type and `text` (malloc'd, `len` bytes) as the body; the response takes
 * ownership of `text` (freed after sending). */
void tz_extra_reply_owned(tz_extra_resp *resp, int status, const char *content_type, char *text, size_t len);
/* Sets status, content type and the compact rendering of `body` (borrowed) as an
 * application/json body. */
bool tz_extra_reply_json(tz_extra_resp *resp, int status, const json_t *body);

typedef void (*tz_extra_fn)(const tz_extra_req *req, tz_extra_resp *resp);

typedef struct tz_extra_route {
    const char *path;     /* exact path; with `prefix`, every path starting with it */
    bool prefix;
    /* The methods it answers, as the Allow header of a 405 ("GET, HEAD"); NULL = any method.
     * HEAD is answered like GET without a body when the list contains GET. */
    const char *methods;
    tz_extra_fn fn;
    void *ud;             /* passed to fn as req->ud; borrowed, must outlive the server */
} tz_extra_route;

/* The route for `path` (raw, `len` bytes, no query), or NULL. */
const tz_extra_route *tz_extra_match(const tz_extra_route *routes, size_t n, const char *path,
                                     size_t len);
/* Whether `method` is one of route->methods (always true when that is NULL). */
bool tz_extra_method_allowed(const tz_extra_route *route, const char *method);

#endif
