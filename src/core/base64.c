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

/* Value + 1 of every byte (0 = not base64): 1..64 for either alphabet, 65 for '='. A table
 * because this runs for every byte of every token on the verification path. */
static const uint8_t dec_table[256] = {
    ['+'] = 63, ['-'] = 63, ['/'] = 64, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
    ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['='] = 65, ['A'] = 1, ['B'] = 2,
    ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10,
    ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26,
    ['_'] = 64, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33,
    ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41,
    ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
    ['x'] = 50, ['y'] = 51, ['z'] = 52,
};

/* 0..63 for either alphabet, PAD for '=', BAD otherwise. */
static inline int dec_value(unsigned char c) {
    int v = dec_table[c];
    return v ? v - 1 : BAD;
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
    size_t total = len + missing, o = 0, g = 0;
    /* Fast path for every group but the last: four data characters, no padding possible. */
    for (; g + 4 < total; g += 4) {
        const unsigned char *p = (const unsigned char *)in + g;
        unsigned a = dec_table[p[0]], b = dec_table[p[1]], c = dec_table[p[2]], d = dec_table[p[3]];
        /* each must be 1..64: a zero (not base64) or 65 ('=') fails */
        if ((a - 1u) > 63u || (b - 1u) > 63u || (c - 1u) > 63u || (d - 1u) > 63u) return tz_err_new(TZE_BAD_TOKEN);
        uint32_t bits = (a - 1u) << 18 | (b - 1u) << 12 | (c - 1u) << 6 | (d - 1u);
        out[o++] = (uint8_t)(bits >> 16);
        out[o++] = (uint8_t)(bits >> 8);
        out[o++] = (uint8_t)bits;
    }
    for (; g < total; g += 4) {
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
