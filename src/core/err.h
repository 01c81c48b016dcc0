/* The error catalogue: every failure in tokenzone is a tz_error carrying one of Onedata's error ids.
 *
 * A function that can fail returns `tz_error *`: NULL means success, anything else is a heap
 * object the caller owns and releases with tz_err_free(). Details are jansson objects owned by the
 * error. Descriptions are not stored: they are rendered from id + details by tz_err_render(), so one
 * function decides every text a client sees. */
#ifndef TZ_CORE_ERR_H
#define TZ_CORE_ERR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum tz_err_id {
    /* general */
    TZE_UNAUTHORIZED,          /* details: none, or {"authError": <error>} */
    TZE_FORBIDDEN,
    TZE_NOT_FOUND,
    TZE_ALREADY_EXISTS,
    TZE_NOT_SUPPORTED,
    TZE_SERVICE_UNAVAILABLE,
    TZE_INTERNAL,              /* details: none, or {"reference": "<10 hex>"} */
    /* authentication / tokens */
    TZE_BAD_TOKEN,
    TZE_TOKEN_INVALID,
    TZE_TOKEN_REVOKED,
    TZE_TOKEN_TOO_LARGE,       /* {"limit": int} */
    TZE_NOT_AN_ACCESS_TOKEN,   /* {"received": type JSON} */
    TZE_NOT_AN_IDENTITY_TOKEN, /* {"received": type JSON} */
    TZE_NOT_AN_INVITE_TOKEN,   /* {"expectedInviteType": "any"|camelCase, "received": type JSON} */
    TZE_TOKEN_CAVEAT_UNKNOWN,  /* {"caveat": raw string} */
    TZE_TOKEN_CAVEAT_UNVERIFIED, /* {"caveat": caveat JSON} */
    TZE_TOKEN_TIME_CAVEAT_REQUIRED, /* {"maxTtl": int} */
    TZE_TOKEN_SUBJECT_INVALID,
    TZE_TOKEN_SERVICE_FORBIDDEN, /* {"service": {"type": snake, "id": s}} */
    TZE_TOKEN_SESSION_INVALID,
    TZE_USER_BLOCKED,
    TZE_BAD_BASIC_CREDENTIALS,
    TZE_BASIC_AUTH_NOT_SUPPORTED,
    TZE_BASIC_AUTH_DISABLED,
    TZE_BAD_IDP_ACCESS_TOKEN,  /* {"idp": s} */
    TZE_BAD_SERVICE_TOKEN,     /* {"tokenError": <error>} */
    TZE_BAD_CONSUMER_TOKEN,    /* {"tokenError": <error>} */
    TZE_INVITE_SUBJECT_NOT_AUTHORIZED,
    TZE_INVITE_TARGET_ID_INVALID, /* {"id": s} */
    TZE_INVITE_USAGE_LIMIT_REACHED,
    TZE_INVITE_CONSUMER_INVALID,  /* {"consumer": subject JSON} */
    /* request data validation */
    TZE_MALFORMED_DATA,
    TZE_MISSING_REQUIRED_VALUE,   /* {"key"} */
    TZE_MISSING_AT_LEAST_ONE_VALUE, /* {"keys": [sorted]} */
    TZE_BAD_DATA,                 /* {"key"} */
    TZE_BAD_VALUE_EMPTY,          /* {"key"} */
    TZE_BAD_VALUE_BOOLEAN,        /* {"key"} */
    TZE_BAD_VALUE_STRING,         /* {"key"} */
    TZE_BAD_VALUE_LIST_OF_STRINGS,/* {"key"} */
    TZE_BAD_VALUE_INTEGER,        /* {"key"} */
    TZE_BAD_VALUE_JSON,           /* {"key"} */
    TZE_BAD_VALUE_TOKEN,          /* {"key", "tokenError": <error>} */
    TZE_BAD_VALUE_TOKEN_TYPE,     /* {"key"} */
    TZE_BAD_VALUE_INVITE_TYPE,    /* {"key"} */
    TZE_BAD_VALUE_IPV4_ADDRESS,   /* {"key"} */
    TZE_BAD_VALUE_TOO_LOW,        /* {"key", "limit": int} */
    TZE_BAD_VALUE_NOT_ALLOWED,    /* {"key", "allowed": [..]} */
    TZE_BAD_VALUE_LIST_NOT_ALLOWED, /* {"key", "allowed": [..]} */
    TZE_BAD_VALUE_IDENTIFIER_OCCUPIED, /* {"key"} */
    TZE_BAD_VALUE_NAME,           /* no details */
    TZE_BAD_VALUE_CAVEAT,         /* {"caveat": element as sent / printed} */
    /* tokenzone's own: Basic-auth attempts refused while a username or address is backing off */
    TZE_TOO_MANY_REQUESTS,        /* {"retryAfter": seconds} */
    /* the store's neutral errors (src/store/store_backend.h); the service maps them to the ids
     * above before a client sees them (tz_store_err_to_api). Rendered unmapped they read as
     * notFound / alreadyExists / serviceUnavailable. */
    TZE_STORE_NOT_FOUND,          /* no details */
    TZE_STORE_CONFLICT,           /* {"key": field}: "username", "name", "id", "metadata", "subject" */
    TZE_STORE_UNAVAILABLE,        /* no details */
    TZE__COUNT
} tz_err_id;

typedef struct tz_error {
    tz_err_id id;
    json_t *details; /* owned; NULL when the error has no details */
} tz_error;

/* Constructors. All return a new error owned by the caller; on allocation failure they return a
 * static TZE_INTERNAL error that tz_err_free() recognises and never frees, so callers need not
 * check. `details` passed to tz_err_new_details is stolen (reference taken over). */
tz_error *tz_err_new(tz_err_id id);
tz_error *tz_err_new_details(tz_err_id id, json_t *details);
tz_error *tz_err_key(tz_err_id id, const char *key);          /* {"key": key} */
tz_error *tz_err_limit(tz_err_id id, const char *key, json_int_t limit); /* tooLow / tokenTooLarge(key NULL) */
tz_error *tz_err_allowed(tz_err_id id, const char *key, const char *const *allowed, size_t n);
/* Wrapping: takes ownership of `inner`.
 *  TZE_UNAUTHORIZED -> {"authError": inner}; TZE_BAD_SERVICE_TOKEN / TZE_BAD_CONSUMER_TOKEN ->
 *  {"tokenError": inner}; TZE_BAD_VALUE_TOKEN (needs key) -> {"key", "tokenError": inner}. */
tz_error *tz_err_wrap(tz_err_id outer, const char *key, tz_error *inner);
/* True for errors that are the server's failure rather than an answer: internalServerError,
 * serviceUnavailable and the store's neutral errors. tz_err_wrap returns such an `inner` as it
 * is, so a failing store never turns into a 400/401 around it. */
bool tz_err_is_server_failure(const tz_error *e);

void tz_err_free(tz_error *e);

/* The JSON id ("badToken") and HTTP status (400) of an id. */
const char *tz_err_id_name(tz_err_id id);
int tz_err_http_status(tz_err_id id);

/* Renders {"id", "description", "details"?} (the inner object, used for nesting) as a new
 * reference owned by the caller. */
json_t *tz_err_render(const tz_error *e);
/* Renders the full reply body {"error": {...}}; new reference owned by the caller. */
json_t *tz_err_body(const tz_error *e);
/* The description text; a new malloc'd string owned by the caller (NULL on allocation failure). */
char *tz_err_description(const tz_error *e);

#endif
