/* Dispatchers of the introspection-client operations (store.h "introspection clients") to the
 * open store's backend, and the backend-neutral release of client records. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include "store/store_backend.h"

void tz_oauth_client_rec_clear(tz_oauth_client_rec *r) {
    if (!r) return;
    free(r->id);
    free(r->name);
    if (r->secret_hash) {
        OPENSSL_cleanse(r->secret_hash, strlen(r->secret_hash));
        free(r->secret_hash);
    }
    memset(r, 0, sizeof *r);
}

void tz_oauth_client_recs_free(tz_oauth_client_rec *v, size_t n) {
    for (size_t i = 0; v && i < n; i++) tz_oauth_client_rec_clear(&v[i]);
    free(v);
}

static tz_error *unsupported(tz_store *s, const char *op) {
    tzs_log(s, "%s: not provided by the %s backend", op, s->ops->name);
    return tz_err_new(TZE_INTERNAL);
}

#define DISPATCH(op, ...) \
    do { \
        if (!s->ops->op) return unsupported(s, #op); \
        return s->ops->op(s, __VA_ARGS__); \
    } while (0)

tz_error *tz_store_client_create(tz_store *s, const tz_oauth_client_rec *r) {
    DISPATCH(client_create, r);
}

tz_error *tz_store_client_get(tz_store *s, const char *id, tz_oauth_client_rec *out) {
    memset(out, 0, sizeof *out);
    DISPATCH(client_get, id, out);
}

tz_error *tz_store_client_list(tz_store *s, tz_oauth_client_rec **out, size_t *n) {
    *out = NULL;
    *n = 0;
    DISPATCH(client_list, out, n);
}

tz_error *tz_store_client_set_secret_hash(tz_store *s, const char *id, const char *hash) {
    DISPATCH(client_set_secret_hash, id, hash);
}

tz_error *tz_store_client_delete(tz_store *s, const char *id) {
    DISPATCH(client_delete, id);
}
