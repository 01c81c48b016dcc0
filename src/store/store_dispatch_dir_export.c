/* Dispatchers of the directory export (store.h "directory export") to the open store's backend,
 * and the backend-neutral release of exported rows. */
#include <stdlib.h>
#include <string.h>
#include "store/store_backend.h"

void tz_dir_rows_free(tz_dir_row *rows, size_t n) {
    for (size_t i = 0; rows && i < n; i++) {
        tz_dir_row *r = &rows[i];
        free(r->id);
        free(r->name);
        free(r->subdomain);
        free(r->admin_email);
        free(r->parent_id);
        tz_strv_free(r->privileges, r->n_privileges);
    }
    free(rows);
}

tz_error *tz_store_dir_export(tz_store *s, tz_dir_section section, size_t limit, const char *cursor,
                              tz_dir_row **out, size_t *n, char **next) {
    *out = NULL;
    *n = 0;
    *next = NULL;
    TZS_DISPATCH(dir_export, section, limit, cursor, out, n, next);
}

tz_error *tz_store_dir_import(tz_store *s, tz_dir_section section, const tz_dir_row *rows, size_t n) {
    TZS_DISPATCH(dir_import, section, rows, n);
}
