/* The caveat record: construction of the typed views shared by the wire and JSON readers, freeing,
 * and the accessors used by the service layer. */
#include "core/caveat_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/b64std.h"
#include "core/objectid.h"

static const char *const interface_names[] = {NULL, "rest", "oneclient", "graphsync"};

const char *tz_interface_name(tz_interface i) {
    return i > TZ_IF_UNKNOWN && i <= TZ_IF_GRAPHSYNC ? interface_names[i] : NULL;
}

int tz_interface_from_name(const char *s, tz_interface *out) {
    if (!s) return -1;
    for (int i = TZ_IF_REST; i <= TZ_IF_GRAPHSYNC; i++)
        if (strcmp(s, interface_names[i]) == 0) {
            *out = (tz_interface)i;
            return 0;
        }
    return -1;
}

tz_caveat *tz_cv_new(tz_caveat_type type) {
    tz_caveat *c = calloc(1, sizeof *c);
    if (c) c->type = type;
    return c;
}

tz_caveat *tz_cv_new_in(tz_cv_arena *a, tz_caveat_type type) {
    if (!a) return tz_cv_new(type);
    tz_caveat *c = tz_cv_arena_alloc(a, sizeof *c);
    if (!c) return NULL;
    memset(c, 0, sizeof *c);
    c->type = type;
    c->arena = a;
    return c;
}

void tz_caveat_free(tz_caveat *c) {
    if (!c || c->arena) return; /* arena records go with their arena */
    free(c->store);
    free(c->elems);
    free(c->masks);
    free(c->asns);
    free(c->services);
    free(c->service_id_lens);
    free(c->subjects);
    free(c->specs);
    free(c->paths);
    free(c->path_store);
    free(c->spaces);
    free(c->space_store);
    free(c);
}

void tz_caveats_free(tz_caveat **cs, size_t n) {
    if (!cs) return;
    /* The result of a verification: array and caveats live in one arena. */
    if (n && cs[0] && cs[0]->arena && tz_cv_arena_is_array(cs[0]->arena, cs)) {
        tz_cv_arena_free(cs[0]->arena);
        return;
    }
    for (size_t i = 0; i < n; i++) tz_caveat_free(cs[i]);
    free(cs);
}

tz_caveat_type tz_caveat_get_type(const tz_caveat *c) {
    return c->type;
}

tz_cv_status tz_cv_set_elems(tz_caveat *c, const tz_cv_text *src, size_t n) {
    if (n > TZ_CV_MAX_ELEMS) return TZ_CV_INVALID;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (src[i].len > SIZE_MAX - total - 1) return TZ_CV_NOMEM;
        total += src[i].len + 1;
    }
    c->store = tz_cv_alloc(c, total ? total : 1, 1, false);
    c->elems = tz_cv_alloc(c, n ? n : 1, sizeof *c->elems, false);
    if (!c->store || !c->elems) return TZ_CV_NOMEM;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (src[i].len) memcpy(c->store + o, src[i].ptr, src[i].len);
        c->store[o + src[i].len] = '\0';
        c->elems[i].ptr = c->store + o;
        c->elems[i].len = src[i].len;
        o += src[i].len + 1;
    }
    c->n = n;
    return TZ_CV_OK;
}

static tz_cv_status build_paths(tz_caveat *c) {
    size_t total = 0;
    for (size_t i = 0; i < c->n; i++) total += c->elems[i].len / 4 * 3 + 1;
    c->paths = tz_cv_alloc(c, c->n ? c->n : 1, sizeof *c->paths, true);
    c->path_store = tz_cv_alloc(c, total ? total : 1, 1, false);
    if (!c->paths || !c->path_store) return TZ_CV_NOMEM;
    size_t o = 0;
    for (size_t i = 0; i < c->n; i++) {
        size_t dlen;
        if (!tz_b64std_decode(c->elems[i].ptr, c->elems[i].len, (uint8_t *)c->path_store + o, &dlen))
            return TZ_CV_INVALID;
        c->path_store[o + dlen] = '\0';
        c->paths[i].ptr = c->path_store + o;
        c->paths[i].len = dlen;
        o += dlen + 1;
    }
    return TZ_CV_OK;
}

tz_cv_status tz_cv_build_typed(tz_caveat *c) {
    size_t n = c->n;
    switch (c->type) {
    case TZ_CV_IP:
        if (!(c->masks = tz_cv_alloc(c, n ? n : 1, sizeof *c->masks, true))) return TZ_CV_NOMEM;
        for (size_t i = 0; i < n; i++)
            if (!tz_cv_parse_mask(c->elems[i].ptr, c->elems[i].len, &c->masks[i])) return TZ_CV_INVALID;
        return TZ_CV_OK;
    case TZ_CV_ASN:
        if (!(c->asns = tz_cv_alloc(c, n ? n : 1, sizeof *c->asns, true))) return TZ_CV_NOMEM;
        for (size_t i = 0; i < n; i++)
            if (!tz_cv_parse_int(c->elems[i].ptr, c->elems[i].len, &c->asns[i])) return TZ_CV_INVALID;
        return TZ_CV_OK;
    case TZ_CV_SERVICE:
        c->services = tz_cv_alloc(c, n ? n : 1, sizeof *c->services, true);
        c->service_id_lens = tz_cv_alloc(c, n ? n : 1, sizeof *c->service_id_lens, true);
        if (!c->services || !c->service_id_lens) return TZ_CV_NOMEM;
        for (size_t i = 0; i < n; i++) {
            tz_cv_text id;
            if (!tz_cv_parse_service(c->elems[i].ptr, c->elems[i].len, &c->services[i].type, &id))
                return TZ_CV_INVALID;
            /* The id is the tail of a NUL-terminated element, so it is a C string too. */
            c->services[i].id = (char *)id.ptr;
            c->service_id_lens[i] = id.len;
        }
        return TZ_CV_OK;
    case TZ_CV_CONSUMER:
        if (!(c->subjects = tz_cv_alloc(c, n ? n : 1, sizeof *c->subjects, true))) return TZ_CV_NOMEM;
        for (size_t i = 0; i < n; i++)
            if (!tz_cv_parse_subject(c->elems[i].ptr, c->elems[i].len, &c->subjects[i])) return TZ_CV_INVALID;
        return TZ_CV_OK;
    case TZ_CV_API:
        if (!(c->specs = tz_cv_alloc(c, n ? n : 1, sizeof *c->specs, true))) return TZ_CV_NOMEM;
        for (size_t i = 0; i < n; i++)
            if (!tz_matchspec_parse(c->elems[i].ptr, c->elems[i].len, &c->specs[i])) return TZ_CV_INVALID;
        return TZ_CV_OK;
    case TZ_CV_DATA_PATH: {
        tz_cv_status st = build_paths(c);
        return st != TZ_CV_OK ? st : tz_cv_build_spaces(c);
    }
    case TZ_CV_DATA_OBJECTID:
        return tz_cv_build_spaces(c);
    default:
        return TZ_CV_OK; /* country, region: plain strings */
    }
}

/* The space id of a path: its first component when it starts with '/' (runs of '/' count as one,
 * as filename:split does); paths without one are ignored, and so are ids holding a NUL byte, which
 * a C string could not carry faithfully. */
static bool path_space(tz_cv_text p, tz_cv_text *space) {
    if (p.len == 0 || p.ptr[0] != '/') return false;
    size_t i = 0;
    while (i < p.len && p.ptr[i] == '/') i++;
    size_t start = i;
    while (i < p.len && p.ptr[i] != '/') i++;
    if (i == start || memchr(p.ptr + start, '\0', i - start)) return false;
    space->ptr = p.ptr + start;
    space->len = i - start;
    return true;
}

tz_cv_status tz_cv_build_spaces(tz_caveat *c) {
    size_t total = 0;
    for (size_t i = 0; i < c->n; i++) total += c->elems[i].len + 1; /* bounds both kinds */
    c->spaces = tz_cv_alloc(c, c->n ? c->n : 1, sizeof *c->spaces, true);
    c->space_store = tz_cv_alloc(c, total ? total : 1, 1, false);
    if (!c->spaces || !c->space_store) return TZ_CV_NOMEM;
    size_t o = 0;
    c->n_spaces = 0;
    for (size_t i = 0; i < c->n; i++) {
        char *dst = c->space_store + o;
        size_t len;
        if (c->type == TZ_CV_DATA_PATH) {
            tz_cv_text sp;
            if (!path_space(c->paths[i], &sp)) continue;
            memcpy(dst, sp.ptr, sp.len);
            dst[sp.len] = '\0';
            len = sp.len;
        } else {
            if (!tz_objectid_space(c->elems[i].ptr, c->elems[i].len, dst, &len)) continue;
            if (memchr(dst, '\0', len)) continue;
        }
        c->spaces[c->n_spaces++] = dst;
        o += len + 1;
    }
    return TZ_CV_OK;
}

bool tz_caveat_time(const tz_caveat *c, int64_t *valid_until) {
    if (!c || c->type != TZ_CV_TIME) return false;
    *valid_until = c->valid_until;
    return true;
}

bool tz_caveat_services(const tz_caveat *c, const tz_service **list, size_t *n) {
    if (!c || c->type != TZ_CV_SERVICE) return false;
    *list = c->services;
    *n = c->n;
    return true;
}

bool tz_caveat_data_spaces(const tz_caveat *c, const char *const **spaces, size_t *n) {
    if (!c || (c->type != TZ_CV_DATA_PATH && c->type != TZ_CV_DATA_OBJECTID)) return false;
    *spaces = c->spaces;
    *n = c->n_spaces;
    return true;
}

bool tz_caveats_expiration(tz_caveat *const *cs, size_t n, int64_t *valid_until) {
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        int64_t t;
        if (!tz_caveat_time(cs[i], &t)) continue;
        if (!found || t < *valid_until) *valid_until = t;
        found = true;
    }
    return found;
}
