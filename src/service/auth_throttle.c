/* Basic-auth failure throttle: see auth_throttle.h for the policy.
 *
 * The table is an array of 2^k records. A key (username or address) is hashed with a random
 * per-instance prefix, so nobody outside can predict which slots a username lands in and crowd
 * out a victim's record; the key lives in a window of PROBE consecutive slots from its hash.
 * Lookups scan the whole window (there are no tombstones to keep), and an insertion into a full
 * window evicts its weakest record: the one with the fewest failures, then the oldest. A sprayer
 * of fresh usernames therefore evicts its own one-failure records before a throttled one. Usernames
 * are stored only as digests. */
#include "service/auth_throttle.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 16u
#define KEY_PREFIX_LEN 32
#define FAILURES_CAP 0x7fffffffu

typedef struct record {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    bool used;
    uint32_t failures;
    int64_t last_failure;
    int64_t blocked_until;
} record;

struct tz_throttle {
    pthread_mutex_t lock;
    tz_throttle_policy policy;
    size_t mask;                      /* capacity - 1 */
    unsigned char prefix[KEY_PREFIX_LEN];
    record *slots;
};

/* Which kind of key a digest stands for; part of the hashed input so that the two spaces
 * never collide. */
enum key_kind { KEY_USER = 'u', KEY_IP = 'i' };

static bool policy_ok(const tz_throttle_policy *p) {
    return p->base_delay > 0 && p->max_delay >= p->base_delay && p->forget_after >= p->max_delay;
}

tz_throttle *tz_throttle_new(size_t capacity) {
    const tz_throttle_policy defaults = {
        .user_free_failures = TZ_THROTTLE_USER_FREE_FAILURES,
        .ip_free_failures = TZ_THROTTLE_IP_FREE_FAILURES,
        .base_delay = TZ_THROTTLE_BASE_DELAY,
        .max_delay = TZ_THROTTLE_MAX_DELAY,
        .forget_after = TZ_THROTTLE_FORGET_AFTER,
    };
    return tz_throttle_new_policy(capacity, &defaults);
}

tz_throttle *tz_throttle_new_policy(size_t capacity, const tz_throttle_policy *policy) {
    if (!policy || !policy_ok(policy)) return NULL;
    if (capacity < TZ_THROTTLE_MIN_CAPACITY) capacity = TZ_THROTTLE_MIN_CAPACITY;
    if (capacity > TZ_THROTTLE_MAX_CAPACITY) capacity = TZ_THROTTLE_MAX_CAPACITY;
    size_t size = TZ_THROTTLE_MIN_CAPACITY;
    while (size < capacity) size <<= 1;

    tz_throttle *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->slots = calloc(size, sizeof *t->slots);
    if (!t->slots || RAND_bytes(t->prefix, sizeof t->prefix) != 1 ||
        pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t->slots);
        OPENSSL_cleanse(t->prefix, sizeof t->prefix);
        free(t);
        return NULL;
    }
    t->policy = *policy;
    t->mask = size - 1;
    return t;
}

void tz_throttle_free(tz_throttle *t) {
    if (!t) return;
    pthread_mutex_destroy(&t->lock);
    OPENSSL_cleanse(t->slots, (t->mask + 1) * sizeof *t->slots);
    free(t->slots);
    OPENSSL_cleanse(t->prefix, sizeof t->prefix);
    free(t);
}

static void digest_key(const tz_throttle *t, enum key_kind kind, const void *data, size_t len,
                       unsigned char out[SHA256_DIGEST_LENGTH]) {
    SHA256_CTX c;
    const unsigned char k = (unsigned char)kind;
    SHA256_Init(&c);
    SHA256_Update(&c, t->prefix, sizeof t->prefix);
    SHA256_Update(&c, &k, 1);
    SHA256_Update(&c, data, len);
    SHA256_Final(out, &c);
    OPENSSL_cleanse(&c, sizeof c);
}

static void user_digest(const tz_throttle *t, const char *username,
                        unsigned char out[SHA256_DIGEST_LENGTH]) {
    digest_key(t, KEY_USER, username, strlen(username), out);
}

static void ip_digest(const tz_throttle *t, uint32_t ip, unsigned char out[SHA256_DIGEST_LENGTH]) {
    const unsigned char b[4] = {(unsigned char)(ip >> 24), (unsigned char)(ip >> 16),
                                (unsigned char)(ip >> 8), (unsigned char)ip};
    digest_key(t, KEY_IP, b, sizeof b, out);
}

static size_t window_start(const tz_throttle *t, const unsigned char *digest) {
    uint64_t h = 0;
    for (int i = 0; i < 8; i++) h = h << 8 | digest[i];
    return (size_t)h & t->mask;
}

/* A record nobody needs any more: not in a backoff window and quiet for forget_after. A clock
 * that went backwards keeps records alive rather than dropping them. */
static bool expired(const tz_throttle *t, const record *r, int64_t now) {
    return !r->used ||
           (now >= r->blocked_until && now >= r->last_failure &&
            now - r->last_failure >= t->policy.forget_after);
}

static size_t window_len(const tz_throttle *t) {
    return t->mask + 1 < PROBE ? t->mask + 1 : PROBE;
}

/* The live record for `digest`, or NULL. */
static record *find(tz_throttle *t, const unsigned char *digest, int64_t now) {
    size_t start = window_start(t, digest), n = window_len(t);
    for (size_t i = 0; i < n; i++) {
        record *r = &t->slots[(start + i) & t->mask];
        if (r->used && memcmp(r->digest, digest, sizeof r->digest) == 0)
            return expired(t, r, now) ? NULL : r;
    }
    return NULL;
}

/* `a` is a better eviction victim than `b`. */
static bool weaker(const record *a, const record *b) {
    if (a->failures != b->failures) return a->failures < b->failures;
    return a->last_failure < b->last_failure;
}

/* The live record for `digest`, created (possibly by eviction) when absent. Never NULL. */
static record *find_or_add(tz_throttle *t, const unsigned char *digest, int64_t now) {
    size_t start = window_start(t, digest), n = window_len(t);
    record *free_slot = NULL, *victim = NULL;
    for (size_t i = 0; i < n; i++) {
        record *r = &t->slots[(start + i) & t->mask];
        if (r->used && memcmp(r->digest, digest, sizeof r->digest) == 0) {
            if (expired(t, r, now)) {
                r->failures = 0;
                r->blocked_until = 0;
            }
            return r;
        }
        if (expired(t, r, now)) {
            if (!free_slot) free_slot = r;
        } else if (!victim || weaker(r, victim)) {
            victim = r;
        }
    }
    record *r = free_slot ? free_slot : victim;
    memset(r, 0, sizeof *r);
    memcpy(r->digest, digest, sizeof r->digest);
    r->used = true;
    r->last_failure = now;
    return r;
}

/* The backoff window after the n-th failure over `free_failures`: base * 2^(n-1), capped. */
static int64_t backoff(const tz_throttle_policy *p, uint32_t over) {
    int64_t d = p->base_delay;
    for (uint32_t i = 1; i < over && d < p->max_delay; i++) d = d > p->max_delay / 2 ? p->max_delay : d * 2;
    return d < p->max_delay ? d : p->max_delay;
}

static void note_failure(const tz_throttle *t, record *r, unsigned free_failures, int64_t now) {
    if (r->failures < FAILURES_CAP) r->failures++;
    r->last_failure = now;
    if (r->failures > free_failures)
        r->blocked_until = now + backoff(&t->policy, r->failures - free_failures);
}

/* Seconds `r` still blocks at `now` (0 = not blocked). A clock that jumped backwards cannot
 * stretch a window past max_delay. */
static int64_t remaining(const tz_throttle *t, record *r, int64_t now) {
    if (!r || now >= r->blocked_until) return 0;
    if (r->blocked_until - now > t->policy.max_delay) r->blocked_until = now + t->policy.max_delay;
    return r->blocked_until - now;
}

bool tz_throttle_allowed(tz_throttle *t, const char *username, bool ip_known, uint32_t ip,
                         int64_t now, int64_t *retry_after) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    int64_t wait = 0, w;
    pthread_mutex_lock(&t->lock);
    if (username) {
        user_digest(t, username, d);
        w = remaining(t, find(t, d, now), now);
        if (w > wait) wait = w;
    }
    if (ip_known) {
        ip_digest(t, ip, d);
        w = remaining(t, find(t, d, now), now);
        if (w > wait) wait = w;
    }
    pthread_mutex_unlock(&t->lock);
    OPENSSL_cleanse(d, sizeof d);
    if (retry_after) *retry_after = wait;
    return wait == 0;
}

void tz_throttle_record(tz_throttle *t, const char *username, bool ip_known, uint32_t ip,
                        bool success, int64_t now) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    pthread_mutex_lock(&t->lock);
    if (username) {
        user_digest(t, username, d);
        if (success) {
            record *r = find(t, d, now);
            if (r) memset(r, 0, sizeof *r);
        } else {
            note_failure(t, find_or_add(t, d, now), t->policy.user_free_failures, now);
        }
    }
    if (ip_known && !success) {
        ip_digest(t, ip, d);
        note_failure(t, find_or_add(t, d, now), t->policy.ip_free_failures, now);
    }
    pthread_mutex_unlock(&t->lock);
    OPENSSL_cleanse(d, sizeof d);
}

size_t tz_throttle_count(tz_throttle *t, int64_t now) {
    size_t n = 0;
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i <= t->mask; i++)
        if (!expired(t, &t->slots[i], now)) n++;
    pthread_mutex_unlock(&t->lock);
    return n;
}
