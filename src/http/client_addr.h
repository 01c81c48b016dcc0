/* The client address of a request behind trusted reverse proxies (`--trusted-proxy CIDR`).
 *
 * X-Forwarded-For is believed only when the direct TCP peer is a trusted proxy, and then only the
 * part the trusted proxies wrote: the header is read from the right, skipping addresses that are
 * themselves trusted proxies; the first other address is the client. Whatever a client put into
 * the header before the first trusted proxy appended its view lies to the left of that address
 * and never counts. Pure functions, no I/O. IPv4 only, as the caveats are (IPv4-mapped IPv6
 * counts as IPv4); an entry that is not an IPv4 address makes the client address unknown, so
 * ip/asn/geo caveats fail closed. */
#ifndef TZ_HTTP_CLIENT_ADDR_H
#define TZ_HTTP_CLIENT_ADDR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TZ_TRUSTED_PROXIES_MAX 64
/* Longest X-Forwarded-For value looked at, and most entries walked. */
#define TZ_XFF_MAX_BYTES 4096
#define TZ_XFF_MAX_ENTRIES 64

typedef struct tz_cidr {
    uint32_t net;     /* host byte order, already masked */
    uint32_t mask;
} tz_cidr;

typedef struct tz_trusted_proxies {
    tz_cidr cidr[TZ_TRUSTED_PROXIES_MAX];
    size_t n;
} tz_trusted_proxies;

/* Parses "A.B.C.D/N" or "A.B.C.D" (= /32) into *out. False when malformed. */
bool tz_cidr_parse(const char *s, tz_cidr *out);
/* Appends a CIDR to the list; false when malformed or the list is full. */
bool tz_trusted_proxies_add(tz_trusted_proxies *t, const char *cidr);
bool tz_trusted_proxies_contains(const tz_trusted_proxies *t, uint32_t ip);
/* Parses a dotted-quad IPv4 address (no leading zeros beyond "0", no spaces). */
bool tz_ipv4_parse(const char *s, size_t len, uint32_t *out);

/* The client address. `t` may be NULL (no trusted proxy). `xff` is the X-Forwarded-For value
 * (several headers joined with ", " by the caller), NULL when absent. *known false = no usable
 * IPv4 address. */
void tz_client_addr_resolve(const tz_trusted_proxies *t, bool peer_known, uint32_t peer,
                            const char *xff, bool *known, uint32_t *ip);

#endif
