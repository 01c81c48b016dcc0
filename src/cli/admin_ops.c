/* Operator commands of `tokenzone admin`: `backup --to FILE`, `audit-hash TOKEN`, and the audit
 * trail of the admin tool's own changes (--audit-log FILE or $TOKENZONE_AUDIT_LOG). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/admin_internal.h"
#include "service/audit.h"

int admin_cmd_backup(const char *data_dir, int argc, char **argv) {
    admin_cmd cmd = {data_dir, "backup", argc, argv};
    const char *to = NULL;
    const admin_opt opts[] = {{"to", &to, NULL}};
    admin_args a;
    int rc = admin_parse(&cmd, opts, 1, 0, 0, &a);
    if (rc != -1) return rc;
    if (!to || !*to) return admin_usage(&cmd, "--to FILE is required");
    tz_store *s;
    if ((rc = admin_open(&cmd, &s)) != 0) return rc;
    if (strcmp(tz_store_backend_name(s), "sqlite") != 0) {
        /* the online copy is SQLite's own; a database server has its own consistent tools */
        fprintf(stderr, "tokenzone admin: backup: the store is a %s database; `admin backup` copies "
                        "SQLite stores only: use pg_dump (see docs/operations.md, \"Backups\")\n",
                tz_store_backend_name(s));
        tz_store_close(s);
        return ADMIN_EXIT_FAIL;
    }
    tz_error *err = tz_store_backup(s, to);
    tz_store_close(s);
    if (err) return admin_fail(&cmd, err, "cannot back up to '%s'", to);
    printf("%s\n", to);
    return ADMIN_EXIT_OK;
}

int admin_cmd_audit_hash(const char *data_dir, int argc, char **argv) {
    admin_cmd cmd = {data_dir, "audit-hash", argc, argv};
    admin_args a;
    int rc = admin_parse(&cmd, NULL, 0, 1, 1, &a);
    if (rc != -1) return rc;
    char path[4096];
    if (!tz_audit_key_path(data_dir, path, sizeof path))
        return admin_usage(&cmd, "--data DIR (or $" TZ_AUDIT_KEY_ENV ") is required");
    unsigned char key[TZ_AUDIT_KEY_LEN];
    tz_error *err = tz_audit_key_load(path, false, key);
    if (err) return admin_fail(&cmd, err, "cannot read the audit key '%s'", path);
    char out[TZ_AUDIT_HMAC_SIZE];
    /* "-" reads the value from stdin, so it need not appear in the process list */
    char line[65536];
    const char *value = a.pos[0];
    size_t len = strlen(value);
    if (strcmp(value, "-") == 0) {
        if (!fgets(line, sizeof line, stdin)) line[0] = '\0';
        len = strcspn(line, "\r\n");
        line[len] = '\0';
        value = line;
    }
    tz_audit_hmac(key, value, len, out);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(line, sizeof line);
    printf("%s\n", out);
    return ADMIN_EXIT_OK;
}

/* The admin commands that change the store (audited). */
static bool is_change(const char *area, const char *sub) {
    static const char *const changes[] = {
        "user create", "user set-password", "user grant", "user revoke", "user block",
        "user unblock", "user delete", "provider create", "provider delete", "cluster add-user",
        "group create", "group add-user", "space create", "space add-user", "space add-group",
        "space support", "cluster add-group", "group add-group", "group grant", "group revoke",
        "space grant", "space revoke", "cluster grant", "cluster revoke", "harvester create",
        "harvester add-user", "harvester add-group", "harvester add-space", "harvester grant",
        "harvester revoke", "atm-inventory create", "atm-inventory add-user",
        "atm-inventory add-group", "atm-inventory grant", "atm-inventory revoke", "client create",
        "client delete", "client rotate-secret",
    };
    if (!sub) return false;
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        size_t n = strlen(area);
        if (!strncmp(changes[i], area, n) && changes[i][n] == ' ' && !strcmp(changes[i] + n + 1, sub))
            return true;
    }
    return false;
}

/* Options of admin commands that take a value (the value is never a target, and may be secret). */
static bool takes_value(const char *opt) {
    static const char *const with_value[] = {"--password", "--password-file", "--full-name", "--admin",
                                             "--domain", "--zone-domain", "--privileges", "--owner", "--to"};
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (!strcmp(opt, with_value[i])) return true;
    return false;
}

int admin_audited(const char *data_dir, const char *audit_log, const char *area, int argc, char **argv,
                  int (*run)(const char *data_dir, const char *area, int argc, char **argv)) {
    const char *sub = argc > 0 ? argv[0] : NULL;
    bool help = false;
    for (int i = 0; i < argc; i++) help |= !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
    if (!audit_log || help || !is_change(area, sub)) return run(data_dir, area, argc, argv);
    /* The trail is opened first: a change is never made when its line cannot be written. */
    char path[4096];
    unsigned char key[TZ_AUDIT_KEY_LEN];
    tz_audit *audit = NULL;
    tz_error *e = tz_audit_key_path(data_dir, path, sizeof path) ? tz_audit_key_load(path, true, key)
                                                                  : tz_err_key(TZE_MISSING_REQUIRED_VALUE, "data");
    if (!e) e = tz_audit_open(audit_log, key, &audit);
    OPENSSL_cleanse(key, sizeof key);
    if (e) {
        tz_err_free(e);
        fprintf(stderr, "tokenzone admin: cannot open the audit log '%s'; nothing changed\n", audit_log);
        return ADMIN_EXIT_FAIL;
    }
    int rc = run(data_dir, area, argc, argv);
    if (rc == ADMIN_EXIT_USAGE) {
        tz_audit_close(audit);
        return rc;
    }
    const char *target = NULL;
    for (int i = 1; i < argc && !target; i++) {
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            if (!strchr(argv[i], '=') && takes_value(argv[i])) i++;
            continue;
        }
        target = argv[i];
    }
    char op[64], actor[32];
    snprintf(op, sizeof op, "admin %s %s", area, sub);
    snprintf(actor, sizeof actor, "uid:%ld", (long)getuid());
    tz_audit_event ev = {
        .event = "change",
        .op = op,
        .actor_type = "admin-tool",
        .actor_id = actor,
        .auth = "local",
        .subject = target,
        .result = rc == ADMIN_EXIT_OK ? "ok" : "failed",
    };
    e = tz_audit_record(audit, &ev);
    tz_audit_close(audit);
    if (e) {
        tz_err_free(e);
        fprintf(stderr, "tokenzone admin: %s %s: the audit line could not be written%s\n", area, sub,
                rc == ADMIN_EXIT_OK ? " (the change was made)" : "");
        return ADMIN_EXIT_FAIL;
    }
    return rc;
}
