/* Effective membership questions the token routes ask (through nested groups). A store failure
 * is an error, never a "no". */
#ifndef TZ_SERVICE_MEMBERSHIP_H
#define TZ_SERVICE_MEMBERSHIP_H
#include <stdbool.h>
#include "service/service_internal.h"

/* Does the provider support a space the user effectively belongs to? */
tz_error *svc_provider_supports_user(tz_service_ctx *svc, const char *provider_id,
                                     const char *user_id, bool *out);
/* Effective membership (priv NULL) or privilege of a user in an entity, or the Onezone privilege
 * oz_priv (NULL = none). */
tz_error *svc_user_has_or_oz(tz_service_ctx *svc, const char *user_id, tz_dir_kind kind,
                             const char *id, const char *priv, const char *oz_priv, bool *out);

#endif
