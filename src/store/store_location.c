/* Showing a store location without its password. A libpq URI may carry a password in its
 * user-info (scheme://user:password@host) or as a password= parameter; both become "***" so that
 * the location can go into log lines and error messages. */
#include <stdlib.h>
#include <string.h>
#include "store/store.h"

/* Appends n bytes of src at *o. */
static void put(char **o, const char *src, size_t n) {
    memcpy(*o, src, n);
    *o += n;
}

char *tz_store_location_redacted(const char *location) {
    if (!location) return NULL;
    size_t len = strlen(location);
    /* every redaction shortens or keeps a value except an empty one, which grows by 3 */
    char *out = malloc(len * 2 + 16);
    if (!out) return NULL;
    char *o = out;
    const char *p = location;
    const char *scheme_end = strstr(p, "://");
    if (scheme_end) {
        const char *auth = scheme_end + 3;
        size_t auth_len = strcspn(auth, "/?#");
        const char *at = NULL;
        for (size_t i = 0; i < auth_len; i++)
            if (auth[i] == '@') at = auth + i;  /* the last '@' ends the user-info */
        put(&o, p, (size_t)(auth - p));
        if (at) {
            const char *colon = memchr(auth, ':', (size_t)(at - auth));
            if (colon) {
                put(&o, auth, (size_t)(colon - auth));
                put(&o, ":***", 4);
            } else {
                put(&o, auth, (size_t)(at - auth));
            }
            p = at;
        } else {
            p = auth;
        }
    }
    /* copy the rest, blanking password= parameters */
    const char *q = strchr(p, '?');
    if (!q) {
        put(&o, p, strlen(p));
    } else {
        put(&o, p, (size_t)(q - p) + 1);
        p = q + 1;
        while (*p) {
            size_t n = strcspn(p, "&");
            if (n >= 9 && strncmp(p, "password=", 9) == 0) {
                put(&o, "password=***", 12);
            } else {
                put(&o, p, n);
            }
            p += n;
            if (*p == '&') put(&o, p++, 1);
        }
    }
    *o = '\0';
    return out;
}
