/* Fuzzes the whole request path below the socket: bytes -> method, path, headers, body -> route
 * matcher (src/http/routes.h) -> credentials and content negotiation (src/http) ->
 * tz_service_authenticate -> body parsing -> tz_service_handle, over a real SQLite store in a
 * temporary directory. The order of the steps is that of src/http/request.c (rest-api §1.1).
 *
 * Input format (text-like, so that seeds are readable):
 *     METHOD SP PATH LF            (PATH relative to the host, e.g. /api/v3/onezone/user)
 *     Name: value LF               (any number of header lines; names are case-insensitive)
 *     LF
 *     body bytes                   (everything after the blank line)
 * Placeholders in the path, header values and body are replaced before the request runs, so the
 * fuzzer can reach authenticated and per-token code: @ALICE@, @ADMIN@, @PROV@ (temporary access
 * tokens of a plain user, an admin with oz_tokens_manage and a provider), @NAMED@ and @NAMEDID@
 * (a named access token of alice and its id), @IDENT@ (her named identity token), @INVITE@ (her
 * named userJoinSpace invite token), @ALICEID@, @ADMINID@, @PROVID@, @SPACEID@, @GROUPID@.
 * The pseudo-header "x-fuzz-peer: a.b.c.d" sets the peer address (default 127.0.0.1).
 *
 * Checked on every input (abort = finding): the reply status is one the API defines, error
 * replies are well-formed Onedata error objects, 204 has no body, a 201 named-token creation
 * carries a Location, nothing 5xx (set TZ_FUZZ_ALLOW_5XX=1 to only count them), and no reply
 * contains a stored secret or a password hash.
 *
 * State: an input that changed tokens (create/update/delete/revoke-all) is followed by a reset
 * (all named tokens deleted, the fixtures re-created), so every input starts from the same
 * logical state and the store cannot grow without bound. The store lives under TMPDIR, else
 * /dev/shm when present (commits are durable, so a RAM file system keeps this fast). Basic auth
 * reaches the user lookup but never a password hash check: no fixture user has a password once
 * set-up is done (Argon2 would cap the fuzzer at a few runs per second). The service clock is
 * fixed, so once an address or username has used up its free Basic-auth failures it stays
 * throttled (429) for the rest of the run; x-fuzz-peer and other usernames reach past it. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http/credentials.h"
#include "http/negotiate.h"
#include "http/routes.h"
#include "service/password.h"
#include "service/privileges.h"
#include "service/secrets.h"
#include "service/service.h"
#include "store/store.h"

#define MAX_EXPANDED (4u * 1024 * 1024)
#define MAX_HEADERS 64
#define FIXED_NOW 1750000000
#define TEMP_TTL (20 * 86400)

/* libFuzzer drives one process through many inputs; the fixture lives for the whole run. */
typedef struct fixture {
    char dir[256];
    tz_store *store;
    tz_service_ctx *svc;
    tz_keyring *keyring;     /* master keys (a key file in the store directory) */
    tz_client *admin;         /* authenticated once with Basic auth, never revoked */
    char alice_id[TZ_ID_HEX_LEN + 1], admin_id[TZ_ID_HEX_LEN + 1], prov_id[TZ_ID_HEX_LEN + 1];
    char space_id[TZ_ID_HEX_LEN + 1], group_id[TZ_ID_HEX_LEN + 1];
    char *alice_tok, *admin_tok, *prov_tok, *named_tok, *named_id, *ident_tok, *invite_tok;
    bool allow_5xx;
    bool trace;               /* TZ_FUZZ_TRACE: one line per request on stderr (seed checking) */
    unsigned long n_5xx;
    const uint8_t *input;     /* the input being run */
    size_t input_len;
} fixture;

static fixture fx;

static void die(const char *what, tz_error *e) {
    fprintf(stderr, "fuzz_request setup: %s failed (error %d)\n", what, e ? (int)e->id : -1);
    abort();
}

static int64_t fixed_clock(void *ud) {
    (void)ud;
    return FIXED_NOW;
}

/* ---------------------------------------------------------------- fixture */

static void run_op(const tz_client *c, tz_op op, tz_target target, const char *subject_id,
                   json_t *body, tz_response *resp) {
    tz_request req = {.op = op, .target = target, .subject_id = subject_id, .body = body,
                      .peer_ip_known = true, .peer_ip = 0x7f000001u};
    memset(resp, 0, sizeof *resp);
    tz_service_handle(fx.svc, c, &req, resp);
    json_decref(body);
}

static char *take_string(tz_response *resp, const char *key, const char *what) {
    const char *v = json_string_value(json_object_get(resp->body, key));
    if (resp->status / 100 != 2 || !v) {
        char *dump = resp->body ? json_dumps(resp->body, 0) : NULL;
        fprintf(stderr, "fuzz_request setup: %s -> %d %s\n", what, resp->status, dump ? dump : "");
        abort();
    }
    char *s = strdup(v);
    if (!s) abort();
    return s;
}

static char *named_token(const char *name, json_t *type, char **id_out) {
    tz_response resp;
    run_op(fx.admin, TZ_OP_CREATE_NAMED, TZ_TARGET_USER, fx.alice_id,
           json_pack("{s:s,s:o}", "name", name, "type", type), &resp);
    char *t = take_string(&resp, "token", "create named token");
    if (id_out) *id_out = take_string(&resp, "tokenId", "create named token");
    tz_response_clear(&resp);
    return t;
}

static char *temp_token(tz_target target, const char *subject_id) {
    tz_response resp;
    run_op(fx.admin, TZ_OP_CREATE_TEMPORARY, target, subject_id,
           json_pack("{s:[{s:s,s:I}]}", "caveats", "type", "time", "validUntil",
                     (json_int_t)(FIXED_NOW + TEMP_TTL)), &resp);
    char *t = take_string(&resp, "token", "create temporary token");
    tz_response_clear(&resp);
    return t;
}

/* (Re)creates the tokens the placeholders stand for. */
static void make_tokens(void) {
    free(fx.alice_tok);
    free(fx.admin_tok);
    free(fx.prov_tok);
    free(fx.named_tok);
    free(fx.named_id);
    free(fx.ident_tok);
    free(fx.invite_tok);
    fx.alice_tok = temp_token(TZ_TARGET_USER, fx.alice_id);
    fx.admin_tok = temp_token(TZ_TARGET_USER, fx.admin_id);
    fx.prov_tok = temp_token(TZ_TARGET_PROVIDER, fx.prov_id);
    fx.named_tok = named_token("fuzz-named", json_pack("{s:{}}", "accessToken"), &fx.named_id);
    fx.ident_tok = named_token("fuzz-identity", json_pack("{s:{}}", "identityToken"), NULL);
    fx.invite_tok = named_token("fuzz-invite",
                                json_pack("{s:{s:s,s:s}}", "inviteToken", "inviteType",
                                          "userJoinSpace", "spaceId", fx.space_id), NULL);
}

static void reset_world(void) {
    const char *users[] = {fx.alice_id, fx.admin_id};
    for (size_t i = 0; i < 2; i++) {
        tz_subject s = {.kind = TZ_SUBJ_USER, .id = (char *)users[i]};
        tz_error *e = tz_store_named_delete_all(fx.store, &s);
        if (e) die("named_delete_all", e);
    }
    tz_subject p = {.kind = TZ_SUBJ_PROVIDER, .id = fx.prov_id};
    tz_error *e = tz_store_named_delete_all(fx.store, &p);
    if (e) die("named_delete_all", e);
    make_tokens();
}

static void new_id(char *out) {
    tz_error *e = tz_store_random_id(out);
    if (e) die("random id", e);
}

static void add_user(char *id, const char *username, const char *password_hash) {
    new_id(id);
    tz_user_rec u = {.id = id, .username = (char *)username, .full_name = (char *)username,
                     .password_hash = (char *)password_hash, .basic_auth_enabled = true,
                     .creation_time = FIXED_NOW - 1000};
    tz_error *e = tz_store_user_create(fx.store, &u);
    if (e) die("user create", e);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

static void remove_store(void) {
    if (fx.svc) tz_service_free(fx.svc);
    if (fx.store) tz_store_close(fx.store);
    tz_keyring_free(fx.keyring);
    fx.keyring = NULL;
    fx.svc = NULL;
    fx.store = NULL;
    if (fx.dir[0]) nftw(fx.dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#define DIR_STEM "tz-fuzz-request-"

/* A run that crashed (abort: no atexit) leaves its store behind; its directory name carries its
 * pid, so the next run removes the stores of processes that no longer exist. */
static void remove_stale_stores(const char *tmp) {
    DIR *d = opendir(tmp);
    if (!d) return;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (strncmp(ent->d_name, DIR_STEM, strlen(DIR_STEM)) != 0) continue;
        char *end;
        long pid = strtol(ent->d_name + strlen(DIR_STEM), &end, 10);
        if (pid <= 0 || *end != '-') continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* alive, or not ours to judge */
        char path[512];
        snprintf(path, sizeof path, "%s/%s", tmp, ent->d_name);
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    closedir(d);
}

static void setup(void) {
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    remove_stale_stores(tmp);
    snprintf(fx.dir, sizeof fx.dir, "%s/" DIR_STEM "%ld-XXXXXX", tmp, (long)getpid());
    if (!mkdtemp(fx.dir)) die("mkdtemp", NULL);
    atexit(remove_store);
    char data[300];
    snprintf(data, sizeof data, "%s/data", fx.dir);
    tz_error *e = tz_store_open(data, NULL, &fx.store);
    if (e) die("store open", e);
    char key_file[320], why[TZ_MASTER_KEY_WHY_MAX];
    snprintf(key_file, sizeof key_file, "%s/master.key", fx.dir);
    if ((e = tz_keyring_load(key_file, true, &fx.keyring, why))) die("master key", e);
    fx.allow_5xx = getenv("TZ_FUZZ_ALLOW_5XX") != NULL;
    fx.trace = getenv("TZ_FUZZ_TRACE") != NULL;

    static const char pw[] = "fuzz-admin-password";
    char *hash = NULL;
    if ((e = tz_password_hash(pw, sizeof pw - 1, &hash))) die("password hash", e);
    add_user(fx.admin_id, "admin", hash);
    free(hash);
    add_user(fx.alice_id, "alice", NULL);
    const char *manage = "oz_tokens_manage";
    if ((e = tz_store_user_set_oz_privileges(fx.store, fx.admin_id, &manage, 1, true)))
        die("grant", e);
    new_id(fx.prov_id);
    tz_provider_rec p = {.id = fx.prov_id, .name = "fuzz-provider", .domain = "p.fuzz.test",
                         .creation_time = FIXED_NOW - 1000};
    if ((e = tz_store_provider_create(fx.store, &p))) die("provider create", e);
    new_id(fx.space_id);
    new_id(fx.group_id);
    if ((e = tz_store_entity_create(fx.store, TZ_ENT_SPACE, fx.space_id, "fuzz-space")))
        die("space create", e);
    if ((e = tz_store_entity_create(fx.store, TZ_ENT_GROUP, fx.group_id, "fuzz-group")))
        die("group create", e);
    /* alice owns the space and the group (every privilege), so she may issue invites */
    tz_priv_list sp = tz_privileges_all(TZ_PRIV_SPACE), gp = tz_privileges_all(TZ_PRIV_GROUP);
    if ((e = tz_store_member_add_user(fx.store, TZ_ENT_SPACE, fx.space_id, fx.alice_id, sp.names, sp.n)))
        die("space member", e);
    if ((e = tz_store_member_add_user(fx.store, TZ_ENT_GROUP, fx.group_id, fx.alice_id, gp.names, gp.n)))
        die("group member", e);
    if ((e = tz_store_space_add_support(fx.store, fx.space_id, fx.prov_id))) die("support", e);

    tz_service_config cfg = {
        .domain = "zone.fuzz.test",
        .max_temporary_token_ttl = 2592000,
        .max_token_size = 1048576,
        .basic_auth_enabled = true,
        .clock = fixed_clock,
        .keyring = fx.keyring,
    };
    if ((e = tz_service_new(&cfg, fx.store, &fx.svc))) die("service new", e);

    /* The one Argon2 check of the run; afterwards nobody has a password (see the file comment). */
    tz_credentials creds = {.basic = "YWRtaW46ZnV6ei1hZG1pbi1wYXNzd29yZA=="}; /* admin:fuzz-admin-password */
    if ((e = tz_service_authenticate(fx.svc, &creds, true, 0x7f000001u, &fx.admin)))
        die("admin basic auth", e);
    if ((e = tz_store_user_set_password(fx.store, fx.admin_id, NULL))) die("drop password", e);
    make_tokens();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    setup();
    return 0;
}

/* ---------------------------------------------------------------- input decoding */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static bool put(buf *b, const char *s, size_t n) {
    if (n > MAX_EXPANDED - b->len) return false;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) abort();
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return true;
}

/* Copies [s, s+n) into a fresh NUL-terminated buffer with the placeholders replaced. Embedded
 * NUL bytes are kept (the caller decides whether the string is cut there). False when the
 * expansion would exceed MAX_EXPANDED. */
static bool expand(const char *s, size_t n, buf *out) {
    const struct { const char *key; const char *val; } subst[] = {
        {"@ALICE@", fx.alice_tok}, {"@ADMIN@", fx.admin_tok}, {"@PROV@", fx.prov_tok},
        {"@NAMED@", fx.named_tok}, {"@NAMEDID@", fx.named_id}, {"@ALICEID@", fx.alice_id},
        {"@ADMINID@", fx.admin_id}, {"@PROVID@", fx.prov_id}, {"@SPACEID@", fx.space_id},
        {"@GROUPID@", fx.group_id}, {"@IDENT@", fx.ident_tok}, {"@INVITE@", fx.invite_tok},
    };
    memset(out, 0, sizeof *out);
    if (!put(out, "", 0)) return false;
    size_t i = 0;
    while (i < n) {
        bool done = false;
        if (s[i] == '@') {
            for (size_t k = 0; k < sizeof subst / sizeof subst[0]; k++) {
                size_t kl = strlen(subst[k].key);
                if (n - i >= kl && memcmp(s + i, subst[k].key, kl) == 0) {
                    if (!put(out, subst[k].val, strlen(subst[k].val))) return false;
                    i += kl;
                    done = true;
                    break;
                }
            }
        }
        if (!done) {
            if (!put(out, s + i, 1)) return false;
            i++;
        }
    }
    return true;
}

typedef struct header {
    char name[64];
    buf value;
} header;

typedef struct request {
    buf method, path, body;
    header h[MAX_HEADERS];
    size_t n_headers;
} request;

static void request_free(request *r) {
    free(r->method.p);
    free(r->path.p);
    free(r->body.p);
    for (size_t i = 0; i < r->n_headers; i++) free(r->h[i].value.p);
}

static const char *find_header(const request *r, const char *name) {
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->h[i].name, name) == 0) return r->h[i].value.p;
    return NULL;
}

static const uint8_t *line_end(const uint8_t *p, const uint8_t *end) {
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* False when the input cannot be a request at all (no method/path split, expansion too big). */
static bool parse(const uint8_t *data, size_t size, request *r) {
    memset(r, 0, sizeof *r);
    const uint8_t *end = data + size, *le = line_end(data, end);
    const uint8_t *sp = memchr(data, ' ', (size_t)(le - data));
    if (!sp || sp == data) return false;
    const uint8_t *path_end = memchr(sp + 1, ' ', (size_t)(le - sp - 1));
    if (!path_end) path_end = le;
    if (!expand((const char *)data, (size_t)(sp - data), &r->method)) return false;
    if (!expand((const char *)sp + 1, (size_t)(path_end - sp - 1), &r->path)) return false;
    const uint8_t *p = le < end ? le + 1 : end;
    while (p < end) {
        le = line_end(p, end);
        if (le == p || (le == p + 1 && *p == '\r')) { /* blank line: the body follows */
            p = le < end ? le + 1 : end;
            break;
        }
        const uint8_t *colon = memchr(p, ':', (size_t)(le - p));
        if (colon && r->n_headers < MAX_HEADERS && (size_t)(colon - p) < sizeof r->h[0].name) {
            header *h = &r->h[r->n_headers];
            memcpy(h->name, p, (size_t)(colon - p));
            h->name[colon - p] = '\0';
            const uint8_t *v = colon + 1, *ve = le;
            while (v < ve && (*v == ' ' || *v == '\t')) v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
            if (!expand((const char *)v, (size_t)(ve - v), &h->value)) return false;
            r->n_headers++;
        }
        p = le < end ? le + 1 : end;
    }
    return expand((const char *)p, (size_t)(end - p), &r->body);
}

/* ---------------------------------------------------------------- checks */

/* A secret the input itself contains may be echoed back: libFuzzer learns the operands of
 * comparisons (these checks included) and splices them into inputs. */
static bool leaked(const char *hay, const char *needle) {
    if (!needle || !*needle || !strstr(hay, needle)) return false;
    return !memmem(fx.input, fx.input_len, needle, strlen(needle));
}

/* No stored secret or password hash may appear in a reply unless the request contained it. */
static void check_no_secrets(const char *text) {
    char secret[TZ_SECRET_HEX_LEN + 1];
    int64_t gen;
    const tz_subject subs[] = {
        {.kind = TZ_SUBJ_USER, .id = fx.alice_id},
        {.kind = TZ_SUBJ_USER, .id = fx.admin_id},
        {.kind = TZ_SUBJ_PROVIDER, .id = fx.prov_id},
    };
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char *sealed = NULL;
        tz_error *e = tz_store_temp_sealed_get(fx.store, &subs[i], NULL, &sealed, &gen);
        if (e && e->id == TZE_NOT_FOUND) {
            tz_err_free(e);
            continue;
        }
        if (e) die("temp secret get", e);
        e = tz_secrets_open_temp(fx.keyring, &subs[i], sealed, secret);
        if (e) die("temp secret open", e);
        bool leak = leaked(text, secret) || leaked(text, sealed);
        free(sealed);
        if (leak) {
            fprintf(stderr, "reply leaks a temporary-token secret: %s\n", text);
            abort();
        }
    }
    tz_named_token_rec rec = {0};
    tz_error *e = tz_store_named_get(fx.store, fx.named_id, &rec);
    if (!e && !(e = tz_secrets_open_named(fx.keyring, rec.id, rec.secret, secret)) &&
        (leaked(text, secret) || leaked(text, rec.secret))) {
        fprintf(stderr, "reply leaks a named-token secret: %s\n", text);
        abort();
    }
    tz_named_token_rec_clear(&rec);
    tz_err_free(e);
    if (leaked(text, "$argon2")) {
        fprintf(stderr, "reply leaks a password hash: %s\n", text);
        abort();
    }
}

static void check_error_body(const json_t *body, const char *text) {
    const json_t *err = json_object_get(body, "error");
    if (!json_is_object(body) || json_object_size(body) != 1 || !json_is_object(err) ||
        !json_is_string(json_object_get(err, "id")) ||
        !json_is_string(json_object_get(err, "description"))) {
        fprintf(stderr, "malformed error reply: %s\n", text);
        abort();
    }
    const json_t *details = json_object_get(err, "details");
    if (details && !json_is_object(details)) {
        fprintf(stderr, "error details not an object: %s\n", text);
        abort();
    }
}

static void check_response(const tz_request *req, const tz_response *resp_in) {
    /* A body the service rendered as text itself (the verify answers) must be one JSON object,
     * and is then checked like a tree. */
    tz_response parsed_view = *resp_in;
    const tz_response *resp = resp_in;
    if (resp_in->text) {
        if (resp_in->body) {
            fprintf(stderr, "reply with both a tree and a text body (status %d)\n", resp_in->status);
            abort();
        }
        json_error_t jerr;
        parsed_view.body = json_loadb(resp_in->text, resp_in->text_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!parsed_view.body) {
            fprintf(stderr, "text reply is not JSON (%s): %.300s\n", jerr.text, resp_in->text);
            abort();
        }
        resp = &parsed_view;
    }
    char *text = resp->body ? json_dumps(resp->body, JSON_COMPACT) : NULL;
    if (resp->body && !text) {
        fprintf(stderr, "reply body cannot be rendered (status %d)\n", resp->status);
        abort();
    }
    const char *shown = text ? text : "";
    if (fx.trace) fprintf(stderr, "fuzz_request: %d %.300s\n", resp->status, shown);
    switch (resp->status) {
    case 200: case 201:
        if (!json_is_object(resp->body)) {
            fprintf(stderr, "%d reply without an object body: %s\n", resp->status, shown);
            abort();
        }
        if (resp->status == 201 && req && req->op == TZ_OP_CREATE_NAMED && !resp->location) {
            fprintf(stderr, "201 named-token creation without Location: %s\n", shown);
            abort();
        }
        break;
    case 204:
        if (resp->body) {
            fprintf(stderr, "204 reply with a body: %s\n", shown);
            abort();
        }
        break;
    case 400: case 401: case 403: case 404: case 409:
        check_error_body(resp->body, shown);
        break;
    case 429:
        check_error_body(resp->body, shown);
        if (json_integer_value(json_object_get(json_object_get(json_object_get(resp->body, "error"),
                                                               "details"), "retryAfter")) < 1) {
            fprintf(stderr, "429 without a positive details.retryAfter: %s\n", shown);
            abort();
        }
        break;
    case 500: case 503:
        check_error_body(resp->body, shown);
        fx.n_5xx++;
        if (!fx.allow_5xx) {
            fprintf(stderr, "server error %d: %s\n", resp->status, shown);
            abort();
        }
        break;
    default:
        fprintf(stderr, "unexpected status %d: %s\n", resp->status, shown);
        abort();
    }
    if (text) check_no_secrets(text);
    free(text);
    if (resp != resp_in) json_decref(parsed_view.body);
}

/* ---------------------------------------------------------------- one request */

static bool mutating(tz_op op) {
    return op == TZ_OP_CREATE_NAMED || op == TZ_OP_UPDATE_NAMED || op == TZ_OP_DELETE_NAMED ||
           op == TZ_OP_DELETE_ALL_NAMED || op == TZ_OP_REVOKE_ALL_TEMPORARY;
}

static void peer_from(const request *r, bool *known, uint32_t *ip) {
    *known = true;
    *ip = 0x7f000001u;
    const char *v = find_header(r, "x-fuzz-peer");
    if (!v) return;
    struct in_addr a;
    if (inet_pton(AF_INET, v, &a) == 1) *ip = ntohl(a.s_addr);
    else *known = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fx.input = data;
    fx.input_len = size;
    request r;
    if (!parse(data, size, &r)) {
        request_free(&r);
        return 0;
    }
    /* Like the server: the path stops at '?' (query strings are ignored) and at a NUL byte
     * (libmicrohttpd hands the URL over as a C string). */
    size_t path_len = strcspn(r.path.p, "?");
    char *scratch = malloc(path_len + 1);
    if (!scratch) abort();
    tz_route route;
    tz_route_status st = tz_route_match(r.method.p, r.path.p, path_len, scratch, path_len + 1, &route);
    if (st != TZ_ROUTE_OK) {
        if (fx.trace) fprintf(stderr, "fuzz_request: route status %d\n", (int)st);
        goto done;
    }

    tz_credentials creds;
    tz_credentials_from_headers(find_header(&r, "x-auth-token"), find_header(&r, "authorization"),
                                find_header(&r, "macaroon"), find_header(&r, "x-onedata-service-token"),
                                find_header(&r, "x-onedata-consumer-token"), &creds);
    char *cookie = NULL;
    const char *ck = find_header(&r, "cookie");
    const char *cv;
    size_t cl;
    if (ck && tz_cookie_find(ck, TZ_SESSION_COOKIE, &cv, &cl)) {
        cookie = strndup(cv, cl);
        if (!cookie) abort();
        creds.session_cookie = cookie;
    }
    bool peer_known;
    uint32_t peer;
    peer_from(&r, &peer_known, &peer);

    tz_client *client = NULL;
    tz_response resp = {0};
    tz_error *e = tz_service_authenticate(fx.svc, &creds, peer_known, peer, &client);
    if (e) {
        if (client) {
            fprintf(stderr, "authentication failed but returned a client\n");
            abort();
        }
        /* 429 tooManyRequests: the Basic-auth throttle (the fixed clock never lets it expire) */
        if (e->id != TZE_UNAUTHORIZED && e->id != TZE_INTERNAL && e->id != TZE_TOO_MANY_REQUESTS) {
            fprintf(stderr, "authentication error is not unauthorized: id %d\n", (int)e->id);
            abort();
        }
        tz_response_error(&resp, e);
        check_response(NULL, &resp);
        tz_response_clear(&resp);
        free(cookie);
        goto done;
    }
    if (!client) {
        fprintf(stderr, "authentication succeeded without a client\n");
        abort();
    }
    bool wants_body = !strcmp(r.method.p, "POST") || !strcmp(r.method.p, "PATCH");
    bool refused = !tz_accept_allows_json(find_header(&r, "accept")) ||
                   (wants_body && r.body.len > 0 &&
                    !tz_content_type_is_json(find_header(&r, "content-type")));
    if (!refused) {
        json_t *body = NULL;
        json_error_t jerr;
        bool malformed = false;
        if (wants_body && r.body.len > 0) {
            body = json_loadb(r.body.p, r.body.len, JSON_DECODE_ANY, &jerr);
            malformed = body == NULL;
        }
        if (malformed) {
            tz_response_error(&resp, tz_err_new(TZE_MALFORMED_DATA));
            check_response(NULL, &resp);
        } else {
            tz_request req = {
                .op = route.op, .target = route.target, .subject_id = route.subject_id,
                .token_id = route.token_id, .name = route.name, .body = body,
                .peer_ip_known = peer_known, .peer_ip = peer,
            };
            tz_service_handle(fx.svc, client, &req, &resp);
            check_response(&req, &resp);
            if (mutating(route.op) && resp.status / 100 == 2) reset_world();
        }
        tz_response_clear(&resp);
        json_decref(body);
    }
    tz_client_free(client);
    free(cookie);
done:
    free(scratch);
    request_free(&r);
    return 0;
}
