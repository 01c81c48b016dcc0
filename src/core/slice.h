/* Byte slices: token bytes travel as pointer + length, never as NUL-terminated strings. */
#ifndef TZ_CORE_SLICE_H
#define TZ_CORE_SLICE_H
#include <stddef.h>
#include <stdint.h>

typedef struct tz_slice {
    const uint8_t *ptr;
    size_t len;
} tz_slice;

/* An owned byte string: `ptr` is malloc'd, NUL-terminated for convenience (not counted in len). */
typedef struct tz_bytes {
    uint8_t *ptr;
    size_t len;
} tz_bytes;

#endif
