/* --store / --data / $TOKENZONE_STORE and the numeric store options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/store_opts.h"

bool cli_store_location(const char *cmd, const char *store_opt, const char *data_opt, char **out) {
    *out = NULL;
    if (store_opt && data_opt) {
        fprintf(stderr, "tokenzone %s: give either --store or --data, not both\n", cmd);
        return false;
    }
    if ((store_opt && !*store_opt) || (data_opt && !*data_opt)) {
        fprintf(stderr, "tokenzone %s: %s must not be empty\n", cmd, store_opt ? "--store" : "--data");
        return false;
    }
    const char *loc = store_opt;
    if (data_opt) {
        size_t n = strlen(data_opt) + sizeof "sqlite:";
        *out = malloc(n);
        if (!*out) return false;
        snprintf(*out, n, "sqlite:%s", data_opt);
        return true;
    }
    if (!loc) {
        const char *env = getenv(TZ_STORE_ENV);
        if (env && *env) loc = env;
    }
    if (!loc) return true;
    if (!tz_store_location_backend(loc)) {
        char *shown = tz_store_location_redacted(loc);
        fprintf(stderr, "tokenzone %s: unknown store '%s' (use sqlite:DIR or postgresql://...)\n", cmd,
                shown ? shown : "?");
        free(shown);
        return false;
    }
    *out = strdup(loc);
    /* --store comes from argv: keep a password given there out of `ps` from now on */
    if (*out && loc == store_opt) cli_store_hide_password((char *)store_opt);
    return *out != NULL;
}

bool cli_store_number(const char *cmd, const char *opt, const char *value, unsigned max, unsigned *out) {
    unsigned long v = 0;
    bool ok = value && *value;
    for (const char *p = value; ok && *p; p++) {
        if (*p < '0' || *p > '9' || v > max) ok = false;
        else v = v * 10 + (unsigned long)(*p - '0');
    }
    if (!ok || v < 1 || v > max) {
        fprintf(stderr, "tokenzone %s: %s must be an integer in [1, %u]\n", cmd, opt, max);
        return false;
    }
    *out = (unsigned)v;
    return true;
}
