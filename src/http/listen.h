/* The --listen address: numeric "IPv4:PORT" or "[IPv6]:PORT", port 0 = any free port. */
#ifndef TZ_HTTP_LISTEN_H
#define TZ_HTTP_LISTEN_H
#include <stddef.h>
#include <sys/socket.h>
#include "core/err.h"

typedef struct tz_listen_addr {
    struct sockaddr_storage ss;
    socklen_t len;
} tz_listen_addr;

/* Parses `s`. Host names are refused (no resolver surprises at start-up). Failure:
 * TZE_BAD_DATA {"key": "listen"} (caller owns the error). */
tz_error *tz_listen_parse(const char *s, tz_listen_addr *out);

/* "127.0.0.1:8080" or "[::1]:8080" into buf (always NUL-terminated when n > 0). */
void tz_listen_format(const struct sockaddr *sa, char *buf, size_t n);

#endif
