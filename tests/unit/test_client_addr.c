/* The client address behind trusted proxies (http/client_addr.h): CIDR parsing and the
 * X-Forwarded-For walk (rightmost address that is not a trusted proxy; untrusted peers' headers
 * ignored; unreadable entries fail closed). */
#include <string.h>
#include "harness.h"
#include "http/client_addr.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void test_parse(void) {
    tz_cidr c;
    CHECK(tz_cidr_parse("10.0.0.0/8", &c) && c.net == IP(10, 0, 0, 0) && c.mask == 0xFF000000u);
    CHECK(tz_cidr_parse("10.1.2.3/8", &c) && c.net == IP(10, 0, 0, 0));
    CHECK(tz_cidr_parse("127.0.0.1", &c) && c.mask == 0xFFFFFFFFu);
    CHECK(tz_cidr_parse("0.0.0.0/0", &c) && c.mask == 0);
    const char *bad[] = {"", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "10.0.0.0/8x", "256.0.0.1",
                         "01.2.3.4", "1.2.3.4 ", "::1", "fe80::/10", "1.2.3.4/-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(!tz_cidr_parse(bad[i], &c));
    tz_trusted_proxies t = {0};
    for (int i = 0; i < TZ_TRUSTED_PROXIES_MAX; i++) CHECK(tz_trusted_proxies_add(&t, "10.0.0.0/8"));
    CHECK(!tz_trusted_proxies_add(&t, "10.0.0.0/8"));
}

static void resolve(const tz_trusted_proxies *t, uint32_t peer, const char *xff, bool want_known,
                    uint32_t want) {
    bool known;
    uint32_t ip;
    tz_client_addr_resolve(t, true, peer, xff, &known, &ip);
    CHECK(known == want_known);
    if (want_known) CHECK(ip == want);
}

static void test_resolve(void) {
    tz_trusted_proxies t = {0};
    CHECK(tz_trusted_proxies_add(&t, "127.0.0.1"));
    CHECK(tz_trusted_proxies_add(&t, "10.9.0.0/16"));
    uint32_t proxy = IP(127, 0, 0, 1), stranger = IP(127, 0, 0, 2);
    /* no trusted proxies at all, or an untrusted peer: the header never counts */
    resolve(NULL, proxy, "1.2.3.4", true, proxy);
    resolve(&t, stranger, "1.2.3.4", true, stranger);
    /* no header: the peer */
    resolve(&t, proxy, NULL, true, proxy);
    resolve(&t, proxy, "1.2.3.4", true, IP(1, 2, 3, 4));
    /* what the client wrote before the proxy's entry is ignored */
    resolve(&t, proxy, "6.6.6.6, 1.2.3.4", true, IP(1, 2, 3, 4));
    /* trusted hops on the right are skipped */
    resolve(&t, proxy, "6.6.6.6,1.2.3.4, 10.9.1.1 ,127.0.0.1", true, IP(1, 2, 3, 4));
    /* every entry trusted: the leftmost, written by a trusted proxy */
    resolve(&t, proxy, "10.9.0.5, 127.0.0.1", true, IP(10, 9, 0, 5));
    /* IPv4-mapped and bracketed forms */
    resolve(&t, proxy, "::ffff:1.2.3.4", true, IP(1, 2, 3, 4));
    resolve(&t, proxy, "[::FFFF:1.2.3.4]", true, IP(1, 2, 3, 4));
    /* empty entries are skipped */
    resolve(&t, proxy, "1.2.3.4,,", true, IP(1, 2, 3, 4));
    /* unreadable or IPv6 at the deciding position: unknown, fail closed */
    resolve(&t, proxy, "garbage", false, 0);
    resolve(&t, proxy, "1.2.3.4, 2001:db8::1", false, 0);
    resolve(&t, proxy, "1.2.3.4, unknown", false, 0);
    /* but an unreadable entry left of the client does not matter */
    resolve(&t, proxy, "garbage, 1.2.3.4", true, IP(1, 2, 3, 4));
    /* too many trusted hops to walk: unknown */
    char many[TZ_XFF_MAX_BYTES];
    many[0] = '\0';
    for (int i = 0; i < TZ_XFF_MAX_ENTRIES + 1; i++) strcat(many, i ? ",10.9.0.1" : "10.9.0.1");
    resolve(&t, proxy, many, false, 0);
    /* an unknown peer stays unknown */
    bool known = true;
    uint32_t ip = 1;
    tz_client_addr_resolve(&t, false, 0, "1.2.3.4", &known, &ip);
    CHECK(!known && ip == 0);
}

int main(void) {
    RUN(test_parse);
    RUN(test_resolve);
    return TEST_REPORT();
}
