/* The audit trail writer and the installation's audit key (audit.h). */
#include "service/audit.h"
#include "store/store.h"
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_LINE_MAX 8192
#define RETRY_AFTER_NS 1000000000LL

struct tz_audit {
    char *path;                   /* NULL for standard output */
    pthread_rwlock_t lock;        /* writers share it; reopen takes it alone */
    int fd;
    bool owns_fd;
    unsigned char key[TZ_AUDIT_KEY_LEN];
    _Atomic long long failed_at;  /* CLOCK_MONOTONIC ns of the last failed write, 0 = none */
};

/* ---------------------------------------------------------------- key */

bool tz_audit_key_path(const char *location, char *out, size_t cap) {
    const char *env = getenv(TZ_AUDIT_KEY_ENV);
    const char *data_dir = location ? tz_store_location_dir(location) : NULL;
    int n;
    if (env && *env) n = snprintf(out, cap, "%s", env);
    else if (data_dir && *data_dir) n = snprintf(out, cap, "%s/%s", data_dir, TZ_AUDIT_KEY_FILE);
    else return false;
    return n > 0 && (size_t)n < cap;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static tz_error *read_key(int fd, const char *path, unsigned char key[TZ_AUDIT_KEY_LEN]) {
    char hex[2 * TZ_AUDIT_KEY_LEN + 2];
    ssize_t n = read(fd, hex, sizeof hex);
    bool ok = n >= 2 * TZ_AUDIT_KEY_LEN;
    for (size_t i = 0; ok && i < TZ_AUDIT_KEY_LEN; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) ok = false;
        else key[i] = (unsigned char)(hi * 16 + lo);
    }
    OPENSSL_cleanse(hex, sizeof hex);
    if (!ok) {
        fprintf(stderr, "tokenzone: audit key %s is not 64 hex digits\n", path);
        return tz_err_new(TZE_INTERNAL);
    }
    return NULL;
}

tz_error *tz_audit_key_load(const char *path, bool create, unsigned char key[TZ_AUDIT_KEY_LEN]) {
    for (int attempt = 0; attempt < 50; attempt++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            tz_error *e = read_key(fd, path, key);
            close(fd);
            /* a file being written by a concurrent creator: read it again shortly */
            if (e && attempt < 49) {
                tz_err_free(e);
                usleep(20000);
                continue;
            }
            return e;
        }
        if (errno != ENOENT) break;
        if (!create) {
            fprintf(stderr, "tokenzone: no audit key at %s (the server creates it with its first "
                            "--audit-log start)\n", path);
            return tz_err_new(TZE_NOT_FOUND);
        }
        /* Created under a temporary name and linked in place: readers never see half a key. */
        char tmp[4096];
        if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp) break;
        unsigned char raw[TZ_AUDIT_KEY_LEN];
        char hex[2 * TZ_AUDIT_KEY_LEN + 1];
        if (RAND_bytes(raw, sizeof raw) != 1) return tz_err_new(TZE_INTERNAL);
        for (size_t i = 0; i < sizeof raw; i++) snprintf(hex + 2 * i, 3, "%02x", raw[i]);
        hex[2 * TZ_AUDIT_KEY_LEN] = '\n';
        int w = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        bool ok = w >= 0 && write(w, hex, sizeof hex) == (ssize_t)sizeof hex && fsync(w) == 0;
        if (w >= 0) close(w);
        OPENSSL_cleanse(hex, sizeof hex);
        OPENSSL_cleanse(raw, sizeof raw);
        if (ok && link(tmp, path) != 0 && errno != EEXIST) ok = false;
        unlink(tmp);
        if (!ok) break;
    }
    fprintf(stderr, "tokenzone: cannot read or create the audit key %s: %s\n", path, strerror(errno));
    return tz_err_new(TZE_INTERNAL);
}

void tz_audit_hmac(const unsigned char key[TZ_AUDIT_KEY_LEN], const char *data, size_t len,
                   char out[TZ_AUDIT_HMAC_SIZE]) {
    unsigned char mac[32];
    unsigned int mlen = 0;
    HMAC(EVP_sha256(), key, TZ_AUDIT_KEY_LEN, (const unsigned char *)data, len, mac, &mlen);
    memcpy(out, "hmac-sha256:", 12);
    for (size_t i = 0; i < 32; i++) snprintf(out + 12 + 2 * i, 3, "%02x", mac[i]);
    out[TZ_AUDIT_HMAC_SIZE - 1] = '\0';
}

void tz_audit_hash(const tz_audit *a, const char *data, size_t len, char out[TZ_AUDIT_HMAC_SIZE]) {
    tz_audit_hmac(a->key, data, len, out);
}

/* ---------------------------------------------------------------- file */

static int open_log(const char *path) {
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

tz_error *tz_audit_open(const char *path, const unsigned char key[TZ_AUDIT_KEY_LEN], tz_audit **out) {
    *out = NULL;
    tz_audit *a = calloc(1, sizeof *a);
    if (!a) return tz_err_new(TZE_INTERNAL);
    memcpy(a->key, key, TZ_AUDIT_KEY_LEN);
    pthread_rwlock_init(&a->lock, NULL);
    if (strcmp(path, "-") == 0) {
        a->fd = STDOUT_FILENO;
    } else {
        a->path = strdup(path);
        a->fd = a->path ? open_log(path) : -1;
        a->owns_fd = true;
        if (a->fd < 0) {
            fprintf(stderr, "tokenzone: cannot open the audit log %s: %s\n", path, strerror(errno));
            tz_audit_close(a);
            return tz_err_new(TZE_SERVICE_UNAVAILABLE);
        }
    }
    *out = a;
    return NULL;
}

void tz_audit_close(tz_audit *a) {
    if (!a) return;
    if (a->owns_fd && a->fd >= 0) close(a->fd);
    pthread_rwlock_destroy(&a->lock);
    OPENSSL_cleanse(a->key, sizeof a->key);
    free(a->path);
    free(a);
}

tz_error *tz_audit_reopen(tz_audit *a) {
    if (!a || !a->path) return NULL;
    int fd = open_log(a->path);
    if (fd < 0) {
        fprintf(stderr, "tokenzone: cannot reopen the audit log %s: %s\n", a->path, strerror(errno));
        return tz_err_new(TZE_SERVICE_UNAVAILABLE);
    }
    pthread_rwlock_wrlock(&a->lock);
    int old = a->fd;
    a->fd = fd;
    pthread_rwlock_unlock(&a->lock);
    close(old);
    atomic_store(&a->failed_at, 0);
    return NULL;
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

bool tz_audit_ready(tz_audit *a) {
    if (!a) return true;
    long long f = atomic_load(&a->failed_at);
    return f == 0 || now_ns() - f >= RETRY_AFTER_NS;
}

/* ---------------------------------------------------------------- lines */

static void set_str(json_t *o, const char *key, const char *v) {
    if (v) json_object_set_new(o, key, json_string(v));
}

static json_t *event_json(const tz_audit_event *ev) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char ts[96];
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(now.tv_nsec / 1000000));
    json_t *o = json_object();
    json_t *actor = json_object();
    json_t *target = json_object();
    if (!o || !actor || !target) {
        json_decref(o);
        json_decref(actor);
        json_decref(target);
        return NULL;
    }
    set_str(o, "time", ts);
    set_str(o, "event", ev->event);
    set_str(o, "op", ev->op);
    set_str(o, "request_id", ev->request_id);
    set_str(actor, "type", ev->actor_type);
    set_str(actor, "id", ev->actor_id);
    set_str(actor, "auth", ev->auth);
    set_str(actor, "credential", ev->credential);
    json_object_set_new(o, "actor", actor);
    set_str(o, "remote_address", ev->remote_address);
    set_str(target, "token_id", ev->token_id);
    set_str(target, "token", ev->token_hmac);
    set_str(target, "subject", ev->subject);
    set_str(target, "type", ev->token_type);
    set_str(target, "persistence", ev->persistence);
    set_str(target, "detail", ev->detail);
    json_object_set_new(o, "target", target);
    set_str(o, "result", ev->result ? ev->result : "ok");
    if (ev->status) json_object_set_new(o, "status", json_integer(ev->status));
    return o;
}

tz_error *tz_audit_record(tz_audit *a, const tz_audit_event *ev) {
    if (!a) return NULL;
    json_t *o = event_json(ev);
    char line[AUDIT_LINE_MAX];
    size_t n = o ? json_dumpb(o, line, sizeof line - 1, JSON_COMPACT) : 0;
    json_decref(o);
    if (n == 0 || n >= sizeof line - 1) {
        fprintf(stderr, "tokenzone: audit line could not be rendered\n");
        return tz_err_new(TZE_INTERNAL);
    }
    line[n++] = '\n';
    pthread_rwlock_rdlock(&a->lock);
    ssize_t w = write(a->fd, line, n);
    int err = errno;
    if (w > 0 && (size_t)w < n && a->owns_fd) {
        /* Half a line must not stay: cut the file back to where this line started, if nothing
         * was appended after it meanwhile (O_APPEND leaves the offset at our end). */
        off_t end = lseek(a->fd, 0, SEEK_CUR);
        struct stat st;
        if (end >= w && fstat(a->fd, &st) == 0 && st.st_size == end &&
            ftruncate(a->fd, end - w) != 0) {
            /* nothing more can be done; the reader sees a line without its end */
        }
    }
    pthread_rwlock_unlock(&a->lock);
    if (w == (ssize_t)n) {
        if (atomic_load(&a->failed_at)) atomic_store(&a->failed_at, 0);
        return NULL;
    }
    atomic_store(&a->failed_at, now_ns());
    fprintf(stderr, "tokenzone: audit log write failed: %s\n", w < 0 ? strerror(err) : "short write");
    return tz_err_new(TZE_SERVICE_UNAVAILABLE);
}
