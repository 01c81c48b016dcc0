/* Which backend serves a location. The PostgreSQL backend defines `tzs_pg_ops` in its own files
 * (pg_open.c). Adding a backend: declare its ops table here and add a scheme. */
#include <string.h>
#include "store/store_backend.h"
#include "store/store_internal.h"

/* Strong reference: a weak one would not pull the PostgreSQL objects out of libtokenzone.a. */
extern const tz_store_ops tzs_pg_ops;

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

const char *tz_store_location_backend(const char *location) {
    if (!location) return NULL;
    if (has_prefix(location, "postgresql://") || has_prefix(location, "postgres://")) return "postgresql";
    if (has_prefix(location, "sqlite:")) return "sqlite";
    /* any other "scheme:" is unknown; a plain path (no scheme) is an SQLite directory */
    size_t i = 0;
    while ((location[i] >= 'a' && location[i] <= 'z') || (location[i] >= '0' && location[i] <= '9') ||
           location[i] == '+' || location[i] == '-' || location[i] == '.')
        i++;
    if (i > 0 && location[i] == ':') return NULL;
    return "sqlite";
}

const char *tz_store_location_dir(const char *location) {
    const char *backend = tz_store_location_backend(location);
    if (!backend || strcmp(backend, "sqlite") != 0) return NULL;
    return has_prefix(location, "sqlite:") ? location + strlen("sqlite:") : location;
}

const tz_store_ops *tzs_backend_for(const char *location, const char **why) {
    const char *name = tz_store_location_backend(location);
    if (!name) {
        *why = "unknown store scheme (use sqlite:DIR, postgresql://... or postgres://...)";
        return NULL;
    }
    if (strcmp(name, "postgresql") == 0) return &tzs_pg_ops;
    return &tzs_sqlite_ops;
}
