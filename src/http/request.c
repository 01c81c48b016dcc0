/* One request, in the order of rest-api §1.1 (which decides the error a client sees when several
 * apply): route and method -> authentication -> content negotiation -> body -> operation.
 *
 * libmicrohttpd calls tz_http_on_request first when the headers are in (steps 1-3 and the early
 * size check run there, so a refused request never has its body read), then once per body chunk,
 * then once more with no data (steps 4-5). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http/json_flat.h"
#include "core/json_write.h"
#include "http/access_log.h"
#include "http/credentials.h"
#include "http/handler.h"
#include "http/negotiate.h"
#include "http/routes.h"
#include "service/observe.h"
#include <openssl/rand.h>

#define LOG_PATH_COPY 300
#define ID_COPY 48

typedef struct req_ctx {
    tz_http_instance *inst;
    struct timespec start;          /* CLOCK_MONOTONIC */
    char method[24];                /* copies for the log line (truncated) */
    char path[LOG_PATH_COPY];
    tz_route route;
    const tz_extra_route *extra;    /* a route outside the JSON API, or NULL */
    char *scratch;                  /* decoded path parameters (route borrows) */
    tz_client *client;              /* NULL until authenticated */
    char *session_cookie;
    bool peer_ip_known;
    uint32_t peer_ip;
    bool wants_body;                /* POST, PATCH */
    bool content_type_ok;           /* checked once the body is known to be non-empty */
    int refusal;                    /* 413/415 found mid-body, answered at the end */
    size_t dropped;                 /* body bytes read and dropped after a refusal */
    char *body;
    size_t body_len, body_cap;
    size_t ignored_body;            /* bytes of GET/DELETE bodies, counted for the cap */
    bool responded;                 /* a reply is queued or pending */
    bool defer;                     /* hold replies until MHD's final call (see respond) */
    bool pending;                   /* a held reply waits in pending_* */
    json_t *pending_body;
    const char *pending_allow;      /* static route strings */
    int status;
    char error_id[ID_COPY];
    char auth_error_id[ID_COPY];
    char reference_note[ID_COPY + 4]; /* "ref=" + details.reference of a 500 */
    char request_id[20];            /* 16 hex digits: access log, audit trail */
    bool pattern_known;             /* route.pattern is set (metrics label) */
} req_ctx;

/* A request id: a random 64-bit start per thread, then counting up, as 16 hex digits. Unique
 * in practice across threads and restarts without any shared state. */
static void new_request_id(char out[20]) {
    static _Thread_local uint64_t next;
    static _Thread_local bool seeded;
    if (!seeded) {
        if (RAND_bytes((unsigned char *)&next, sizeof next) != 1) next = (uint64_t)(uintptr_t)&next ^ (uint64_t)time(NULL);
        seeded = true;
    }
    snprintf(out, 20, "%016" PRIx64, next++);
}

static enum MHD_Result keep_body(req_ctx *ctx, const char *data, size_t n);

/* ---------------------------------------------------------------- responses */

static void copy_id(char *dst, const char *src) {
    dst[0] = '\0';
    if (src) {
        strncpy(dst, src, ID_COPY - 1);
        dst[ID_COPY - 1] = '\0';
    }
}

/* Remembers the error ids of a reply for the log line. */
static void note_error_ids(req_ctx *ctx, const json_t *body) {
    const json_t *err = json_object_get(body, "error");
    if (!json_is_object(err)) return;
    copy_id(ctx->error_id, json_string_value(json_object_get(err, "id")));
    const json_t *auth = json_object_get(json_object_get(err, "details"), "authError");
    copy_id(ctx->auth_error_id, json_string_value(json_object_get(auth, "id")));
    /* the reference a client quotes from a 500 must find this line in the log */
    const char *ref = json_string_value(json_object_get(json_object_get(err, "details"), "reference"));
    if (ref) snprintf(ctx->reference_note, sizeof ctx->reference_note, "ref=%.*s", ID_COPY - 1, ref);
}

static bool add_header(struct MHD_Response *r, const char *name, const char *value) {
    return MHD_add_response_header(r, name, value) == MHD_YES;
}

/* Queues a reply now. `body` is borrowed (NULL = empty body, no Content-Type). */
static enum MHD_Result queue_now(req_ctx *ctx, struct MHD_Connection *conn, int status,
                                 const json_t *body, const char *location, const char *allow) {
    struct MHD_Response *r;
    char *text = NULL;
    size_t text_len = 0;
    if (body) {
        text = tz_json_dump_compact(body, &text_len); /* json_dumps' exact text, cheaper */
        if (!text) {
            /* Could not render: an empty 500, as Onezone answers crashes outside its logic. */
            body = NULL;
            status = 500;
            location = allow = NULL;
        }
    }
    if (text) {
        r = MHD_create_response_from_buffer_with_free_callback(text_len, text, free);
        if (!r) free(text);
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r) return MHD_NO;
    bool ok = true;
    if (body) ok = ok && add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (location) ok = ok && add_header(r, MHD_HTTP_HEADER_LOCATION, location);
    if (allow) ok = ok && add_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    if (status == 429) {
        /* tooManyRequests carries the wait in its details; clients read it from Retry-After */
        json_int_t wait = json_integer_value(
            json_object_get(json_object_get(json_object_get(body, "error"), "details"), "retryAfter"));
        char value[24];
        snprintf(value, sizeof value, "%lld", (long long)(wait > 0 ? wait : 1));
        ok = ok && add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, value);
    }
    if (atomic_load(&ctx->inst->closing))
        ok = ok && add_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result res = ok ? MHD_queue_response(conn, (unsigned)status, r) : MHD_NO;
    MHD_destroy_response(r);
    ctx->responded = true;
    ctx->status = status;
    if (body) note_error_ids(ctx, body);
    return res;
}

/* Queues a 200 whose JSON text the service rendered itself (takes ownership of text, malloc'd).
 * Only from finish(), where nothing is held back any more. */
static enum MHD_Result queue_text(req_ctx *ctx, struct MHD_Connection *conn, int status, char *text,
                                  size_t len) {
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, text, free);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    bool ok = add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (atomic_load(&ctx->inst->closing))
        ok = ok && add_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result res = ok ? MHD_queue_response(conn, (unsigned)status, r) : MHD_NO;
    MHD_destroy_response(r);
    ctx->responded = true;
    ctx->status = status;
    return res;
}

/* Queues a reply, or holds it until MHD's final call when the request has no body: a reply
 * queued from the first call makes libmicrohttpd close the connection (it cannot know the body
 * was read), which would cost keep-alive clients a reconnect after every refusal. Requests with
 * a body are answered at once, so a refused body is never read. `body` is borrowed. */
static enum MHD_Result respond(req_ctx *ctx, struct MHD_Connection *conn, int status,
                               const json_t *body, const char *location, const char *allow) {
    if (!ctx->defer || location) return queue_now(ctx, conn, status, body, location, allow);
    ctx->pending = true;
    ctx->responded = true;
    ctx->status = status;
    ctx->pending_body = body ? json_deep_copy(body) : NULL;
    ctx->pending_allow = allow;
    if (body && !ctx->pending_body) return queue_now(ctx, conn, 500, NULL, NULL, NULL);
    return MHD_YES;
}

static enum MHD_Result flush_pending(req_ctx *ctx, struct MHD_Connection *conn) {
    ctx->pending = false;
    enum MHD_Result res = queue_now(ctx, conn, ctx->status, ctx->pending_body, NULL,
                                    ctx->pending_allow);
    json_decref(ctx->pending_body);
    ctx->pending_body = NULL;
    return res;
}

/* Replies with a Onedata error body and the error's own status (takes ownership of e). */
static enum MHD_Result respond_error(req_ctx *ctx, struct MHD_Connection *conn, tz_error *e) {
    tz_response resp = {0};
    tz_response_error(&resp, e);
    enum MHD_Result res = respond(ctx, conn, resp.status, resp.body, NULL, NULL);
    tz_response_clear(&resp);
    return res;
}

/* 413 with badData {"key": "body"}: no catalogue id carries this status of its own. */
static enum MHD_Result respond_too_large(req_ctx *ctx, struct MHD_Connection *conn) {
    tz_error *e = tz_err_key(TZE_BAD_DATA, "body");
    json_t *body = tz_err_body(e);
    tz_err_free(e);
    enum MHD_Result res = respond(ctx, conn, MHD_HTTP_CONTENT_TOO_LARGE, body, NULL, NULL);
    json_decref(body);
    return res;
}

/* ---------------------------------------------------------------- request facts */

static const char *header(struct MHD_Connection *conn, const char *name) {
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

typedef struct cookie_search {
    const char *value;
    size_t len;
} cookie_search;

/* Every Cookie header counts (HTTP/2 proxies split them); the first SID found wins. */
static enum MHD_Result find_session_cookie(void *cls, enum MHD_ValueKind kind, const char *key,
                                           const char *value) {
    (void)kind;
    cookie_search *cs = cls;
    if (!key || !value || strcasecmp(key, MHD_HTTP_HEADER_COOKIE) != 0) return MHD_YES;
    return tz_cookie_find(value, TZ_SESSION_COOKIE, &cs->value, &cs->len) ? MHD_NO : MHD_YES;
}

/* The TCP peer as an IPv4 address; IPv4-mapped IPv6 counts as IPv4, other IPv6 as unknown. */
static void peer_address(struct MHD_Connection *conn, bool *known, uint32_t *ip) {
    *known = false;
    *ip = 0;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)(const void *)sa;
        *ip = ntohl(a4->sin_addr.s_addr);
        *known = true;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr)) {
            const uint8_t *b = a6->sin6_addr.s6_addr + 12;
            *ip = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
            *known = true;
        }
    }
}

typedef struct xff_join {
    char buf[TZ_XFF_MAX_BYTES + 2];
    size_t len;
    bool overflow;
} xff_join;

/* Joins every X-Forwarded-For header in order with ", " (as RFC 9110 allows a proxy to). */
static enum MHD_Result join_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value) {
    (void)kind;
    xff_join *j = cls;
    if (!key || !value || strcasecmp(key, "X-Forwarded-For") != 0) return MHD_YES;
    size_t vlen = strlen(value), need = vlen + (j->len ? 2 : 0);
    if (j->len + need > TZ_XFF_MAX_BYTES) {
        j->overflow = true;
        return MHD_NO;
    }
    if (j->len) memcpy(j->buf + j->len, ", ", 2), j->len += 2;
    memcpy(j->buf + j->len, value, vlen);
    j->len += vlen;
    j->buf[j->len] = '\0';
    return MHD_YES;
}

/* The client address: the TCP peer, or what trusted proxies say in X-Forwarded-For
 * (http/client_addr.h). Used for the throttle and the ip/asn/geo caveats alike. */
static void client_address(const tz_http_options *opts, struct MHD_Connection *conn, bool *known,
                           uint32_t *ip) {
    peer_address(conn, known, ip);
    const tz_trusted_proxies *t = opts->trusted_proxies;
    if (!*known || !t || !t->n || !tz_trusted_proxies_contains(t, *ip)) return;
    xff_join *j = calloc(1, sizeof *j);
    if (!j) {
        *known = false;
        *ip = 0;
        return;
    }
    MHD_get_connection_values(conn, MHD_HEADER_KIND, join_xff, j);
    /* an overlong header is passed on as such so that the resolver refuses it */
    const char *xff = j->overflow ? NULL : j->len ? j->buf : NULL;
    if (j->overflow) {
        *known = false;
        *ip = 0;
    } else {
        tz_client_addr_resolve(t, *known, *ip, xff, known, ip);
    }
    free(j);
}

/* Content-Length as a number; SIZE_MAX when absent or unparsable (MHD has already refused
 * malformed framing), capped at SIZE_MAX on overflow. */
static size_t content_length(struct MHD_Connection *conn, bool *present) {
    const char *v = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
    *present = v != NULL;
    if (!v) return 0;
    size_t n = 0;
    for (const char *p = v; *p; p++) {
        if (*p == ' ' || *p == '\t') continue;
        if (*p < '0' || *p > '9') return SIZE_MAX;
        if (n > (SIZE_MAX - 9) / 10) return SIZE_MAX;
        n = n * 10 + (size_t)(*p - '0');
    }
    return n;
}

/* ---------------------------------------------------------------- the steps */

static enum MHD_Result step_route(req_ctx *ctx, struct MHD_Connection *conn, const char *url,
                                  const char *method) {
    size_t len = strlen(url);
    ctx->scratch = malloc(len + 1);
    if (!ctx->scratch) return respond_error(ctx, conn, tz_err_new(TZE_INTERNAL));
    switch (tz_route_match(method, url, len, ctx->scratch, len + 1, &ctx->route)) {
    case TZ_ROUTE_OK:
        ctx->pattern_known = true;
        return MHD_YES;
    case TZ_ROUTE_NOT_FOUND:
        return respond_error(ctx, conn, tz_err_new(TZE_NOT_FOUND));
    case TZ_ROUTE_METHOD_NOT_ALLOWED:
        ctx->pattern_known = true;
        return respond(ctx, conn, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, NULL, ctx->route.allow);
    case TZ_ROUTE_BAD_PATH:
    default:
        return respond_error(ctx, conn, tz_err_key(TZE_BAD_DATA, "path"));
    }
}

static enum MHD_Result step_authenticate(req_ctx *ctx, struct MHD_Connection *conn) {
    tz_credentials creds;
    tz_credentials_from_headers(header(conn, "x-auth-token"),
                                header(conn, MHD_HTTP_HEADER_AUTHORIZATION),
                                header(conn, "macaroon"),
                                header(conn, "x-onedata-service-token"),
                                header(conn, "x-onedata-consumer-token"), &creds);
    cookie_search cs = {NULL, 0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, find_session_cookie, &cs);
    if (cs.value) {
        ctx->session_cookie = strndup(cs.value, cs.len);
        if (!ctx->session_cookie) return respond_error(ctx, conn, tz_err_new(TZE_INTERNAL));
        creds.session_cookie = ctx->session_cookie;
    }
    creds.route_op = ctx->route.op;
    creds.route_token_id = ctx->route.token_id;
    client_address(ctx->inst->opts, conn, &ctx->peer_ip_known, &ctx->peer_ip);
    tz_error *e = tz_service_authenticate(ctx->inst->svc, &creds, ctx->peer_ip_known,
                                          ctx->peer_ip, &ctx->client);
    if (e) {
        ctx->client = NULL;
        tz_service_note_auth_failure(ctx->inst->svc, ctx->request_id, &creds, ctx->peer_ip_known,
                                     ctx->peer_ip, e);
        return respond_error(ctx, conn, e);
    }
    return MHD_YES;
}

static enum MHD_Result refuse_media_type(req_ctx *ctx, struct MHD_Connection *conn) {
    return respond(ctx, conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- routes outside the API */

static bool is_api_path(const char *url, size_t len) {
    size_t plen = strlen(TZ_REST_PREFIX);
    return len >= plen && memcmp(url, TZ_REST_PREFIX, plen) == 0 &&
           (len == plen || url[plen] == '/');
}

/* The checks a route outside the JSON API gets before its body: method and size. Its handler
 * runs once the whole body is in (finish_extra), whatever the media type. */
static enum MHD_Result begin_extra(req_ctx *ctx, struct MHD_Connection *conn, const char *method,
                                   bool has_length, size_t length) {
    if (!tz_extra_method_allowed(ctx->extra, method))
        return respond(ctx, conn, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, NULL, ctx->extra->methods);
    if (has_length && length > ctx->inst->opts->max_body_bytes) return respond_too_large(ctx, conn);
    client_address(ctx->inst->opts, conn, &ctx->peer_ip_known, &ctx->peer_ip);
    return MHD_YES;
}

static enum MHD_Result finish_extra(req_ctx *ctx, struct MHD_Connection *conn) {
    tz_extra_req req = {
        .conn = conn,
        .method = ctx->method,
        .path = ctx->path,
        .body = ctx->body_len ? ctx->body : NULL,
        .body_len = ctx->body_len,
        .peer_ip_known = ctx->peer_ip_known,
        .peer_ip = ctx->peer_ip,
        .tls = ctx->inst->tls,
        .svc = ctx->inst->svc,
        .ud = ctx->extra->ud,
    };
    tz_extra_resp resp;
    memset(&resp, 0, sizeof resp);
    ctx->extra->fn(&req, &resp);
    if (resp.status < 100 || resp.status > 599) {
        if (resp.owns_body) free(resp.body);
        memset(&resp, 0, sizeof resp);
        resp.status = 500;
    }
    struct MHD_Response *r;
    if (resp.body_len && resp.owns_body) {
        r = MHD_create_response_from_buffer_with_free_callback(resp.body_len, resp.body, free);
        if (!r) free(resp.body);
    } else {
        if (resp.owns_body) free(resp.body);
        r = MHD_create_response_from_buffer(resp.body_len, resp.body_len ? resp.body : (void *)"",
                                            MHD_RESPMEM_PERSISTENT);
    }
    if (!r) return MHD_NO;
    bool ok = true;
    if (resp.content_type) ok = ok && add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp.content_type);
    for (size_t i = 0; i < resp.n_headers && i < TZ_EXTRA_MAX_HEADERS; i++)
        ok = ok && add_header(r, resp.headers[i].name, resp.headers[i].value);
    if (atomic_load(&ctx->inst->closing))
        ok = ok && add_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result res = ok ? MHD_queue_response(conn, (unsigned)resp.status, r) : MHD_NO;
    MHD_destroy_response(r);
    ctx->responded = true;
    ctx->status = resp.status;
    copy_id(ctx->error_id, resp.log_error);
    return res;
}

/* Steps 1-3 plus the early size check, run when the headers are complete. */
static enum MHD_Result begin(req_ctx *ctx, struct MHD_Connection *conn, const char *url,
                             const char *method) {
    bool has_length;
    size_t length = content_length(conn, &has_length);
    ctx->defer = (!has_length || length == 0) &&
                 !header(conn, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const tz_http_options *opts = ctx->inst->opts;
    size_t url_len = strlen(url);
    if (!is_api_path(url, url_len)) {
        ctx->extra = tz_extra_match(opts->extra_routes, opts->n_extra_routes, url, url_len);
        if (ctx->extra) return begin_extra(ctx, conn, method, has_length, length);
    }
    if (opts->no_api) return respond_error(ctx, conn, tz_err_new(TZE_NOT_FOUND));
    enum MHD_Result res = step_route(ctx, conn, url, method);
    if (ctx->responded || res != MHD_YES) return res;
    res = step_authenticate(ctx, conn);
    if (ctx->responded || res != MHD_YES) return res;
    if (!tz_accept_allows_json(header(conn, MHD_HTTP_HEADER_ACCEPT)))
        return respond(ctx, conn, MHD_HTTP_NOT_ACCEPTABLE, NULL, NULL, NULL);
    ctx->wants_body = !strcmp(method, MHD_HTTP_METHOD_POST) || !strcmp(method, MHD_HTTP_METHOD_PATCH);
    bool chunked = header(conn, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
    if (ctx->wants_body && ((has_length && length > 0) || chunked)) {
        if (!tz_content_type_is_json(header(conn, MHD_HTTP_HEADER_CONTENT_TYPE)))
            return refuse_media_type(ctx, conn);
        ctx->content_type_ok = true;
    }
    if (has_length && length > ctx->inst->opts->max_body_bytes) return respond_too_large(ctx, conn);
    return MHD_YES;
}

/* Drops the body kept so far. */
static void drop_body(req_ctx *ctx) {
    if (ctx->body) {
        /* keep_body wrote bytes [0, body_len] (the NUL included) and nothing past them */
        OPENSSL_cleanse(ctx->body, ctx->body_len + 1 < ctx->body_cap ? ctx->body_len + 1 : ctx->body_cap);
        free(ctx->body);
    }
    ctx->body = NULL;
    ctx->body_len = ctx->body_cap = 0;
}

/* One body chunk. libmicrohttpd accepts a reply only before the body or after all of it, so a
 * refusal found in the middle (size over the cap, or a chunked body with a bad media type) is
 * remembered, the rest of the body is read and dropped, and the reply goes out at the end. A
 * body that goes on for another `cap` bytes past the cap is cut off by closing the connection. */
static enum MHD_Result absorb(req_ctx *ctx, struct MHD_Connection *conn, const char *data,
                              size_t n) {
    (void)conn;
    size_t cap = ctx->inst->opts->max_body_bytes;
    if (ctx->refusal) {
        ctx->dropped += n;
        return ctx->dropped > cap ? MHD_NO : MHD_YES;
    }
    if (ctx->extra) return keep_body(ctx, data, n);
    if (!ctx->wants_body) {
        /* GET/DELETE bodies are ignored, but still bounded. */
        ctx->ignored_body += n;
        if (ctx->ignored_body > cap) ctx->refusal = MHD_HTTP_CONTENT_TOO_LARGE;
        return MHD_YES;
    }
    if (!ctx->content_type_ok) {
        if (!tz_content_type_is_json(header(conn, MHD_HTTP_HEADER_CONTENT_TYPE))) {
            ctx->refusal = MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
            return MHD_YES;
        }
        ctx->content_type_ok = true;
    }
    return keep_body(ctx, data, n);
}

/* Appends a body chunk, refusing (413 at the end) a body over the cap. The buffer keeps one
 * spare byte for a terminating NUL. */
static enum MHD_Result keep_body(req_ctx *ctx, const char *data, size_t n) {
    size_t cap = ctx->inst->opts->max_body_bytes;
    if (n > cap - ctx->body_len) {
        drop_body(ctx);
        ctx->refusal = MHD_HTTP_CONTENT_TOO_LARGE;
        return MHD_YES;
    }
    if (ctx->body_len + n + 1 > ctx->body_cap) {
        size_t want = ctx->body_cap ? ctx->body_cap : 4096;
        while (want < ctx->body_len + n + 1) want = want > cap / 2 ? cap + 1 : want * 2;
        char *nb = malloc(want);
        if (!nb) return MHD_NO;
        if (ctx->body) memcpy(nb, ctx->body, ctx->body_len);
        size_t len = ctx->body_len;
        drop_body(ctx);
        ctx->body = nb;
        ctx->body_len = len;
        ctx->body_cap = want;
    }
    memcpy(ctx->body + ctx->body_len, data, n);
    ctx->body_len += n;
    ctx->body[ctx->body_len] = '\0';
    return MHD_YES;
}

/* Steps 4-5, once the whole body is in. */
static enum MHD_Result finish(req_ctx *ctx, struct MHD_Connection *conn) {
    json_t *body = NULL;
    if (ctx->wants_body && ctx->body_len > 0) {
        /* Duplicate keys are allowed (the last one wins), as in Onezone's JSON parser. Strings
         * with \u0000 are refused: values travel on as C strings. jansson caps nesting depth. */
        json_error_t jerr;
        body = tz_json_load_flat(ctx->body, ctx->body_len); /* the common case, without the lexer */
        if (!body) body = json_loadb(ctx->body, ctx->body_len, JSON_DECODE_ANY, &jerr);
        if (!body) return respond_error(ctx, conn, tz_err_new(TZE_MALFORMED_DATA));
    }
    tz_request req = {
        .op = ctx->route.op,
        .target = ctx->route.target,
        .subject_id = ctx->route.subject_id,
        .token_id = ctx->route.token_id,
        .name = ctx->route.name,
        .body = body,
        .peer_ip_known = ctx->peer_ip_known,
        .peer_ip = ctx->peer_ip,
        .request_id = ctx->request_id,
    };
    tz_response resp = {0};
    tz_service_handle(ctx->inst->svc, ctx->client, &req, &resp);
    json_decref(body);
    enum MHD_Result res;
    if (resp.status == MHD_HTTP_NO_CONTENT) {
        res = respond(ctx, conn, resp.status, NULL, NULL, NULL);
    } else if (resp.text && !resp.body) {
        res = queue_text(ctx, conn, resp.status, resp.text, resp.text_len);
        resp.text = NULL;
    } else
        res = respond(ctx, conn, resp.status, resp.body, resp.location, NULL);
    tz_response_clear(&resp);
    return res;
}

/* ---------------------------------------------------------------- callbacks */

static void copy_trunc(char *dst, size_t n, const char *src) {
    size_t len = strnlen(src, n - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

typedef struct conn_state {
    bool fresh;
} conn_state;

void tz_http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                           enum MHD_ConnectionNotificationCode code) {
    (void)conn;
    tz_http_instance *inst = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        if (!inst->opts->no_api) tz_metrics_connection_opened(tz_service_metrics(inst->svc));
        atomic_fetch_add(&inst->open_conns, 1);
        conn_state *cs = calloc(1, sizeof *cs);
        *socket_context = cs;
        if (cs) {
            cs->fresh = true;
            atomic_fetch_add(&inst->fresh, 1);
        }
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (!inst->opts->no_api) tz_metrics_connection_closed(tz_service_metrics(inst->svc));
        atomic_fetch_sub(&inst->open_conns, 1);
        conn_state *cs = *socket_context;
        if (cs && cs->fresh) atomic_fetch_sub(&inst->fresh, 1);
        free(cs);
        *socket_context = NULL;
    }
}

enum MHD_Result tz_http_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen) {
    (void)addr;
    (void)addrlen;
    tz_http_instance *inst = cls;
    if ((unsigned)atomic_load(&inst->open_conns) < inst->opts->max_connections) return MHD_YES;
    tz_metrics_connection_refused(tz_service_metrics(inst->svc));
    return MHD_NO;
}

static void mark_not_fresh(tz_http_instance *inst, struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_state *cs = ci ? ci->socket_context : NULL;
    if (cs && cs->fresh) {
        cs->fresh = false;
        atomic_fetch_sub(&inst->fresh, 1);
    }
}

enum MHD_Result tz_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version,
                                   const char *upload_data, size_t *upload_data_size,
                                   void **req_cls) {
    (void)version;
    tz_http_instance *inst = cls;
    req_ctx *ctx = *req_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof *ctx);
        if (!ctx) return MHD_NO; /* MHD closes the connection */
        ctx->inst = inst;
        atomic_fetch_add(&inst->in_flight, 1);
        mark_not_fresh(inst, conn);
        clock_gettime(CLOCK_MONOTONIC, &ctx->start);
        new_request_id(ctx->request_id);
        copy_trunc(ctx->method, sizeof ctx->method, method);
        copy_trunc(ctx->path, sizeof ctx->path, url);
        *req_cls = ctx;
        return begin(ctx, conn, url, method);
    }
    if (ctx->pending) {
        *upload_data_size = 0;
        return flush_pending(ctx, conn);
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ctx->responded) return MHD_YES;
        return absorb(ctx, conn, upload_data, n);
    }
    if (ctx->responded) return MHD_YES;
    /* From here on nothing is held back any more. */
    ctx->defer = false;
    if (ctx->refusal == MHD_HTTP_CONTENT_TOO_LARGE) return respond_too_large(ctx, conn);
    if (ctx->refusal) return refuse_media_type(ctx, conn);
    if (ctx->extra) return finish_extra(ctx, conn);
    return finish(ctx, conn);
}

static const char *termination_note(enum MHD_RequestTerminationCode toe) {
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK: return NULL;
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED: return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN: return "shutdown";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT: return "client-abort";
    case MHD_REQUEST_TERMINATED_READ_ERROR: return "read-error";
    default: return "aborted";
    }
}

void tz_http_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                          enum MHD_RequestTerminationCode toe) {
    (void)conn;
    tz_http_instance *inst = cls;
    req_ctx *ctx = *req_cls;
    if (!ctx) return;
    *req_cls = NULL;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (long)(now.tv_sec - ctx->start.tv_sec) * 1000 +
              (now.tv_nsec - ctx->start.tv_nsec) / 1000000;
    const char *note = termination_note(toe);
    if (note && !ctx->responded && ctx->refusal == MHD_HTTP_CONTENT_TOO_LARGE)
        note = "body-over-limit-connection-closed";
    bool success = !note && ctx->status >= 200 && ctx->status < 400;
    if (!(success && inst->opts->quiet_success)) {
        tz_access_entry e = {
            .method = ctx->method,
            .path = ctx->path,
            .status = ctx->responded ? ctx->status : 0,
            .duration_ms = ms < 0 ? 0 : ms,
            .client = ctx->client ? tz_client_log_id(ctx->client) : "-",
            .error_id = ctx->error_id[0] ? ctx->error_id : NULL,
            .auth_error_id = ctx->auth_error_id[0] ? ctx->auth_error_id : NULL,
            .note = note ? note : ctx->reference_note[0] ? ctx->reference_note : NULL,
            .request_id = ctx->request_id,
        };
        tz_access_log(&e);
    }
    if (!inst->opts->no_api) {
        /* label index: API path pattern, then the extra routes, then the last for "other" */
        unsigned route = TZ_METRICS_MAX_ROUTES - 1;
        if (ctx->extra) route = (unsigned)(tz_route_pattern_count() + (size_t)(ctx->extra - inst->opts->extra_routes));
        else if (ctx->pattern_known) route = ctx->route.pattern;
        uint64_t ns = (uint64_t)(now.tv_sec - ctx->start.tv_sec) * 1000000000u + (uint64_t)now.tv_nsec -
                      (uint64_t)ctx->start.tv_nsec;
        tz_metrics_request(tz_service_metrics(inst->svc), route, ctx->method,
                           ctx->responded ? ctx->status : 0, ns);
    }
    json_decref(ctx->pending_body);
    if (ctx->client) tz_client_free(ctx->client);
    if (ctx->session_cookie) {
        OPENSSL_cleanse(ctx->session_cookie, strlen(ctx->session_cookie));
        free(ctx->session_cookie);
    }
    drop_body(ctx);
    free(ctx->scratch);
    free(ctx);
    atomic_fetch_sub(&inst->in_flight, 1);
}
