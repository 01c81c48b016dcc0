/* The JSON of a stored named token (rest-api §5.4), shared by GET by id and GET by name. */
#include <stdlib.h>
#include <string.h>

#include "service/named_json.h"

tz_error *named_token_json(tz_service_ctx *svc, const tz_named_token_rec *rec, json_t **out) {
    *out = NULL;
    tz_token *t = NULL;
    json_t *examined = NULL;
    tz_error *e = tz_token_deserialize(rec->token, strlen(rec->token), 0, &t);
    (void)svc;
    if (!e) e = tz_token_examine_json(t, &examined);
    tz_token_free(t);
    if (e) {
        tz_err_free(e);
        return tz_err_new(TZE_INTERNAL); /* a stored token that does not parse is a store fault */
    }
    json_t *metadata = json_loads(rec->metadata_json ? rec->metadata_json : "{}", 0, NULL);
    *out = json_pack("{s:s,s:s,s:o,s:O,s:O,s:o,s:b,s:s}", "id", rec->id, "name", rec->name, "subject",
                     tz_subject_to_json(&rec->subject), "type", json_object_get(examined, "type"), "caveats",
                     json_object_get(examined, "caveats"), "metadata", metadata ? metadata : json_object(),
                     "revoked", rec->revoked, "token", rec->token);
    json_decref(examined);
    return *out ? NULL : tz_err_new(TZE_INTERNAL);
}

void resp_id_list(tz_response *resp, tz_error *e, char **ids, size_t n) {
    if (e) {
        tz_strv_free(ids, n);
        tz_response_error(resp, e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) json_array_append_new(list, json_string(ids[i]));
    tz_strv_free(ids, n);
    resp_json(resp, 200, list ? json_pack("{s:o}", "tokens", list) : NULL);
}
