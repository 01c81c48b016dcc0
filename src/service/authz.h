/* Authorization of an operation (rest-api §1.1 step 7, §3): the caller's own API caveats, then
 * the resource rule, then the oz_tokens_manage fallback for users. */
#ifndef TZ_SERVICE_AUTHZ_H
#define TZ_SERVICE_AUTHZ_H
#include "service/service_internal.h"

/* Returns NULL when allowed. Errors: 401 unauthorized {authError: tokenCaveatUnverified} when the
 * caller's API caveats forbid the operation; otherwise 401 unauthorized for nobody, 403 forbidden
 * for others, unless `resource_ok` or the caller is a token admin. */
tz_error *authz_check(tz_service_ctx *svc, const tz_client *c, tz_api_operation op, const tz_gri *gri,
                      bool resource_ok);
/* Caller identity helpers. */
bool authz_is_user(const tz_client *c, const char *id);
bool authz_is_provider(const tz_client *c, const char *id);
/* Is the calling user an effective member of `cluster_id` (with `priv`, or any membership if
 * NULL)? *out answers; a store failure is returned, never turned into "no". */
tz_error *authz_user_in_cluster(tz_service_ctx *svc, const tz_client *c, const char *cluster_id, const char *priv,
                                bool *out);

#endif
