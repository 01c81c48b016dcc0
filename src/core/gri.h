/* GRI patterns and API matchspecs inside `api` caveats (token-format §12.1-§12.2).
 *
 * A pattern reads `TYPE.ID.ASPECT[:SCOPE]`; a matchspec reads `SERVICE/OPERATION/GRIPATTERN`. Parsed
 * values borrow their text from the string they were parsed from (ids and aspect parts are
 * pointer + length slices into it), so that string must outlive them. Nothing here allocates. */
#ifndef TZ_CORE_GRI_H
#define TZ_CORE_GRI_H
#include <stdbool.h>
#include <stddef.h>
#include "caveat.h"

#define TZ_GRI_ANY (-1) /* the `*` wildcard for type, scope, service and operation fields */

typedef enum tz_gri_scope {
    TZ_GRI_PRIVATE,
    TZ_GRI_PROTECTED,
    TZ_GRI_SHARED,
    TZ_GRI_PUBLIC,
    TZ_GRI_AUTO,
    TZ_GRI_SCOPE__COUNT
} tz_gri_scope;

typedef enum tz_gri_id_kind {
    TZ_GRI_ID_ANY,   /* `*` */
    TZ_GRI_ID_NULL,  /* `null`: matches only a GRI without id */
    TZ_GRI_ID_VALUE, /* any other text, including `self` and "" */
} tz_gri_id_kind;

typedef struct tz_gri_text {
    const char *ptr; /* borrowed; not NUL-terminated in general */
    size_t len;
} tz_gri_text;

typedef struct tz_gri_pattern {
    int type;              /* index of tz_gri_type_name(), or TZ_GRI_ANY */
    tz_gri_id_kind id_kind;
    tz_gri_text id;        /* TZ_GRI_ID_VALUE only */
    bool compound;         /* `NAME,SUB` */
    bool name_any;         /* `*` in the NAME position (the whole aspect when simple) */
    tz_gri_text name;
    bool sub_any;          /* compound only */
    tz_gri_text sub;
    int scope;             /* tz_gri_scope or TZ_GRI_ANY */
} tz_gri_pattern;

/* The entity type wire names in table order ("oz_worker", "user", ... "file", ... "op_user");
 * NULL past the end. */
const char *tz_gri_type_name(int index);
int tz_gri_type_count(void);
/* Index of an entity type wire name, or -1. */
int tz_gri_type_index(const char *s, size_t len);
const char *tz_gri_scope_name(tz_gri_scope s);

/* Parses a pattern (§12.1): split on every `.` into exactly 3 parts, then ASPECT[:SCOPE] on every
 * `:` into 1 or 2 parts (default scope private), aspect on every `,` into 1 or 2 parts. Returns false
 * when the text is no pattern. */
bool tz_gri_pattern_parse(const char *s, size_t len, tz_gri_pattern *out);
/* Length of the canonical text (`TYPE.ID.ASPECT:SCOPE`, scope always explicit). */
size_t tz_gri_pattern_text_len(const tz_gri_pattern *p);
/* Writes the canonical text to out (tz_gri_pattern_text_len bytes, no NUL); returns the length. */
size_t tz_gri_pattern_write(const tz_gri_pattern *p, char *out);
/* Whether a concrete GRI matches the pattern (§12.1). A NULL gri field never matches a value. */
bool tz_gri_matches(const tz_gri *gri, const tz_gri_pattern *p);

typedef struct tz_matchspec {
    int service;   /* tz_service_type, or TZ_GRI_ANY for `all` */
    int operation; /* tz_api_operation, or TZ_GRI_ANY for `all` */
    tz_gri_pattern gri;
} tz_matchspec;

/* `SERVICE/OPERATION/GRIPATTERN`, split on every `/` into exactly 3 parts. */
bool tz_matchspec_parse(const char *s, size_t len, tz_matchspec *out);
size_t tz_matchspec_text_len(const tz_matchspec *m);
size_t tz_matchspec_write(const tz_matchspec *m, char *out);
/* (SERVICE all or equal) and (OPERATION all or equal) and the pattern matches. */
bool tz_matchspec_matches(const tz_matchspec *m, tz_service_type service, tz_api_operation op,
                          const tz_gri *gri);

#endif
