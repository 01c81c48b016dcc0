/* `tokenzone admin client ...`: the introspection clients of /oauth2/introspect and
 * /oauth2/revoke. A secret is printed once, when it is made; only its hash is stored. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/admin_internal.h"
#include "service/oauth.h"

/* Prints {"clientId", "clientSecret"} and wipes the rendering. */
static int print_credentials(const admin_cmd *cmd, const char *id, const char *secret) {
    json_t *out = json_pack("{s:s,s:s}", "clientId", id, "clientSecret", secret);
    char *text = out ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    if (!text) return admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
    printf("%s\n", text);
    fflush(stdout);
    OPENSSL_cleanse(text, strlen(text));
    free(text);
    return ADMIN_EXIT_OK;
}

static int client_create(const admin_cmd *cmd) {
    bool allow_revoke = false;
    const admin_opt opts[] = {{"allow-revoke", NULL, &allow_revoke}};
    admin_args a;
    int rc = admin_parse(cmd, opts, 1, 1, 1, &a);
    if (rc != -1) return rc;
    if ((rc = admin_check_name(cmd, "name", a.pos[0])) != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    char id[TZ_ID_HEX_LEN + 1], secret[TZ_OAUTH_SECRET_LEN + 1];
    tz_error *err = tz_oauth_client_create(s, a.pos[0], allow_revoke, (int64_t)time(NULL), id, secret);
    tz_store_close(s);
    if (err) return admin_fail(cmd, err, "cannot register the client");
    rc = print_credentials(cmd, id, secret);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

static int client_rotate(const admin_cmd *cmd) {
    admin_args a;
    int rc = admin_parse(cmd, NULL, 0, 1, 1, &a);
    if (rc != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    char secret[TZ_OAUTH_SECRET_LEN + 1];
    tz_error *err = tz_oauth_client_rotate(s, a.pos[0], secret);
    tz_store_close(s);
    if (err) return admin_fail(cmd, err, "client '%s'", a.pos[0]);
    rc = print_credentials(cmd, a.pos[0], secret);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

static int client_delete(const admin_cmd *cmd) {
    admin_args a;
    int rc = admin_parse(cmd, NULL, 0, 1, 1, &a);
    if (rc != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    tz_error *err = tz_store_client_delete(s, a.pos[0]);
    tz_store_close(s);
    return err ? admin_fail(cmd, err, "client '%s'", a.pos[0]) : ADMIN_EXIT_OK;
}

static int client_list(const admin_cmd *cmd) {
    admin_args a;
    int rc = admin_parse(cmd, NULL, 0, 0, 0, &a);
    if (rc != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    tz_oauth_client_rec *v = NULL;
    size_t n = 0;
    tz_error *err = tz_store_client_list(s, &v, &n);
    tz_store_close(s);
    if (err) return admin_fail(cmd, err, "cannot list the clients");
    json_t *arr = json_array();
    bool ok = arr != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = json_array_append_new(arr, json_pack("{s:s,s:s,s:b,s:I}", "clientId", v[i].id, "name", v[i].name,
                                                  "allowRevoke", v[i].allow_revoke, "creationTime",
                                                  (json_int_t)v[i].creation_time)) == 0;
    tz_oauth_client_recs_free(v, n);
    char *text = ok ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    if (!text) return admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
    printf("%s\n", text);
    free(text);
    return ADMIN_EXIT_OK;
}

int admin_cmd_client(const char *data_dir, int argc, char **argv) {
    admin_cmd cmd = {data_dir, "client", argc - 1, argv + 1};
    const char *sub = argc > 0 ? argv[0] : NULL;
    if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        admin_help(sub ? stdout : stderr, "client");
        return sub ? ADMIN_EXIT_OK : ADMIN_EXIT_USAGE;
    }
    static const struct {
        const char *word, *name;
        int (*fn)(const admin_cmd *);
    } subs[] = {
        {"create", "client create", client_create},
        {"list", "client list", client_list},
        {"delete", "client delete", client_delete},
        {"rotate-secret", "client rotate-secret", client_rotate},
    };
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(sub, subs[i].word) == 0) {
            cmd.name = subs[i].name;
            return subs[i].fn(&cmd);
        }
    }
    return admin_usage(&cmd, "unknown command '%s'", sub);
}
