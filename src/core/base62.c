/* Onedata's "base62" escaping: makes URL-safe base64 purely alphanumeric by using `0` as an escape
 * character (token-format §3.1). */
#include <string.h>

#include "core/codec.h"

size_t tz_base62_escape(const char *in, size_t len, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char esc;
        switch (in[i]) {
        case '0': esc = '0'; break;
        case '_': esc = '1'; break;
        case '-': esc = '2'; break;
        case '/': esc = '3'; break;
        case '+': esc = '4'; break;
        case '=': esc = '5'; break;
        default: out[o++] = in[i]; continue;
        }
        out[o++] = '0';
        out[o++] = esc;
    }
    return o;
}

tz_error *tz_base62_unescape(const char *in, size_t len, char *out, size_t *out_len) {
    static const char table[] = "0_-/+="; /* indexed by the digit after the escape `0` */
    size_t o = 0, i = 0;
    while (i < len) {
        /* copy the run up to the next escape in one go: this is on every verification */
        const char *zero = memchr(in + i, '0', len - i);
        size_t run = zero ? (size_t)(zero - (in + i)) : len - i;
        memcpy(out + o, in + i, run);
        o += run;
        i += run;
        if (i == len) break;
        /* The reference only unescapes a `0` that has a successor; a trailing one stays literal. */
        if (i + 1 == len) {
            out[o++] = '0';
            break;
        }
        char d = in[i + 1];
        if (d < '0' || d > '5') return tz_err_new(TZE_BAD_TOKEN);
        out[o++] = table[d - '0'];
        i += 2;
    }
    *out_len = o;
    return NULL;
}
