/* Server lifecycle: the listening socket, libmicrohttpd daemons over it, TLS reload by daemon
 * hand-over, and graceful shutdown.
 *
 * The socket is created here; every daemon gets its own dup() of it with MHD_OPTION_LISTEN_SOCKET
 * (libmicrohttpd closes the socket it was given when a start fails, e.g. on a bad key). A TLS
 * reload starts a second daemon with the new certificate on the same socket, then quiesces the
 * old one (it stops accepting but finishes its connections); libmicrohttpd 0.9.75 has no way to
 * swap the credentials of a running daemon without linking GnuTLS directly, and the hand-over
 * keeps the port open throughout. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "http/access_log.h"
#include "http/handler.h"

#define MAX_DRAINING 8
#define RELOAD_GRACE_MS 10000
/* Modern TLS only: 1.3 and 1.2, GnuTLS's default cipher choice otherwise. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct tz_http_server {
    tz_http_options opts;          /* tls_cert/tls_key are NULL here: never kept */
    tz_service_ctx *svc;
    int listen_fd;
    bool tls;
    struct sockaddr_storage bound;
    tz_http_instance *current;
    tz_http_instance *draining[MAX_DRAINING + 1]; /* + 1: the current one at shutdown */
    size_t n_draining;
};

/* The path arrives raw: percent-decoding is the route matcher's job, per segment, so that "%2F"
 * cannot split a segment. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s) {
    (void)cls;
    (void)c;
    return strlen(s);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
    tz_log_event("http: %s", msg);
}

static tz_error *fail(const char *what) {
    tz_log_event("%s: %s", what, strerror(errno));
    return tz_err_new(TZE_INTERNAL);
}

static int open_listen_socket(const tz_listen_addr *a) {
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static tz_http_instance *start_instance(tz_http_server *s, const char *cert, const char *key) {
    tz_http_instance *inst = calloc(1, sizeof *inst);
    if (!inst) return NULL;
    inst->svc = s->svc;
    inst->opts = &s->opts;
    inst->tls = s->tls;
    atomic_init(&inst->in_flight, 0);
    atomic_init(&inst->fresh, 0);
    atomic_init(&inst->open_conns, 0);
    atomic_init(&inst->closing, false);

    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (s->tls) flags |= MHD_USE_TLS;
    if (s->bound.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    /* On failure the daemon may have closed this descriptor, or not: it is never touched again
     * (at worst one descriptor leaks per failed reload), since closing it here could close a
     * number another thread has reused meanwhile. */
    inst->listen_fd = fcntl(s->listen_fd, F_DUPFD_CLOEXEC, 0);
    if (inst->listen_fd < 0) {
        free(inst);
        return NULL;
    }
    struct MHD_OptionItem o[20];
    size_t n = 0;
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, inst->listen_fd, NULL};
    /* The accept policy enforces --max-connections across all workers and closes the excess at
     * once. libmicrohttpd's own limit is split evenly between the workers and, once a worker's
     * share is full, leaves new connections waiting in the backlog: keep it out of the way. */
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
                                     s->opts.max_connections + s->opts.max_connections / 2 + s->opts.threads, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, s->opts.idle_timeout, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                     (intptr_t)s->opts.max_header_bytes, NULL};
    if (s->opts.threads > 1)
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, s->opts.threads, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)keep_escaped, NULL};
    if (s->tls) {
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert};
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key};
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES};
    }
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    inst->daemon = MHD_start_daemon(flags, 0, tz_http_accept_policy, inst, tz_http_on_request, inst,
                                    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
                                    MHD_OPTION_NOTIFY_COMPLETED, tz_http_on_completed, inst,
                                    MHD_OPTION_NOTIFY_CONNECTION, tz_http_on_connection, inst,
                                    MHD_OPTION_ARRAY, o, MHD_OPTION_END);
    if (!inst->daemon) {
        free(inst);
        return NULL;
    }
    return inst;
}

static void set_deadline(struct timespec *t, unsigned ms) {
    clock_gettime(CLOCK_MONOTONIC, t);
    t->tv_sec += ms / 1000;
    t->tv_nsec += (long)(ms % 1000) * 1000000;
    if (t->tv_nsec >= 1000000000) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000;
    }
}

static bool past(const struct timespec *t) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* Stops accepting on inst; its open connections are told to close after their reply. */
static void quiesce(tz_http_instance *inst, unsigned grace_ms) {
    atomic_store(&inst->closing, true);
    MHD_quiesce_daemon(inst->daemon); /* returns inst->listen_fd, now ours to close */
    set_deadline(&inst->drain_deadline, grace_ms);
}

/* Done: no request in flight and no accepted connection that has yet to send its first one
 * (idle keep-alive connections are not waited for), or out of time. */
static bool drained(tz_http_instance *inst) {
    if (past(&inst->drain_deadline)) return true;
    return atomic_load(&inst->in_flight) == 0 && atomic_load(&inst->fresh) == 0;
}

/* Every daemon is quiesced before it is stopped, so its descriptor is closed here. */
static void stop_instance(tz_http_instance *inst) {
    MHD_stop_daemon(inst->daemon);
    close(inst->listen_fd);
    free(inst);
}

tz_error *tz_http_start(const tz_http_options *opts, tz_service_ctx *svc, tz_http_server **out) {
    *out = NULL;
    if ((opts->tls_cert == NULL) != (opts->tls_key == NULL)) {
        tz_log_event("TLS needs both a certificate and a key");
        return tz_err_new(TZE_INTERNAL);
    }
    if (opts->threads == 0 || opts->max_connections < opts->threads || opts->max_body_bytes == 0) {
        tz_log_event("invalid server limits");
        return tz_err_new(TZE_INTERNAL);
    }
    tz_http_server *s = calloc(1, sizeof *s);
    if (!s) return tz_err_new(TZE_INTERNAL);
    s->opts = *opts;
    s->opts.tls_cert = s->opts.tls_key = NULL;
    s->svc = svc;
    s->tls = opts->tls_cert != NULL;
    s->listen_fd = open_listen_socket(&opts->listen);
    if (s->listen_fd < 0) {
        char addr[80];
        tz_listen_format((const struct sockaddr *)&opts->listen.ss, addr, sizeof addr);
        free(s);
        char what[128];
        snprintf(what, sizeof what, "cannot listen on %s", addr);
        return fail(what);
    }
    socklen_t len = sizeof s->bound;
    if (getsockname(s->listen_fd, (struct sockaddr *)&s->bound, &len) != 0) {
        tz_error *e = fail("getsockname");
        close(s->listen_fd);
        free(s);
        return e;
    }
    s->current = start_instance(s, opts->tls_cert, opts->tls_key);
    if (!s->current) {
        tz_log_event("cannot start the HTTP daemon%s",
                     s->tls ? " (check the TLS certificate and key)" : "");
        close(s->listen_fd);
        free(s);
        return tz_err_new(TZE_INTERNAL);
    }
    *out = s;
    return NULL;
}

void tz_http_address(const tz_http_server *s, char *buf, size_t n) {
    tz_listen_format((const struct sockaddr *)&s->bound, buf, n);
}

bool tz_http_is_tls(const tz_http_server *s) { return s->tls; }

tz_error *tz_http_reload_tls(tz_http_server *s, const char *cert, const char *key) {
    if (!s->tls) {
        tz_log_event("TLS reload: the server runs plain HTTP, nothing to reload");
        return tz_err_new(TZE_NOT_SUPPORTED);
    }
    if (s->n_draining == MAX_DRAINING) {
        /* Reloads faster than requests finish: the oldest daemon is stopped now. */
        stop_instance(s->draining[0]);
        memmove(s->draining, s->draining + 1, (MAX_DRAINING - 1) * sizeof s->draining[0]);
        s->n_draining--;
    }
    tz_http_instance *next = start_instance(s, cert, key);
    if (!next) {
        tz_log_event("TLS reload failed: the new certificate or key was refused; "
                     "still serving the previous one");
        return tz_err_new(TZE_INTERNAL);
    }
    quiesce(s->current, RELOAD_GRACE_MS);
    s->draining[s->n_draining++] = s->current;
    s->current = next;
    tz_log_event("TLS certificate reloaded");
    return NULL;
}

void tz_http_tick(tz_http_server *s) {
    size_t kept = 0;
    for (size_t i = 0; i < s->n_draining; i++) {
        tz_http_instance *inst = s->draining[i];
        if (drained(inst))
            stop_instance(inst);
        else
            s->draining[kept++] = inst;
    }
    s->n_draining = kept;
}

void tz_http_stop(tz_http_server *s, unsigned grace_ms) {
    if (!s) return;
    quiesce(s->current, grace_ms);
    s->draining[s->n_draining++] = s->current;
    s->current = NULL;
    while (s->n_draining > 0) {
        tz_http_tick(s);
        if (s->n_draining > 0) {
            struct timespec pause = {0, 20 * 1000000};
            nanosleep(&pause, NULL);
        }
    }
    close(s->listen_fd);
    free(s);
}
