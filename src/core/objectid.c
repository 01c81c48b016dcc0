/* CDMI object ids of file GUIDs (token-format §13). */
#include "core/objectid.h"

#include <stdlib.h>
#include <string.h>

uint16_t tz_crc16_arc(const uint8_t *data, size_t len) {
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int b = 0; b < 8; b++) crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ 0xA001u) : (uint16_t)(crc >> 1);
    }
    return crc;
}

bool tz_objectid_build(uint32_t enterprise, const uint8_t *payload, size_t payload_len, uint8_t *out) {
    if (payload_len > TZ_OBJECTID_MAX_PAYLOAD) return false;
    out[0] = 0;
    out[1] = (uint8_t)(enterprise >> 16);
    out[2] = (uint8_t)(enterprise >> 8);
    out[3] = (uint8_t)enterprise;
    out[4] = 0;
    out[5] = (uint8_t)payload_len; /* only the low 8 bits fit, as in the reference */
    out[6] = 0;
    out[7] = 0;
    if (payload_len) memcpy(out + TZ_OBJECTID_HEADER_LEN, payload, payload_len);
    uint16_t crc = tz_crc16_arc(out, TZ_OBJECTID_HEADER_LEN + payload_len);
    out[6] = (uint8_t)(crc >> 8);
    out[7] = (uint8_t)crc;
    return true;
}

tz_error *tz_objectid_from_guid_parts(const char *uuid, const char *space_id, char **out) {
    *out = NULL;
    size_t ulen = strlen(uuid), slen = strlen(space_id);
    size_t plen = 5 + ulen + 1 + slen; /* "guid#" UUID "#" SPACE */
    if (plen > TZ_OBJECTID_MAX_PAYLOAD) return tz_err_key(TZE_BAD_DATA, "guid");
    uint8_t bin[TZ_OBJECTID_HEADER_LEN + TZ_OBJECTID_MAX_PAYLOAD];
    uint8_t payload[TZ_OBJECTID_MAX_PAYLOAD];
    memcpy(payload, "guid#", 5);
    memcpy(payload + 5, uuid, ulen);
    payload[5 + ulen] = '#';
    memcpy(payload + 6 + ulen, space_id, slen);
    tz_objectid_build(0, payload, plen, bin);
    size_t n = TZ_OBJECTID_HEADER_LEN + plen;
    char *hex = malloc(2 * n + 1);
    if (!hex) return tz_err_new(TZE_INTERNAL);
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[bin[i] >> 4];
        hex[2 * i + 1] = digits[bin[i] & 15];
    }
    hex[2 * n] = '\0';
    *out = hex;
    return NULL;
}

static int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Whether the payload bytes from index `start` (in bytes, of the hex text) spell `word`. */
static bool hex_field_equals(const char *hex, size_t start, const char *word) {
    for (size_t k = 0; word[k]; k++) {
        int hi = hex_value((unsigned char)hex[2 * (start + k)]), lo = hex_value((unsigned char)hex[2 * (start + k) + 1]);
        if ((hi << 4 | lo) != (unsigned char)word[k]) return false;
    }
    return true;
}

bool tz_objectid_decode(const char *hex, size_t len, uint8_t *out, size_t *payload_len) {
    if (len % 2 != 0 || len < 2 * TZ_OBJECTID_HEADER_LEN) return false;
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_value((unsigned char)hex[i]), lo = hex_value((unsigned char)hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    if (out[0] != 0 || out[4] != 0) return false;
    *payload_len = len / 2 - TZ_OBJECTID_HEADER_LEN;
    return true;
}

bool tz_guid_payload_space(const uint8_t *payload, size_t len, const uint8_t **space, size_t *space_len) {
    /* Split on every '#': exactly 3 fields for "guid", exactly 4 for "shareGuid". */
    size_t starts[5], ends[5], n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || payload[i] == '#') {
            if (n == 5) return false;
            starts[n] = start;
            ends[n] = i;
            n++;
            start = i + 1;
        }
    }
    size_t first = ends[0] - starts[0];
    bool plain = n == 3 && first == 4 && memcmp(payload, "guid", 4) == 0;
    bool share = n == 4 && first == 9 && memcmp(payload, "shareGuid", 9) == 0;
    if (!plain && !share) return false;
    if (ends[2] == starts[2]) return false; /* no space id */
    *space = payload + starts[2];
    *space_len = ends[2] - starts[2];
    return true;
}

bool tz_objectid_space(const char *hex, size_t len, char *space, size_t *space_len) {
    if (len % 2 != 0 || len < 2 * TZ_OBJECTID_HEADER_LEN) return false;
    size_t n = len / 2;
    /* Decode on the fly: validate every digit, then split the payload on '#'. */
    size_t fields = 0, field_start = TZ_OBJECTID_HEADER_LEN;
    size_t space_start = 0, space_end = 0;
    bool plain = false, share = false;
    for (size_t i = 0; i <= n; i++) {
        int b = '#';
        if (i < n) {
            int hi = hex_value((unsigned char)hex[2 * i]), lo = hex_value((unsigned char)hex[2 * i + 1]);
            if (hi < 0 || lo < 0) return false;
            b = hi << 4 | lo;
            if ((i == 0 || i == 4) && b != 0) return false;
            if (i < TZ_OBJECTID_HEADER_LEN) continue;
        }
        if (b != '#') continue;
        size_t flen = i - field_start;
        if (fields == 0) {
            plain = flen == 4 && hex_field_equals(hex, field_start, "guid");
            share = flen == 9 && hex_field_equals(hex, field_start, "shareGuid");
        } else if (fields == 2) {
            space_start = field_start;
            space_end = i;
        }
        fields++;
        field_start = i + 1;
        if (fields > 4) return false;
    }
    if (!((plain && fields == 3) || (share && fields == 4)) || space_end == space_start) return false;
    if (space) {
        for (size_t i = space_start; i < space_end; i++)
            space[i - space_start] = (char)(hex_value((unsigned char)hex[2 * i]) << 4 |
                                            hex_value((unsigned char)hex[2 * i + 1]));
        space[space_end - space_start] = '\0';
    }
    *space_len = space_end - space_start;
    return true;
}
