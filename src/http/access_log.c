/* Log line formatting. Each line goes out in one write(2) so that lines from concurrent worker
 * threads never interleave. */
#include "http/access_log.h"
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PATH_LOG_MAX 256
#define METHOD_LOG_MAX 16

typedef struct out_buf {
    char *p;
    size_t n, len;
} out_buf;

static void put(out_buf *o, const char *s, size_t n) {
    for (size_t i = 0; i < n && o->len + 1 < o->n; i++) o->p[o->len++] = s[i];
    o->p[o->len] = '\0';
}

static void puts_(out_buf *o, const char *s) { put(o, s, strlen(s)); }

/* Copies s, escaping bytes outside printable ASCII (and '%' itself stays as is: the path is the
 * raw, still percent-encoded path, so escapes remain unambiguous enough for reading). */
static void put_sanitized(out_buf *o, const char *s, size_t max) {
    if (!s || !*s) {
        puts_(o, "-");
        return;
    }
    size_t i = 0;
    for (; s[i] && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > 0x20 && c < 0x7f) {
            put(o, (const char *)&c, 1);
        } else {
            char esc[4];
            snprintf(esc, sizeof esc, "%%%02X", c);
            puts_(o, esc);
        }
    }
    if (s[i]) puts_(o, "...");
}

size_t tz_access_format(const tz_access_entry *e, const struct timespec *now, char *buf, size_t n) {
    out_buf o = {buf, n, 0};
    if (n) buf[0] = '\0';
    struct tm tm;
    gmtime_r(&now->tv_sec, &tm);
    char ts[96];
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(now->tv_nsec / 1000000));
    puts_(&o, ts);
    put_sanitized(&o, e->method, METHOD_LOG_MAX);
    puts_(&o, " ");
    put_sanitized(&o, e->path, PATH_LOG_MAX);
    char mid[64];
    if (e->status > 0) snprintf(mid, sizeof mid, " %d %ldms ", e->status, e->duration_ms);
    else snprintf(mid, sizeof mid, " - %ldms ", e->duration_ms);
    puts_(&o, mid);
    puts_(&o, e->client ? e->client : "-");
    if (e->error_id) {
        puts_(&o, " error=");
        put_sanitized(&o, e->error_id, 64);
        if (e->auth_error_id) {
            puts_(&o, "/");
            put_sanitized(&o, e->auth_error_id, 64);
        }
    }
    if (e->note) {
        puts_(&o, " ");
        puts_(&o, e->note);
    }
    if (e->request_id) {
        puts_(&o, " rid=");
        put_sanitized(&o, e->request_id, 32);
    }
    /* Always end with a newline, even when truncated. */
    if (o.len + 1 >= o.n && o.n >= 2) o.len = o.n - 2;
    o.p[o.len++] = '\n';
    o.p[o.len] = '\0';
    return o.len;
}

static void write_all(const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0) return; /* nowhere left to report a failing log */
        s += w;
        n -= (size_t)w;
    }
}

void tz_access_log(const tz_access_entry *e) {
    char line[TZ_LOG_LINE_MAX];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    size_t n = tz_access_format(e, &now, line, sizeof line);
    write_all(line, n);
}

void tz_log_event(const char *fmt, ...) {
    char line[TZ_LOG_LINE_MAX];
    int k = snprintf(line, sizeof line, "tokenzone: ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + k, sizeof line - (size_t)k - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)k + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    write_all(line, len);
}
