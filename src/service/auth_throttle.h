/* Brute-force protection for Basic authentication: a bounded table of recent failures keyed by
 * username and by client IPv4 address, with exponential backoff.
 *
 * A key becomes "throttled" after a number of free failures; each further failure doubles its
 * backoff window (capped). While any key of an attempt is throttled the caller must refuse the
 * attempt without checking the password (so a correct guess inside the window reveals nothing
 * and costs no hashing). A success clears the username's record; the address record only decays
 * (one valid account must not let an attacker reset the counter of the address it guesses from).
 * Records are forgotten after a quiet period, and a full table evicts the weakest record in the
 * probed window, so memory stays bounded whatever clients send.
 *
 * Only Basic auth consults the throttle: token authentication never does, so a user whose
 * password is under attack keeps using their tokens.
 *
 * Time is passed in (seconds, any monotonic or wall origin, the same for every call) so that
 * the policy is testable without sleeping. Thread-safe: one mutex per instance; no globals. */
#ifndef TZ_SERVICE_AUTH_THROTTLE_H
#define TZ_SERVICE_AUTH_THROTTLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tz_throttle tz_throttle;

typedef struct tz_throttle_policy {
    unsigned user_free_failures;  /* failures per username before backoff starts */
    unsigned ip_free_failures;    /* failures per address before backoff starts (NAT: higher) */
    int64_t base_delay;           /* seconds: the first backoff window */
    int64_t max_delay;            /* seconds: cap of a backoff window */
    int64_t forget_after;         /* seconds without a failure after which a record is dropped */
} tz_throttle_policy;

/* The default policy: 10 free failures per username, 50 per address, then 1 s, 2 s, 4 s, ...
 * up to 15 min, records forgotten after 1 h without failures. */
#define TZ_THROTTLE_USER_FREE_FAILURES 10u
#define TZ_THROTTLE_IP_FREE_FAILURES 50u
#define TZ_THROTTLE_BASE_DELAY 1
#define TZ_THROTTLE_MAX_DELAY 900
#define TZ_THROTTLE_FORGET_AFTER 3600
/* Table sizes accepted by tz_throttle_new (entries of about 64 bytes each). */
#define TZ_THROTTLE_MIN_CAPACITY 16u
#define TZ_THROTTLE_MAX_CAPACITY ((size_t)1 << 20)
/* A suggested capacity for a server: 16384 records (about 1 MiB). */
#define TZ_THROTTLE_DEFAULT_CAPACITY 16384u

/* A throttle with the default policy and room for `capacity` records (rounded up to a power
 * of two; clamped to [TZ_THROTTLE_MIN_CAPACITY, TZ_THROTTLE_MAX_CAPACITY]). Returns NULL when
 * memory or the random key cannot be obtained. The caller owns the result (tz_throttle_free). */
tz_throttle *tz_throttle_new(size_t capacity);

/* Same with an explicit policy (copied). NULL also when the policy is unusable: a delay that is
 * not positive, max_delay < base_delay, or forget_after < max_delay. */
tz_throttle *tz_throttle_new_policy(size_t capacity, const tz_throttle_policy *policy);

void tz_throttle_free(tz_throttle *t);

/* May a Basic-auth attempt for `username` (NULL = none could be decoded) from `ip` (host byte
 * order; ignored unless ip_known) go ahead at time `now`? When not, *retry_after (if non-NULL)
 * receives the seconds until it may (at least 1); when allowed it receives 0. */
bool tz_throttle_allowed(tz_throttle *t, const char *username, bool ip_known, uint32_t ip,
                         int64_t now, int64_t *retry_after);

/* Records the outcome of an attempt that was allowed and actually checked. Failures count
 * against both the username (if any) and the address (if known); a success clears the
 * username's record. Only "bad credentials" outcomes should be recorded as failures: a blocked
 * or basic-auth-disabled account is not a guess. */
void tz_throttle_record(tz_throttle *t, const char *username, bool ip_known, uint32_t ip,
                        bool success, int64_t now);

/* The number of live records (for tests and diagnostics). */
size_t tz_throttle_count(tz_throttle *t, int64_t now);

#endif
