/* The named token a request's operation reads, read together with the request's credential.
 *
 * GET /tokens/named/{id}/status and GET /tokens/named/{id} authenticate the caller (a store read
 * of the caller's token, for its revocation state) and then read token {id}. When the caller
 * authenticates with a named token, both rows come from one store read
 * (tz_store_named_verify_state_and_get): one statement and, on PostgreSQL, one round trip instead
 * of two. The caller's revocation state is read exactly as before, on every request. */
#ifndef TZ_SERVICE_NAMED_PREFETCH_H
#define TZ_SERVICE_NAMED_PREFETCH_H
#include <stdbool.h>
#include "service/service.h"
#include "store/store.h"

typedef struct svc_named_prefetch svc_named_prefetch; /* also in service_internal.h */

struct svc_named_prefetch {
    char *id;                 /* the token {id} to read along (malloc'd) */
    bool done;                /* it was read along with the credential (a named token) */
    bool found;               /* done: whether token {id} exists; rec holds it */
    tz_named_token_rec rec;
};

/* A prefetch for the request's operation when it reads a named token by {id} (GET, status), else
 * NULL (also when out of memory: the operation then reads the token itself). Free with
 * svc_named_prefetch_free. */
svc_named_prefetch *svc_named_prefetch_for(tz_op op, const char *token_id);
void svc_named_prefetch_free(svc_named_prefetch *p);

/* Token `id` for the operation: the row read along with the credential when there is one for this
 * id (moved into *out, once), else a store read (tz_store_named_get). Errors as named_get:
 * TZE_STORE_NOT_FOUND when the token does not exist. *out is the caller's. */
tz_error *svc_named_get_prefetched(tz_service_ctx *svc, const tz_client *c, const char *id,
                                   tz_named_token_rec *out);

#endif
