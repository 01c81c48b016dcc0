/* Onedata's "base62" escaping: makes URL-safe base64 purely alphanumeric by using `0` as an escape
 * character (token-format §3.1). */
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
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        /* The reference only unescapes a `0` that has a successor; a trailing one stays literal. */
        if (in[i] == '0' && i + 1 < len) {
            char d = in[++i];
            if (d < '0' || d > '5') return tz_err_new(TZE_BAD_TOKEN);
            out[o++] = table[d - '0'];
        } else {
            out[o++] = in[i];
        }
    }
    *out_len = o;
    return NULL;
}
