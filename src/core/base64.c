/* URL-safe base64 without padding (token-format §3.2): strict on output, lenient on input the way
 * the reference decoder is (both alphabets, optional padding). */
#include "core/codec.h"

static const char enc_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t tz_b64url_encoded_len(size_t n) {
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

void tz_b64url_encode(const uint8_t *in, size_t n, char *out) {
    size_t i = 0, o = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = enc_alphabet[v >> 18];
        out[o++] = enc_alphabet[(v >> 12) & 63];
        out[o++] = enc_alphabet[(v >> 6) & 63];
        out[o++] = enc_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = enc_alphabet[v >> 18];
        out[o++] = enc_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = enc_alphabet[v >> 18];
        out[o++] = enc_alphabet[(v >> 12) & 63];
        out[o++] = enc_alphabet[(v >> 6) & 63];
    }
}

size_t tz_b64url_decoded_cap(size_t len) {
    return (len / 4 + 1) * 3;
}

#define PAD 64
#define BAD 65

/* 0..63 for either alphabet, PAD for '=', BAD otherwise. */
static int dec_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    if (c == '=') return PAD;
    return BAD;
}

tz_error *tz_b64url_decode(const char *in, size_t len, uint8_t *out, size_t *out_len) {
    /* The reference restores missing padding first, then decodes strictly. */
    size_t missing;
    switch (len % 4) {
    case 0: missing = 0; break;
    case 2: missing = 2; break;
    case 3: missing = 1; break;
    default: return tz_err_new(TZE_BAD_TOKEN);
    }
    size_t total = len + missing, o = 0;
    for (size_t g = 0; g < total; g += 4) {
        int v[4];
        for (size_t k = 0; k < 4; k++) {
            size_t i = g + k;
            v[k] = i < len ? dec_value((unsigned char)in[i]) : PAD;
            if (v[k] == BAD) return tz_err_new(TZE_BAD_TOKEN);
        }
        bool last = g + 4 == total;
        /* Padding only at the end of the last group: "xx==", "xxx=". */
        if (v[0] == PAD || v[1] == PAD) return tz_err_new(TZE_BAD_TOKEN);
        if (v[2] == PAD && (v[3] != PAD || !last)) return tz_err_new(TZE_BAD_TOKEN);
        if (v[3] == PAD && !last) return tz_err_new(TZE_BAD_TOKEN);
        uint32_t bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12;
        out[o++] = (uint8_t)(bits >> 16);
        if (v[2] != PAD) {
            bits |= (uint32_t)v[2] << 6;
            out[o++] = (uint8_t)(bits >> 8);
            if (v[3] != PAD) {
                bits |= (uint32_t)v[3];
                out[o++] = (uint8_t)bits;
            }
        }
    }
    *out_len = o;
    return NULL;
}
