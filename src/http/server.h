/* The HTTP(S) server: libmicrohttpd daemons (epoll, thread pool) answering the REST routes with the
 * token service. See docs/http.md for the processing order, limits and log format. */
#ifndef TZ_HTTP_SERVER_H
#define TZ_HTTP_SERVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "http/client_addr.h"
#include "http/extra.h"
#include "http/listen.h"
#include "service/service.h"

#define TZ_HTTP_DEFAULT_MAX_BODY ((size_t)2 * 1024 * 1024 + 64 * 1024)
#define TZ_HTTP_DEFAULT_MAX_HEADER ((size_t)32 * 1024)
#define TZ_HTTP_DEFAULT_MAX_CONNECTIONS 1024u
#define TZ_HTTP_DEFAULT_IDLE_TIMEOUT 30u

typedef struct tz_http_options {
    tz_listen_addr listen;
    /* PEM certificate chain and private key in memory; both NULL = plain HTTP. Borrowed: only
     * read during tz_http_start, so the caller may wipe the key right after it returns. */
    const char *tls_cert;
    const char *tls_key;
    size_t max_body_bytes;    /* request bodies above this -> 413 */
    size_t max_header_bytes;  /* per-connection memory for the request line and headers */
    unsigned max_connections; /* further connections are closed at once */
    unsigned idle_timeout;    /* seconds of inactivity before a connection is closed */
    unsigned threads;         /* worker threads (each with its own epoll set) */
    bool quiet_success;       /* log only requests that did not succeed */
    /* Routes outside the JSON API (http/extra.h), matched in order; borrowed, must outlive the
     * server. */
    const tz_extra_route *extra_routes;
    size_t n_extra_routes;
    bool no_api;              /* answer only the extra routes (e.g. a separate metrics port) */
    /* Peers whose X-Forwarded-For is believed (http/client_addr.h); NULL = none. Borrowed, must
     * outlive the server. */
    const tz_trusted_proxies *trusted_proxies;
} tz_http_options;

typedef struct tz_http_server tz_http_server;

/* Binds the listening socket and starts serving with `svc` (borrowed; must outlive the server).
 * Failures are also described on stderr. *out is owned by the caller (tz_http_stop). */
tz_error *tz_http_start(const tz_http_options *opts, tz_service_ctx *svc, tz_http_server **out);

/* The bound address (the actual port when port 0 was asked for), e.g. "127.0.0.1:8080". */
void tz_http_address(const tz_http_server *s, char *buf, size_t n);
bool tz_http_is_tls(const tz_http_server *s);

/* Replaces the TLS certificate and key without a restart: a new daemon takes over the listening
 * socket, the previous one finishes its requests and is stopped by tz_http_tick. The PEM
 * buffers are borrowed for the call only. On failure the current daemon keeps serving. */
tz_error *tz_http_reload_tls(tz_http_server *s, const char *cert, const char *key);

/* Stops replaced daemons that have become idle or whose grace period is over. Call it
 * regularly from the thread that owns the server. */
void tz_http_tick(tz_http_server *s);

/* Stops accepting, lets in-flight requests finish for up to grace_ms, stops and frees. */
void tz_http_stop(tz_http_server *s, unsigned grace_ms);

#endif
