/* POST /providers: registering a Oneprovider with a registerOneprovider invite (invites.md §E.2).
 * Anyone may call it, even without credentials. The provider, its cluster (with the invite's
 * target user as admin), its named "root token" and the invite's usage are written in one store
 * transaction. */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/authz.h"
#include "service/invite_ops.h"
#include "service/privileges.h"
#include "service/secrets.h"
#include "service/service_internal.h"
#include "service/token_create.h"

#define ROOT_TOKEN_NAME "root token"
#define MAX_FIELD_LEN 1024

typedef struct reg_body {
    tz_token *token;
    const char *name, *admin_email, *domain, *subdomain;
    bool delegation;
} reg_body;

/* A required or optional non-empty string field. */
static tz_error *string_field(const json_t *body, const char *key, bool required, const char **out) {
    const json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v) return required ? tz_err_key(TZE_MISSING_REQUIRED_VALUE, key) : NULL;
    if (!json_is_string(v)) return tz_err_key(TZE_BAD_VALUE_STRING, key);
    if (json_string_length(v) == 0) return tz_err_key(TZE_BAD_VALUE_EMPTY, key);
    if (json_string_length(v) > MAX_FIELD_LEN || strlen(json_string_value(v)) != json_string_length(v))
        return tz_err_key(TZE_BAD_DATA, key);
    *out = json_string_value(v);
    return NULL;
}

/* Lowercase letters, digits and inner hyphens, 1-63 characters: one DNS label. */
static bool dns_label(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-') return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-')) return false;
    return true;
}

static tz_error *coordinate(const json_t *body, const char *key, double limit) {
    const json_t *v = json_object_get(body, key);
    if (!v) return NULL;
    if (!json_is_number(v) || json_number_value(v) < -limit || json_number_value(v) > limit)
        return tz_err_key(TZE_BAD_DATA, key);
    return NULL;
}

static tz_error *ip_list(const json_t *body) {
    const json_t *v = json_object_get(body, "ipList");
    if (!v) return tz_err_key(TZE_MISSING_REQUIRED_VALUE, "ipList");
    if (!json_is_array(v)) return tz_err_key(TZE_BAD_VALUE_IPV4_ADDRESS, "ipList");
    for (size_t i = 0; i < json_array_size(v); i++) {
        const char *ip = json_string_value(json_array_get(v, i));
        struct in_addr a;
        if (!ip || inet_pton(AF_INET, ip, &a) != 1) return tz_err_key(TZE_BAD_VALUE_IPV4_ADDRESS, "ipList");
    }
    return NULL;
}

/* Required keys in Onezone's (sorted) order, then the delegation-dependent ones, then optional. */
static tz_error *validate(tz_service_ctx *svc, const json_t *body, reg_body *b) {
    tz_error *e = val_body_object(body);
    if (e) return e;
    if ((e = string_field(body, "adminEmail", true, &b->admin_email))) return e;
    if ((e = string_field(body, "name", true, &b->name))) return e;
    const json_t *d = json_object_get(body, "subdomainDelegation");
    if (!d) return tz_err_key(TZE_MISSING_REQUIRED_VALUE, "subdomainDelegation");
    if (!json_is_boolean(d)) return tz_err_key(TZE_BAD_VALUE_BOOLEAN, "subdomainDelegation");
    b->delegation = json_is_true(d);
    bool present;
    if ((e = val_token(svc, body, "token", true, false, &present, &b->token))) return e;
    if ((e = svc_expect_invite(b->token, TZ_INV_REGISTER_ONEPROVIDER))) return e;
    if (b->delegation) {
        if ((e = string_field(body, "subdomain", true, &b->subdomain))) return e;
        if (!dns_label(b->subdomain)) return tz_err_key(TZE_BAD_DATA, "subdomain");
        if ((e = ip_list(body))) return e;
    } else if ((e = string_field(body, "domain", true, &b->domain))) {
        return e;
    }
    if ((e = coordinate(body, "latitude", 90))) return e;
    return coordinate(body, "longitude", 180);
}

/* The issuer may still invite: the invite names the issuer itself as admin (registration policy
 * open), or the issuer holds oz_providers_invite. */
static tz_error *issuer_allowed(tz_service_ctx *svc, const tz_subject *issuer, const char *admin) {
    if (issuer->kind != TZ_SUBJ_USER) return tz_err_new(TZE_INVITE_SUBJECT_NOT_AUTHORIZED);
    if (!strcmp(issuer->id, admin)) return NULL;
    bool ok = false;
    tz_error *e = tz_store_user_has_oz_privilege(svc->store, issuer->id, "oz_providers_invite", &ok);
    if (e) return e;
    return ok ? NULL : tz_err_new(TZE_INVITE_SUBJECT_NOT_AUTHORIZED);
}

static tz_error *register_provider(tz_service_ctx *svc, const reg_body *b, const char *admin,
                                   const char *invite_id, char id[TZ_ID_HEX_LEN + 1], char **root) {
    char token_id[TZ_ID_HEX_LEN + 1], secret[TZ_SECRET_HEX_LEN + 1] = "";
    char *domain = NULL, metadata[96], *tmpl = NULL, *sealed = NULL;
    tz_error *e = tz_store_random_id(id);
    if (!e) e = tz_store_random_id(token_id);
    if (!e) e = tz_store_random_secret(secret);
    tz_subject subject = {TZ_SUBJ_PROVIDER, TZ_PSUB_NONE, id};
    tz_token_type access = {TZ_TT_ACCESS, NULL, TZ_INV__COUNT, NULL};
    if (!e) e = mint_token_template(svc, &subject, true, 0, &access, token_id, secret, NULL, 0, root, &tmpl);
    /* the store gets the root token's secret sealed and its template, never a usable value */
    if (!e) e = tz_secrets_seal_named(svc->keyring, token_id, secret, &sealed);
    if (!e && b->delegation && asprintf(&domain, "%s.%s", b->subdomain, svc->domain) < 0) {
        domain = NULL;
        e = tz_err_new(TZE_INTERNAL);
    }
    if (!e) {
        int64_t now = svc_now(svc);
        snprintf(metadata, sizeof metadata, "{\"creationTime\":%lld,\"custom\":{}}", (long long)now);
        tz_provider_rec p = {id, (char *)b->name, domain ? domain : (char *)b->domain, now};
        tz_named_token_rec rec = {
            .id = token_id, .name = ROOT_TOKEN_NAME, .subject = subject, .token = tmpl,
            .secret = sealed, .metadata_json = metadata, .revoked = false,
        };
        tz_priv_list all = tz_privileges_all(TZ_PRIV_CLUSTER);
        tz_dir_outcome outcome;
        e = tz_store_provider_register_invited(svc->store, &p, b->delegation ? b->subdomain : NULL,
                                               b->admin_email, admin, all.names, all.n, &rec,
                                               invite_id, &outcome);
        const char *key = e && e->id == TZE_STORE_CONFLICT
                              ? json_string_value(json_object_get(e->details, "key")) : NULL;
        if (key && !strcmp(key, "subdomain")) {
            tz_err_free(e);
            e = tz_err_key(TZE_BAD_VALUE_IDENTIFIER_OCCUPIED, "subdomain");
        }
        /* a missing end is the invite's admin user, gone since it was issued */
        tz_dir_join none = {TZ_DIR_USER, admin, TZ_DIR_CLUSTER, id, NULL, 0, 0, NULL, NULL, TZ_DIR_USER,
                            NULL, NULL, NULL, 0};
        if (!e) e = svc_join_outcome_error(outcome, &none, admin);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    free(tmpl);
    free(sealed);
    free(domain);
    return e;
}

void op_register_provider(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    tz_gri gri = {"provider", NULL, "instance", "private"};
    reg_body b = {0};
    tz_subject issuer = {0};
    char id[TZ_ID_HEX_LEN + 1] = "", *root = NULL;
    tz_error *e = authz_check(svc, c, TZ_API_CREATE, &gri, true); /* anyone, within API caveats */
    if (!e) e = validate(svc, r->body, &b);
    if (!e) e = svc_verify_invite_for(svc, c, r, b.token, &issuer);
    if (!e) e = issuer_allowed(svc, &issuer, b.token->type.target_id);
    if (!e) e = register_provider(svc, &b, b.token->type.target_id, b.token->named ? b.token->id : NULL, id, &root);
    if (e) tz_response_error(resp, e);
    else
        resp_json(resp, 200, json_pack("{s:s,s:s,s:s}", "providerId", id, "providerRootToken", root,
                                       "macaroon", root));
    free(root);
    tz_subject_clear(&issuer);
    tz_token_free(b.token);
}
