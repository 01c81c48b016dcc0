/* Reading lists of strings out of result rows. */
#include <stdlib.h>
#include "store/store_internal.h"

tz_error *tzs_collect_strings(tz_store *s, tzs_conn *c, sqlite3_stmt *st, const char *op,
                              char ***ids, size_t *n) {
    char **v = NULL;
    size_t count = 0, cap = 0;
    tz_error *err = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **grown = realloc(v, ncap * sizeof *grown);
            if (!grown) {
                err = tz_err_new(TZE_INTERNAL);
                break;
            }
            v = grown;
            cap = ncap;
        }
        char *str;
        if (!tzs_col_dup(st, 0, &str) || !str) {
            err = tz_err_new(TZE_INTERNAL);
            break;
        }
        v[count++] = str;
    }
    if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, op, rc);
    sqlite3_reset(st);
    if (err) {
        tz_strv_free(v, count);
        return err;
    }
    *ids = v;
    *n = count;
    return NULL;
}
