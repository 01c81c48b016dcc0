/* The error catalogue: ids, HTTP codes and description texts of errors.md, rendered by one
 * function so every text a client sees comes from this table. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/caveat.h"
#include "core/token.h"

/* Returned when an error cannot even be allocated. It is never modified nor freed (tz_err_free
 * recognises it), so sharing it between threads is safe. */
static tz_error oom_error = {TZE_INTERNAL, NULL};

typedef struct err_entry {
    const char *name;
    int http;
    const char *text; /* description; NULL = rendered by describe_special() */
} err_entry;

static const err_entry catalogue[TZE__COUNT] = {
    [TZE_UNAUTHORIZED] = {"unauthorized", 401, NULL},
    [TZE_FORBIDDEN] = {"forbidden", 403, "You are not authorized to perform this operation."},
    [TZE_NOT_FOUND] = {"notFound", 404, "The resource could not be found."},
    [TZE_ALREADY_EXISTS] = {"alreadyExists", 409, "The resource already exists."},
    [TZE_NOT_SUPPORTED] = {"notSupported", 400, "This operation is not supported."},
    [TZE_SERVICE_UNAVAILABLE] = {"serviceUnavailable", 503, "Service required for this operation is offline."},
    [TZE_INTERNAL] = {"internalServerError", 500, NULL},
    [TZE_BAD_TOKEN] = {"badToken", 400, "Provided token could not be understood by the server."},
    [TZE_TOKEN_INVALID] = {"tokenInvalid", 400, "Provided token is not valid."},
    [TZE_TOKEN_REVOKED] = {"tokenRevoked", 400, "Provided token has been revoked."},
    [TZE_TOKEN_TOO_LARGE] = {"tokenTooLarge", 400, NULL},
    [TZE_NOT_AN_ACCESS_TOKEN] = {"notAnAccessToken", 400, NULL},
    [TZE_NOT_AN_IDENTITY_TOKEN] = {"notAnIdentityToken", 400, NULL},
    [TZE_NOT_AN_INVITE_TOKEN] = {"notAnInviteToken", 400, NULL},
    [TZE_TOKEN_CAVEAT_UNKNOWN] = {"tokenCaveatUnknown", 400, NULL},
    [TZE_TOKEN_CAVEAT_UNVERIFIED] = {"tokenCaveatUnverified", 400, NULL},
    [TZE_TOKEN_TIME_CAVEAT_REQUIRED] = {"tokenTimeCaveatRequired", 400, NULL},
    [TZE_TOKEN_SUBJECT_INVALID] = {"tokenSubjectInvalid", 400,
        "The token subject is invalid (does not exist or is different than expected)."},
    [TZE_TOKEN_SERVICE_FORBIDDEN] = {"tokenServiceForbidden", 400, NULL},
    [TZE_TOKEN_SESSION_INVALID] = {"tokenSessionInvalid", 400,
        "This token is bound to a session different than presented by the client or no longer existent."},
    [TZE_USER_BLOCKED] = {"userBlocked", 400,
        "This user account has been blocked by the administrator and cannot be used unless it is unblocked again."},
    [TZE_BAD_BASIC_CREDENTIALS] = {"badBasicCredentials", 400, "Invalid username or password."},
    [TZE_BASIC_AUTH_NOT_SUPPORTED] = {"basicAuthNotSupported", 400, "Basic auth is not supported by this Onezone."},
    [TZE_BASIC_AUTH_DISABLED] = {"basicAuthDisabled", 400, "Basic auth is disabled for this user."},
    [TZE_BAD_IDP_ACCESS_TOKEN] = {"badIdpAccessToken", 400, NULL},
    [TZE_BAD_SERVICE_TOKEN] = {"badServiceToken", 400, "Provided service token is not valid (see details)."},
    [TZE_BAD_CONSUMER_TOKEN] = {"badConsumerToken", 400, "Provided consumer token is not valid (see details)."},
    [TZE_INVITE_SUBJECT_NOT_AUTHORIZED] = {"inviteTokenSubjectNotAuthorized", 400,
        "The subject of this token is not (or no longer) authorized to issue such invitations."},
    [TZE_INVITE_TARGET_ID_INVALID] = {"inviteTokenTargetIdInvalid", 400, NULL},
    [TZE_INVITE_USAGE_LIMIT_REACHED] = {"inviteTokenUsageLimitReached", 400,
        "The usage limit of this invite token has been reached."},
    [TZE_INVITE_CONSUMER_INVALID] = {"inviteTokenConsumerInvalid", 400, NULL},
    [TZE_MALFORMED_DATA] = {"malformedData", 400, "Provided data could not be understood by the server."},
    [TZE_MISSING_REQUIRED_VALUE] = {"missingRequiredValue", 400, NULL},
    [TZE_MISSING_AT_LEAST_ONE_VALUE] = {"missingAtLeastOneValue", 400, NULL},
    [TZE_BAD_DATA] = {"badData", 400, NULL},
    [TZE_BAD_VALUE_EMPTY] = {"badValueEmpty", 400, NULL},
    [TZE_BAD_VALUE_BOOLEAN] = {"badValueBoolean", 400, NULL},
    [TZE_BAD_VALUE_STRING] = {"badValueString", 400, NULL},
    [TZE_BAD_VALUE_LIST_OF_STRINGS] = {"badValueListOfStrings", 400, NULL},
    [TZE_BAD_VALUE_INTEGER] = {"badValueInteger", 400, NULL},
    [TZE_BAD_VALUE_JSON] = {"badValueJSON", 400, NULL},
    [TZE_BAD_VALUE_TOKEN] = {"badValueToken", 400, NULL},
    [TZE_BAD_VALUE_TOKEN_TYPE] = {"badValueTokenType", 400, NULL},
    [TZE_BAD_VALUE_INVITE_TYPE] = {"badValueInviteType", 400, NULL},
    [TZE_BAD_VALUE_IPV4_ADDRESS] = {"badValueIPv4Address", 400, NULL},
    [TZE_BAD_VALUE_TOO_LOW] = {"badValueTooLow", 400, NULL},
    [TZE_BAD_VALUE_NOT_ALLOWED] = {"badValueNotAllowed", 400, NULL},
    [TZE_BAD_VALUE_LIST_NOT_ALLOWED] = {"badValueListNotAllowed", 400, NULL},
    [TZE_BAD_VALUE_IDENTIFIER_OCCUPIED] = {"badValueIdentifierOccupied", 400, NULL},
    [TZE_BAD_VALUE_NAME] = {"badValueName", 400,
        "Bad value: Name must be 2-128 characters long and composed only of UTF-8 letters, digits, "
        "brackets and underscores. Dashes, spaces and dots are allowed (but not at the beginning or the end)."},
    [TZE_BAD_VALUE_CAVEAT] = {"badValueCaveat", 400, NULL},
    [TZE_TOO_MANY_REQUESTS] = {"tooManyRequests", 429, NULL},
    [TZE_STORE_NOT_FOUND] = {"notFound", 404, "The resource could not be found."},
    [TZE_STORE_CONFLICT] = {"alreadyExists", 409, "The resource already exists."},
    [TZE_STORE_UNAVAILABLE] = {"serviceUnavailable", 503, "Service required for this operation is offline."},
};

/* Texts of the form PREFIX{key}SUFFIX, keyed by id (split so the format string stays literal). */
typedef struct key_text {
    const char *pre, *post;
} key_text;

static key_text key_template(tz_err_id id) {
    switch (id) {
    case TZE_MISSING_REQUIRED_VALUE: return (key_text){"Missing required value: ", "."};
    case TZE_BAD_DATA:
        return (key_text){"Bad value: provided \"",
                          "\" has an invalid format or is incomprehensible in the context of this operation."};
    case TZE_BAD_VALUE_EMPTY: return (key_text){"Bad value: provided \"", "\" must not be empty."};
    case TZE_BAD_VALUE_BOOLEAN: return (key_text){"Bad value: provided \"", "\" must be a boolean."};
    case TZE_BAD_VALUE_STRING: return (key_text){"Bad value: provided \"", "\" must be a string."};
    case TZE_BAD_VALUE_LIST_OF_STRINGS: return (key_text){"Bad value: provided \"", "\" must be a list of strings."};
    case TZE_BAD_VALUE_INTEGER: return (key_text){"Bad value: provided \"", "\" must be an integer."};
    case TZE_BAD_VALUE_JSON: return (key_text){"Bad value: provided \"", "\" must be a valid JSON."};
    case TZE_BAD_VALUE_TOKEN: return (key_text){"Bad value: provided \"", "\" is not a valid token (see details)."};
    case TZE_BAD_VALUE_TOKEN_TYPE: return (key_text){"Bad value: provided \"", "\" is not a valid token type."};
    case TZE_BAD_VALUE_INVITE_TYPE: return (key_text){"Bad value: provided \"", "\" is not a valid invite type."};
    case TZE_BAD_VALUE_IPV4_ADDRESS: return (key_text){"Bad value: provided \"", "\" is not a valid IPv4 address."};
    case TZE_BAD_VALUE_IDENTIFIER_OCCUPIED:
        return (key_text){"Bad value: provided identifier (\"", "\") is already occupied."};
    default: return (key_text){NULL, NULL};
    }
}

/* ---------------------------------------------------------------- constructors */

tz_error *tz_err_new_details(tz_err_id id, json_t *details) {
    tz_error *e = malloc(sizeof *e);
    if (!e) {
        json_decref(details);
        return &oom_error;
    }
    e->id = id;
    e->details = details;
    return e;
}

tz_error *tz_err_new(tz_err_id id) { return tz_err_new_details(id, NULL); }

tz_error *tz_err_key(tz_err_id id, const char *key) {
    return tz_err_new_details(id, json_pack("{s:s}", "key", key ? key : ""));
}

tz_error *tz_err_limit(tz_err_id id, const char *key, json_int_t limit) {
    json_t *d = key ? json_pack("{s:s,s:I}", "key", key, "limit", limit) : json_pack("{s:I}", "limit", limit);
    return tz_err_new_details(id, d);
}

tz_error *tz_err_allowed(tz_err_id id, const char *key, const char *const *allowed, size_t n) {
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) json_array_append_new(list, json_string(allowed[i]));
    return tz_err_new_details(id, json_pack("{s:s,s:o}", "key", key ? key : "", "allowed", list));
}

bool tz_err_is_server_failure(const tz_error *e) {
    return e && (e->id == TZE_INTERNAL || e->id == TZE_SERVICE_UNAVAILABLE || e->id == TZE_STORE_UNAVAILABLE ||
                 e->id == TZE_STORE_NOT_FOUND || e->id == TZE_STORE_CONFLICT);
}

tz_error *tz_err_wrap(tz_err_id outer, const char *key, tz_error *inner) {
    /* A failure of the server (a store that failed, an allocation) is not something wrong with
     * the client's credential or value: it stays a 5xx instead of becoming 400/401 around it. */
    if (tz_err_is_server_failure(inner)) return inner;
    json_t *rendered = inner ? tz_err_render(inner) : NULL;
    tz_err_free(inner);
    if (!rendered) return &oom_error;
    json_t *d;
    if (outer == TZE_UNAUTHORIZED)
        d = json_pack("{s:o}", "authError", rendered);
    else if (outer == TZE_BAD_VALUE_TOKEN)
        d = json_pack("{s:s,s:o}", "key", key ? key : "", "tokenError", rendered);
    else
        d = json_pack("{s:o}", "tokenError", rendered);
    return tz_err_new_details(outer, d);
}

void tz_err_free(tz_error *e) {
    if (!e || e == &oom_error) return;
    json_decref(e->details);
    free(e);
}

const char *tz_err_id_name(tz_err_id id) {
    return (unsigned)id < TZE__COUNT ? catalogue[id].name : "internalServerError";
}

int tz_err_http_status(tz_err_id id) { return (unsigned)id < TZE__COUNT ? catalogue[id].http : 500; }

/* ---------------------------------------------------------------- descriptions */

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dup_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0) out = NULL;
    va_end(ap);
    return out;
}

static const char *detail_str(const json_t *details, const char *field) {
    const char *s = json_string_value(json_object_get(details, field));
    return s ? s : "";
}

/* Renders a JSON value as text for descriptions: strings raw, everything else as compact JSON. */
static char *value_text(const json_t *v) {
    if (json_is_string(v)) return strdup(json_string_value(v));
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    return s ? s : strdup("undefined");
}

/* Joins a JSON list of values with `sep`, each rendered by `fmt_item` into "prefix item suffix". */
static char *join_list(const json_t *list, const char *sep, const char *prefix, const char *suffix) {
    size_t cap = 1, i;
    json_t *v;
    char **parts = calloc(json_array_size(list) + 1, sizeof *parts);
    if (!parts) return NULL;
    json_array_foreach(list, i, v) {
        parts[i] = value_text(v);
        if (!parts[i]) break;
        cap += strlen(parts[i]) + strlen(sep) + strlen(prefix) + strlen(suffix);
    }
    char *out = malloc(cap);
    if (out) {
        out[0] = '\0';
        for (size_t k = 0; k < json_array_size(list) && parts[k]; k++) {
            if (k) strcat(out, sep);
            strcat(out, prefix);
            strcat(out, parts[k]);
            strcat(out, suffix);
        }
    }
    for (size_t k = 0; k < json_array_size(list); k++) free(parts[k]);
    free(parts);
    return out;
}

static char *describe_type(const char *expected, const json_t *received) {
    char *printable = tz_token_type_printable_json(received);
    char *out = dup_printf("Expected %s, but received a(n) %s.", expected, printable ? printable : "unknown token type");
    free(printable);
    return out;
}

static char *describe_special(const tz_error *e) {
    const json_t *d = e->details;
    switch (e->id) {
    case TZE_UNAUTHORIZED:
        return strdup(json_object_get(d, "authError")
                          ? "Provided authentication is not valid (see details)."
                          : "You must authenticate yourself to perform this operation.");
    case TZE_INTERNAL: {
        const char *ref = json_string_value(json_object_get(d, "reference"));
        if (!ref) return strdup("The server has encountered an error while processing this request.");
        return dup_printf("The server has encountered an error while processing this request. If the problem "
                          "persists, please contact the site's administrators, citing the following reference: %s.",
                          ref);
    }
    case TZE_TOKEN_TOO_LARGE:
        return dup_printf("Provided token exceeds the allowed size (%" JSON_INTEGER_FORMAT " characters).",
                          json_integer_value(json_object_get(d, "limit")));
    case TZE_NOT_AN_ACCESS_TOKEN:
        return describe_type("an access token", json_object_get(d, "received"));
    case TZE_NOT_AN_IDENTITY_TOKEN:
        return describe_type("an identity token", json_object_get(d, "received"));
    case TZE_NOT_AN_INVITE_TOKEN: {
        const char *expected = detail_str(d, "expectedInviteType");
        tz_invite_type t;
        if (tz_invite_type_from_name(expected, &t) == 0) expected = tz_invite_type_snake(t);
        char *printable = tz_token_type_printable_json(json_object_get(d, "received"));
        char *out = dup_printf("Expected an invitation token of type '%s', but received a(n) %s.", expected,
                               printable ? printable : "unknown token type");
        free(printable);
        return out;
    }
    case TZE_TOKEN_CAVEAT_UNKNOWN:
        return dup_printf("Unknown caveat - '%s'.", detail_str(d, "caveat"));
    case TZE_TOKEN_CAVEAT_UNVERIFIED: {
        char *phrase = tz_caveat_phrase_from_json(json_object_get(d, "caveat"));
        char *out = dup_printf("Provided token is not valid - %s.", phrase ? phrase : "unverified caveat");
        free(phrase);
        return out;
    }
    case TZE_TOKEN_TIME_CAVEAT_REQUIRED:
        return dup_printf("You must specify a time caveat with maximum TTL of %" JSON_INTEGER_FORMAT " seconds.",
                          json_integer_value(json_object_get(d, "maxTtl")));
    case TZE_TOKEN_SERVICE_FORBIDDEN: {
        const json_t *svc = json_object_get(d, "service");
        return dup_printf("The service %s:%s is forbidden for this subject.", detail_str(svc, "type"),
                          detail_str(svc, "id"));
    }
    case TZE_TOO_MANY_REQUESTS:
        return dup_printf("Too many failed authentication attempts, try again in %" JSON_INTEGER_FORMAT " seconds.",
                          json_integer_value(json_object_get(d, "retryAfter")));
    case TZE_BAD_IDP_ACCESS_TOKEN:
        return dup_printf("Provided access token for \"%s\" is not valid.", detail_str(d, "idp"));
    case TZE_INVITE_TARGET_ID_INVALID:
        return dup_printf("The target id '%s' is invalid for this type of invite token.", detail_str(d, "id"));
    case TZE_INVITE_CONSUMER_INVALID: {
        const json_t *c = json_object_get(d, "consumer");
        return dup_printf("The consumer '%s:%s' is invalid for this type of invite token.", detail_str(c, "type"),
                          detail_str(c, "id"));
    }
    case TZE_MISSING_AT_LEAST_ONE_VALUE: {
        /* Erlang prints the key list as a list of binaries: [<<"a">>,<<"b">>] */
        char *keys = join_list(json_object_get(d, "keys"), ",", "<<\"", "\">>");
        char *out = dup_printf("Missing data, you must provide at least one of: [%s].", keys ? keys : "");
        free(keys);
        return out;
    }
    case TZE_BAD_VALUE_TOO_LOW:
        return dup_printf("Bad value: provided \"%s\" must be at least %" JSON_INTEGER_FORMAT ".",
                          detail_str(d, "key"), json_integer_value(json_object_get(d, "limit")));
    case TZE_BAD_VALUE_NOT_ALLOWED:
    case TZE_BAD_VALUE_LIST_NOT_ALLOWED: {
        char *allowed = join_list(json_object_get(d, "allowed"), ", ", "", "");
        char *out = dup_printf("Bad value: provided \"%s\" must be %s: %s.", detail_str(d, "key"),
                               e->id == TZE_BAD_VALUE_NOT_ALLOWED ? "one of"
                                                                   : "a list containing zero or more following values",
                               allowed ? allowed : "");
        free(allowed);
        return out;
    }
    case TZE_BAD_VALUE_CAVEAT: {
        /* The caveat as sent, JSON-encoded (a string element keeps its quotes). Object keys are
         * sorted as an Erlang map would print them. */
        char *enc = json_dumps(json_object_get(d, "caveat"), JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
        char *out = dup_printf("Provided caveat is invalid: '%s'.", enc ? enc : "null");
        free(enc);
        return out;
    }
    default: {
        key_text t = key_template(e->id);
        if (t.pre) return dup_printf("%s%s%s", t.pre, detail_str(d, "key"), t.post);
        return strdup("The server has encountered an error while processing this request.");
    }
    }
}

char *tz_err_description(const tz_error *e) {
    if (!e) return NULL;
    if ((unsigned)e->id < TZE__COUNT && catalogue[e->id].text) return strdup(catalogue[e->id].text);
    return describe_special(e);
}

json_t *tz_err_render(const tz_error *e) {
    if (!e) return NULL;
    char *desc = tz_err_description(e);
    json_t *obj = json_object();
    if (!obj) {
        free(desc);
        return NULL;
    }
    json_object_set_new(obj, "id", json_string(tz_err_id_name(e->id)));
    /* desc is built from valid UTF-8 details; the fallback only guards against allocation failure */
    json_t *text = json_string(desc ? desc : "");
    json_object_set_new(obj, "description", text ? text : json_string(""));
    free(desc);
    if (e->details) json_object_set(obj, "details", e->details);
    return obj;
}

json_t *tz_err_body(const tz_error *e) {
    json_t *inner = tz_err_render(e);
    return inner ? json_pack("{s:o}", "error", inner) : NULL;
}
