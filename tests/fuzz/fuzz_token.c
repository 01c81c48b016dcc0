/* libFuzzer target: token deserialization, and for every token that parses, serialization
 * (which must round-trip), examine, confinement and verification with a fixed secret. Each input
 * is tried twice: as token text, and as macaroon packet bytes wrapped in the outer encodings, so
 * mutations reach the packet and identifier parsers directly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/codec.h"
#include "core/token.h"

static const uint8_t SECRET[] = "verySecretSecret1";

static void verify_with(const tz_token *t, int64_t now, uint32_t supported) {
    tz_caveat_ctx ctx = {0};
    ctx.now = now;
    ctx.peer_ip_known = true;
    ctx.peer_ip = 0xAC620B17u; /* 172.98.11.23 */
    ctx.iface = TZ_IF_GRAPHSYNC;
    ctx.allow_data_access = true;
    ctx.supported = supported;
    tz_verify_result res;
    tz_error *e = tz_token_verify(t, SECRET, sizeof SECRET - 1, &ctx, TZ_SESSION_ANY, NULL, &res);
    if (e) {
        json_t *body = tz_err_body(e); /* renders descriptions of caveat errors too */
        json_decref(body);
        tz_err_free(e);
        return;
    }
    int64_t until;
    (void)tz_caveats_expiration(res.caveats, res.n_caveats, &until);
    tz_verify_result_clear(&res);
}

static void run_text(const uint8_t *data, size_t size) {
    tz_token *t = NULL;
    tz_error *e = tz_token_deserialize((const char *)data, size, 0, &t);
    if (e) {
        tz_err_free(e);
        return;
    }
    char *s = NULL;
    size_t n = 0;
    e = tz_token_serialize(t, &s, &n);
    if (e) {
        tz_err_free(e);
    } else {
        /* a serialized token parses back and serializes to the same bytes */
        tz_token *again = NULL;
        e = tz_token_deserialize(s, n, (size_t)-1, &again);
        if (e) abort();
        char *s2 = NULL;
        size_t n2 = 0;
        e = tz_token_serialize(again, &s2, &n2);
        if (e || n2 != n || memcmp(s, s2, n) != 0) abort();
        free(s2);
        tz_token_free(again);
        free(s);
    }
    json_t *ex = NULL;
    e = tz_token_examine_json(t, &ex);
    if (e) tz_err_free(e);
    json_decref(ex);
    char *idf = tz_token_identifier(t, &n);
    free(idf);
    verify_with(t, 0, 0);
    verify_with(t, 8374891234, TZ_CV_ALL);
    tz_raw_caveat extra = {"time < 100", 10};
    tz_token *c = NULL;
    e = tz_token_confine(t, &extra, 1, &c);
    if (e) tz_err_free(e);
    if (c) verify_with(c, 50, 0);
    tz_token_free(c);
    tz_token_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    run_text(data, size);
    size_t b64_len = tz_b64url_encoded_len(size);
    char *b64 = malloc(b64_len + 1), *text = malloc(2 * b64_len + 1);
    if (b64 && text) {
        tz_b64url_encode(data, size, b64);
        size_t n = tz_base62_escape(b64, b64_len, text);
        run_text((const uint8_t *)text, n);
    }
    free(b64);
    free(text);
    return 0;
}
