/* The standard integration interfaces of the token service: RFC 7662 introspection, RFC 7009
 * revocation and forward auth, and the introspection clients that call them. The HTTP layer
 * (http/oauth_routes.c) parses requests and renders answers; every decision is taken here, on the
 * same verification path as verify_access_token (service/verify.c). */
#ifndef TZ_SERVICE_OAUTH_H
#define TZ_SERVICE_OAUTH_H
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "core/err.h"
#include "service/service.h"
#include "store/store.h"

/* ---- introspection clients (oauth_clients.c) ---- */
/* A client secret: 32 random bytes as unpadded base64url. */
#define TZ_OAUTH_SECRET_LEN 43
/* Its stored form: SHA-256 as lowercase hex. */
#define TZ_OAUTH_SECRET_HASH_LEN 64

/* Registers a client and returns its id (TZ_ID_HEX_LEN hex) and secret, shown once. Both buffers
 * are the caller's; the caller wipes `secret` (OPENSSL_cleanse) after printing it. */
tz_error *tz_oauth_client_create(tz_store *store, const char *name, bool allow_revoke, int64_t now,
                                 char id[TZ_ID_HEX_LEN + 1], char secret[TZ_OAUTH_SECRET_LEN + 1]);
/* Replaces a client's secret (the old one stops working at once). TZE_NOT_FOUND if unknown. */
tz_error *tz_oauth_client_rotate(tz_store *store, const char *id, char secret[TZ_OAUTH_SECRET_LEN + 1]);
/* Checks a presented secret against the client's stored hash in constant time. *ok false for an
 * unknown client or a wrong secret; errors are store failures only. */
tz_error *tz_oauth_client_check(tz_store *store, const char *id, const char *secret, size_t secret_len,
                                bool *ok, bool *allow_revoke);

/* ---- who calls the introspection / revocation endpoints (oauth_caller.c) ---- */
typedef struct tz_oauth_caller {
    bool is_client;            /* a registered introspection client */
    bool allow_revoke;         /* client created with --allow-revoke */
    bool token_admin;          /* a user with oz_tokens_manage */
    bool provider;             /* a provider (Bearer with its access token) */
    char *subject;             /* "usr-ID" / "prv-ID" of a Bearer/Basic caller; owned */
    char log_id[80];           /* "client:ID" or the subject, for log lines (no secrets) */
} tz_oauth_caller;
void tz_oauth_caller_clear(tz_oauth_caller *c);

typedef struct tz_oauth_credentials {
    const char *authorization;  /* the Authorization header, NULL when absent */
    const char *form_client_id; /* client_secret_post fields, NULL when absent */
    const char *form_client_secret;
} tz_oauth_credentials;

/* Authenticates the caller: client_secret_basic (Basic with URL-encoded id:secret of a client),
 * client_secret_post, Basic of a user (username:password, the usual throttle applies), or Bearer
 * with an Onedata access token. No or bad credentials -> TZE_UNAUTHORIZED; a throttled Basic
 * attempt -> TZE_TOO_MANY_REQUESTS; a store failure -> TZE_INTERNAL. The peer is the client
 * address (trusted proxies applied) for the throttle and the caller token's own caveats. */
tz_error *tz_oauth_authenticate(tz_service_ctx *svc, const tz_oauth_credentials *cr, bool peer_known,
                                uint32_t peer, tz_oauth_caller *out);

/* ---- introspection and forward auth (introspect.c) ---- */
/* Context of the introspected token's use, as for verify_access_token; NULL = not given, and a
 * caveat that needs a missing value is unverified (the token is inactive). */
typedef struct tz_introspect_params {
    const char *token;
    size_t token_len;
    const char *peer_ip;
    const char *interface;
    const char *service_token;
    const char *consumer_token;
    const char *allow_data_access_caveats;  /* "true" / "false" */
} tz_introspect_params;

/* Fills *out (malloc'd JSON text of *out_len bytes, NUL-terminated; the caller frees it) with the
 * RFC 7662 answer: {"active":true,...} or {"active":false} for any token that does not verify as
 * an access token (*is_active says which). Only the caller's right to introspect
 * (TZE_FORBIDDEN), a malformed context parameter (TZE_BAD_DATA {"key"}) and store failures
 * (5xx ids) are errors. */
tz_error *tz_oauth_introspect(tz_service_ctx *svc, const tz_oauth_caller *caller,
                              const tz_introspect_params *p, char **out, size_t *out_len, bool *is_active);

/* Who a token belongs to, for forward-auth headers. */
typedef struct tz_forward_identity {
    char subject[80];
    char token_id[80];
    char username[256];        /* users only; "" otherwise */
} tz_forward_identity;

/* Verifies a token as an access token for `iface` from the client address `peer`. NULL when it
 * verifies; TZE_UNAUTHORIZED when it does not (for any reason); 5xx ids for store failures. */
tz_error *tz_oauth_forward_auth(tz_service_ctx *svc, const char *token, size_t len, bool peer_known,
                                uint32_t peer, const char *interface, tz_forward_identity *out);

/* ---- revocation (oauth_revoke.c) ---- */
typedef enum tz_revoke_outcome {
    TZ_REVOKE_DONE,          /* revoked, or nothing to revoke (unknown/invalid token): 200 */
    TZ_REVOKE_UNSUPPORTED,   /* a temporary token: 400 unsupported_token_type */
    TZ_REVOKE_NOT_ALLOWED,   /* the caller may not revoke this token: 400 unauthorized_client */
} tz_revoke_outcome;

/* RFC 7009 for a caller authenticated above. Errors are store failures only. */
tz_error *tz_oauth_revoke(tz_service_ctx *svc, const tz_oauth_caller *caller, const char *token,
                          size_t len, tz_revoke_outcome *outcome);

/* The zone domain ("iss" of introspection answers). Borrowed from the service. */
const char *tz_oauth_issuer(const tz_service_ctx *svc);

/* Whether an error is a server-side failure (a 5xx, also when wrapped inside another error):
 * such failures are never turned into "inactive" or "denied". */
bool tz_oauth_is_server_failure(const tz_error *e);

#endif
