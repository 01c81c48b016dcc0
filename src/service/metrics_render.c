/* The Prometheus text exposition (format 0.0.4) of a metrics registry: the slots summed, plus
 * process metrics read from /proc at scrape time. */
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "service/metrics_internal.h"

static const char *const METHODS[TZM_METHODS] = {"GET", "POST", "PATCH", "DELETE", "HEAD", "other"};
static const char *const CLASSES[TZM_CLASSES] = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
static const char *const TYPES[4] = {"unknown", "access", "identity", "invite"};
static const char *const PERSISTENCE[3] = {"unknown", "named", "temporary"};
static const char *const KINDS[3] = {"access", "identity", "invite"};

static uint64_t ld(const tzm_counter *c) { return atomic_load_explicit(c, memory_order_relaxed); }

/* Sums every claimed slot into *t. */
static void sum_slots(tz_metrics *m, tzm_slot *t) {
    memset(t, 0, sizeof *t);
    size_t n = sizeof(tzm_slot) / sizeof(tzm_counter);
    uint64_t *out = (uint64_t *)(void *)t;
    for (size_t i = 0; i < TZM_SLOTS; i++) {
        tzm_slot *s = atomic_load(&m->slots[i]);
        if (!s) continue;
        const tzm_counter *in = (const tzm_counter *)(const void *)s;
        for (size_t k = 0; k < n; k++) out[k] += ld(&in[k]);
    }
}

/* A label value with \\, \" and \n escaped. */
static void put_label(FILE *f, const char *v) {
    for (; *v; v++) {
        if (*v == '\\') fputs("\\\\", f);
        else if (*v == '"') fputs("\\\"", f);
        else if (*v == '\n') fputs("\\n", f);
        else fputc(*v, f);
    }
}

static void header(FILE *f, const char *name, const char *type, const char *help) {
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static bool hist_empty(const tzm_hist *h) {
    for (size_t b = 0; b < TZM_BUCKETS; b++)
        if (h->buckets[b]) return false;
    return true;
}

/* One histogram's lines; `lname`/`lvalue` its label (with extra "backend" when given). */
static void put_hist(FILE *f, const char *name, const char *labels, const tzm_hist *h) {
    uint64_t cum = 0;
    for (size_t b = 0; b < TZM_BUCKETS; b++) {
        cum += h->buckets[b];
        if (b < TZM_BUCKETS - 1) fprintf(f, "%s_bucket{%s,le=\"%g\"} %llu\n", name, labels, tzm_bounds[b], (unsigned long long)cum);
        else fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels, (unsigned long long)cum);
    }
    fprintf(f, "%s_sum{%s} %.9f\n", name, labels, (double)h->sum_ns / 1e9);
    fprintf(f, "%s_count{%s} %llu\n", name, labels, (unsigned long long)cum);
}

/* Writes `label="value"` (escaped) into buf. */
static const char *label_pair(char *buf, size_t n, const char *name, const char *value) {
    FILE *f = fmemopen(buf, n, "w");
    if (!f) {
        snprintf(buf, n, "%s=\"\"", name);
        return buf;
    }
    fprintf(f, "%s=\"", name);
    put_label(f, value);
    fputc('"', f);
    fclose(f);
    return buf;
}

static void put_http(FILE *f, const tzm_slot *t, const tz_metrics_labels *l) {
    char rbuf[256], lab[400];
    header(f, "tokenzone_http_requests_total", "counter",
           "HTTP requests by route pattern, method and status class.");
    for (unsigned r = 0; r < TZ_METRICS_MAX_ROUTES; r++) {
        const char *route = l->route ? l->route(l->ud, r, rbuf, sizeof rbuf) : NULL;
        if (!route) continue;
        for (unsigned mth = 0; mth < TZM_METHODS; mth++)
            for (unsigned c = 0; c < TZM_CLASSES; c++) {
                if (!t->requests[r][mth][c]) continue;
                fprintf(f, "tokenzone_http_requests_total{%s,method=\"%s\",code=\"%s\"} %llu\n",
                        label_pair(lab, sizeof lab, "route", route), METHODS[mth], CLASSES[c],
                        (unsigned long long)t->requests[r][mth][c]);
            }
    }
    header(f, "tokenzone_http_request_duration_seconds", "histogram",
           "Time from the request's headers to its reply, by route pattern.");
    for (unsigned r = 0; r < TZ_METRICS_MAX_ROUTES; r++) {
        const char *route = l->route ? l->route(l->ud, r, rbuf, sizeof rbuf) : NULL;
        if (!route || hist_empty(&t->req_duration[r])) continue;
        put_hist(f, "tokenzone_http_request_duration_seconds", label_pair(lab, sizeof lab, "route", route),
                 &t->req_duration[r]);
    }
    header(f, "tokenzone_http_connections_opened_total", "counter", "Connections accepted.");
    fprintf(f, "tokenzone_http_connections_opened_total %llu\n", (unsigned long long)t->conn_opened);
    header(f, "tokenzone_http_open_connections", "gauge", "Connections open now.");
    fprintf(f, "tokenzone_http_open_connections %lld\n",
            (long long)t->conn_opened - (long long)t->conn_closed);
    header(f, "tokenzone_http_connections_refused_total", "counter",
           "Connections closed at once because --max-connections were open.");
    fprintf(f, "tokenzone_http_connections_refused_total %llu\n", (unsigned long long)t->conn_refused);
}

static void put_tokens(FILE *f, const tzm_slot *t, const tz_metrics_labels *l) {
    header(f, "tokenzone_token_operations_total", "counter",
           "Token API operations by operation, token type, persistence and result (ok or the "
           "Onedata error id).");
    for (unsigned op = 0; op < TZ_METRICS_MAX_OPS; op++) {
        const char *name = l->op ? l->op(op) : NULL;
        if (!name) continue;
        for (unsigned ty = 0; ty < 4; ty++)
            for (unsigned p = 0; p < 3; p++)
                if (t->token_ok[op][ty][p])
                    fprintf(f, "tokenzone_token_operations_total{op=\"%s\",type=\"%s\",persistence=\"%s\",result=\"ok\"} %llu\n",
                            name, TYPES[ty], PERSISTENCE[p], (unsigned long long)t->token_ok[op][ty][p]);
        for (unsigned e = 0; e < TZE__COUNT; e++)
            if (t->token_failed[op][e])
                fprintf(f, "tokenzone_token_operations_total{op=\"%s\",type=\"unknown\",persistence=\"unknown\",result=\"%s\"} %llu\n",
                        name, tz_err_id_name((tz_err_id)e), (unsigned long long)t->token_failed[op][e]);
    }
    header(f, "tokenzone_token_verifications_total", "counter",
           "Token verifications (verify endpoints and token authentication) by kind and result.");
    for (unsigned k = 0; k < 3; k++)
        for (unsigned r = 0; r < TZM_RESULTS; r++)
            if (t->verifications[k][r])
                fprintf(f, "tokenzone_token_verifications_total{kind=\"%s\",result=\"%s\"} %llu\n", KINDS[k],
                        r == 0 ? "ok" : tz_err_id_name((tz_err_id)(r - 1)),
                        (unsigned long long)t->verifications[k][r]);
    header(f, "tokenzone_basic_auth_throttled_total", "counter",
           "Basic-auth attempts refused (429) while a username or address backs off.");
    fprintf(f, "tokenzone_basic_auth_throttled_total %llu\n", (unsigned long long)t->throttle_refused);
    header(f, "tokenzone_audit_write_failures_total", "counter",
           "Audit lines that could not be written (the change was answered 503).");
    fprintf(f, "tokenzone_audit_write_failures_total %llu\n", (unsigned long long)t->audit_failures);
}

/* One counter per store operation that has been called. */
static void put_store_counter(FILE *f, const tzm_slot *t, const tz_metrics_labels *l,
                              const char *metric, const char *help, const tzm_counter *v) {
    const char *backend = l->store_backend ? l->store_backend : "sqlite";
    header(f, metric, "counter", help);
    for (unsigned op = 0; op < TZ_METRICS_MAX_STORE_OPS; op++) {
        const char *name = l->store_op ? l->store_op(op) : NULL;
        if (!name || hist_empty(&t->store_duration[op])) continue;
        fprintf(f, "%s{backend=\"%s\",op=\"%s\"} %llu\n", metric, backend, name,
                (unsigned long long)v[op]);
    }
}

static void put_store(FILE *f, const tzm_slot *t, const tz_metrics_labels *l) {
    char lab[200];
    const char *backend = l->store_backend ? l->store_backend : "sqlite";
    header(f, "tokenzone_store_call_duration_seconds", "histogram",
           "Store calls made by the service, by backend and operation.");
    for (unsigned op = 0; op < TZ_METRICS_MAX_STORE_OPS; op++) {
        const char *name = l->store_op ? l->store_op(op) : NULL;
        if (!name || hist_empty(&t->store_duration[op])) continue;
        snprintf(lab, sizeof lab, "backend=\"%s\",op=\"%s\"", backend, name);
        put_hist(f, "tokenzone_store_call_duration_seconds", lab, &t->store_duration[op]);
    }
    put_store_counter(f, t, l, "tokenzone_store_errors_total",
                      "Store calls that failed (not counting not-found and already-exists answers).",
                      t->store_errors);
    put_store_counter(f, t, l, "tokenzone_store_unavailable_total",
                      "Store calls the store could not serve (busy, offline).", t->store_unavailable);
}

/* Process metrics in the names of the Prometheus client libraries. */
static void put_process(FILE *f, const tz_metrics_labels *l) {
    long page = sysconf(_SC_PAGESIZE), tick = sysconf(_SC_CLK_TCK);
    unsigned long long size = 0, resident = 0;
    FILE *sm = fopen("/proc/self/statm", "r");
    if (sm) {
        if (fscanf(sm, "%llu %llu", &size, &resident) != 2) size = resident = 0;
        fclose(sm);
    }
    double cpu = 0;
    FILE *st = fopen("/proc/self/stat", "r");
    if (st) {
        char buf[1024];
        size_t n = fread(buf, 1, sizeof buf - 1, st);
        buf[n] = '\0';
        fclose(st);
        /* fields after the command name, which is in parentheses and may hold spaces */
        const char *p = strrchr(buf, ')');
        unsigned long long ut = 0, stime = 0;
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stime) == 2 && tick > 0)
            cpu = (double)(ut + stime) / (double)tick;
    }
    long fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        for (struct dirent *e; (e = readdir(d));)
            if (e->d_name[0] != '.') fds++;
        closedir(d);
        fds--; /* the directory's own descriptor */
    }
    header(f, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    fprintf(f, "process_resident_memory_bytes %llu\n", resident * (unsigned long long)(page > 0 ? page : 4096));
    header(f, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
    fprintf(f, "process_virtual_memory_bytes %llu\n", size * (unsigned long long)(page > 0 ? page : 4096));
    header(f, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.");
    fprintf(f, "process_cpu_seconds_total %.2f\n", cpu);
    header(f, "process_open_fds", "gauge", "Open file descriptors.");
    fprintf(f, "process_open_fds %ld\n", fds < 0 ? 0 : fds);
    header(f, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.");
    fprintf(f, "process_start_time_seconds %lld\n", (long long)l->start_time);
}

char *tz_metrics_render(tz_metrics *m, const tz_metrics_labels *l, size_t *len) {
    tzm_slot *t = malloc(sizeof *t);
    char *text = NULL;
    size_t n = 0;
    FILE *f = t ? open_memstream(&text, &n) : NULL;
    if (!f) {
        free(t);
        return NULL;
    }
    sum_slots(m, t);
    header(f, "tokenzone_build_info", "gauge", "Always 1; the labels say which build runs.");
    fputs("tokenzone_build_info{version=\"", f);
    put_label(f, l->version ? l->version : "unknown");
    fprintf(f, "\",store_backend=\"%s\"} 1\n", l->store_backend ? l->store_backend : "sqlite");
    put_http(f, t, l);
    put_tokens(f, t, l);
    put_store(f, t, l);
    put_process(f, l);
    bool bad = ferror(f) != 0;
    fclose(f);
    free(t);
    if (bad) {
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}
