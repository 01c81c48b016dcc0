/* The web page's files, compiled into the binary: a table generated at build time from src/web/
 * by scripts/gen-web-assets.sh (one C array per file, its content type and an ETag that is a
 * hash of its bytes). Everything here is static and read-only. */
#ifndef TZ_HTTP_WEB_ASSETS_H
#define TZ_HTTP_WEB_ASSETS_H
#include <stddef.h>

typedef struct tz_web_asset {
    const char *path;          /* "/index.html", "/app.js", ... (relative to src/web/) */
    const unsigned char *data;
    size_t len;
    const char *content_type;
    const char *etag;          /* quoted strong ETag, e.g. "\"0123…\"" */
} tz_web_asset;

extern const tz_web_asset tz_web_assets[];
extern const size_t tz_web_asset_count;

#endif
