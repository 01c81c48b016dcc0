/* Onedata tokens: types, identifiers, serialization (base62 + base64url + macaroon v1), the
 * HMAC chain, confinement and verification. Spec: token-format.md. */
#ifndef TZ_CORE_TOKEN_H
#define TZ_CORE_TOKEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "caveat.h"
#include "err.h"
#include "slice.h"
#include "subject.h"

#define TZ_DEFAULT_MAX_TOKEN_SIZE 1048576u
#define TZ_SIGNATURE_LEN 32u

typedef enum tz_type_kind { TZ_TT_ACCESS, TZ_TT_IDENTITY, TZ_TT_INVITE } tz_type_kind;

typedef enum tz_invite_type {
    TZ_INV_USER_JOIN_GROUP,        /* ujg groupId */
    TZ_INV_GROUP_JOIN_GROUP,       /* gjg groupId */
    TZ_INV_USER_JOIN_SPACE,        /* ujs spaceId */
    TZ_INV_GROUP_JOIN_SPACE,       /* gjs spaceId */
    TZ_INV_SUPPORT_SPACE,          /* ssp spaceId, params "ge" */
    TZ_INV_HARVESTER_JOIN_SPACE,   /* hjs spaceId */
    TZ_INV_REGISTER_ONEPROVIDER,   /* rop adminUserId */
    TZ_INV_USER_JOIN_CLUSTER,      /* ujc clusterId */
    TZ_INV_GROUP_JOIN_CLUSTER,     /* gjc clusterId */
    TZ_INV_USER_JOIN_HARVESTER,    /* ujh harvesterId */
    TZ_INV_GROUP_JOIN_HARVESTER,   /* gjh harvesterId */
    TZ_INV_SPACE_JOIN_HARVESTER,   /* sjh harvesterId */
    TZ_INV_USER_JOIN_ATM_INVENTORY,  /* uji atmInventoryId */
    TZ_INV_GROUP_JOIN_ATM_INVENTORY, /* gji atmInventoryId */
    TZ_INV__COUNT
} tz_invite_type;

const char *tz_invite_type_name(tz_invite_type t);      /* camelCase: "userJoinGroup" */
const char *tz_invite_type_snake(tz_invite_type t);     /* "user_join_group" (descriptions) */
const char *tz_invite_type_code(tz_invite_type t);      /* "ujg" */
const char *tz_invite_type_target_key(tz_invite_type t);/* "groupId" */
int tz_invite_type_from_name(const char *s, tz_invite_type *out); /* 0 ok, -1 unknown */

typedef struct tz_token_type {
    tz_type_kind kind;
    char *session_id;          /* access: owned, NULL = not session-bound */
    tz_invite_type invite;     /* invite only */
    char *target_id;           /* invite only: owned */
} tz_token_type;

/* REST JSON -> type with the validation of rest-api §4.5. Failure: TZE_BAD_VALUE_TOKEN_TYPE
 * {"key":"type"}. out's strings are owned by the caller (tz_token_type_clear). */
tz_error *tz_token_type_from_json(const json_t *j, tz_token_type *out);
/* {"accessToken":{...}} / {"identityToken":{}} / {"inviteToken":{...,"parameters":{}}}; new ref. */
json_t *tz_token_type_to_json(const tz_token_type *t);
/* The "printable type" of errors.md §6 for a type JSON (as carried in error details); new malloc'd
 * string, NULL if the JSON is not a type. */
char *tz_token_type_printable_json(const json_t *type_json);
int tz_token_type_copy(tz_token_type *dst, const tz_token_type *src);
void tz_token_type_clear(tz_token_type *t);

/* A caveat as it stands in a macaroon: raw bytes, kept verbatim. */
typedef struct tz_raw_caveat {
    char *ptr; /* owned, NUL-terminated (may contain NULs before len) */
    size_t len;
} tz_raw_caveat;

typedef struct tz_token {
    char *domain;              /* macaroon location; owned; NULL if the packet was absent */
    int version;               /* 1 (legacy identifier) or 2 */
    bool named;                /* persistence: named, or temporary with `generation` */
    int64_t generation;
    tz_subject subject;        /* nobody for legacy tokens */
    tz_token_type type;
    char *id;                  /* owned */
    tz_raw_caveat *caveats;    /* owned array */
    size_t n_caveats;
    bool has_third_party_caveat;   /* always fails verification */
    uint8_t signature[TZ_SIGNATURE_LEN];
    bool signature_valid_len;  /* false if absent or not 32 bytes: verification fails */
    /* The identifier exactly as it stood in a parsed token whose identifier is not the canonical
     * form of the fields above (e.g. `02/...`, `tmp-+7`, invite parameters other than the
     * canonical ones); owned, NULL otherwise. The signature covers these bytes, so serialization,
     * confinement and verification use them when set. */
    char *raw_identifier;
    size_t raw_identifier_len;
    size_t third_party_at;     /* with has_third_party_caveat: caveats[] entries preceding it */
    /* Parsed tokens only (zero otherwise): the decoded macaroon bytes, owned. The first
     * n_borrowed entries of caveats[] point into them (each NUL-terminated in place) instead of
     * being copies, and wire_identifier is the identifier exactly as received (what the signature
     * covers), so verification copies no token bytes. */
    uint8_t *backing;
    size_t n_borrowed;
    const char *wire_identifier;
    size_t wire_identifier_len;
} tz_token;

/* Parses a serialized token (optional opw-/opp- prefix, base62, base64url, macaroon v1, identifier)
 * per token-format §2-§9. `max_size` is the byte limit of the whole input (0 = default 1 MiB).
 * Errors: TZE_TOKEN_TOO_LARGE {"limit"}, TZE_BAD_TOKEN. *out is owned by the caller. */
tz_error *tz_token_deserialize(const char *in, size_t len, size_t max_size, tz_token **out);

/* Builds a token from the fields of `proto` (domain, version, named/generation, subject, type, id;
 * its caveats and signature are ignored), signs it with `secret` and appends `caveats` in order.
 * Errors: TZE_TOKEN_SUBJECT_INVALID (version 2 with a subject that is not user/provider),
 * TZE_BAD_TOKEN (a field that would not parse back, e.g. contains '/', or a packet over 0xFFFF).
 * *out is owned by the caller. */
tz_error *tz_token_create(const tz_token *proto, const uint8_t *secret, size_t secret_len,
                          const tz_raw_caveat *caveats, size_t n_caveats, tz_token **out);

/* Appends caveats (no secret needed). Returns a new token owned by the caller. */
tz_error *tz_token_confine(const tz_token *t, const tz_raw_caveat *caveats, size_t n, tz_token **out);

/* The type of a serialized token, read from its first few hundred characters (location and
 * identifier packets) without parsing the rest; false when they do not parse. Not a validation:
 * for tokens this service stored itself, where only the type is wanted. */
bool tz_token_peek_type(const char *in, size_t len, tz_type_kind *kind);

/* Serialized form (no prefix). *out is a malloc'd NUL-terminated string owned by the caller.
 * Error: TZE_BAD_TOKEN when a packet would exceed 0xFFFF bytes, and for parsed tokens that cannot
 * be written back faithfully (a third-party caveat, or a signature that was absent or not 32
 * bytes long). */
tz_error *tz_token_serialize(const tz_token *t, char **out, size_t *len_out);

/* The wire identifier ("2/nmd/usr-u/act/ID" or the bare id for v1); malloc'd, caller owns. */
char *tz_token_identifier(const tz_token *t, size_t *len_out);

void tz_token_free(tz_token *t);

/* ---- verification (token-format §4.4, §7.1, §11) ---- */
typedef enum tz_session_match { TZ_SESSION_ANY, TZ_SESSION_UNDEFINED, TZ_SESSION_VALUE } tz_session_match;

typedef struct tz_verify_result {
    tz_caveat **caveats;   /* all parsed caveats, in token order; owned (tz_caveats_free) */
    size_t n_caveats;
} tz_verify_result;

/* The macaroon root key K0 derived from a secret (libmacaroons key generator). Callers verifying
 * many tokens with one secret may keep K0 and use tz_token_verify_k0. */
void tz_token_derive_key(const uint8_t *secret, size_t secret_len, uint8_t k0[32]);

/* Checks, in order: third-party caveats (TZE_TOKEN_INVALID); each caveat parsed
 * (TZE_TOKEN_CAVEAT_UNKNOWN) and verified against ctx with the supported set ctx->supported or,
 * when 0, the token type's default (TZE_TOKEN_CAVEAT_UNVERIFIED {"caveat": JSON}); the signature
 * (constant-time, TZE_TOKEN_INVALID); the session binding of access tokens (TZE_TOKEN_SESSION_INVALID).
 * On success fills *res (caller frees with tz_verify_result_clear). */
tz_error *tz_token_verify(const tz_token *t, const uint8_t *secret, size_t secret_len,
                          const tz_caveat_ctx *ctx, tz_session_match session_match,
                          const char *session_id, tz_verify_result *res);
tz_error *tz_token_verify_k0(const tz_token *t, const uint8_t k0[32], const tz_caveat_ctx *ctx,
                             tz_session_match session_match, const char *session_id,
                             tz_verify_result *res);
void tz_verify_result_clear(tz_verify_result *res);

/* Examine output of POST /tokens/examine: {"onezoneDomain","id","persistence","subject","type",
 * "caveats"}. Onezone parses every caveat for it, so the first unparsable caveat gives
 * TZE_TOKEN_CAVEAT_UNKNOWN. *out is a new reference owned by the caller. */
tz_error *tz_token_examine_json(const tz_token *t, json_t **out);

#endif
