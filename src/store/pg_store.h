/* The PostgreSQL store object. Only pg_*.c include this. */
#ifndef TZ_STORE_PG_STORE_H
#define TZ_STORE_PG_STORE_H
#include <pthread.h>
#include "store/pg_internal.h"
#include "store/store_backend.h"

struct pg_store {
    struct tz_store base;       /* first: the common header (ops, logger, redacted location) */
    char *uri;                  /* as given (may hold a password: never logged) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pgs_conn *idle;
    size_t n_open;
    size_t pool_cap;
    int connect_timeout_ms;
    int statement_timeout_ms;
};

/* Closes every idle connection (pool teardown). */
void pgs_pool_close(pg_store *s);

#endif
