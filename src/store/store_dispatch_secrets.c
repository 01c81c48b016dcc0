/* Dispatchers of the sealed-secret operations (store.h "sealed secrets") to the open store's
 * backend, and the backend-neutral release of the rows they return. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/store_backend.h"

static void free_wiped(char *p) {
    if (!p) return;
    OPENSSL_cleanse(p, strlen(p));
    free(p);
}

void tz_secret_rows_free(tz_secret_row *rows, size_t n) {
    if (!rows) return;
    for (size_t i = 0; i < n; i++) {
        free(rows[i].token_id);
        tz_subject_clear(&rows[i].subject);
        free_wiped(rows[i].secret);
        free_wiped(rows[i].token);
    }
    free(rows);
}

tz_error *tz_store_secrets_page(tz_store *s, tz_secret_kind kind, const tz_secret_row *after,
                                size_t limit, tz_secret_row **rows, size_t *n) {
    *rows = NULL;
    *n = 0;
    TZS_DISPATCH(secrets_page, kind, after, limit, rows, n);
}

tz_error *tz_store_secrets_replace(tz_store *s, const tz_secret_change *changes, size_t n,
                                   size_t *applied) {
    *applied = 0;
    TZS_DISPATCH(secrets_replace, changes, n, applied);
}

tz_error *tz_store_temp_sealed_get(tz_store *s, const tz_subject *subject,
                                   const char *sealed_if_absent, char **sealed, int64_t *generation) {
    *sealed = NULL;
    TZS_DISPATCH(temp_sealed_get, subject, sealed_if_absent, sealed, generation);
}

tz_error *tz_store_temp_sealed_bump(tz_store *s, const tz_subject *subject, const char *sealed) {
    TZS_DISPATCH(temp_sealed_bump, subject, sealed);
}

tz_error *tz_store_scrub(tz_store *s, tz_scrub_depth depth) {
    if (!s->ops->scrub) return tzs_unsupported(s, "scrub");
    return s->ops->scrub(s, depth);
}
