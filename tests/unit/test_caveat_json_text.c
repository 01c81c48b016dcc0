/* The caveat JSON written as text must be exactly json_dumps of tz_caveat_to_json, for every kind. */
#include <stdlib.h>
#include <string.h>

#include "core/caveat.h"
#include "core/err.h"
#include "core/json_write.h"
#include "harness.h"

static int same_as_tree(const char *wire) {
    tz_caveat *c = NULL;
    tz_error *e = tz_caveat_parse(wire, strlen(wire), &c);
    if (e) {
        fprintf(stderr, "  cannot parse %s\n", wire);
        tz_err_free(e);
        return 0;
    }
    tz_json_buf b = {0};
    tz_jb_raw(&b, "[", 1);
    tz_caveat_write_json(&b, c);
    tz_jb_raw(&b, "]", 1);
    char *ours = tz_jb_finish(&b, NULL);
    json_t *arr = json_array();
    json_array_append_new(arr, tz_caveat_to_json(c));
    char *ref = json_dumps(arr, JSON_COMPACT);
    int ok = ours && ref && !strcmp(ours, ref);
    if (!ok) fprintf(stderr, "  %s\n  ours: %s\n  tree: %s\n", wire, ours ? ours : "(null)", ref ? ref : "(null)");
    free(ours);
    free(ref);
    json_decref(arr);
    tz_caveat_free(c);
    return ok;
}

static void test_every_kind(void) {
    static const char *const wires[] = {
        "time < 8374891234", "time < 0", "time < -5", "time < 9223372036854775807", "time < -9223372036854775808",
        "ip = 172.98.11.23/32", "ip = 1.2.3.0/24|5.6.7.8/32|0.0.0.0/0", "ip = 127.0.0.0/8", "asn = 322", "asn = 1|-2|0",
        "geo.country = PL|FR", "geo.country != DE", "geo.country = anything|", "geo.region = Asia|EU",
        "geo.region != Europe", "authorization = none", "service = ozw-onezone", "service = ozp-onezone|opw-*|opp-p1|opw-",
        "consumer = usr-user-id|grp-group-id", "consumer = prv-*|usr-*|grp-*|nobody|usr-", "interface = rest",
        "interface = oneclient", "interface = graphsync", "api = all/all/*.*.*:*",
        "api = ozw/get/user.self.instance:private|opw/create/file.x.y,z:auto", "data.readonly",
        "data.path = L3NwYWNlMS9maWxlMS50eHQ=|L3NwYWNlMi9kaXIvZmlsZTIudHh0", "data.path = |Lw==",
        "data.objectid = 00000000000CDBDA677569642331323323616263", "data.objectid = any|thing|",
    };
    for (size_t i = 0; i < sizeof wires / sizeof wires[0]; i++) CHECK(same_as_tree(wires[i]));
}

int main(void) {
    RUN(test_every_kind);
    return TEST_REPORT();
}
