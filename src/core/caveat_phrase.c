/* The "unverified ... caveat" phrases of tokenCaveatUnverified descriptions (errors.md §5), rendered
 * from the caveat JSON an error carries. */
#include "core/caveat_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), valid for the whole int64 range of
 * seconds (the day count then stays far from overflow). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    uint64_t doe = (uint64_t)(z - era * 146097);
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t year = (int64_t)yoe + era * 400;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = year + (*m <= 2);
}

/* ISO 8601 UTC, e.g. 2019-10-15T13:51:34Z. */
static void add_iso8601(tz_cv_buf *b, int64_t t) {
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days -= 1;
    }
    int64_t y;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
    tz_cv_buf_printf(b, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ", y, mo, d, (unsigned)(secs / 3600),
                     (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

/* The list elements joined with " or " the way each caveat shows them. */
static void add_joined(tz_cv_buf *b, const tz_caveat *c) {
    for (size_t i = 0; i < c->n; i++) {
        if (i) tz_cv_buf_str(b, " or ");
        switch (c->type) {
        case TZ_CV_IP: {
            char m[19];
            tz_cv_buf_add(b, m, tz_cv_write_mask(&c->masks[i], m));
            break;
        }
        case TZ_CV_ASN:
            tz_cv_buf_printf(b, "%" PRId64, c->asns[i]);
            break;
        case TZ_CV_SERVICE:
            tz_cv_buf_str(b, tz_service_snake_name(c->services[i].type));
            tz_cv_buf_add(b, ":", 1);
            tz_cv_buf_add_utf8(b, c->services[i].id, c->service_id_lens[i]);
            break;
        case TZ_CV_CONSUMER:
            tz_cv_buf_str(b, tz_cv_subject_type_name(c->subjects[i].kind));
            tz_cv_buf_add(b, ":", 1);
            if (c->subjects[i].kind == TZ_SUBJ_NOBODY) tz_cv_buf_str(b, "undefined");
            else tz_cv_buf_add_utf8(b, c->subjects[i].id.ptr, c->subjects[i].id.len);
            break;
        case TZ_CV_API: {
            size_t n = tz_matchspec_text_len(&c->specs[i]);
            char *tmp = malloc(n ? n : 1);
            if (!tmp) {
                b->failed = true;
                return;
            }
            tz_matchspec_write(&c->specs[i], tmp);
            tz_cv_buf_add_utf8(b, tmp, n);
            free(tmp);
            break;
        }
        case TZ_CV_DATA_PATH:
            tz_cv_buf_add_utf8(b, c->paths[i].ptr, c->paths[i].len);
            break;
        default: /* country, region, objectid */
            tz_cv_buf_add_utf8(b, c->elems[i].ptr, c->elems[i].len);
            break;
        }
    }
}

static void add_quoted_list(tz_cv_buf *b, const tz_caveat *c) {
    tz_cv_buf_add(b, "'", 1);
    add_joined(b, c);
    tz_cv_buf_add(b, "'", 1);
}

static void render(tz_cv_buf *b, const tz_caveat *c) {
    switch (c->type) {
    case TZ_CV_TIME:
        tz_cv_buf_str(b, "unverified time caveat: this token has expired at '");
        add_iso8601(b, c->valid_until);
        tz_cv_buf_str(b, "'");
        break;
    case TZ_CV_IP:
        tz_cv_buf_str(b, "unverified IP caveat: this token can only be used from an IP address that matches: ");
        add_quoted_list(b, c);
        break;
    case TZ_CV_ASN:
        tz_cv_buf_str(b, "unverified ASN caveat: this token can only be used from an IP address that maps to the "
                         "following Autonomous System Number: ");
        add_quoted_list(b, c);
        break;
    case TZ_CV_GEO_COUNTRY:
    case TZ_CV_GEO_REGION: {
        bool country = c->type == TZ_CV_GEO_COUNTRY;
        tz_cv_buf_printf(b,
                         "unverified %s caveat: this token can only be used from an IP address that %s from the "
                         "following %s: ",
                         country ? "country" : "region", c->blacklist ? "does NOT come" : "comes",
                         country ? "country" : "region");
        add_quoted_list(b, c);
        break;
    }
    case TZ_CV_SCOPE:
        tz_cv_buf_str(b, "this token carries no authorization (can be used only for identity verification)");
        break;
    case TZ_CV_SERVICE:
        tz_cv_buf_str(b, "unverified service caveat: the service using this token must authenticate as ");
        add_quoted_list(b, c);
        tz_cv_buf_str(b, " (use the x-onedata-service-token header), or the requested API operation is disallowed "
                         "for the whitelisted services");
        break;
    case TZ_CV_CONSUMER:
        tz_cv_buf_str(b, "unverified consumer caveat: the consumer of this token must authenticate as ");
        add_quoted_list(b, c);
        tz_cv_buf_str(b, " - if that's you, you should:\n"
                         "   * send your access token in 'x-auth-token' header if consuming an invite token\n"
                         "   * send your identity token in 'x-onedata-consumer-token' header if performing an "
                         "operation on behalf of somebody else with their access token\n"
                         "   * send your identity token in 'consumerToken' field if using token verification API");
        break;
    case TZ_CV_INTERFACE:
        tz_cv_buf_printf(b, "unverified interface caveat: this token can only be used in the '%s' interface",
                         tz_interface_name(c->iface));
        break;
    case TZ_CV_API:
        tz_cv_buf_str(b, "unverified API caveat: this token can only be used for API calls that match the "
                         "following spec: ");
        add_quoted_list(b, c);
        break;
    case TZ_CV_DATA_READONLY:
        tz_cv_buf_str(b, "unverified data access caveat: this token allows for readonly data access");
        break;
    case TZ_CV_DATA_PATH:
        tz_cv_buf_str(b, "unverified data path caveat: this token can only be used to access data under the "
                         "following paths (and nested directories): ");
        add_quoted_list(b, c);
        break;
    case TZ_CV_DATA_OBJECTID:
        tz_cv_buf_str(b, "unverified data path caveat: this token can only be used to access data with the "
                         "following FILE_ID (and nested directories): ");
        add_quoted_list(b, c);
        break;
    case TZ_CV__COUNT:
        break;
    }
}

/* Phrases of caveats from tokens are bounded by the caveat size; this cap only guards misuse. */
#define PHRASE_LIMIT (4u << 20)

char *tz_caveat_phrase_from_json(const json_t *caveat_json) {
    tz_caveat *c = NULL;
    if (tz_cv_from_json(caveat_json, false, &c) != TZ_CV_OK) return NULL;
    tz_cv_buf b;
    tz_cv_buf_init(&b, PHRASE_LIMIT);
    render(&b, c);
    tz_caveat_free(c);
    return tz_cv_buf_finish(&b, NULL);
}
