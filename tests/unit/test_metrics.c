/* Metrics registry (per-thread slots summed at scrape) and the audit trail writer. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/err.h"
#include "harness.h"
#include "service/audit.h"
#include "service/metrics.h"

#define THREADS 8
#define PER_THREAD 10000

static void *count_requests(void *ud) {
    tz_metrics *m = ud;
    for (int i = 0; i < PER_THREAD; i++) tz_metrics_request(m, 1, "POST", 201, 2000000);
    tz_metrics_connection_opened(m);
    return NULL;
}

static const char *route_label(void *ud, unsigned idx, char *buf, size_t n) {
    (void)ud;
    (void)buf;
    (void)n;
    if (idx == 1) return "/a/{id}";
    if (idx == 2) return "/q\"uote\\back";
    return NULL;
}

static const char *op_label(unsigned idx) { return idx == 3 ? "create_named" : NULL; }

static void test_threads_sum_at_scrape(void) {
    tz_metrics *m = tz_metrics_new();
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, count_requests, m);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    tz_metrics_request(m, 2, "GET", 404, 1);
    tz_error *nf = tz_err_new(TZE_NOT_FOUND);
    tz_metrics_token_op(m, 3, 0, 1, NULL);
    tz_metrics_token_op(m, 3, -1, 0, nf);
    tz_err_free(nf);
    tz_metrics_labels l = {.route = route_label, .op = op_label, .version = "1.2.3", .start_time = 42};
    size_t len = 0;
    char *text = tz_metrics_render(m, &l, &len);
    CHECK(text != NULL);
    CHECK_INT(len, strlen(text));
    CHECK(strstr(text, "tokenzone_http_requests_total{route=\"/a/{id}\",method=\"POST\",code=\"2xx\"} 80000\n"));
    CHECK(strstr(text, "tokenzone_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"0.001\"} 0\n"));
    CHECK(strstr(text, "tokenzone_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"0.0025\"} 80000\n"));
    CHECK(strstr(text, "tokenzone_http_request_duration_seconds_bucket{route=\"/a/{id}\",le=\"+Inf\"} 80000\n"));
    CHECK(strstr(text, "tokenzone_http_request_duration_seconds_count{route=\"/a/{id}\"} 80000\n"));
    CHECK(strstr(text, "tokenzone_http_request_duration_seconds_sum{route=\"/a/{id}\"} 160.000000000\n"));
    CHECK(strstr(text, "route=\"/q\\\"uote\\\\back\",method=\"GET\",code=\"4xx\"} 1\n"));
    CHECK(strstr(text, "tokenzone_http_open_connections 8\n"));
    CHECK(strstr(text, "op=\"create_named\",type=\"access\",persistence=\"named\",result=\"ok\"} 1\n"));
    CHECK(strstr(text, "op=\"create_named\",type=\"unknown\",persistence=\"unknown\",result=\"notFound\"} 1\n"));
    CHECK(strstr(text, "tokenzone_build_info{version=\"1.2.3\",store_backend=\"sqlite\"} 1\n"));
    CHECK(strstr(text, "process_start_time_seconds 42\n"));
    CHECK(text[len - 1] == '\n');
    free(text);
    tz_metrics_free(m);
}

static void test_audit_line_and_hmac(void) {
    char dir[] = "/tmp/tz-audit-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char key_path[256], log_path[256];
    snprintf(key_path, sizeof key_path, "%s/audit.key", dir);
    snprintf(log_path, sizeof log_path, "%s/audit.log", dir);
    unsigned char key[TZ_AUDIT_KEY_LEN], again[TZ_AUDIT_KEY_LEN];
    tz_error *e = tz_audit_key_load(key_path, false, key);
    CHECK(e && e->id == TZE_NOT_FOUND);   /* never made up by a reader */
    tz_err_free(e);
    e = tz_audit_key_load(key_path, true, key);
    CHECK(e == NULL);
    e = tz_audit_key_load(key_path, false, again);
    CHECK(e == NULL);
    CHECK(memcmp(key, again, sizeof key) == 0);   /* created once, then read back */
    /* HMAC-SHA256 with the key 0x00..0x1f over "abc" (computed with Python's hmac module) */
    unsigned char k[TZ_AUDIT_KEY_LEN];
    for (int i = 0; i < TZ_AUDIT_KEY_LEN; i++) k[i] = (unsigned char)i;
    char out[TZ_AUDIT_HMAC_SIZE];
    tz_audit_hmac(k, "abc", 3, out);
    CHECK_STR(out, "hmac-sha256:" "f0133729c4163dede81e21cd47839256da58171238c8a0d874397c73b14e1e47");
    tz_audit *a = NULL;
    e = tz_audit_open(log_path, key, &a);
    CHECK(e == NULL);
    tz_audit_event ev = {.event = "change", .op = "create_named", .request_id = "r1", .actor_type = "user",
                         .actor_id = "usr-1", .auth = "token", .token_id = "t\"1", .status = 201};
    CHECK(tz_audit_record(a, &ev) == NULL);
    CHECK(tz_audit_ready(a));
    tz_audit_close(a);
    char buf[2048] = {0};
    int fd = open(log_path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    CHECK(n > 0);
    CHECK(strstr(buf, "\"op\":\"create_named\",\"request_id\":\"r1\",\"actor\":{\"type\":\"user\",\"id\":\"usr-1\",\"auth\":\"token\"}"));
    CHECK(strstr(buf, "\"target\":{\"token_id\":\"t\\\"1\"},\"result\":\"ok\",\"status\":201}\n"));
    CHECK(strchr(buf, '\n') == buf + n - 1);   /* one line */
    unlink(key_path);
    unlink(log_path);
    rmdir(dir);
}

int main(void) {
    RUN(test_threads_sum_at_scrape);
    RUN(test_audit_line_and_hmac);
    return TEST_REPORT();
}
