/* `tokenzone admin user ...`: create, set-password, grant, revoke, block, unblock, delete, list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/admin_internal.h"
#include "service/password.h"

/* Usernames travel in Basic credentials "username:password": no colon, no blanks. */
static int check_username(const admin_cmd *cmd, const char *username) {
    int rc = admin_check_name(cmd, "username", username);
    if (rc != -1) return rc;
    if (strpbrk(username, ": \t"))
        return admin_fail(cmd, tz_err_key(TZE_BAD_DATA, "username"),
                          "the username must not contain ':' or blanks");
    return -1;
}

static int user_create(const admin_cmd *cmd) {
    const char *password = NULL, *password_file = NULL, *full_name = NULL;
    bool no_password = false, no_basic_auth = false;
    const admin_opt opts[] = {
        {"password", &password, NULL},      {"password-file", &password_file, NULL},
        {"full-name", &full_name, NULL},    {"no-password", NULL, &no_password},
        {"no-basic-auth", NULL, &no_basic_auth},
    };
    admin_args a;
    int rc = admin_parse(cmd, opts, sizeof opts / sizeof opts[0], 1, 1, &a);
    if (rc != -1) return rc;
    const char *username = a.pos[0];
    if (no_password && (password || password_file))
        return admin_usage(cmd, "--no-password excludes --password and --password-file");
    if ((rc = check_username(cmd, username)) != -1) return rc;
    if (full_name && (rc = admin_check_name(cmd, "full name", full_name)) != -1) return rc;

    char *pw = NULL, *hash = NULL;
    size_t pw_len = 0;
    if (!no_password) {
        if ((rc = admin_read_password(cmd, password, password_file, &pw, &pw_len)) != -1) return rc;
        tz_error *err = tz_password_hash(pw, pw_len, &hash);
        admin_free_secret(pw, pw_len);
        if (err) return admin_fail(cmd, err, "cannot hash the password");
    }
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) {
        admin_free_secret(hash, hash ? strlen(hash) : 0);
        return rc;
    }
    char id[TZ_ID_HEX_LEN + 1];
    tz_error *err = tz_store_random_id(id);
    if (!err) {
        tz_user_rec u = {0};
        u.id = id;
        u.username = (char *)username;
        u.full_name = (char *)(full_name ? full_name : username);
        u.password_hash = hash;
        u.basic_auth_enabled = !no_password && !no_basic_auth;
        u.creation_time = (int64_t)time(NULL);
        err = tz_store_user_create(s, &u);
    }
    admin_free_secret(hash, hash ? strlen(hash) : 0);
    tz_store_close(s);
    if (err && err->id == TZE_STORE_CONFLICT)
        return admin_fail(cmd, err, "the username '%s' is taken", username);
    if (err) return admin_fail(cmd, err, "cannot create the user");
    printf("%s\n", id);
    return ADMIN_EXIT_OK;
}

static int user_set_password(const admin_cmd *cmd) {
    const char *password = NULL, *password_file = NULL;
    const admin_opt opts[] = {{"password", &password, NULL},
                              {"password-file", &password_file, NULL}};
    admin_args a;
    int rc = admin_parse(cmd, opts, 2, 1, 1, &a);
    if (rc != -1) return rc;
    char *pw = NULL, *hash = NULL;
    size_t pw_len = 0;
    if ((rc = admin_read_password(cmd, password, password_file, &pw, &pw_len)) != -1) return rc;
    tz_error *err = tz_password_hash(pw, pw_len, &hash);
    admin_free_secret(pw, pw_len);
    if (err) return admin_fail(cmd, err, "cannot hash the password");
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) {
        admin_free_secret(hash, strlen(hash));
        return rc;
    }
    err = tz_store_user_set_password(s, a.pos[0], hash);
    admin_free_secret(hash, strlen(hash));
    tz_store_close(s);
    return err ? admin_fail(cmd, err, "user '%s'", a.pos[0]) : ADMIN_EXIT_OK;
}

static int user_privileges(const admin_cmd *cmd, bool grant) {
    admin_args a;
    int rc = admin_parse(cmd, NULL, 0, 2, ADMIN_MAX_POSITIONAL, &a);
    if (rc != -1) return rc;
    /* revoking an unknown name is harmless but almost surely a typo: refuse both ways */
    for (size_t i = 1; i < a.n_pos; i++) {
        if (!tz_privilege_valid(TZ_PRIV_ONEZONE, a.pos[i])) {
            tz_priv_list all = tz_privileges_all(TZ_PRIV_ONEZONE);
            return admin_fail(cmd, tz_err_allowed(TZE_BAD_VALUE_LIST_NOT_ALLOWED, "privileges",
                                                  all.names, all.n),
                              "'%s' is not a Onezone admin privilege", a.pos[i]);
        }
    }
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    tz_error *err = tz_store_user_set_oz_privileges(s, a.pos[0], (const char *const *)&a.pos[1],
                                                    a.n_pos - 1, grant);
    tz_store_close(s);
    return err ? admin_fail(cmd, err, "user '%s'", a.pos[0]) : ADMIN_EXIT_OK;
}

typedef enum simple_op { OP_BLOCK, OP_UNBLOCK, OP_DELETE } simple_op;

static int user_simple(const admin_cmd *cmd, simple_op what) {
    admin_args a;
    int rc = admin_parse(cmd, NULL, 0, 1, 1, &a);
    if (rc != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    tz_error *err;
    if (what == OP_BLOCK) err = tz_store_user_set_blocked(s, a.pos[0], true);
    else if (what == OP_UNBLOCK) err = tz_store_user_set_blocked(s, a.pos[0], false);
    else err = tz_store_user_delete(s, a.pos[0]);
    tz_store_close(s);
    return err ? admin_fail(cmd, err, "user '%s'", a.pos[0]) : ADMIN_EXIT_OK;
}

static json_t *user_json(const tz_user_rec *u) {
    json_t *privs = json_array();
    for (size_t i = 0; privs && i < u->n_oz_privileges; i++)
        json_array_append_new(privs, json_string(u->oz_privileges[i]));
    return json_pack("{s:s,s:s,s:s,s:b,s:b,s:o*}", "id", u->id, "username", u->username,
                     "fullName", u->full_name, "blocked", u->blocked, "basicAuthEnabled",
                     u->basic_auth_enabled, "privileges", privs);
}

static int user_list(const admin_cmd *cmd) {
    admin_args a;
    int rc = admin_parse(cmd, NULL, 0, 0, 0, &a);
    if (rc != -1) return rc;
    tz_store *s;
    if ((rc = admin_open(cmd, &s)) != 0) return rc;
    /* page by page: one page of records in memory at a time, the JSON grows */
    json_t *arr = json_array();
    char *cursor = NULL;
    tz_error *err = NULL;
    do {
        tz_user_rec *users = NULL;
        size_t n = 0;
        char *next = NULL;
        err = tz_store_user_list(s, ADMIN_LIST_PAGE, cursor, &users, &n, &next);
        free(cursor);
        cursor = next;
        for (size_t i = 0; !err && arr && i < n; i++) {
            json_t *u = user_json(&users[i]);
            if (!u || json_array_append_new(arr, u) != 0) {
                json_decref(arr);
                arr = NULL;
            }
        }
        tz_user_recs_free(users, n);
    } while (!err && arr && cursor);
    free(cursor);
    tz_store_close(s);
    if (err) {
        json_decref(arr);
        return admin_fail(cmd, err, "cannot list users");
    }
    char *text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    if (!text) return admin_fail(cmd, tz_err_new(TZE_INTERNAL), "out of memory");
    printf("%s\n", text);
    free(text);
    return ADMIN_EXIT_OK;
}

int admin_cmd_user(const char *data_dir, int argc, char **argv) {
    admin_cmd cmd = {data_dir, "user", argc - 1, argv + 1};
    const char *sub = argc > 0 ? argv[0] : NULL;
    if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        admin_help(sub ? stdout : stderr, "user");
        return sub ? ADMIN_EXIT_OK : ADMIN_EXIT_USAGE;
    }
    static const char *const names[] = {"user create", "user set-password", "user grant",
                                        "user revoke", "user block", "user unblock",
                                        "user delete", "user list"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(names[i] + 5, sub) != 0) continue;
        cmd.name = names[i];
        switch (i) {
        case 0: return user_create(&cmd);
        case 1: return user_set_password(&cmd);
        case 2: return user_privileges(&cmd, true);
        case 3: return user_privileges(&cmd, false);
        case 4: return user_simple(&cmd, OP_BLOCK);
        case 5: return user_simple(&cmd, OP_UNBLOCK);
        case 6: return user_simple(&cmd, OP_DELETE);
        default: return user_list(&cmd);
        }
    }
    return admin_usage(&cmd, "unknown command '%s'", sub);
}
