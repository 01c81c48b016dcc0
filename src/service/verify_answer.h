/* The answer of a successful verification as JSON text (verify_answer.c). */
#ifndef TZ_SERVICE_VERIFY_ANSWER_H
#define TZ_SERVICE_VERIFY_ANSWER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/subject.h"

/* {"subject":{"type":TYPE,"id":ID},"ttl":TTL} (ID null for nobody, TTL null without has_ttl), the
 * provider subtype left out: exactly the compact JSON of tz_subject_to_json and a ttl integer, as
 * the answer was rendered from a jansson tree. Only when the id is printable ASCII that needs no
 * escape (ids are hex or base62): otherwise NULL, and the caller builds the tree. Also NULL when
 * memory ran out. malloc'd text owned by the caller, its length in *len. */
char *svc_verify_answer_text(const tz_subject *s, bool has_ttl, int64_t ttl, size_t *len);

#endif
