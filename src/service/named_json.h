#ifndef TZ_SERVICE_NAMED_JSON_H
#define TZ_SERVICE_NAMED_JSON_H
#include "service/service_internal.h"

/* {"id","name","subject","type","caveats","metadata","revoked","token"}; *out new reference. */
tz_error *named_token_json(tz_service_ctx *svc, const tz_named_token_rec *rec, json_t **out);

/* Replies 200 {"tokens": [ids]} and frees the ids (or replies with e, taking ownership). */
void resp_id_list(tz_response *resp, tz_error *e, char **ids, size_t n);

#endif
