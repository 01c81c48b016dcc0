/* Dispatchers of the verification reads added after the first version of the interface: with the
 * subject's username (change 6 of store_backend.h) and with a second named token (change 7). */
#include <stdlib.h>
#include <string.h>
#include "store/store_backend.h"

tz_error *tz_store_named_verify_user(tz_store *s, const char *id, tz_named_token_rec *out,
                                     bool *subject_exists, bool *subject_blocked, char **username) {
    *username = NULL;
    TZS_DISPATCH(named_verify_user, id, out, subject_exists, subject_blocked, username);
}

tz_error *tz_store_temp_verify_user(tz_store *s, const tz_subject *subject,
                                    char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                    bool *has_secret, bool *subject_exists, bool *subject_blocked,
                                    char **username) {
    *username = NULL;
    TZS_DISPATCH(temp_verify_user, subject, secret_out, generation, has_secret, subject_exists,
                 subject_blocked, username);
}

tz_error *tz_store_named_verify_state_and_get(tz_store *s, const char *id, tz_named_token_rec *out,
                                              bool *subject_exists, bool *subject_blocked,
                                              const char *other_id, tz_named_token_rec *other,
                                              bool *other_found) {
    memset(out, 0, sizeof *out);
    memset(other, 0, sizeof *other);
    *subject_exists = *subject_blocked = *other_found = false;
    TZS_DISPATCH(named_verify_state_and_get, id, out, subject_exists, subject_blocked, other_id, other,
                 other_found);
}
