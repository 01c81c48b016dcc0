/* Fuzzes the caveat wire parser (token-format §10) with arbitrary bytes, NULs and invalid UTF-8
 * included. Checked on every input (abort = finding):
 *  - parsing never crashes; a failure is tokenCaveatUnknown whose detail is a JSON string;
 *  - a parsed caveat serializes, and the serialization parses back to the same serialization and
 *    the same JSON (the canonical form is a fixed point);
 *  - its JSON renders a phrase, is valid UTF-8 (jansson can dump it) and reads back through the
 *    lenient JSON reader to the same wire form;
 *  - verification and the lazy API check run without crashing in a full context. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/caveat.h"
#include "core/caveat_internal.h"

static bool geo_asn(void *ud, uint32_t ip, int64_t *out) {
    (void)ud;
    *out = ip & 0xFFFF;
    return (ip & 1) == 0;
}

static bool geo_country(void *ud, uint32_t ip, char out[3]) {
    (void)ud;
    memcpy(out, (ip & 2) ? "PL" : "US", 3);
    return (ip & 4) == 0;
}

static bool geo_regions(void *ud, uint32_t ip, const char *out[2], size_t *n) {
    (void)ud;
    out[0] = "Europe";
    out[1] = "EU";
    *n = (ip & 8) ? 1 : 2;
    return true;
}

static bool member(void *ud, const tz_subject *consumer, const char *group_id) {
    (void)ud;
    return consumer && group_id[0] == 'g';
}

static char *dump(const json_t *j) {
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s) abort(); /* output JSON must always be dumpable (valid UTF-8) */
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tz_caveat *c = NULL;
    tz_error *e = tz_caveat_parse((const char *)data, size, &c);
    if (e) {
        if (c) abort();
        if (e->id == TZE_TOKEN_CAVEAT_UNKNOWN) {
            if (!json_is_string(json_object_get(e->details, "caveat"))) abort();
            free(dump(e->details));
        } else if (e->id != TZE_INTERNAL) {
            abort();
        }
        tz_err_free(e);
        return 0;
    }
    if (!c) abort();

    size_t len1;
    char *w1 = tz_caveat_serialize(c, &len1);
    if (!w1) abort();
    tz_caveat *c2 = NULL;
    e = tz_caveat_parse(w1, len1, &c2);
    if (e) abort();
    size_t len2;
    char *w2 = tz_caveat_serialize(c2, &len2);
    if (!w2 || len1 != len2 || memcmp(w1, w2, len1) != 0) abort();
    if (tz_caveat_get_type(c) != tz_caveat_get_type(c2)) abort();

    json_t *j1 = tz_caveat_to_json(c), *j2 = tz_caveat_to_json(c2);
    if (!j1 || !j2) abort();
    char *t1 = dump(j1), *t2 = dump(j2);
    if (strcmp(t1, t2) != 0) abort();

    char *phrase = tz_caveat_phrase_from_json(j1);
    if (!phrase) abort();
    json_t *pj = json_string(phrase); /* descriptions must be valid UTF-8 */
    if (!pj) abort();
    json_decref(pj);

    /* The JSON of a wire caveat reads back (leniently) to the same caveat, unless a raw string
     * had to be repaired into valid UTF-8 on the way (then the JSON differs from the wire). */
    tz_caveat *c3 = NULL;
    if (tz_cv_from_json(j1, false, &c3) != TZ_CV_OK) abort();
    size_t len3;
    char *w3 = tz_caveat_serialize(c3, &len3);
    if (!w3) abort();
    bool repaired = false;
    for (size_t i = 0; i < c->n; i++) {
        json_t *raw = tz_cv_json_string(c->elems[i].ptr, c->elems[i].len);
        if (!raw) abort();
        if (json_string_length(raw) != c->elems[i].len ||
            memcmp(json_string_value(raw), c->elems[i].ptr, c->elems[i].len) != 0)
            repaired = true;
        json_decref(raw);
    }
    if (!repaired && (len3 != len1 || memcmp(w3, w1, len1) != 0)) abort();

    tz_geo_lookup geo = {NULL, geo_asn, geo_country, geo_regions};
    tz_service svc = {TZ_SVC_OP_WORKER, "p1"};
    tz_subject consumer = {TZ_SUBJ_USER, TZ_PSUB_NONE, "u1"};
    tz_caveat_ctx ctx = {0};
    ctx.now = size ? (int64_t)data[0] << 24 : 0;
    ctx.peer_ip_known = size > 1;
    ctx.peer_ip = size > 4 ? (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4] : 0;
    ctx.iface = (tz_interface)(size % 4);
    ctx.service = &svc;
    ctx.consumer = (size & 1) ? &consumer : NULL;
    ctx.group_member = member;
    ctx.geo = &geo;
    ctx.allow_data_access = size & 2;
    ctx.scope_identity = size & 4;
    bool v1 = tz_caveat_verify(c, &ctx, TZ_CV_ALL), v2 = tz_caveat_verify(c2, &ctx, TZ_CV_ALL);
    if (v1 != v2) abort();

    tz_caveat *arr[2] = {c, c2};
    tz_gri gri = {"op_space", size & 8 ? NULL : "s1", "instance", "private"};
    tz_error *api = tz_caveats_check_api(arr, 2, (tz_service_type)(size % 4), TZ_API_GET, &gri);
    if (api && api->id != TZE_TOKEN_CAVEAT_UNVERIFIED && api->id != TZE_INTERNAL) abort();
    tz_err_free(api);

    const char *const *spaces;
    size_t n_spaces;
    if (tz_caveat_data_spaces(c, &spaces, &n_spaces))
        for (size_t i = 0; i < n_spaces; i++) (void)strlen(spaces[i]);

    free(w1);
    free(w2);
    free(w3);
    free(t1);
    free(t2);
    free(phrase);
    json_decref(j1);
    json_decref(j2);
    tz_caveat_free(c);
    tz_caveat_free(c2);
    tz_caveat_free(c3);
    return 0;
}
