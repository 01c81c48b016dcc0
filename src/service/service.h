/* The token service: authentication, authorization and every token operation, independent of
 * HTTP. The HTTP layer routes a request to a tz_op, authenticates it with tz_service_authenticate
 * and runs it with tz_service_handle; this file is the whole contract between the two. */
#ifndef TZ_SERVICE_SERVICE_H
#define TZ_SERVICE_SERVICE_H
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "../core/err.h"
#include "../store/store.h"

typedef struct tz_service_ctx tz_service_ctx;

typedef struct tz_service_config {
    const char *domain;               /* Onezone domain: token location, Location header */
    int64_t max_temporary_token_ttl;  /* seconds; default 2592000 */
    size_t max_token_size;            /* bytes; default 1 MiB */
    const char *geoip_asn;            /* paths, NULL = none */
    const char *geoip_country;
    const char *geoip_city;
    bool basic_auth_enabled;          /* zone-wide switch; default true */
    bool throttle_loopback;           /* count Basic-auth failures of 127.0.0.0/8 peers per address
                                         too (off: loopback peers are proxies shared by many) */
    const char *zone_name;            /* `name` of GET /configuration; NULL = null */
    struct tz_keyring *keyring;       /* seals the stored token secrets (service/master_key.h);
                                         required, borrowed: must outlive the service */
    int64_t (*clock)(void *ud);       /* NULL = wall clock; tests only */
    void *clock_ud;
    struct tz_audit *audit;           /* audit trail (service/audit.h); NULL = none; borrowed */
} tz_service_config;

/* Creates the service over an open store (borrowed; must outlive the service). Opens the GeoIP
 * databases. *out is owned by the caller (tz_service_free). */
tz_error *tz_service_new(const tz_service_config *cfg, tz_store *store, tz_service_ctx **out);
void tz_service_free(tz_service_ctx *svc);

typedef enum tz_op {
    /* public utilities */
    TZ_OP_EXAMINE, TZ_OP_CONFINE, TZ_OP_INFER_SCOPE,
    TZ_OP_VERIFY_ACCESS, TZ_OP_VERIFY_IDENTITY, TZ_OP_VERIFY_INVITE,
    /* /tokens/named... */
    TZ_OP_LIST_ALL_NAMED, TZ_OP_GET_NAMED, TZ_OP_UPDATE_NAMED, TZ_OP_DELETE_NAMED, TZ_OP_NAMED_STATUS,
    /* per subject (target says whose) */
    TZ_OP_CREATE_TEMPORARY, TZ_OP_GET_GENERATION, TZ_OP_REVOKE_ALL_TEMPORARY,
    TZ_OP_CREATE_NAMED, TZ_OP_LIST_NAMED, TZ_OP_DELETE_ALL_NAMED, TZ_OP_GET_NAMED_BY_NAME,
    /* related */
    TZ_OP_CONFIGURATION, TZ_OP_CURRENT_TIME, TZ_OP_GET_USER,
    /* invite consumption (invites.md §E.1, §E.2, §E.7); subject_id = {id} of the consumer entity */
    TZ_OP_JOIN_USER_GROUP, TZ_OP_JOIN_GROUP_PARENT, TZ_OP_JOIN_USER_SPACE, TZ_OP_JOIN_GROUP_SPACE,
    TZ_OP_JOIN_HARVESTER_SPACE, TZ_OP_JOIN_USER_CLUSTER, TZ_OP_JOIN_GROUP_CLUSTER,
    TZ_OP_JOIN_USER_HARVESTER, TZ_OP_JOIN_GROUP_HARVESTER, TZ_OP_JOIN_SPACE_HARVESTER,
    TZ_OP_JOIN_USER_ATM_INVENTORY, TZ_OP_JOIN_GROUP_ATM_INVENTORY,
    TZ_OP_SUPPORT_SPACE, TZ_OP_REGISTER_PROVIDER,
    /* directory reads; subject_id = {id} of the entity */
    TZ_OP_USER_GROUPS, TZ_OP_USER_EFF_GROUPS, TZ_OP_USER_SPACES, TZ_OP_USER_EFF_SPACES,
    TZ_OP_USER_CLUSTERS, TZ_OP_USER_EFF_CLUSTERS, TZ_OP_USER_HARVESTERS, TZ_OP_USER_EFF_HARVESTERS,
    TZ_OP_USER_ATM_INVENTORIES, TZ_OP_USER_EFF_ATM_INVENTORIES,
    TZ_OP_GET_GROUP, TZ_OP_GET_SPACE, TZ_OP_PROVIDER_SPACES, TZ_OP_SPACE_PROVIDERS,
    /* legacy invite-token shortcuts (§E.3); subject_id = {id} */
    TZ_OP_LEGACY_GROUP_USER_TOKEN, TZ_OP_LEGACY_GROUP_CHILD_TOKEN, TZ_OP_LEGACY_SPACE_USER_TOKEN,
    TZ_OP_LEGACY_SPACE_GROUP_TOKEN, TZ_OP_LEGACY_SPACE_PROVIDER_TOKEN,
    TZ_OP_LEGACY_CLUSTER_USER_TOKEN, TZ_OP_LEGACY_CLUSTER_GROUP_TOKEN,
    TZ_OP_LEGACY_HARVESTER_USER_TOKEN, TZ_OP_LEGACY_HARVESTER_GROUP_TOKEN,
    TZ_OP_LEGACY_HARVESTER_SPACE_TOKEN, TZ_OP_LEGACY_PROVIDER_REGISTRATION_TOKEN,
    /* legacy /user/client_tokens (rest-api §9); token_id = {token} */
    TZ_OP_CLIENT_TOKEN_CREATE, TZ_OP_CLIENT_TOKEN_LIST, TZ_OP_CLIENT_TOKEN_DELETE,
    TZ_OP__COUNT
} tz_op;

/* The name of an operation ("TZ_OP_EXAMINE" -> "examine"; "unknown" out of range): the label of
 * metrics, audit lines and diagnostics. A static string. */
const char *tz_op_name(tz_op op);

/* Whose tokens a per-subject route addresses. */
typedef enum tz_target {
    TZ_TARGET_NONE,
    TZ_TARGET_USER,          /* /users/{uid}/... : subject_id set */
    TZ_TARGET_SELF_USER,     /* /user/... */
    TZ_TARGET_PROVIDER,      /* /providers/{pid}/... : subject_id set */
    TZ_TARGET_SELF_PROVIDER, /* /provider/... */
} tz_target;

/* Credentials as found in the request headers; NULL = header absent. Values are the raw header
 * values except `bearer` (after "Bearer ") and `basic` (after "Basic "). */
typedef struct tz_credentials {
    const char *x_auth_token;
    const char *bearer;
    const char *macaroon;
    const char *basic;
    const char *service_token;   /* x-onedata-service-token */
    const char *consumer_token;  /* x-onedata-consumer-token */
    const char *session_cookie;  /* Onezone GUI session id, if any */
    /* The route's operation and {id} when known (zero/NULL otherwise): an operation that reads
     * named token {id} gets it from the same store read as a named credential token. */
    tz_op route_op;
    const char *route_token_id;
} tz_credentials;

/* The authenticated client; opaque, owned by the caller (tz_client_free). */
typedef struct tz_client tz_client;

/* Authenticates per rest-api §2. Never falls back to anonymous when a credential is present but
 * bad: the error is TZE_UNAUTHORIZED {"authError": inner}. No credential -> a nobody client. */
tz_error *tz_service_authenticate(tz_service_ctx *svc, const tz_credentials *creds,
                                  bool peer_ip_known, uint32_t peer_ip, tz_client **out);
void tz_client_free(tz_client *c);
/* "usr-ID", "prv-ID" or "nobody", for log lines (borrowed, valid while c lives). */
const char *tz_client_log_id(const tz_client *c);

typedef struct tz_request {
    tz_op op;
    tz_target target;
    const char *subject_id;   /* {uid} / {pid} */
    const char *token_id;     /* {id} */
    const char *name;         /* {name}, already URL-decoded */
    const json_t *body;       /* parsed JSON body (borrowed); NULL = no body (treated as {}) */
    bool peer_ip_known;
    uint32_t peer_ip;         /* host byte order */
    const char *request_id;   /* for the audit trail and the access log; NULL = none */
} tz_request;

/* What an operation touched, filled by the operation where it knows (audit trail, metrics). */
typedef struct tz_op_facts {
    char token_id[72];        /* "" = unknown */
    char subject[80];         /* "usr-ID" / "prv-ID", "" = unknown */
    int token_type;           /* -1 unknown, else tz_type_kind */
    int persistence;          /* 0 unknown, 1 named, 2 temporary */
    bool known;               /* token_type and persistence were set */
} tz_op_facts;

typedef struct tz_response {
    int status;               /* 200, 201, 204, or the error's status */
    json_t *body;             /* owned; NULL for 204 */
    char *location;           /* owned; set for 201 of named-token creation */
    tz_op_facts facts;
    char *text;               /* owned; a 200 body already rendered as JSON text (body is then NULL) */
    size_t text_len;
} tz_response;

/* Runs one operation for an authenticated client and fills *resp (errors included, rendered as
 * Onedata error bodies). The caller releases resp with tz_response_clear. */
void tz_service_handle(tz_service_ctx *svc, const tz_client *client, const tz_request *req,
                       tz_response *resp);
void tz_response_clear(tz_response *resp);
/* Fills *resp with an error reply (takes ownership of e). */
void tz_response_error(tz_response *resp, tz_error *e);

#endif
