/* Fuzzes the route matcher: input = METHOD, one space, raw path bytes. Checks that the matcher
 * never reads or writes outside its buffers, is deterministic, and that its result is consistent
 * (parameters present exactly when the route has them, all pointing into the scratch buffer).
 *
 * The Makefile's fuzz rule links only src/core; the route table is pure and lives in
 * src/http/routes.c, so it is compiled into this target directly. */
#include "../../src/http/routes.c"
#include <stdint.h>
#include <stdlib.h>

static void check_param(const char *p, const char *scratch, size_t scratch_len) {
    if (!p) return;
    if (p < scratch || p >= scratch + scratch_len) abort();
    if (strlen(p) >= scratch_len - (size_t)(p - scratch)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *sp = memchr(data, ' ', size);
    size_t mlen = sp ? (size_t)(sp - data) : size;
    size_t plen = sp ? size - mlen - 1 : 0;
    char *method = malloc(mlen + 1);
    char *path = malloc(plen + 1);
    size_t scratch_len = plen + 1;
    char *scratch = malloc(scratch_len);
    char *scratch2 = malloc(scratch_len);
    if (!method || !path || !scratch || !scratch2) abort();
    memcpy(method, data, mlen);
    method[mlen] = '\0';
    if (plen) memcpy(path, sp + 1, plen);

    tz_route r, r2;
    tz_route_status st = tz_route_match(method, path, plen, scratch, scratch_len, &r);
    tz_route_status st2 = tz_route_match(method, path, plen, scratch2, scratch_len, &r2);
    if (st != st2) abort();
    switch (st) {
    case TZ_ROUTE_OK: {
        if (r.op != r2.op || r.target != r2.target) abort();
        if (r.op < 0 || r.op >= TZ_OP__COUNT) abort();
        check_param(r.subject_id, scratch, scratch_len);
        check_param(r.token_id, scratch, scratch_len);
        check_param(r.name, scratch, scratch_len);
        bool needs_subject = r.target == TZ_TARGET_USER || r.target == TZ_TARGET_PROVIDER;
        bool needs_token = r.op == TZ_OP_GET_NAMED || r.op == TZ_OP_UPDATE_NAMED ||
                           r.op == TZ_OP_DELETE_NAMED || r.op == TZ_OP_NAMED_STATUS;
        /* the invite, directory and client-token routes carry the entity's id in subject_id
         * and the legacy client token in token_id whatever their target */
        bool entity_route = r.op >= TZ_OP_JOIN_USER_GROUP;
        if (needs_subject && !r.subject_id) abort();
        if (needs_token && !r.token_id) abort();
        if (!entity_route && (r.subject_id != NULL) != needs_subject) abort();
        if (!entity_route && (r.token_id != NULL) != needs_token) abort();
        if ((r.op == TZ_OP_GET_NAMED_BY_NAME) != (r.name != NULL)) abort();
        if (r.subject_id && strchr(r.subject_id, '/')) abort();
        if (r.token_id && strchr(r.token_id, '/')) abort();
        if (r.subject_id && strcmp(r.subject_id, r2.subject_id)) abort();
        if (r.name && strcmp(r.name, r2.name)) abort();
        if (r.allow) abort();
        break;
    }
    case TZ_ROUTE_METHOD_NOT_ALLOWED:
        if (!r.allow || !*r.allow) abort();
        break;
    case TZ_ROUTE_NOT_FOUND:
    case TZ_ROUTE_BAD_PATH:
        break;
    default:
        abort();
    }
    /* A too-small scratch buffer is always refused. */
    if (plen > 0 && tz_route_match(method, path, plen, scratch, plen, &r) != TZ_ROUTE_BAD_PATH)
        abort();
    free(method);
    free(path);
    free(scratch);
    free(scratch2);
    return 0;
}
