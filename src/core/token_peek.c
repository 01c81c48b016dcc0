/* The type of a serialized token from its first bytes only: the identifier packet comes right
 * after the location, so decoding a few hundred characters is enough to read it. Used where only
 * the type is wanted (observation facts of a stored named token), not for verification. */
#include <stdlib.h>
#include <string.h>
#include "core/codec.h"
#include "core/token.h"
#include "core/token_internal.h"

#define PEEK_CHARS 768u

static int hex_digit(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The value of the packet with `key` among the first two packets of buf; false if absent or cut. */
static bool find_identifier(const uint8_t *buf, size_t len, const uint8_t **val, size_t *vlen) {
    size_t pos = 0;
    for (int n = 0; n < 2 && pos + 4 <= len; n++) {
        size_t plen = 0;
        for (size_t i = 0; i < 4; i++) {
            int d = hex_digit(buf[pos + i]);
            if (d < 0) return false;
            plen = plen * 16 + (size_t)d;
        }
        if (plen < 7 || plen > len - pos) return false;
        const uint8_t *content = buf + pos + 4;
        size_t clen = plen - 5;
        const uint8_t *sp = memchr(content, ' ', clen);
        if (!sp) return false;
        size_t klen = (size_t)(sp - content);
        if (klen == 10 && memcmp(content, "identifier", 10) == 0) {
            *val = sp + 1;
            *vlen = clen - klen - 1;
            return true;
        }
        if (!(klen == 8 && memcmp(content, "location", 8) == 0)) return false;
        pos += plen;
    }
    return false;
}

bool tz_token_peek_type(const char *in, size_t len, tz_type_kind *kind) {
    if (len >= 4 && in[3] == '-') {
        in += 4;
        len -= 4;
    }
    bool cut = len > PEEK_CHARS;
    if (cut) len = PEEK_CHARS;
    char b64[PEEK_CHARS];
    uint8_t raw[PEEK_CHARS];
    size_t b64_len, raw_len;
    tz_error *e = tz_base62_unescape(in, len, b64, &b64_len);
    if (e) {
        tz_err_free(e);
        return false;
    }
    /* a cut may split an escape (`0` + digit) or a base64 group: keep whole groups only */
    if (cut && b64_len && in[len - 1] == '0') b64_len--;
    if (cut) b64_len -= b64_len % 4;
    if ((e = tz_b64url_decode(b64, b64_len, raw, &raw_len))) {
        tz_err_free(e);
        return false;
    }
    const uint8_t *id;
    size_t id_len;
    if (!find_identifier(raw, raw_len, &id, &id_len)) return false;
    tz_token t;
    memset(&t, 0, sizeof t);
    if ((e = tz_identifier_parse((const char *)id, id_len, &t))) {
        tz_err_free(e);
        return false;
    }
    *kind = t.type.kind;
    tz_subject_clear(&t.subject);
    tz_token_type_clear(&t.type);
    free(t.id);
    return true;
}
