/* Shared internals of the token service (not for the HTTP layer). */
#ifndef TZ_SERVICE_INTERNAL_H
#define TZ_SERVICE_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <locale.h>
#include "core/caveat.h"
#include "core/err.h"
#include "core/subject.h"
#include "core/token.h"
#include "service/auth_throttle.h"
#include "service/geo.h"
#include "service/master_key.h"
#include "service/service.h"
#include "store/store.h"
#include "service/store_timing.h"

struct tz_service_ctx {
    tz_store *store;
    char *domain;
    int64_t max_temporary_token_ttl;
    size_t max_token_size;
    bool basic_auth_enabled;
    bool throttle_loopback;
    int64_t (*clock)(void *ud);
    void *clock_ud;
    tz_geo *geo;                  /* NULL when no database was given */
    tz_geo_lookup geo_lookup;     /* callbacks over `geo` for caveat checks */
    locale_t utf8;                /* C.UTF-8 character classes for the token name rule */
    tz_throttle *throttle;        /* Basic-auth brute-force backoff */
    struct tz_metrics *metrics;   /* owned; counted on the request path (observe.c) */
    struct tz_audit *audit;       /* borrowed; NULL = no audit trail */
    char *zone_name;              /* GET /configuration `name`; NULL = null */
    tz_keyring *keyring;          /* master keys sealing the stored secrets (borrowed) */
};

typedef struct svc_named_prefetch svc_named_prefetch; /* named_prefetch.h */

struct tz_client {
    tz_subject subject;           /* nobody, user or provider */
    tz_caveat **caveats;          /* caveats of the token the client authenticated with */
    size_t n_caveats;
    char *log_id;                 /* "usr-ID" / "prv-ID" / "nobody" */
    const char *auth_via;         /* "token", "basic", "none" (static) */
    char credential_hmac[80];     /* audit HMAC of the presented token, "" = none */
    svc_named_prefetch *prefetch; /* token {id} read along with the credential, or NULL (owned) */
};

int64_t svc_now(const tz_service_ctx *svc);

/* ---- verification shared by authentication and the verify endpoints (verify.c) ---- */
typedef struct svc_verify_args {
    bool peer_ip_known;
    uint32_t peer_ip;
    tz_interface iface;
    const tz_service *service;    /* NULL = ozw-onezone */
    const tz_subject *consumer;   /* NULL = none */
    bool allow_data_access;
    bool scope_identity;          /* legacy identity scope (identity verification of access tokens) */
    uint32_t supported;           /* 0 = default of the token type */
    uint32_t ignored;
    tz_session_match session_match;
    const char *session_id;
    /* Optional: on success, the named token's stored metadata JSON from the same store read as its
     * secret (malloc'd, the caller frees it); NULL for temporary tokens. Saves a second read. */
    char **named_metadata_out;
    /* Optional: for a named token, also read this token {id} in the same store read
     * (named_prefetch.h); filled and marked done by the verification. */
    svc_named_prefetch *prefetch;
    /* Optional: on success, the subject's username read in the same statement as the secret
     * (malloc'd, the caller frees it); NULL for providers. Saves a read of the user. */
    char **username_out;
} svc_verify_args;

/* Verifies a token against its stored secret (named or temporary), revocation, caveats, signature,
 * session, subject existence, blocked flag and the service's right to the subject. On success
 * *subject_out (deep copy, with provider subtype) and *res are filled; caller clears both. */
tz_error *svc_verify_token(tz_service_ctx *svc, const tz_token *t, const svc_verify_args *args,
                           tz_subject *subject_out, tz_verify_result *res);

/* Verifies a service or consumer token (identity token, or a provider's non-session access token)
 * and returns its subject (provider subtype op_worker unless the prefix says op_panel). Errors are
 * the inner token errors (the caller wraps them). */
tz_error *svc_verify_identity_like(tz_service_ctx *svc, const tz_token *t, bool peer_ip_known,
                                   uint32_t peer_ip, tz_interface iface, tz_subject *subject_out);

/* Verifies a service token (x-onedata-service-token header or `serviceToken` field): its subject
 * must be a provider; *service_out names op_worker or op_panel with the provider id, whose string
 * is owned by *subject_out (clear it after use). Errors come wrapped in badServiceToken. */
tz_error *svc_verify_service_token(tz_service_ctx *svc, const tz_token *t, bool peer_ip_known, uint32_t peer_ip,
                                   tz_interface iface, tz_subject *subject_out, tz_service *service_out);

/* ---- subjects and rights (rights.c) ---- */
/* Does the subject exist (user or provider)? */
tz_error *svc_subject_exists(tz_service_ctx *svc, const tz_subject *s, bool *out);
/* Subject must exist and not be blocked: TZE_TOKEN_SUBJECT_INVALID / TZE_USER_BLOCKED. */
tz_error *svc_check_subject_usable(tz_service_ctx *svc, const tz_subject *s);
/* Is `service` allowed for the subject (spec §5.6)? Returns TZE_TOKEN_SERVICE_FORBIDDEN if not. */
tz_error *svc_check_service_allowed(tz_service_ctx *svc, const tz_subject *s, const tz_service *service);
/* The §5.6 checks for a token about to be created or confined, with all its caveats. */
tz_error *svc_check_subject_and_services(tz_service_ctx *svc, const tz_subject *s, const tz_token_type *type,
                                         tz_caveat *const *cs, size_t n);
/* Invite-token issuing rights of §5.5 (target existence, subject rights, privileges rights). */
tz_error *svc_check_invite_rights(tz_service_ctx *svc, const tz_subject *s, const tz_token_type *type,
                                  bool privileges_given);
/* Consumer group-membership callback for consumer caveats; `ud` is a svc_group_ud. A store
 * failure answers false AND is kept in ud->failure (first one; the caller owns it and must
 * return it instead of the verification's outcome). */
typedef struct svc_group_ud {
    tz_service_ctx *svc;
    tz_error *failure;
} svc_group_ud;
bool svc_group_member_cb(void *ud, const tz_subject *consumer, const char *group_id);
/* Is the user an effective Onezone admin with `oz_tokens_manage`? A store failure is an error,
 * never "no". */
tz_error *svc_user_is_token_admin(tz_service_ctx *svc, const char *user_id, bool *out);

/* ---- body validation engine (validate.c, rest-api §1.4) ---- */
/* `body` may be NULL (= {}); a non-object body is malformedData. */
tz_error *val_body_object(const json_t *body);
/* Required/optional token field. *out NULL when absent (optional) or null (if null_ok). */
tz_error *val_token(tz_service_ctx *svc, const json_t *body, const char *key, bool required, bool null_ok,
                    bool *present, tz_token **out);
/* String with the coercions of §1.4 (true/false -> "true"/"false", null -> absent). *out borrowed
 * or, for coerced booleans, a static literal; present=false when absent or null. */
tz_error *val_string(const json_t *body, const char *key, bool *present, bool *was_null, const char **out);
tz_error *val_bool(const json_t *body, const char *key, bool *present, bool *out);
tz_error *val_ipv4(const json_t *body, const char *key, bool *present, bool *known, uint32_t *out);
tz_error *val_interface(const json_t *body, const char *key, bool *present, tz_interface *out);
/* Token name rule of §5.8 (Unicode letters and digits classified in `utf8`). */
bool val_name_ok(locale_t utf8, const char *name);

/* ---- operations ---- */
void op_examine(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_confine(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_infer_scope(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_verify_access(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_verify_identity(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_verify_invite(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_named(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_subject_tokens(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_misc(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
/* invite consumption and the directory (ops_join.c, ops_register.c, ops_directory.c,
 * ops_legacy_invites.c, ops_client_tokens.c) */
void op_join(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_register_provider(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_directory(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_legacy_invite(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
void op_client_tokens(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);

/* ---- sealed secrets (secret_ops.c) ---- */
/* The subject's temporary-token secret (plain hex, wiped by the caller) and generation; the
 * record is created (with a freshly sealed secret) on first read, as Onezone does. */
tz_error *svc_temp_secret(tz_service_ctx *svc, const tz_subject *s, char secret[TZ_SECRET_HEX_LEN + 1],
                          int64_t *generation);
/* Opens a sealed temporary-token secret read by the caller (e.g. with the verification state). */
tz_error *svc_temp_open(tz_service_ctx *svc, const tz_subject *s, const char *sealed,
                        char secret[TZ_SECRET_HEX_LEN + 1]);
/* Revoke-all: a new sealed secret and generation + 1. */
tz_error *svc_temp_bump(tz_service_ctx *svc, const tz_subject *s);
/* The plain secret of a stored named token (wiped by the caller). */
tz_error *svc_named_secret(tz_service_ctx *svc, const tz_named_token_rec *rec, char secret[TZ_SECRET_HEX_LEN + 1]);

/* ---- responses ---- */
void resp_json(tz_response *resp, int status, json_t *body);   /* steals body */
void resp_no_content(tz_response *resp);

/* ---- audit trail and metrics hooks (observe.c) ---- */
/* Before an operation: binds the thread's metrics; false (with a 503 in resp) when the operation
 * is a change and the audit trail cannot be written. */
bool svc_observe_begin(tz_service_ctx *svc, const tz_request *r, tz_response *resp);
/* After an operation: counts it, and records its audit line when it is a change or a refusal
 * (a change whose line cannot be written becomes a 503). */
void svc_observe_end(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp);
/* Called by authentication on success: how the client authenticated, and its credential's HMAC. */
void svc_observe_client(tz_service_ctx *svc, tz_client *c, const char *token, bool basic);
/* Facts of a token an operation works on (NULL token or record: nothing). */
void svc_facts_token(tz_response *resp, const tz_token *t);
void svc_facts_named(tz_response *resp, const tz_named_token_rec *rec);

#endif
