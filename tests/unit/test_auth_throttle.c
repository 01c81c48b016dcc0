/* The Basic-auth failure throttle (src/service/auth_throttle.c): free failures, exponential
 * backoff, per-username and per-address keys, success handling, expiry, bounded memory,
 * eviction order, clock jumps and concurrent use. Time is simulated: nothing sleeps. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "service/auth_throttle.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define T0 1700000000

static const tz_throttle_policy small = {
    .user_free_failures = 3,
    .ip_free_failures = 5,
    .base_delay = 2,
    .max_delay = 16,
    .forget_after = 100,
};

static void fail_n(tz_throttle *t, const char *user, bool ip_known, uint32_t ip, int n, int64_t now) {
    for (int i = 0; i < n; i++) tz_throttle_record(t, user, ip_known, ip, false, now);
}

static void test_bad_policies(void) {
    tz_throttle_policy p = small;
    p.base_delay = 0;
    CHECK(tz_throttle_new_policy(64, &p) == NULL);
    p = small;
    p.max_delay = 1;
    CHECK(tz_throttle_new_policy(64, &p) == NULL);
    p = small;
    p.forget_after = 10;
    CHECK(tz_throttle_new_policy(64, &p) == NULL);
    CHECK(tz_throttle_new_policy(64, NULL) == NULL);
    tz_throttle_free(NULL); /* allowed, like free(NULL) */
}

static void test_defaults(void) {
    tz_throttle *t = tz_throttle_new(0); /* clamped up to the minimum */
    CHECK(t != NULL);
    if (!t) return;
    int64_t wait = -1;
    fail_n(t, "alice", false, 0, (int)TZ_THROTTLE_USER_FREE_FAILURES, T0);
    CHECK(tz_throttle_allowed(t, "alice", false, 0, T0, &wait));
    CHECK_INT(wait, 0);
    tz_throttle_record(t, "alice", false, 0, false, T0);
    CHECK(!tz_throttle_allowed(t, "alice", false, 0, T0, &wait));
    CHECK_INT(wait, TZ_THROTTLE_BASE_DELAY);
    tz_throttle_free(t);
}

static void test_user_backoff_doubles_and_caps(void) {
    tz_throttle *t = tz_throttle_new_policy(64, &small);
    CHECK(t != NULL);
    if (!t) return;
    int64_t wait = -1, now = T0;
    fail_n(t, "alice", false, 0, 3, now);
    CHECK(tz_throttle_allowed(t, "alice", false, 0, now, &wait));
    CHECK_INT(wait, 0);
    /* 4th failure: 2 s, then 4, 8, 16, 16 (cap) */
    const int64_t want[] = {2, 4, 8, 16, 16, 16};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        tz_throttle_record(t, "alice", false, 0, false, now);
        CHECK(!tz_throttle_allowed(t, "alice", false, 0, now, &wait));
        CHECK_INT(wait, want[i]);
        CHECK(!tz_throttle_allowed(t, "alice", false, 0, now + want[i] - 1, &wait));
        CHECK_INT(wait, 1);
        now += want[i];
        CHECK(tz_throttle_allowed(t, "alice", false, 0, now, &wait));
        CHECK_INT(wait, 0);
    }
    /* other names and a missing name are not affected */
    tz_throttle_record(t, "alice", false, 0, false, now);
    CHECK(!tz_throttle_allowed(t, "alice", false, 0, now, NULL));
    CHECK(tz_throttle_allowed(t, "bob", false, 0, now, &wait));
    CHECK(tz_throttle_allowed(t, "alicE", false, 0, now, NULL));
    CHECK(tz_throttle_allowed(t, "alice ", false, 0, now, NULL));
    CHECK(tz_throttle_allowed(t, NULL, false, 0, now, NULL));
    /* the username key is not an address key */
    CHECK(tz_throttle_allowed(t, NULL, true, IP(127, 0, 0, 1), now, NULL));
    tz_throttle_free(t);
}

static void test_success_clears_user_only(void) {
    tz_throttle *t = tz_throttle_new_policy(64, &small);
    CHECK(t != NULL);
    if (!t) return;
    const uint32_t ip = IP(10, 0, 0, 7);
    fail_n(t, "alice", true, ip, 3, T0);
    tz_throttle_record(t, "alice", true, ip, true, T0);
    /* after the success, three more failures are free again for the name */
    fail_n(t, "alice", true, ip, 2, T0);
    CHECK(tz_throttle_allowed(t, "alice", false, 0, T0, NULL));
    /* ... but the address kept counting: 3 + 2 = 5 failures, one more blocks it */
    CHECK(tz_throttle_allowed(t, NULL, true, ip, T0, NULL));
    tz_throttle_record(t, "alice", true, ip, false, T0);
    int64_t wait = 0;
    CHECK(!tz_throttle_allowed(t, "carol", true, ip, T0, &wait));
    CHECK_INT(wait, 2);
    /* success for a never-seen name, or with no name, is harmless */
    tz_throttle_record(t, "nobody-here", true, IP(1, 2, 3, 4), true, T0);
    tz_throttle_record(t, NULL, true, IP(1, 2, 3, 4), true, T0);
    CHECK(tz_throttle_allowed(t, "nobody-here", true, IP(1, 2, 3, 4), T0, NULL));
    tz_throttle_free(t);
}

static void test_ip_spray_over_many_names(void) {
    tz_throttle *t = tz_throttle_new_policy(256, &small);
    CHECK(t != NULL);
    if (!t) return;
    const uint32_t attacker = IP(203, 0, 113, 9), other = IP(203, 0, 113, 10);
    char name[32];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "guess%d", i);
        CHECK(tz_throttle_allowed(t, name, true, attacker, T0, NULL));
        tz_throttle_record(t, name, true, attacker, false, T0);
    }
    CHECK(tz_throttle_allowed(t, "fresh", true, attacker, T0, NULL));
    tz_throttle_record(t, "guess5", true, attacker, false, T0);
    int64_t wait = 0;
    CHECK(!tz_throttle_allowed(t, "fresh", true, attacker, T0, &wait));
    CHECK_INT(wait, 2);
    CHECK(!tz_throttle_allowed(t, NULL, true, attacker, T0, NULL));
    /* a neighbouring address and an unknown address are free */
    CHECK(tz_throttle_allowed(t, "fresh", true, other, T0, NULL));
    CHECK(tz_throttle_allowed(t, "fresh", false, attacker, T0, NULL));
    /* failures with ip_known = false never count against address 0 */
    fail_n(t, "x", false, 0, 20, T0);
    CHECK(tz_throttle_allowed(t, NULL, true, 0, T0, NULL));
    tz_throttle_free(t);
}

static void test_records_are_forgotten(void) {
    tz_throttle *t = tz_throttle_new_policy(64, &small);
    CHECK(t != NULL);
    if (!t) return;
    fail_n(t, "alice", true, IP(10, 1, 1, 1), 4, T0);
    CHECK(!tz_throttle_allowed(t, "alice", false, 0, T0, NULL));
    CHECK_INT(tz_throttle_count(t, T0), 2);
    CHECK_INT(tz_throttle_count(t, T0 + 99), 2);
    CHECK_INT(tz_throttle_count(t, T0 + 100), 0);
    /* after the quiet period the free failures start over */
    fail_n(t, "alice", false, 0, 3, T0 + 100);
    CHECK(tz_throttle_allowed(t, "alice", false, 0, T0 + 100, NULL));
    tz_throttle_record(t, "alice", false, 0, false, T0 + 100);
    int64_t wait = 0;
    CHECK(!tz_throttle_allowed(t, "alice", false, 0, T0 + 100, &wait));
    CHECK_INT(wait, 2); /* the first window again, not a continuation */
    tz_throttle_free(t);
}

static void test_memory_is_bounded(void) {
    tz_throttle *t = tz_throttle_new_policy(64, &small);
    CHECK(t != NULL);
    if (!t) return;
    char name[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(name, sizeof name, "spray%d", i);
        tz_throttle_record(t, name, true, (uint32_t)i, false, T0 + i / 1000);
    }
    size_t n = tz_throttle_count(t, T0 + 100);
    CHECK(n <= 64);
    CHECK(n > 0);
    tz_throttle_free(t);
}

static void test_throttled_record_survives_spray(void) {
    /* capacity 16 = one probe window: every insertion competes with the victim's record */
    tz_throttle *t = tz_throttle_new_policy(16, &small);
    CHECK(t != NULL);
    if (!t) return;
    fail_n(t, "victim", false, 0, 6, T0);
    int64_t wait = 0;
    CHECK(!tz_throttle_allowed(t, "victim", false, 0, T0, &wait));
    CHECK_INT(wait, 8);
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "fresh%d", i);
        tz_throttle_record(t, name, false, 0, false, T0 + 1);
    }
    CHECK(!tz_throttle_allowed(t, "victim", false, 0, T0 + 1, &wait));
    CHECK_INT(wait, 7);
    CHECK(tz_throttle_count(t, T0 + 1) <= 16);
    tz_throttle_free(t);
}

static void test_clock_going_backwards(void) {
    tz_throttle *t = tz_throttle_new_policy(64, &small);
    CHECK(t != NULL);
    if (!t) return;
    fail_n(t, "alice", false, 0, 4, T0);
    int64_t wait = 0;
    /* one hour back: the window cannot exceed max_delay from the new "now" */
    CHECK(!tz_throttle_allowed(t, "alice", false, 0, T0 - 3600, &wait));
    CHECK_INT(wait, 16);
    CHECK(tz_throttle_allowed(t, "alice", false, 0, T0 - 3600 + 16, &wait));
    /* and the record is kept, not forgotten, while the clock is behind its last failure */
    CHECK_INT(tz_throttle_count(t, T0 - 3600), 1);
    tz_throttle_free(t);
}

typedef struct worker_arg {
    tz_throttle *t;
    int n;
} worker_arg;

static void *worker(void *p) {
    worker_arg *a = p;
    for (int i = 0; i < a->n; i++) {
        tz_throttle_allowed(a->t, "shared", true, IP(10, 9, 9, 9), T0, NULL);
        tz_throttle_record(a->t, "shared", true, IP(10, 9, 9, 9), false, T0);
    }
    return NULL;
}

static void test_concurrent_failures_are_all_counted(void) {
    enum { THREADS = 8, EACH = 2000 };
    const tz_throttle_policy p = {
        .user_free_failures = THREADS * EACH - 1,
        .ip_free_failures = THREADS * EACH,
        .base_delay = 1, .max_delay = 1, .forget_after = 10,
    };
    tz_throttle *t = tz_throttle_new_policy(64, &p);
    CHECK(t != NULL);
    if (!t) return;
    pthread_t th[THREADS];
    worker_arg arg = {t, EACH};
    int started = 0;
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&th[i], NULL, worker, &arg) == 0) started++;
    CHECK_INT(started, THREADS);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    /* exactly THREADS*EACH failures: one over the free count for the name, none for the address */
    CHECK(!tz_throttle_allowed(t, "shared", false, 0, T0, NULL));
    CHECK(tz_throttle_allowed(t, NULL, true, IP(10, 9, 9, 9), T0, NULL));
    tz_throttle_free(t);
}

int main(void) {
    RUN(test_bad_policies);
    RUN(test_defaults);
    RUN(test_user_backoff_doubles_and_caps);
    RUN(test_success_clears_user_only);
    RUN(test_ip_spray_over_many_names);
    RUN(test_records_are_forgotten);
    RUN(test_memory_is_bounded);
    RUN(test_throttled_record_survives_spray);
    RUN(test_clock_going_backwards);
    RUN(test_concurrent_failures_are_all_counted);
    return TEST_REPORT();
}
