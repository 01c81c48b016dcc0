/* Caveats: wire form, JSON form with sanitize rules and error details, phrases, verification
 * (token-format §10-§11, rest-api §4.6, errors.md §5). */
#include <stdlib.h>
#include <string.h>

#include "core/caveat.h"
#include "harness.h"

/* ---- helpers ---- */

static tz_caveat *parse(const char *wire) {
    tz_caveat *c = NULL;
    tz_error *e = tz_caveat_parse(wire, strlen(wire), &c);
    if (e) {
        fprintf(stderr, "unexpected parse failure: %s\n", wire);
        tz_err_free(e);
    }
    return c;
}

static char *ser(const tz_caveat *c) {
    return c ? tz_caveat_serialize(c, NULL) : NULL;
}

static char *json_text(const json_t *j) {
    return j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static char *to_json_text(const tz_caveat *c) {
    if (!c) return NULL;
    json_t *j = tz_caveat_to_json(c);
    char *s = json_text(j);
    json_decref(j);
    return s;
}

/* wire -> canonical wire */
static void check_wire(const char *wire, const char *canonical) {
    tz_caveat *c = parse(wire);
    char *s = ser(c);
    CHECK_STR(s, canonical);
    free(s);
    tz_caveat_free(c);
}

/* wire -> JSON text */
static void check_wire_json(const char *wire, const char *json) {
    tz_caveat *c = parse(wire);
    char *s = to_json_text(c);
    CHECK_STR(s, json);
    free(s);
    tz_caveat_free(c);
}

static void check_unknown(const char *wire, size_t len) {
    tz_caveat *c = (tz_caveat *)1;
    tz_error *e = tz_caveat_parse(wire, len, &c);
    CHECK(e != NULL);
    CHECK(c == NULL);
    if (e) {
        CHECK_INT(e->id, TZE_TOKEN_CAVEAT_UNKNOWN);
        const json_t *raw = json_object_get(e->details, "caveat");
        CHECK(json_is_string(raw));
        if (len == strlen(wire) && json_is_string(raw)) CHECK_STR(json_string_value(raw), wire);
        if (!json_is_string(raw) || json_string_length(raw) != len) fprintf(stderr, "unknown: %s\n", wire);
    }
    tz_err_free(e);
}

/* JSON text -> caveat (sanitized); returns NULL and the error when rejected */
static tz_caveat *from_json_text(const char *text, tz_error **err) {
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) {
        fprintf(stderr, "bad test JSON: %s\n", text);
        *err = NULL;
        return NULL;
    }
    tz_caveat *c = NULL;
    *err = tz_caveat_from_json(j, &c);
    json_decref(j);
    return c;
}

/* Accepted JSON gives the wire string and the canonical JSON. */
static void check_json_ok(const char *text, const char *wire, const char *canonical_json) {
    tz_error *e = NULL;
    tz_caveat *c = from_json_text(text, &e);
    if (e) fprintf(stderr, "rejected: %s\n", text);
    CHECK(e == NULL);
    CHECK(c != NULL);
    char *s = ser(c);
    CHECK_STR(s, wire);
    free(s);
    if (canonical_json) {
        s = to_json_text(c);
        CHECK_STR(s, canonical_json);
        free(s);
    }
    tz_caveat_free(c);
    tz_err_free(e);
}

/* Rejected JSON gives badValueCaveat with the given details.caveat (JSON text). */
static void check_json_bad(const char *text, const char *detail) {
    tz_error *e = NULL;
    tz_caveat *c = from_json_text(text, &e);
    if (c) fprintf(stderr, "accepted: %s\n", text);
    CHECK(c == NULL);
    CHECK(e != NULL);
    if (e) {
        CHECK_INT(e->id, TZE_BAD_VALUE_CAVEAT);
        char *d = json_text(json_object_get(e->details, "caveat"));
        CHECK_STR(d, detail ? detail : text);
        free(d);
    }
    tz_caveat_free(c);
    tz_err_free(e);
}

static char *phrase_of_wire(const char *wire) {
    tz_caveat *c = parse(wire);
    if (!c) return NULL;
    json_t *j = tz_caveat_to_json(c);
    char *p = tz_caveat_phrase_from_json(j);
    json_decref(j);
    tz_caveat_free(c);
    return p;
}

static void check_phrase(const char *wire, const char *want) {
    char *p = phrase_of_wire(wire);
    CHECK_STR(p, want);
    free(p);
}

/* ---- wire form ---- */

static void test_wire_roundtrips(void) {
    static const char *const canonical[] = {
        "time < 8374891234", "time < 0", "time < -5", "time < 9223372036854775807", "time < -9223372036854775808",
        "ip = 172.98.11.23/32", "ip = 1.2.3.0/24|5.6.7.8/32|0.0.0.0/0", "asn = 322", "asn = 1|-2|0",
        "geo.country = PL|FR", "geo.country != DE", "geo.country = anything|", "geo.region = Asia|EU",
        "geo.region != Europe", "geo.region = Atlantis", "authorization = none", "service = ozw-onezone",
        "service = ozp-onezone|opw-*|opp-p1|opw-", "service = opw-a-b-c", "consumer = usr-user-id|grp-group-id",
        "consumer = prv-*|usr-*|grp-*|nobody|usr-", "interface = rest", "interface = oneclient",
        "interface = graphsync", "api = all/all/*.*.*:*", "api = ozw/get/user.self.instance:private|opw/create/file.x.y,z:auto",
        "data.readonly", "data.path = L3NwYWNlMS9maWxlMS50eHQ=|L3NwYWNlMi9kaXIvZmlsZTIudHh0", "data.path = |Lw==",
        "data.objectid = 00000000000CDBDA677569642331323323616263", "data.objectid = any|thing|",
    };
    for (size_t i = 0; i < sizeof canonical / sizeof canonical[0]; i++) check_wire(canonical[i], canonical[i]);

    /* leniencies normalised by serialization */
    check_wire("time < +007", "time < 7");
    check_wire("time < -0", "time < 0");
    check_wire("time < 0008374891234", "time < 8374891234");
    check_wire("ip = 1.2.3.4/", "ip = 1.2.3.4/32");
    check_wire("ip = 1.2.3.4//8", "ip = 1.2.3.4/8");
    check_wire("ip = 1.2.3.4/8/", "ip = 1.2.3.4/8");
    check_wire("ip = 1.2.3.4", "ip = 1.2.3.4/32");
    check_wire("ip = 010.001.0.00/+08", "ip = 10.1.0.0/8");
    check_wire("ip = 1.2.3.4/-0", "ip = 1.2.3.4/0");
    check_wire("ip = 255.255.255.255/32", "ip = 255.255.255.255/32");
    check_wire("asn = +5|007", "asn = 5|7");
    check_wire("api = ozw/all/user.*.*", "api = ozw/all/user.*.*:private");

    /* types */
    tz_caveat *c = parse("geo.region != EU");
    CHECK(c && tz_caveat_get_type(c) == TZ_CV_GEO_REGION);
    tz_caveat_free(c);
    c = parse("authorization = none");
    CHECK(c && tz_caveat_get_type(c) == TZ_CV_SCOPE);
    tz_caveat_free(c);
}

static void test_wire_unknown(void) {
    static const char *const bad[] = {
        "", "time", "time <", "time < ", "time < x", "time < 1.5", "time < 1 ", " time < 1", "time <  1", "Time < 1",
        "time < 99999999999999999999", "time < --1", "time < +", "time > 1234", "time < 1_000",
        "ip = ", "ip = /8", "ip = 1.2.3.4/33", "ip = 1.2.3.4/-1", "ip = 1.2.3", "ip = 1.2.3.4.5", "ip = 1.2.3.256",
        "ip = 1.2.3.4/8/9", "ip = 1.2.3.4|", "ip = |1.2.3.4", "ip = a.b.c.d", "ip = 1.2.3.4 /8", "ip = ::1",
        "ip = 1.2.3.0004", "ip = 1..3.4", "ip = 1.2.3.4/x",
        "asn = ", "asn = x", "asn = 1|", "asn = 1.5", "asn = 1,2",
        "geo.country = ", "geo.country =", "geo.country PL", "geo.region = ", "geo.region !=",
        "authorization = none ", "authorization = None", "scope = identity_token",
        "service = ", "service = xyz-1", "service = ozw", "service = ozw_1", "service = ozw-1|", "service = OZW-1",
        "consumer = ", "consumer = usr", "consumer = user-1", "consumer = nobody|", "consumer = usr-1|xyz-2",
        "consumer = Nobody",
        "interface = ", "interface = REST", "interface = rest ", "interface = rest|oneclient", "interface = x",
        "api = ", "api = all/all/*.*", "api = all/all/*.*.*:*|", "api = all/list/*.*.*", "api = xyz/all/*.*.*",
        "api = all/all/unknowntype.*.*", "api = all/all/*.*.*/x", "api = all/all/*.*.*:never",
        "data.readonly ", "data.readonly = 1", "data.path = ", "data.path = L3M", "data.path = L3M=|x",
        "data.path = L3NwYWNlMS9maWxlMS50eHQ", "data.path = -_8=", "data.objectid = ",
        "audience = usr-1", "grant = everything", "unknown",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) check_unknown(bad[i], strlen(bad[i]));

    /* NUL bytes and invalid UTF-8 in the raw caveat */
    check_unknown("time < 1\0", 9);
    check_unknown("interface = rest\0", 17);
    tz_caveat *c = NULL;
    const char raw[] = "geo\xff\xfe = \xc3(";
    tz_error *e = tz_caveat_parse(raw, sizeof raw - 1, &c);
    CHECK(e != NULL && e->id == TZE_TOKEN_CAVEAT_UNKNOWN);
    if (e) CHECK_STR(json_string_value(json_object_get(e->details, "caveat")),
                     "geo\xEF\xBF\xBD\xEF\xBF\xBD = \xEF\xBF\xBD(");
    tz_err_free(e);
    e = tz_caveat_parse(NULL, 0, &c);
    CHECK(e != NULL && e->id == TZE_TOKEN_CAVEAT_UNKNOWN);
    tz_err_free(e);

    /* NUL bytes inside list elements survive a round trip */
    const char nul[] = "geo.country = P\0|X";
    e = tz_caveat_parse(nul, sizeof nul - 1, &c);
    CHECK(e == NULL);
    size_t len = 0;
    char *s = c ? tz_caveat_serialize(c, &len) : NULL;
    CHECK(s && len == sizeof nul - 1 && memcmp(s, nul, len) == 0);
    char *j = to_json_text(c);
    CHECK_STR(j, "{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[\"P\\u0000\",\"X\"]}");
    free(j);
    free(s);
    tz_caveat_free(c);

    /* huge lists: an element cap keeps memory bounded */
    size_t n = 70000;
    char *big = malloc(strlen("geo.country = ") + n + 1);
    strcpy(big, "geo.country = ");
    memset(big + strlen(big), '|', n);
    big[strlen("geo.country = ") + n] = '\0';
    check_unknown(big, strlen(big));
    big[strlen("geo.country = ") + 1000] = '\0';
    c = parse(big);
    CHECK(c != NULL);
    tz_caveat_free(c);
    free(big);
}

static void test_wire_json(void) {
    check_wire_json("time < -5", "{\"type\":\"time\",\"validUntil\":-5}");
    check_wire_json("ip = 1.2.3.4|5.6.7.8/8", "{\"type\":\"ip\",\"whitelist\":[\"1.2.3.4/32\",\"5.6.7.8/8\"]}");
    check_wire_json("asn = 1|22", "{\"type\":\"asn\",\"whitelist\":[1,22]}");
    check_wire_json("geo.country != PL|", "{\"type\":\"geo.country\",\"filter\":\"blacklist\",\"list\":[\"PL\",\"\"]}");
    check_wire_json("geo.region = EU", "{\"type\":\"geo.region\",\"filter\":\"whitelist\",\"list\":[\"EU\"]}");
    check_wire_json("authorization = none", "{\"scope\":\"identityToken\"}");
    check_wire_json("service = opw-*", "{\"type\":\"service\",\"whitelist\":[\"opw-*\"]}");
    check_wire_json("consumer = nobody|usr-u", "{\"type\":\"consumer\",\"whitelist\":[\"nobody\",\"usr-u\"]}");
    check_wire_json("interface = oneclient", "{\"type\":\"interface\",\"interface\":\"oneclient\"}");
    check_wire_json("api = ozw/all/user.*.*", "{\"type\":\"api\",\"whitelist\":[\"ozw/all/user.*.*:private\"]}");
    check_wire_json("data.readonly", "{\"type\":\"data.readonly\"}");
    check_wire_json("data.path = Lw==", "{\"type\":\"data.path\",\"whitelist\":[\"Lw==\"]}");
    check_wire_json("data.objectid = x", "{\"type\":\"data.objectid\",\"whitelist\":[\"x\"]}");
    /* invalid UTF-8 from the wire becomes U+FFFD in JSON */
    check_wire_json("geo.country = \xff\xfe", "{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[\"\xEF\xBF\xBD\xEF\xBF\xBD\"]}");
    check_wire_json("data.objectid = a\xc3\xa9\xe2\x82", "{\"type\":\"data.objectid\",\"whitelist\":[\"a\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD\"]}");
    check_wire_json("consumer = usr-\xed\xa0\x80", "{\"type\":\"consumer\",\"whitelist\":[\"usr-\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"]}");
}

/* ---- JSON form ---- */

/* The 13 caveats of token-format §15 give the wire strings of the vectors. */
static void test_vector_wire_strings(void) {
    check_json_ok("{\"type\":\"time\",\"validUntil\":8374891234}", "time < 8374891234", NULL);
    check_json_ok("{\"type\":\"ip\",\"whitelist\":[\"172.98.11.23/32\"]}", "ip = 172.98.11.23/32", NULL);
    check_json_ok("{\"type\":\"asn\",\"whitelist\":[322]}", "asn = 322", NULL);
    check_json_ok("{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[\"PL\",\"FR\"]}", "geo.country = PL|FR", NULL);
    check_json_ok("{\"type\":\"geo.region\",\"filter\":\"whitelist\",\"list\":[\"Asia\",\"EU\"]}", "geo.region = Asia|EU", NULL);
    check_json_ok("{\"scope\":\"identityToken\"}", "authorization = none", NULL);
    check_json_ok("{\"type\":\"service\",\"whitelist\":[\"ozw-onezone\"]}", "service = ozw-onezone", NULL);
    check_json_ok("{\"type\":\"consumer\",\"whitelist\":[\"usr-user-id\",\"grp-group-id\"]}",
                  "consumer = usr-user-id|grp-group-id", NULL);
    check_json_ok("{\"type\":\"interface\",\"interface\":\"graphsync\"}", "interface = graphsync", NULL);
    check_json_ok("{\"type\":\"api\",\"whitelist\":[\"all/all/*.*.*:*\"]}", "api = all/all/*.*.*:*", NULL);
    check_json_ok("{\"type\":\"data.readonly\"}", "data.readonly", NULL);
    check_json_ok("{\"type\":\"data.path\",\"whitelist\":[\"L3NwYWNlMS9maWxlMS50eHQ=\",\"L3NwYWNlMi9kaXIvZmlsZTIudHh0\"]}",
                  "data.path = L3NwYWNlMS9maWxlMS50eHQ=|L3NwYWNlMi9kaXIvZmlsZTIudHh0", NULL);
    check_json_ok("{\"type\":\"data.objectid\",\"whitelist\":[\"00000000000CDBDA677569642331323323616263\"]}",
                  "data.objectid = 00000000000CDBDA677569642331323323616263", NULL);
}

static void test_json_accept(void) {
    /* canonical forms */
    check_json_ok("{\"type\":\"ip\",\"whitelist\":[\"167.73.12.17\"]}", "ip = 167.73.12.17/32",
                  "{\"type\":\"ip\",\"whitelist\":[\"167.73.12.17/32\"]}");
    check_json_ok("{\"type\":\"ip\",\"whitelist\":[\"1.2.3.0/24\",\"5.6.7.8\",\"9.9.9.9//8\",\"1.1.1.1/\"]}",
                  "ip = 1.2.3.0/24|5.6.7.8/32|9.9.9.9/8|1.1.1.1/32", NULL);
    check_json_ok("{\"type\":\"api\",\"whitelist\":[\"ozw/all/user.*.*\"]}", "api = ozw/all/user.*.*:private",
                  "{\"type\":\"api\",\"whitelist\":[\"ozw/all/user.*.*:private\"]}");
    check_json_ok("{\"type\":\"api\",\"whitelist\":[\"ozw/all/user.*.*:auto\",\"all/get/*.null.*,*\"]}",
                  "api = ozw/all/user.*.*:auto|all/get/*.null.*,*:private", NULL);
    /* extra keys are ignored */
    check_json_ok("{\"type\":\"time\",\"validUntil\":123,\"extra\":[1]}", "time < 123", "{\"type\":\"time\",\"validUntil\":123}");
    check_json_ok("{\"type\":\"data.readonly\",\"whitelist\":5}", "data.readonly", NULL);
    check_json_ok("{\"scope\":\"identityToken\",\"type\":\"whatever\"}", "authorization = none", NULL);
    /* forms are tried in table order: scope comes after region, before service ... */
    check_json_ok("{\"type\":\"service\",\"whitelist\":[\"ozw-onezone\"],\"scope\":\"identityToken\"}",
                  "authorization = none", NULL);
    check_json_ok("{\"type\":\"time\",\"validUntil\":5,\"scope\":\"identityToken\"}", "time < 5", NULL);
    /* ... and a form with an empty or missing list is skipped */
    check_json_ok("{\"type\":\"ip\",\"whitelist\":[],\"scope\":\"identityToken\"}", "authorization = none", NULL);
    check_json_ok("{\"type\":\"geo.country\",\"list\":[\"PL\"],\"scope\":\"identityToken\"}", "authorization = none", NULL);
    check_json_ok("{\"type\":\"time\",\"scope\":\"identityToken\"}", "authorization = none", NULL);
    /* values */
    check_json_ok("{\"type\":\"time\",\"validUntil\":-5}", "time < -5", NULL);
    check_json_ok("{\"type\":\"asn\",\"whitelist\":[45,785,112]}", "asn = 45|785|112", NULL);
    check_json_ok("{\"type\":\"geo.country\",\"filter\":\"blacklist\",\"list\":[\"PL\",\"DE\"]}",
                  "geo.country != PL|DE", NULL);
    check_json_ok("{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[\"pl\",\"\xc5\x81\"]}",
                  "geo.country = pl|\xc5\x81", NULL); /* 2 bytes, case not checked */
    check_json_ok("{\"type\":\"geo.region\",\"filter\":\"blacklist\",\"list\":[\"Africa\",\"Antarctica\",\"Asia\","
                  "\"Europe\",\"EU\",\"NorthAmerica\",\"Oceania\",\"SouthAmerica\"]}",
                  "geo.region != Africa|Antarctica|Asia|Europe|EU|NorthAmerica|Oceania|SouthAmerica", NULL);
    check_json_ok("{\"type\":\"service\",\"whitelist\":[\"ozp-onezone\",\"opw-123\",\"opp-*\",\"ozw-\"]}",
                  "service = ozp-onezone|opw-123|opp-*|ozw-", NULL);
    check_json_ok("{\"type\":\"consumer\",\"whitelist\":[\"grp-group-id\",\"prv-*\",\"usr-\"]}",
                  "consumer = grp-group-id|prv-*|usr-", NULL);
    check_json_ok("{\"type\":\"interface\",\"interface\":\"rest\"}", "interface = rest", NULL);
    check_json_ok("{\"type\":\"interface\",\"interface\":\"oneclient\"}", "interface = oneclient", NULL);
    check_json_ok("{\"type\":\"data.path\",\"whitelist\":[\"L2EvYi9jL2Q=\"]}", "data.path = L2EvYi9jL2Q=", NULL);
    check_json_ok("{\"type\":\"data.path\",\"whitelist\":[\"Ly9h\"]}", "data.path = Ly9h", NULL); /* "//a" */
    check_json_ok("{\"type\":\"data.objectid\",\"whitelist\":[\"00000000000cdbda677569642331323323616263\"]}",
                  "data.objectid = 00000000000cdbda677569642331323323616263", NULL);
}

static void test_json_reject(void) {
    /* not objects: strings as given, other values printed as text */
    check_json_bad("\"abc\"", NULL);
    check_json_bad("\"time < 1234\"", NULL);
    check_json_bad("\"ip = 1.2.3.4\"", NULL);
    check_json_bad("1233454567", "\"1233454567\"");
    check_json_bad("1", "\"1\"");
    check_json_bad("-7", "\"-7\"");
    check_json_bad("null", "\"null\"");
    check_json_bad("true", "\"true\"");
    check_json_bad("false", "\"false\"");
    check_json_bad("1.56", "\"1.56\"");
    check_json_bad("1.0", "\"1.0\"");
    check_json_bad("1e25", "\"1.0e25\"");
    check_json_bad("0.0001", "\"0.0001\"");
    check_json_bad("0.00001", "\"1.0e-5\"");
    check_json_bad("0.5", "\"0.5\"");
    check_json_bad("1000.0", "\"1.0e3\"");
    check_json_bad("123456.0", "\"123456.0\"");
    check_json_bad("1234560.0", "\"1234560.0\"");
    check_json_bad("12345600.0", "\"1.23456e7\"");
    check_json_bad("-2.5", "\"-2.5\"");
    check_json_bad("100.0", "\"100.0\"");
    check_json_bad("[1,2]", "\"[1,2]\"");
    check_json_bad("[]", "\"[]\"");
    check_json_bad("[\"a\",null]", "\"[<<\\\"a\\\">>,null]\"");
    check_json_bad("[104,105]", "\"\\\"hi\\\"\"");
    check_json_bad("[{\"b\":1,\"a\":[]}]", "\"[#{<<\\\"a\\\">> => [],<<\\\"b\\\">> => 1}]\"");

    /* objects: returned as sent */
    check_json_bad("{}", NULL);
    check_json_bad("{\"a\":\"b\"}", NULL);
    check_json_bad("{\"type\":\"tiem\"}", NULL);
    check_json_bad("{\"type\":\"unknownCaveat\"}", NULL);
    check_json_bad("{\"type\":\"time\",\"validAfter\":1231231}", NULL);
    check_json_bad("{\"type\":\"time\",\"validUntil\":\"infinity\"}", NULL);
    check_json_bad("{\"type\":\"time\",\"validUntil\":1.5}", NULL);
    check_json_bad("{\"type\":\"time\",\"validUntil\":true}", NULL);
    check_json_bad("{\"type\":\"time\",\"validUntil\":\"123\"}", NULL);
    check_json_bad("{\"type\":\"ip\",\"whitelist\":[]}", NULL);
    check_json_bad("{\"type\":\"ip\",\"whitelist\":\"all\"}", NULL);
    check_json_bad("{\"type\":\"ip\",\"whitelist\":[\"all\"]}", NULL);
    check_json_bad("{\"type\":\"ip\",\"whitelist\":[\"172.98.11.23/34\"]}", NULL);
    check_json_bad("{\"type\":\"ip\",\"whitelist\":[\"172.9998.11.23/30\"]}", NULL);
    check_json_bad("{\"type\":\"ip\",\"blacklist\":[\"172.98.11.23/32\"]}", NULL);
    check_json_bad("{\"type\":\"ip\",\"whitelist\":[17]}", NULL);
    check_json_bad("{\"type\":\"ip\",\"whitelist\":[\"/8\"]}", NULL);
    check_json_bad("{\"type\":\"asn\",\"whitelist\":[]}", NULL);
    check_json_bad("{\"type\":\"asn\",\"whitelist\":\"zxcvxz\"}", NULL);
    check_json_bad("{\"type\":\"asn\",\"whitelist\":[\"zxcvxz\"]}", NULL);
    check_json_bad("{\"type\":\"asn\",\"whitelist\":[\"45.785.112\"]}", NULL);
    check_json_bad("{\"type\":\"asn\",\"whitelist\":[\"76fb\"]}", NULL);
    check_json_bad("{\"type\":\"asn\",\"whitelist\":[\"45\"]}", NULL);
    check_json_bad("{\"type\":\"asn\",\"whitelist\":[4.5]}", NULL);
    check_json_bad("{\"type\":\"asn\",\"blacklist\":[45,785,112]}", NULL);
    check_json_bad("{\"type\":\"geo.country\",\"filter\":\"blacklist\",\"list\":[]}", NULL);
    check_json_bad("{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[]}", NULL);
    check_json_bad("{\"type\":\"geo.country\",\"filter\":\"badlist\",\"list\":[\"PL\",\"DE\"]}", NULL);
    check_json_bad("{\"type\":\"geo.country\",\"filter\":\"blacklist\",\"list\":[1,2,3]}", NULL);
    check_json_bad("{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[\"POL\"]}", NULL);
    check_json_bad("{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[\"P\"]}", NULL);
    check_json_bad("{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[\"\\u0141\\u0141\"]}",
                   "{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[\"\xc5\x81\xc5\x81\"]}");
    check_json_bad("{\"type\":\"geo.country\",\"filter\":1,\"list\":[\"PL\"]}", NULL);
    check_json_bad("{\"type\":\"geo.country\",\"list\":[\"PL\"]}", NULL);
    check_json_bad("{\"type\":\"geo.region\",\"filter\":\"blacklist\",\"list\":[]}", NULL);
    check_json_bad("{\"type\":\"geo.region\",\"filter\":\"whitelist\",\"list\":[]}", NULL);
    check_json_bad("{\"type\":\"geo.region\",\"filter\":\"badlist\",\"list\":[\"Asia\",\"EU\"]}", NULL);
    check_json_bad("{\"type\":\"geo.region\",\"filter\":\"blacklist\",\"list\":[1,2,3]}", NULL);
    check_json_bad("{\"type\":\"geo.region\",\"filter\":\"whitelist\",\"list\":[\"Atlantis\"]}", NULL);
    check_json_bad("{\"type\":\"geo.region\",\"filter\":\"whitelist\",\"list\":[\"eu\"]}", NULL);
    check_json_bad("{\"scope\":\"unlimited\"}", NULL);
    check_json_bad("{\"scope\":\"access_token\"}", NULL);
    check_json_bad("{\"scope\":\"identity_token\"}", NULL);
    check_json_bad("{\"type\":\"authorizationNone\"}", NULL);
    check_json_bad("{\"type\":\"service\",\"whitelist\":[]}", NULL);
    check_json_bad("{\"type\":\"service\",\"whitelist\":\"opp-123\"}", NULL);
    check_json_bad("{\"type\":\"service\",\"whitelist\":[\"xcvsdjuhfsdfh\"]}", NULL);
    check_json_bad("{\"type\":\"service\",\"whitelist\":[\"usr-123\"]}", NULL);
    check_json_bad("{\"type\":\"service\",\"whitelist\":[\"ozw\"]}", NULL);
    check_json_bad("{\"type\":\"service\",\"blacklist\":[\"opp-123\"]}", NULL);
    check_json_bad("{\"type\":\"consumer\",\"whitelist\":[]}", NULL);
    check_json_bad("{\"type\":\"consumer\",\"whitelist\":\"opp-123\"}", NULL);
    check_json_bad("{\"type\":\"consumer\",\"whitelist\":[\"xcvsdjuhfsdfh\"]}", NULL);
    check_json_bad("{\"type\":\"consumer\",\"whitelist\":[\"nobody\"]}", NULL);
    check_json_bad("{\"type\":\"consumer\",\"whitelist\":[\"usr-a\",\"nobody\"]}", NULL);
    check_json_bad("{\"type\":\"consumer\",\"blacklist\":[\"opp-123\"]}", NULL);
    check_json_bad("{\"type\":\"interface\",\"interface\":[\"graphsync\",\"rest\"]}", NULL);
    check_json_bad("{\"type\":\"interface\",\"interface\":123}", NULL);
    check_json_bad("{\"type\":\"interface\",\"interface\":{\"abcd\":\"ghij\"}}", NULL);
    check_json_bad("{\"type\":\"interface\",\"interface\":\"REST\"}", NULL);
    check_json_bad("{\"type\":\"interface\"}", NULL);
    check_json_bad("{\"type\":\"api\",\"whitelist\":[]}", NULL);
    check_json_bad("{\"type\":\"api\",\"blacklist\":[\"ozw/all/user.*.*:auto\"]}", NULL);
    check_json_bad("{\"type\":\"api\",\"whitelist\":[\"all/user.*.*:auto\"]}", NULL);
    check_json_bad("{\"type\":\"api\",\"whitelist\":\"8sdafhg72aw3r\"}", NULL);
    check_json_bad("{\"type\":\"api\",\"whitelist\":[\"ozw/all/user.a|b.x\"]}", NULL);
    check_json_bad("{\"type\":\"api\",\"whitelist\":[\"ozw/all/user.x.y\",1]}", NULL);
    check_json_bad("{\"type\":\"data.writeonly\"}", NULL);
    check_json_bad("{\"type\":\"data.path\",\"whitelist\":[]}", NULL);
    check_json_bad("{\"type\":\"data.path\",\"whitelist\":[\"a/b/c/d/e$%#@\"]}", NULL);
    check_json_bad("{\"type\":\"data.path\",\"blacklist\":[\"L3NwYWNlMS9maWxlMS50eHQ=\"]}", NULL);
    check_json_bad("{\"type\":\"data.path\",\"whitelist\":[\"a\",\"/b/c\"]}", NULL);
    check_json_bad("{\"type\":\"data.path\",\"whitelist\":[\"L3NwYWNlMS8=\"]}", NULL); /* "/space1/" */
    check_json_bad("{\"type\":\"data.path\",\"whitelist\":[\"/\"]}", NULL);
    check_json_bad("{\"type\":\"data.path\",\"whitelist\":[\"Lw==\"]}", NULL);   /* "/" */
    check_json_bad("{\"type\":\"data.path\",\"whitelist\":[\"\"]}", NULL);       /* "" */
    check_json_bad("{\"type\":\"data.path\",\"whitelist\":[\"YS9i\"]}", NULL);   /* "a/b" */
    check_json_bad("{\"type\":\"data.path\",\"whitelist\":[\"L2EvYi9jL2Q\"]}", NULL); /* unpadded */
    check_json_bad("{\"type\":\"data.path\",\"whitelist\":[1]}", NULL);
    check_json_bad("{\"type\":\"data.objectid\",\"whitelist\":[]}", NULL);
    check_json_bad("{\"type\":\"data.objectid\",\"whitelist\":[\"nothex\"]}", NULL);
    check_json_bad("{\"type\":\"data.objectid\",\"whitelist\":[343]}", NULL);
    check_json_bad("{\"type\":\"data.objectid\",\"blacklist\":[\"00000000000CDBDA677569642331323323616263\"]}", NULL);
    /* a valid id without a space, a broken header */
    check_json_bad("{\"type\":\"data.objectid\",\"whitelist\":[\"0000000000095F1E677569642331323323\"]}", NULL);
    check_json_bad("{\"type\":\"data.objectid\",\"whitelist\":[\"01000000000CDBDA677569642331323323616263\"]}", NULL);
}

static void test_caveats_from_json(void) {
    tz_caveat **cs = (tz_caveat **)1;
    size_t n = 7;
    /* non-arrays */
    static const char *const not_arrays[] = {"{}", "\"\"", "\"string literal\"", "345345", "1.56", "null", "true"};
    for (size_t i = 0; i < sizeof not_arrays / sizeof not_arrays[0]; i++) {
        json_t *j = json_loads(not_arrays[i], JSON_DECODE_ANY, NULL);
        tz_error *e = tz_caveats_from_json(j, "caveats", &cs, &n);
        CHECK(e != NULL && e->id == TZE_BAD_DATA);
        if (e) CHECK_STR(json_string_value(json_object_get(e->details, "key")), "caveats");
        CHECK(cs == NULL && n == 0);
        tz_err_free(e);
        json_decref(j);
    }
    tz_error *e = tz_caveats_from_json(NULL, "caveats", &cs, &n);
    CHECK(e != NULL && e->id == TZE_BAD_DATA);
    tz_err_free(e);

    /* empty array */
    json_t *j = json_array();
    e = tz_caveats_from_json(j, "caveats", &cs, &n);
    CHECK(e == NULL && cs == NULL && n == 0);
    json_decref(j);

    /* first failure wins */
    j = json_loads("[{\"type\":\"data.readonly\"},1,2,3]", 0, NULL);
    e = tz_caveats_from_json(j, "caveats", &cs, &n);
    CHECK(e != NULL && e->id == TZE_BAD_VALUE_CAVEAT);
    if (e) CHECK_STR(json_string_value(json_object_get(e->details, "caveat")), "1");
    CHECK(cs == NULL && n == 0);
    tz_err_free(e);
    json_decref(j);
    j = json_loads("[\"a\",\"b\",\"c\"]", 0, NULL);
    e = tz_caveats_from_json(j, "caveats", &cs, &n);
    CHECK(e != NULL && e->id == TZE_BAD_VALUE_CAVEAT);
    if (e) CHECK_STR(json_string_value(json_object_get(e->details, "caveat")), "a");
    tz_err_free(e);
    json_decref(j);

    /* all good: in order */
    j = json_loads("[{\"type\":\"time\",\"validUntil\":9},{\"type\":\"data.readonly\"},{\"type\":\"time\",\"validUntil\":4}]", 0, NULL);
    e = tz_caveats_from_json(j, "caveats", &cs, &n);
    CHECK(e == NULL && n == 3);
    if (!e && n == 3) {
        CHECK_INT(tz_caveat_get_type(cs[0]), TZ_CV_TIME);
        CHECK_INT(tz_caveat_get_type(cs[1]), TZ_CV_DATA_READONLY);
        int64_t t = 0;
        CHECK(tz_caveats_expiration(cs, n, &t));
        CHECK_INT(t, 4);
        CHECK(!tz_caveats_expiration(cs + 1, 1, &t));
        CHECK(!tz_caveats_expiration(NULL, 0, &t));
    }
    tz_caveats_free(cs, n);
    json_decref(j);

    /* the error description quotes the JSON of the offending element */
    j = json_loads("[1]", 0, NULL);
    e = tz_caveats_from_json(j, "caveats", &cs, &n);
    char *desc = tz_err_description(e);
    CHECK_STR(desc, "Provided caveat is invalid: '\"1\"'.");
    free(desc);
    tz_err_free(e);
    json_decref(j);
}

/* JSON -> caveat -> JSON is the canonical JSON; wire from JSON parses back to the same JSON. */
static void test_json_roundtrip(void) {
    static const char *const canonical[] = {
        "{\"type\":\"time\",\"validUntil\":1}",
        "{\"type\":\"ip\",\"whitelist\":[\"1.2.3.4/32\",\"0.0.0.0/0\"]}",
        "{\"type\":\"asn\",\"whitelist\":[-1,9223372036854775807]}",
        "{\"type\":\"geo.country\",\"filter\":\"blacklist\",\"list\":[\"PL\"]}",
        "{\"type\":\"geo.region\",\"filter\":\"whitelist\",\"list\":[\"EU\",\"Asia\"]}",
        "{\"scope\":\"identityToken\"}",
        "{\"type\":\"service\",\"whitelist\":[\"opw-p\",\"ozw-*\"]}",
        "{\"type\":\"consumer\",\"whitelist\":[\"prv-p\",\"grp-*\"]}",
        "{\"type\":\"interface\",\"interface\":\"graphsync\"}",
        "{\"type\":\"api\",\"whitelist\":[\"opp/delete/*.*.*,*:*\"]}",
        "{\"type\":\"data.readonly\"}",
        "{\"type\":\"data.path\",\"whitelist\":[\"L3M=\"]}",
        "{\"type\":\"data.objectid\",\"whitelist\":[\"00000000000CDBDA677569642331323323616263\"]}",
    };
    for (size_t i = 0; i < sizeof canonical / sizeof canonical[0]; i++) {
        tz_error *e = NULL;
        tz_caveat *c = from_json_text(canonical[i], &e);
        CHECK(e == NULL);
        char *j1 = to_json_text(c);
        CHECK_STR(j1, canonical[i]);
        size_t len;
        char *w = c ? tz_caveat_serialize(c, &len) : NULL;
        tz_caveat *c2 = NULL;
        tz_error *e2 = w ? tz_caveat_parse(w, len, &c2) : NULL;
        CHECK(w && !e2);
        char *j2 = to_json_text(c2);
        CHECK_STR(j2, canonical[i]);
        free(j1);
        free(j2);
        free(w);
        tz_caveat_free(c);
        tz_caveat_free(c2);
        tz_err_free(e);
        tz_err_free(e2);
    }
}

/* ---- phrases ---- */

static void test_phrases(void) {
    check_phrase("time < 1571147494", "unverified time caveat: this token has expired at '2019-10-15T13:51:34Z'");
    check_phrase("time < 0", "unverified time caveat: this token has expired at '1970-01-01T00:00:00Z'");
    check_phrase("time < -1", "unverified time caveat: this token has expired at '1969-12-31T23:59:59Z'");
    check_phrase("time < 951782400", "unverified time caveat: this token has expired at '2000-02-29T00:00:00Z'");
    check_phrase("time < 8374891234", "unverified time caveat: this token has expired at '2235-05-23T14:40:34Z'");
    check_phrase("ip = 1.2.3.4|5.6.7.0/24",
                 "unverified IP caveat: this token can only be used from an IP address that matches: "
                 "'1.2.3.4/32 or 5.6.7.0/24'");
    check_phrase("asn = 322|5", "unverified ASN caveat: this token can only be used from an IP address that maps to "
                                "the following Autonomous System Number: '322 or 5'");
    check_phrase("geo.country = PL|FR", "unverified country caveat: this token can only be used from an IP address "
                                        "that comes from the following country: 'PL or FR'");
    check_phrase("geo.country != PL", "unverified country caveat: this token can only be used from an IP address "
                                      "that does NOT come from the following country: 'PL'");
    check_phrase("geo.region = Asia|EU", "unverified region caveat: this token can only be used from an IP address "
                                         "that comes from the following region: 'Asia or EU'");
    check_phrase("geo.region != Europe", "unverified region caveat: this token can only be used from an IP address "
                                         "that does NOT come from the following region: 'Europe'");
    check_phrase("authorization = none",
                 "this token carries no authorization (can be used only for identity verification)");
    check_phrase("service = opw-abc|ozw-onezone|ozp-*|opp-x",
                 "unverified service caveat: the service using this token must authenticate as "
                 "'op_worker:abc or oz_worker:onezone or oz_panel:* or op_panel:x' (use the x-onedata-service-token "
                 "header), or the requested API operation is disallowed for the whitelisted services");
    check_phrase("consumer = usr-abc|grp-xyz|prv-p|nobody",
                 "unverified consumer caveat: the consumer of this token must authenticate as "
                 "'user:abc or group:xyz or oneprovider:p or nobody:undefined' - if that's you, you should:\n"
                 "   * send your access token in 'x-auth-token' header if consuming an invite token\n"
                 "   * send your identity token in 'x-onedata-consumer-token' header if performing an operation on "
                 "behalf of somebody else with their access token\n"
                 "   * send your identity token in 'consumerToken' field if using token verification API");
    check_phrase("interface = oneclient",
                 "unverified interface caveat: this token can only be used in the 'oneclient' interface");
    check_phrase("api = ozw/all/user.*.*|all/get/*.*.*:*",
                 "unverified API caveat: this token can only be used for API calls that match the following spec: "
                 "'ozw/all/user.*.*:private or all/get/*.*.*:*'");
    check_phrase("data.readonly", "unverified data access caveat: this token allows for readonly data access");
    check_phrase("data.path = L3NwYWNlMS9maWxlMS50eHQ=|L3NwYWNlMi9kaXIvZmlsZTIudHh0",
                 "unverified data path caveat: this token can only be used to access data under the following paths "
                 "(and nested directories): '/space1/file1.txt or /space2/dir/file2.txt'");
    check_phrase("data.objectid = 00000000000CDBDA677569642331323323616263|x",
                 "unverified data path caveat: this token can only be used to access data with the following FILE_ID "
                 "(and nested directories): '00000000000CDBDA677569642331323323616263 or x'");
    /* raw bytes in paths are shown as valid UTF-8 */
    check_phrase("data.path = L/8=", "unverified data path caveat: this token can only be used to access data under "
                                     "the following paths (and nested directories): '/\xEF\xBF\xBD'");

    /* the full error description */
    tz_caveat *c = parse("interface = rest");
    json_t *details = json_pack("{s:o}", "caveat", tz_caveat_to_json(c));
    tz_error *e = tz_err_new_details(TZE_TOKEN_CAVEAT_UNVERIFIED, details);
    char *d = tz_err_description(e);
    CHECK_STR(d, "Provided token is not valid - unverified interface caveat: this token can only be used in the "
                 "'rest' interface.");
    free(d);
    tz_err_free(e);
    tz_caveat_free(c);

    /* JSON that is no caveat has no phrase */
    static const char *const not_caveats[] = {"1", "\"time < 1\"", "{}", "{\"type\":\"time\"}",
                                              "{\"type\":\"time\",\"validUntil\":\"x\"}", "[]", "null"};
    for (size_t i = 0; i < sizeof not_caveats / sizeof not_caveats[0]; i++) {
        json_t *j = json_loads(not_caveats[i], JSON_DECODE_ANY, NULL);
        char *p = tz_caveat_phrase_from_json(j);
        CHECK(p == NULL);
        free(p);
        json_decref(j);
    }
    CHECK(tz_caveat_phrase_from_json(NULL) == NULL);
    /* caveat JSON of a token need not pass sanitize to get a phrase */
    json_t *j = json_loads("{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[\"Poland\"]}", 0, NULL);
    char *p = tz_caveat_phrase_from_json(j);
    CHECK_STR(p, "unverified country caveat: this token can only be used from an IP address that comes from the "
                 "following country: 'Poland'");
    free(p);
    json_decref(j);
}

/* ---- verification ---- */

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define IP_LH IP(127, 0, 0, 1)
#define IP_PL IP(149, 156, 16, 7)
#define IP_MK IP(94, 34, 116, 37)
#define IP_US IP(89, 100, 113, 94)

static bool geo_asn(void *ud, uint32_t ip, int64_t *out) {
    (void)ud;
    if (ip == IP_PL) *out = 2904;
    else if (ip == IP_MK) *out = 1156;
    else if (ip == IP_US) *out = 79;
    else return false;
    return true;
}

static bool geo_country(void *ud, uint32_t ip, char out[3]) {
    (void)ud;
    const char *c = ip == IP_PL ? "PL" : ip == IP_MK ? "MK" : ip == IP_US ? "US" : NULL;
    if (!c) return false;
    memcpy(out, c, 3);
    return true;
}

static bool geo_regions(void *ud, uint32_t ip, const char *out[2], size_t *n) {
    (void)ud;
    if (ip == IP_PL) {
        out[0] = "Europe";
        out[1] = "EU";
        *n = 2;
    } else if (ip == IP_MK) {
        out[0] = "Europe";
        *n = 1;
    } else if (ip == IP_US) {
        out[0] = "NorthAmerica";
        *n = 1;
    } else {
        return false;
    }
    return true;
}

static const tz_geo_lookup geo = {NULL, geo_asn, geo_country, geo_regions};

static bool verify(const char *wire, const tz_caveat_ctx *ctx) {
    tz_caveat *c = parse(wire);
    bool ok = c && tz_caveat_verify(c, ctx, TZ_CV_ALL);
    tz_caveat_free(c);
    return ok;
}

static void test_verify_time_ip(void) {
    tz_caveat_ctx ctx = {0};
    ctx.now = 1000;
    CHECK(verify("time < 1001", &ctx));
    CHECK(!verify("time < 1000", &ctx)); /* strict */
    CHECK(!verify("time < -5", &ctx));

    CHECK(!verify("ip = 0.0.0.0/0", &ctx)); /* peer IP unknown */
    ctx.peer_ip_known = true;
    ctx.peer_ip = IP(192, 168, 1, 77);
    CHECK(verify("ip = 0.0.0.0/0", &ctx));
    CHECK(verify("ip = 192.168.1.77", &ctx));
    CHECK(verify("ip = 10.0.0.0/8|192.168.1.0/24", &ctx));
    CHECK(verify("ip = 192.168.1.255/24", &ctx)); /* host bits of the mask address ignored */
    CHECK(verify("ip = 192.169.0.0/15", &ctx));
    CHECK(!verify("ip = 192.170.0.0/15", &ctx));
    CHECK(!verify("ip = 192.168.1.76", &ctx));
    CHECK(verify("ip = 192.168.1.76/31", &ctx));
    CHECK(verify("ip = 128.0.0.0/1", &ctx));
    CHECK(!verify("ip = 0.0.0.0/1", &ctx));
}

static void test_verify_geo(void) {
    tz_caveat_ctx ctx = {0};
    /* no peer IP or no databases: white and black lists fail */
    static const char *const geo_caveats[] = {"asn = 2904", "geo.country = PL", "geo.country != PL",
                                              "geo.region = EU", "geo.region != Asia"};
    ctx.geo = &geo;
    for (size_t i = 0; i < 5; i++) CHECK(!verify(geo_caveats[i], &ctx));
    ctx.peer_ip_known = true;
    ctx.peer_ip = IP_LH; /* lookups fail */
    for (size_t i = 0; i < 5; i++) CHECK(!verify(geo_caveats[i], &ctx));
    ctx.peer_ip = IP_PL;
    ctx.geo = NULL;
    for (size_t i = 0; i < 5; i++) CHECK(!verify(geo_caveats[i], &ctx));
    tz_geo_lookup empty = {0};
    ctx.geo = &empty;
    for (size_t i = 0; i < 5; i++) CHECK(!verify(geo_caveats[i], &ctx));

    ctx.geo = &geo;
    CHECK(verify("asn = 2904", &ctx));
    CHECK(verify("asn = 1|2904", &ctx));
    CHECK(!verify("asn = 79", &ctx));
    CHECK(verify("geo.country = PL", &ctx));
    CHECK(verify("geo.country = FR|PL", &ctx));
    CHECK(!verify("geo.country = pl", &ctx));
    CHECK(!verify("geo.country = FR", &ctx));
    CHECK(!verify("geo.country != PL", &ctx));
    CHECK(verify("geo.country != FR|DE", &ctx));
    CHECK(verify("geo.region = EU", &ctx));
    CHECK(verify("geo.region = Europe", &ctx));
    CHECK(verify("geo.region = Asia|EU", &ctx));
    CHECK(!verify("geo.region = Asia", &ctx));
    CHECK(!verify("geo.region != EU", &ctx));
    CHECK(!verify("geo.region != Asia|Europe", &ctx));
    CHECK(verify("geo.region != Asia|Africa", &ctx));
    ctx.peer_ip = IP_MK;
    CHECK(!verify("geo.region = EU", &ctx));
    CHECK(verify("geo.region != EU", &ctx));
    CHECK(verify("geo.region = Europe", &ctx));
    ctx.peer_ip = IP_US;
    CHECK(verify("geo.region = NorthAmerica", &ctx));
    CHECK(verify("asn = 79", &ctx));
}

static bool member_calls;
static bool group_member(void *ud, const tz_subject *consumer, const char *group_id) {
    member_calls = true;
    const char *want = ud;
    return consumer && consumer->kind == TZ_SUBJ_USER && consumer->id && strcmp(consumer->id, "user-id") == 0 &&
           strcmp(group_id, want) == 0;
}

static bool any_member(void *ud, const tz_subject *consumer, const char *group_id) {
    (void)ud;
    (void)group_id;
    return consumer == NULL; /* says yes only for an absent consumer, to observe the call */
}

static void test_verify_service_consumer(void) {
    tz_caveat_ctx ctx = {0};
    CHECK(!verify("service = ozw-onezone", &ctx));
    CHECK(!verify("service = ozw-*", &ctx));
    tz_service ozw = {TZ_SVC_OZ_WORKER, "onezone"};
    tz_service opw = {TZ_SVC_OP_WORKER, "provider-id"};
    ctx.service = &ozw;
    CHECK(verify("service = ozw-onezone", &ctx));
    CHECK(verify("service = opw-x|ozw-*", &ctx));
    CHECK(!verify("service = ozp-onezone|opw-onezone", &ctx));
    CHECK(!verify("service = ozw-onezone2", &ctx));
    ctx.service = &opw;
    CHECK(verify("service = opw-provider-id", &ctx));
    CHECK(verify("service = opw-*", &ctx));
    CHECK(!verify("service = opp-provider-id", &ctx));
    CHECK(!verify("service = opw-", &ctx));

    tz_subject user = {TZ_SUBJ_USER, TZ_PSUB_NONE, "user-id"};
    tz_subject prov = {TZ_SUBJ_PROVIDER, TZ_PSUB_OP_PANEL, "provider-id"};
    tz_subject nobody = {TZ_SUBJ_NOBODY, TZ_PSUB_NONE, NULL};
    /* no consumer */
    CHECK(!verify("consumer = usr-user-id", &ctx));
    CHECK(!verify("consumer = usr-*|prv-*", &ctx));
    CHECK(!verify("consumer = grp-group-id", &ctx)); /* no callback */
    ctx.group_member = any_member;
    CHECK(verify("consumer = grp-group-id", &ctx)); /* the callback is consulted without a consumer */
    ctx.group_member = NULL;

    ctx.consumer = &user;
    CHECK(verify("consumer = usr-user-id", &ctx));
    CHECK(verify("consumer = prv-x|usr-*", &ctx));
    CHECK(!verify("consumer = usr-user", &ctx));
    CHECK(!verify("consumer = prv-user-id", &ctx));
    CHECK(!verify("consumer = grp-group-id", &ctx));
    member_calls = false;
    CHECK(!verify("consumer = grp-group-id", &ctx));
    CHECK(!member_calls);
    ctx.group_member = group_member;
    ctx.group_ud = "group-id";
    CHECK(verify("consumer = grp-group-id", &ctx));
    CHECK(verify("consumer = prv-*|grp-group-id", &ctx));
    CHECK(!verify("consumer = grp-other", &ctx));
    CHECK(!verify("consumer = grp-*", &ctx)); /* "*" is passed as a group id */
    ctx.group_ud = "*";
    CHECK(verify("consumer = grp-*", &ctx));
    CHECK(!verify("consumer = nobody", &ctx));

    ctx.consumer = &prov; /* the provider subtype does not matter */
    CHECK(verify("consumer = prv-provider-id", &ctx));
    CHECK(verify("consumer = prv-*", &ctx));
    CHECK(!verify("consumer = usr-*|usr-provider-id", &ctx));
    CHECK(!verify("consumer = grp-*", &ctx));
    ctx.consumer = &nobody;
    CHECK(verify("consumer = nobody", &ctx));
    CHECK(!verify("consumer = usr-*", &ctx));
}

static void test_verify_other(void) {
    tz_caveat_ctx ctx = {0};
    CHECK(!verify("interface = rest", &ctx));
    ctx.iface = TZ_IF_REST;
    CHECK(verify("interface = rest", &ctx));
    CHECK(!verify("interface = oneclient", &ctx));
    ctx.iface = TZ_IF_ONECLIENT;
    CHECK(verify("interface = oneclient", &ctx));
    ctx.iface = TZ_IF_GRAPHSYNC;
    CHECK(verify("interface = graphsync", &ctx));

    CHECK(!verify("authorization = none", &ctx));
    ctx.scope_identity = true;
    CHECK(verify("authorization = none", &ctx));

    CHECK(verify("api = ozw/get/user.*.*", &ctx)); /* lazy */

    static const char *const data[] = {"data.readonly", "data.path = L2E=", "data.objectid = x"};
    for (size_t i = 0; i < 3; i++) CHECK(!verify(data[i], &ctx));
    ctx.allow_data_access = true;
    for (size_t i = 0; i < 3; i++) CHECK(verify(data[i], &ctx));
    /* interface = oneclient needs no data access policy */
    ctx.allow_data_access = false;
    ctx.iface = TZ_IF_ONECLIENT;
    CHECK(verify("interface = oneclient", &ctx));
}

static void test_verify_sets(void) {
    tz_caveat_ctx ctx = {0};
    ctx.now = 10;
    tz_caveat *t = parse("time < 100");
    tz_caveat *expired = parse("time < 5");
    tz_caveat *svc = parse("service = ozw-onezone");
    tz_caveat *scope = parse("authorization = none");
    tz_caveat *iface = parse("interface = rest");
    CHECK(tz_caveat_verify(t, &ctx, TZ_CV_BIT(TZ_CV_TIME)));
    CHECK(!tz_caveat_verify(t, &ctx, TZ_CV_BIT(TZ_CV_IP))); /* not supported */
    CHECK(!tz_caveat_verify(t, &ctx, 0));
    ctx.ignored = TZ_CV_BIT(TZ_CV_TIME);
    CHECK(tz_caveat_verify(expired, &ctx, TZ_CV_ALL));
    CHECK(!tz_caveat_verify(expired, &ctx, TZ_CV_SET_ACCESS & ~TZ_CV_BIT(TZ_CV_TIME))); /* ignored but unsupported */
    ctx.ignored = TZ_CV_BIT(TZ_CV_SERVICE) | TZ_CV_BIT(TZ_CV_INTERFACE);
    CHECK(tz_caveat_verify(svc, &ctx, TZ_CV_SET_ACCESS));
    CHECK(tz_caveat_verify(iface, &ctx, TZ_CV_SET_ACCESS));
    CHECK(!tz_caveat_verify(expired, &ctx, TZ_CV_SET_ACCESS));
    ctx.ignored = 0;
    /* default sets of §11 */
    CHECK(!tz_caveat_verify(svc, &ctx, TZ_CV_SET_IDENTITY));
    CHECK(!tz_caveat_verify(scope, &ctx, TZ_CV_SET_ACCESS));
    ctx.scope_identity = true;
    CHECK(tz_caveat_verify(scope, &ctx, TZ_CV_SET_ACCESS_LEGACY_IDENTITY));
    CHECK(!tz_caveat_verify(scope, &ctx, TZ_CV_SET_IDENTITY));
    ctx.iface = TZ_IF_REST;
    CHECK(tz_caveat_verify(iface, &ctx, TZ_CV_SET_IDENTITY));
    CHECK(!tz_caveat_verify(iface, &ctx, TZ_CV_SET_INVITE));
    CHECK(tz_caveat_verify(t, &ctx, TZ_CV_SET_INVITE));
    CHECK(!tz_caveat_verify(NULL, &ctx, TZ_CV_ALL));
    tz_caveat_free(t);
    tz_caveat_free(expired);
    tz_caveat_free(svc);
    tz_caveat_free(scope);
    tz_caveat_free(iface);
}

/* ---- accessors ---- */

static void test_accessors(void) {
    tz_caveat *t = parse("time < 42");
    int64_t v = 0;
    CHECK(tz_caveat_time(t, &v) && v == 42);
    const tz_service *svcs;
    size_t n;
    CHECK(!tz_caveat_services(t, &svcs, &n));
    const char *const *spaces;
    CHECK(!tz_caveat_data_spaces(t, &spaces, &n));
    tz_caveat_free(t);

    tz_caveat *s = parse("service = opw-p1|ozw-*|opp-");
    CHECK(tz_caveat_services(s, &svcs, &n) && n == 3);
    if (n == 3) {
        CHECK_INT(svcs[0].type, TZ_SVC_OP_WORKER);
        CHECK_STR(svcs[0].id, "p1");
        CHECK_STR(svcs[1].id, "*");
        CHECK_STR(svcs[2].id, "");
        CHECK_INT(svcs[2].type, TZ_SVC_OP_PANEL);
    }
    CHECK(!tz_caveat_time(s, &v));
    tz_caveat_free(s);

    /* data.path: first component of each path; paths without one are left out */
    tz_caveat *p = parse("data.path = L3NwYWNlMS9maWxlMS50eHQ=|L3NwYWNlMi9kaXIvZmlsZTIudHh0|Lw==||Ly9zMw==|eC95|L3M0");
    CHECK(tz_caveat_data_spaces(p, &spaces, &n));
    CHECK_INT(n, 4);
    if (n == 4) {
        CHECK_STR(spaces[0], "space1");
        CHECK_STR(spaces[1], "space2");
        CHECK_STR(spaces[2], "s3");
        CHECK_STR(spaces[3], "s4");
    }
    tz_caveat_free(p);

    tz_caveat *o = parse("data.objectid = 00000000000CDBDA677569642331323323616263|bad|0000000000000000");
    CHECK(tz_caveat_data_spaces(o, &spaces, &n));
    CHECK_INT(n, 1);
    if (n == 1) CHECK_STR(spaces[0], "abc");
    tz_caveat_free(o);

    CHECK_STR(tz_interface_name(TZ_IF_REST), "rest");
    CHECK_STR(tz_interface_name(TZ_IF_ONECLIENT), "oneclient");
    CHECK_STR(tz_interface_name(TZ_IF_GRAPHSYNC), "graphsync");
    CHECK(tz_interface_name(TZ_IF_UNKNOWN) == NULL);
    tz_interface i = TZ_IF_UNKNOWN;
    CHECK(tz_interface_from_name("graphsync", &i) == 0 && i == TZ_IF_GRAPHSYNC);
    CHECK(tz_interface_from_name("Rest", &i) != 0);
    CHECK(tz_interface_from_name(NULL, &i) != 0);
    tz_caveat_free(NULL);
    tz_caveats_free(NULL, 0);
}

int main(void) {
    RUN(test_wire_roundtrips);
    RUN(test_wire_unknown);
    RUN(test_wire_json);
    RUN(test_vector_wire_strings);
    RUN(test_json_accept);
    RUN(test_json_reject);
    RUN(test_caveats_from_json);
    RUN(test_json_roundtrip);
    RUN(test_phrases);
    RUN(test_verify_time_ip);
    RUN(test_verify_geo);
    RUN(test_verify_service_consumer);
    RUN(test_verify_other);
    RUN(test_verify_sets);
    RUN(test_accessors);
    return TEST_REPORT();
}
