/* Online backup of the SQLite store (SQLite's backup API): a consistent copy while other
 * connections, in this process or another, keep reading and writing. Any other backend is
 * TZE_NOT_SUPPORTED (PostgreSQL: pg_dump, docs/operations.md). */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "store/store_internal.h"

#define BACKUP_PATH_MAX 4096

static tz_error *fail(tz_store *s, const char *what, const char *path, const char *why) {
    tzs_log(s, "backup: %s %s: %s", what, path, why);
    return tz_err_new(TZE_INTERNAL);
}

/* fsync of a file or directory by path. */
static bool sync_path(const char *path, bool dir) {
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

tz_error *tz_store_backup(tz_store *s, const char *dest) {
    /* the online copy is SQLite's; other backends have their own tools (pg_dump): refuse before
     * anything is created, with no SQLite helper touching a foreign store */
    if (s->ops != &tzs_sqlite_ops) return tz_err_new(TZE_NOT_SUPPORTED);
    char tmp[BACKUP_PATH_MAX], dir[BACKUP_PATH_MAX];
    if (!dest || !*dest || snprintf(tmp, sizeof tmp, "%s.partial", dest) >= (int)sizeof tmp)
        return tz_err_key(TZE_BAD_DATA, "to");
    struct stat st;
    if (lstat(dest, &st) == 0) {
        tzs_log(s, "backup: %s exists; choose a new file", dest);
        return tz_err_key(TZE_ALREADY_EXISTS, "to");
    }
    /* the copy is created 0600 like the store: it holds every token secret */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return fail(s, "cannot create", tmp, strerror(errno));
    close(fd);
    sqlite3 *out = NULL;
    tz_error *e = NULL;
    if (sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        e = fail(s, "cannot open", tmp, out ? sqlite3_errmsg(out) : "out of memory");
        sqlite3_close(out);
        unlink(tmp);
        return e;
    }
    tzs_conn *c = NULL;
    if ((e = tzs_acquire(s, &c))) {
        sqlite3_close(out);
        unlink(tmp);
        return e;
    }
    /* One step copies every page inside one read transaction: a consistent snapshot. In WAL
     * mode that read does not block writers, who go on while the copy is made. */
    sqlite3_backup *b = sqlite3_backup_init(out, "main", c->db, "main");
    int rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(out);
    if (b) sqlite3_backup_finish(b);
    tzs_release(s, c);
    if (rc != SQLITE_DONE) e = fail(s, "cannot copy the store to", tmp, sqlite3_errstr(rc));
    /* fold the copy's write-ahead log into the file, so that the file alone is the backup */
    if (!e && sqlite3_exec(out, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;", NULL, NULL, NULL) != SQLITE_OK)
        e = fail(s, "cannot finish", tmp, sqlite3_errmsg(out));
    if (sqlite3_close(out) != SQLITE_OK && !e) e = fail(s, "cannot close", tmp, "busy");
    if (!e && !sync_path(tmp, false)) e = fail(s, "cannot sync", tmp, strerror(errno));
    if (!e && rename(tmp, dest) != 0) e = fail(s, "cannot rename to", dest, strerror(errno));
    if (e) {
        unlink(tmp);
        return e;
    }
    snprintf(dir, sizeof dir, "%s", dest);
    char *slash = strrchr(dir, '/');
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    if (!sync_path(dir, true)) return fail(s, "cannot sync directory", dir, strerror(errno));
    return NULL;
}
