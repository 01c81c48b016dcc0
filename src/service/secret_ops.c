/* The service's side of sealed secrets: reading and writing temporary-token and named-token
 * secrets through the master keyring, so that the store only ever sees sealed text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "core/seal.h"
#include "service/secrets.h"
#include "service/service_internal.h"

/* One line on stderr (the server's log) naming the row, never the value: a secret that does not
 * open means a wrong or incomplete key file, or a row changed behind the server's back. */
static void log_unopened(const char *what, const char *id, const char *sealed) {
    uint32_t v = 0;
    tz_error *e = tz_seal_version(sealed, &v);
    tz_err_free(e);
    fprintf(stderr, "tokenzone: cannot open the sealed secret of %s %s (key version %u): the master key "
                    "file lacks that version or the row was tampered with\n", what, id ? id : "?", v);
}

static void free_wiped(char *p) {
    if (!p) return;
    OPENSSL_cleanse(p, strlen(p));
    free(p);
}

tz_error *svc_temp_secret(tz_service_ctx *svc, const tz_subject *s, char secret[TZ_SECRET_HEX_LEN + 1],
                          int64_t *generation) {
    char *sealed = NULL;
    tz_error *e = tz_store_temp_sealed_get(svc->store, s, NULL, &sealed, generation);
    if (e && e->id == TZE_STORE_NOT_FOUND) {
        /* first use: seal a fresh secret; a concurrent first use may win, its value is returned */
        tz_err_free(e);
        char fresh[TZ_SECRET_HEX_LEN + 1];
        char *fresh_sealed = NULL;
        e = tz_store_random_secret(fresh);
        if (!e) e = tz_secrets_seal_temp(svc->keyring, s, fresh, &fresh_sealed);
        OPENSSL_cleanse(fresh, sizeof fresh);
        if (!e) e = tz_store_temp_sealed_get(svc->store, s, fresh_sealed, &sealed, generation);
        free_wiped(fresh_sealed);
    }
    if (!e && (e = tz_secrets_open_temp(svc->keyring, s, sealed, secret)))
        log_unopened("the temporary tokens of", s->id, sealed);
    free_wiped(sealed);
    if (e) OPENSSL_cleanse(secret, TZ_SECRET_HEX_LEN + 1);
    return e;
}

tz_error *svc_temp_bump(tz_service_ctx *svc, const tz_subject *s) {
    char fresh[TZ_SECRET_HEX_LEN + 1];
    char *sealed = NULL;
    tz_error *e = tz_store_random_secret(fresh);
    if (!e) e = tz_secrets_seal_temp(svc->keyring, s, fresh, &sealed);
    OPENSSL_cleanse(fresh, sizeof fresh);
    if (!e) e = tz_store_temp_sealed_bump(svc->store, s, sealed);
    free_wiped(sealed);
    return e;
}

tz_error *svc_temp_open(tz_service_ctx *svc, const tz_subject *s, const char *sealed,
                        char secret[TZ_SECRET_HEX_LEN + 1]) {
    tz_error *e = tz_secrets_open_temp(svc->keyring, s, sealed, secret);
    if (e) log_unopened("the temporary tokens of", s->id, sealed);
    return e;
}

tz_error *svc_named_secret(tz_service_ctx *svc, const tz_named_token_rec *rec, char secret[TZ_SECRET_HEX_LEN + 1]) {
    if (!rec->secret) return tz_err_new(TZE_INTERNAL);
    tz_error *e = tz_secrets_open_named(svc->keyring, rec->id, rec->secret, secret);
    if (e) log_unopened("named token", rec->id, rec->secret);
    return e;
}
