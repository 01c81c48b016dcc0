/* Turning `OPERATION param=value …` into a request (method, encoded path, JSON body): the pure part
 * of the REST client, no I/O except through the reader callback for data=@FILE and `-`.
 *
 * Argument forms (after the operation name; options are removed by the caller):
 *   key=value     path parameter or typed body field (see tz_param_kind)
 *   key==value    the same (onezone-rest-cli examples write body fields this way)
 *   key:=JSON     body field given as raw JSON, e.g. peerIp:=null
 *   data=JSON     the whole body; data=@FILE reads it from FILE, data=@- and `-` from stdin;
 *                 typed fields given as well are merged into it (they win over its keys)
 *   VALUE         positional path parameter, in template order; only when invoked by alias
 * Every malformed or unknown argument is a tz_error naming the offending key. */
#ifndef TZ_CLI_CLIENT_REQUEST_H
#define TZ_CLI_CLIENT_REQUEST_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "cli/client_ops.h"
#include "core/err.h"

#define TZ_CLIENT_REST_PREFIX "/api/v3/onezone"
/* Largest body accepted from a file or stdin; the server's own token limit is 1 MiB. */
#define TZ_CLIENT_MAX_BODY_FILE (16u * 1024u * 1024u)
/* Largest ttl accepted (100 years), which keeps now + ttl far from overflow. */
#define TZ_CLIENT_MAX_TTL 3155760000LL

typedef struct tz_client_request {
    const tz_client_op *op;
    char *path;     /* below the REST prefix, percent-encoded; owned */
    json_t *body;   /* owned reference; NULL for methods without a body (GET, DELETE) */
    long long ttl;  /* seconds from ttl=, 0 when absent; applied by tz_client_request_apply_ttl */
} tz_client_request;

/* Reads `source` (a file path, or "-" for stdin) into a new malloc'd buffer the caller owns and
 * frees; must refuse more than TZ_CLIENT_MAX_BODY_FILE bytes. */
typedef tz_error *(*tz_client_reader)(void *ctx, const char *source, char **data, size_t *len);

/* Operation by operationId or alias (exact, case-sensitive); NULL when unknown. The result points
 * into the static table. `by_alias` (may be NULL) tells which of the two names matched. */
const tz_client_op *tz_client_op_find(const char *name, bool *by_alias);

/* True for methods that carry a JSON body (POST, PATCH). */
bool tz_client_op_has_body(const tz_client_op *op);

/* Parses argv[0..argc) (operation name excluded) into *out, which the caller releases with
 * tz_client_request_clear() whether or not an error is returned. `positional` allows bare values
 * for path parameters. `read` may be NULL when no file input is wanted (then data=@FILE fails). */
tz_error *tz_client_request_parse(const tz_client_op *op, bool positional, int argc,
                                  char *const *argv, tz_client_reader read, void *read_ctx,
                                  tz_client_request *out);

/* Appends {"type":"time","validUntil":now+ttl} to the body's "caveats" (creating the array) when
 * the request has a ttl; a no-op otherwise. `now` is UNIX seconds. */
tz_error *tz_client_request_apply_ttl(tz_client_request *req, long long now);

/* The body as compact JSON, a new malloc'd string the caller frees; NULL when the request has no
 * body (or on allocation failure, which the caller reports). */
char *tz_client_request_body_text(const tz_client_request *req);

void tz_client_request_clear(tz_client_request *req);

/* A command-line error: id + {"key": key, "hint": <printf text>}. The id gives the Onedata-style
 * description; the hint says precisely what is wrong with the command line. New error, caller
 * owns it. */
tz_error *tz_client_usage_error(tz_err_id id, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The hint of such an error (borrowed from it), or NULL. */
const char *tz_client_error_hint(const tz_error *e);

/* Percent-encodes one path segment: RFC 3986 unreserved characters stay, every other byte becomes
 * %XX; a segment made only of dots is fully encoded so it cannot act as "." or "..".
 * Returns a new malloc'd string the caller frees, NULL on allocation failure. */
char *tz_client_encode_segment(const char *segment);

/* Fills the {name} placeholders of `template` from `values` (parallel to `names`, n entries),
 * encoding each. Missing value → missingRequiredValue{key}; empty → badValueEmpty{key}.
 * On success *out is a new malloc'd string the caller frees. */
tz_error *tz_client_build_path(const char *template, const char *const *names,
                               const char *const *values, size_t n, char **out);

#endif
