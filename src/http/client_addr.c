/* Client address behind trusted proxies: see client_addr.h. */
#include "http/client_addr.h"
#include <string.h>
#include <strings.h>

bool tz_ipv4_parse(const char *s, size_t len, uint32_t *out) {
    uint32_t v = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || s[i] != '.') return false;
            i++;
        }
        size_t start = i;
        unsigned n = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) n = n * 10 + (unsigned)(s[i++] - '0');
        if (i == start || n > 255 || (i - start > 1 && s[start] == '0')) return false;
        v = v << 8 | n;
    }
    if (i != len) return false;
    *out = v;
    return true;
}

bool tz_cidr_parse(const char *s, tz_cidr *out) {
    if (!s) return false;
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    uint32_t addr;
    if (!tz_ipv4_parse(s, alen, &addr)) return false;
    unsigned bits = 32;
    if (slash) {
        const char *p = slash + 1;
        if (!*p || strlen(p) > 2) return false;
        bits = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9') return false;
            bits = bits * 10 + (unsigned)(*p - '0');
        }
        if (bits > 32) return false;
    }
    out->mask = bits == 0 ? 0 : 0xFFFFFFFFu << (32 - bits);
    out->net = addr & out->mask;
    return true;
}

bool tz_trusted_proxies_add(tz_trusted_proxies *t, const char *cidr) {
    if (t->n >= TZ_TRUSTED_PROXIES_MAX) return false;
    tz_cidr c;
    if (!tz_cidr_parse(cidr, &c)) return false;
    t->cidr[t->n++] = c;
    return true;
}

bool tz_trusted_proxies_contains(const tz_trusted_proxies *t, uint32_t ip) {
    for (size_t i = 0; t && i < t->n; i++)
        if ((ip & t->cidr[i].mask) == t->cidr[i].net) return true;
    return false;
}

/* One X-Forwarded-For entry, trimmed: IPv4, "::ffff:a.b.c.d", or "[...]" forms of these. */
static bool entry_ipv4(const char *s, size_t len, uint32_t *out) {
    while (len && (*s == ' ' || *s == '\t')) s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') s++, len -= 2;
    static const char mapped[] = "::ffff:";
    size_t ml = sizeof mapped - 1;
    if (len > ml && strncasecmp(s, mapped, ml) == 0) s += ml, len -= ml;
    return tz_ipv4_parse(s, len, out);
}

void tz_client_addr_resolve(const tz_trusted_proxies *t, bool peer_known, uint32_t peer,
                            const char *xff, bool *known, uint32_t *ip) {
    *known = peer_known;
    *ip = peer_known ? peer : 0;
    if (!peer_known || !t || !t->n || !xff || !tz_trusted_proxies_contains(t, peer)) return;
    size_t len = strnlen(xff, TZ_XFF_MAX_BYTES + 1);
    /* An overlong header cannot be read from its right end reliably: no address. */
    if (len > TZ_XFF_MAX_BYTES) {
        *known = false;
        *ip = 0;
        return;
    }
    size_t end = len;
    for (int walked = 0; walked < TZ_XFF_MAX_ENTRIES; walked++) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',') start--;
        uint32_t a;
        bool ok = entry_ipv4(xff + start, end - start, &a);
        if (!ok) {
            /* empty entries (",,") are skipped; anything else unreadable ends the walk unknown */
            size_t k = start;
            while (k < end && (xff[k] == ' ' || xff[k] == '\t')) k++;
            if (k != end) {
                *known = false;
                *ip = 0;
                return;
            }
        } else {
            *known = true;
            *ip = a;
            if (!tz_trusted_proxies_contains(t, a)) return;
        }
        if (start == 0) return;  /* every entry was a trusted proxy: the leftmost one stands */
        end = start - 1;
    }
    /* too many entries: refuse to guess */
    *known = false;
    *ip = 0;
}
