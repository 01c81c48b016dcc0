/* Prometheus metrics, counted on the request path.
 *
 * Every thread that counts gets its own slot (a block of counters only it writes) the first time
 * it counts; slots live in a fixed array of the registry and are summed when /metrics is scraped,
 * so the hot path never takes a shared lock or bounces a shared cache line. A slot is claimed with
 * one atomic increment; counters are written by their owner with relaxed atomic stores and read by
 * the scraper with relaxed atomic loads (a scrape may see a request half-counted, never a torn
 * value). When every slot is taken, further threads share the last one through atomic adds.
 *
 * Labels are small indexes here (route, method, status class, operation, error id); their text is
 * only made at scrape time. */
#ifndef TZ_SERVICE_METRICS_H
#define TZ_SERVICE_METRICS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"

typedef struct tz_metrics tz_metrics;

#define TZ_METRICS_MAX_ROUTES 128    /* route label indexes [0, this) */
#define TZ_METRICS_MAX_OPS 48        /* token operation indexes */
#define TZ_METRICS_MAX_STORE_OPS 64  /* store call kinds (store_timing.h) */

/* The registry. *out is owned by the caller (tz_metrics_free), which must outlive every thread
 * that counts into it. */
tz_metrics *tz_metrics_new(void);
void tz_metrics_free(tz_metrics *m);

/* Makes `m` the registry of the calling thread's store timings (store_timing.h), which have no
 * registry at hand. The service binds it at the start of each request. */
void tz_metrics_bind_thread(tz_metrics *m);

/* Monotonic nanoseconds, for durations. */
uint64_t tz_metrics_now_ns(void);

/* ---- counting (any thread, no lock) ---- */
/* One finished HTTP request: route label index, method, status (0 = no reply), duration. */
void tz_metrics_request(tz_metrics *m, unsigned route, const char *method, int status,
                        uint64_t duration_ns);
void tz_metrics_connection_opened(tz_metrics *m);
void tz_metrics_connection_closed(tz_metrics *m);
void tz_metrics_connection_refused(tz_metrics *m);
void tz_metrics_throttle_refused(tz_metrics *m);
/* A token operation: op index, token type (-1 unknown, else TZ_TT_*), persistence (0 unknown,
 * 1 named, 2 temporary), error (NULL = success; only its id is read). Failures are counted by
 * operation and error id only (type and persistence are often unknown when a request fails). */
void tz_metrics_token_op(tz_metrics *m, unsigned op, int type, int persistence, const tz_error *e);
/* A verification (verify endpoints and token authentication): kind 0 access, 1 identity,
 * 2 invite; err_id < 0 = ok, else the tz_err_id of the failure. */
void tz_metrics_verification(tz_metrics *m, unsigned kind, int err_id);
/* An audit line that could not be written. */
void tz_metrics_audit_failure(tz_metrics *m);
/* One store call of kind `op` that started at start_ns (tz_metrics_now_ns) on the thread's bound
 * registry; failed = it returned an error other than not-found / already-exists, unavailable =
 * the store did not answer (busy, I/O). No-op when the thread has no registry. */
void tz_metrics_store_call(unsigned op, uint64_t start_ns, const tz_error *e);

/* ---- exposition ---- */
typedef struct tz_metrics_labels {
    /* The text of a route label index (a pattern such as /api/v3/onezone/tokens/named/{id}), or
     * NULL for an unused index. */
    const char *(*route)(void *ud, unsigned idx, char *buf, size_t n);
    void *ud;
    const char *(*op)(unsigned idx);          /* operation name or NULL */
    const char *(*store_op)(unsigned idx);    /* store call name or NULL */
    const char *store_backend;                /* e.g. "sqlite" */
    const char *version;                      /* build_info */
    int64_t start_time;                       /* process start, Unix seconds */
} tz_metrics_labels;

/* Renders the Prometheus text exposition (format 0.0.4). Returns a malloc'd NUL-terminated text
 * owned by the caller (free), with its length in *len; NULL when out of memory. */
char *tz_metrics_render(tz_metrics *m, const tz_metrics_labels *labels, size_t *len);

#endif
