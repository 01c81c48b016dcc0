/* The examine view of a token (POST /tokens/examine, rest-api §6.1). */
#include <string.h>
#include "core/token.h"
#include "core/token_internal.h"

tz_error *tz_token_examine_json(const tz_token *t, json_t **out) {
    *out = NULL;
    json_t *caveats = json_array();
    if (!caveats) return tz_err_new(TZE_INTERNAL);
    /* Onezone parses every caveat for the view, so an unknown one fails the whole request. */
    for (size_t i = 0; i < t->n_caveats; i++) {
        tz_caveat *c;
        tz_error *e = tz_caveat_parse(t->caveats[i].ptr, t->caveats[i].len, &c);
        if (e) {
            json_decref(caveats);
            return e;
        }
        int rc = json_array_append_new(caveats, tz_caveat_to_json(c));
        tz_caveat_free(c);
        if (rc) {
            json_decref(caveats);
            return tz_err_new(TZE_INTERNAL);
        }
    }
    const char *id = t->id ? t->id : "";
    json_t *o = json_object();
    /* json_object_set (not _new) for the array, so it is released exactly once below */
    bool ok = o &&
        !json_object_set_new(o, "onezoneDomain",
                             t->domain ? tz_json_text(t->domain, strlen(t->domain)) : json_null()) &&
        !json_object_set_new(o, "id", tz_json_text(id, strlen(id))) &&
        !json_object_set_new(o, "persistence", json_string(t->named ? "named" : "temporary")) &&
        !json_object_set_new(o, "subject", tz_subject_to_json(&t->subject)) &&
        !json_object_set_new(o, "type", tz_token_type_to_json(&t->type)) &&
        !json_object_set(o, "caveats", caveats);
    json_decref(caveats);
    if (!ok) {
        json_decref(o);
        return tz_err_new(TZE_INTERNAL);
    }
    *out = o;
    return NULL;
}
