/* Fast writer of reply bodies (json_write.c). */
#ifndef TZ_HTTP_JSON_WRITE_H
#define TZ_HTTP_JSON_WRITE_H
#include <stddef.h>
#include <jansson.h>

/* The exact text json_dumps(j, JSON_COMPACT) gives, or NULL where json_dumps gives NULL (j NULL or
 * not an object/array, an unencodable string, allocation failure). malloc'd, NUL-terminated, owned
 * by the caller (free); *len (may be NULL) is its length. Plain members are written directly;
 * reals, strings with escapes or non-ASCII bytes, and trees deeper than the writer's depth cap are
 * written by jansson itself, so the text never differs from jansson's. */
char *tz_json_dump_compact(const json_t *j, size_t *len);

#endif
