/* In-process cost of verifying one token with 8 caveats: tokenzone's core library against Debian's
 * libmacaroons on the very same serialized token, plus the cost of one Basic-auth password check.
 *
 * Both sides do the whole job a server does for a token it receives as text:
 *   tokenzone:    tz_token_deserialize + tz_token_verify (context satisfying every caveat);
 *   libmacaroons: base62 unescape + macaroon_deserialize + macaroon_verify with one general
 *                 satisfier.
 * The libmacaroons satisfier is deliberately cheap (the time caveat is parsed and compared, every
 * other predicate is matched as an exact string), so the comparison favours libmacaroons.
 *
 * Output: `key value` lines (ns/op medians, run counts) for bench/run.sh to tabulate.
 * Usage: core_bench [runs]   (default 5 timed runs per figure)
 *        core_bench --profile ours|libmacaroons   (one side only, about 3 s, for perf/callgrind) */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <macaroons.h>
#include "core/token.h"
#include "service/password.h"

#define N_CAVEATS 8
#define MAX_RUNS 15
#define TARGET_RUN_NS 300000000.0 /* each timed run lasts about 0.3 s */

static const char SECRET[] = "5f1c2a9d8e7b6a5948372615f4e3d2c1b0a99887766554433221100ffeeddccb";

/* CPU time of this thread, not wall time: on a shared machine, time spent preempted would
 * otherwise land on whichever side happened to be running. */
static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static void die(const char *what, tz_error *e) {
    fprintf(stderr, "core_bench: %s failed (%s)\n", what, e ? tz_err_id_name(e->id) : "error");
    tz_err_free(e);
    exit(1);
}

/* ---------------- the token ---------------- */

typedef struct bench_token {
    char caveat_text[N_CAVEATS][96];
    char *serialized;
    size_t len;
    int64_t valid_until;
} bench_token;

static void make_token(bench_token *bt, int64_t now) {
    bt->valid_until = now + 3600;
    /* data.path element: base64 of "/space1/dir" */
    const char *texts[N_CAVEATS] = {
        NULL, "ip = 127.0.0.0/8", "interface = rest", "service = ozw-onezone|opw-*",
        "consumer = usr-*", "api = ozw/all/user.*.*:*", "data.readonly", "data.path = L3NwYWNlMS9kaXI=",
    };
    snprintf(bt->caveat_text[0], sizeof bt->caveat_text[0], "time < %" PRId64, bt->valid_until);
    for (int i = 1; i < N_CAVEATS; i++) snprintf(bt->caveat_text[i], sizeof bt->caveat_text[i], "%s", texts[i]);
    tz_raw_caveat raw[N_CAVEATS];
    for (int i = 0; i < N_CAVEATS; i++) raw[i] = (tz_raw_caveat){bt->caveat_text[i], strlen(bt->caveat_text[i])};
    tz_token proto;
    memset(&proto, 0, sizeof proto);
    proto.domain = "onezone.bench.local";
    proto.version = 2;
    proto.named = true;
    proto.subject = (tz_subject){TZ_SUBJ_USER, TZ_PSUB_NONE, "0123456789abcdef0123456789abcdef"};
    proto.type.kind = TZ_TT_ACCESS;
    proto.id = "fedcba9876543210fedcba9876543210";
    tz_token *t = NULL;
    tz_error *e = tz_token_create(&proto, (const uint8_t *)SECRET, strlen(SECRET), raw, N_CAVEATS, &t);
    if (e) die("tz_token_create", e);
    e = tz_token_serialize(t, &bt->serialized, &bt->len);
    if (e) die("tz_token_serialize", e);
    tz_token_free(t);
}

/* ---------------- tokenzone ---------------- */

static tz_caveat_ctx ours_ctx(int64_t now, const tz_service *svc, const tz_subject *consumer) {
    tz_caveat_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.now = now;
    ctx.peer_ip_known = true;
    ctx.peer_ip = 0x7f000001u;
    ctx.iface = TZ_IF_REST;
    ctx.service = svc;
    ctx.consumer = consumer;
    ctx.allow_data_access = true;
    return ctx;
}

/* One full verification; returns 0 on success. */
static int ours_once(const bench_token *bt, const tz_caveat_ctx *ctx) {
    tz_token *t = NULL;
    tz_error *e = tz_token_deserialize(bt->serialized, bt->len, 0, &t);
    tz_verify_result res;
    memset(&res, 0, sizeof res);
    if (!e) e = tz_token_verify(t, (const uint8_t *)SECRET, strlen(SECRET), ctx, TZ_SESSION_ANY, NULL, &res);
    int rc = e ? -1 : 0;
    if (!e) tz_verify_result_clear(&res);
    tz_err_free(e);
    tz_token_free(t);
    return rc;
}

/* ---------------- libmacaroons ---------------- */

typedef struct lm_sat {
    const bench_token *bt;
    int64_t now;
} lm_sat;

static int lm_general(void *f, const unsigned char *pred, size_t sz) {
    const lm_sat *s = f;
    static const char time_prefix[] = "time < ";
    if (sz > sizeof time_prefix - 1 && memcmp(pred, time_prefix, sizeof time_prefix - 1) == 0) {
        char num[32];
        size_t n = sz - (sizeof time_prefix - 1);
        if (n >= sizeof num) return -1;
        memcpy(num, pred + sizeof time_prefix - 1, n);
        num[n] = '\0';
        char *end = NULL;
        long long until = strtoll(num, &end, 10);
        return (*end == '\0' && s->now < until) ? 0 : -1;
    }
    for (int i = 1; i < N_CAVEATS; i++) {
        size_t len = strlen(s->bt->caveat_text[i]);
        if (len == sz && memcmp(pred, s->bt->caveat_text[i], sz) == 0) return 0;
    }
    return -1;
}

/* Onedata's base62 layer: `0x` escapes for `0 _ - / + =`. */
static size_t base62_unescape(const char *in, size_t len, char *out) {
    static const char map[] = "0_-/+=";
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '0' && i + 1 < len && in[i + 1] >= '0' && in[i + 1] <= '5') {
            out[o++] = map[in[i + 1] - '0'];
            i++;
        } else {
            out[o++] = in[i];
        }
    }
    out[o] = '\0';
    return o;
}

static int lm_once(const bench_token *bt, struct macaroon_verifier *v, char *buf) {
    base62_unescape(bt->serialized, bt->len, buf);
    enum macaroon_returncode err = MACAROON_SUCCESS;
    struct macaroon *m = macaroon_deserialize(buf, &err);
    if (!m) return -1;
    int rc = macaroon_verify(v, m, (const unsigned char *)SECRET, strlen(SECRET), NULL, 0, &err);
    macaroon_destroy(m);
    return rc;
}

/* ---------------- timing ---------------- */

typedef int (*op_fn)(void *ud);

typedef struct ours_ud { const bench_token *bt; const tz_caveat_ctx *ctx; } ours_ud;
typedef struct lm_ud { const bench_token *bt; struct macaroon_verifier *v; char *buf; } lm_ud;
typedef struct pw_ud { const char *encoded; const char *password; } pw_ud;

static int ours_op(void *ud) { const ours_ud *u = ud; return ours_once(u->bt, u->ctx); }
static int lm_op(void *ud) { const lm_ud *u = ud; return lm_once(u->bt, u->v, u->buf); }
static int pw_op(void *ud) {
    const pw_ud *u = ud;
    return tz_password_verify(u->encoded, u->password, strlen(u->password)) ? 0 : -1;
}

/* Median ns/op over `runs` timed runs, each calibrated to last about TARGET_RUN_NS. */
static double time_op(const char *name, op_fn fn, void *ud, int runs, long max_iters) {
    if (fn(ud) != 0) {
        fprintf(stderr, "core_bench: %s does not verify the token\n", name);
        exit(1);
    }
    /* Calibration: double the batch until it lasts 20 ms, then scale to the target run length. */
    long iters = 1;
    for (;;) {
        double t0 = now_ns();
        for (long i = 0; i < iters; i++) (void)fn(ud);
        double took = now_ns() - t0;
        if (took >= 2e7 || iters >= max_iters) {
            double scaled = (double)iters * TARGET_RUN_NS / (took > 0 ? took : 1);
            iters = scaled < 1 ? 1 : scaled > (double)max_iters ? max_iters : (long)scaled;
            break;
        }
        iters *= 2;
    }
    double per[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        double start = now_ns();
        for (long i = 0; i < iters; i++)
            if (fn(ud) != 0) {
                fprintf(stderr, "core_bench: %s failed during the run\n", name);
                exit(1);
            }
        per[r] = (now_ns() - start) / (double)iters;
    }
    return median(per, runs);
}

int main(int argc, char **argv) {
    const char *profile = argc > 2 && strcmp(argv[1], "--profile") == 0 ? argv[2] : NULL;
    int runs = argc > 1 && !profile ? atoi(argv[1]) : 5;
    if (runs < 1 || runs > MAX_RUNS || (profile && strcmp(profile, "ours") && strcmp(profile, "libmacaroons"))) {
        fprintf(stderr, "usage: core_bench [runs 1..%d]\n", MAX_RUNS);
        return 2;
    }
    int64_t now = (int64_t)time(NULL);
    bench_token bt;
    make_token(&bt, now);

    tz_service svc = {TZ_SVC_OZ_WORKER, "onezone"};
    tz_subject consumer = {TZ_SUBJ_USER, TZ_PSUB_NONE, "0123456789abcdef0123456789abcdef"};
    tz_caveat_ctx ctx = ours_ctx(now, &svc, &consumer);
    ours_ud ou = {&bt, &ctx};

    enum macaroon_returncode err = MACAROON_SUCCESS;
    struct macaroon_verifier *v = macaroon_verifier_create();
    lm_sat sat = {&bt, now};
    if (!v || macaroon_verifier_satisfy_general(v, lm_general, &sat, &err) != 0) {
        fprintf(stderr, "core_bench: libmacaroons verifier setup failed\n");
        return 1;
    }
    char *buf = malloc(bt.len + 1);
    if (!buf) return 1;
    lm_ud lu = {&bt, v, buf};

    if (profile) {
        bool ours = strcmp(profile, "ours") == 0;
        double end = now_ns() + 3e9;
        while (now_ns() < end)
            for (int i = 0; i < 1000; i++) (void)(ours ? ours_op(&ou) : lm_op(&lu));
        return 0;
    }

    /* Warm-up of both paths, then alternate so neither gets a systematically cooler cache. */
    double ours_ns = time_op("tokenzone", ours_op, &ou, runs, 10000000L);
    double lm_ns = time_op("libmacaroons", lm_op, &lu, runs, 10000000L);
    ours_ns = time_op("tokenzone", ours_op, &ou, runs, 10000000L);

    const char *password = "bench-password-0123";
    char *encoded = NULL;
    tz_error *e = tz_password_hash(password, strlen(password), &encoded);
    if (e) die("tz_password_hash", e);
    pw_ud pu = {encoded, password};
    double pw_ns = time_op("tz_password_verify", pw_op, &pu, runs < 3 ? runs : 3, 20);

    printf("token_bytes %zu\n", bt.len);
    printf("caveats %d\n", N_CAVEATS);
    printf("runs %d\n", runs);
    printf("ours_ns %.0f\n", ours_ns);
    printf("libmacaroons_ns %.0f\n", lm_ns);
    printf("speedup %.2f\n", lm_ns / ours_ns);
    printf("password_verify_ns %.0f\n", pw_ns);

    free(encoded);
    free(buf);
    macaroon_verifier_destroy(v);
    free(bt.serialized);
    return 0;
}
