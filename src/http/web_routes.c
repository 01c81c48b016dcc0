/* Serves the compiled-in web page (http/web_assets.h) through the routes-outside-the-API
 * mechanism: the right Content-Type, a content-hash ETag answered with 304 on If-None-Match,
 * Cache-Control, and security headers on every reply (a strict Content-Security-Policy: the page
 * has no inline script or style, needs no eval and talks only to its own origin). */
#include <string.h>
#include "http/web_assets.h"
#include "http/web_routes.h"

#define WEB_PREFIX "/web/"
/* One header value (extra.h caps values at 256 bytes). */
#define WEB_CSP                                                                              \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "       \
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "          \
    "frame-ancestors 'none'"

static const tz_web_asset *find_asset(const char *path, size_t len) {
    for (size_t i = 0; i < tz_web_asset_count; i++) {
        const tz_web_asset *a = &tz_web_assets[i];
        if (strlen(a->path) == len && memcmp(a->path, path, len) == 0) return a;
    }
    return NULL;
}

static void add_security_headers(tz_extra_resp *resp) {
    tz_extra_add_header(resp, "Content-Security-Policy", WEB_CSP);
    tz_extra_add_header(resp, "X-Content-Type-Options", "nosniff");
    tz_extra_add_header(resp, "Referrer-Policy", "no-referrer");
    tz_extra_add_header(resp, "X-Frame-Options", "DENY");
    tz_extra_add_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
}

/* Whether an If-None-Match value names `etag` (a list of entity tags, weak ones compared
 * weakly as RFC 9110 says for If-None-Match) or is "*". */
static bool etag_matches(const char *header, const char *etag) {
    size_t elen = strlen(etag);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (*p == '*') return true;
        if (p[0] == 'W' && p[1] == '/') p += 2;
        const char *e = p;
        if (*e == '"') {
            e++;
            while (*e && *e != '"') e++;
            if (*e == '"') e++;
        } else {
            while (*e && *e != ',') e++;
        }
        if ((size_t)(e - p) == elen && memcmp(p, etag, elen) == 0) return true;
        p = e;
        while (*p && *p != ',') p++;
    }
    return false;
}

static void serve_asset(const tz_extra_req *req, tz_extra_resp *resp, const tz_web_asset *a) {
    add_security_headers(resp);
    if (!a) {
        const char msg[] = "not found\n";
        tz_extra_reply_copy(resp, 404, "text/plain; charset=utf-8", msg, sizeof msg - 1);
        return;
    }
    /* Always revalidated: file names carry no hash, and the 304 costs one small request. */
    tz_extra_add_header(resp, "Cache-Control", "no-cache");
    tz_extra_add_header(resp, "ETag", a->etag);
    const char *inm = tz_extra_header(req, "If-None-Match");
    if (inm && etag_matches(inm, a->etag)) {
        resp->status = 304;
        return;
    }
    resp->status = 200;
    resp->content_type = a->content_type;
    resp->body = (char *)a->data;  /* static, never freed (owns_body stays false) */
    resp->body_len = a->len;
}

static void page_fn(const tz_extra_req *req, tz_extra_resp *resp) {
    serve_asset(req, resp, find_asset("/index.html", strlen("/index.html")));
}

static void asset_fn(const tz_extra_req *req, tz_extra_resp *resp) {
    const char *rest = req->path + strlen(WEB_PREFIX) - 1;  /* keeps the leading '/' */
    const tz_web_asset *a = strcmp(rest, "/index.html") == 0 ? NULL
                                                             : find_asset(rest, strlen(rest));
    serve_asset(req, resp, a);
}

bool tz_web_add_routes(tz_extra_route *routes, size_t cap, size_t *n) {
    if (cap - *n < 2) return false;
    routes[(*n)++] = (tz_extra_route){"/", false, "GET", page_fn, NULL};
    routes[(*n)++] = (tz_extra_route){WEB_PREFIX, true, "GET", asset_fn, NULL};
    return true;
}
