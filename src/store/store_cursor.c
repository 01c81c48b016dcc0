/* Page cursors: a sort key of a few text parts written as a JSON array, so that any backend can
 * resume a listing after the last row it returned. Opaque to callers. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "store/store_backend.h"

bool tzs_page_limit(size_t limit, size_t *out) {
    if (limit == 0) return false;
    *out = limit > TZ_STORE_PAGE_MAX ? TZ_STORE_PAGE_MAX : limit;
    return true;
}

char *tzs_cursor_encode(const char *const *parts, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(parts[i] ? parts[i] : "")) != 0) {
            json_decref(a);
            a = NULL;
        }
    char *out = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return out;
}

void tzs_cursor_parts_free(char **parts, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(parts[i]);
        parts[i] = NULL;
    }
}

tz_error *tzs_cursor_decode(tz_store *s, const char *cursor, char **parts, size_t n) {
    for (size_t i = 0; i < n; i++) parts[i] = NULL;
    if (!cursor || strlen(cursor) > TZ_STORE_CURSOR_MAX) {
        tzs_log(s, "list: missing or oversized page cursor");
        return tz_err_new(TZE_INTERNAL);
    }
    json_t *a = json_loads(cursor, 0, NULL);
    bool ok = json_is_array(a) && json_array_size(a) == n;
    for (size_t i = 0; ok && i < n; i++) {
        const char *v = json_string_value(json_array_get(a, i));
        ok = v && (parts[i] = strdup(v)) != NULL;
    }
    json_decref(a);
    if (!ok) {
        tzs_cursor_parts_free(parts, n);
        tzs_log(s, "list: malformed page cursor");
        return tz_err_new(TZE_INTERNAL);
    }
    return NULL;
}
