/* `tokenzone admin master-key ...`: the versions of the master key that seals the stored token
 * secrets: status, rotate (new version + reseal), reseal, retire. The keys themselves are never
 * printed; the process is made non-dumpable before any key is read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <jansson.h>

#include "cli/admin_internal.h"
#include "service/master_key.h"
#include "service/secrets.h"

#define BATCH_MAX 10000

int admin_open_keyring(const admin_cmd *cmd, tz_store *s, const char *path, tz_keyring **out) {
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (!path) {
        const char *env = getenv(TZ_MASTER_KEY_ENV);
        if (env && *env) path = env;
    }
    char why[TZ_SECRETS_WHY_MAX], *used = NULL;
    tz_error *e = tz_secrets_open_keyring(s, cmd->data_dir, path, out, &used, why);
    free(used);
    if (e) {
        fprintf(stderr, "tokenzone admin: %s: %s\n", cmd->name, why);
        return admin_fail(cmd, e, "cannot open the master key");
    }
    return -1;
}

/* The key file path the commands work on (same rule as admin_open_keyring). *out malloc'd. */
static char *key_path(const admin_cmd *cmd, const char *path) {
    if (!path) {
        const char *env = getenv(TZ_MASTER_KEY_ENV);
        if (env && *env) path = env;
    }
    char *p = NULL;
    if (path) p = strdup(path);
    else if (!tz_store_location_dir(cmd->data_dir)) p = NULL;   /* shared store: no default */
    else if (asprintf(&p, "%s/%s", tz_store_location_dir(cmd->data_dir), TZ_MASTER_KEY_DEFAULT_NAME) < 0) p = NULL;
    return p;
}

static int parse_batch(const admin_cmd *cmd, const char *text, size_t *batch) {
    *batch = 100;
    if (!text) return -1;
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < 1 || v > BATCH_MAX) return admin_usage(cmd, "--batch wants 1..%d", BATCH_MAX);
    *batch = (size_t)v;
    return -1;
}

/* Prints {"current":V,"versions":[{"version":V,"secrets":N}...],"unknownVersions":N,"plain":N}. */
static int print_status(const admin_cmd *cmd, tz_store *s, tz_keyring *kr) {
    uint32_t v[TZ_MASTER_KEY_MAX_VERSIONS];
    size_t n = tz_keyring_versions(kr, v, TZ_MASTER_KEY_MAX_VERSIONS), counts[TZ_MASTER_KEY_MAX_VERSIONS];
    size_t other = 0, plain = 0;
    tz_error *e = tz_secrets_census(s, kr, v, n, counts, &other, &plain);
    if (e) return admin_fail(cmd, e, "cannot read the stored secrets");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:I,s:I}", "version", (json_int_t)v[i], "secrets", (json_int_t)counts[i]));
    json_t *j = json_pack("{s:I,s:o,s:I,s:I}", "current", (json_int_t)tz_keyring_current(kr), "versions", arr,
                          "unknownVersions", (json_int_t)other, "plain", (json_int_t)plain);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text) return admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
    printf("%s\n", text);
    free(text);
    return ADMIN_EXIT_OK;
}

static int run_reseal(const admin_cmd *cmd, tz_store *s, tz_keyring *kr, size_t batch) {
    size_t resealed = 0, skipped = 0;
    char why[TZ_SECRETS_WHY_MAX];
    tz_error *e = tz_secrets_reseal(s, kr, batch, &resealed, &skipped, why);
    if (e) {
        if (why[0]) fprintf(stderr, "tokenzone admin: %s: %s\n", cmd->name, why);
        return admin_fail(cmd, e, "resealing stopped after %zu secrets", resealed);
    }
    printf("{\"current\":%u,\"resealed\":%zu,\"changedMeanwhile\":%zu}\n", tz_keyring_current(kr), resealed, skipped);
    return ADMIN_EXIT_OK;
}

static int master_key_run(const admin_cmd *cmd, const char *what) {
    const char *file = NULL, *batch_text = NULL;
    const admin_opt opts[] = {{"master-key-file", &file, NULL}, {"batch", &batch_text, NULL}};
    bool retire = strcmp(what, "retire") == 0, with_batch = !retire && strcmp(what, "status") != 0;
    admin_args a;
    int rc = admin_parse(cmd, opts, with_batch ? 2 : 1, retire ? 1 : 0, retire ? 1 : 0, &a);
    if (rc != -1) return rc;
    size_t batch;
    if ((rc = parse_batch(cmd, batch_text, &batch)) != -1) return rc;
    uint32_t retire_version = 0;
    if (retire) {
        char *end;
        unsigned long v = strtoul(a.pos[0], &end, 10);
        if (!*a.pos[0] || *end || v < 1 || v > TZ_SEAL_MAX_VERSION)
            return admin_usage(cmd, "VERSION must be a key version number");
        retire_version = (uint32_t)v;
    }
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    tz_keyring *kr = NULL;
    if ((rc = admin_open_keyring(cmd, s, file, &kr)) != -1) {
        tz_store_close(s);
        return rc;
    }
    char *path = key_path(cmd, file);
    char why[TZ_MASTER_KEY_WHY_MAX] = "";
    if (!path) {
        rc = admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
    } else if (strcmp(what, "status") == 0) {
        rc = print_status(cmd, s, kr);
    } else if (strcmp(what, "reseal") == 0) {
        rc = run_reseal(cmd, s, kr, batch);
    } else if (strcmp(what, "rotate") == 0) {
        uint32_t v = 0;
        tz_error *e = tz_master_key_add_version(path, &v, why);
        if (!e && (!tz_keyring_reload(kr) || tz_keyring_current(kr) != v)) e = tz_err_new(TZE_INTERNAL);
        if (e) {
            fprintf(stderr, "tokenzone admin: %s: %s\n", cmd->name, why[0] ? why : "the new version did not load");
            rc = admin_fail(cmd, e, "cannot add a key version");
        } else {
            rc = run_reseal(cmd, s, kr, batch);
        }
    } else {
        uint32_t v[TZ_MASTER_KEY_MAX_VERSIONS];
        size_t n = tz_keyring_versions(kr, v, TZ_MASTER_KEY_MAX_VERSIONS), counts[TZ_MASTER_KEY_MAX_VERSIONS];
        size_t other = 0, plain = 0, in_use = 0;
        tz_error *e = tz_secrets_census(s, kr, v, n, counts, &other, &plain);
        for (size_t i = 0; !e && i < n; i++)
            if (v[i] == retire_version) in_use = counts[i];
        if (e) {
            rc = admin_fail(cmd, e, "cannot read the stored secrets");
        } else if (retire_version == tz_keyring_current(kr)) {
            fprintf(stderr, "tokenzone admin: %s: version %u is the current one; rotate first\n",
                    cmd->name, retire_version);
            rc = ADMIN_EXIT_FAIL;
        } else if (in_use) {
            fprintf(stderr, "tokenzone admin: %s: %zu stored secrets still use version %u; run "
                            "`tokenzone admin master-key reseal` first\n", cmd->name, in_use, retire_version);
            rc = ADMIN_EXIT_FAIL;
        } else if ((e = tz_master_key_remove_version(path, retire_version, why))) {
            fprintf(stderr, "tokenzone admin: %s: %s\n", cmd->name, why);
            rc = admin_fail(cmd, e, "cannot retire version %u", retire_version);
        } else {
            printf("{\"retired\":%u}\n", retire_version);
            rc = ADMIN_EXIT_OK;
        }
    }
    free(path);
    tz_keyring_free(kr);
    tz_store_close(s);
    return rc;
}

int admin_cmd_master_key(const char *data_dir, int argc, char **argv) {
    admin_cmd cmd = {data_dir, "master-key", argc - 1, argv + 1};
    const char *sub = argc > 0 ? argv[0] : NULL;
    if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        admin_help(sub ? stdout : stderr, "master-key");
        return sub ? ADMIN_EXIT_OK : ADMIN_EXIT_USAGE;
    }
    static const char *const subs[] = {"status", "rotate", "reseal", "retire"};
    static const char *const names[] = {"master-key status", "master-key rotate", "master-key reseal",
                                        "master-key retire"};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(sub, subs[i]) == 0) {
            cmd.name = names[i];
            return master_key_run(&cmd, subs[i]);
        }
    return admin_usage(&cmd, "unknown command '%s'", sub);
}
