/* The audit trail: one JSON object per line for every change, failed authentication and
 * authorization refusal, appended to a file (or standard output) that the server and the admin
 * tool share. See docs/operations.md ("Audit trail") for the fields and guarantees.
 *
 * Recording an event is one call, tz_audit_record(audit, &event), made before the change is
 * acknowledged; when it fails the caller answers 503 serviceUnavailable. Lines are appended with
 * O_APPEND and a single write(2) each, so several processes can share the file. Nothing secret
 * is ever written: tokens appear only as "hmac-sha256:<hex>" under the installation's audit key
 * (tz_audit_hmac). */
#ifndef TZ_SERVICE_AUDIT_H
#define TZ_SERVICE_AUDIT_H
#include <stdbool.h>
#include <stddef.h>
#include "core/err.h"

typedef struct tz_audit tz_audit;

#define TZ_AUDIT_KEY_LEN 32
#define TZ_AUDIT_KEY_FILE "audit.key"        /* in the data directory */
#define TZ_AUDIT_KEY_ENV "TOKENZONE_AUDIT_KEY_FILE"
#define TZ_AUDIT_LOG_ENV "TOKENZONE_AUDIT_LOG"
/* "hmac-sha256:" + 64 hex digits + NUL */
#define TZ_AUDIT_HMAC_SIZE (12 + 64 + 1)

/* Where the audit key lives: $TOKENZONE_AUDIT_KEY_FILE, else DIR/audit.key for an SQLite store
 * location (sqlite:DIR or DIR). Writes a NUL-terminated path into out (cap bytes); false when it
 * does not fit or neither is known (another backend without the variable). */
bool tz_audit_key_path(const char *location, char *out, size_t cap);
/* Reads the key file; when absent and `create`, creates it (0600, 32 random bytes as hex), else
 * fails with TZE_NOT_FOUND. key is the caller's buffer; wipe it after use. */
tz_error *tz_audit_key_load(const char *path, bool create, unsigned char key[TZ_AUDIT_KEY_LEN]);
/* "hmac-sha256:<hex>" of data under key, into out. */
void tz_audit_hmac(const unsigned char key[TZ_AUDIT_KEY_LEN], const char *data, size_t len,
                   char out[TZ_AUDIT_HMAC_SIZE]);

/* Opens `path` for appending ("-" = standard output; a file is created 0600) with `key` (copied).
 * *out is owned by the caller (tz_audit_close). */
tz_error *tz_audit_open(const char *path, const unsigned char key[TZ_AUDIT_KEY_LEN], tz_audit **out);
void tz_audit_close(tz_audit *a);
/* Reopens the file by its path (after logrotate moved it); on failure keeps the old one. Safe
 * while other threads record. */
tz_error *tz_audit_reopen(tz_audit *a);

/* False while the last write failed less than a second ago: changes are then refused (503)
 * before they touch the store. After that one change is let through to try again. */
bool tz_audit_ready(tz_audit *a);

/* The HMAC of a token or other value under the trail's key. */
void tz_audit_hash(const tz_audit *a, const char *data, size_t len, char out[TZ_AUDIT_HMAC_SIZE]);

/* One event. Every string is borrowed and may be NULL (= field left out). */
typedef struct tz_audit_event {
    const char *event;          /* "change", "authentication", "authorization" */
    const char *op;             /* operation, e.g. "create_named", "user create" */
    const char *request_id;
    const char *actor_type;     /* "user", "provider", "nobody", "admin-tool" */
    const char *actor_id;
    const char *auth;           /* how the actor authenticated: "token", "basic", "none", "local" */
    const char *credential;     /* hmac of the token the actor presented */
    const char *remote_address;
    const char *token_id;       /* target */
    const char *token_hmac;     /* hmac of the token the operation made or named */
    const char *subject;        /* "usr-ID" / "prv-ID" / entity */
    const char *token_type;     /* "access", "identity", "invite" */
    const char *persistence;    /* "named", "temporary" */
    const char *detail;         /* e.g. "revoke", "rename" for a named-token update */
    const char *result;         /* "ok" or the Onedata error id */
    int status;                 /* HTTP status, 0 = none */
} tz_audit_event;

/* Appends the event's line. NULL `a` records nothing and succeeds. On failure (nothing or only a
 * part could be written) returns TZE_SERVICE_UNAVAILABLE, removes a partial line when it can, and
 * tz_audit_ready turns false for a second. */
tz_error *tz_audit_record(tz_audit *a, const tz_audit_event *ev);

#endif
