/* RFC 7009 revocation. A named token is revoked the way `PATCH revoked=true` does it (reversible);
 * a temporary token cannot be revoked alone (only all of a subject's at once), so it is refused
 * with unsupported_token_type rather than silently revoking its siblings. An unknown, malformed or
 * forged token is answered 200 and changes nothing, as the RFC asks. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include "service/audit.h"
#include "service/oauth.h"
#include "service/service_internal.h"

/* Whether `t` carries a valid signature under the named token's stored secret. Caveats are
 * parsed but not judged: an expired or confined token can still be revoked. */
static bool signature_valid(const tz_token *t, const char *secret) {
    tz_caveat_ctx ctx = {.supported = TZ_CV_ALL, .ignored = TZ_CV_ALL};
    tz_verify_result res;
    tz_error *e = tz_token_verify(t, (const uint8_t *)secret, strlen(secret), &ctx, TZ_SESSION_ANY, NULL, &res);
    if (e) {
        tz_err_free(e);
        return false;
    }
    tz_verify_result_clear(&res);
    return true;
}

/* The audit line of a revocation through /oauth2/revoke: not acknowledged without it. */
static tz_error *audit_revocation(tz_service_ctx *svc, const tz_oauth_caller *caller,
                                  const tz_named_token_rec *rec, const char *token, size_t len) {
    if (!svc->audit) return NULL;
    char hmac[TZ_AUDIT_HMAC_SIZE] = "";
    tz_audit_hash(svc->audit, token, len, hmac);
    char *subject = tz_subject_serialize(&rec->subject);
    tz_audit_event ev = {
        .event = "change",
        .op = "oauth_revoke",
        .actor_type = caller->is_client ? "client" : caller->provider ? "provider" : "user",
        .actor_id = caller->log_id,
        .auth = caller->is_client ? "client_secret" : "token",
        .token_id = rec->id,
        .token_hmac = hmac[0] ? hmac : NULL,
        .subject = subject,
        .persistence = "named",
        .detail = "revoke",
        .result = "ok",
        .status = 200,
    };
    tz_error *e = tz_audit_record(svc->audit, &ev);
    free(subject);
    return e;
}

tz_error *tz_oauth_revoke(tz_service_ctx *svc, const tz_oauth_caller *caller, const char *token,
                          size_t len, tz_revoke_outcome *outcome) {
    *outcome = TZ_REVOKE_DONE;
    tz_token *t = NULL;
    tz_error *e = tz_token_deserialize(token, len, svc->max_token_size, &t);
    if (e) {
        tz_err_free(e);
        return NULL;
    }
    if (!t->named) {
        *outcome = TZ_REVOKE_UNSUPPORTED;
        tz_token_free(t);
        return NULL;
    }
    tz_named_token_rec rec;
    memset(&rec, 0, sizeof rec);
    e = tz_store_named_get(svc->store, t->id, &rec);
    if (e && e->id == TZE_STORE_NOT_FOUND) {
        tz_err_free(e);
        tz_token_free(t);
        return NULL;
    }
    /* the stored secret is sealed: opened here only to check the signature, then wiped */
    char plain[TZ_SECRET_HEX_LEN + 1] = "";
    if (!e) e = svc_named_secret(svc, &rec, plain);
    bool signed_ok = !e && signature_valid(t, plain);
    OPENSSL_cleanse(plain, sizeof plain);
    if (signed_ok) {
        char *owner = tz_subject_serialize(&rec.subject);
        if (!owner) {
            e = tz_err_new(TZE_INTERNAL);
        } else {
            bool own = caller->subject && strcmp(caller->subject, owner) == 0;
            bool allowed = (caller->is_client && caller->allow_revoke) || caller->token_admin || own;
            if (!allowed) *outcome = TZ_REVOKE_NOT_ALLOWED;
            else if (!rec.revoked) {
                e = tz_store_named_update(svc->store, rec.id, NULL, NULL, 1, NULL);
                if (!e) e = audit_revocation(svc, caller, &rec, token, len);
            }
        }
        free(owner);
    }
    tz_named_token_rec_clear(&rec);
    tz_token_free(t);
    return e;
}
