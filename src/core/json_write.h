/* Writing compact JSON text exactly as json_dumps(JSON_COMPACT) writes it (json_write.c). */
#ifndef TZ_CORE_JSON_WRITE_H
#define TZ_CORE_JSON_WRITE_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* The exact text json_dumps(j, JSON_COMPACT) gives, or NULL where json_dumps gives NULL (j NULL or
 * not an object/array, an unencodable string, allocation failure). malloc'd, NUL-terminated, owned
 * by the caller (free); *len (may be NULL) is its length. Plain members are written directly;
 * reals, strings with escapes or non-ASCII bytes, and trees deeper than the writer's depth cap are
 * written by jansson itself, so the text never differs from jansson's. */
char *tz_json_dump_compact(const json_t *j, size_t *len);

/* A text being written piece by piece, for answers assembled without building a jansson tree.
 * Start from {0}; every call after a failure does nothing; tz_jb_finish hands over the text
 * (malloc'd, caller frees) or NULL after any failure, and tz_jb_free drops it instead. */
typedef struct tz_json_buf {
    char *p;
    size_t len, cap;
    bool failed;
    bool deep; /* internal: a tree deeper than the depth cap */
} tz_json_buf;
/* Raw bytes (punctuation, keys known to be plain: "\"key\":"). */
void tz_jb_raw(tz_json_buf *b, const char *s, size_t n);
/* A JSON string as jansson writes it (escapes; invalid UTF-8 fails the buffer, as json_dumps does). */
void tz_jb_string(tz_json_buf *b, const char *s, size_t n);
void tz_jb_int(tz_json_buf *b, long long v);
/* Any jansson value as json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) writes it. */
void tz_jb_value(tz_json_buf *b, const json_t *v);
char *tz_jb_finish(tz_json_buf *b, size_t *len);
void tz_jb_free(tz_json_buf *b);

#endif
