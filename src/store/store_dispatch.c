/* The public store functions: each forwards to the open store's backend (store_backend.h), so
 * nothing outside src/store knows which backend runs. Also the common header (logger, redacted
 * location) that every backend's store starts with. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store_backend.h"

#define TZS_LOG_MAX 1024

static void log_stderr(void *ud, const char *msg) {
    (void)ud;
    fprintf(stderr, "tokenzone store: %s\n", msg);
}

bool tzs_header_init(tz_store *s, const tz_store_ops *ops, const char *location,
                     const tz_store_open_opts *opts) {
    s->ops = ops;
    s->log = opts && opts->log ? opts->log : log_stderr;
    s->log_ud = opts && opts->log ? opts->log_ud : NULL;
    s->location = tz_store_location_redacted(location ? location : "");
    return s->location != NULL;
}

void tzs_header_clear(tz_store *s) {
    free(s->location);
    s->location = NULL;
}

void tzs_log(tz_store *s, const char *fmt, ...) {
    char msg[TZS_LOG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (s) s->log(s->log_ud, msg);
    else log_stderr(NULL, msg);
}

void tz_store_set_logger(tz_store *s, void (*log)(void *ud, const char *msg), void *ud) {
    s->log = log ? log : log_stderr;
    s->log_ud = log ? ud : NULL;
}

tz_error *tz_store_open(const char *location, const tz_store_open_opts *opts, tz_store **out) {
    static const tz_store_open_opts defaults;
    *out = NULL;
    if (!location) {
        tzs_log(NULL, "open: no store location");
        return tz_err_new(TZE_INTERNAL);
    }
    if (!opts) opts = &defaults;
    if (opts->pool_size > TZ_STORE_POOL_MAX) {
        tzs_log(NULL, "open: pool size %u is above the limit of %d", opts->pool_size, TZ_STORE_POOL_MAX);
        return tz_err_new(TZE_INTERNAL);
    }
    const char *why = NULL;
    const tz_store_ops *ops = tzs_backend_for(location, &why);
    if (!ops) {
        char *shown = tz_store_location_redacted(location);
        char line[TZS_LOG_MAX];
        snprintf(line, sizeof line, "open %s: %s", shown ? shown : "(store)", why);
        if (opts->log) opts->log(opts->log_ud, line);
        else log_stderr(NULL, line);
        free(shown);
        return tz_err_new(TZE_INTERNAL);
    }
    return ops->open(location, opts, out);
}

void tz_store_close(tz_store *s) {
    if (s) s->ops->close(s);
}

const char *tz_store_backend_name(const tz_store *s) { return s->ops->name; }

tz_error *tzs_unsupported(tz_store *s, const char *op) {
    tzs_log(s, "%s: not provided by the %s backend", op, s->ops->name);
    return tz_err_new(TZE_INTERNAL);
}

tz_error *tz_store_check_integrity(tz_store *s) {
    if (!s->ops->check_integrity) return tzs_unsupported(s, "check_integrity");
    return s->ops->check_integrity(s);
}
tz_error *tz_store_is_empty(tz_store *s, bool *empty) { TZS_DISPATCH(is_empty, empty); }

/* users */
tz_error *tz_store_user_create(tz_store *s, const tz_user_rec *u) { TZS_DISPATCH(user_create, u); }
tz_error *tz_store_user_ensure(tz_store *s, const tz_user_rec *u, bool *created) {
    TZS_DISPATCH(user_ensure, u, created);
}
tz_error *tz_store_user_get(tz_store *s, const char *id, tz_user_rec *out) { TZS_DISPATCH(user_get, id, out); }
tz_error *tz_store_user_get_by_username(tz_store *s, const char *username, tz_user_rec *out) {
    TZS_DISPATCH(user_get_by_username, username, out);
}
tz_error *tz_store_user_set_blocked(tz_store *s, const char *id, bool blocked) {
    TZS_DISPATCH(user_set_blocked, id, blocked);
}
tz_error *tz_store_user_set_password(tz_store *s, const char *id, const char *password_hash) {
    TZS_DISPATCH(user_set_password, id, password_hash);
}
tz_error *tz_store_user_delete(tz_store *s, const char *id) { TZS_DISPATCH(user_delete, id); }
tz_error *tz_store_user_set_oz_privileges(tz_store *s, const char *id, const char *const *privs,
                                          size_t n, bool grant) {
    TZS_DISPATCH(user_set_oz_privileges, id, privs, n, grant);
}
tz_error *tz_store_user_has_oz_privilege(tz_store *s, const char *id, const char *priv, bool *out) {
    TZS_DISPATCH(user_has_oz_privilege, id, priv, out);
}
tz_error *tz_store_user_list(tz_store *s, size_t limit, const char *cursor, tz_user_rec **out,
                             size_t *n, char **next) {
    TZS_DISPATCH(user_list, limit, cursor, out, n, next);
}
tz_error *tz_store_subject_state(tz_store *s, const tz_subject *subject, bool *exists, bool *blocked) {
    TZS_DISPATCH(subject_state, subject, exists, blocked);
}

/* providers */
tz_error *tz_store_provider_create(tz_store *s, const tz_provider_rec *p) { TZS_DISPATCH(provider_create, p); }
tz_error *tz_store_provider_register(tz_store *s, const tz_provider_rec *p, const char *admin_user_id,
                                     const char *const *privs, size_t n,
                                     const tz_named_token_rec *root_token) {
    TZS_DISPATCH(provider_register, p, admin_user_id, privs, n, root_token);
}
tz_error *tz_store_provider_get(tz_store *s, const char *id, tz_provider_rec *out) {
    TZS_DISPATCH(provider_get, id, out);
}
tz_error *tz_store_provider_delete(tz_store *s, const char *id) { TZS_DISPATCH(provider_delete, id); }
tz_error *tz_store_provider_list(tz_store *s, size_t limit, const char *cursor, tz_provider_rec **out,
                                 size_t *n, char **next) {
    TZS_DISPATCH(provider_list, limit, cursor, out, n, next);
}

/* groups, spaces, clusters */
tz_error *tz_store_entity_create(tz_store *s, tz_entity_kind kind, const char *id, const char *name) {
    TZS_DISPATCH(entity_create, kind, id, name);
}
tz_error *tz_store_entity_create_owned(tz_store *s, tz_entity_kind kind, const char *id, const char *name,
                                       const char *owner_user_id, const char *const *privs, size_t n) {
    TZS_DISPATCH(entity_create_owned, kind, id, name, owner_user_id, privs, n);
}
tz_error *tz_store_entity_exists(tz_store *s, tz_entity_kind kind, const char *id, bool *out) {
    TZS_DISPATCH(entity_exists, kind, id, out);
}
tz_error *tz_store_entity_name(tz_store *s, tz_entity_kind kind, const char *id, char **name) {
    TZS_DISPATCH(entity_name, kind, id, name);
}
tz_error *tz_store_entity_list(tz_store *s, tz_entity_kind kind, size_t limit, const char *cursor,
                               tz_entity_rec **out, size_t *n, char **next) {
    TZS_DISPATCH(entity_list, kind, limit, cursor, out, n, next);
}
tz_error *tz_store_member_add_user(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                   const char *user_id, const char *const *privs, size_t n) {
    TZS_DISPATCH(member_add_user, kind, entity_id, user_id, privs, n);
}
tz_error *tz_store_member_add_group(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                    const char *group_id, const char *const *privs, size_t n) {
    TZS_DISPATCH(member_add_group, kind, entity_id, group_id, privs, n);
}
tz_error *tz_store_member_list(tz_store *s, tz_entity_kind kind, const char *entity_id, size_t limit,
                               const char *cursor, tz_member_rec **out, size_t *n, char **next) {
    TZS_DISPATCH(member_list, kind, entity_id, limit, cursor, out, n, next);
}
tz_error *tz_store_user_is_member(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                  const char *user_id, bool *out) {
    TZS_DISPATCH(user_is_member, kind, entity_id, user_id, out);
}
tz_error *tz_store_user_has_privilege(tz_store *s, tz_entity_kind kind, const char *entity_id,
                                      const char *user_id, const char *priv, bool *out) {
    TZS_DISPATCH(user_has_privilege, kind, entity_id, user_id, priv, out);
}
tz_error *tz_store_space_add_support(tz_store *s, const char *space_id, const char *provider_id) {
    TZS_DISPATCH(space_add_support, space_id, provider_id);
}
tz_error *tz_store_provider_supports_user(tz_store *s, const char *provider_id, const char *user_id,
                                          bool *out) {
    TZS_DISPATCH(provider_supports_user, provider_id, user_id, out);
}
tz_error *tz_store_user_spaces(tz_store *s, const char *user_id, char ***ids, size_t *n) {
    TZS_DISPATCH(user_spaces, user_id, ids, n);
}
tz_error *tz_store_space_providers(tz_store *s, const char *space_id, char ***ids, size_t *n) {
    TZS_DISPATCH(space_providers, space_id, ids, n);
}

/* named tokens */
tz_error *tz_store_named_create(tz_store *s, const tz_named_token_rec *r) { TZS_DISPATCH(named_create, r); }
tz_error *tz_store_named_get(tz_store *s, const char *id, tz_named_token_rec *out) {
    TZS_DISPATCH(named_get, id, out);
}
tz_error *tz_store_named_get_by_name(tz_store *s, const tz_subject *subject, const char *name,
                                     tz_named_token_rec *out) {
    TZS_DISPATCH(named_get_by_name, subject, name, out);
}
tz_error *tz_store_named_update(tz_store *s, const char *id, const char *name,
                                const char *metadata_json, int revoked, const char *if_metadata_json) {
    TZS_DISPATCH(named_update, id, name, metadata_json, revoked, if_metadata_json);
}
tz_error *tz_store_named_delete(tz_store *s, const char *id) { TZS_DISPATCH(named_delete, id); }
tz_error *tz_store_named_delete_all(tz_store *s, const tz_subject *subject) {
    TZS_DISPATCH(named_delete_all, subject);
}
tz_error *tz_store_named_list(tz_store *s, const tz_subject *subject, size_t limit,
                              const char *cursor, char ***ids, size_t *n, char **next) {
    TZS_DISPATCH(named_list, subject, limit, cursor, ids, n, next);
}
tz_error *tz_store_named_verify_state(tz_store *s, const char *id, tz_named_token_rec *out,
                                      bool *subject_exists, bool *subject_blocked) {
    TZS_DISPATCH(named_verify_state, id, out, subject_exists, subject_blocked);
}

/* temporary-token secrets */
tz_error *tz_store_temp_secret_get(tz_store *s, const tz_subject *subject,
                                   char secret_out[TZ_SECRET_HEX_LEN + 1], int64_t *generation) {
    TZS_DISPATCH(temp_secret_get, subject, secret_out, generation);
}
tz_error *tz_store_temp_secret_bump(tz_store *s, const tz_subject *subject) {
    TZS_DISPATCH(temp_secret_bump, subject);
}
tz_error *tz_store_temp_verify_state(tz_store *s, const tz_subject *subject,
                                     char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                     bool *has_secret, bool *subject_exists, bool *subject_blocked) {
    TZS_DISPATCH(temp_verify_state, subject, secret_out, generation, has_secret, subject_exists, subject_blocked);
}
tz_error *tz_store_temp_secret_list(tz_store *s, size_t limit, const char *cursor,
                                    tz_temp_secret_rec **out, size_t *n, char **next) {
    TZS_DISPATCH(temp_secret_list, limit, cursor, out, n, next);
}
tz_error *tz_store_temp_secret_put(tz_store *s, const tz_temp_secret_rec *r) {
    TZS_DISPATCH(temp_secret_put, r);
}
