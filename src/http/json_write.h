/* Compact JSON text of an answer body, written without json_dumps (json_write.c). */
#ifndef TZ_HTTP_JSON_WRITE_H
#define TZ_HTTP_JSON_WRITE_H
#include <stddef.h>
#include <jansson.h>

/* Largest text (bytes) and nesting depth the writer takes on; beyond either it steps aside. */
#define TZ_JSON_WRITE_MAX_BYTES ((size_t)64 << 20)
#define TZ_JSON_WRITE_MAX_DEPTH 64

/* The text json_dumps(v, JSON_COMPACT) gives, byte for byte, for an object or array made of
 * objects, arrays, strings (well-formed UTF-8), integers, true, false and null: malloc'd,
 * NUL-terminated, owned by the caller (free), its length in *len. NULL when the writer steps
 * aside (a real number, a top level that is not an object or array, a string that is not
 * well-formed UTF-8, deeper than TZ_JSON_WRITE_MAX_DEPTH, larger than TZ_JSON_WRITE_MAX_BYTES)
 * or memory ran out: the caller then asks json_dumps, which decides as before. */
char *tz_json_write_compact(const json_t *v, size_t *len);

#endif
