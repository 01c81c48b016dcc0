/* `tokenzone introspect TOKEN`: asks a tokenzone server's RFC 7662 endpoint whether a token is an
 * active access token, for scripts. Prints the JSON answer; the exit status says the verdict. */
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/client_http.h"
#include "cli/commands.h"

#define INTROSPECT_EXIT_ACTIVE 0
#define INTROSPECT_EXIT_FAIL 1
#define INTROSPECT_EXIT_USAGE 2
#define INTROSPECT_EXIT_INACTIVE 3
#define TOKEN_STDIN_MAX (1024u * 1024u)

static void usage(FILE *f) {
    fprintf(f,
        "usage: tokenzone introspect [options] TOKEN|-\n"
        "\n"
        "Asks the server's /oauth2/introspect (RFC 7662) about TOKEN ('-' reads it from stdin,\n"
        "which keeps it out of the process list) and prints the JSON answer.\n"
        "\n"
        "  --host URL             server (default $ONEZONE_HOST)\n"
        "  --client-id ID         introspection client (default $TOKENZONE_CLIENT_ID); its secret\n"
        "                         comes from $TOKENZONE_CLIENT_SECRET\n"
        "  --bearer-from-env      authenticate with the access token in $ONEZONE_API_KEY instead\n"
        "                         (a provider's, or a user's with oz_tokens_manage)\n"
        "  --peer-ip ADDR         context of the token's use: client IPv4 address\n"
        "  --interface NAME       rest | oneclient | graphsync\n"
        "  --cacert FILE          CA bundle for https; --insecure (-k) skips verification\n"
        "\n"
        "exit status: 0 active, 3 inactive, 1 failure (printed on stderr), 2 usage error\n");
}

typedef struct buf {
    char *p;
    size_t n;
    bool overflow;
} buf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud) {
    buf *b = ud;
    size_t n = size * nmemb;
    if (b->n + n > TZ_CLIENT_MAX_RESPONSE) {
        b->overflow = true;
        return 0;
    }
    char *g = realloc(b->p, b->n + n + 1);
    if (!g) return 0;
    b->p = g;
    memcpy(b->p + b->n, ptr, n);
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

/* Reads the token from stdin (one trailing newline dropped); malloc'd, caller wipes. */
static char *read_stdin_token(void) {
    char *t = malloc(TOKEN_STDIN_MAX + 2);
    if (!t) return NULL;
    size_t n = fread(t, 1, TOKEN_STDIN_MAX + 1, stdin);
    if (n == 0 || n > TOKEN_STDIN_MAX) {
        free(t);
        return NULL;
    }
    while (n && (t[n - 1] == '\n' || t[n - 1] == '\r')) n--;
    t[n] = '\0';
    return t;
}

/* Appends name=urlencoded(value) to the form. */
static bool form_add(CURL *c, char **form, const char *name, const char *value) {
    if (!value) return true;
    char *enc = curl_easy_escape(c, value, 0);
    if (!enc) return false;
    size_t old = *form ? strlen(*form) : 0, add = strlen(name) + strlen(enc) + 2;
    char *g = realloc(*form, old + add + 1);
    if (!g) {
        curl_free(enc);
        return false;
    }
    snprintf(g + old, add + 1, "%s%s=%s", old ? "&" : "", name, enc);
    OPENSSL_cleanse(enc, strlen(enc));
    curl_free(enc);
    *form = g;
    return true;
}

static int run(const char *host, const char *client_id, const char *client_secret, const char *bearer,
               const char *token, const char *peer_ip, const char *iface, const char *cacert, bool insecure) {
    char *base = NULL;
    tz_error *e = tz_client_base_url(host, &base);
    if (e) {
        tz_err_free(e);
        fprintf(stderr, "tokenzone introspect: bad --host / ONEZONE_HOST '%s'\n", host);
        return INTROSPECT_EXIT_USAGE;
    }
    size_t ulen = strlen(base) + 32;
    char *url = malloc(ulen);
    CURL *c = curl_easy_init();
    char *form = NULL;
    struct curl_slist *headers = NULL;
    char *auth_header = NULL;
    buf b = {0};
    int rc = INTROSPECT_EXIT_FAIL;
    char errbuf[CURL_ERROR_SIZE] = "";
    if (!url || !c || !form_add(c, &form, "token", token) || !form_add(c, &form, "token_type_hint", "access_token") ||
        !form_add(c, &form, "peer_ip", peer_ip) || !form_add(c, &form, "interface", iface)) {
        fprintf(stderr, "tokenzone introspect: out of memory\n");
        goto out;
    }
    snprintf(url, ulen, "%s/oauth2/introspect", base);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, TZ_CLIENT_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, TZ_CLIENT_TOTAL_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(form));
    if (bearer) {
        size_t n = strlen(bearer) + 32;
        auth_header = malloc(n);
        if (!auth_header) goto out;
        snprintf(auth_header, n, "Authorization: Bearer %s", bearer);
        headers = curl_slist_append(headers, auth_header);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, client_id);
        curl_easy_setopt(c, CURLOPT_PASSWORD, client_secret);
    }
    headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (cacert) curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
    if (insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        fprintf(stderr, "tokenzone introspect: %s\n", b.overflow ? "response too large" : errbuf[0] ? errbuf : curl_easy_strerror(cc));
    } else if (status != 200) {
        fprintf(stderr, "tokenzone introspect: HTTP %ld %s\n", status, b.p ? b.p : "");
    } else {
        json_t *j = b.p ? json_loads(b.p, 0, NULL) : NULL;
        if (!json_is_object(j)) {
            fprintf(stderr, "tokenzone introspect: the answer is not a JSON object\n");
        } else {
            char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
            printf("%s\n", text ? text : b.p);
            free(text);
            rc = json_is_true(json_object_get(j, "active")) ? INTROSPECT_EXIT_ACTIVE : INTROSPECT_EXIT_INACTIVE;
        }
        json_decref(j);
    }
out:
    if (form) OPENSSL_cleanse(form, strlen(form));
    if (auth_header) OPENSSL_cleanse(auth_header, strlen(auth_header));
    free(form);
    free(auth_header);
    curl_slist_free_all(headers);
    if (c) curl_easy_cleanup(c);
    free(b.p);
    free(url);
    free(base);
    return rc;
}

int tz_cmd_introspect(int argc, char **argv) {
    const char *host = getenv("ONEZONE_HOST"), *client_id = getenv("TOKENZONE_CLIENT_ID");
    const char *peer_ip = NULL, *iface = NULL, *cacert = NULL, *token_arg = NULL;
    bool insecure = false, bearer_env = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--insecure") || !strcmp(a, "-k")) insecure = true;
        else if (!strcmp(a, "--bearer-from-env")) bearer_env = true;
        else if (!strcmp(a, "--host")) slot = &host;
        else if (!strcmp(a, "--client-id")) slot = &client_id;
        else if (!strcmp(a, "--peer-ip")) slot = &peer_ip;
        else if (!strcmp(a, "--interface")) slot = &iface;
        else if (!strcmp(a, "--cacert")) slot = &cacert;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tokenzone introspect: unknown option '%s'\n\n", a);
            usage(stderr);
            return INTROSPECT_EXIT_USAGE;
        } else if (!token_arg) token_arg = a;
        else {
            fprintf(stderr, "tokenzone introspect: one TOKEN only\n\n");
            usage(stderr);
            return INTROSPECT_EXIT_USAGE;
        }
        if (slot) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tokenzone introspect: missing value of %s\n", a);
                return INTROSPECT_EXIT_USAGE;
            }
            *slot = argv[++i];
        }
    }
    const char *secret = getenv("TOKENZONE_CLIENT_SECRET"), *bearer = bearer_env ? getenv("ONEZONE_API_KEY") : NULL;
    if (!token_arg || !host || !*host) {
        fprintf(stderr, "tokenzone introspect: %s\n\n", !token_arg ? "TOKEN is required" : "--host or ONEZONE_HOST is required");
        usage(stderr);
        return INTROSPECT_EXIT_USAGE;
    }
    if (bearer_env ? !bearer || !*bearer : !client_id || !secret || !*client_id || !*secret) {
        fprintf(stderr, "tokenzone introspect: %s\n", bearer_env ? "$ONEZONE_API_KEY is not set"
                        : "--client-id (or $TOKENZONE_CLIENT_ID) and $TOKENZONE_CLIENT_SECRET are required");
        return INTROSPECT_EXIT_USAGE;
    }
    char *from_stdin = NULL;
    if (!strcmp(token_arg, "-") && !(from_stdin = read_stdin_token())) {
        fprintf(stderr, "tokenzone introspect: no token (or over %u bytes) on stdin\n", TOKEN_STDIN_MAX);
        return INTROSPECT_EXIT_USAGE;
    }
    int rc = run(host, client_id, secret, bearer, from_stdin ? from_stdin : token_arg, peer_ip, iface, cacert, insecure);
    if (from_stdin) {
        OPENSSL_cleanse(from_stdin, strlen(from_stdin));
        free(from_stdin);
    }
    return rc;
}
