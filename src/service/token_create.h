/* Creating named and temporary tokens (rest-api §5.1, §5.2). */
#ifndef TZ_SERVICE_TOKEN_CREATE_H
#define TZ_SERVICE_TOKEN_CREATE_H
#include "service/service_internal.h"

/* Validate the body in the documented order, run the issuing checks, mint, store (named) and
 * reply 201. `subject` is the token's subject, already authorized. */
void create_named_token(tz_service_ctx *svc, const tz_subject *subject, const json_t *body, tz_response *resp);
void create_temporary_token(tz_service_ctx *svc, const tz_subject *subject, const json_t *body, tz_response *resp);

/* Mints and serializes a token. *out is malloc'd, owned by the caller. */
tz_error *mint_token(tz_service_ctx *svc, const tz_subject *subject, bool named, int64_t generation,
                     const tz_token_type *type, const char *id, const char *secret, tz_caveat *const *cs, size_t n,
                     char **out);
/* The same, also giving the token's template (secrets.h) for storage in *template_out (malloc'd,
 * caller frees; NULL = not wanted). */
tz_error *mint_token_template(tz_service_ctx *svc, const tz_subject *subject, bool named, int64_t generation,
                              const tz_token_type *type, const char *id, const char *secret, tz_caveat *const *cs,
                              size_t n, char **out, char **template_out);

#endif
