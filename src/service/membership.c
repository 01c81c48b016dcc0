/* Effective membership through nested groups, as the authorization of the token routes sees it. */
#include "service/membership.h"

tz_error *svc_provider_supports_user(tz_service_ctx *svc, const char *provider_id,
                                     const char *user_id, bool *out) {
    *out = false;
    char **spaces = NULL;
    size_t n = 0;
    tz_error *e = tz_store_dir_list(svc->store, TZ_DIR_LIST_PROVIDER_SPACES, provider_id,
                                    TZ_DIR_SPACE, &spaces, &n);
    for (size_t i = 0; !e && !*out && i < n; i++)
        e = tz_store_dir_user_has(svc->store, user_id, TZ_DIR_SPACE, spaces[i], NULL, out);
    tz_strv_free(spaces, n);
    if (e) *out = false;
    return e;
}

tz_error *svc_user_has_or_oz(tz_service_ctx *svc, const char *user_id, tz_dir_kind kind,
                             const char *id, const char *priv, const char *oz_priv, bool *out) {
    *out = false;
    tz_error *e = tz_store_dir_user_has(svc->store, user_id, kind, id, priv, out);
    if (e || *out || !oz_priv) return e;
    return tz_store_user_has_oz_privilege(svc->store, user_id, oz_priv, out);
}
