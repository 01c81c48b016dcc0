/* SQLite's integrity check (the check_integrity op of the SQLite backend). */
#include <string.h>
#include "store/store_internal.h"

static const char SQL_INTEGRITY[] = "PRAGMA integrity_check(10)";
static const char SQL_FK_CHECK[] = "PRAGMA foreign_key_check";

tz_error *tzs_sq_check_integrity(tz_store *s) {
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
