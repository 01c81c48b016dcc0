/* Steps shared by every consumption of an invite token (invites.md §E.4): the expected type,
 * verification with the caller as consumer, and what the join grants and re-checks. */
#ifndef TZ_SERVICE_INVITE_OPS_H
#define TZ_SERVICE_INVITE_OPS_H
#include "service/service_internal.h"

/* badValueToken {"key": "token", "tokenError": notAnInviteToken {"expectedInviteType",
 * "received"}} unless t is an invite of `expected`. */
tz_error *svc_expect_invite(const tz_token *t, tz_invite_type expected);

/* Step 1: verifies the invite for the REST interface, the request's peer address and the caller
 * (if not nobody) as consumer. A blocked issuer is inviteTokenSubjectNotAuthorized. *issuer
 * receives the token's subject (caller clears it). */
tz_error *svc_verify_invite_for(tz_service_ctx *svc, const tz_client *c, const tz_request *r,
                                const tz_token *t, tz_subject *issuer);

/* What consuming an invite grants, and what its issuer must still be allowed. */
typedef struct svc_invite_grant {
    tz_dir_kind target_kind;
    char **privs;              /* carried privileges (owned; tz_strv_free) */
    size_t n_privs;
    bool custom;               /* differ from the type's defaults */
    const char *issuer_user;   /* borrowed from the issuer subject; NULL = nothing to re-check */
    const char *need[2];       /* issuer's privileges in the target ... */
    const char *need_oz[2];    /* ... or these Onezone privileges */
    size_t n_need;
} svc_invite_grant;

/* Steps 3/4 preparation: the carried privileges (a named invite's stored ones, a temporary
 * invite's defaults) and the issuer's rights to re-check. */
tz_error *svc_invite_grant_prepare(tz_service_ctx *svc, const tz_token *t, const tz_subject *issuer,
                                   svc_invite_grant *g);
/* Fills the issuer re-check of a join whose target entity is `target`. */
void svc_invite_grant_issuer(const svc_invite_grant *g, const char *target, tz_dir_join *j);
void svc_invite_grant_clear(svc_invite_grant *g);

/* The Onezone error for a join's outcome (NULL for TZ_DIR_DONE): a missing end is
 * inviteTokenTargetIdInvalid {"id": target} (target NULL: notFound), the invite's state
 * tokenInvalid / tokenRevoked / inviteTokenUsageLimitReached, a lost right
 * inviteTokenSubjectNotAuthorized, cannotAddRelationToSelf, and 409 relationAlreadyExists with
 * Onezone's model names as details. */
tz_error *svc_join_outcome_error(tz_dir_outcome outcome, const tz_dir_join *j, const char *target);

#endif
