/* Subjects (who a token speaks for or about) and Onedata services. */
#ifndef TZ_CORE_SUBJECT_H
#define TZ_CORE_SUBJECT_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "err.h"

typedef enum tz_subject_kind {
    TZ_SUBJ_NOBODY,
    TZ_SUBJ_USER,
    TZ_SUBJ_GROUP,     /* only inside consumer caveats */
    TZ_SUBJ_PROVIDER,
} tz_subject_kind;

/* A provider subject may carry the service it authenticated as (from the opw-/opp- prefix). */
typedef enum tz_provider_subtype {
    TZ_PSUB_NONE,
    TZ_PSUB_OP_WORKER,
    TZ_PSUB_OP_PANEL,
} tz_provider_subtype;

typedef struct tz_subject {
    tz_subject_kind kind;
    tz_provider_subtype subtype;
    char *id; /* owned; NULL for nobody; may be "" */
} tz_subject;

/* Parses `usr-ID`, `grp-ID`, `prv-ID` or `nobody` (exact, case-sensitive). On success fills `out`
 * (caller owns out->id, release with tz_subject_clear). Failure: TZE_BAD_TOKEN. */
tz_error *tz_subject_parse(const char *s, size_t len, tz_subject *out);
/* `usr-ID` etc.; new malloc'd string owned by the caller, NULL on allocation failure. */
char *tz_subject_serialize(const tz_subject *s);
/* {"type":"user"|"group"|"oneprovider"|"nobody","id":ID|null}; new reference. */
json_t *tz_subject_to_json(const tz_subject *s);
/* Deep copy into dst (dst's previous content is not freed). Returns 0, or -1 on allocation failure. */
int tz_subject_copy(tz_subject *dst, const tz_subject *src);
/* Equality of kind and id; the provider subtype is ignored. */
bool tz_subject_equal(const tz_subject *a, const tz_subject *b);
void tz_subject_clear(tz_subject *s);

/* Onedata services, as named in service caveats and service tokens. */
typedef enum tz_service_type {
    TZ_SVC_OZ_WORKER, /* ozw */
    TZ_SVC_OZ_PANEL,  /* ozp */
    TZ_SVC_OP_WORKER, /* opw */
    TZ_SVC_OP_PANEL,  /* opp */
} tz_service_type;

typedef struct tz_service {
    tz_service_type type;
    char *id; /* owned; "*" inside caveats means any id */
} tz_service;

const char *tz_service_short_name(tz_service_type t); /* "ozw" */
const char *tz_service_snake_name(tz_service_type t); /* "oz_worker" */
/* Parses a 3-letter short name; returns 0 and sets *out, or -1. */
int tz_service_type_from_short(const char *s, size_t len, tz_service_type *out);
/* {"type": "op_worker", "id": ID}: the form used in tokenServiceForbidden details. New reference. */
json_t *tz_service_to_json(const tz_service *s);

#endif
