/* The data directory and the database file: created private (0700 / 0600) whatever the umask,
 * and narrowed if an older file is wider. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "store/store_internal.h"

#define TZS_PATH_MAX 4096

static tz_error *os_fail(const char *what, const char *path) {
    tzs_log(NULL, "%s %s: %s", what, path, strerror(errno));
    return tz_err_new(TZE_INTERNAL);
}

static tz_error *ensure_dir(const char *dir) {
    if (mkdir(dir, 0700) == 0)
        return chmod(dir, 0700) == 0 ? NULL : os_fail("cannot set the mode of", dir);
    if (errno != EEXIST) return os_fail("cannot create directory", dir);
    struct stat st;
    if (stat(dir, &st) != 0) return os_fail("cannot stat", dir);
    if (!S_ISDIR(st.st_mode)) {
        tzs_log(NULL, "%s exists and is not a directory", dir);
        return tz_err_new(TZE_INTERNAL);
    }
    return NULL;
}

/* The database holds secrets: it must never be readable by group or others, whatever the umask.
 * SQLite gives its -wal and -shm files the mode of the database file, so fixing the database file
 * (and any companion left by an older run) is enough. Existing files are handled by path, never
 * opened: closing a descriptor would drop the POSIX locks SQLite holds on it in this process. */
static tz_error *ensure_private_file(const char *path, bool create) {
    if (create) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
            int rc = fchmod(fd, 0600);  /* exactly 0600, even under an unusual umask */
            close(fd);
            return rc == 0 ? NULL : os_fail("cannot set the mode of", path);
        }
        if (errno != EEXIST) return os_fail("cannot create", path);
    }
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (!create && errno == ENOENT) return NULL;
        return os_fail("cannot stat", path);
    }
    if (!S_ISREG(st.st_mode)) {
        tzs_log(NULL, "%s is not a regular file", path);
        return tz_err_new(TZE_INTERNAL);
    }
    if ((st.st_mode & 0777) != 0600 && chmod(path, 0600) != 0)
        return os_fail("cannot restrict the mode of", path);
    return NULL;
}

tz_error *tzs_prepare_files(const char *dir, char **db_path) {
    size_t dlen = strlen(dir);
    if (dlen == 0 || dlen > TZS_PATH_MAX) {
        tzs_log(NULL, "invalid data directory path");
        return tz_err_new(TZE_INTERNAL);
    }
    tz_error *err = ensure_dir(dir);
    if (err) return err;
    size_t cap = dlen + sizeof("/" TZS_DB_FILE "-wal");
    char *path = malloc(cap);
    if (!path) return tz_err_new(TZE_INTERNAL);
    snprintf(path, cap, "%s/%s-wal", dir, TZS_DB_FILE);
    err = ensure_private_file(path, false);
    if (!err) {
        snprintf(path, cap, "%s/%s-shm", dir, TZS_DB_FILE);
        err = ensure_private_file(path, false);
    }
    if (!err) {
        snprintf(path, cap, "%s/%s", dir, TZS_DB_FILE);
        err = ensure_private_file(path, true);
    }
    if (err) {
        free(path);
        return err;
    }
    *db_path = path;
    return NULL;
}
