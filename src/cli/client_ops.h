/* The REST client's operation table: every token operation of the Onezone REST API, named by its
 * swagger operationId (camelCase) and by a short kebab-case alias.
 *
 * The table is plain constant data (client_ops.c); everything that interprets it lives in
 * client_request.c, so the table can be read, tested and turned into documentation on its own. */
#ifndef TZ_CLI_CLIENT_OPS_H
#define TZ_CLI_CLIENT_OPS_H
#include <stdbool.h>
#include <stddef.h>

/* How a param=value argument becomes part of the request. */
typedef enum tz_param_kind {
    TZ_PARAM_PATH,      /* substituted into the path template, percent-encoded */
    TZ_PARAM_STRING,    /* body field, JSON string */
    TZ_PARAM_TOKEN,     /* body field, JSON string holding a serialized token (kept out of dry-run) */
    TZ_PARAM_BOOL,      /* body field, "true" or "false" */
    TZ_PARAM_JSON,      /* body field, the value parsed as JSON */
    TZ_PARAM_COUNT,     /* body field, integer when the value is one, else string ("infinity") */
    TZ_PARAM_TTL        /* not sent: adds {"type":"time","validUntil":now+ttl} to "caveats" */
} tz_param_kind;

typedef struct tz_client_param {
    const char *name;
    tz_param_kind kind;
    const char *help;
} tz_client_param;

/* Sections of `tokenzone help`, in display order. */
typedef enum tz_client_group {
    TZ_GROUP_UTILITIES,
    TZ_GROUP_NAMED_BY_ID,
    TZ_GROUP_NAMED_CURRENT_USER,
    TZ_GROUP_NAMED_USER,
    TZ_GROUP_NAMED_CURRENT_PROVIDER,
    TZ_GROUP_NAMED_PROVIDER,
    TZ_GROUP_TEMPORARY_CURRENT_USER,
    TZ_GROUP_TEMPORARY_USER,
    TZ_GROUP_TEMPORARY_CURRENT_PROVIDER,
    TZ_GROUP_TEMPORARY_PROVIDER,
    TZ_GROUP_INVITES,
    TZ_GROUP_DIRECTORY,
    TZ_GROUP_LEGACY,
    TZ_GROUP__COUNT
} tz_client_group;

typedef struct tz_client_op {
    const char *name;       /* swagger operationId in camelCase, e.g. getNamedTokenStatus */
    const char *alias;      /* kebab-case short name, e.g. token-status */
    const char *method;     /* GET, POST, PATCH, DELETE */
    const char *path;       /* template below the REST prefix, path params as {name} */
    tz_client_group group;
    const char *summary;
    const char *example;    /* a complete command line */
    /* NULL-terminated; path params first, in template order (aliases take them positionally). */
    const tz_client_param *const *params;
} tz_client_op;

/* The whole table (static storage, never freed) and its length. */
const tz_client_op *tz_client_ops(size_t *count);
/* Section title of a group, e.g. "Named tokens of the current user". */
const char *tz_client_group_title(tz_client_group group);

#endif
