/* libmacaroons v1 text packets: "HHHH KEY SP VALUE LF", HHHH = total packet length in hex. */
#include "core/macaroon.h"
#include <stdlib.h>
#include <string.h>

#define HEADER 4u

size_t tz_packet_size(size_t key_len, size_t value_len) {
    if (key_len > TZ_PACKET_MAX || value_len > TZ_PACKET_MAX) return 0;
    size_t n = HEADER + key_len + 1 + value_len + 1;
    return n > TZ_PACKET_MAX ? 0 : n;
}

static int hex_digit(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Packet keys, in the only order the parser accepts them. */
enum packet_key { K_LOCATION, K_IDENTIFIER, K_CID, K_VID, K_CL, K_SIGNATURE, K_UNKNOWN };

static enum packet_key classify(const uint8_t *k, size_t n) {
    static const char *const names[] = {"location", "identifier", "cid", "vid", "cl", "signature"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && memcmp(names[i], k, n) == 0) return (enum packet_key)i;
    return K_UNKNOWN;
}

static bool push_caveat(tz_macaroon_view *v, tz_slice s, size_t *cap) {
    if (v->n_caveats == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        tz_slice *p = realloc(v->caveats, ncap * sizeof *p);
        if (!p) return false;
        v->caveats = p;
        *cap = ncap;
    }
    v->caveats[v->n_caveats++] = s;
    return true;
}

tz_error *tz_macaroon_parse(const uint8_t *buf, size_t len, tz_macaroon_view *view) {
    memset(view, 0, sizeof *view);
    size_t cap = 0, pos = 0;
    /* What the previous packet allows next: a state machine over enum packet_key. */
    enum packet_key last = K_UNKNOWN; /* K_UNKNOWN here means "nothing read yet" */
    bool cid_pending_third_party = false;
    while (pos < len) {
        if (len - pos < HEADER) goto bad;
        size_t plen = 0;
        for (size_t i = 0; i < HEADER; i++) {
            int d = hex_digit(buf[pos + i]);
            if (d < 0) goto bad;
            plen = plen * 16 + (size_t)d;
        }
        /* header, at least one key byte, the space, the LF */
        if (plen < HEADER + 3 || plen > len - pos) goto bad;
        const uint8_t *content = buf + pos + HEADER;
        size_t clen = plen - HEADER - 1;
        if (content[clen] != '\n') goto bad;
        const uint8_t *sp = memchr(content, ' ', clen);
        if (!sp || sp == content) goto bad;
        size_t klen = (size_t)(sp - content);
        tz_slice value = {sp + 1, clen - klen - 1};
        enum packet_key key = classify(content, klen);
        switch (key) {
        case K_LOCATION:
            if (last != K_UNKNOWN) goto bad;
            view->has_location = true;
            view->location = value;
            break;
        case K_IDENTIFIER:
            if (last != K_UNKNOWN && last != K_LOCATION) goto bad;
            view->has_identifier = true;
            view->identifier = value;
            break;
        case K_CID:
            if (last != K_IDENTIFIER && last != K_CID && last != K_CL) goto bad;
            if (!push_caveat(view, value, &cap)) {
                tz_macaroon_view_clear(view);
                return tz_err_new(TZE_INTERNAL);
            }
            break;
        case K_VID:
            /* turns the caveat just read into a third-party one */
            if (last != K_CID || cid_pending_third_party) goto bad;
            view->n_caveats--;
            if (!view->has_third_party) {
                view->has_third_party = true;
                view->third_party_at = view->n_caveats;
            }
            cid_pending_third_party = true;
            break;
        case K_CL:
            if (last != K_VID) goto bad;
            cid_pending_third_party = false;
            break;
        case K_SIGNATURE:
            if (last != K_IDENTIFIER && last != K_CID && last != K_CL) goto bad;
            view->has_signature = true;
            view->signature = value;
            break;
        default:
            goto bad;
        }
        last = key;
        pos += plen;
        /* nothing may follow the signature */
        if (key == K_SIGNATURE && pos != len) goto bad;
    }
    if (!view->has_identifier || cid_pending_third_party) goto bad;
    return NULL;
bad:
    tz_macaroon_view_clear(view);
    return tz_err_new(TZE_BAD_TOKEN);
}

void tz_macaroon_view_clear(tz_macaroon_view *view) {
    free(view->caveats);
    memset(view, 0, sizeof *view);
}

static size_t put_packet(uint8_t *out, const char *key, const uint8_t *value, size_t value_len) {
    static const char hex[] = "0123456789abcdef";
    size_t klen = strlen(key), n = tz_packet_size(klen, value_len);
    out[0] = (uint8_t)hex[(n >> 12) & 15];
    out[1] = (uint8_t)hex[(n >> 8) & 15];
    out[2] = (uint8_t)hex[(n >> 4) & 15];
    out[3] = (uint8_t)hex[n & 15];
    memcpy(out + HEADER, key, klen);
    out[HEADER + klen] = ' ';
    if (value_len) memcpy(out + HEADER + klen + 1, value, value_len);
    out[n - 1] = '\n';
    return n;
}

/* Adds one packet's size to *total; false if the packet cannot be framed. */
static bool add_size(size_t *total, size_t key_len, size_t value_len) {
    size_t n = tz_packet_size(key_len, value_len);
    if (!n) return false;
    *total += n;
    return true;
}

tz_error *tz_macaroon_write(const char *location, tz_slice identifier, const tz_raw_caveat *caveats,
                            size_t n_caveats, const uint8_t signature[TZ_SIGNATURE_LEN], tz_bytes *out) {
    size_t total = 0, loc_len = location ? strlen(location) : 0;
    bool ok = (!location || add_size(&total, strlen("location"), loc_len)) &&
              add_size(&total, strlen("identifier"), identifier.len) &&
              add_size(&total, strlen("signature"), TZ_SIGNATURE_LEN);
    for (size_t i = 0; ok && i < n_caveats; i++) ok = add_size(&total, strlen("cid"), caveats[i].len);
    if (!ok) return tz_err_new(TZE_BAD_TOKEN);
    uint8_t *buf = malloc(total + 1);
    if (!buf) return tz_err_new(TZE_INTERNAL);
    size_t o = 0;
    if (location) o += put_packet(buf + o, "location", (const uint8_t *)location, loc_len);
    o += put_packet(buf + o, "identifier", identifier.ptr, identifier.len);
    for (size_t i = 0; i < n_caveats; i++)
        o += put_packet(buf + o, "cid", (const uint8_t *)caveats[i].ptr, caveats[i].len);
    o += put_packet(buf + o, "signature", signature, TZ_SIGNATURE_LEN);
    buf[o] = 0;
    out->ptr = buf;
    out->len = o;
    return NULL;
}
