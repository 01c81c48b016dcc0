/* Where and how the REST client connects: base URL, credentials, TLS options; the libcurl
 * transport; and the equivalent curl command line printed by --dry-run. */
#ifndef TZ_CLI_CLIENT_HTTP_H
#define TZ_CLI_CLIENT_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include "cli/client_request.h"
#include "core/err.h"

#define TZ_CLIENT_CONNECT_TIMEOUT_S 10L
#define TZ_CLIENT_TOTAL_TIMEOUT_S 60L
#define TZ_CLIENT_MAX_RESPONSE (64u * 1024u * 1024u)
/* Longest credential accepted: the server refuses tokens above 1 MiB anyway. */
#define TZ_CLIENT_MAX_SECRET (1024u * 1024u)

typedef enum tz_client_auth {
    TZ_AUTH_NONE,
    TZ_AUTH_TOKEN, /* x-auth-token: <token> */
    TZ_AUTH_BASIC  /* Authorization: Basic base64(user:password) */
} tz_client_auth;

typedef struct tz_client_conn {
    char *base_url;      /* scheme://authority[/path] without trailing slash; owned */
    tz_client_auth auth;
    const char *secret;  /* token or "user:password", borrowed; NULL for TZ_AUTH_NONE */
    const char *cacert;  /* CA bundle file or NULL; borrowed */
    bool insecure;       /* skip TLS peer and host verification */
} tz_client_conn;

typedef struct tz_client_response {
    long status;
    char *body;   /* NUL-terminated, owned; NULL when empty */
    size_t len;
} tz_client_response;

/* Normalises ONEZONE_HOST: "zone.example.com" gets https://, trailing slashes go; only http and
 * https are accepted and no whitespace, control characters, query or fragment.
 * On success *out is a new malloc'd string the caller frees. */
tz_error *tz_client_base_url(const char *host, char **out);

/* Refuses credentials that cannot travel in a header (empty, too long, control characters) and
 * basic credentials without a colon; `what` names the source for the error (e.g. "--token"). */
tz_error *tz_client_check_secret(tz_client_auth auth, const char *secret, const char *what);

/* Sends one request to base_url + REST prefix + path. `body` (NUL-terminated JSON) or NULL.
 * Credentials are attached only when `with_auth`. Returns true when an HTTP response arrived
 * (whatever its status; *out then owns the body, release with tz_client_response_clear), false on
 * a transport failure (connection, TLS, timeout, oversized response) described in errbuf. */
bool tz_client_http_send(const tz_client_conn *conn, const char *method, const char *path,
                         const char *body, bool with_auth, tz_client_response *out,
                         char *errbuf, size_t errbuf_len);

void tz_client_response_clear(tz_client_response *r);

/* The curl command equivalent to sending `req` (after its ttl was applied), with secrets replaced
 * by shell variables ($ONEZONE_API_KEY, $ONEZONE_BASIC_AUTH, $TOKEN for token=, …) that comment
 * lines before the command name. A new malloc'd string the caller frees; NULL on allocation
 * failure. */
char *tz_client_curl_command(const tz_client_conn *conn, const tz_client_request *req);

#endif
