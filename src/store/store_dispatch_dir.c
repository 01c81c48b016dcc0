/* Dispatchers of the directory and invite-consumption operations (store.h "directory") to the
 * open store's backend. */
#include "store/store_backend.h"

const char *tz_dir_kind_word(tz_dir_kind k) {
    static const char *const words[TZ_DIR__COUNT] = {
        [TZ_DIR_USER] = "user", [TZ_DIR_GROUP] = "group", [TZ_DIR_SPACE] = "space",
        [TZ_DIR_CLUSTER] = "cluster", [TZ_DIR_HARVESTER] = "harvester",
        [TZ_DIR_ATM_INVENTORY] = "atm_inventory", [TZ_DIR_PROVIDER] = "provider",
    };
    return (unsigned)k < TZ_DIR__COUNT ? words[k] : NULL;
}

tz_error *tz_store_dir_create(tz_store *s, tz_dir_kind kind, const char *id, const char *name,
                              const char *owner, const char *const *privs, size_t n) {
    TZS_DISPATCH(dir_create, kind, id, name, owner, privs, n);
}

tz_error *tz_store_dir_entity_name(tz_store *s, tz_dir_kind kind, const char *id, char **name) {
    *name = NULL;
    TZS_DISPATCH(dir_entity_name, kind, id, name);
}

tz_error *tz_store_dir_set_privileges(tz_store *s, tz_dir_kind parent_kind, const char *parent_id,
                                      tz_dir_kind child_kind, const char *child_id,
                                      const char *const *privs, size_t n, bool grant) {
    TZS_DISPATCH(dir_set_privileges, parent_kind, parent_id, child_kind, child_id, privs, n, grant);
}

tz_error *tz_store_dir_user_has(tz_store *s, const char *user_id, tz_dir_kind kind,
                                const char *entity_id, const char *priv, bool *out) {
    *out = false;
    TZS_DISPATCH(dir_user_has, user_id, kind, entity_id, priv, out);
}

tz_error *tz_store_dir_list(tz_store *s, tz_dir_list which, const char *id, tz_dir_kind kind,
                            char ***ids, size_t *n) {
    *ids = NULL;
    *n = 0;
    TZS_DISPATCH(dir_list, which, id, kind, ids, n);
}

tz_error *tz_store_dir_space_supports(tz_store *s, const char *space_id, char ***pids,
                                      int64_t **sizes, size_t *n) {
    *pids = NULL;
    *sizes = NULL;
    *n = 0;
    TZS_DISPATCH(dir_space_supports, space_id, pids, sizes, n);
}

tz_error *tz_store_dir_join(tz_store *s, const tz_dir_join *j, tz_dir_outcome *outcome) {
    *outcome = TZ_DIR_MISSING;
    TZS_DISPATCH(dir_join, j, outcome);
}

tz_error *tz_store_provider_register_invited(tz_store *s, const tz_provider_rec *p,
                                             const char *subdomain, const char *admin_email,
                                             const char *admin_user,
                                             const char *const *admin_privs, size_t n_admin_privs,
                                             const tz_named_token_rec *root, const char *invite_id,
                                             tz_dir_outcome *outcome) {
    *outcome = TZ_DIR_MISSING;
    TZS_DISPATCH(provider_register_invited, p, subdomain, admin_email, admin_user, admin_privs,
             n_admin_privs, root, invite_id, outcome);
}
