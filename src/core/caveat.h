/* Onedata caveats: wire form (the `cid` strings inside a macaroon), REST JSON form, validation
 * (`sanitize`), verification against a context, and the lazy API checks of spec §12.
 *
 * A tz_caveat is an opaque parsed caveat; it owns all its memory. */
#ifndef TZ_CORE_CAVEAT_H
#define TZ_CORE_CAVEAT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "err.h"
#include "subject.h"

typedef enum tz_caveat_type {
    TZ_CV_TIME,
    TZ_CV_IP,
    TZ_CV_ASN,
    TZ_CV_GEO_COUNTRY,
    TZ_CV_GEO_REGION,
    TZ_CV_SCOPE,          /* legacy `authorization = none` */
    TZ_CV_SERVICE,
    TZ_CV_CONSUMER,
    TZ_CV_INTERFACE,
    TZ_CV_API,
    TZ_CV_DATA_READONLY,
    TZ_CV_DATA_PATH,
    TZ_CV_DATA_OBJECTID,
    TZ_CV__COUNT
} tz_caveat_type;

#define TZ_CV_BIT(t) (1u << (t))
#define TZ_CV_ALL ((1u << TZ_CV__COUNT) - 1u)
/* The default supported sets of spec §11. */
#define TZ_CV_SET_IDENTITY_BASE (TZ_CV_BIT(TZ_CV_TIME) | TZ_CV_BIT(TZ_CV_IP) | TZ_CV_BIT(TZ_CV_ASN) | \
    TZ_CV_BIT(TZ_CV_GEO_COUNTRY) | TZ_CV_BIT(TZ_CV_GEO_REGION) | TZ_CV_BIT(TZ_CV_CONSUMER))
#define TZ_CV_SET_INVITE TZ_CV_SET_IDENTITY_BASE
#define TZ_CV_SET_IDENTITY (TZ_CV_SET_IDENTITY_BASE | TZ_CV_BIT(TZ_CV_INTERFACE))
#define TZ_CV_SET_ACCESS_LEGACY_IDENTITY (TZ_CV_SET_IDENTITY | TZ_CV_BIT(TZ_CV_SCOPE))
#define TZ_CV_SET_ACCESS (TZ_CV_ALL & ~TZ_CV_BIT(TZ_CV_SCOPE))

typedef struct tz_caveat tz_caveat;

typedef enum tz_interface {
    TZ_IF_UNKNOWN = 0, /* not set in the context: interface caveats fail */
    TZ_IF_REST,
    TZ_IF_ONECLIENT,
    TZ_IF_GRAPHSYNC,
} tz_interface;
const char *tz_interface_name(tz_interface i); /* "rest" ...; NULL for unknown */
int tz_interface_from_name(const char *s, tz_interface *out); /* 0 ok, -1 unknown */

/* GeoIP lookups supplied by the caller (core does no I/O). Each returns false when the address is
 * not found or the database is absent; a false result makes the caveat unverified. */
typedef struct tz_geo_lookup {
    void *ud;
    bool (*asn)(void *ud, uint32_t ipv4, int64_t *asn_out);
    bool (*country)(void *ud, uint32_t ipv4, char code_out[3]);           /* "PL" */
    /* Up to 2 regions: the continent name (Africa ... SouthAmerica) and "EU" for EU members. */
    bool (*regions)(void *ud, uint32_t ipv4, const char *regions_out[2], size_t *n_out);
} tz_geo_lookup;

/* Everything a caveat can be checked against. Zero-initialise, then set what is known. */
typedef struct tz_caveat_ctx {
    int64_t now;                  /* Unix seconds */
    bool peer_ip_known;
    uint32_t peer_ip;             /* IPv4, host byte order */
    tz_interface iface;
    const tz_service *service;    /* the authenticated service; NULL = none */
    const tz_subject *consumer;   /* the proven consumer; NULL = none */
    /* group membership: NULL = absent (grp- elements fail); consumer may be NULL */
    bool (*group_member)(void *ud, const tz_subject *consumer, const char *group_id);
    void *group_ud;
    const tz_geo_lookup *geo;     /* NULL = no databases: asn/geo caveats fail */
    bool allow_data_access;       /* data.readonly / data.path / data.objectid */
    bool scope_identity;          /* legacy scope: verifying an access token as identity */
    uint32_t supported;           /* TZ_CV_BIT set; 0 = default set of the token type */
    uint32_t ignored;             /* TZ_CV_BIT set of caveat types that pass unchecked */
} tz_caveat_ctx;

/* ---- wire form ---- */
/* Parses one raw caveat string. Failure: TZE_TOKEN_CAVEAT_UNKNOWN {"caveat": raw} (the raw bytes as
 * a JSON string; invalid UTF-8 is rendered with U+FFFD). *out is owned by the caller. */
tz_error *tz_caveat_parse(const char *s, size_t len, tz_caveat **out);
/* Canonical wire form; new malloc'd NUL-terminated string (length in *len_out if non-NULL), owned by
 * the caller; NULL on allocation failure. */
char *tz_caveat_serialize(const tz_caveat *c, size_t *len_out);
void tz_caveat_free(tz_caveat *c);
tz_caveat_type tz_caveat_get_type(const tz_caveat *c);

/* ---- JSON form (spec §4.6 / token-format §10) ---- */
/* New reference owned by the caller. */
json_t *tz_caveat_to_json(const tz_caveat *c);
/* The same JSON form appended to a text being written (core/json_write.h): exactly the text
 * json_dumps(tz_caveat_to_json(c), JSON_COMPACT) gives, without building the tree for the usual
 * kinds; a failure fails the text. (caveat_json_text.c) */
struct tz_json_buf;
void tz_caveat_write_json(struct tz_json_buf *b, const tz_caveat *c);
/* Parses and sanitizes one element of a REST `caveats` array. Failure: TZE_BAD_VALUE_CAVEAT with
 * {"caveat": the element as sent for objects/strings, else its JSON text as a string}. */
tz_error *tz_caveat_from_json(const json_t *j, tz_caveat **out);
/* Parses a whole REST `caveats` value: non-array -> TZE_BAD_DATA {"key": key}; else each element
 * via tz_caveat_from_json, first failure wins. On success *out is a malloc'd array of *n_out
 * caveats owned by the caller (free with tz_caveats_free). An empty array gives *out == NULL. */
tz_error *tz_caveats_from_json(const json_t *arr, const char *key, tz_caveat ***out, size_t *n_out);
void tz_caveats_free(tz_caveat **cs, size_t n);

/* The phrase for tokenCaveatUnverified descriptions ("unverified time caveat: ..."), rendered from
 * the caveat JSON (errors carry only JSON). New malloc'd string; NULL if the JSON is no caveat. */
char *tz_caveat_phrase_from_json(const json_t *caveat_json);

/* ---- verification ---- */
/* True iff the caveat holds in ctx (type in the supported set, and ignored or checked true).
 * `supported` must already be resolved (non-zero) by the caller. */
bool tz_caveat_verify(const tz_caveat *c, const tz_caveat_ctx *ctx, uint32_t supported);

/* ---- accessors used by the service ---- */
/* time: validUntil. Returns false for other types. */
bool tz_caveat_time(const tz_caveat *c, int64_t *valid_until);
/* service: the whitelist (borrowed, valid while c lives). Returns false for other types. */
bool tz_caveat_services(const tz_caveat *c, const tz_service **list, size_t *n);
/* data.path: the first path component (space id) of each element, in order, as borrowed strings;
 * data.objectid: the space id of each valid object id. Returns false for other types. The array is
 * owned by the caveat. */
bool tz_caveat_data_spaces(const tz_caveat *c, const char *const **spaces, size_t *n);
/* Smallest validUntil among the time caveats; false if there is none. */
bool tz_caveats_expiration(tz_caveat *const *cs, size_t n, int64_t *valid_until);

/* ---- narrowing sets of ids by caveats (rest-api §6.3, token-format §12.3-§12.4) ---- */
/* The space ids allowed by the data access caveats in cs, out of `all` (n_all ids): every data.path /
 * data.objectid caveat intersects the set with its own spaces (data.readonly and interface caveats do
 * not narrow it). `all` = {"*"} stands for "every space": the first narrowing caveat then replaces
 * it with its own spaces. Order follows the set narrowed, duplicates dropped.
 * On success *out is a malloc'd array of *n_out pointers borrowed from `all` or from the caveats
 * (valid while both live); the caller frees only the array (NULL when *n_out is 0).
 * Error: TZE_INTERNAL (allocation). */
tz_error *tz_caveats_match_spaces(tz_caveat *const *cs, size_t n, const char *const *all, size_t n_all,
                                  const char ***out, size_t *n_out);
/* The ids of services of `type` allowed by every service caveat in cs, out of `all`: a caveat listing
 * `<type>-*` keeps the set, one without any entry of `type` empties it, otherwise it is intersected
 * with the listed ids. Result conventions as for tz_caveats_match_spaces (pointers into `all`). */
tz_error *tz_caveats_match_service_ids(tz_caveat *const *cs, size_t n, tz_service_type type,
                                       const char *const *all, size_t n_all, const char ***out,
                                       size_t *n_out);

/* ---- lazy checks when a token authorizes an operation (spec §12) ---- */
typedef enum tz_api_operation { TZ_API_CREATE, TZ_API_GET, TZ_API_UPDATE, TZ_API_DELETE } tz_api_operation;

/* A concrete GRI: entity type wire name ("token", "user", "temporary_token_secret"...), id (NULL =
 * no id), aspect (simple "instance" or compound "name,sub" written with a comma), scope
 * ("private"...). */
typedef struct tz_gri {
    const char *type;
    const char *id;
    const char *aspect;
    const char *scope;
} tz_gri;

/* Checks api caveats, then service caveats' implied limits, then data-access caveats' implied
 * limits (§12.2-12.4) of `cs` for an operation on `gri` handled by `service` (the service the
 * request is served by, normally ozw-onezone). Returns NULL when allowed, else
 * TZE_TOKEN_CAVEAT_UNVERIFIED {"caveat": the first failing caveat's JSON}. */
tz_error *tz_caveats_check_api(tz_caveat *const *cs, size_t n, tz_service_type service,
                               tz_api_operation op, const tz_gri *gri);

#endif
