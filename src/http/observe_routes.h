/* The operator's routes outside the JSON API: GET /metrics (Prometheus text), GET /healthz (the
 * process serves) and GET /readyz (the store answers within a bound). All unauthenticated; see
 * docs/operations.md. They go through the one mechanism for such routes (http/extra.h). */
#ifndef TZ_HTTP_OBSERVE_ROUTES_H
#define TZ_HTTP_OBSERVE_ROUTES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "http/extra.h"

#define TZ_READYZ_TIMEOUT_MS 1000

/* What the handlers need; owned by the caller and must outlive every server using the routes. */
typedef struct tz_observe_ctx {
    /* the main server's route table (labels of its extra routes); set once it is complete */
    const tz_extra_route *routes;
    size_t n_routes;
    const char *version;
    int64_t start_time;           /* Unix seconds */
    unsigned readyz_timeout_ms;
} tz_observe_ctx;

/* Appends the /healthz and /readyz routes (health) and/or the /metrics route to `table`
 * (capacity cap, *n used so far). False when the table is full. */
bool tz_observe_add_routes(tz_extra_route *table, size_t cap, size_t *n, tz_observe_ctx *ctx,
                           bool health, bool metrics);

#endif
