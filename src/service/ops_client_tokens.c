/* Legacy /user/client_tokens (rest-api §9), which older clients still call:
 *  POST   creates a named access token "access token <ISO time, ':' as '.'> <6 hex>" valid for a
 *         year and replies 200 {"token"};
 *  GET    lists the serialized named access tokens of the user: {"tokens": [...]};
 *  DELETE /user/client_tokens/{token} deletes the user's named token given in serialized form. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <time.h>

#include "service/authz.h"
#include "service/secrets.h"
#include "service/service_internal.h"
#include "service/store_errors.h"
#include "service/token_create.h"

#define CLIENT_TOKEN_TTL (365 * 24 * 3600)

static void create(tz_service_ctx *svc, const tz_client *c, tz_response *resp) {
    unsigned char raw[3];
    char name[96], stamp[32];
    time_t t = (time_t)svc_now(svc);
    struct tm tm;
    if (RAND_bytes(raw, sizeof raw) != 1 || !gmtime_r(&t, &tm) ||
        !strftime(stamp, sizeof stamp, "%Y-%m-%dT%H.%M.%SZ", &tm)) {
        tz_response_error(resp, tz_err_new(TZE_INTERNAL));
        return;
    }
    snprintf(name, sizeof name, "access token %s %02x%02x%02x", stamp, raw[0], raw[1], raw[2]);
    json_t *body = json_pack("{s:s,s:[{s:s,s:I}]}", "name", name, "caveats", "type", "time", "validUntil",
                             (json_int_t)(svc_now(svc) + CLIENT_TOKEN_TTL));
    create_named_token(svc, &c->subject, body, resp);
    json_decref(body);
    if (resp->status != 201) return;
    json_t *token = json_incref(json_object_get(resp->body, "token"));
    json_decref(resp->body);
    free(resp->location);
    resp->location = NULL;
    resp->body = NULL;
    resp_json(resp, 200, json_pack("{s:o}", "token", token));
}

static void list(tz_service_ctx *svc, const tz_client *c, tz_response *resp) {
    char **ids = NULL;
    size_t n = 0;
    tz_error *e = svc_named_list_all(svc->store, &c->subject, &ids, &n);
    json_t *tokens = json_array();
    for (size_t i = 0; !e && i < n; i++) {
        tz_named_token_rec rec = {0};
        e = tz_store_named_get(svc->store, ids[i], &rec);
        if (e && e->id == TZE_STORE_NOT_FOUND) {  /* deleted meanwhile */
            tz_err_free(e);
            e = NULL;
        } else if (!e && rec.token) {
            /* the store keeps a template and the sealed secret: the token is recomputed */
            char secret[TZ_SECRET_HEX_LEN + 1];
            char *serialized = NULL;
            e = svc_named_secret(svc, &rec, secret);
            if (!e) e = tz_token_from_template(rec.token, rec.id, &rec.subject, svc->domain, secret, &serialized);
            OPENSSL_cleanse(secret, sizeof secret);
            tz_token *t = NULL;
            tz_error *pe = e ? NULL : tz_token_deserialize(serialized, strlen(serialized), svc->max_token_size, &t);
            if (!e && !pe && t->type.kind == TZ_TT_ACCESS) json_array_append_new(tokens, json_string(serialized));
            tz_err_free(pe);
            tz_token_free(t);
            if (serialized) OPENSSL_cleanse(serialized, strlen(serialized));
            free(serialized);
        }
        tz_named_token_rec_clear(&rec);
    }
    tz_strv_free(ids, n);
    if (e) {
        json_decref(tokens);
        tz_response_error(resp, e);
    } else {
        resp_json(resp, 200, json_pack("{s:o}", "tokens", tokens));
    }
}

static void delete(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    const char *serialized = r->token_id ? r->token_id : "";
    tz_token *t = NULL;
    tz_error *e = tz_token_deserialize(serialized, strlen(serialized), svc->max_token_size, &t);
    if (e) {
        tz_err_free(e);
        e = tz_err_new(TZE_NOT_FOUND);
    }
    tz_named_token_rec rec = {0};
    if (!e && !t->named) e = tz_err_new(TZE_NOT_FOUND);
    if (!e) e = tz_store_named_get(svc->store, t->id, &rec);
    /* only the user's own token, given exactly as issued */
    if (!e && (rec.subject.kind != TZ_SUBJ_USER || strcmp(rec.subject.id, c->subject.id) != 0))
        e = tz_err_new(TZE_NOT_FOUND);
    if (!e) e = tz_store_named_delete(svc->store, rec.id);
    tz_named_token_rec_clear(&rec);
    tz_token_free(t);
    if (e) tz_response_error(resp, e);
    else resp_no_content(resp);
}

void op_client_tokens(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    const char *uid = c->subject.kind == TZ_SUBJ_USER ? c->subject.id : NULL;
    tz_gri gri = {"user", uid ? uid : "self", "client_tokens", "private"};
    tz_error *e = authz_check(svc, c, r->op == TZ_OP_CLIENT_TOKEN_LIST ? TZ_API_GET
                                      : r->op == TZ_OP_CLIENT_TOKEN_DELETE ? TZ_API_DELETE
                                                                            : TZ_API_CREATE,
                              &gri, true);
    if (!e && c->subject.kind == TZ_SUBJ_NOBODY) e = tz_err_new(TZE_UNAUTHORIZED);
    if (!e && !uid) e = tz_err_new(TZE_FORBIDDEN);
    if (e) {
        tz_response_error(resp, e);
        return;
    }
    switch (r->op) {
    case TZ_OP_CLIENT_TOKEN_CREATE: create(svc, c, resp); break;
    case TZ_OP_CLIENT_TOKEN_LIST: list(svc, c, resp); break;
    case TZ_OP_CLIENT_TOKEN_DELETE: delete(svc, c, r, resp); break;
    default: tz_response_error(resp, tz_err_new(TZE_NOT_SUPPORTED)); break;
    }
}
