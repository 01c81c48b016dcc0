/* Token verification against the store: the one path shared by request authentication and the
 * verify endpoints (rest-api §2.2 step 4). */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "service/named_prefetch.h"
#include "service/service_internal.h"

/* What one store read says about the token's revocation state. */
typedef struct stored_state {
    tz_subject subject;     /* for legacy tokens the stored record supplies the subject */
    bool subject_exists;
    bool subject_blocked;
} stored_state;

/* Loads the secret the token must be signed with and the subject's state in one store read
 * (no cache: a revocation acknowledged by any node is seen here), applying revocation and
 * generation rules. A store failure is returned as it is, never as "invalid". */
static tz_error *load_secret(tz_service_ctx *svc, const tz_token *t, char secret[TZ_SECRET_HEX_LEN + 1],
                             stored_state *st, char **metadata_out, svc_named_prefetch *prefetch,
                             char **username_out) {
    if (t->named) {
        tz_named_token_rec rec;
        memset(&rec, 0, sizeof rec);
        tz_error *e;
        if (prefetch) {
            /* the token the operation reads comes along in the same store read */
            tz_named_token_rec_clear(&prefetch->rec);
            e = tz_store_named_verify_state_and_get(svc->store, t->id, &rec, &st->subject_exists,
                                                    &st->subject_blocked, prefetch->id, &prefetch->rec,
                                                    &prefetch->found);
            prefetch->done = !e;
        } else if (username_out) {
            e = tz_store_named_verify_user(svc->store, t->id, &rec, &st->subject_exists, &st->subject_blocked,
                                           username_out);
        } else {
            e = tz_store_named_verify_state(svc->store, t->id, &rec, &st->subject_exists, &st->subject_blocked);
        }
        if (e) {
            if (e->id != TZE_STORE_NOT_FOUND) return e;
            tz_err_free(e);
            return tz_err_new(TZE_TOKEN_INVALID);
        }
        if (rec.revoked) e = tz_err_new(TZE_TOKEN_REVOKED);
        else if (t->version >= 2 && !tz_subject_equal(&t->subject, &rec.subject))
            e = tz_err_new(TZE_TOKEN_SUBJECT_INVALID);
        if (!e) e = svc_named_secret(svc, &rec, secret);
        if (!e) {
            if (tz_subject_copy(&st->subject, &rec.subject) != 0) e = tz_err_new(TZE_INTERNAL);
        }
        if (!e && metadata_out) {
            *metadata_out = rec.metadata_json; /* handed over */
            rec.metadata_json = NULL;
        }
        tz_named_token_rec_clear(&rec);
        return e;
    }
    if (t->subject.kind != TZ_SUBJ_USER && t->subject.kind != TZ_SUBJ_PROVIDER) return tz_err_new(TZE_TOKEN_INVALID);
    int64_t generation = 0;
    bool has_secret = false;
    char sealed[TZ_STORED_SECRET_MAX + 1];
    tz_error *e = username_out ? tz_store_temp_verify_user(svc->store, &t->subject, sealed, &generation, &has_secret,
                                                           &st->subject_exists, &st->subject_blocked, username_out)
                               : tz_store_temp_verify_state(svc->store, &t->subject, sealed, &generation, &has_secret,
                                                            &st->subject_exists, &st->subject_blocked);
    /* no secret yet: no temporary token of this subject was ever issued */
    if (!e && !has_secret) e = tz_err_new(TZE_TOKEN_INVALID);
    else if (!e && t->generation < generation) e = tz_err_new(TZE_TOKEN_REVOKED);
    else if (!e && t->generation > generation) e = tz_err_new(TZE_TOKEN_INVALID);
    /* the store holds the secret sealed: it is opened only for a token that is not revoked */
    if (!e) e = svc_temp_open(svc, &t->subject, sealed, secret);
    OPENSSL_cleanse(sealed, sizeof sealed);
    if (!e && tz_subject_copy(&st->subject, &t->subject) != 0) e = tz_err_new(TZE_INTERNAL);
    if (e) OPENSSL_cleanse(secret, TZ_SECRET_HEX_LEN + 1);
    return e;
}

tz_error *svc_verify_token(tz_service_ctx *svc, const tz_token *t, const svc_verify_args *a,
                           tz_subject *subject_out, tz_verify_result *res) {
    memset(subject_out, 0, sizeof *subject_out);
    memset(res, 0, sizeof *res);
    char secret[TZ_SECRET_HEX_LEN + 1];
    stored_state st;
    memset(&st, 0, sizeof st);
    char *metadata = NULL, *username = NULL;
    if (a->named_metadata_out) *a->named_metadata_out = NULL;
    if (a->username_out) *a->username_out = NULL;
    /* the two optional reads are for different callers (authentication of a request that reads a
     * named token; introspection and forward auth): never both */
    if (a->prefetch && a->username_out) return tz_err_new(TZE_INTERNAL);
    tz_error *e = load_secret(svc, t, secret, &st, &metadata, a->prefetch, a->username_out ? &username : NULL);
    if (e) {
        free(metadata);
        free(username);
        tz_subject_clear(&st.subject);
        return e;
    }

    static const tz_service ozw_onezone = {TZ_SVC_OZ_WORKER, "onezone"};
    const tz_service *service = a->service ? a->service : &ozw_onezone;
    svc_group_ud group_ud = {svc, NULL};
    tz_caveat_ctx ctx = {
        .now = svc_now(svc),
        .peer_ip_known = a->peer_ip_known,
        .peer_ip = a->peer_ip,
        .iface = a->iface,
        .service = service,
        .consumer = a->consumer,
        .group_member = svc_group_member_cb,
        .group_ud = &group_ud,
        .geo = &svc->geo_lookup,
        .allow_data_access = a->allow_data_access,
        .scope_identity = a->scope_identity,
        .supported = a->supported,
        .ignored = a->ignored,
    };
    e = tz_token_verify(t, (const uint8_t *)secret, strlen(secret), &ctx, a->session_match, a->session_id, res);
    OPENSSL_cleanse(secret, sizeof secret);
    if (group_ud.failure) {
        /* the store failed while a caveat asked about group membership: not an answer */
        tz_err_free(e);
        e = group_ud.failure;
    }
    if (!e && !st.subject_exists) e = tz_err_new(TZE_TOKEN_SUBJECT_INVALID);
    if (!e && st.subject_blocked) e = tz_err_new(TZE_USER_BLOCKED);
    /* tokenzone keeps no GUI sessions: the session a session-bound token names never exists, so
     * the "session must still belong to the user" check always fails for such tokens. */
    if (!e && t->type.kind == TZ_TT_ACCESS && t->type.session_id) e = tz_err_new(TZE_TOKEN_SESSION_INVALID);
    if (!e && t->type.kind == TZ_TT_ACCESS && a->service) e = svc_check_service_allowed(svc, &st.subject, a->service);
    if (e) {
        free(metadata);
        free(username);
        tz_subject_clear(&st.subject);
        tz_verify_result_clear(res);
        return e;
    }
    if (a->named_metadata_out) *a->named_metadata_out = metadata;
    else free(metadata);
    if (a->username_out) *a->username_out = username;
    st.subject.subtype = t->subject.subtype;
    *subject_out = st.subject;
    return NULL;
}

tz_error *svc_verify_identity_like(tz_service_ctx *svc, const tz_token *t, bool peer_ip_known, uint32_t peer_ip,
                                   tz_interface iface, tz_subject *subject_out) {
    memset(subject_out, 0, sizeof *subject_out);
    bool provider_access = t->type.kind == TZ_TT_ACCESS && !t->type.session_id;
    if (t->type.kind != TZ_TT_IDENTITY && !provider_access)
        return tz_err_new_details(TZE_NOT_AN_IDENTITY_TOKEN, json_pack("{s:o}", "received", tz_token_type_to_json(&t->type)));
    svc_verify_args a = {
        .peer_ip_known = peer_ip_known,
        .peer_ip = peer_ip,
        .iface = iface,
        .scope_identity = provider_access,
        .supported = provider_access ? TZ_CV_SET_ACCESS_LEGACY_IDENTITY : 0,
        .session_match = TZ_SESSION_ANY,
    };
    tz_verify_result res;
    tz_error *e = svc_verify_token(svc, t, &a, subject_out, &res);
    if (e) return e;
    tz_verify_result_clear(&res);
    if (provider_access && subject_out->kind != TZ_SUBJ_PROVIDER) {
        tz_subject_clear(subject_out);
        return tz_err_new_details(TZE_NOT_AN_IDENTITY_TOKEN, json_pack("{s:o}", "received", tz_token_type_to_json(&t->type)));
    }
    if (subject_out->kind == TZ_SUBJ_PROVIDER && subject_out->subtype == TZ_PSUB_NONE)
        subject_out->subtype = TZ_PSUB_OP_WORKER;
    return NULL;
}

tz_error *svc_verify_service_token(tz_service_ctx *svc, const tz_token *t, bool peer_ip_known, uint32_t peer_ip,
                                   tz_interface iface, tz_subject *subject_out, tz_service *service_out) {
    tz_error *e = svc_verify_identity_like(svc, t, peer_ip_known, peer_ip, iface, subject_out);
    if (!e && subject_out->kind != TZ_SUBJ_PROVIDER) e = tz_err_new(TZE_TOKEN_INVALID);
    if (e) return tz_err_wrap(TZE_BAD_SERVICE_TOKEN, NULL, e);
    service_out->type = subject_out->subtype == TZ_PSUB_OP_PANEL ? TZ_SVC_OP_PANEL : TZ_SVC_OP_WORKER;
    service_out->id = subject_out->id;
    return NULL;
}
