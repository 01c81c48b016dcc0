/* libFuzzer target: opening stored sealed text (src/core/seal.c). The input is split at its first
 * NUL into sealed text and a binding. Whatever the input, opening must fail cleanly unless the
 * text is what sealing produced; and sealing the input's bytes, then opening, must round-trip
 * exactly, while any other binding fails. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/seal.h"

static const uint8_t KEY[TZ_SEAL_KEY_LEN] = "0123456789abcdef0123456789abcdef";
static const uint8_t NONCE[TZ_SEAL_NONCE_LEN] = "nonce-fuzzzz";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 16) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t tlen = strlen(text);
    const char *binding = tlen + 1 < size ? text + tlen + 1 : "named:x";
    uint8_t out[TZ_SEAL_MAX_PLAIN + 1];
    size_t n = 0;
    uint32_t v;
    bool sealed = tz_seal_is_sealed(text);
    tz_error *ver = tz_seal_version(text, &v);
    if (sealed && ver) abort();   /* the shape check implies a readable version */
    tz_err_free(ver);
    tz_error *e = tz_unseal(KEY, text, binding, out, sizeof out, &n);
    if (e && n != 0) abort();
    if (!e && !sealed) abort();
    tz_err_free(e);
    /* round trip of the input's leading bytes */
    size_t plain_len = size < TZ_SEAL_MAX_PLAIN ? size : TZ_SEAL_MAX_PLAIN;
    char *s = NULL;
    if (plain_len > 0 && *binding) {
        e = tz_seal(KEY, 7, NONCE, binding, data, plain_len, &s);
        if (e || !s || !tz_seal_is_sealed(s)) abort();
        e = tz_unseal(KEY, s, binding, out, sizeof out, &n);
        if (e || n != plain_len || memcmp(out, data, n) != 0) abort();
        char other[600];
        size_t bl = strlen(binding);
        if (bl < sizeof other - 2) {
            memcpy(other, binding, bl);
            other[bl] = '!';
            other[bl + 1] = '\0';
            e = tz_unseal(KEY, s, other, out, sizeof out, &n);
            if (!e) abort();
            tz_err_free(e);
        }
        free(s);
    }
    free(text);
    return 0;
}
