/* Minimal unit-test harness: CHECK records a failed expectation in the current test, RUN runs one
 * test function (and fails it when it made no check at all: a test that checks nothing cannot
 * fail, so it proves nothing), TEST_REPORT prints "FILE: N passed, N failed" (summed by
 * scripts/run-unit-tests.sh) and gives the exit status. Kept tiny on purpose: no framework
 * dependency, and the plain summary line is what CI reads. */
#ifndef TZ_TEST_HARNESS_H
#define TZ_TEST_HARNESS_H
#include <stdio.h>
#include <string.h>

static int tz_test_passed, tz_test_failed, tz_test_cur_failures, tz_test_cur_checks;

#define CHECK(cond) do { tz_test_cur_checks++; if (!(cond)) { \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    tz_test_cur_failures++; } } while (0)
#define CHECK_STR(a, b) do { tz_test_cur_checks++; const char *tz_a_ = (a), *tz_b_ = (b); \
    if (!tz_a_ || !tz_b_ || strcmp(tz_a_, tz_b_) != 0) { \
    fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s\n   got: %s\n  want: %s\n", __FILE__, __LINE__, \
            #a, #b, tz_a_ ? tz_a_ : "(null)", tz_b_ ? tz_b_ : "(null)"); \
    tz_test_cur_failures++; } } while (0)
#define CHECK_INT(a, b) do { tz_test_cur_checks++; long long tz_a_ = (long long)(a), tz_b_ = (long long)(b); \
    if (tz_a_ != tz_b_) { fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %s (%lld != %lld)\n", \
    __FILE__, __LINE__, #a, #b, tz_a_, tz_b_); tz_test_cur_failures++; } } while (0)
#define RUN(fn) do { tz_test_cur_failures = 0; tz_test_cur_checks = 0; fn(); \
    if (!tz_test_cur_checks && !tz_test_cur_failures) { \
        fprintf(stderr, "%s: made no check\n", #fn); tz_test_cur_failures++; } \
    if (tz_test_cur_failures) { tz_test_failed++; fprintf(stderr, "FAIL %s\n", #fn); } \
    else tz_test_passed++; } while (0)
/* EXPECT_ERR(call, id): the call must fail with error id `id`; the error is freed. Available
 * when the test includes core/err.h before harness.h. */
#ifdef TZ_CORE_ERR_H
static inline void tz_test_expect_err(tz_error *e, tz_err_id id, int line) {
    tz_test_cur_checks++;
    if (!e || e->id != id) {
        fprintf(stderr, "line %d: expected error %s, got %s\n", line, tz_err_id_name(id),
                e ? tz_err_id_name(e->id) : "success");
        tz_test_cur_failures++;
    }
    tz_err_free(e);
}
#define EXPECT_ERR(call, id) tz_test_expect_err((call), (id), __LINE__)
#endif

#define TEST_REPORT() (printf("%s: %d passed, %d failed\n", __FILE__, tz_test_passed, tz_test_failed), \
    tz_test_failed ? 1 : 0)

#endif
