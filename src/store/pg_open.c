/* The PostgreSQL backend: opening (pool settings, schema migration), closing, the integrity and
 * emptiness checks, and the table of operations (tzs_pg_ops). */
#include <stdlib.h>
#include <string.h>
#include "store/pg_directory.h"
#include "store/pg_internal.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

tz_error *pgs_open(const char *location, const tz_store_open_opts *opts, tz_store **out) {
    static const tz_store_open_opts defaults;
    *out = NULL;
    if (!opts) opts = &defaults;
    pg_store *s = calloc(1, sizeof *s);
    if (!s) return tz_err_new(TZE_INTERNAL);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (!tzs_header_init(&s->base, &tzs_pg_ops, location, opts)) {
        pgs_close(&s->base);
        return tz_err_new(TZE_INTERNAL);
    }
    if (!location || strlen(location) > PGS_URI_MAX || !(s->uri = strdup(location))) {
        pgs_log(s, "open %s: invalid or too long connection URI", s->base.location);
        pgs_close(&s->base);
        return tz_err_new(TZE_INTERNAL);
    }
    s->pool_cap = opts->pool_size ? opts->pool_size : PGS_POOL_DEFAULT;
    s->connect_timeout_ms = opts->connect_timeout_ms ? (int)opts->connect_timeout_ms
                                                     : PGS_CONNECT_TIMEOUT_MS;
    s->statement_timeout_ms = opts->statement_timeout_ms ? (int)opts->statement_timeout_ms
                                                         : PGS_STATEMENT_TIMEOUT_MS;
    tz_error *err = pgs_migrate(s);
    if (err) {
        pgs_close(&s->base);
        return err;
    }
    *out = &s->base;
    return NULL;
}

void pgs_close(tz_store *ts) {
    pg_store *s = (pg_store *)ts;
    if (!s) return;
    /* callers guarantee no operation is in flight: every connection is idle */
    pgs_pool_close(s);
    if (s->uri) {
        memset(s->uri, 0, strlen(s->uri));  /* it may hold a password */
        free(s->uri);
    }
    tzs_header_clear(&s->base);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static const char SQL_CHECK[] =
    "SELECT (SELECT count(*) FROM named_tokens t WHERE (t.subject_kind = 1 AND NOT EXISTS"
    "   (SELECT 1 FROM users u WHERE u.id = t.subject_id)) OR (t.subject_kind = 2 AND NOT EXISTS"
    "   (SELECT 1 FROM providers p WHERE p.id = t.subject_id))),"
    " (SELECT count(*) FROM entities WHERE kind = 'cluster' AND id = 'onezone')";

tz_error *pgs_check_integrity(tz_store *ts) {
    /* PostgreSQL keeps its own files consistent; what can go wrong here is tokenzone's own
     * invariants: tokens of vanished subjects, the built-in cluster missing. */
    pg_store *s = (pg_store *)ts;
    PGresult *r;
    tz_error *err = pgs_query(s, "integrity check", PGS_READ, SQL_CHECK, 0, NULL, &r, NULL);
    if (err) return err;
    int64_t orphans = pgs_int(r, 0, 0), onezone = pgs_int(r, 0, 1);
    PQclear(r);
    if (orphans == 0 && onezone == 1) return NULL;
    if (orphans) pgs_log(s, "integrity check: %lld named tokens of subjects that do not exist",
                         (long long)orphans);
    if (onezone != 1) pgs_log(s, "integrity check: the onezone cluster is missing");
    return tz_err_new(TZE_INTERNAL);
}

static const char SQL_EMPTY[] =
    "SELECT NOT (EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM providers)"
    " OR EXISTS (SELECT 1 FROM entities WHERE kind <> 'cluster' OR id <> 'onezone')"
    " OR EXISTS (SELECT 1 FROM named_tokens) OR EXISTS (SELECT 1 FROM temp_secrets)"
    " OR EXISTS (SELECT 1 FROM oauth_clients) OR EXISTS (SELECT 1 FROM dir_entities)"
    " OR EXISTS (SELECT 1 FROM dir_relations))";

tz_error *pgs_is_empty(tz_store *ts, bool *empty) {
    pg_store *s = (pg_store *)ts;
    *empty = false;
    PGresult *r;
    tz_error *err = pgs_query(s, "is_empty", PGS_READ, SQL_EMPTY, 0, NULL, &r, NULL);
    if (err) return err;
    *empty = pgs_bool(r, 0, 0);
    PQclear(r);
    return NULL;
}

const tz_store_ops tzs_pg_ops = {
    .name = "postgresql",
    .open = pgs_open,
    .close = pgs_close,
    .check_integrity = pgs_check_integrity,
    .is_empty = pgs_is_empty,
    .user_create = pgs_user_create,
    .user_ensure = pgs_user_ensure,
    .user_get = pgs_user_get,
    .user_get_by_username = pgs_user_get_by_username,
    .user_set_blocked = pgs_user_set_blocked,
    .user_set_password = pgs_user_set_password,
    .user_delete = pgs_user_delete,
    .user_set_oz_privileges = pgs_user_set_oz_privileges,
    .user_has_oz_privilege = pgs_user_has_oz_privilege,
    .user_list = pgs_user_list,
    .subject_state = pgs_subject_state,
    .provider_create = pgs_provider_create,
    .provider_register = pgs_provider_register,
    .provider_get = pgs_provider_get,
    .provider_delete = pgs_provider_delete,
    .provider_list = pgs_provider_list,
    .entity_create = pgs_entity_create,
    .entity_create_owned = pgs_entity_create_owned,
    .entity_exists = pgs_entity_exists,
    .entity_name = pgs_entity_name,
    .entity_list = pgs_entity_list,
    .member_add_user = pgs_member_add_user,
    .member_add_group = pgs_member_add_group,
    .member_list = pgs_member_list,
    .user_is_member = pgs_user_is_member,
    .user_has_privilege = pgs_user_has_privilege,
    .space_add_support = pgs_space_add_support,
    .provider_supports_user = pgs_provider_supports_user,
    .user_spaces = pgs_user_spaces,
    .space_providers = pgs_space_providers,
    .named_create = pgs_named_create,
    .named_get = pgs_named_get,
    .named_get_by_name = pgs_named_get_by_name,
    .named_update = pgs_named_update,
    .named_delete = pgs_named_delete,
    .named_delete_all = pgs_named_delete_all,
    .named_list = pgs_named_list,
    .named_verify_state = pgs_named_verify_state,
    .temp_secret_get = pgs_temp_secret_get,
    .temp_secret_bump = pgs_temp_secret_bump,
    .temp_verify_state = pgs_temp_verify_state,
    .temp_secret_list = pgs_temp_secret_list,
    .temp_secret_put = pgs_temp_secret_put,
    .dir_create = pgs_dir_create,
    .dir_entity_name = pgs_dir_entity_name,
    .dir_set_privileges = pgs_dir_set_privileges,
    .dir_user_has = pgs_dir_user_has,
    .dir_list = pgs_dir_list,
    .dir_space_supports = pgs_dir_space_supports,
    .dir_join = pgs_dir_join,
    .provider_register_invited = pgs_provider_register_invited,
    .client_create = pgs_client_create,
    .client_get = pgs_client_get,
    .client_list = pgs_client_list,
    .client_set_secret_hash = pgs_client_set_secret_hash,
    .client_delete = pgs_client_delete,
    .secrets_page = pgs_secrets_page,
    .secrets_replace = pgs_secrets_replace,
    .temp_sealed_get = pgs_temp_sealed_get,
    .temp_sealed_bump = pgs_temp_sealed_bump,
    .scrub = pgs_scrub,
    .dir_export = pgs_dir_export,
    .dir_import = pgs_dir_import,
    .named_verify_state_and_get = pgs_named_verify_state_and_get,
    .named_verify_user = pgs_named_verify_user,
    .temp_verify_user = pgs_temp_verify_user,
};
