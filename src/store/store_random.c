/* Random ids and secrets for every backend: hex text from OpenSSL's CSPRNG. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include "store/store.h"

static tz_error *random_hex(char *out, size_t nbytes) {
    static const char hex[] = "0123456789abcdef";
    unsigned char buf[64];
    if (nbytes > sizeof buf || RAND_bytes(buf, (int)nbytes) != 1) return tz_err_new(TZE_INTERNAL);
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 15];
    }
    out[2 * nbytes] = '\0';
    OPENSSL_cleanse(buf, sizeof buf);
    return NULL;
}

tz_error *tz_store_random_id(char out[TZ_ID_HEX_LEN + 1]) {
    return random_hex(out, TZ_ID_HEX_LEN / 2);
}

tz_error *tz_store_random_secret(char out[TZ_SECRET_HEX_LEN + 1]) {
    return random_hex(out, TZ_SECRET_HEX_LEN / 2);
}

