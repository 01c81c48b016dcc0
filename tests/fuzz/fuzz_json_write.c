/* Fuzzes the reply writer (core/json_write.c) against json_dumps: whatever tree the input gives
 * (parsed as JSON, and the raw bytes as a string member, which need not be UTF-8),
 * tz_json_dump_compact must give exactly json_dumps(JSON_COMPACT)'s text, and fail (NULL) exactly
 * where json_dumps fails. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/json_write.h"

static void check(const json_t *v) {
    size_t len = 0;
    char *ours = tz_json_dump_compact(v, &len);
    char *ref = json_dumps(v, JSON_COMPACT);
    if (!ours != !ref || (ours && (strlen(ref) != len || memcmp(ours, ref, len) != 0 || ours[len] != '\0'))) {
        fprintf(stderr, "writer: %s\njson_dumps: %s\n", ours ? ours : "(failed)", ref ? ref : "(failed)");
        abort();
    }
    free(ours);
    free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_t *parsed = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (parsed) {
        check(parsed);
        json_t *wrapped = json_pack("[O,{s:O}]", parsed, "k", parsed);
        if (wrapped) check(wrapped);
        json_decref(wrapped);
        json_decref(parsed);
    }
    json_t *raw = json_object();
    if (raw && json_object_setn_new_nocheck(raw, (const char *)data, size,
                                            json_stringn_nocheck((const char *)data, size)) == 0)
        check(raw);
    json_decref(raw);
    return 0;
}
