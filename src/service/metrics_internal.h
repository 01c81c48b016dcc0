/* The layout of the metrics registry, shared by metrics.c (counting) and metrics_render.c
 * (exposition). */
#ifndef TZ_SERVICE_METRICS_INTERNAL_H
#define TZ_SERVICE_METRICS_INTERNAL_H
#include <stdatomic.h>
#include <stdint.h>
#include "service/metrics.h"

#define TZM_SLOTS 1100          /* threads that count with their own slot (+1 shared) */
#define TZM_BUCKETS 15          /* 14 bounds + "+Inf" */
#define TZM_METHODS 6           /* GET POST PATCH DELETE HEAD other */
#define TZM_CLASSES 6           /* none, 1xx..5xx */
#define TZM_RESULTS (TZE__COUNT + 1) /* ok, then every error id */

typedef _Atomic uint64_t tzm_counter;

typedef struct tzm_hist {
    tzm_counter buckets[TZM_BUCKETS]; /* per bucket, not cumulative */
    tzm_counter sum_ns;
} tzm_hist;

typedef struct tzm_slot {
    tzm_counter requests[TZ_METRICS_MAX_ROUTES][TZM_METHODS][TZM_CLASSES];
    tzm_hist req_duration[TZ_METRICS_MAX_ROUTES];
    tzm_counter token_ok[TZ_METRICS_MAX_OPS][4][3];          /* op, type, persistence */
    tzm_counter token_failed[TZ_METRICS_MAX_OPS][TZE__COUNT]; /* op, error id */
    tzm_counter verifications[3][TZM_RESULTS];
    tzm_hist store_duration[TZ_METRICS_MAX_STORE_OPS];
    tzm_counter store_errors[TZ_METRICS_MAX_STORE_OPS];
    tzm_counter store_unavailable[TZ_METRICS_MAX_STORE_OPS];
    tzm_counter conn_opened, conn_closed, conn_refused, throttle_refused, audit_failures;
} tzm_slot;

struct tz_metrics {
    uint64_t tag;                 /* unique per registry (see metrics.c) */
    _Atomic unsigned n_claimed;
    tzm_slot *_Atomic slots[TZM_SLOTS];
};

extern const double tzm_bounds[TZM_BUCKETS - 1];

#endif
