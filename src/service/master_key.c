/* The master key file and the keyring built from it (master_key.h). Keys are held in one
 * malloc'd array, wiped on free and on reload; they are never logged or printed. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "service/master_key.h"

#define FILE_MAX 16384

typedef struct key_entry {
    uint32_t version;
    uint8_t key[TZ_SEAL_KEY_LEN];
} key_entry;

typedef struct key_set {
    key_entry e[TZ_MASTER_KEY_MAX_VERSIONS];
    size_t n;                     /* ascending by version */
} key_set;

struct tz_keyring {
    pthread_mutex_t mu;
    char *path;
    key_set *keys;                /* malloc'd: wiped on replacement and free */
    struct stat loaded;           /* identity of the file last read (inode, size, mtime) */
    EVP_CIPHER *aes_256_gcm;      /* fetched once: an implicit fetch per unseal cost a verification
                                   * about 1.5 % of its instructions; NULL = fetch per call */
};

/* Has the file changed (replaced, rewritten) since it was read? A stat is cheap enough to make
 * on every unknown version; the keys are re-read only when this says so. */
static bool file_changed(tz_keyring *kr) {
    struct stat st;
    if (stat(kr->path, &st) != 0) return false;
    pthread_mutex_lock(&kr->mu);
    bool changed = st.st_ino != kr->loaded.st_ino || st.st_dev != kr->loaded.st_dev ||
                   st.st_size != kr->loaded.st_size ||
                   st.st_mtim.tv_sec != kr->loaded.st_mtim.tv_sec ||
                   st.st_mtim.tv_nsec != kr->loaded.st_mtim.tv_nsec;
    pthread_mutex_unlock(&kr->mu);
    return changed;
}

static void set_why(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(char *why, const char *fmt, ...) {
    if (!why) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, TZ_MASTER_KEY_WHY_MAX, fmt, ap);
    va_end(ap);
}

static void keys_free(key_set *k) {
    if (!k) return;
    OPENSSL_cleanse(k, sizeof *k);
    free(k);
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Parses the file text; the text is not modified. */
static bool parse_keys(const char *text, key_set *k, char *why) {
    memset(k, 0, sizeof *k);
    int line_no = 0;
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        line_no++;
        if (len > 0 && p[0] != '#') {
            uint64_t v = 0;
            size_t i = 0;
            while (i < len && p[i] >= '0' && p[i] <= '9' && v <= TZ_SEAL_MAX_VERSION)
                v = v * 10 + (uint64_t)(p[i++] - '0');
            bool ok = i > 0 && p[0] != '0' && v <= TZ_SEAL_MAX_VERSION && len == i + 1 + 64 && p[i] == ' ';
            uint8_t key[TZ_SEAL_KEY_LEN];
            for (size_t b = 0; ok && b < TZ_SEAL_KEY_LEN; b++) {
                int hi = hexval(p[i + 1 + 2 * b]), lo = hexval(p[i + 2 + 2 * b]);
                if (hi < 0 || lo < 0) ok = false;
                else key[b] = (uint8_t)(hi << 4 | lo);
            }
            if (ok && k->n > 0 && k->e[k->n - 1].version >= v) {
                set_why(why, "line %d: versions must be listed in ascending order without repeats", line_no);
                OPENSSL_cleanse(key, sizeof key);
                return false;
            }
            if (!ok || k->n == TZ_MASTER_KEY_MAX_VERSIONS) {
                set_why(why, ok ? "more than %d key versions" : "line %d is not 'VERSION HEX64'",
                        ok ? TZ_MASTER_KEY_MAX_VERSIONS : line_no);
                OPENSSL_cleanse(key, sizeof key);
                return false;
            }
            k->e[k->n].version = (uint32_t)v;
            memcpy(k->e[k->n].key, key, sizeof key);
            OPENSSL_cleanse(key, sizeof key);
            k->n++;
        }
        p += len + (end ? 1 : 0);
    }
    if (k->n == 0) {
        set_why(why, "the file holds no key");
        return false;
    }
    return true;
}

/* Reads and parses the file into a new key set; *st_out (if not NULL) gets the file's status. */
static key_set *read_keys_st(const char *path, char *why, struct stat *st_out) {
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        set_why(why, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    char *buf = NULL;
    key_set *k = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        set_why(why, "%s is not a regular file", path);
    } else if (st.st_mode & 077) {
        set_why(why, "%s is accessible to group or others (mode %03o); it must be 0600",
                path, (unsigned)(st.st_mode & 0777));
    } else if (st.st_size <= 0 || st.st_size > FILE_MAX) {
        set_why(why, "%s is empty or larger than %d bytes", path, FILE_MAX);
    } else if ((buf = malloc((size_t)st.st_size + 1)) && (k = malloc(sizeof *k))) {
        ssize_t got = 0, r;
        while (got < st.st_size && (r = read(fd, buf + got, (size_t)(st.st_size - got))) > 0) got += r;
        buf[got] = '\0';
        if (got != st.st_size || strlen(buf) != (size_t)got) {
            set_why(why, "cannot read %s", path);
            keys_free(k);
            k = NULL;
        } else if (!parse_keys(buf, k, why)) {
            char inner[TZ_MASTER_KEY_WHY_MAX];
            snprintf(inner, sizeof inner, "%s", why ? why : "");
            set_why(why, "%s: %s", path, inner);
            keys_free(k);
            k = NULL;
        }
    } else {
        set_why(why, "out of memory");
    }
    if (buf) {
        OPENSSL_cleanse(buf, (size_t)st.st_size + 1);
        free(buf);
    }
    close(fd);
    if (k && st_out) *st_out = st;
    return k;
}

static key_set *read_keys(const char *path, char *why) { return read_keys_st(path, why, NULL); }

/* Writes the key set to `path` atomically: a 0600 temporary file next to it, fsync, rename,
 * fsync of the directory. With `only_new`, an existing `path` is never replaced (link instead
 * of rename): several nodes creating the key file of one shared store at once all end up with
 * the one that was created first. */
static bool write_keys(const char *path, const key_set *k, bool only_new, char *why) {
    size_t cap = 256 + k->n * 80;
    char *text = malloc(cap), *tmp = NULL;
    if (!text || asprintf(&tmp, "%s.tmp%ld", path, (long)getpid()) < 0) {
        free(text);
        set_why(why, "out of memory");
        return false;
    }
    size_t len = (size_t)snprintf(text, cap,
        "# tokenzone master keys: VERSION HEX64, one per line. The highest version seals new\n"
        "# secrets. Keep a backup of this file: without it no stored token can be verified.\n");
    for (size_t i = 0; i < k->n; i++) {
        len += (size_t)snprintf(text + len, cap - len, "%u ", k->e[i].version);
        for (size_t b = 0; b < TZ_SEAL_KEY_LEN; b++)
            len += (size_t)snprintf(text + len, cap - len, "%02x", k->e[i].key[b]);
        text[len++] = '\n';
    }
    bool ok = false;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        set_why(why, "cannot create %s: %s", tmp, strerror(errno));
    } else {
        ok = fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        if (ok && only_new) {
            ok = link(tmp, path) == 0 || errno == EEXIST;
            int saved = errno;
            unlink(tmp);
            errno = saved;
        } else if (ok && rename(tmp, path) != 0) {
            ok = false;
        }
        if (!ok) {
            set_why(why, "cannot write %s: %s", path, strerror(errno));
            unlink(tmp);
        }
    }
    if (ok) {
        char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
        int dfd = dir ? open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    OPENSSL_cleanse(text, cap);
    free(text);
    free(tmp);
    return ok;
}

static bool fresh_key(key_entry *e, uint32_t version) {
    e->version = version;
    return RAND_bytes(e->key, sizeof e->key) == 1;
}

tz_error *tz_keyring_load(const char *path, bool create, tz_keyring **out, char why[TZ_MASTER_KEY_WHY_MAX]) {
    *out = NULL;
    if (why) why[0] = '\0';
    if (!path || !*path) {
        set_why(why, "no master key file given");
        return tz_err_new(TZE_INTERNAL);
    }
    if (create && access(path, F_OK) != 0 && errno == ENOENT) {
        key_set *k = calloc(1, sizeof *k);
        bool ok = k && fresh_key(&k->e[0], 1);
        if (k) k->n = 1;
        ok = ok && write_keys(path, k, true, why);
        keys_free(k);
        if (!ok) return tz_err_new(TZE_INTERNAL);
    }
    struct stat st;
    key_set *k = read_keys_st(path, why, &st);
    tz_keyring *kr = k ? calloc(1, sizeof *kr) : NULL;
    if (kr) kr->path = strdup(path);
    if (!kr || !kr->path) {
        if (k && why) set_why(why, "out of memory");
        keys_free(k);
        free(kr);
        return tz_err_new(TZE_INTERNAL);
    }
    pthread_mutex_init(&kr->mu, NULL);
    kr->keys = k;
    kr->loaded = st;
    kr->aes_256_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    *out = kr;
    return NULL;
}

void tz_keyring_free(tz_keyring *kr) {
    if (!kr) return;
    keys_free(kr->keys);
    EVP_CIPHER_free(kr->aes_256_gcm);
    pthread_mutex_destroy(&kr->mu);
    free(kr->path);
    free(kr);
}

uint32_t tz_keyring_current(const tz_keyring *kr) {
    pthread_mutex_lock((pthread_mutex_t *)&kr->mu);
    uint32_t v = kr->keys->e[kr->keys->n - 1].version;
    pthread_mutex_unlock((pthread_mutex_t *)&kr->mu);
    return v;
}

/* Index of `version` in k, or -1. */
static int find(const key_set *k, uint32_t version) {
    for (size_t i = 0; i < k->n; i++)
        if (k->e[i].version == version) return (int)i;
    return -1;
}

bool tz_keyring_has(const tz_keyring *kr, uint32_t version) {
    pthread_mutex_lock((pthread_mutex_t *)&kr->mu);
    bool has = find(kr->keys, version) >= 0;
    pthread_mutex_unlock((pthread_mutex_t *)&kr->mu);
    return has;
}

size_t tz_keyring_versions(const tz_keyring *kr, uint32_t *v, size_t cap) {
    pthread_mutex_lock((pthread_mutex_t *)&kr->mu);
    size_t n = kr->keys->n;
    for (size_t i = 0; i < n && i < cap; i++) v[i] = kr->keys->e[i].version;
    pthread_mutex_unlock((pthread_mutex_t *)&kr->mu);
    return n;
}

bool tz_keyring_reload(tz_keyring *kr) {
    if (!file_changed(kr)) return false;
    struct stat st;
    key_set *k = read_keys_st(kr->path, NULL, &st);
    if (!k) return false;
    pthread_mutex_lock(&kr->mu);
    bool changed = k->n != kr->keys->n || CRYPTO_memcmp(k, kr->keys, sizeof *k) != 0;
    key_set *old = kr->keys;
    kr->keys = k;
    kr->loaded = st;
    pthread_mutex_unlock(&kr->mu);
    keys_free(old);
    return changed;
}

tz_error *tz_keyring_seal(tz_keyring *kr, const char *binding, const uint8_t *plain, size_t n, char **out) {
    *out = NULL;
    uint8_t nonce[TZ_SEAL_NONCE_LEN];
    if (RAND_bytes(nonce, sizeof nonce) != 1) return tz_err_new(TZE_INTERNAL);
    key_entry e;
    pthread_mutex_lock(&kr->mu);
    e = kr->keys->e[kr->keys->n - 1];
    pthread_mutex_unlock(&kr->mu);
    tz_error *err = tz_seal(e.key, e.version, nonce, binding, plain, n, out);
    OPENSSL_cleanse(&e, sizeof e);
    return err;
}

/* Copies the key of `version` into *e; false when absent. */
static bool take_key(tz_keyring *kr, uint32_t version, key_entry *e) {
    pthread_mutex_lock(&kr->mu);
    int i = find(kr->keys, version);
    if (i >= 0) *e = kr->keys->e[i];
    pthread_mutex_unlock(&kr->mu);
    return i >= 0;
}

tz_error *tz_keyring_unseal(tz_keyring *kr, const char *sealed, const char *binding, uint8_t *out,
                            size_t cap, size_t *n, bool *unknown_version) {
    *n = 0;
    if (unknown_version) *unknown_version = false;
    uint32_t version = 0;
    tz_error *err = tz_seal_version(sealed, &version);
    if (err) return err;
    key_entry e;
    bool have = take_key(kr, version, &e);
    if (!have && tz_keyring_reload(kr)) have = take_key(kr, version, &e);
    if (!have) {
        if (unknown_version) *unknown_version = true;
        return tz_err_new(TZE_INTERNAL);
    }
    err = tz_unseal_with(kr->aes_256_gcm, e.key, sealed, binding, out, cap, n);
    OPENSSL_cleanse(&e, sizeof e);
    return err;
}

tz_error *tz_master_key_add_version(const char *path, uint32_t *version, char why[TZ_MASTER_KEY_WHY_MAX]) {
    if (why) why[0] = '\0';
    key_set *k = read_keys(path, why);
    if (!k) return tz_err_new(TZE_INTERNAL);
    bool ok = true;
    uint32_t top = k->e[k->n - 1].version;
    if (k->n == TZ_MASTER_KEY_MAX_VERSIONS || top == TZ_SEAL_MAX_VERSION) {
        set_why(why, "%s already holds %zu versions up to %u; retire old ones first", path, k->n, top);
        ok = false;
    }
    ok = ok && fresh_key(&k->e[k->n], top + 1);
    if (ok) k->n++;
    ok = ok && write_keys(path, k, false, why);
    if (ok) *version = top + 1;
    keys_free(k);
    return ok ? NULL : tz_err_new(TZE_INTERNAL);
}

tz_error *tz_master_key_remove_version(const char *path, uint32_t version, char why[TZ_MASTER_KEY_WHY_MAX]) {
    if (why) why[0] = '\0';
    key_set *k = read_keys(path, why);
    if (!k) return tz_err_new(TZE_INTERNAL);
    int i = find(k, version);
    bool ok = false;
    if (i < 0) set_why(why, "%s holds no version %u", path, version);
    else if ((size_t)i == k->n - 1) set_why(why, "version %u is the current one; rotate first", version);
    else ok = true;
    if (ok) {
        memmove(&k->e[i], &k->e[i + 1], (k->n - (size_t)i - 1) * sizeof k->e[0]);
        k->n--;
        OPENSSL_cleanse(&k->e[k->n], sizeof k->e[0]);
        ok = write_keys(path, k, false, why);
    }
    keys_free(k);
    return ok ? NULL : tz_err_new(TZE_INTERNAL);
}
