/* Content negotiation (rest-api §1.1 step 3): which Accept and Content-Type header values the
 * JSON routes admit. Pure functions over header values. */
#ifndef TZ_HTTP_NEGOTIATE_H
#define TZ_HTTP_NEGOTIATE_H
#include <stdbool.h>

/* True iff an Accept header value admits application/json: absent (NULL) or blank, or a media
 * range application/json, application/ or star/star whose weight is not 0. The most specific
 * matching range decides (RFC 9110 §12.5.1), so "*" "/" "*, application/json;q=0" refuses JSON.
 * Elements that do not parse are ignored. */
bool tz_accept_allows_json(const char *accept);

/* True iff a Content-Type header value is application/json (case-insensitive), optionally with
 * the single parameter charset=utf-8 (case-insensitive, possibly quoted). NULL -> false. */
bool tz_content_type_is_json(const char *content_type);

#endif
