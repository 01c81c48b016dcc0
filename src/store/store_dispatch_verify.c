/* Dispatcher of the combined verification read (store.h named_verify_state_and_get, change 7 of
 * store_backend.h) to the open store's backend. */
#include <string.h>
#include "store/store_backend.h"

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
