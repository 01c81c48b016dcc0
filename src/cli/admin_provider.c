/* `tokenzone admin provider ...`: registering a provider (with its cluster admin and its "root
 * token", as Onezone's provider registration does) and deleting one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include "cli/admin_internal.h"
#include "core/token.h"
#include "service/secrets.h"

#define ROOT_TOKEN_NAME "root token"

/* Mints the provider's named access token (signed with a fresh per-token secret, like every
 * named token the service issues) and registers the provider with its cluster admin and that
 * token in one store transaction: nothing is left behind when any part fails. The store gets the
 * token's secret sealed under the master key and the token's template, never the token.
 * *serialized is malloc'd, owned by the caller. */
static tz_error *register_provider(tz_store *s, tz_keyring *kr, const tz_provider_rec *p,
                                   const char *admin_id, const char *zone_domain, char **serialized) {
    *serialized = NULL;
    char id[TZ_ID_HEX_LEN + 1], secret[TZ_SECRET_HEX_LEN + 1];
    tz_error *err = tz_store_random_id(id);
    if (!err) err = tz_store_random_secret(secret);
    tz_token proto;
    memset(&proto, 0, sizeof proto);
    proto.domain = (char *)zone_domain;
    proto.version = 2;
    proto.named = true;
    proto.subject.kind = TZ_SUBJ_PROVIDER;
    proto.subject.subtype = TZ_PSUB_NONE;
    proto.subject.id = p->id;
    proto.type.kind = TZ_TT_ACCESS;
    proto.id = id;
    tz_token *t = NULL;
    if (!err) err = tz_token_create(&proto, (const uint8_t *)secret, strlen(secret), NULL, 0, &t);
    if (!err) err = tz_token_serialize(t, serialized, NULL);
    /* stored as a template with the secret sealed, like every named token */
    char *tmpl = NULL, *sealed = NULL;
    if (!err && !(tmpl = tz_token_template(t))) err = tz_err_new(TZE_INTERNAL);
    if (!err) err = tz_secrets_seal_named(kr, id, secret, &sealed);
    tz_token_free(t);
    char metadata[96];
    snprintf(metadata, sizeof metadata, "{\"creationTime\":%lld,\"custom\":{}}", (long long)p->creation_time);
    if (!err) {
        tz_named_token_rec rec = {0};
        rec.id = id;
        rec.name = (char *)ROOT_TOKEN_NAME;
        rec.subject = proto.subject;
        rec.token = tmpl;
        rec.secret = sealed;
        rec.metadata_json = metadata;
        tz_priv_list all = tz_privileges_all(TZ_PRIV_CLUSTER);
        err = tz_store_provider_register(s, p, admin_id, all.names, all.n, &rec);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    free(tmpl);
    free(sealed);
    if (err && *serialized) {
        OPENSSL_cleanse(*serialized, strlen(*serialized));
        free(*serialized);
        *serialized = NULL;
    }
    return err;
}

static int provider_create(const admin_cmd *cmd) {
    const char *admin_id = NULL, *domain = NULL, *zone_domain = NULL, *key_file = NULL;
    const admin_opt opts[] = {{"admin", &admin_id, NULL},
                              {"domain", &domain, NULL},
                              {"zone-domain", &zone_domain, NULL},
                              {"master-key-file", &key_file, NULL}};
    admin_args a;
    int rc = admin_parse(cmd, opts, 4, 1, 1, &a);
    if (rc != -1) return rc;
    if (!admin_id) return admin_usage(cmd, "--admin USER_ID is required");
    if (!zone_domain) zone_domain = ADMIN_DEFAULT_ZONE_DOMAIN;
    if ((rc = admin_check_name(cmd, "name", a.pos[0])) != -1) return rc;
    if (domain && (rc = admin_check_name(cmd, "domain", domain)) != -1) return rc;
    if ((rc = admin_check_name(cmd, "zone domain", zone_domain)) != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    if ((rc = admin_require_user(cmd, s, admin_id)) != -1) {
        tz_store_close(s);
        return rc;
    }
    tz_keyring *kr = NULL;
    if ((rc = admin_open_keyring(cmd, s, key_file, &kr)) != -1) {
        tz_store_close(s);
        return rc;
    }
    char id[TZ_ID_HEX_LEN + 1];
    char *root_token = NULL;
    int64_t now = (int64_t)time(NULL);
    tz_error *err = tz_store_random_id(id);
    if (!err) {
        tz_provider_rec p = {id, a.pos[0], (char *)domain, now};
        err = register_provider(s, kr, &p, admin_id, zone_domain, &root_token);
    }
    tz_keyring_free(kr);
    tz_store_close(s);
    if (err) return admin_fail(cmd, err, "cannot register the provider");
    json_t *out = json_pack("{s:s,s:s}", "providerId", id, "rootToken", root_token);
    char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    OPENSSL_cleanse(root_token, strlen(root_token));
    free(root_token);
    if (!text) return admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
    printf("%s\n", text);
    OPENSSL_cleanse(text, strlen(text));
    free(text);
    return ADMIN_EXIT_OK;
}

static int provider_delete(const admin_cmd *cmd) {
    admin_args a;
    int rc = admin_parse(cmd, NULL, 0, 1, 1, &a);
    if (rc != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    tz_error *err = tz_store_provider_delete(s, a.pos[0]);
    tz_store_close(s);
    return err ? admin_fail(cmd, err, "provider '%s'", a.pos[0]) : ADMIN_EXIT_OK;
}

int admin_cmd_provider(const char *data_dir, int argc, char **argv) {
    admin_cmd cmd = {data_dir, "provider", argc - 1, argv + 1};
    const char *sub = argc > 0 ? argv[0] : NULL;
    if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        admin_help(sub ? stdout : stderr, "provider");
        return sub ? ADMIN_EXIT_OK : ADMIN_EXIT_USAGE;
    }
    if (strcmp(sub, "create") == 0) {
        cmd.name = "provider create";
        return provider_create(&cmd);
    }
    if (strcmp(sub, "delete") == 0) {
        cmd.name = "provider delete";
        return provider_delete(&cmd);
    }
    return admin_usage(&cmd, "unknown command '%s'", sub);
}
