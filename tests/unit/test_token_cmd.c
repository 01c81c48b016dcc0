/* `tokenzone token`: mint / examine / confine / verify through tz_cmd_token, with stdout, stderr
 * and stdin redirected to temporary files. */
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "cli/commands.h"
#include "core/token.h"
#include "harness.h"
#include "token_vectors.h"

typedef struct run_out {
    int rc;
    char *out, *err; /* captured, NUL-terminated */
} run_out;

static char *slurp(FILE *f) {
    fflush(f);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)(n > 0 ? n : 0) + 1);
    size_t got = n > 0 ? fread(buf, 1, (size_t)n, f) : 0;
    buf[got] = 0;
    return buf;
}

/* Runs `tokenzone token ARGS...` (NULL-terminated) with `input` on stdin (NULL = empty, len bytes). */
static run_out run_in(const char *input, size_t input_len, ...) {
    char *argv[32];
    int argc = 0;
    argv[argc++] = "token";
    va_list ap;
    va_start(ap, input_len);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && argc < 31) argv[argc++] = (char *)(uintptr_t)a;
    va_end(ap);
    argv[argc] = NULL;

    FILE *fo = tmpfile(), *fe = tmpfile(), *fi = tmpfile();
    if (input) fwrite(input, 1, input_len, fi);
    fflush(fi);
    rewind(fi);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2), si = dup(0);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    dup2(fileno(fi), 0);
    /* a previous run may have left unread input in stdin's buffer */
    __fpurge(stdin);
    clearerr(stdin);
    run_out r;
    r.rc = tz_cmd_token(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    dup2(si, 0);
    close(so);
    close(se);
    close(si);
    clearerr(stdin);
    fseek(fo, 0, SEEK_END);
    fseek(fe, 0, SEEK_END);
    r.out = slurp(fo);
    r.err = slurp(fe);
    fclose(fo);
    fclose(fe);
    fclose(fi);
    return r;
}
#define RUN_CMD(...) run_in(NULL, 0, __VA_ARGS__, (const char *)NULL)

static void run_free(run_out *r) {
    free(r->out);
    free(r->err);
}

/* The error id printed on stderr ({"error": {"id": ...}}), or "" */
static const char *err_id(const run_out *r, json_t **keep) {
    *keep = json_loads(r->err, 0, NULL);
    const char *id = json_string_value(json_object_get(json_object_get(*keep, "error"), "id"));
    return id ? id : "";
}

static void expect_error(run_out r, const char *id, int line) {
    json_t *j = NULL;
    if (r.rc != 1 || strcmp(err_id(&r, &j), id) != 0 || r.out[0]) {
        fprintf(stderr, "line %d: expected exit 1 with %s, got %d / %s / %s\n", line, id, r.rc, r.err, r.out);
        tz_test_cur_failures++;
    }
    json_decref(j);
    run_free(&r);
}
#define EXPECT_ERROR(r, id) expect_error((r), (id), __LINE__)

static void expect_usage(run_out r, int line) {
    if (r.rc != 2 || !strstr(r.err, "usage:") || r.out[0]) {
        fprintf(stderr, "line %d: expected a usage error, got %d / %s\n", line, r.rc, r.err);
        tz_test_cur_failures++;
    }
    run_free(&r);
}
#define EXPECT_USAGE(r) expect_usage((r), __LINE__)

/* stdout without its final newline */
static char *line_of(const run_out *r) {
    char *s = strdup(r->out);
    size_t n = strlen(s);
    if (n && s[n - 1] == '\n') s[n - 1] = 0;
    return s;
}

static json_t *json_out(const run_out *r) {
    return json_loads(r->out, 0, NULL);
}

static json_t *J(const char *text) {
    return json_loads(text, 0, NULL);
}

/* ---- mint ---- */

static void test_mint_vectors(void) {
    run_out r = RUN_CMD("mint", "--domain", "domain.example.com", "--id", "1234567890example-id1234567890e",
                        "--subject", "usr-invitation-sender", "--persistence", "named", "--type",
                        "{\"inviteToken\":{\"inviteType\":\"userJoinGroup\",\"groupId\":\"GroupId\"}}",
                        "--secret", "verySecretSecret5");
    CHECK_INT(r.rc, 0);
    char *s = line_of(&r);
    CHECK_STR(s, V5);
    free(s);
    run_free(&r);
    /* V1 from the REST JSON of its 13 caveats, in order */
    r = RUN_CMD("mint", "--domain=domain.example.com", "--id", "1234567890example-id1234567890a",
                "--subject", "usr-uid", "--persistence", "temporary:7",
                "--type", "{\"accessToken\":{\"sessionId\":\"sessId\"}}", "--secret", "verySecretSecret1",
                "--caveats",
                "[{\"type\":\"time\",\"validUntil\":8374891234},{\"type\":\"ip\",\"whitelist\":[\"172.98.11.23\"]},"
                "{\"type\":\"asn\",\"whitelist\":[322]},"
                "{\"type\":\"geo.country\",\"filter\":\"whitelist\",\"list\":[\"PL\",\"FR\"]},"
                "{\"type\":\"geo.region\",\"filter\":\"whitelist\",\"list\":[\"Asia\",\"EU\"]},"
                "{\"scope\":\"identityToken\"},{\"type\":\"service\",\"whitelist\":[\"ozw-onezone\"]},"
                "{\"type\":\"consumer\",\"whitelist\":[\"usr-user-id\",\"grp-group-id\"]},"
                "{\"type\":\"interface\",\"interface\":\"graphsync\"},"
                "{\"type\":\"api\",\"whitelist\":[\"all/all/*.*.*:*\"]},{\"type\":\"data.readonly\"},"
                "{\"type\":\"data.path\",\"whitelist\":[\"L3NwYWNlMS9maWxlMS50eHQ=\",\"L3NwYWNlMi9kaXIvZmlsZTIudHh0\"]},"
                "{\"type\":\"data.objectid\",\"whitelist\":[\"00000000000CDBDA677569642331323323616263\"]}]");
    CHECK_INT(r.rc, 0);
    if (r.rc) fprintf(stderr, "%s", r.err);
    s = line_of(&r);
    CHECK_STR(s, V1);
    free(s);
    run_free(&r);
}

static void test_mint_defaults_and_errors(void) {
    run_out r = RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "prv-p", "--secret", "s");
    CHECK_INT(r.rc, 0);
    char *s = line_of(&r);
    tz_token *t = NULL;
    tz_error *e = tz_token_deserialize(s, strlen(s), 0, &t);
    CHECK(e == NULL && t && t->named && t->type.kind == TZ_TT_ACCESS && !t->type.session_id &&
          t->subject.kind == TZ_SUBJ_PROVIDER && t->n_caveats == 0);
    tz_err_free(e);
    tz_token_free(t);
    free(s);
    run_free(&r);

    EXPECT_ERROR(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "nobody", "--secret", "s"),
                 "tokenSubjectInvalid");
    EXPECT_ERROR(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "grp-g", "--secret", "s"),
                 "tokenSubjectInvalid");
    EXPECT_ERROR(RUN_CMD("mint", "--domain", "d", "--id", "a/b", "--subject", "usr-u", "--secret", "s"), "badToken");
    EXPECT_ERROR(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s", "--type",
                         "{\"inviteToken\":{\"inviteType\":\"userJoinSpace\",\"spaceId\":\"a:b\"}}"),
                 "badValueTokenType");
    EXPECT_ERROR(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s", "--type",
                         "not json"), "badValueTokenType");
    EXPECT_ERROR(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s", "--caveats",
                         "{\"type\":\"time\",\"validUntil\":1}"), "badData");
    EXPECT_ERROR(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s", "--caveats",
                         "[{\"type\":\"time\",\"validUntil\":\"1\"}]"), "badValueCaveat");
    EXPECT_ERROR(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s", "--caveats",
                         "[\"time < 5\"]"), "badValueCaveat");
    EXPECT_ERROR(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s", "--caveats",
                         "[oops"), "badData");

    EXPECT_USAGE(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u"));
    EXPECT_USAGE(RUN_CMD("mint", "--id", "i", "--subject", "usr-u", "--secret", "s"));
    EXPECT_USAGE(RUN_CMD("mint", "--domain", "d", "--subject", "usr-u", "--secret", "s"));
    EXPECT_USAGE(RUN_CMD("mint", "--domain", "d", "--id", "i", "--secret", "s"));
    EXPECT_USAGE(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "user-u", "--secret", "s"));
    EXPECT_USAGE(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s",
                         "--persistence", "temporary"));
    EXPECT_USAGE(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s",
                         "--persistence", "temporary:x"));
    EXPECT_USAGE(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s",
                         "--persistence", "forever"));
    EXPECT_USAGE(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s", "--bogus"));
    EXPECT_USAGE(RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s", "extra"));
    EXPECT_USAGE(RUN_CMD("mint", "--domain"));

    r = RUN_CMD("mint", "--domain", "d", "--id", "i", "--subject", "usr-u", "--secret", "s", "--persistence",
                "temporary:-4");
    CHECK_INT(r.rc, 0);
    run_free(&r);
}

/* ---- examine ---- */

static void test_examine(void) {
    run_out r = RUN_CMD("examine", V5);
    CHECK_INT(r.rc, 0);
    json_t *got = json_out(&r), *want = J(
        "{\"onezoneDomain\":\"domain.example.com\",\"id\":\"1234567890example-id1234567890e\","
        "\"persistence\":\"named\",\"subject\":{\"type\":\"user\",\"id\":\"invitation-sender\"},"
        "\"type\":{\"inviteToken\":{\"inviteType\":\"userJoinGroup\",\"groupId\":\"GroupId\",\"parameters\":{}}},"
        "\"caveats\":[]}");
    CHECK(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    run_free(&r);
    /* from stdin, with a trailing newline */
    char in[1024];
    snprintf(in, sizeof in, "%s\n", V1);
    r = run_in(in, strlen(in), "examine", "-", (const char *)NULL);
    CHECK_INT(r.rc, 0);
    got = json_out(&r);
    CHECK_INT(json_array_size(json_object_get(got, "caveats")), 13);
    CHECK_STR(json_string_value(json_object_get(got, "persistence")), "temporary");
    json_decref(got);
    run_free(&r);

    EXPECT_ERROR(RUN_CMD("examine", "rubbish-123"), "badToken");
    EXPECT_ERROR(RUN_CMD("examine", ""), "badToken");
    EXPECT_ERROR(run_in("", 0, "examine", "-", (const char *)NULL), "badToken");
    EXPECT_USAGE(RUN_CMD("examine"));
    EXPECT_USAGE(RUN_CMD("examine", V5, V1));
}

static void test_stdin_size_limit(void) {
    size_t n = TZ_DEFAULT_MAX_TOKEN_SIZE + 1;
    char *big = malloc(n + 2);
    memset(big, 'A', n);
    big[n] = '\n';
    run_out r = run_in(big, n + 1, "examine", "-", (const char *)NULL);
    json_t *j = NULL;
    CHECK(r.rc == 1 && strcmp(err_id(&r, &j), "tokenTooLarge") == 0);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(json_object_get(j, "error"), "details"), "limit")),
              1048576);
    json_decref(j);
    run_free(&r);
    /* much larger input: the read is capped, the verdict the same */
    size_t huge = 3 * TZ_DEFAULT_MAX_TOKEN_SIZE;
    char *h = malloc(huge);
    memset(h, 'A', huge);
    EXPECT_ERROR(run_in(h, huge, "examine", "-", (const char *)NULL), "tokenTooLarge");
    free(h);
    /* exactly at the limit (plus CR LF) passes the size check and fails decoding instead */
    big[n - 1] = '\r';
    EXPECT_ERROR(run_in(big, n + 1, "examine", "-", (const char *)NULL), "badToken");
    free(big);
}

/* ---- confine + verify ---- */

static char *mint_simple(const char *subject, const char *type, const char *caveats) {
    run_out r = caveats ? RUN_CMD("mint", "--domain", "z.example", "--id", "tid", "--subject", subject, "--type",
                                  type, "--secret", "sekret", "--caveats", caveats)
                        : RUN_CMD("mint", "--domain", "z.example", "--id", "tid", "--subject", subject, "--type",
                                  type, "--secret", "sekret");
    CHECK_INT(r.rc, 0);
    if (r.rc) fprintf(stderr, "mint: %s", r.err);
    char *s = line_of(&r);
    run_free(&r);
    return s;
}

static void test_confine_verify(void) {
    run_out r = RUN_CMD("verify", V5, "--secret", "verySecretSecret5");
    CHECK_INT(r.rc, 0);
    json_t *got = json_out(&r), *want = J("{\"subject\":{\"type\":\"user\",\"id\":\"invitation-sender\"},\"ttl\":null}");
    CHECK(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    run_free(&r);
    EXPECT_ERROR(RUN_CMD("verify", V5, "--secret", "verySecretSecret4"), "tokenInvalid");

    r = RUN_CMD("confine", V5, "--caveats", "[{\"type\":\"time\",\"validUntil\":1000},{\"type\":\"time\",\"validUntil\":900}]");
    CHECK_INT(r.rc, 0);
    char *c = line_of(&r);
    run_free(&r);
    r = RUN_CMD("verify", c, "--secret", "verySecretSecret5", "--now", "100");
    CHECK_INT(r.rc, 0);
    got = json_out(&r);
    CHECK_INT(json_integer_value(json_object_get(got, "ttl")), 800);
    json_decref(got);
    run_free(&r);
    /* expired: the caveat error wins even with a wrong secret */
    EXPECT_ERROR(RUN_CMD("verify", c, "--secret", "nope", "--now", "900"), "tokenCaveatUnverified");
    EXPECT_ERROR(RUN_CMD("verify", c, "--secret", "nope", "--now", "899"), "tokenInvalid");
    /* confine from stdin; an empty caveat list yields the same token */
    char in[1024];
    snprintf(in, sizeof in, "%s\n", c);
    r = run_in(in, strlen(in), "confine", "-", "--caveats", "[]", (const char *)NULL);
    CHECK_INT(r.rc, 0);
    char *same = line_of(&r);
    CHECK_STR(same, c);
    free(same);
    run_free(&r);
    free(c);

    EXPECT_ERROR(RUN_CMD("confine", V5, "--caveats", "5"), "badData");
    EXPECT_ERROR(RUN_CMD("confine", V5, "--caveats", "[1]"), "badValueCaveat");
    EXPECT_ERROR(RUN_CMD("confine", "xyz-", "--caveats", "[]"), "badToken");
    EXPECT_USAGE(RUN_CMD("confine", V5));
    EXPECT_USAGE(RUN_CMD("confine", "--caveats", "[]"));
    EXPECT_USAGE(RUN_CMD("verify", V5));
    EXPECT_USAGE(RUN_CMD("verify", "--secret", "s"));
    EXPECT_USAGE(RUN_CMD("verify", V5, "--secret", "s", "--now", "soon"));
    EXPECT_USAGE(RUN_CMD("verify", V5, "--secret", "s", "--as", "admin"));
    EXPECT_USAGE(RUN_CMD("verify", V5, "--secret", "s", "--service", "xyz-1"));
    EXPECT_USAGE(RUN_CMD("verify", V5, "--secret", "s", "--service", "opw"));
    EXPECT_USAGE(RUN_CMD("verify", V5, "--secret", "s", "--consumer", "someone"));
    EXPECT_ERROR(RUN_CMD("verify", V5, "--secret", "s", "--peer-ip", "1.2.3"), "badValueIPv4Address");
    EXPECT_ERROR(RUN_CMD("verify", V5, "--secret", "s", "--interface", "soap"), "badValueNotAllowed");
}

static void test_verify_context(void) {
    char *t = mint_simple("usr-u", "{\"accessToken\":{}}",
                          "[{\"type\":\"ip\",\"whitelist\":[\"10.0.0.0/8\"]},{\"type\":\"interface\",\"interface\":\"rest\"},"
                          "{\"type\":\"service\",\"whitelist\":[\"opw-p1\"]},{\"type\":\"consumer\",\"whitelist\":[\"usr-c\"]},"
                          "{\"type\":\"data.readonly\"}]");
    const char *full[] = {"--peer-ip", "10.1.2.3", "--interface", "rest", "--service", "opw-p1", "--consumer", "usr-c"};
    run_out r = RUN_CMD("verify", t, "--secret", "sekret", full[0], full[1], full[2], full[3], full[4], full[5],
                        full[6], full[7], "--allow-data-access-caveats");
    CHECK_INT(r.rc, 0);
    if (r.rc) fprintf(stderr, "%s", r.err);
    run_free(&r);
    /* each missing piece of context fails its caveat */
    EXPECT_ERROR(RUN_CMD("verify", t, "--secret", "sekret", full[2], full[3], full[4], full[5], full[6], full[7],
                         "--allow-data-access-caveats"), "tokenCaveatUnverified");
    EXPECT_ERROR(RUN_CMD("verify", t, "--secret", "sekret", "--peer-ip", "11.1.2.3", full[2], full[3], full[4],
                         full[5], full[6], full[7], "--allow-data-access-caveats"), "tokenCaveatUnverified");
    EXPECT_ERROR(RUN_CMD("verify", t, "--secret", "sekret", full[0], full[1], full[4], full[5], full[6], full[7],
                         "--allow-data-access-caveats"), "tokenCaveatUnverified");
    EXPECT_ERROR(RUN_CMD("verify", t, "--secret", "sekret", full[0], full[1], full[2], full[3], full[6], full[7],
                         "--allow-data-access-caveats"), "tokenCaveatUnverified");
    EXPECT_ERROR(RUN_CMD("verify", t, "--secret", "sekret", full[0], full[1], full[2], full[3], full[4], full[5],
                         "--allow-data-access-caveats"), "tokenCaveatUnverified");
    EXPECT_ERROR(RUN_CMD("verify", t, "--secret", "sekret", full[0], full[1], full[2], full[3], full[4], full[5],
                         full[6], full[7]), "tokenCaveatUnverified");
    free(t);
}

static void test_verify_as(void) {
    char *inv = mint_simple("usr-u", "{\"inviteToken\":{\"inviteType\":\"userJoinSpace\",\"spaceId\":\"sp1\"}}", NULL);
    char *acc_user = mint_simple("usr-u", "{\"accessToken\":{}}", NULL);
    char *acc_prov = mint_simple("prv-p", "{\"accessToken\":{}}", NULL);
    char *acc_sess = mint_simple("usr-u", "{\"accessToken\":{\"sessionId\":\"s1\"}}", NULL);
    char *idn = mint_simple("usr-u", "{\"identityToken\":{}}", NULL);
    char *prov_svc = mint_simple("prv-p", "{\"accessToken\":{}}", "[{\"type\":\"service\",\"whitelist\":[\"opw-p\"]}]");

    run_out r = RUN_CMD("verify", inv, "--secret", "sekret", "--as", "access");
    json_t *j = NULL;
    CHECK(r.rc == 1 && !strcmp(err_id(&r, &j), "notAnAccessToken"));
    json_t *want = J("{\"received\":{\"inviteToken\":{\"inviteType\":\"userJoinSpace\",\"spaceId\":\"sp1\",\"parameters\":{}}}}");
    CHECK(json_equal(json_object_get(json_object_get(j, "error"), "details"), want));
    json_decref(want);
    json_decref(j);
    run_free(&r);

    r = RUN_CMD("verify", acc_user, "--secret", "sekret", "--as", "invite");
    CHECK(r.rc == 1 && !strcmp(err_id(&r, &j), "notAnInviteToken"));
    want = J("{\"expectedInviteType\":\"any\",\"received\":{\"accessToken\":{}}}");
    CHECK(json_equal(json_object_get(json_object_get(j, "error"), "details"), want));
    json_decref(want);
    json_decref(j);
    run_free(&r);

    r = RUN_CMD("verify", inv, "--secret", "sekret", "--as", "invite");
    CHECK_INT(r.rc, 0);
    run_free(&r);
    r = RUN_CMD("verify", acc_sess, "--secret", "sekret", "--as", "access");
    CHECK_INT(r.rc, 0);
    run_free(&r);
    r = RUN_CMD("verify", idn, "--secret", "sekret", "--as", "identity");
    CHECK_INT(r.rc, 0);
    run_free(&r);
    /* a provider's plain access token proves its identity; a user's does not */
    r = RUN_CMD("verify", acc_prov, "--secret", "sekret", "--as", "identity");
    CHECK_INT(r.rc, 0);
    json_t *got = json_out(&r);
    want = J("{\"subject\":{\"type\":\"oneprovider\",\"id\":\"p\"},\"ttl\":null}");
    CHECK(json_equal(got, want));
    json_decref(got);
    json_decref(want);
    run_free(&r);
    EXPECT_ERROR(RUN_CMD("verify", acc_user, "--secret", "sekret", "--as", "identity"), "notAnIdentityToken");
    /* ... but only after full verification */
    EXPECT_ERROR(RUN_CMD("verify", acc_user, "--secret", "bad", "--as", "identity"), "tokenInvalid");
    EXPECT_ERROR(RUN_CMD("verify", acc_sess, "--secret", "sekret", "--as", "identity"), "notAnIdentityToken");
    EXPECT_ERROR(RUN_CMD("verify", inv, "--secret", "sekret", "--as", "identity"), "notAnIdentityToken");
    /* identity rules: a service caveat is unverified even with the service present */
    EXPECT_ERROR(RUN_CMD("verify", prov_svc, "--secret", "sekret", "--as", "identity", "--service", "opw-p"),
                 "tokenCaveatUnverified");
    r = RUN_CMD("verify", prov_svc, "--secret", "sekret", "--service", "opw-p");
    CHECK_INT(r.rc, 0);
    run_free(&r);
    /* the opw- prefix is accepted and the subject stays the provider */
    char pref[1024];
    snprintf(pref, sizeof pref, "opw-%s", acc_prov);
    r = RUN_CMD("verify", pref, "--secret", "sekret", "--as", "identity");
    CHECK_INT(r.rc, 0);
    run_free(&r);
    free(inv);
    free(acc_user);
    free(acc_prov);
    free(acc_sess);
    free(idn);
    free(prov_svc);
}

static void test_help_and_dispatch(void) {
    const char *subs[] = {"mint", "examine", "confine", "verify"};
    for (int i = 0; i < 4; i++) {
        run_out r = RUN_CMD(subs[i], "--help");
        CHECK(r.rc == 0 && strstr(r.out, "usage: tokenzone token") && !r.err[0]);
        run_free(&r);
        r = RUN_CMD(subs[i], "-h");
        CHECK(r.rc == 0 && strstr(r.out, "usage:"));
        run_free(&r);
    }
    run_out r = RUN_CMD("--help");
    CHECK(r.rc == 0 && strstr(r.out, "mint") && strstr(r.out, "verify"));
    run_free(&r);
    char *argv[] = {"token", NULL};
    fflush(stderr);
    FILE *fe = tmpfile();
    int se = dup(2);
    dup2(fileno(fe), 2);
    int rc = tz_cmd_token(1, argv);
    fflush(stderr);
    dup2(se, 2);
    close(se);
    fclose(fe);
    CHECK_INT(rc, 2);
    EXPECT_USAGE(RUN_CMD("frobnicate"));
}

int main(void) {
    RUN(test_mint_vectors);
    RUN(test_mint_defaults_and_errors);
    RUN(test_examine);
    RUN(test_stdin_size_limit);
    RUN(test_confine_verify);
    RUN(test_verify_context);
    RUN(test_verify_as);
    RUN(test_help_and_dispatch);
    return TEST_REPORT();
}
