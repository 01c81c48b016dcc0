/* The HTTP server end to end, in-process: a real store and service behind tz_http_start on a free
 * loopback port, driven with libcurl. Covers what the black-box API tests do not: bad paths,
 * size limits (413, 431, chunked bodies), keep-alive after refusals, 204 framing, the log line
 * (and that no credential reaches it), and TLS with a certificate reload. */
#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"
#include "http/server.h"
#include "service/password.h"
#include "service/master_key.h"
#include "service/service.h"
#include "store/store.h"

#define MAX_BODY 1000
#define P "/api/v3/onezone"

typedef struct reply {
    long status;
    char body[8192];
    size_t body_len;
    char headers[8192];
    size_t headers_len;
    CURLcode rc;
    long new_connections;
    char cert_subject[256];
} reply;

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
    reply *r = ud;
    size_t len = sz * n;
    size_t room = sizeof r->body - 1 - r->body_len;
    size_t k = len < room ? len : room;
    memcpy(r->body + r->body_len, p, k);
    r->body_len += k;
    r->body[r->body_len] = '\0';
    return len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud) {
    reply *r = ud;
    size_t len = sz * n;
    size_t room = sizeof r->headers - 1 - r->headers_len;
    size_t k = len < room ? len : room;
    memcpy(r->headers + r->headers_len, p, k);
    r->headers_len += k;
    r->headers[r->headers_len] = '\0';
    return len;
}

/* Body source for chunked uploads of `left` bytes of 'a'. */
typedef struct source {
    size_t left;
} source;

static size_t on_read(char *p, size_t sz, size_t n, void *ud) {
    source *s = ud;
    size_t k = sz * n < s->left ? sz * n : s->left;
    memset(p, 'a', k);
    s->left -= k;
    return k;
}

static char base_url[128];
static CURL *curl_;
static bool fresh_connection_;   /* next request on a new connection, closed afterwards */

/* One request on the shared handle (connections are reused when the server keeps them). */
static void request(reply *r, const char *method, const char *path, const char *body,
                    const char *const *headers, long chunked_bytes) {
    memset(r, 0, sizeof *r);
    char url[4096];
    snprintf(url, sizeof url, "%s%s", base_url, path);
    CURL *c = curl_;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (fresh_connection_) {
        curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
        fresh_connection_ = false;
    }
    if (!strcmp(method, "HEAD")) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    struct curl_slist *h = NULL;
    for (size_t i = 0; headers && headers[i]; i++) h = curl_slist_append(h, headers[i]);
    source src = {(size_t)chunked_bytes};
    if (chunked_bytes >= 0) {
        h = curl_slist_append(h, "Transfer-Encoding: chunked");
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &src);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    r->rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &r->new_connections);
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) == CURLE_OK && ci && ci->num_of_certs > 0) {
        for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next)
            if (!strncmp(s->data, "Subject:", 8)) snprintf(r->cert_subject, sizeof r->cert_subject, "%s", s->data);
    }
    curl_slist_free_all(h);
}

static void get(reply *r, const char *path, const char *const *headers) {
    request(r, "GET", path, NULL, headers, -1);
}

static bool has_header(const reply *r, const char *line) {
    return strcasestr(r->headers, line) != NULL;
}

/* ---------------------------------------------------------------- fixture */

static char data_dir[] = "/tmp/tz-http-test-XXXXXX";
static char log_path[256];
static tz_store *store_;
static tz_service_ctx *svc_;

static tz_http_server *start_server(const char *cert, const char *key) {
    tz_http_options o;
    memset(&o, 0, sizeof o);
    tz_error *e = tz_listen_parse("127.0.0.1:0", &o.listen);
    CHECK(e == NULL);
    o.tls_cert = cert;
    o.tls_key = key;
    o.max_body_bytes = MAX_BODY;
    o.max_header_bytes = 16 * 1024;
    o.max_connections = 16;
    o.idle_timeout = 30;
    o.threads = 2;
    tz_http_server *srv = NULL;
    e = tz_http_start(&o, svc_, &srv);
    CHECK(e == NULL);
    tz_err_free(e);
    if (!srv) return NULL;
    char addr[80];
    tz_http_address(srv, addr, sizeof addr);
    snprintf(base_url, sizeof base_url, "%s://%s", cert ? "https" : "http", addr);
    return srv;
}

static char *read_log(void) {
    FILE *f = fopen(log_path, "rb");
    if (!f) return strdup("");
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

/* ---------------------------------------------------------------- plain HTTP */

static void test_routing_replies(void) {
    reply r;
    get(&r, P "/configuration", NULL);
    CHECK_INT(r.status, 200);
    CHECK(has_header(&r, "Content-Type: application/json"));
    CHECK(strstr(r.body, "\"domain\":\"test.example\"") != NULL);
    get(&r, "/configuration", NULL);
    CHECK_INT(r.status, 200);

    get(&r, P "/nowhere", NULL);
    CHECK_INT(r.status, 404);
    CHECK(has_header(&r, "Content-Type: application/json"));
    CHECK(strstr(r.body, "\"id\":\"notFound\"") != NULL);
    /* The refusal kept the connection: the next request reuses it. */
    get(&r, P "/configuration", NULL);
    CHECK_INT(r.status, 200);
    CHECK_INT(r.new_connections, 0);

    const char *bad_token[] = {"x-auth-token: not-a-token", NULL};
    request(&r, "PUT", P "/tokens/named/abc", NULL, bad_token, -1);
    CHECK_INT(r.status, 405);
    CHECK_INT(r.body_len, 0);
    CHECK(has_header(&r, "Allow: GET, PATCH, DELETE"));
    request(&r, "BREW", P "/user", NULL, NULL, -1);
    CHECK_INT(r.status, 405);
    CHECK(has_header(&r, "Allow: GET"));

    get(&r, P "/tokens/named/a%2Fb", NULL);
    CHECK_INT(r.status, 400);
    CHECK(strstr(r.body, "\"id\":\"badData\"") && strstr(r.body, "\"key\":\"path\""));
    get(&r, P "/tokens/named/%zz", NULL);
    CHECK_INT(r.status, 400);
    /* Unknown ids are the service's 404 (before authorization). */
    get(&r, P "/tokens/named/unknown/", NULL);
    CHECK_INT(r.status, 404);
}

static void test_auth_and_negotiation(void) {
    reply r;
    const char *bad_token[] = {"x-auth-token: not-a-token", NULL};
    get(&r, P "/user", bad_token);
    CHECK_INT(r.status, 401);
    CHECK(strstr(r.body, "\"authError\"") != NULL);
    const char *other_scheme[] = {"Authorization: Digest abc", NULL};
    get(&r, P "/user", other_scheme);
    CHECK_INT(r.status, 401);
    CHECK(strstr(r.body, "authError") == NULL); /* no credential: nobody */
    const char *basic[] = {"Authorization: Basic YWRtaW46cHc=", NULL}; /* admin:pw */
    get(&r, P "/user", basic);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, "\"username\":\"admin\"") != NULL);

    const char *html[] = {"Accept: text/html", NULL};
    get(&r, P "/configuration", html);
    CHECK_INT(r.status, 406);
    CHECK_INT(r.body_len, 0);
    /* 401 wins over 406. */
    const char *html_bad[] = {"Accept: text/html", "x-auth-token: nope", NULL};
    get(&r, P "/configuration", html_bad);
    CHECK_INT(r.status, 401);

    const char *text[] = {"Content-Type: text/plain", NULL};
    request(&r, "POST", P "/tokens/examine", "{}", text, -1);
    CHECK_INT(r.status, 415);
    CHECK_INT(r.body_len, 0);
    const char *charset[] = {"Content-Type: application/json; charset=utf-8", NULL};
    request(&r, "POST", P "/tokens/examine", "{}", charset, -1);
    CHECK_INT(r.status, 400);
    CHECK(strstr(r.body, "missingRequiredValue") != NULL);
    const char *json[] = {"Content-Type: application/json", NULL};
    request(&r, "POST", P "/tokens/examine", "{\"token\":", json, -1);
    CHECK_INT(r.status, 400);
    CHECK(strstr(r.body, "\"id\":\"malformedData\"") != NULL);
    request(&r, "POST", P "/tokens/examine", "{\"a\":\"\\u0000\"}", json, -1);
    CHECK(strstr(r.body, "\"id\":\"malformedData\"") != NULL);
    request(&r, "POST", P "/tokens/examine", "{\"token\":1,\"token\":\"\"}", json, -1);
    CHECK(strstr(r.body, "badValueEmpty") != NULL); /* duplicates allowed, last wins */
    /* No body: any content type. */
    request(&r, "POST", P "/tokens/examine", "", text, -1);
    CHECK_INT(r.status, 400);
    CHECK(strstr(r.body, "missingRequiredValue") != NULL);
}

static void test_limits(void) {
    reply r;
    const char *json[] = {"Content-Type: application/json", NULL};
    char *big = malloc(MAX_BODY + 2);
    memset(big, ' ', MAX_BODY + 1);
    big[MAX_BODY + 1] = '\0';
    big[0] = '{';
    big[MAX_BODY] = '}';
    request(&r, "POST", P "/tokens/examine", big, json, -1);
    CHECK_INT(r.status, 413);
    CHECK(strstr(r.body, "\"key\":\"body\"") != NULL);
    /* Exactly at the cap is accepted. */
    big[MAX_BODY] = '\0';
    big[MAX_BODY - 1] = '}';
    request(&r, "POST", P "/tokens/examine", big, json, -1);
    CHECK_INT(r.status, 400);
    CHECK(strstr(r.body, "missingRequiredValue") != NULL);
    free(big);
    /* Chunked: just over the cap -> 413 after the body; far over -> connection closed. */
    request(&r, "POST", P "/tokens/examine", NULL, json, MAX_BODY + 10);
    CHECK_INT(r.status, 413);
    fresh_connection_ = true;   /* a reused connection would make curl try to rewind and resend */
    request(&r, "POST", P "/tokens/examine", NULL, json, 50L * MAX_BODY);
    /* One outcome: the server stops reading and closes the connection without a reply. curl
     * names that by when it notices (while sending, or waiting for the reply); a timeout, a
     * refused connection or any HTTP status would be a different fault and fails. */
    CHECK(r.rc == CURLE_SEND_ERROR || r.rc == CURLE_GOT_NOTHING || r.rc == CURLE_RECV_ERROR);
    CHECK_INT(r.status, 0);
    /* GET bodies are ignored but bounded too. */
    const char *plain[] = {"Content-Type: text/plain", NULL};
    request(&r, "GET", P "/configuration", "x", plain, -1);
    CHECK_INT(r.status, 200);
    /* Chunked POST with a wrong type: 415 at once. */
    const char *text[] = {"Content-Type: text/plain", NULL};
    request(&r, "POST", P "/tokens/examine", NULL, text, 10);
    CHECK_INT(r.status, 415);
    /* Headers over the connection memory: libmicrohttpd's 431. */
    size_t n = 20000;
    char *hdr = malloc(n + 32);
    strcpy(hdr, "x-auth-token: ");
    memset(hdr + strlen(hdr), 'a', n);
    hdr[14 + n] = '\0';
    const char *huge[] = {hdr, NULL};
    get(&r, P "/user", huge);
    CHECK_INT(r.status, 431);
    free(hdr);
}

static void test_no_content_and_location(void) {
    reply r;
    const char *basic_json[] = {"Authorization: Basic YWRtaW46cHc=",
                                "Content-Type: application/json", NULL};
    request(&r, "POST", P "/user/tokens/named", "{\"name\":\"http-test\"}", basic_json, -1);
    CHECK_INT(r.status, 201);
    CHECK(has_header(&r, "Location: https://test.example/api/v3/onezone/tokens/named/"));
    request(&r, "DELETE", P "/user/tokens/named", NULL, basic_json, -1);
    CHECK_INT(r.status, 204);
    CHECK_INT(r.body_len, 0);
    CHECK(!has_header(&r, "Content-Type"));
}

static void test_log_lines(void) {
    reply r;
    const char *secrets[] = {"x-auth-token: SECRET-HEADER-TOKEN", "Cookie: SID=SECRET-COOKIE", NULL};
    get(&r, P "/user?token=SECRET-QUERY", secrets);
    CHECK_INT(r.status, 401);
    const char *basic[] = {"Authorization: Basic YWRtaW46cHc=", NULL};
    get(&r, P "/user", basic);
    char *log = read_log();
    CHECK(strstr(log, "GET /api/v3/onezone/user 401 ") != NULL);
    CHECK(strstr(log, " - error=unauthorized/badToken rid=") != NULL);
    CHECK(strstr(log, "GET /api/v3/onezone/user 200 ") != NULL);
    CHECK(strstr(log, " usr-") != NULL);
    CHECK(strstr(log, "PUT /api/v3/onezone/tokens/named/abc 405 ") != NULL);
    CHECK(strstr(log, "SECRET") == NULL);
    CHECK(strstr(log, "YWRtaW46cHc") == NULL);
    CHECK(strstr(log, "?token") == NULL);
    free(log);
}

/* ---------------------------------------------------------------- TLS */

/* A self-signed EC certificate for CN=cn, as PEM strings (caller frees). */
static bool make_cert(const char *cn, char **cert_pem, char **key_pem) {
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    bool ok = pkey && x;
    if (ok) {
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), -60);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, pkey);
        X509_NAME *name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
        X509_set_issuer_name(x, name);
        ok = X509_sign(x, pkey, EVP_sha256()) > 0;
    }
    BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
    ok = ok && cb && kb && PEM_write_bio_X509(cb, x) &&
         PEM_write_bio_PrivateKey(kb, pkey, NULL, NULL, 0, NULL, NULL);
    if (ok) {
        char *p;
        long n = BIO_get_mem_data(cb, &p);
        *cert_pem = strndup(p, (size_t)n);
        n = BIO_get_mem_data(kb, &p);
        *key_pem = strndup(p, (size_t)n);
    }
    BIO_free(cb);
    BIO_free(kb);
    X509_free(x);
    EVP_PKEY_free(pkey);
    return ok;
}

static void test_tls_and_reload(void) {
    char *c1 = NULL, *k1 = NULL, *c2 = NULL, *k2 = NULL;
    CHECK(make_cert("first.test", &c1, &k1));
    CHECK(make_cert("second.test", &c2, &k2));
    if (!c1 || !c2) return;
    tz_http_server *srv = start_server(c1, k1);
    CHECK(srv != NULL);
    if (!srv) return;
    CHECK(tz_http_is_tls(srv));
    reply r;
    get(&r, P "/provider/public/get_current_time", NULL);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.cert_subject, "first.test") != NULL);
    CHECK(tz_http_reload_tls(srv, c2, k2) == NULL);
    /* A fresh connection sees the new certificate. */
    curl_easy_cleanup(curl_);
    curl_ = curl_easy_init();
    get(&r, P "/provider/public/get_current_time", NULL);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.cert_subject, "second.test") != NULL);
    /* A bad key is refused and the server goes on with the current certificate. */
    tz_error *e = tz_http_reload_tls(srv, c1, "not a key");
    CHECK(e != NULL);
    tz_err_free(e);
    curl_easy_cleanup(curl_);
    curl_ = curl_easy_init();
    get(&r, P "/provider/public/get_current_time", NULL);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.cert_subject, "second.test") != NULL);
    tz_http_tick(srv);
    tz_http_stop(srv, 2000);
    free(c1), free(k1), free(c2), free(k2);
}

int main(void) {
    if (!mkdtemp(data_dir)) return 1;
    snprintf(log_path, sizeof log_path, "%s.log", data_dir);
    /* The server writes its log to file descriptor 2: capture that in a file to check the log
     * lines, while the harness's messages (stdio stderr) keep going to the real stderr. */
    int saved_err = dup(2);
    int lf = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(lf, 2);
    close(lf);
    FILE *real_stderr = fdopen(saved_err, "w");
    if (!real_stderr) return 1;
    setvbuf(real_stderr, NULL, _IONBF, 0);
    stderr = real_stderr;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl_ = curl_easy_init();

    tz_error *e = tz_store_open(data_dir, NULL, &store_);
    if (!e) {
        char id[TZ_ID_HEX_LEN + 1];
        char *hash = NULL;
        e = tz_store_random_id(id);
        if (!e) e = tz_password_hash("pw", 2, &hash);
        if (!e) {
            tz_user_rec u = {.id = id, .username = "admin", .full_name = "admin",
                             .password_hash = hash, .basic_auth_enabled = true};
            e = tz_store_user_create(store_, &u);
        }
        free(hash);
    }
    tz_keyring *kr = NULL;
    char key_file[600], why[TZ_MASTER_KEY_WHY_MAX];
    snprintf(key_file, sizeof key_file, "%s/master.key", data_dir);
    if (!e) e = tz_keyring_load(key_file, true, &kr, why);
    tz_service_config cfg = {.domain = "test.example", .max_temporary_token_ttl = 3600,
                             .max_token_size = 1 << 20, .basic_auth_enabled = true, .keyring = kr};
    if (!e) e = tz_service_new(&cfg, store_, &svc_);
    if (e) {
        fprintf(stderr, "fixture failed: %s\n", tz_err_id_name(e->id));
        return 1;
    }
    tz_http_server *srv = start_server(NULL, NULL);
    if (srv) {
        RUN(test_routing_replies);
        RUN(test_auth_and_negotiation);
        RUN(test_limits);
        RUN(test_no_content_and_location);
        RUN(test_log_lines);
        tz_http_stop(srv, 2000);
    }
    RUN(test_tls_and_reload);

    curl_easy_cleanup(curl_);
    curl_global_cleanup();
    tz_service_free(svc_);
    tz_keyring_free(kr);
    tz_store_close(store_);
    dup2(saved_err, 2);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", data_dir, log_path);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", data_dir);
    return TEST_REPORT();
}
