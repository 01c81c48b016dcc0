/* Random ids and secrets, and the integrity check. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include "store/store_internal.h"

/* ---------------- random identifiers and secrets ---------------- */

static tz_error *random_hex(char *out, size_t nbytes) {
    static const char hex[] = "0123456789abcdef";
    unsigned char buf[64];
    if (nbytes > sizeof buf || RAND_bytes(buf, (int)nbytes) != 1) return tz_err_new(TZE_INTERNAL);
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 15];
    }
    out[2 * nbytes] = '\0';
    OPENSSL_cleanse(buf, sizeof buf);
    return NULL;
}

tz_error *tz_store_random_id(char out[TZ_ID_HEX_LEN + 1]) {
    return random_hex(out, TZ_ID_HEX_LEN / 2);
}

tz_error *tz_store_random_secret(char out[TZ_SECRET_HEX_LEN + 1]) {
    return random_hex(out, TZ_SECRET_HEX_LEN / 2);
}

/* ---------------- integrity ---------------- */

static const char SQL_INTEGRITY[] = "PRAGMA integrity_check(10)";
static const char SQL_FK_CHECK[] = "PRAGMA foreign_key_check";

tz_error *tz_store_check_integrity(tz_store *s) {
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    sqlite3_stmt *st;
    err = tzs_stmt(s, c, SQL_INTEGRITY, &st);
    bool sound = true;
    while (!err) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            err = tzs_fail(s, c->db, "integrity check", rc);
            break;
        }
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (!line || strcmp(line, "ok") != 0) {
            sound = false;
            tzs_log(s, "integrity check: %s", line ? line : "(no detail)");
        }
    }
    if (!err) err = tzs_stmt(s, c, SQL_FK_CHECK, &st);
    while (!err) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            err = tzs_fail(s, c->db, "foreign key check", rc);
            break;
        }
        sound = false;
        tzs_log(s, "integrity check: dangling reference in table %s",
                (const char *)sqlite3_column_text(st, 0));
    }
    tzs_release(s, c);
    if (!err && !sound) err = tz_err_new(TZE_INTERNAL);
    return err;
}
