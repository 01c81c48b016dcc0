/* The parsed caveat record shared by the caveat_*.c files (not part of the public API).
 *
 * Every caveat owns one `store`: the text of its list elements, each followed by a NUL, so an
 * element is a (pointer, length) slice that is also a C string (elements may contain NUL bytes
 * themselves, hence the explicit length). Typed views (masks, services, subjects, matchspecs,
 * decoded paths, space ids) are built from those slices and borrow from the store. */
#ifndef TZ_CORE_CAVEAT_INTERNAL_H
#define TZ_CORE_CAVEAT_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "caveat.h"
#include "gri.h"

/* More list elements than this cannot fit in one caveat (65526 bytes, one `|` between elements). */
#define TZ_CV_MAX_ELEMS 65536u

typedef enum tz_cv_status { TZ_CV_OK = 0, TZ_CV_INVALID, TZ_CV_NOMEM } tz_cv_status;

typedef struct tz_cv_text {
    const char *ptr; /* borrowed from the caveat; NUL-terminated at ptr[len] */
    size_t len;
} tz_cv_text;

typedef struct tz_cv_mask {
    uint32_t addr; /* host byte order, as written (not masked) */
    uint8_t len;   /* 0..32 */
} tz_cv_mask;

typedef struct tz_cv_subject {
    tz_subject_kind kind;
    tz_cv_text id; /* empty for nobody */
} tz_cv_subject;

/* Bump allocator for the caveats of one verification (caveat_arena.c). */
typedef struct tz_cv_arena tz_cv_arena;

struct tz_caveat {
    tz_caveat_type type;
    /* NULL: every buffer below is its own malloc (tz_caveat_free). Else the record and its buffers
     * live in this arena and are released with it, never one by one. */
    tz_cv_arena *arena;
    int64_t valid_until;  /* time */
    bool blacklist;       /* geo.country / geo.region */
    tz_interface iface;   /* interface */

    size_t n;             /* list length (0 for time, scope, interface, data.readonly) */
    char *store;          /* owned element text */
    tz_cv_text *elems;    /* owned array of n slices into store (strings as given) */

    tz_cv_mask *masks;       /* ip */
    int64_t *asns;           /* asn */
    tz_service *services;    /* service: ids point into store */
    size_t *service_id_lens;
    tz_cv_subject *subjects; /* consumer */
    tz_matchspec *specs;     /* api: borrows from store */
    tz_cv_text *paths;       /* data.path: decoded bytes, in path_store */
    char *path_store;

    /* data.path / data.objectid: allowed space ids (tz_caveat_data_spaces) */
    const char **spaces;
    size_t n_spaces;
    char *space_store;
};

/* ---- arena (caveat_arena.c) ---- */
/* A new arena whose first block holds about `hint` bytes (clamped to 1 KiB..64 KiB; later blocks
 * are added as needed). NULL on allocation failure. Owned by the caller: tz_cv_arena_free, or
 * tz_caveats_free on the array registered with tz_cv_arena_set_array. */
tz_cv_arena *tz_cv_arena_new(size_t hint);
/* `size` bytes aligned for any type, uninitialised, owned by the arena; NULL on failure. */
void *tz_cv_arena_alloc(tz_cv_arena *a, size_t size);
/* Registers the caveat pointer array (itself allocated in `a`) that tz_caveats_free may receive:
 * freeing it frees the whole arena. */
void tz_cv_arena_set_array(tz_cv_arena *a, void *array);
bool tz_cv_arena_is_array(const tz_cv_arena *a, const void *array);
void tz_cv_arena_free(tz_cv_arena *a);
/* n * size bytes for caveat c: from c's arena, else malloc/calloc; zeroed when `zero`. NULL on
 * overflow or allocation failure. Release with tz_cv_release (a no-op for arena memory). */
void *tz_cv_alloc(tz_caveat *c, size_t n, size_t size, bool zero);
void tz_cv_release(const tz_caveat *c, void *p);

/* ---- construction (caveat.c) ---- */
tz_caveat *tz_cv_new(tz_caveat_type type);
/* A zeroed record in arena `a` (NULL: malloc'd, as tz_cv_new). */
tz_caveat *tz_cv_new_in(tz_cv_arena *a, tz_caveat_type type);
/* Parses one raw caveat into arena `a` (NULL: heap), as tz_caveat_parse. */
tz_error *tz_caveat_parse_in(tz_cv_arena *a, const char *s, size_t len, tz_caveat **out);
/* Builds store + elems from n slices (copied). */
tz_cv_status tz_cv_set_elems(tz_caveat *c, const tz_cv_text *src, size_t n);
/* Builds the typed view of the elements for list caveats (masks, services, ...). INVALID when an
 * element does not parse for the caveat's type (wire leniency rules). */
tz_cv_status tz_cv_build_typed(tz_caveat *c);
/* Fills c->spaces for data.path / data.objectid (invalid elements are ignored). */
tz_cv_status tz_cv_build_spaces(tz_caveat *c);

/* ---- element grammars (caveat_elems.c) ---- */
/* Erlang binary_to_integer: optional sign, one or more decimal digits, int64 range. */
bool tz_cv_parse_int(const char *s, size_t len, int64_t *out);
/* ip_utils:parse_mask (§10.3). */
bool tz_cv_parse_mask(const char *s, size_t len, tz_cv_mask *out);
/* Writes "a.b.c.d/len" (at most 18 chars + NUL) and returns its length. */
size_t tz_cv_write_mask(const tz_cv_mask *m, char out[19]);
/* `xxx-ID` with a known 3-letter service short name. */
bool tz_cv_parse_service(const char *s, size_t len, tz_service_type *type, tz_cv_text *id);
/* `usr-ID`, `grp-ID`, `prv-ID` or `nobody`. */
bool tz_cv_parse_subject(const char *s, size_t len, tz_cv_subject *out);
const char *tz_cv_subject_prefix(tz_subject_kind k); /* "usr-", "grp-", "prv-", "nobody" */
const char *tz_cv_subject_type_name(tz_subject_kind k); /* "user", "group", "oneprovider", "nobody" */
bool tz_cv_is_region(const char *s, size_t len);
/* A canonical data path: starts with '/', at least one component, no trailing '/'. */
bool tz_cv_is_canonical_path(const char *s, size_t len);

/* ---- text helpers (caveat_text.c) ---- */
/* A growable byte buffer with a hard cap; on overflow or allocation failure `failed` is set and
 * further appends are ignored. */
typedef struct tz_cv_buf {
    char *ptr;
    size_t len, cap, limit;
    bool failed;
} tz_cv_buf;
void tz_cv_buf_init(tz_cv_buf *b, size_t limit);
void tz_cv_buf_add(tz_cv_buf *b, const char *s, size_t len);
void tz_cv_buf_str(tz_cv_buf *b, const char *s);
void tz_cv_buf_printf(tz_cv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends bytes as valid UTF-8: each byte that does not start a well-formed sequence (and every
 * NUL, so the result stays a C string) becomes U+FFFD. */
void tz_cv_buf_add_utf8(tz_cv_buf *b, const char *s, size_t len);
/* Returns the NUL-terminated text (ownership passes to the caller) or NULL on failure; the buffer
 * is released either way. */
char *tz_cv_buf_finish(tz_cv_buf *b, size_t *len_out);
void tz_cv_buf_free(tz_cv_buf *b);

/* A JSON string of raw bytes with invalid UTF-8 replaced by U+FFFD (NUL bytes are kept: JSON can
 * carry them). New reference, NULL on allocation failure. */
json_t *tz_cv_json_string(const char *s, size_t len);

/* ---- JSON (caveat_json.c) ---- */
/* from_json with sanitize = false is the lenient reading used to render phrases of caveat JSON
 * that came out of a token (whatever the wire parser accepts). */
tz_cv_status tz_cv_from_json(const json_t *j, bool sanitize, tz_caveat **out);

#endif
