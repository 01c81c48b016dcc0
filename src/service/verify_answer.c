/* The verify answers ({"subject":..,"ttl":..}) are the most frequent bodies the server writes.
 * Building them as a jansson tree (json_pack, an object per subject, json_delete afterwards) cost
 * more than the rest of the answer's path; the text is short and fixed in shape, so it is written
 * directly. tests/unit/test_verify_answer.c holds it to the tree's rendering. */
#include "service/verify_answer.h"

#include <inttypes.h>
#include <stdio.h>
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

char *svc_verify_answer_text(const tz_subject *s, bool has_ttl, int64_t ttl, size_t *len) {
    *len = 0;
    bool nobody = s->kind == TZ_SUBJ_NOBODY;
    const char *id = s->id ? s->id : "";
    if (!nobody && !plain_ascii(id)) return NULL;
    char ttl_text[24];
    if (has_ttl) snprintf(ttl_text, sizeof ttl_text, "%" PRId64, ttl);
    else memcpy(ttl_text, "null", 5);
    size_t cap = strlen(id) + 80;
    char *out = malloc(cap);
    if (!out) return NULL;
    int n = nobody ? snprintf(out, cap, "{\"subject\":{\"type\":\"nobody\",\"id\":null},\"ttl\":%s}", ttl_text)
                   : snprintf(out, cap, "{\"subject\":{\"type\":\"%s\",\"id\":\"%s\"},\"ttl\":%s}",
                              type_name(s->kind), id, ttl_text);
    if (n < 0 || (size_t)n >= cap) {
        free(out);
        return NULL;
    }
    *len = (size_t)n;
    return out;
}
