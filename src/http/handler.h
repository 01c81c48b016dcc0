/* Internal to src/http: the per-daemon state shared by server.c (lifecycle) and request.c (the
 * libmicrohttpd callbacks that answer one request). */
#ifndef TZ_HTTP_HANDLER_H
#define TZ_HTTP_HANDLER_H
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include "http/server.h"

/* One libmicrohttpd daemon. A TLS reload replaces the daemon; the old instance lives on until
 * its requests are done. */
typedef struct tz_http_instance {
    tz_service_ctx *svc;
    const tz_http_options *opts;   /* the server's copy */
    struct MHD_Daemon *daemon;
    int listen_fd;                 /* this daemon's dup of the listening socket */
    bool tls;                      /* serves HTTPS */
    atomic_int in_flight;          /* requests between their first callback and completion */
    atomic_int fresh;              /* connections that have not started a request yet */
    atomic_int open_conns;         /* open connections, for the --max-connections refusal */
    atomic_bool closing;           /* replies carry "Connection: close" */
    struct timespec drain_deadline; /* CLOCK_MONOTONIC; set when the instance stops accepting */
} tz_http_instance;

/* MHD_AccessHandlerCallback; cls is the tz_http_instance. */
enum MHD_Result tz_http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version,
                                   const char *upload_data, size_t *upload_data_size,
                                   void **req_cls);
/* MHD_NotifyConnectionCallback: counts connections that have not sent a request yet (a draining
 * daemon waits for them, not for idle keep-alive connections). */
void tz_http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                           enum MHD_ConnectionNotificationCode code);
/* MHD_AcceptPolicyCallback: refuses (libmicrohttpd closes it at once) a connection beyond
 * --max-connections, instead of leaving it unanswered in the listen backlog. */
enum MHD_Result tz_http_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen);
/* MHD_RequestCompletedCallback: writes the log line and releases the request state. */
void tz_http_on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                          enum MHD_RequestTerminationCode toe);

#endif
