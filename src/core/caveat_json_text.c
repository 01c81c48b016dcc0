/* The REST JSON form of a caveat written straight into a text (core/json_write.h), for answers
 * assembled as text (RFC 7662 introspection). The kinds a gateway's tokens usually carry — time,
 * interface, ip, asn, data.readonly, the legacy scope — are written here; every other kind goes
 * through tz_caveat_to_json, so the text is always exactly what json_dumps of tz_caveat_to_json
 * gives (a unit test compares both for every kind). */
#include "core/caveat_internal.h"
#include "core/json_write.h"

#include <string.h>

#define LIT(b, s) tz_jb_raw(b, s, sizeof s - 1)

void tz_caveat_write_json(tz_json_buf *b, const tz_caveat *c) {
    switch (c->type) {
    case TZ_CV_TIME:
        LIT(b, "{\"type\":\"time\",\"validUntil\":");
        tz_jb_int(b, (long long)c->valid_until);
        LIT(b, "}");
        return;
    case TZ_CV_INTERFACE: {
        const char *name = tz_interface_name(c->iface);
        if (!name) break; /* tz_caveat_to_json fails on it as well */
        LIT(b, "{\"type\":\"interface\",\"interface\":");
        tz_jb_string(b, name, strlen(name));
        LIT(b, "}");
        return;
    }
    case TZ_CV_DATA_READONLY:
        LIT(b, "{\"type\":\"data.readonly\"}");
        return;
    case TZ_CV_SCOPE:
        LIT(b, "{\"scope\":\"identityToken\"}");
        return;
    case TZ_CV_IP:
    case TZ_CV_ASN:
        if (c->type == TZ_CV_IP) LIT(b, "{\"type\":\"ip\",\"whitelist\":[");
        else LIT(b, "{\"type\":\"asn\",\"whitelist\":[");
        for (size_t i = 0; i < c->n; i++) {
            if (i) LIT(b, ",");
            if (c->type == TZ_CV_ASN) {
                tz_jb_int(b, (long long)c->asns[i]);
            } else {
                char m[19];
                size_t n = tz_cv_write_mask(&c->masks[i], m);
                tz_jb_string(b, m, n);
            }
        }
        LIT(b, "]}");
        return;
    default:
        break;
    }
    json_t *j = tz_caveat_to_json(c);
    tz_jb_value(b, j); /* NULL fails the text */
    json_decref(j);
}
