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

tz_error *tz_store_client_create(tz_store *s, const tz_oauth_client_rec *r) {
    TZS_DISPATCH(client_create, r);
}

tz_error *tz_store_client_get(tz_store *s, const char *id, tz_oauth_client_rec *out) {
    memset(out, 0, sizeof *out);
    TZS_DISPATCH(client_get, id, out);
}

tz_error *tz_store_client_list(tz_store *s, tz_oauth_client_rec **out, size_t *n) {
    *out = NULL;
    *n = 0;
    TZS_DISPATCH(client_list, out, n);
}

tz_error *tz_store_client_set_secret_hash(tz_store *s, const char *id, const char *hash) {
    TZS_DISPATCH(client_set_secret_hash, id, hash);
}

tz_error *tz_store_client_delete(tz_store *s, const char *id) {
    TZS_DISPATCH(client_delete, id);
}
