/* Subjects (usr-/grp-/prv-/nobody) and service names (token-format §7, §10.7). */
#include "core/subject.h"
#include <stdlib.h>
#include <string.h>
#include "core/token_internal.h"

static const struct {
    tz_subject_kind kind;
    const char *prefix; /* identifier / caveat form */
    const char *json;   /* "type" in the subject JSON */
} kinds[] = {
    {TZ_SUBJ_USER, "usr-", "user"},
    {TZ_SUBJ_GROUP, "grp-", "group"},
    {TZ_SUBJ_PROVIDER, "prv-", "oneprovider"},
};
#define PREFIX_LEN 4u

tz_error *tz_subject_parse(const char *s, size_t len, tz_subject *out) {
    memset(out, 0, sizeof *out);
    /* ids become C strings: an embedded NUL could not be represented faithfully */
    if (memchr(s, 0, len)) return tz_err_new(TZE_BAD_TOKEN);
    if (len == 6 && memcmp(s, "nobody", 6) == 0) {
        out->kind = TZ_SUBJ_NOBODY;
        return NULL;
    }
    if (len < PREFIX_LEN) return tz_err_new(TZE_BAD_TOKEN);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (memcmp(s, kinds[i].prefix, PREFIX_LEN) != 0) continue;
        out->kind = kinds[i].kind;
        out->id = strndup(s + PREFIX_LEN, len - PREFIX_LEN);
        return out->id ? NULL : tz_err_new(TZE_INTERNAL);
    }
    return tz_err_new(TZE_BAD_TOKEN);
}

static const char *kind_prefix(tz_subject_kind k) {
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == k) return kinds[i].prefix;
    return NULL;
}

char *tz_subject_serialize(const tz_subject *s) {
    const char *prefix = kind_prefix(s->kind);
    if (!prefix) return strdup("nobody");
    const char *id = s->id ? s->id : "";
    size_t n = strlen(id);
    char *out = malloc(PREFIX_LEN + n + 1);
    if (!out) return NULL;
    memcpy(out, prefix, PREFIX_LEN);
    memcpy(out + PREFIX_LEN, id, n + 1);
    return out;
}

json_t *tz_subject_to_json(const tz_subject *s) {
    const char *type = "nobody";
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == s->kind) type = kinds[i].json;
    json_t *id = s->kind == TZ_SUBJ_NOBODY ? json_null()
                 : tz_json_text(s->id ? s->id : "", s->id ? strlen(s->id) : 0);
    json_t *o = json_object();
    if (!o || !id) {
        json_decref(o);
        json_decref(id);
        return NULL;
    }
    /* json_object_set_new releases the value even when it fails */
    if (json_object_set_new(o, "type", json_string(type)) || json_object_set_new(o, "id", id)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int tz_subject_copy(tz_subject *dst, const tz_subject *src) {
    dst->kind = src->kind;
    dst->subtype = src->subtype;
    dst->id = NULL;
    if (src->id && !(dst->id = strdup(src->id))) return -1;
    return 0;
}

bool tz_subject_equal(const tz_subject *a, const tz_subject *b) {
    if (a->kind != b->kind) return false;
    if (a->kind == TZ_SUBJ_NOBODY) return true;
    const char *x = a->id ? a->id : "", *y = b->id ? b->id : "";
    return strcmp(x, y) == 0;
}

void tz_subject_clear(tz_subject *s) {
    free(s->id);
    s->id = NULL;
    s->kind = TZ_SUBJ_NOBODY;
    s->subtype = TZ_PSUB_NONE;
}

static const struct {
    const char *short_name, *snake;
} services[] = {
    [TZ_SVC_OZ_WORKER] = {"ozw", "oz_worker"},
    [TZ_SVC_OZ_PANEL] = {"ozp", "oz_panel"},
    [TZ_SVC_OP_WORKER] = {"opw", "op_worker"},
    [TZ_SVC_OP_PANEL] = {"opp", "op_panel"},
};
#define N_SERVICES (sizeof services / sizeof services[0])

const char *tz_service_short_name(tz_service_type t) {
    return (size_t)t < N_SERVICES ? services[t].short_name : NULL;
}

const char *tz_service_snake_name(tz_service_type t) {
    return (size_t)t < N_SERVICES ? services[t].snake : NULL;
}

int tz_service_type_from_short(const char *s, size_t len, tz_service_type *out) {
    if (len != 3) return -1;
    for (size_t i = 0; i < N_SERVICES; i++) {
        if (memcmp(s, services[i].short_name, 3) == 0) {
            *out = (tz_service_type)i;
            return 0;
        }
    }
    return -1;
}

json_t *tz_service_to_json(const tz_service *s) {
    const char *snake = tz_service_snake_name(s->type);
    const char *id = s->id ? s->id : "";
    if (!snake) return NULL;
    json_t *o = json_object(), *jid = tz_json_text(id, strlen(id));
    if (!o || !jid) {
        json_decref(o);
        json_decref(jid);
        return NULL;
    }
    if (json_object_set_new(o, "type", json_string(snake)) || json_object_set_new(o, "id", jid)) {
        json_decref(o);
        return NULL;
    }
    return o;
}
