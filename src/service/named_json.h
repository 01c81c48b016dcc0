#ifndef TZ_SERVICE_NAMED_JSON_H
#define TZ_SERVICE_NAMED_JSON_H
#include "service/service_internal.h"

/* {"id","name","subject","type","caveats","metadata","revoked","token"}; *out new reference. */
tz_error *named_token_json(tz_service_ctx *svc, const tz_named_token_rec *rec, json_t **out);

#endif
