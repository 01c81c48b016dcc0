/* Dispatchers of the verification reads that also return the subject's username (store.h). */
#include <stdlib.h>
#include "store/store_backend.h"

static tz_error *unsupported(tz_store *s, const char *op) {
    tzs_log(s, "%s: not provided by the %s backend", op, s->ops->name);
    return tz_err_new(TZE_INTERNAL);
}

tz_error *tz_store_named_verify_user(tz_store *s, const char *id, tz_named_token_rec *out,
                                     bool *subject_exists, bool *subject_blocked, char **username) {
    *username = NULL;
    if (!s->ops->named_verify_user) return unsupported(s, "named_verify_user");
    return s->ops->named_verify_user(s, id, out, subject_exists, subject_blocked, username);
}

tz_error *tz_store_temp_verify_user(tz_store *s, const tz_subject *subject,
                                    char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                    bool *has_secret, bool *subject_exists, bool *subject_blocked,
                                    char **username) {
    *username = NULL;
    if (!s->ops->temp_verify_user) return unsupported(s, "temp_verify_user");
    return s->ops->temp_verify_user(s, subject, secret_out, generation, has_secret, subject_exists,
                                    subject_blocked, username);
}
