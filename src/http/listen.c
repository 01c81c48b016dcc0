/* Listen address parsing and printing. */
#include "http/listen.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tz_error *bad(void) { return tz_err_key(TZE_BAD_DATA, "listen"); }

/* Decimal 0..65535, digits only. */
static int parse_port(const char *s) {
    if (!*s || strlen(s) > 5) return -1;
    long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        v = v * 10 + (*p - '0');
    }
    return v > 65535 ? -1 : (int)v;
}

tz_error *tz_listen_parse(const char *s, tz_listen_addr *out) {
    memset(out, 0, sizeof *out);
    if (!s) return bad();
    char host[64];
    const char *port_str;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':') return bad();
        size_t hn = (size_t)(close - s - 1);
        if (hn == 0 || hn >= sizeof host) return bad();
        memcpy(host, s + 1, hn);
        host[hn] = '\0';
        port_str = close + 2;
        int port = parse_port(port_str);
        if (port < 0) return bad();
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->ss;
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) return bad();
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        out->len = sizeof *a6;
        return NULL;
    }
    const char *colon = strrchr(s, ':');
    if (!colon) return bad();
    size_t hn = (size_t)(colon - s);
    if (hn == 0 || hn >= sizeof host) return bad();
    memcpy(host, s, hn);
    host[hn] = '\0';
    int port = parse_port(colon + 1);
    if (port < 0) return bad();
    struct sockaddr_in *a4 = (struct sockaddr_in *)&out->ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) return bad();
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    out->len = sizeof *a4;
    return NULL;
}

void tz_listen_format(const struct sockaddr *sa, char *buf, size_t n) {
    if (n == 0) return;
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
        snprintf(buf, n, "%s:%u", host, (unsigned)ntohs(a4->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
        snprintf(buf, n, "[%s]:%u", host, (unsigned)ntohs(a6->sin6_port));
    } else {
        snprintf(buf, n, "?");
    }
}
