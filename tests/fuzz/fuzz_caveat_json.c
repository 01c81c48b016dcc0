/* Fuzzes the REST JSON readers of caveats (rest-api §4.6) and of token types (§4.5): the input is
 * parsed as JSON (size-capped), then given to tz_caveats_from_json, to tz_caveat_from_json (the
 * value itself and, for arrays, each element) and to tz_token_type_from_json. Checked on every
 * input (abort = finding):
 *  - errors carry the documented ids and details (badData {key}, badValueCaveat {caveat} with the
 *    element as sent or its printed text, badValueTokenType {key});
 *  - an accepted caveat round-trips: JSON -> wire -> caveat gives the same JSON again, except
 *    when an element holds a `|` (the wire form has no escaping, token-format §10.1);
 *  - every error renders a description and every accepted caveat a phrase. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/caveat.h"
#include "core/caveat_internal.h"
#include "core/token.h"

#define MAX_INPUT 65536

static char *dump(const json_t *j) {
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s) abort();
    return s;
}

static void check_error(tz_error *e) {
    char *d = tz_err_description(e);
    if (!d) abort();
    free(d);
    json_t *body = tz_err_body(e);
    if (!body) abort();
    free(dump(body));
    json_decref(body);
}

static bool has_separator(const tz_caveat *c) {
    for (size_t i = 0; i < c->n; i++)
        if (memchr(c->elems[i].ptr, '|', c->elems[i].len)) return true;
    return false;
}

static void check_caveat(const json_t *j) {
    tz_caveat *c = NULL;
    tz_error *e = tz_caveat_from_json(j, &c);
    if (e) {
        if (c) abort();
        if (e->id == TZE_BAD_VALUE_CAVEAT) {
            const json_t *d = json_object_get(e->details, "caveat");
            if (json_is_object(j) || json_is_string(j)) {
                if (!json_equal(d, j)) abort();
            } else if (!json_is_string(d)) {
                abort();
            }
        } else if (e->id != TZE_INTERNAL) {
            abort();
        }
        check_error(e);
        tz_err_free(e);
        return;
    }
    if (!c || !json_is_object(j)) abort();
    json_t *j1 = tz_caveat_to_json(c);
    if (!j1) abort();
    size_t len;
    char *w = tz_caveat_serialize(c, &len);
    if (!w) abort();
    tz_caveat *c2 = NULL;
    tz_error *e2 = tz_caveat_parse(w, len, &c2);
    if (!has_separator(c)) {
        if (e2) abort();
        json_t *j2 = tz_caveat_to_json(c2);
        if (!j2 || !json_equal(j1, j2)) abort();
        /* canonical JSON is accepted again as it is */
        tz_caveat *c3 = NULL;
        tz_error *e3 = tz_caveat_from_json(j1, &c3);
        if (e3) abort();
        json_t *j3 = tz_caveat_to_json(c3);
        if (!j3 || !json_equal(j1, j3)) abort();
        json_decref(j2);
        json_decref(j3);
        tz_caveat_free(c3);
    }
    char *phrase = tz_caveat_phrase_from_json(j1);
    if (!phrase) abort();
    json_t *pj = json_string(phrase);
    if (!pj) abort();
    json_decref(pj);
    free(phrase);

    json_t *details = json_pack("{s:O}", "caveat", j1);
    tz_error *unverified = tz_err_new_details(TZE_TOKEN_CAVEAT_UNVERIFIED, details);
    check_error(unverified);
    tz_err_free(unverified);

    tz_err_free(e2);
    tz_caveat_free(c2);
    free(w);
    json_decref(j1);
    tz_caveat_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > MAX_INPUT) return 0;
    json_error_t err;
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j) return 0;

    tz_caveat **cs = NULL;
    size_t n = 0;
    tz_error *e = tz_caveats_from_json(j, "caveats", &cs, &n);
    if (e) {
        if (cs || n) abort();
        if (e->id == TZE_BAD_DATA) {
            if (json_is_array(j)) abort();
            const char *key = json_string_value(json_object_get(e->details, "key"));
            if (!key || strcmp(key, "caveats") != 0) abort();
        } else if (e->id != TZE_BAD_VALUE_CAVEAT && e->id != TZE_INTERNAL) {
            abort();
        }
        check_error(e);
        tz_err_free(e);
    } else {
        if (!json_is_array(j) || n != json_array_size(j)) abort();
        int64_t t;
        (void)tz_caveats_expiration(cs, n, &t);
        tz_gri gri = {"user", "u", "instance", "private"};
        tz_error *api = tz_caveats_check_api(cs, n, TZ_SVC_OZ_WORKER, TZ_API_GET, &gri);
        if (api) check_error(api);
        tz_err_free(api);
        tz_caveats_free(cs, n);
    }

    check_caveat(j);
    if (json_is_array(j))
        for (size_t i = 0; i < json_array_size(j) && i < 64; i++) check_caveat(json_array_get(j, i));

    tz_token_type tt;
    tz_error *te = tz_token_type_from_json(j, &tt);
    if (te) {
        if (te->id != TZE_BAD_VALUE_TOKEN_TYPE && te->id != TZE_INTERNAL) abort();
        check_error(te);
        tz_err_free(te);
    } else {
        json_t *tj = tz_token_type_to_json(&tt);
        if (!tj) abort();
        tz_token_type tt2;
        tz_error *te2 = tz_token_type_from_json(tj, &tt2);
        if (te2) abort();
        json_t *tj2 = tz_token_type_to_json(&tt2);
        if (!tj2 || !json_equal(tj, tj2)) abort();
        json_decref(tj);
        json_decref(tj2);
        tz_token_type_clear(&tt2);
        tz_token_type_clear(&tt);
    }
    json_decref(j);
    return 0;
}
