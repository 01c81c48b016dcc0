/* The verification reads of the SQLite backend: everything a token check needs about its
 * revocation state in one statement, so that a named token and its subject's state (or a
 * subject's state with its temporary-token secret and generation) come from one snapshot. */
#include <string.h>
#include <openssl/crypto.h>
#include "store/store_internal.h"

/* Column 8: NULL when the subject is gone, else 1 = blocked user, 0 = usable. */
#define NAMED_VERIFY_SELECT \
    "SELECT n.id, n.name, n.subject_kind, n.subject_id, n.token, n.secret, n.metadata, n.revoked," \
    " CASE n.subject_kind" \
    "  WHEN 1 THEN (SELECT u.blocked FROM users u WHERE u.id = n.subject_id)" \
    "  WHEN 2 THEN (SELECT 0 FROM providers p WHERE p.id = n.subject_id) END"
/* named_verify_state_and_get: the verification row of ?1 (column 9 = 1) and the plain row of ?2
 * (column 9 = 2) from one statement, i.e. one read transaction. */
static const char SQL_NAMED_VERIFY_AND_GET[] =
    NAMED_VERIFY_SELECT ", 1 FROM named_tokens n WHERE n.id = ?1"
    " UNION ALL SELECT id, name, subject_kind, subject_id, token, secret, metadata, revoked, NULL, 2"
    " FROM named_tokens WHERE id = ?2";

/* The plain verification reads are the reads with the username (store_verify_user.c), the name
 * left unread: one statement to maintain for each. */
tz_error *tzs_sq_named_verify_state(tz_store *s, const char *id, tz_named_token_rec *out,
                                    bool *subject_exists, bool *subject_blocked) {
    return tzs_sq_named_verify_user(s, id, out, subject_exists, subject_blocked, NULL);
}

tz_error *tzs_sq_temp_verify_state(tz_store *s, const tz_subject *subject,
                                   char secret_out[TZ_STORED_SECRET_MAX + 1], int64_t *generation,
                                   bool *has_secret, bool *subject_exists, bool *subject_blocked) {
    return tzs_sq_temp_verify_user(s, subject, secret_out, generation, has_secret, subject_exists,
                                   subject_blocked, NULL);
}

tz_error *tzs_sq_named_verify_state_and_get(tz_store *s, const char *id, tz_named_token_rec *out,
                                            bool *subject_exists, bool *subject_blocked,
                                            const char *other_id, tz_named_token_rec *other,
                                            bool *other_found) {
    memset(out, 0, sizeof *out);
    memset(other, 0, sizeof *other);
    *subject_exists = *subject_blocked = *other_found = false;
    if (!id || !other_id) return tzs_bad_arg(s, "named_verify_state_and_get", "id, other id");
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    bool found = false;
    err = tzs_stmt(s, c, SQL_NAMED_VERIFY_AND_GET, &st);
    if (!err) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, other_id, -1, SQLITE_STATIC);
        int rc = SQLITE_DONE;
        while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            bool first = sqlite3_column_int(st, 9) == 1;
            if ((first && found) || (!first && *other_found)) {
                err = tzs_bad_arg(s, "named_verify_state_and_get", "duplicate row");
            } else if (first) {
                found = true;
                if (!tzs_read_named_row(st, out)) err = tz_err_new(TZE_INTERNAL);
                *subject_exists = sqlite3_column_type(st, 8) != SQLITE_NULL;
                *subject_blocked = *subject_exists && sqlite3_column_int(st, 8) != 0;
            } else {
                *other_found = true;
                if (!tzs_read_named_row(st, other)) err = tz_err_new(TZE_INTERNAL);
            }
        }
        if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "named_verify_state_and_get", rc);
        if (!err && !found) err = tz_err_new(TZE_STORE_NOT_FOUND);
        sqlite3_reset(st);
    }
    tzs_release(s, c);
    if (err) {
        tz_named_token_rec_clear(out);
        tz_named_token_rec_clear(other);
        *subject_exists = *subject_blocked = *other_found = false;
    }
    return err;
}
