/* The metrics registry: per-thread slots summed at scrape (see metrics.h). */
#include "service/metrics.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "service/metrics_internal.h"

/* The registry a thread counts into, and its slot there. A thread serves one registry in
 * practice; when it meets another (tests run several servers in one process) it claims a slot
 * there too and remembers the latest. */
static _Thread_local tz_metrics *tls_owner;
static _Thread_local uint64_t tls_tag;     /* owner's tag: a new registry at a freed one's address
                                              is not mistaken for it */
static _Thread_local tzm_slot *tls_slot;
static _Thread_local tz_metrics *tls_bound;

tz_metrics *tz_metrics_new(void) {
    tz_metrics *m = calloc(1, sizeof *m);
    if (m) m->tag = tz_metrics_now_ns() ^ ((uint64_t)(uintptr_t)m << 1) ^ 1u;
    return m;
}

void tz_metrics_free(tz_metrics *m) {
    if (!m) return;
    /* the freeing thread forgets it; threads that counted into it are gone by now (the HTTP
     * server's workers stop before the service is freed) */
    if (tls_bound == m) tls_bound = NULL;
    if (tls_owner == m) tls_owner = NULL, tls_slot = NULL;
    for (size_t i = 0; i < TZM_SLOTS; i++) free(atomic_load(&m->slots[i]));
    free(m);
}

uint64_t tz_metrics_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The calling thread's slot in m, claimed on first use. NULL only when out of memory. */
static tzm_slot *slot_of(tz_metrics *m, bool *shared) {
    *shared = false;
    if (tls_owner == m && tls_tag == m->tag && tls_slot) return tls_slot;
    unsigned i = atomic_fetch_add(&m->n_claimed, 1);
    if (i >= TZM_SLOTS - 1) {
        /* every private slot is taken: the last one is shared, counted with atomic adds */
        i = TZM_SLOTS - 1;
        *shared = true;
    }
    tzm_slot *s = atomic_load(&m->slots[i]);
    if (!s) {
        tzm_slot *fresh = calloc(1, sizeof *fresh);
        if (!fresh) return NULL;
        tzm_slot *expected = NULL;
        if (atomic_compare_exchange_strong(&m->slots[i], &expected, fresh)) s = fresh;
        else {
            free(fresh);
            s = expected;
        }
    }
    if (!*shared) {
        tls_owner = m;
        tls_tag = m->tag;
        tls_slot = s;
    }
    return s;
}

/* Adds v to a counter: a plain load+store by the slot's only writer, an atomic add in the shared
 * slot. */
static inline void add(tzm_counter *c, uint64_t v, bool shared) {
    if (shared) atomic_fetch_add_explicit(c, v, memory_order_relaxed);
    else atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                               memory_order_relaxed);
}

const double tzm_bounds[TZM_BUCKETS - 1] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,   5,     10};

static unsigned bucket_of(uint64_t ns) {
    double s = (double)ns / 1e9;
    unsigned b = 0;
    while (b < TZM_BUCKETS - 1 && s > tzm_bounds[b]) b++;
    return b;
}

static unsigned method_index(const char *m) {
    if (!strcmp(m, "GET")) return 0;
    if (!strcmp(m, "POST")) return 1;
    if (!strcmp(m, "PATCH")) return 2;
    if (!strcmp(m, "DELETE")) return 3;
    if (!strcmp(m, "HEAD")) return 4;
    return 5;
}

void tz_metrics_request(tz_metrics *m, unsigned route, const char *method, int status,
                        uint64_t duration_ns) {
    bool sh;
    tzm_slot *s = m ? slot_of(m, &sh) : NULL;
    if (!s) return;
    if (route >= TZ_METRICS_MAX_ROUTES) route = TZ_METRICS_MAX_ROUTES - 1;
    unsigned cls = status >= 100 && status <= 599 ? (unsigned)status / 100 : 0;
    add(&s->requests[route][method_index(method)][cls], 1, sh);
    add(&s->req_duration[route].buckets[bucket_of(duration_ns)], 1, sh);
    add(&s->req_duration[route].sum_ns, duration_ns, sh);
}

#define SIMPLE_COUNTER(fn, field)            \
    void fn(tz_metrics *m) {                 \
        bool sh;                             \
        tzm_slot *s = m ? slot_of(m, &sh) : NULL; \
        if (s) add(&s->field, 1, sh);        \
    }
SIMPLE_COUNTER(tz_metrics_connection_opened, conn_opened)
SIMPLE_COUNTER(tz_metrics_connection_closed, conn_closed)
SIMPLE_COUNTER(tz_metrics_connection_refused, conn_refused)
SIMPLE_COUNTER(tz_metrics_throttle_refused, throttle_refused)
SIMPLE_COUNTER(tz_metrics_audit_failure, audit_failures)

void tz_metrics_token_op(tz_metrics *m, unsigned op, int type, int persistence, const tz_error *e) {
    bool sh;
    tzm_slot *s = m ? slot_of(m, &sh) : NULL;
    if (!s || op >= TZ_METRICS_MAX_OPS) return;
    unsigned t = type >= 0 && type < 3 ? (unsigned)type + 1 : 0;
    unsigned p = persistence >= 0 && persistence < 3 ? (unsigned)persistence : 0;
    if (e) add(&s->token_failed[op][e->id < TZE__COUNT ? e->id : TZE_INTERNAL], 1, sh);
    else add(&s->token_ok[op][t][p], 1, sh);
}

void tz_metrics_verification(tz_metrics *m, unsigned kind, int err_id) {
    bool sh;
    tzm_slot *s = m ? slot_of(m, &sh) : NULL;
    if (!s || kind > 2) return;
    unsigned r = err_id >= 0 && err_id < TZE__COUNT ? (unsigned)err_id + 1 : 0;
    add(&s->verifications[kind][r], 1, sh);
}

void tz_metrics_bind_thread(tz_metrics *m) { tls_bound = m; }

void tz_metrics_store_call(unsigned op, uint64_t start_ns, const tz_error *e) {
    tz_metrics *m = tls_bound;
    bool sh;
    tzm_slot *s = m ? slot_of(m, &sh) : NULL;
    if (!s || op >= TZ_METRICS_MAX_STORE_OPS) return;
    uint64_t d = tz_metrics_now_ns() - start_ns;
    add(&s->store_duration[op].buckets[bucket_of(d)], 1, sh);
    add(&s->store_duration[op].sum_ns, d, sh);
    if (e && e->id == TZE_SERVICE_UNAVAILABLE) add(&s->store_unavailable[op], 1, sh);
    else if (e && e->id != TZE_NOT_FOUND && e->id != TZE_ALREADY_EXISTS)
        add(&s->store_errors[op], 1, sh);
}
