/* What the HTTP layer asks the service for observability: its metrics registry, the audit line
 * of a failed authentication, and readiness. (The per-operation hooks are internal: observe.c.) */
#ifndef TZ_SERVICE_OBSERVE_H
#define TZ_SERVICE_OBSERVE_H
#include <stdbool.h>
#include <stdint.h>
#include "service/metrics.h"
#include "service/service.h"

/* The service's registry (borrowed; lives as long as the service). */
tz_metrics *tz_service_metrics(tz_service_ctx *svc);

/* Records a failed authentication (error e from tz_service_authenticate): its audit line (the
 * presented token only as its HMAC) and, for a throttled attempt, the throttle metric. */
void tz_service_note_auth_failure(tz_service_ctx *svc, const char *request_id,
                                  const tz_credentials *creds, bool peer_ip_known,
                                  uint32_t peer_ip, const tz_error *e);

/* Whether the store answers one indexed read without error within timeout_ms. */
bool tz_service_ready(tz_service_ctx *svc, unsigned timeout_ms);

/* The backend name of the service's store ("sqlite", "postgresql"), a static string: the
 * store_backend label of the metrics. */
const char *tz_service_store_backend(const tz_service_ctx *svc);

#endif
