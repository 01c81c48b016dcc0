/* Legacy /user/client_tokens (rest-api §9). */
#include "service/service_internal.h"

void op_client_tokens(tz_service_ctx *svc, const tz_client *c, const tz_request *r, tz_response *resp) {
    (void)svc; (void)c; (void)r;
    tz_response_error(resp, tz_err_new(TZE_NOT_SUPPORTED));
}
