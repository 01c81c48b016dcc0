/* Narrowing sets of space / service ids by data access and service caveats (the reference's
 * match_available_spaces and match_allowed_service_ids). */
#include "core/caveat_internal.h"

#include <stdlib.h>
#include <string.h>

static bool contains(const char *const *set, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(set[i], s) == 0) return true;
    return false;
}

/* Keeps the members of acc that are in keep (in acc's order, without duplicates). */
static size_t intersect(const char **acc, size_t n, const char *const *keep, size_t n_keep) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (contains(keep, n_keep, acc[i]) && !contains(acc, k, acc[i])) acc[k++] = acc[i];
    return k;
}

static tz_error *finish(const char **acc, size_t k, const char ***out, size_t *n_out) {
    if (k == 0) {
        free(acc);
        acc = NULL;
    }
    *out = acc;
    *n_out = k;
    return NULL;
}

tz_error *tz_caveats_match_spaces(tz_caveat *const *cs, size_t n, const char *const *all, size_t n_all,
                                  const char ***out, size_t *n_out) {
    *out = NULL;
    *n_out = 0;
    /* The set only shrinks, except that {"*"} may become one caveat's space list. */
    size_t cap = n_all;
    for (size_t i = 0; i < n; i++)
        if (cs[i]->type == TZ_CV_DATA_PATH || cs[i]->type == TZ_CV_DATA_OBJECTID)
            if (cs[i]->n_spaces > cap) cap = cs[i]->n_spaces;
    const char **acc = malloc((cap ? cap : 1) * sizeof *acc);
    if (!acc) return tz_err_new(TZE_INTERNAL);
    size_t k = 0;
    for (size_t i = 0; i < n_all; i++) acc[k++] = all[i];
    for (size_t i = 0; i < n; i++) {
        const tz_caveat *c = cs[i];
        if (c->type != TZ_CV_DATA_PATH && c->type != TZ_CV_DATA_OBJECTID) continue;
        if (k == 1 && strcmp(acc[0], "*") == 0) {
            k = 0;
            for (size_t s = 0; s < c->n_spaces; s++)
                if (!contains(acc, k, c->spaces[s])) acc[k++] = c->spaces[s];
        } else {
            k = intersect(acc, k, c->spaces, c->n_spaces);
        }
    }
    return finish(acc, k, out, n_out);
}

tz_error *tz_caveats_match_service_ids(tz_caveat *const *cs, size_t n, tz_service_type type,
                                       const char *const *all, size_t n_all, const char ***out,
                                       size_t *n_out) {
    *out = NULL;
    *n_out = 0;
    const char **acc = malloc((n_all ? n_all : 1) * sizeof *acc);
    if (!acc) return tz_err_new(TZE_INTERNAL);
    size_t k = 0;
    for (size_t i = 0; i < n_all; i++) acc[k++] = all[i];
    for (size_t i = 0; i < n; i++) {
        const tz_caveat *c = cs[i];
        if (c->type != TZ_CV_SERVICE) continue;
        bool any_of_type = false, wildcard = false;
        for (size_t s = 0; s < c->n; s++) {
            if (c->services[s].type != type) continue;
            any_of_type = true;
            if (c->service_id_lens[s] == 1 && c->services[s].id[0] == '*') wildcard = true;
        }
        if (wildcard) continue;
        if (!any_of_type) {
            k = 0;
            continue;
        }
        size_t kept = 0;
        for (size_t a = 0; a < k; a++) {
            bool listed = false;
            for (size_t s = 0; s < c->n && !listed; s++)
                listed = c->services[s].type == type && c->service_id_lens[s] == strlen(acc[a]) &&
                         memcmp(c->services[s].id, acc[a], c->service_id_lens[s]) == 0;
            if (listed && !contains(acc, kept, acc[a])) acc[kept++] = acc[a];
        }
        k = kept;
    }
    return finish(acc, k, out, n_out);
}
