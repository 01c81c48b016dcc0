/* `tokenzone token`: the offline token tool. mint / examine / confine / verify work on token
 * strings and secrets given on the command line, with no store and no server. Results go to stdout;
 * a failure prints the Onedata error object ({"error": ...}) on stderr and exits 1; command-line
 * misuse exits 2. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include "cli/commands.h"
#include "core/caveat.h"
#include "core/token.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2

static const char TOP_USAGE[] =
    "usage: tokenzone token SUBCOMMAND [ARGS]\n"
    "\n"
    "Offline token tool (no server, no store). Each subcommand takes --help.\n"
    "\n"
    "  mint      create and sign a token\n"
    "  examine   print what a token carries (POST /tokens/examine output)\n"
    "  confine   add caveats to a token (no secret needed)\n"
    "  verify    check a token's signature and caveats with its secret\n"
    "\n"
    "Failures print the Onedata error object on stderr and exit 1; usage errors exit 2.\n";

static const char MINT_USAGE[] =
    "usage: tokenzone token mint --domain D --id ID --subject usr-U|prv-P --secret S\n"
    "                            [--persistence named|temporary:N] [--type TYPE_JSON]\n"
    "                            [--caveats CAVEATS_JSON]\n"
    "\n"
    "Prints a new serialized token (identifier version 2).\n"
    "\n"
    "  --domain D          Onezone domain (macaroon location)\n"
    "  --id ID             token id\n"
    "  --subject SUBJ      usr-USERID or prv-PROVIDERID\n"
    "  --secret S          the token secret (used verbatim as bytes)\n"
    "  --persistence P     named (default) or temporary:GENERATION\n"
    "  --type JSON         REST type JSON, e.g. '{\"accessToken\":{\"sessionId\":\"s1\"}}' or\n"
    "                      '{\"inviteToken\":{\"inviteType\":\"userJoinSpace\",\"spaceId\":\"sp1\"}}'\n"
    "                      (default '{\"accessToken\":{}}')\n"
    "  --caveats JSON      REST caveat array, kept in order, e.g. '[{\"type\":\"time\",\"validUntil\":9}]'\n";

static const char EXAMINE_USAGE[] =
    "usage: tokenzone token examine TOKEN|-\n"
    "\n"
    "Prints {\"onezoneDomain\",\"id\",\"persistence\",\"subject\",\"type\",\"caveats\"} without verifying.\n"
    "'-' reads the token from stdin (trailing newline ignored).\n";

static const char CONFINE_USAGE[] =
    "usage: tokenzone token confine TOKEN|- --caveats CAVEATS_JSON\n"
    "\n"
    "Prints the token with the caveats appended (original caveats first).\n";

static const char VERIFY_USAGE[] =
    "usage: tokenzone token verify TOKEN|- --secret S [options]\n"
    "\n"
    "Checks caveats (in order), then the signature, and prints {\"subject\": ..., \"ttl\": ...}\n"
    "(ttl = earliest time caveat minus now, or null). Any session is accepted.\n"
    "\n"
    "  --secret S                   the token secret\n"
    "  --now UNIX                   current time (default: the clock)\n"
    "  --peer-ip A.B.C.D            bearer's IPv4 address (default: unknown, ip caveats fail)\n"
    "  --interface I                rest, oneclient or graphsync (default: unknown)\n"
    "  --service SVC                authenticated service, e.g. ozw-onezone or opw-PROVIDERID\n"
    "                               (default: none, service caveats fail)\n"
    "  --consumer SUBJ              proven consumer, e.g. usr-USERID (default: none)\n"
    "  --allow-data-access-caveats  accept data.readonly / data.path / data.objectid\n"
    "  --as access|identity|invite  require that kind of token; identity also accepts a\n"
    "                               provider's access token without session (legacy scope)\n"
    "\n"
    "No GeoIP databases are used: asn, geo.country and geo.region caveats fail.\n";

static bool wants_help(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return true;
    return false;
}

/* "tokenzone token: MSG 'ARG'" (ARG optional) and the usage text on stderr. */
static int usage_error(const char *usage, const char *msg, const char *arg) {
    fprintf(stderr, "tokenzone token: %s%s%s%s\n\n", msg, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
    fputs(usage, stderr);
    return EXIT_USAGE;
}

/* Prints the error object on stderr, frees e, returns the failure status. */
static int fail(tz_error *e) {
    json_t *body = tz_err_body(e);
    char *text = body ? json_dumps(body, 0) : NULL;
    fprintf(stderr, "%s\n", text ? text : "{\"error\": {\"id\": \"internalServerError\"}}");
    free(text);
    json_decref(body);
    tz_err_free(e);
    return EXIT_FAIL;
}

/* Prints a JSON value on stdout and releases it. */
static int print_json(json_t *j) {
    char *text = j ? json_dumps(j, 0) : NULL;
    json_decref(j);
    if (!text) return fail(tz_err_new(TZE_INTERNAL));
    printf("%s\n", text);
    free(text);
    return 0;
}

/* ---- token input ---- */

/* Reads a token from stdin, at most limit + 3 bytes (room for a CR LF after a token of exactly the
 * limit, and one byte more so an oversized token is still reported as too large). Trailing CR/LF
 * are dropped. *out is malloc'd, caller frees. */
static tz_error *read_stdin_token(size_t limit, char **out, size_t *len) {
    size_t cap = limit + 3, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) return tz_err_new(TZE_INTERNAL);
    while (n < cap) {
        size_t r = fread(buf + n, 1, cap - n, stdin);
        if (r == 0) break;
        n += r;
    }
    if (ferror(stdin)) {
        free(buf);
        return tz_err_new(TZE_BAD_TOKEN);
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
    buf[n] = 0;
    *out = buf;
    *len = n;
    return NULL;
}

/* Deserializes the TOKEN argument ("-" = stdin). *out is owned by the caller. */
static tz_error *load_token(const char *arg, tz_token **out) {
    if (strcmp(arg, "-") != 0) return tz_token_deserialize(arg, strlen(arg), 0, out);
    char *text = NULL;
    size_t len = 0;
    tz_error *e = read_stdin_token(TZ_DEFAULT_MAX_TOKEN_SIZE, &text, &len);
    if (e) return e;
    e = tz_token_deserialize(text, len, 0, out);
    free(text);
    return e;
}

/* ---- JSON arguments ---- */

/* Parses the --caveats JSON text into raw wire caveats (canonical serialization of each). On
 * success *out is a malloc'd array of *n caveats owned by the caller (free_raw). */
static tz_error *caveats_arg(const char *text, tz_raw_caveat **out, size_t *n) {
    *out = NULL;
    *n = 0;
    json_t *arr = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!arr) return tz_err_key(TZE_BAD_DATA, "caveats");
    tz_caveat **cs = NULL;
    size_t count = 0;
    tz_error *e = tz_caveats_from_json(arr, "caveats", &cs, &count);
    json_decref(arr);
    if (e) return e;
    tz_raw_caveat *raw = calloc(count ? count : 1, sizeof *raw);
    for (size_t i = 0; raw && i < count; i++) {
        if (!(raw[i].ptr = tz_caveat_serialize(cs[i], &raw[i].len))) {
            for (size_t j = 0; j < i; j++) free(raw[j].ptr);
            free(raw);
            raw = NULL;
        }
    }
    tz_caveats_free(cs, count);
    if (!raw) return tz_err_new(TZE_INTERNAL);
    *out = raw;
    *n = count;
    return NULL;
}

static void free_raw(tz_raw_caveat *raw, size_t n) {
    for (size_t i = 0; i < n; i++) free(raw[i].ptr);
    free(raw);
}

static bool parse_int64(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) return false;
    *out = v;
    return true;
}

/* ---- mint ---- */

static int cmd_mint(int argc, char **argv) {
    enum { O_DOMAIN = 1, O_ID, O_SUBJECT, O_PERSISTENCE, O_TYPE, O_SECRET, O_CAVEATS };
    static const struct option opts[] = {
        {"domain", required_argument, NULL, O_DOMAIN}, {"id", required_argument, NULL, O_ID},
        {"subject", required_argument, NULL, O_SUBJECT}, {"persistence", required_argument, NULL, O_PERSISTENCE},
        {"type", required_argument, NULL, O_TYPE}, {"secret", required_argument, NULL, O_SECRET},
        {"caveats", required_argument, NULL, O_CAVEATS}, {NULL, 0, NULL, 0},
    };
    const char *v[O_CAVEATS + 1] = {0};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (c < O_DOMAIN || c > O_CAVEATS) return usage_error(MINT_USAGE, "invalid option", NULL);
        v[c] = optarg;
    }
    if (optind < argc) return usage_error(MINT_USAGE, "unexpected argument", argv[optind]);
    static const struct {
        int opt;
        const char *name;
    } required[] = {{O_DOMAIN, "--domain"}, {O_ID, "--id"}, {O_SUBJECT, "--subject"}, {O_SECRET, "--secret"}};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!v[required[i].opt]) return usage_error(MINT_USAGE, "missing option", required[i].name);

    tz_token proto = {0};
    proto.domain = (char *)(uintptr_t)v[O_DOMAIN];
    proto.id = (char *)(uintptr_t)v[O_ID];
    proto.version = 2;
    proto.named = true;
    const char *pers = v[O_PERSISTENCE];
    if (pers && strcmp(pers, "named") != 0) {
        if (strncmp(pers, "temporary:", 10) != 0 || !parse_int64(pers + 10, &proto.generation))
            return usage_error(MINT_USAGE, "invalid --persistence", pers);
        proto.named = false;
    }
    tz_error *e = tz_subject_parse(v[O_SUBJECT], strlen(v[O_SUBJECT]), &proto.subject);
    if (e) {
        tz_err_free(e);
        return usage_error(MINT_USAGE, "invalid --subject", v[O_SUBJECT]);
    }
    tz_raw_caveat *raw = NULL;
    size_t n = 0;
    int rc = 0;
    if (v[O_TYPE]) {
        json_t *tj = json_loads(v[O_TYPE], JSON_DECODE_ANY, NULL);
        e = tj ? tz_token_type_from_json(tj, &proto.type) : tz_err_key(TZE_BAD_VALUE_TOKEN_TYPE, "type");
        json_decref(tj);
    } else {
        proto.type.kind = TZ_TT_ACCESS;
    }
    if (!e && v[O_CAVEATS]) e = caveats_arg(v[O_CAVEATS], &raw, &n);
    tz_token *t = NULL;
    if (!e) {
        e = tz_token_create(&proto, (const uint8_t *)v[O_SECRET], strlen(v[O_SECRET]), raw, n, &t);
    }
    char *s = NULL;
    if (!e) e = tz_token_serialize(t, &s, NULL);
    if (e) rc = fail(e);
    else printf("%s\n", s);
    free(s);
    tz_token_free(t);
    free_raw(raw, n);
    tz_subject_clear(&proto.subject);
    tz_token_type_clear(&proto.type);
    return rc;
}

/* ---- examine ---- */

static int cmd_examine(int argc, char **argv) {
    if (argc != 2) return usage_error(EXAMINE_USAGE, "expected exactly one TOKEN argument", NULL);
    tz_token *t = NULL;
    tz_error *e = load_token(argv[1], &t);
    json_t *out = NULL;
    if (!e) e = tz_token_examine_json(t, &out);
    tz_token_free(t);
    return e ? fail(e) : print_json(out);
}

/* ---- confine ---- */

static int cmd_confine(int argc, char **argv) {
    static const struct option opts[] = {{"caveats", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
    const char *caveats = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'c') return usage_error(CONFINE_USAGE, "invalid option", NULL);
        caveats = optarg;
    }
    if (optind != argc - 1) return usage_error(CONFINE_USAGE, "expected exactly one TOKEN argument", NULL);
    if (!caveats) return usage_error(CONFINE_USAGE, "missing option", "--caveats");
    tz_token *t = NULL, *confined = NULL;
    tz_raw_caveat *raw = NULL;
    size_t n = 0;
    char *s = NULL;
    tz_error *e = load_token(argv[optind], &t);
    if (!e) e = caveats_arg(caveats, &raw, &n);
    if (!e) e = tz_token_confine(t, raw, n, &confined);
    if (!e) e = tz_token_serialize(confined, &s, NULL);
    int rc = e ? fail(e) : (printf("%s\n", s), 0);
    free(s);
    free_raw(raw, n);
    tz_token_free(confined);
    tz_token_free(t);
    return rc;
}

/* ---- verify ---- */

typedef enum { AS_ANY, AS_ACCESS, AS_IDENTITY, AS_INVITE } verify_as;

static tz_error *type_error(tz_err_id id, const tz_token *t) {
    json_t *d = json_object();
    if (!d || json_object_set_new(d, "received", tz_token_type_to_json(&t->type)) ||
        (id == TZE_NOT_AN_INVITE_TOKEN && json_object_set_new(d, "expectedInviteType", json_string("any")))) {
        json_decref(d);
        return tz_err_new(TZE_INTERNAL);
    }
    return tz_err_new_details(id, d);
}

/* Applies --as before verification: refuses other kinds of tokens and chooses the legacy identity
 * scope for a non-session access token verified as identity (rest-api §6.5). */
static tz_error *check_kind(const tz_token *t, verify_as as, tz_caveat_ctx *ctx) {
    switch (as) {
    case AS_ANY:
        return NULL;
    case AS_ACCESS:
        return t->type.kind == TZ_TT_ACCESS ? NULL : type_error(TZE_NOT_AN_ACCESS_TOKEN, t);
    case AS_INVITE:
        return t->type.kind == TZ_TT_INVITE ? NULL : type_error(TZE_NOT_AN_INVITE_TOKEN, t);
    case AS_IDENTITY:
        if (t->type.kind == TZ_TT_IDENTITY) return NULL;
        if (t->type.kind == TZ_TT_ACCESS && !t->type.session_id) {
            ctx->scope_identity = true;
            return NULL;
        }
        return type_error(TZE_NOT_AN_IDENTITY_TOKEN, t);
    }
    return NULL;
}

static int cmd_verify(int argc, char **argv) {
    enum { O_SECRET = 1, O_NOW, O_PEER, O_IFACE, O_SERVICE, O_CONSUMER, O_DATA, O_AS };
    static const struct option opts[] = {
        {"secret", required_argument, NULL, O_SECRET}, {"now", required_argument, NULL, O_NOW},
        {"peer-ip", required_argument, NULL, O_PEER}, {"interface", required_argument, NULL, O_IFACE},
        {"service", required_argument, NULL, O_SERVICE}, {"consumer", required_argument, NULL, O_CONSUMER},
        {"allow-data-access-caveats", no_argument, NULL, O_DATA}, {"as", required_argument, NULL, O_AS},
        {NULL, 0, NULL, 0},
    };
    const char *v[O_AS + 1] = {0};
    bool data = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c < O_SECRET || c > O_AS) return usage_error(VERIFY_USAGE, "invalid option", NULL);
        if (c == O_DATA) data = true;
        else v[c] = optarg;
    }
    if (optind != argc - 1) return usage_error(VERIFY_USAGE, "expected exactly one TOKEN argument", NULL);
    if (!v[O_SECRET]) return usage_error(VERIFY_USAGE, "missing option", "--secret");

    tz_caveat_ctx ctx = {0};
    ctx.now = (int64_t)time(NULL);
    ctx.allow_data_access = data;
    if (v[O_NOW] && !parse_int64(v[O_NOW], &ctx.now))
        return usage_error(VERIFY_USAGE, "invalid --now", v[O_NOW]);
    verify_as as = AS_ANY;
    if (v[O_AS]) {
        if (!strcmp(v[O_AS], "access")) as = AS_ACCESS;
        else if (!strcmp(v[O_AS], "identity")) as = AS_IDENTITY;
        else if (!strcmp(v[O_AS], "invite")) as = AS_INVITE;
        else return usage_error(VERIFY_USAGE, "invalid --as", v[O_AS]);
    }
    tz_service service = {0};
    if (v[O_SERVICE]) {
        const char *s = v[O_SERVICE];
        if (strlen(s) < 4 || s[3] != '-' || tz_service_type_from_short(s, 3, &service.type) != 0)
            return usage_error(VERIFY_USAGE, "invalid --service", s);
        service.id = (char *)(uintptr_t)(s + 4);
        ctx.service = &service;
    }
    tz_subject consumer = {0};
    if (v[O_CONSUMER]) {
        tz_error *e = tz_subject_parse(v[O_CONSUMER], strlen(v[O_CONSUMER]), &consumer);
        if (e) {
            tz_err_free(e);
            return usage_error(VERIFY_USAGE, "invalid --consumer", v[O_CONSUMER]);
        }
        ctx.consumer = &consumer;
    }
    tz_error *e = NULL;
    if (v[O_PEER]) {
        struct in_addr a;
        if (inet_pton(AF_INET, v[O_PEER], &a) == 1) {
            ctx.peer_ip_known = true;
            ctx.peer_ip = ntohl(a.s_addr);
        } else {
            e = tz_err_key(TZE_BAD_VALUE_IPV4_ADDRESS, "peerIp");
        }
    }
    if (!e && v[O_IFACE] && tz_interface_from_name(v[O_IFACE], &ctx.iface) != 0) {
        static const char *const allowed[] = {"rest", "oneclient", "graphsync"};
        e = tz_err_allowed(TZE_BAD_VALUE_NOT_ALLOWED, "interface", allowed, 3);
    }
    tz_token *t = NULL;
    tz_verify_result res = {0};
    json_t *out = NULL;
    if (!e) e = load_token(argv[optind], &t);
    if (!e) e = check_kind(t, as, &ctx);
    if (!e) e = tz_token_verify(t, (const uint8_t *)v[O_SECRET], strlen(v[O_SECRET]), &ctx, TZ_SESSION_ANY,
                                NULL, &res);
    /* verified in the legacy identity scope: only a provider may prove its identity this way */
    if (!e && as == AS_IDENTITY && t->type.kind == TZ_TT_ACCESS && t->subject.kind != TZ_SUBJ_PROVIDER)
        e = type_error(TZE_NOT_AN_IDENTITY_TOKEN, t);
    if (!e) {
        int64_t valid_until;
        json_t *ttl = tz_caveats_expiration(res.caveats, res.n_caveats, &valid_until)
                          ? json_integer((json_int_t)(valid_until - ctx.now)) : json_null();
        out = json_object();
        if (!out || json_object_set_new(out, "subject", tz_subject_to_json(&t->subject)) ||
            json_object_set_new(out, "ttl", ttl)) {
            json_decref(out);
            out = NULL;
            e = tz_err_new(TZE_INTERNAL);
        }
    }
    tz_verify_result_clear(&res);
    tz_token_free(t);
    tz_subject_clear(&consumer);
    return e ? fail(e) : print_json(out);
}

int tz_cmd_token(int argc, char **argv) {
    if (argc < 2) {
        fputs(TOP_USAGE, stderr);
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    static const struct {
        const char *name, *usage;
        int (*run)(int, char **);
    } subs[] = {
        {"mint", MINT_USAGE, cmd_mint},
        {"examine", EXAMINE_USAGE, cmd_examine},
        {"confine", CONFINE_USAGE, cmd_confine},
        {"verify", VERIFY_USAGE, cmd_verify},
    };
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        fputs(TOP_USAGE, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(sub, subs[i].name) != 0) continue;
        if (wants_help(argc - 1, argv + 1)) {
            fputs(subs[i].usage, stdout);
            return 0;
        }
        return subs[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "tokenzone token: unknown subcommand '%s'\n\n", sub);
    fputs(TOP_USAGE, stderr);
    return EXIT_USAGE;
}
