/* Authorization helpers shared by the operations. */
#include <string.h>

#include "service/authz.h"

bool authz_is_user(const tz_client *c, const char *id) {
    return c->subject.kind == TZ_SUBJ_USER && (!id || !strcmp(c->subject.id, id));
}

bool authz_is_provider(const tz_client *c, const char *id) {
    return c->subject.kind == TZ_SUBJ_PROVIDER && (!id || !strcmp(c->subject.id, id));
}

tz_error *authz_user_in_cluster(tz_service_ctx *svc, const tz_client *c, const char *cluster_id, const char *priv,
                                bool *out) {
    *out = false;
    if (c->subject.kind != TZ_SUBJ_USER) return NULL;
    return priv ? tz_store_user_has_privilege(svc->store, TZ_ENT_CLUSTER, cluster_id, c->subject.id, priv, out)
                : tz_store_user_is_member(svc->store, TZ_ENT_CLUSTER, cluster_id, c->subject.id, out);
}

tz_error *authz_check(tz_service_ctx *svc, const tz_client *c, tz_api_operation op, const tz_gri *gri,
                      bool resource_ok) {
    if (c->n_caveats) {
        tz_error *e = tz_caveats_check_api(c->caveats, c->n_caveats, TZ_SVC_OZ_WORKER, op, gri);
        if (e) return tz_err_wrap(TZE_UNAUTHORIZED, NULL, e);
    }
    if (resource_ok) return NULL;
    if (c->subject.kind == TZ_SUBJ_USER) {
        bool admin = false;
        tz_error *e = svc_user_is_token_admin(svc, c->subject.id, &admin);
        if (e || admin) return e;
    }
    return tz_err_new(c->subject.kind == TZ_SUBJ_NOBODY ? TZE_UNAUTHORIZED : TZE_FORBIDDEN);
}
