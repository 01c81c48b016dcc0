/* The libcurl transport of the REST client: one request, bounded in time and size, never
 * following redirects (a redirect would carry the credentials to another place). */
#include "cli/client_http.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TZ_VERSION
#define TZ_VERSION "0.1.0"
#endif

typedef struct sink {
    tz_client_response *r;
    size_t cap;
    bool too_large;
} sink;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud) {
    sink *s = ud;
    size_t n = size * nmemb;
    if (n > TZ_CLIENT_MAX_RESPONSE - s->r->len) {
        s->too_large = true;
        return 0; /* makes curl abort with CURLE_WRITE_ERROR */
    }
    if (s->r->len + n + 1 > s->cap) {
        size_t ncap = s->cap ? s->cap : 4096;
        while (ncap < s->r->len + n + 1) ncap *= 2;
        char *nb = realloc(s->r->body, ncap);
        if (!nb) return 0;
        s->r->body = nb;
        s->cap = ncap;
    }
    memcpy(s->r->body + s->r->len, ptr, n);
    s->r->len += n;
    s->r->body[s->r->len] = '\0';
    return n;
}

/* Wipes the header strings (one of them holds the token) before freeing the list. */
static void free_headers(struct curl_slist *h) {
    for (struct curl_slist *i = h; i; i = i->next) OPENSSL_cleanse(i->data, strlen(i->data));
    curl_slist_free_all(h);
}

static struct curl_slist *add_header(struct curl_slist *list, const char *h, bool *ok) {
    struct curl_slist *n = curl_slist_append(list, h);
    if (!n) {
        *ok = false;
        return list;
    }
    return n;
}

/* x-auth-token header for the token; for basic auth, a copy of the user name (the part before
 * the first colon) with the password pointing behind it. */
static char *auth_material(const tz_client_conn *conn, const char **password, size_t *size) {
    size_t len = strlen(conn->secret);
    *size = len + 1;
    if (conn->auth == TZ_AUTH_TOKEN) {
        static const char name[] = "x-auth-token: ";
        *size = sizeof name + len;
        char *h = malloc(sizeof name + len);
        if (!h) return NULL;
        memcpy(h, name, sizeof name - 1);
        memcpy(h + sizeof name - 1, conn->secret, len + 1);
        return h;
    }
    char *user = strdup(conn->secret);
    if (!user) return NULL;
    char *colon = strchr(user, ':'); /* tz_client_check_secret guarantees one */
    if (colon) {
        *colon = '\0';
        *password = colon + 1;
    }
    return user;
}

static void set_common(CURL *c, char *errbuf) {
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, TZ_CLIENT_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, TZ_CLIENT_TOTAL_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)TZ_CLIENT_MAX_RESPONSE);
    /* the path is already percent-encoded with dot segments neutralised; keep it as it is */
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "tokenzone/" TZ_VERSION);
}

bool tz_client_http_send(const tz_client_conn *conn, const char *method, const char *path,
                         const char *body, bool with_auth, tz_client_response *out,
                         char *errbuf, size_t errbuf_len) {
    memset(out, 0, sizeof *out);
    char curl_err[CURL_ERROR_SIZE] = "";
    snprintf(errbuf, errbuf_len, "request failed");
    size_t url_len = strlen(conn->base_url) + strlen(TZ_CLIENT_REST_PREFIX) + strlen(path) + 1;
    char *url = malloc(url_len);
    CURL *c = curl_easy_init();
    struct curl_slist *headers = NULL;
    char *auth = NULL;
    const char *password = NULL;
    size_t auth_size = 0;
    bool ok = url && c;
    if (ok) {
        snprintf(url, url_len, "%s%s%s", conn->base_url, TZ_CLIENT_REST_PREFIX, path);
        headers = add_header(headers, "Accept: application/json", &ok);
        headers = add_header(headers, "Expect:", &ok);
        if (body) headers = add_header(headers, "Content-Type: application/json", &ok);
    }
    if (ok && with_auth && conn->auth != TZ_AUTH_NONE) {
        auth = auth_material(conn, &password, &auth_size);
        if (!auth) ok = false;
        else if (conn->auth == TZ_AUTH_TOKEN) headers = add_header(headers, auth, &ok);
    }
    if (!ok) {
        snprintf(errbuf, errbuf_len, "out of memory");
        goto done;
    }

    set_common(c, curl_err);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (conn->auth == TZ_AUTH_BASIC && auth) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, auth);
        curl_easy_setopt(c, CURLOPT_PASSWORD, password);
    }
    if (conn->cacert) curl_easy_setopt(c, CURLOPT_CAINFO, conn->cacert);
    if (conn->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!strcmp(method, "GET")) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        }
    }
    sink s = {.r = out};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);

    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    } else {
        ok = false;
        if (s.too_large || rc == CURLE_FILESIZE_EXCEEDED)
            snprintf(errbuf, errbuf_len, "the response is larger than %u bytes",
                     TZ_CLIENT_MAX_RESPONSE);
        else
            snprintf(errbuf, errbuf_len, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
        tz_client_response_clear(out);
    }
done:
    if (auth) {
        OPENSSL_cleanse(auth, auth_size);
        free(auth);
    }
    free_headers(headers);
    if (c) curl_easy_cleanup(c);
    free(url);
    return ok;
}

void tz_client_response_clear(tz_client_response *r) {
    free(r->body);
    memset(r, 0, sizeof *r);
}
