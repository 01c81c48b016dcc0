/* Fast path for flat JSON request bodies (json_flat.c). */
#ifndef TZ_HTTP_JSON_FLAT_H
#define TZ_HTTP_JSON_FLAT_H
#include <stddef.h>
#include <jansson.h>

/* The object when `s` is one JSON object of plain-ASCII string members without escapes (later
 * duplicates win, as with json_loadb); NULL otherwise, in which case the caller parses with
 * json_loadb. New reference owned by the caller. */
json_t *tz_json_load_flat(const char *s, size_t n);

#endif
