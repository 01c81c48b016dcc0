/* The one place where the store's neutral errors become Onedata errors, and page-by-page reading
 * of lists the REST API returns whole. */
#include <stdlib.h>
#include <string.h>
#include "service/store_errors.h"

tz_error *tz_store_err_to_api(tz_error *e) {
    if (!e) return NULL;
    switch (e->id) {
    case TZE_STORE_NOT_FOUND:
        tz_err_free(e);
        return tz_err_new(TZE_NOT_FOUND);
    case TZE_STORE_UNAVAILABLE:
        tz_err_free(e);
        return tz_err_new(TZE_SERVICE_UNAVAILABLE);
    case TZE_STORE_CONFLICT: {
        const char *key = json_string_value(json_object_get(e->details, "key"));
        tz_error *out = key && !strcmp(key, "name") ? tz_err_key(TZE_BAD_VALUE_IDENTIFIER_OCCUPIED, "name")
                        : key && !strcmp(key, "metadata") ? tz_err_new(TZE_SERVICE_UNAVAILABLE)
                                                          : tz_err_new(TZE_ALREADY_EXISTS);
        tz_err_free(e);
        return out;
    }
    default:
        return e;
    }
}

tz_error *svc_named_list_all(tz_store *store, const tz_subject *subject, char ***ids, size_t *n) {
    *ids = NULL;
    *n = 0;
    char **all = NULL, *cursor = NULL;
    size_t count = 0;
    tz_error *e = NULL;
    do {
        char **page = NULL, *next = NULL;
        size_t got = 0;
        e = tz_store_named_list(store, subject, SVC_LIST_PAGE, cursor, &page, &got, &next);
        free(cursor);
        cursor = next;
        if (e) break;
        char **grown = got ? realloc(all, (count + got) * sizeof *grown) : all;
        if (got && !grown) {
            tz_strv_free(page, got);
            e = tz_err_new(TZE_INTERNAL);
            break;
        }
        all = grown;
        if (got) memcpy(all + count, page, got * sizeof *page);
        count += got;
        free(page); /* the strings moved into `all` */
    } while (cursor);
    free(cursor);
    if (e) {
        tz_strv_free(all, count);
        return e;
    }
    *ids = all;
    *n = count;
    return NULL;
}
