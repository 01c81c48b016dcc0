/* CDMI object ids (token-format §13) and the standard base64 of data.path elements. */
#include <stdlib.h>
#include <string.h>

#include "core/b64std.h"
#include "core/objectid.h"
#include "harness.h"

static void test_crc16(void) {
    CHECK_INT(tz_crc16_arc((const uint8_t *)"test string", 11), 40679);
    CHECK_INT(tz_crc16_arc((const uint8_t *)"123456789", 9), 0xBB3D); /* CRC-16/ARC check value */
    CHECK_INT(tz_crc16_arc(NULL, 0), 0);
}

static void test_build(void) {
    const uint8_t data[] = "data string";
    uint8_t out[TZ_OBJECTID_HEADER_LEN + 11];
    CHECK(tz_objectid_build(96, data, 11, out));
    const uint8_t want96[] = {0, 0, 0, 96, 0, 11, 27447 >> 8, 27447 & 255};
    CHECK(memcmp(out, want96, 8) == 0);
    CHECK(memcmp(out + 8, data, 11) == 0);

    CHECK(tz_objectid_build(0, data, 11, out));
    const uint8_t want0[] = {0, 0, 0, 0, 0, 11, 17183 >> 8, 17183 & 255};
    CHECK(memcmp(out, want0, 8) == 0);

    /* payloads over 320 bytes are refused; exactly 320 is fine and the length byte wraps */
    uint8_t big[TZ_OBJECTID_HEADER_LEN + 321];
    uint8_t payload[321];
    memset(payload, 'x', sizeof payload);
    CHECK(!tz_objectid_build(0, payload, 321, big));
    CHECK(tz_objectid_build(0, payload, 320, big));
    CHECK_INT(big[5], 320 & 255);
}

static void test_from_guid_parts(void) {
    char *hex = NULL;
    tz_error *e = tz_objectid_from_guid_parts("123", "abc", &hex);
    CHECK(e == NULL);
    CHECK_STR(hex, "00000000000CDBDA677569642331323323616263");
    free(hex);

    char uuid[400];
    memset(uuid, 'u', sizeof uuid - 1);
    uuid[sizeof uuid - 1] = '\0';
    e = tz_objectid_from_guid_parts(uuid, "abc", &hex);
    CHECK(e != NULL && e->id == TZE_BAD_DATA);
    CHECK(hex == NULL);
    tz_err_free(e);
}

static void test_decode(void) {
    const char *ok = "00000000000CDBDA677569642331323323616263";
    uint8_t buf[64];
    size_t plen;
    CHECK(tz_objectid_decode(ok, strlen(ok), buf, &plen));
    CHECK_INT(plen, 12);
    CHECK(memcmp(buf + 8, "guid#123#abc", 12) == 0);
    /* lowercase hex is accepted; CRC, length and enterprise are not checked */
    CHECK(tz_objectid_decode("00000000000cdbda677569642331323323616263", 40, buf, &plen));
    CHECK(tz_objectid_decode("00ABCDEF00FF0000677569642331323323616263", 40, buf, &plen));
    /* errors: odd length, non-hex, too short, byte 0 or 4 not zero */
    CHECK(!tz_objectid_decode("00000000000CDBDA6", 17, buf, &plen));
    CHECK(!tz_objectid_decode("00000000000CDBDG", 16, buf, &plen));
    CHECK(!tz_objectid_decode("000000000000CD", 14, buf, &plen));
    CHECK(!tz_objectid_decode("01000000000CDBDA", 16, buf, &plen));
    CHECK(!tz_objectid_decode("00000000010CDBDA", 16, buf, &plen));
    CHECK(tz_objectid_decode("0000000000000000", 16, buf, &plen));
    CHECK_INT(plen, 0);
}

static void test_space(void) {
    char space[64];
    size_t len = 0;
    const char *ok = "00000000000CDBDA677569642331323323616263";
    CHECK(tz_objectid_space(ok, strlen(ok), space, &len));
    CHECK_STR(space, "abc");
    CHECK_INT(len, 3);
    CHECK(tz_objectid_space(ok, strlen(ok), NULL, &len));

    /* share GUID: shareGuid#u#s#sh */
    const char *share_payload = "shareGuid#u#sp#sh";
    uint8_t bin[64];
    tz_objectid_build(0, (const uint8_t *)share_payload, strlen(share_payload), bin);
    char hex[200];
    size_t n = 8 + strlen(share_payload);
    for (size_t i = 0; i < n; i++) sprintf(hex + 2 * i, "%02X", bin[i]);
    CHECK(tz_objectid_space(hex, 2 * n, space, &len));
    CHECK_STR(space, "sp");

    /* payloads that are no GUID with a space */
    const char *bad[] = {"guid#u#", "guid#u", "guid#u#s#x", "shareGuid#u#s", "shareGuid#u##sh", "Guid#u#s",
                         "guid", "", "guid#u#s#", "shareGuid#u#s#sh#x"};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        tz_objectid_build(0, (const uint8_t *)bad[b], strlen(bad[b]), bin);
        n = 8 + strlen(bad[b]);
        for (size_t i = 0; i < n; i++) sprintf(hex + 2 * i, "%02X", bin[i]);
        CHECK(!tz_objectid_space(hex, 2 * n, space, &len));
    }
    /* valid GUID but broken header / hex */
    CHECK(!tz_objectid_space("01000000000CDBDA677569642331323323616263", 40, space, &len));
    CHECK(!tz_objectid_space("00000000000CDBDA67756964233132332361626", 39, space, &len));
    CHECK(!tz_objectid_space("00000000000CDBDA6775696423313233236162XY", 40, space, &len));
    CHECK(!tz_objectid_space("", 0, space, &len));

    const uint8_t *sp;
    size_t splen;
    CHECK(tz_guid_payload_space((const uint8_t *)"guid#a#b", 8, &sp, &splen));
    CHECK_INT(splen, 1);
    CHECK(sp[0] == 'b');
    CHECK(!tz_guid_payload_space((const uint8_t *)"guid#a#", 7, &sp, &splen));
}

static void test_b64std(void) {
    char out[64];
    const char *path = "/space1/file1.txt";
    size_t n = tz_b64std_encoded_len(strlen(path));
    tz_b64std_encode((const uint8_t *)path, strlen(path), out);
    out[n] = '\0';
    CHECK_STR(out, "L3NwYWNlMS9maWxlMS50eHQ=");
    CHECK_INT(tz_b64std_encoded_len(0), 0);
    CHECK_INT(tz_b64std_encoded_len(1), 4);
    CHECK_INT(tz_b64std_encoded_len(3), 4);
    CHECK_INT(tz_b64std_encoded_len(4), 8);

    uint8_t dec[64];
    size_t dlen;
    CHECK(tz_b64std_decode("L3NwYWNlMi9kaXIvZmlsZTIudHh0", 28, dec, &dlen));
    CHECK_INT(dlen, 21);
    CHECK(memcmp(dec, "/space2/dir/file2.txt", 21) == 0);
    CHECK(tz_b64std_decode("", 0, dec, &dlen));
    CHECK_INT(dlen, 0);
    CHECK(tz_b64std_decode("+/+/", 4, dec, &dlen));
    CHECK(tz_b64std_decode("QQ==", 4, dec, &dlen) && dlen == 1 && dec[0] == 'A');
    /* not canonical or not standard base64 */
    const char *bad[] = {"QR==", "QUI=x", "QUJ=", "Q===", "QQ=", "QQ", "-_-_", "QQ==QQ==", "=QQQ", "QQ=A", "L3N w",
                         "/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(!tz_b64std_decode(bad[i], strlen(bad[i]), dec, &dlen));
}

/* Every byte value round-trips at every length, and every byte outside the alphabet is refused in
 * every position, in the last group and in the ones before it (decoded by different loops). */
static void test_b64std_every_byte(void) {
    uint8_t in[256], dec[256];
    char enc[400];
    for (size_t i = 0; i < sizeof in; i++) in[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n <= 67; n++) {
        size_t len = tz_b64std_encoded_len(n), dlen = 0;
        tz_b64std_encode(in, n, enc);
        CHECK(tz_b64std_decode(enc, len, dec, &dlen) && dlen == n && memcmp(dec, in, n) == 0);
    }
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char text[13] = "QUJDREVGR0hJ"; /* "ABCDEFGHI": three groups, no padding */
    size_t dlen = 0;
    CHECK(tz_b64std_decode(text, 12, dec, &dlen) && dlen == 9 && memcmp(dec, "ABCDEFGHI", 9) == 0);
    for (int c = 0; c < 256; c++) {
        bool in_alphabet = c != 0 && strchr(alphabet, c) != NULL;
        for (size_t pos = 0; pos < 12; pos++) {
            char t[13];
            memcpy(t, text, sizeof t);
            t[pos] = (char)c;
            bool ok = tz_b64std_decode(t, 12, dec, &dlen);
            /* '=' is padding only in the last two places, and then the bits before it must be 0 */
            if (in_alphabet) CHECK(ok);
            else if (c != '=' || pos < 10) CHECK(!ok);
        }
    }
}

int main(void) {
    RUN(test_crc16);
    RUN(test_build);
    RUN(test_from_guid_parts);
    RUN(test_decode);
    RUN(test_space);
    RUN(test_b64std);
    RUN(test_b64std_every_byte);
    return TEST_REPORT();
}
