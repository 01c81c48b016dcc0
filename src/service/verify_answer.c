/* The verify answers ({"subject":..,"ttl":..}) are the most frequent bodies the server writes.
 * Building them as a jansson tree (json_pack, an object per subject, json_delete afterwards) cost
 * more than the rest of the answer's path; the text is short and fixed in shape, so it is written
 * directly. tests/unit/test_verify_answer.c holds it to the tree's rendering. */
#include "service/verify_answer.h"

#include <stdlib.h>
#include <string.h>

static const char *type_name(tz_subject_kind k) {
    switch (k) {
    case TZ_SUBJ_USER: return "user";
    case TZ_SUBJ_GROUP: return "group";
    case TZ_SUBJ_PROVIDER: return "oneprovider";
    default: return "nobody";
    }
}

static bool plain_ascii(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || *s == '"' || *s == '\\') return false;
    return true;
}

/* Decimal text of v into out (room for 20 digits and a sign); returns its length. */
static size_t put_int64(char *out, int64_t v) {
    char digits[24];
    size_t i = sizeof digits;
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[--i] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0) digits[--i] = '-';
    memcpy(out, digits + i, sizeof digits - i);
    return sizeof digits - i;
}

static size_t put(char *out, const char *s, size_t n) {
    memcpy(out, s, n);
    return n;
}

char *svc_verify_answer_text(const tz_subject *s, bool has_ttl, int64_t ttl, size_t *len) {
    *len = 0;
    bool nobody = s->kind == TZ_SUBJ_NOBODY;
    const char *id = s->id ? s->id : "";
    if (!nobody && !plain_ascii(id)) return NULL;
    const char *type = nobody ? "nobody" : type_name(s->kind);
    size_t id_len = nobody ? 0 : strlen(id);
    /* {"subject":{"type":"T","id":"ID"},"ttl":N} : 45 fixed bytes at most, the int at most 20 */
    char *out = malloc(id_len + strlen(type) + 80);
    if (!out) return NULL;
#define PUT_LITERAL(lit) put(out + o, lit, sizeof lit - 1)
    size_t o = 0;
    o += PUT_LITERAL("{\"subject\":{\"type\":\"");
    o += put(out + o, type, strlen(type));
    if (nobody) {
        o += PUT_LITERAL("\",\"id\":null},\"ttl\":");
    } else {
        o += PUT_LITERAL("\",\"id\":\"");
        o += put(out + o, id, id_len);
        o += PUT_LITERAL("\"},\"ttl\":");
    }
    o += has_ttl ? put_int64(out + o, ttl) : PUT_LITERAL("null");
#undef PUT_LITERAL
    out[o++] = '}';
    out[o] = '\0';
    *len = o;
    return out;
}
