/* Server log lines on stderr: one line per request, plus event lines. A line never contains a
 * header value, a request body or a query string, so no token or password can reach the log. */
#ifndef TZ_HTTP_ACCESS_LOG_H
#define TZ_HTTP_ACCESS_LOG_H
#include <stddef.h>
#include <time.h>

#define TZ_LOG_LINE_MAX 1024

typedef struct tz_access_entry {
    const char *method;     /* raw request method (sanitized when printed) */
    const char *path;       /* raw request path without query string (sanitized, truncated) */
    int status;             /* 0 = no response was sent */
    long duration_ms;
    const char *client;     /* tz_client_log_id, or "-" */
    const char *error_id;   /* Onedata error id of the reply, or NULL */
    const char *auth_error_id; /* details.authError.id of an `unauthorized` reply, or NULL */
    const char *note;       /* extra word such as "aborted", or NULL */
    const char *request_id; /* shown as " rid=ID" at the end (audit trail), or NULL */
} tz_access_entry;

/* Formats "2024-01-02T03:04:05.678Z POST /path 200 3ms usr-ID[ error=ID[/AUTHID]][ NOTE][ rid=ID]\n"
 * into buf (n >= 2). Non-printable and non-ASCII bytes of method and path appear as %XX; the
 * path is cut at 256 bytes with "...". Returns the length written. */
size_t tz_access_format(const tz_access_entry *e, const struct timespec *now, char *buf, size_t n);

/* Writes one access line to stderr with a single write(2). */
void tz_access_log(const tz_access_entry *e);

/* Writes "tokenzone: MESSAGE\n" to stderr with a single write(2). */
void tz_log_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
