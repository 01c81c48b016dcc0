/* From the store's neutral errors to the Onedata errors a client sees, and listing helpers that
 * read the store a page at a time. */
#ifndef TZ_SERVICE_STORE_ERRORS_H
#define TZ_SERVICE_STORE_ERRORS_H
#include <stddef.h>
#include "core/err.h"
#include "core/subject.h"
#include "store/store.h"

/* Takes ownership of e and returns the error to reply with:
 *   TZE_STORE_NOT_FOUND            -> notFound (404)
 *   TZE_STORE_CONFLICT key "name"  -> badValueIdentifierOccupied {"key":"name"} (400)
 *   TZE_STORE_CONFLICT "username", "id", "subject" -> alreadyExists (409)
 *   TZE_STORE_CONFLICT "metadata"  -> serviceUnavailable (503): a compare-and-set kept losing to
 *                                     concurrent writers past the retries; the client may retry
 *   TZE_STORE_UNAVAILABLE          -> serviceUnavailable (503)
 * anything else unchanged (internalServerError gets its reference when replied). Routes where a
 * missing row means something else (authentication, verification) translate before this. */
tz_error *tz_store_err_to_api(tz_error *e);

/* How many rows one store call reads when a reply needs a whole list. */
#define SVC_LIST_PAGE 1000
/* Every named-token id of a subject (NULL = all), reading the store page by page. *ids is a
 * malloc'd array (tz_strv_free). */
tz_error *svc_named_list_all(tz_store *store, const tz_subject *subject, char ***ids, size_t *n);

#endif
