/* `tokenzone serve`: opens the store, starts the service and the REST server, bootstraps the admin
 * user on first start, and serves until SIGTERM/SIGINT. Signals are taken with sigtimedwait in the main thread (blocked
 * everywhere else), so no handler and no global state is needed. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/commands.h"
#include "http/access_log.h"
#include "http/oauth_routes.h"
#include "http/observe_routes.h"
#include "http/server.h"
#include "service/audit.h"
#include "http/web_routes.h"
#include "service/master_key.h"
#include "service/password.h"
#include "service/secrets.h"
#include "service/service.h"
#include "service/store_errors.h"
#include "store/store.h"
#include "cli/store_opts.h"
#include "cli/serve_memory.h"

#define SERVE_MAX_EXTRA_ROUTES 32
#define DEFAULT_TTL 2592000
#define DEFAULT_MAX_TOKEN_SIZE ((size_t)1024 * 1024)
#define SHUTDOWN_GRACE_MS 10000
#define PEM_MAX ((size_t)1024 * 1024)
#define ADMIN_USERNAME "admin"
#define ADMIN_PRIVILEGE "oz_tokens_manage"
#define ADMIN_PASSWORD_ENV "TOKENZONE_ADMIN_PASSWORD"

typedef struct serve_args {
    const char *data;
    const char *store;          /* --store URL */
    char *location;             /* the store chosen (--store, --data or $TOKENZONE_STORE); malloc'd */
    tz_store_open_opts store_opts;
    const char *listen;
    const char *domain;
    const char *tls_cert_path;
    const char *tls_key_path;
    int64_t max_ttl;
    const char *geoip_asn, *geoip_country, *geoip_city;
    bool basic_auth;
    bool throttle_loopback;
    bool metrics;                /* /metrics on the main listener */
    const char *metrics_listen;  /* /metrics on a listener of its own */
    const char *audit_log;       /* file or "-"; NULL = no audit trail */
    const char *zone_name;
    bool no_web;
    const char *master_key_file;
    tz_http_options http;
    tz_trusted_proxies trusted;
} serve_args;

static void usage(FILE *f) {
    fprintf(f,
        "usage: tokenzone serve (--data DIR | --store URL) [options]\n"
        "\n"
        "Runs the Onezone token REST API (prefix " "/api/v3/onezone" ") on an embedded SQLite store\n"
        "or on PostgreSQL (several nodes may serve one PostgreSQL database).\n"
        "\n"
        TZ_STORE_OPTIONS_HELP
        "  --listen ADDR:PORT              numeric IPv4 or [IPv6] address; port 0 = any free port\n"
        "                                  (default 127.0.0.1:8443 with TLS, else 127.0.0.1:8080)\n"
        "  --domain NAME                   Onezone domain for token locations (default localhost)\n"
        "  --zone-name NAME                the zone's name in GET /configuration (default null)\n"
        "  --tls-cert FILE --tls-key FILE  serve HTTPS (TLS 1.2/1.3); SIGHUP reloads both files\n"
        "  --max-temporary-token-ttl SEC   longest temporary-token time caveat (default %d)\n"
        "  --geoip-asn FILE                MaxMind databases for geographic caveats\n"
        "  --geoip-country FILE\n"
        "  --geoip-city FILE\n"
        "  --no-basic-auth                 refuse Basic authentication zone-wide\n"
        "  --throttle-loopback             throttle Basic-auth failures per address for loopback\n"
        "                                  peers too (default: only per username, as a local\n"
        "                                  proxy shares one address among all its clients)\n"
        "  --max-body-bytes N              largest request body (default %zu)\n"
        "  --max-header-bytes N            memory per connection for request line and headers\n"
        "                                  (default %zu; larger requests get 431)\n"
        "  --max-connections N             concurrent connections (default %u)\n"
        "  --idle-timeout SEC              close idle connections after SEC seconds (default %u)\n"
        "  --threads N                     worker threads (default: 4 per CPU, at least 8)\n"
        "  --quiet-success                 log only requests that fail\n"
        "  --trusted-proxy CIDR            believe X-Forwarded-For from these peers (repeatable,\n"
        "                                  IPv4, e.g. 10.0.0.0/8): the client address is then the\n"
        "                                  rightmost address in it that is not a trusted proxy\n"
        "  --metrics                       serve Prometheus metrics at /metrics on --listen\n"
        "  --metrics-listen ADDR:PORT      serve /metrics on a listener of its own (recommended:\n"
        "                                  keep it off the public address)\n"
        "  --audit-log FILE|-              append an audit line (JSON) per change, failed\n"
        "                                  authentication and refusal; '-' = stdout; default\n"
        "                                  $" TZ_AUDIT_LOG_ENV "; SIGHUP reopens it\n"
        "  --no-web                        do not serve the web page for tokens at /\n"
        "  --master-key-file FILE          the keys sealing every stored token secret (default\n"
        "                                  $" TZ_MASTER_KEY_ENV ", else DIR/" TZ_MASTER_KEY_DEFAULT_NAME "; created 0600\n"
        "                                  on first start; required for a postgresql:// store)\n"
        "\n"
        "GET /healthz and GET /readyz (store answers) are always served, unauthenticated.\n"
        "On first start a user 'admin' with the privilege " ADMIN_PRIVILEGE " is created; its\n"
        "password comes from $" ADMIN_PASSWORD_ENV " or is generated and printed once on stdout\n"
        "(by the one node that created it when several start at once on an empty store).\n"
        "SIGTERM/SIGINT stop the server after in-flight requests (at most %d s). SIGHUP reloads the\n"
        "TLS files, reopens the audit log and re-reads the master key file. Back up the master key\n"
        "file: without it no stored token can be verified.\n",
        DEFAULT_TTL, TZ_HTTP_DEFAULT_MAX_BODY, TZ_HTTP_DEFAULT_MAX_HEADER,
        TZ_HTTP_DEFAULT_MAX_CONNECTIONS, TZ_HTTP_DEFAULT_IDLE_TIMEOUT, SHUTDOWN_GRACE_MS / 1000);
}

/* Prints a failure as an error object on stderr (commands.h) and releases it. */
static int report(tz_error *e) {
    json_t *body = tz_err_body(e);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    fprintf(stderr, "%s\n", text ? text : "{\"error\":{\"id\":\"internalServerError\"}}");
    free(text);
    json_decref(body);
    tz_err_free(e);
    return 1;
}

static bool parse_number(const char *opt, const char *s, unsigned long long min,
                         unsigned long long max, unsigned long long *out) {
    bool ok = *s != '\0';
    unsigned long long v = 0;
    for (const char *p = s; ok && *p; p++) {
        if (*p < '0' || *p > '9' || v > (ULLONG_MAX - 9) / 10) ok = false;
        else v = v * 10 + (unsigned long long)(*p - '0');
    }
    if (!ok || v < min || v > max) {
        fprintf(stderr, "tokenzone serve: %s must be an integer in [%llu, %llu]\n", opt, min, max);
        return false;
    }
    *out = v;
    return true;
}

enum {
    OPT_DATA = 256, OPT_LISTEN, OPT_DOMAIN, OPT_CERT, OPT_KEY, OPT_TTL, OPT_ASN, OPT_COUNTRY,
    OPT_CITY, OPT_NO_BASIC, OPT_THROTTLE_LOOPBACK, OPT_MAX_BODY, OPT_MAX_HEADER, OPT_MAX_CONN, OPT_IDLE, OPT_THREADS,
    OPT_QUIET, OPT_HELP, OPT_STORE, OPT_STORE_POOL, OPT_STORE_CONNECT_TIMEOUT, OPT_STORE_STATEMENT_TIMEOUT,
    OPT_TRUSTED_PROXY,
    OPT_METRICS, OPT_METRICS_LISTEN, OPT_AUDIT_LOG, OPT_ZONE_NAME,
    OPT_NO_WEB,
    OPT_MASTER_KEY,
};

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, serve_args *a) {
    static const struct option opts[] = {
        {"data", required_argument, NULL, OPT_DATA},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"domain", required_argument, NULL, OPT_DOMAIN},
        {"tls-cert", required_argument, NULL, OPT_CERT},
        {"tls-key", required_argument, NULL, OPT_KEY},
        {"max-temporary-token-ttl", required_argument, NULL, OPT_TTL},
        {"geoip-asn", required_argument, NULL, OPT_ASN},
        {"geoip-country", required_argument, NULL, OPT_COUNTRY},
        {"geoip-city", required_argument, NULL, OPT_CITY},
        {"no-basic-auth", no_argument, NULL, OPT_NO_BASIC},
        {"throttle-loopback", no_argument, NULL, OPT_THROTTLE_LOOPBACK},
        {"max-body-bytes", required_argument, NULL, OPT_MAX_BODY},
        {"max-header-bytes", required_argument, NULL, OPT_MAX_HEADER},
        {"max-connections", required_argument, NULL, OPT_MAX_CONN},
        {"idle-timeout", required_argument, NULL, OPT_IDLE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"quiet-success", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, OPT_HELP},
        {"store", required_argument, NULL, OPT_STORE},
        {"store-pool", required_argument, NULL, OPT_STORE_POOL},
        {"store-connect-timeout", required_argument, NULL, OPT_STORE_CONNECT_TIMEOUT},
        {"store-statement-timeout", required_argument, NULL, OPT_STORE_STATEMENT_TIMEOUT},
        {"trusted-proxy", required_argument, NULL, OPT_TRUSTED_PROXY},
        {"metrics", no_argument, NULL, OPT_METRICS},
        {"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
        {"audit-log", required_argument, NULL, OPT_AUDIT_LOG},
        {"zone-name", required_argument, NULL, OPT_ZONE_NAME},
        {"no-web", no_argument, NULL, OPT_NO_WEB},
        {"master-key-file", required_argument, NULL, OPT_MASTER_KEY},
        {NULL, 0, NULL, 0},
    };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    memset(a, 0, sizeof *a);
    a->domain = "localhost";
    a->max_ttl = DEFAULT_TTL;
    a->basic_auth = true;
    a->audit_log = getenv(TZ_AUDIT_LOG_ENV);
    if (a->audit_log && !*a->audit_log) a->audit_log = NULL;
    a->http.max_body_bytes = TZ_HTTP_DEFAULT_MAX_BODY;
    a->http.max_header_bytes = TZ_HTTP_DEFAULT_MAX_HEADER;
    a->http.max_connections = TZ_HTTP_DEFAULT_MAX_CONNECTIONS;
    a->http.idle_timeout = TZ_HTTP_DEFAULT_IDLE_TIMEOUT;
    /* Four workers per core: a worker runs one request at a time, and Argon2 checks and durable
     * commits block it, so spare workers keep fast requests flowing meanwhile. */
    a->http.threads = cpus > 0 && cpus < 16 ? (unsigned)cpus * 4 : 64;
    if (a->http.threads < 8) a->http.threads = 8;
    unsigned long long v;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case OPT_DATA: a->data = optarg; break;
        case OPT_LISTEN: a->listen = optarg; break;
        case OPT_DOMAIN: a->domain = optarg; break;
        case OPT_CERT: a->tls_cert_path = optarg; break;
        case OPT_KEY: a->tls_key_path = optarg; break;
        case OPT_ASN: a->geoip_asn = optarg; break;
        case OPT_COUNTRY: a->geoip_country = optarg; break;
        case OPT_CITY: a->geoip_city = optarg; break;
        case OPT_NO_BASIC: a->basic_auth = false; break;
        case OPT_THROTTLE_LOOPBACK: a->throttle_loopback = true; break;
        case OPT_ZONE_NAME: a->zone_name = optarg; break;
        case OPT_QUIET: a->http.quiet_success = true; break;
        case OPT_METRICS: a->metrics = true; break;
        case OPT_METRICS_LISTEN: a->metrics_listen = optarg; break;
        case OPT_AUDIT_LOG: a->audit_log = optarg; break;
        case OPT_NO_WEB: a->no_web = true; break;
        case OPT_MASTER_KEY: a->master_key_file = optarg; break;
        case OPT_TTL:
            if (!parse_number("--max-temporary-token-ttl", optarg, 1, INT64_MAX / 2, &v)) return 2;
            a->max_ttl = (int64_t)v;
            break;
        case OPT_MAX_BODY:
            if (!parse_number("--max-body-bytes", optarg, 1, (unsigned long long)1 << 32, &v)) return 2;
            a->http.max_body_bytes = (size_t)v;
            break;
        case OPT_MAX_HEADER:
            if (!parse_number("--max-header-bytes", optarg, 8192, (unsigned long long)64 << 20, &v))
                return 2;
            a->http.max_header_bytes = (size_t)v;
            break;
        case OPT_MAX_CONN:
            if (!parse_number("--max-connections", optarg, 1, 1000000, &v)) return 2;
            a->http.max_connections = (unsigned)v;
            break;
        case OPT_IDLE:
            if (!parse_number("--idle-timeout", optarg, 1, 86400, &v)) return 2;
            a->http.idle_timeout = (unsigned)v;
            break;
        case OPT_THREADS:
            if (!parse_number("--threads", optarg, 1, 1024, &v)) return 2;
            a->http.threads = (unsigned)v;
            break;
        case OPT_TRUSTED_PROXY:
            if (!tz_trusted_proxies_add(&a->trusted, optarg)) {
                fprintf(stderr, "tokenzone serve: --trusted-proxy wants an IPv4 CIDR such as "
                                "10.0.0.0/8 (at most %d), got '%s'\n", TZ_TRUSTED_PROXIES_MAX, optarg);
                return 2;
            }
            break;
        case OPT_HELP: usage(stdout); return 0;
        case OPT_STORE: a->store = optarg; break;
        case OPT_STORE_POOL:
            if (!cli_store_number("serve", "--store-pool", optarg, TZ_STORE_POOL_MAX, &a->store_opts.pool_size))
                return 2;
            break;
        case OPT_STORE_CONNECT_TIMEOUT:
            if (!cli_store_number("serve", "--store-connect-timeout", optarg, 600000,
                                  &a->store_opts.connect_timeout_ms))
                return 2;
            break;
        case OPT_STORE_STATEMENT_TIMEOUT:
            if (!cli_store_number("serve", "--store-statement-timeout", optarg, 600000,
                                  &a->store_opts.statement_timeout_ms))
                return 2;
            break;
        default:
            fprintf(stderr, "tokenzone serve: unknown option or missing value: %s\n\n",
                    argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tokenzone serve: unexpected argument: %s\n\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!cli_store_location("serve", a->store, a->data, &a->location)) return 2;
    if (!a->location) {
        fprintf(stderr, "tokenzone serve: --data DIR or --store URL is required (or $" TZ_STORE_ENV ")\n\n");
        usage(stderr);
        return 2;
    }
    if (!a->master_key_file) {
        const char *env = getenv(TZ_MASTER_KEY_ENV);
        if (env && *env) a->master_key_file = env;
    }
    if (a->master_key_file && !*a->master_key_file) {
        fprintf(stderr, "tokenzone serve: --master-key-file must not be empty\n");
        return 2;
    }
    if (!a->master_key_file && !tz_store_location_dir(a->location)) {
        fprintf(stderr, "tokenzone serve: a shared store (%.*s...) needs --master-key-file FILE (or $%s):\n"
                        "every node must be given the same key file\n", 13, a->location, TZ_MASTER_KEY_ENV);
        return 2;
    }
    if ((a->tls_cert_path == NULL) != (a->tls_key_path == NULL)) {
        fprintf(stderr, "tokenzone serve: --tls-cert and --tls-key go together\n");
        return 2;
    }
    if (a->audit_log && !*a->audit_log) {
        fprintf(stderr, "tokenzone serve: --audit-log must not be empty\n");
        return 2;
    }
    if (a->metrics_listen) {
        tz_listen_addr probe;
        tz_error *le = tz_listen_parse(a->metrics_listen, &probe);
        if (le) {
            tz_err_free(le);
            fprintf(stderr, "tokenzone serve: --metrics-listen wants a numeric ADDR:PORT or "
                            "[IPv6]:PORT, got '%s'\n", a->metrics_listen);
            return 2;
        }
    }
    if (!*a->domain) {
        fprintf(stderr, "tokenzone serve: --domain must not be empty\n");
        return 2;
    }
    if (a->zone_name) {
        json_t *probe = json_string(a->zone_name);  /* NULL unless valid UTF-8 */
        bool ok = probe && *a->zone_name && strlen(a->zone_name) <= 256;
        json_decref(probe);
        if (!ok) {
            fprintf(stderr, "tokenzone serve: --zone-name must be 1-256 bytes of UTF-8\n");
            return 2;
        }
    }
    if (a->http.threads > a->http.max_connections) a->http.threads = a->http.max_connections;
    const char *listen = a->listen ? a->listen : a->tls_cert_path ? "127.0.0.1:8443" : "127.0.0.1:8080";
    tz_error *e = tz_listen_parse(listen, &a->http.listen);
    if (e) {
        tz_err_free(e);
        fprintf(stderr, "tokenzone serve: --listen wants a numeric ADDR:PORT or [IPv6]:PORT, "
                        "got '%s'\n", listen);
        return 2;
    }
    return -1;
}

/* Reads a PEM file into a NUL-terminated malloc'd buffer (caller wipes and frees). */
static char *read_pem(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        tz_log_event("cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(PEM_MAX + 1);
    size_t n = buf ? fread(buf, 1, PEM_MAX + 1, f) : 0;
    bool err = ferror(f) != 0;
    fclose(f);
    if (!buf || err || n == 0 || n > PEM_MAX) {
        if (buf) OPENSSL_cleanse(buf, PEM_MAX + 1);
        free(buf);
        tz_log_event("cannot read %s (empty, unreadable or over %zu bytes)", path, PEM_MAX);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static void free_pem(char *p) {
    if (!p) return;
    OPENSSL_cleanse(p, strlen(p));
    free(p);
}

/* ---------------------------------------------------------------- admin bootstrap */

/* 18 random bytes as 24 URL-safe base64 characters. */
static tz_error *random_password(char out[25]) {
    unsigned char raw[18];
    if (RAND_bytes(raw, sizeof raw) != 1) return tz_err_new(TZE_INTERNAL);
    EVP_EncodeBlock((unsigned char *)out, raw, sizeof raw);
    OPENSSL_cleanse(raw, sizeof raw);
    for (char *p = out; *p; p++) {
        if (*p == '+') *p = '-';
        else if (*p == '/') *p = '_';
    }
    return NULL;
}

/* What a first start created, reported once the port is bound. */
typedef struct bootstrap {
    bool created;
    bool from_env;
    char id[TZ_ID_HEX_LEN + 1];
    char generated[25];
} bootstrap;

/* Creates the admin user before the server accepts connections (so that a Basic login in the
 * first moment works); the password is printed only after the port is bound (report_admin), and
 * a start that fails removes the user again (undo_admin), so no generated password is lost. */
static tz_error *bootstrap_admin(tz_store *store, bootstrap *b) {
    memset(b, 0, sizeof *b);
    tz_user_rec existing = {0};
    tz_error *e = tz_store_user_get_by_username(store, ADMIN_USERNAME, &existing);
    if (!e) {
        tz_user_rec_clear(&existing);
        return NULL;
    }
    if (e->id != TZE_STORE_NOT_FOUND) return e;
    tz_err_free(e);

    const char *env = getenv(ADMIN_PASSWORD_ENV);
    char *generated = b->generated;
    const char *password;
    if (env) {
        if (!*env) {
            tz_log_event("%s is empty; unset it to get a generated password", ADMIN_PASSWORD_ENV);
            return tz_err_key(TZE_BAD_VALUE_EMPTY, ADMIN_PASSWORD_ENV);
        }
        password = env;
    } else {
        if ((e = random_password(generated))) return e;
        password = generated;
    }
    char id[TZ_ID_HEX_LEN + 1];
    char *hash = NULL;
    bool created = false;
    if (!(e = tz_store_random_id(id)) && !(e = tz_password_hash(password, strlen(password), &hash))) {
        tz_user_rec u = {
            .id = id,
            .username = (char *)ADMIN_USERNAME,
            .full_name = (char *)ADMIN_USERNAME,
            .password_hash = hash,
            .basic_auth_enabled = true,
            .creation_time = (int64_t)time(NULL),
        };
        char *privs[] = {(char *)ADMIN_PRIVILEGE};
        u.oz_privileges = privs;
        u.n_oz_privileges = 1;
        e = tz_store_user_ensure(store, &u, &created);
    }
    if (hash) {
        OPENSSL_cleanse(hash, strlen(hash));
        free(hash);
    }
    if (!e && created) {
        b->created = true;
        b->from_env = env != NULL;
        memcpy(b->id, id, sizeof id);
    } else {
        OPENSSL_cleanse(b->generated, sizeof b->generated);
    }
    return e;
}

static void report_admin(bootstrap *b) {
    if (b->created) {
        printf("admin user: %s\n", ADMIN_USERNAME);
        if (b->from_env) printf("admin password: taken from %s\n", ADMIN_PASSWORD_ENV);
        else printf("admin password: %s\n", b->generated);
        fflush(stdout);
    }
    OPENSSL_cleanse(b->generated, sizeof b->generated);
}

static void undo_admin(tz_store *store, bootstrap *b) {
    if (b->created) tz_err_free(tz_store_user_delete(store, b->id));
    OPENSSL_cleanse(b->generated, sizeof b->generated);
}

/* ---------------------------------------------------------------- main loop */

static void log_store_failure(void *ud, const char *msg) {
    (void)ud;
    tz_log_event("store: %s", msg);
}

static void reload_tls(tz_http_server *srv, const serve_args *a) {
    if (!a->tls_cert_path) {
        tz_log_event("SIGHUP ignored: TLS is off");
        return;
    }
    char *cert = read_pem(a->tls_cert_path);
    char *key = cert ? read_pem(a->tls_key_path) : NULL;
    if (cert && key) tz_err_free(tz_http_reload_tls(srv, cert, key));
    else tz_log_event("TLS reload failed; still serving the previous certificate");
    free_pem(cert);
    free_pem(key);
}

/* Serves until SIGTERM or SIGINT; returns the signal number. SIGHUP reloads the TLS files,
 * reopens the audit log (logrotate) and re-reads the master key file. */
static int run_until_signal(tz_http_server *srv, tz_http_server *metrics_srv, tz_audit *audit,
                            const serve_args *a, const sigset_t *set, tz_keyring *kr) {
    for (unsigned tick = 1;; tick++) {
        struct timespec wait = {0, 200 * 1000000};
        int sig = sigtimedwait(set, NULL, &wait);
        /* every 5 s: a version added by `admin master-key rotate` becomes the sealing one */
        if (tick % 25 == 0 && tz_keyring_reload(kr))
            tz_log_event("master key file reloaded (current version %u)", tz_keyring_current(kr));
        if (sig == SIGHUP) {
            if (audit) {
                tz_error *re = tz_audit_reopen(audit);
                if (re) tz_log_event("audit log reopen failed; still writing the previous file");
                else tz_log_event("audit log reopened");
                tz_err_free(re);
            }
            if (a->tls_cert_path || !audit) reload_tls(srv, a);
            tz_log_event("master key file %s (current version %u)",
                         tz_keyring_reload(kr) ? "reloaded" : "unchanged", tz_keyring_current(kr));
        } else if (sig == SIGTERM || sig == SIGINT) {
            return sig;
        }
        tz_http_tick(srv);
        if (metrics_srv) tz_http_tick(metrics_srv);
    }
}

/* Opens the audit trail with the installation's key (kept next to the store). */
static tz_error *open_audit(const serve_args *a, tz_audit **out) {
    *out = NULL;
    if (!a->audit_log) return NULL;
    char key_path[4096];
    unsigned char key[TZ_AUDIT_KEY_LEN];
    if (!tz_audit_key_path(a->location, key_path, sizeof key_path)) {
        tz_log_event("--audit-log needs $" TZ_AUDIT_KEY_ENV " (the audit key file shared by every "
                     "node) with this store");
        return tz_err_new(TZE_INTERNAL);
    }
    tz_error *e = tz_audit_key_load(key_path, true, key);
    if (!e) e = tz_audit_open(a->audit_log, key, out);
    OPENSSL_cleanse(key, sizeof key);
    if (e) tz_log_event("cannot open the audit log %s", a->audit_log);
    return e;
}

static int serve(const serve_args *a, const sigset_t *set) {
    tz_store *store = NULL;
    tz_service_ctx *svc = NULL;
    tz_http_server *srv = NULL, *metrics_srv = NULL;
    tz_audit *audit = NULL;
    char *cert = NULL, *key = NULL;
    tz_store_open_opts opts = a->store_opts;
    opts.log = log_store_failure;
    tz_error *e = tz_store_open(a->location, &opts, &store);
    if (e) {
        char *shown = tz_store_location_redacted(a->location);
        tz_log_event("cannot open the store %s", shown ? shown : "(location)");
        free(shown);
        return report(tz_store_err_to_api(e));
    }
    {
        char *shown = tz_store_location_redacted(a->location);
        tz_log_event("using the store %s (%s)", shown ? shown : "(location)", tz_store_backend_name(store));
        free(shown);
    }
    if ((e = open_audit(a, &audit))) {
        tz_store_close(store);
        return report(e);
    }
    /* The master key before anything else: a missing or wrong key stops the start with the
     * reason, instead of a server that finds every token invalid. */
    tz_keyring *kr = NULL;
    char *key_path = NULL, why[TZ_SECRETS_WHY_MAX];
    size_t migrated = 0;
    e = tz_secrets_open_keyring(store, a->location, a->master_key_file, &kr, &key_path, why);
    if (!e) {
        e = tz_secrets_prepare(store, kr, &migrated, why);
        if (e) tz_log_event("master key file %s: %s", key_path, why);
    } else {
        tz_log_event("%s", why);
    }
    if (e) {
        tz_keyring_free(kr);
        free(key_path);
        tz_audit_close(audit);
        tz_store_close(store);
        return report(e);
    }
    tz_log_event("master key file %s: current version %u", key_path, tz_keyring_current(kr));
    if (migrated) tz_log_event("sealed %zu stored secrets with master key version %u; old values erased",
                               migrated, tz_keyring_current(kr));
    free(key_path);
    tz_service_config cfg = {
        .domain = a->domain,
        .max_temporary_token_ttl = a->max_ttl,
        .max_token_size = DEFAULT_MAX_TOKEN_SIZE,
        .geoip_asn = a->geoip_asn,
        .geoip_country = a->geoip_country,
        .geoip_city = a->geoip_city,
        .basic_auth_enabled = a->basic_auth,
        .throttle_loopback = a->throttle_loopback,
        .audit = audit,
        .zone_name = a->zone_name,
        .keyring = kr,
    };
    bootstrap boot = {0};
    if ((e = tz_service_new(&cfg, store, &svc))) {
        tz_log_event("cannot start the token service");
        tz_audit_close(audit);
        tz_keyring_free(kr);
        tz_store_close(store);
        return report(e);
    }
    tz_http_options http = a->http;
    /* Routes outside the JSON API (http/extra.h), in match order: each feature that has some
     * appends them here. */
    tz_extra_route extra[SERVE_MAX_EXTRA_ROUTES];
    size_t n_extra = 0;
    if (!tz_oauth_routes_append(extra, &n_extra, SERVE_MAX_EXTRA_ROUTES)) {
        e = tz_err_new(TZE_INTERNAL);
        goto out;
    }
    tz_observe_ctx observe = {.version = tz_version(), .start_time = (int64_t)time(NULL)};
    tz_observe_add_routes(extra, SERVE_MAX_EXTRA_ROUTES, &n_extra, &observe, true, a->metrics);
    if (!a->no_web && !tz_web_add_routes(extra, SERVE_MAX_EXTRA_ROUTES, &n_extra)) {
        tz_log_event("too many routes outside the API");
        e = tz_err_new(TZE_INTERNAL);
        goto out;
    }
    observe.routes = extra;
    observe.n_routes = n_extra;
    http.extra_routes = extra;
    http.n_extra_routes = n_extra;
    http.trusted_proxies = &a->trusted;
    if (a->tls_cert_path) {
        cert = read_pem(a->tls_cert_path);
        key = cert ? read_pem(a->tls_key_path) : NULL;
        if (!cert || !key) {
            e = tz_err_new(TZE_INTERNAL);
            goto out;
        }
        http.tls_cert = cert;
        http.tls_key = key;
    }
    /* The admin user exists before the port answers. */
    if ((e = bootstrap_admin(store, &boot))) {
        tz_log_event("cannot create the admin user");
        goto out;
    }
    e = tz_http_start(&http, svc, &srv);
    /* The daemon has parsed the key into its own structures: the PEM text goes now. */
    free_pem(key);
    free_pem(cert);
    key = cert = NULL;
    if (e) {
        undo_admin(store, &boot);
        goto out;
    }
    /* The recommended place for metrics: a listener of its own, which only answers /metrics. */
    tz_extra_route metrics_route[1];
    size_t n_metrics_route = 0;
    if (a->metrics_listen) {
        tz_http_options mo = a->http;
        tz_listen_parse(a->metrics_listen, &mo.listen);
        mo.tls_cert = mo.tls_key = NULL;
        mo.threads = 1;
        mo.no_api = true;
        tz_observe_add_routes(metrics_route, 1, &n_metrics_route, &observe, false, true);
        mo.extra_routes = metrics_route;
        mo.n_extra_routes = n_metrics_route;
        if ((e = tz_http_start(&mo, svc, &metrics_srv))) {
            tz_log_event("cannot listen for metrics on %s", a->metrics_listen);
            tz_http_stop(srv, 0);
            undo_admin(store, &boot);
            goto out;
        }
        char maddr[80];
        tz_http_address(metrics_srv, maddr, sizeof maddr);
        tz_log_event("metrics on http://%s/metrics", maddr);
    }
    /* After the port is bound: a generated password is never printed by a start that fails. */
    report_admin(&boot);

    char addr[80];
    tz_http_address(srv, addr, sizeof addr);
    tz_log_event("listening on %s://%s", tz_http_is_tls(srv) ? "https" : "http", addr);
    int sig = run_until_signal(srv, metrics_srv, audit, a, set, kr);
    tz_log_event("%s received, finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
    tz_http_stop(srv, SHUTDOWN_GRACE_MS);
    if (metrics_srv) tz_http_stop(metrics_srv, 0);
    tz_log_event("stopped");
out:
    free_pem(key);
    free_pem(cert);
    OPENSSL_cleanse(&boot, sizeof boot);
    tz_service_free(svc);
    tz_audit_close(audit);
    tz_keyring_free(kr);
    tz_store_close(store);
    return e ? report(e) : 0;
}

int tz_cmd_serve(int argc, char **argv) {
    serve_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) {
        free(a.location);
        return rc;
    }
    /* No core dumps or ptrace by other users' processes: the process holds secrets. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    umask(077);
    tz_serve_tune_malloc();
    /* Blocked before any thread exists, so every worker inherits the mask and only the main
     * thread's sigtimedwait ever sees these signals. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
        tz_log_event("cannot block signals");
        free(a.location);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    rc = serve(&a, &set);
    free(a.location);
    return rc;
}
