/* The named token a request's operation reads, read in the same store round trip as the
 * request's named credential token (named_prefetch.h). */
#include <stdlib.h>
#include <string.h>

#include "service/named_prefetch.h"
#include "service/service_internal.h"

svc_named_prefetch *svc_named_prefetch_for(tz_op op, const char *token_id) {
    if (!token_id || (op != TZ_OP_NAMED_STATUS && op != TZ_OP_GET_NAMED)) return NULL;
    svc_named_prefetch *p = calloc(1, sizeof *p);
    if (p && !(p->id = strdup(token_id))) {
        free(p);
        p = NULL;
    }
    return p;
}

void svc_named_prefetch_free(svc_named_prefetch *p) {
    if (!p) return;
    free(p->id);
    tz_named_token_rec_clear(&p->rec);
    free(p);
}

tz_error *svc_named_get_prefetched(tz_service_ctx *svc, const tz_client *c, const char *id,
                                   tz_named_token_rec *out) {
    svc_named_prefetch *p = c ? c->prefetch : NULL;
    if (p && p->done && id && !strcmp(p->id, id)) {
        p->done = false; /* handed out once */
        if (!p->found) return tz_err_new(TZE_STORE_NOT_FOUND);
        *out = p->rec;
        memset(&p->rec, 0, sizeof p->rec);
        return NULL;
    }
    return tz_store_named_get(svc->store, id, out);
}
