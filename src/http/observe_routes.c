/* /metrics, /healthz and /readyz (observe_routes.h). */
#include "http/observe_routes.h"
#include <stdlib.h>
#include <string.h>
#include "http/routes.h"
#include "service/observe.h"
#include "service/store_timing.h"

/* Label of a metrics route index: the API's path patterns, then the extra routes of the main
 * server, then "other" (unknown paths and malformed requests) in the last slot. */
static const char *route_label(void *ud, unsigned idx, char *buf, size_t n) {
    const tz_observe_ctx *c = ud;
    size_t napi = tz_route_pattern_count();
    if (idx < napi) return tz_route_pattern(idx, buf, n);
    if (idx == TZ_METRICS_MAX_ROUTES - 1) return "other";
    if (idx - napi < c->n_routes) return c->routes[idx - napi].path;
    return NULL;
}

static const char *op_label(unsigned idx) {
    return idx < TZ_OP__COUNT ? tz_op_name((tz_op)idx) : NULL;
}

static void metrics(const tz_extra_req *req, tz_extra_resp *resp) {
    const tz_observe_ctx *c = req->ud;
    tz_metrics_labels l = {
        .route = route_label,
        .ud = (void *)c,
        .op = op_label,
        .store_op = tz_store_op_name,
        .store_backend = tz_service_store_backend(req->svc),
        .version = c->version,
        .start_time = c->start_time,
    };
    size_t len = 0;
    char *text = tz_metrics_render(tz_service_metrics(req->svc), &l, &len);
    if (!text) {
        tz_extra_reply_copy(resp, 500, "text/plain; charset=utf-8", "error\n", 6);
        return;
    }
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp->body = text;
    resp->body_len = len;
    resp->owns_body = true;
    tz_extra_add_header(resp, "Cache-Control", "no-store");
}

static void healthz(const tz_extra_req *req, tz_extra_resp *resp) {
    (void)req;
    tz_extra_reply_copy(resp, 200, "text/plain; charset=utf-8", "ok\n", 3);
    tz_extra_add_header(resp, "Cache-Control", "no-store");
}

static void readyz(const tz_extra_req *req, tz_extra_resp *resp) {
    const tz_observe_ctx *c = req->ud;
    unsigned t = c->readyz_timeout_ms ? c->readyz_timeout_ms : TZ_READYZ_TIMEOUT_MS;
    if (tz_service_ready(req->svc, t)) {
        tz_extra_reply_copy(resp, 200, "text/plain; charset=utf-8", "ready\n", 6);
    } else {
        tz_extra_reply_copy(resp, 503, "text/plain; charset=utf-8", "unavailable\n", 12);
        resp->log_error = "storeUnavailable";
    }
    tz_extra_add_header(resp, "Cache-Control", "no-store");
}

bool tz_observe_add_routes(tz_extra_route *table, size_t cap, size_t *n, tz_observe_ctx *ctx,
                           bool health, bool with_metrics) {
    size_t need = (health ? 2 : 0) + (with_metrics ? 1 : 0);
    if (*n + need > cap) return false;
    if (health) {
        table[(*n)++] = (tz_extra_route){"/healthz", false, "GET", healthz, ctx};
        table[(*n)++] = (tz_extra_route){"/readyz", false, "GET", readyz, ctx};
    }
    if (with_metrics) table[(*n)++] = (tz_extra_route){"/metrics", false, "GET", metrics, ctx};
    return true;
}
