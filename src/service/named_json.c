/* The JSON of a stored named token (rest-api §5.4), shared by GET by id and GET by name. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "service/named_json.h"
#include "service/secrets.h"
#include "service/service_internal.h"

tz_error *named_token_json(tz_service_ctx *svc, const tz_named_token_rec *rec, json_t **out) {
    *out = NULL;
    tz_token *t = NULL;
    json_t *examined = NULL;
    char secret[TZ_SECRET_HEX_LEN + 1];
    char *token = NULL;
    /* the store keeps no token: it is recomputed from the template and the unsealed secret */
    tz_error *e = svc_named_secret(svc, rec, secret);
    if (!e) e = tz_token_from_template(rec->token, rec->id, &rec->subject, svc->domain, secret, &token);
    OPENSSL_cleanse(secret, sizeof secret);
    if (!e) e = tz_token_deserialize(token, strlen(token), 0, &t);
    if (!e) e = tz_token_examine_json(t, &examined);
    tz_token_free(t);
    if (e) {
        if (token) OPENSSL_cleanse(token, strlen(token));
        free(token);
        tz_err_free(e);
        return tz_err_new(TZE_INTERNAL); /* a stored token that does not parse is a store fault */
    }
    json_t *metadata = json_loads(rec->metadata_json ? rec->metadata_json : "{}", 0, NULL);
    *out = json_pack("{s:s,s:s,s:o,s:O,s:O,s:o,s:b,s:s}", "id", rec->id, "name", rec->name, "subject",
                     tz_subject_to_json(&rec->subject), "type", json_object_get(examined, "type"), "caveats",
                     json_object_get(examined, "caveats"), "metadata", metadata ? metadata : json_object(),
                     "revoked", rec->revoked, "token", token);
    json_decref(examined);
    OPENSSL_cleanse(token, strlen(token));
    free(token);
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
