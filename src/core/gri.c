/* GRI patterns and API matchspecs (token-format §12.1-§12.2). Parsing splits on every separator
 * with no escaping, exactly like the reference, so ids cannot contain `.`, `/`, `|`, `:` or `,`. */
#include "core/gri.h"

#include <string.h>

static const char *const type_names[] = {
    "oz_worker", "user", "group", "space", "share", "provider", "handleService", "handle", "cluster",
    "harvester", "storage", "token", "space_stats", "temporary_token_secret", "atm_inventory", "atm_lambda",
    "atm_workflow_schema", "onp_cluster", "onp_host", "onp_panel", "onp_provider", "onp_service", "onp_space",
    "onp_storage", "onp_user", "onp_zone", "op_archive", "op_atm_inventory", "op_atm_lambda_snapshot",
    "op_atm_store", "op_atm_task_execution", "op_atm_workflow_execution", "op_atm_workflow_schema",
    "op_atm_workflow_schema_snapshot", "op_dataset", "file", "op_group", "op_handle", "op_handle_service",
    "op_metrics", "op_provider", "op_qos", "op_share", "op_space", "op_storage", "op_transfer", "op_user",
};
#define TYPE_COUNT ((int)(sizeof type_names / sizeof type_names[0]))

static const char *const scope_names[TZ_GRI_SCOPE__COUNT] = {"private", "protected", "shared", "public", "auto"};
static const char *const operation_names[] = {"create", "get", "update", "delete"};

const char *tz_gri_type_name(int index) {
    return index >= 0 && index < TYPE_COUNT ? type_names[index] : NULL;
}

int tz_gri_type_count(void) {
    return TYPE_COUNT;
}

static bool text_is(const char *s, size_t len, const char *word) {
    size_t wl = strlen(word);
    return len == wl && memcmp(s, word, wl) == 0;
}

int tz_gri_type_index(const char *s, size_t len) {
    for (int i = 0; i < TYPE_COUNT; i++)
        if (text_is(s, len, type_names[i])) return i;
    return -1;
}

const char *tz_gri_scope_name(tz_gri_scope s) {
    return (unsigned)s < TZ_GRI_SCOPE__COUNT ? scope_names[s] : NULL;
}

/* Splits s on every `sep` into at most max parts; returns the number of parts, or max + 1 when
 * there are more. */
static size_t split(const char *s, size_t len, char sep, tz_gri_text *parts, size_t max) {
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != sep) continue;
        if (n == max) return max + 1;
        parts[n].ptr = s + start;
        parts[n].len = i - start;
        n++;
        start = i + 1;
    }
    return n;
}

static bool is_star(tz_gri_text t) {
    return t.len == 1 && t.ptr[0] == '*';
}

bool tz_gri_pattern_parse(const char *s, size_t len, tz_gri_pattern *out) {
    memset(out, 0, sizeof *out);
    tz_gri_text parts[3], as[2], an[2];
    if (split(s, len, '.', parts, 3) != 3) return false;
    size_t n_as = split(parts[2].ptr, parts[2].len, ':', as, 2);
    if (n_as > 2) return false;
    size_t n_an = split(as[0].ptr, as[0].len, ',', an, 2);
    if (n_an > 2) return false;

    if (is_star(parts[0])) {
        out->type = TZ_GRI_ANY;
    } else {
        out->type = tz_gri_type_index(parts[0].ptr, parts[0].len);
        if (out->type < 0) return false;
    }

    if (is_star(parts[1])) {
        out->id_kind = TZ_GRI_ID_ANY;
    } else if (text_is(parts[1].ptr, parts[1].len, "null")) {
        out->id_kind = TZ_GRI_ID_NULL;
    } else {
        out->id_kind = TZ_GRI_ID_VALUE;
        out->id = parts[1];
    }

    out->compound = n_an == 2;
    out->name_any = is_star(an[0]);
    out->name = an[0];
    if (out->compound) {
        out->sub_any = is_star(an[1]);
        out->sub = an[1];
    }

    if (n_as == 1) {
        out->scope = TZ_GRI_PRIVATE;
    } else if (is_star(as[1])) {
        out->scope = TZ_GRI_ANY;
    } else {
        out->scope = -2;
        for (int i = 0; i < TZ_GRI_SCOPE__COUNT; i++)
            if (text_is(as[1].ptr, as[1].len, scope_names[i])) out->scope = i;
        if (out->scope == -2) return false;
    }
    return true;
}

static size_t put(char *out, size_t o, const char *s, size_t len) {
    if (out) memcpy(out + o, s, len);
    return o + len;
}

static size_t put_str(char *out, size_t o, const char *s) {
    return put(out, o, s, strlen(s));
}

/* One writer for both the length and the text, so they can never disagree. */
static size_t pattern_emit(const tz_gri_pattern *p, char *out) {
    size_t o = 0;
    o = p->type == TZ_GRI_ANY ? put_str(out, o, "*") : put_str(out, o, type_names[p->type]);
    o = put_str(out, o, ".");
    switch (p->id_kind) {
    case TZ_GRI_ID_ANY: o = put_str(out, o, "*"); break;
    case TZ_GRI_ID_NULL: o = put_str(out, o, "null"); break;
    case TZ_GRI_ID_VALUE: o = put(out, o, p->id.ptr, p->id.len); break;
    }
    o = put_str(out, o, ".");
    o = p->name_any ? put_str(out, o, "*") : put(out, o, p->name.ptr, p->name.len);
    if (p->compound) {
        o = put_str(out, o, ",");
        o = p->sub_any ? put_str(out, o, "*") : put(out, o, p->sub.ptr, p->sub.len);
    }
    o = put_str(out, o, ":");
    o = p->scope == TZ_GRI_ANY ? put_str(out, o, "*") : put_str(out, o, scope_names[p->scope]);
    return o;
}

size_t tz_gri_pattern_text_len(const tz_gri_pattern *p) {
    return pattern_emit(p, NULL);
}

size_t tz_gri_pattern_write(const tz_gri_pattern *p, char *out) {
    return pattern_emit(p, out);
}

static bool text_equals_cstr(tz_gri_text t, const char *s, size_t len) {
    return t.len == len && memcmp(t.ptr, s, len) == 0;
}

bool tz_gri_matches(const tz_gri *gri, const tz_gri_pattern *p) {
    if (!gri || !gri->type || !gri->aspect || !gri->scope) return false;
    if (p->type != TZ_GRI_ANY && strcmp(gri->type, type_names[p->type]) != 0) return false;

    switch (p->id_kind) {
    case TZ_GRI_ID_ANY: break;
    case TZ_GRI_ID_NULL:
        if (gri->id) return false;
        break;
    case TZ_GRI_ID_VALUE:
        if (!gri->id || !text_equals_cstr(p->id, gri->id, strlen(gri->id))) return false;
        break;
    }

    /* A concrete compound aspect is written `name,sub`; the first comma separates them. */
    const char *comma = strchr(gri->aspect, ',');
    if (p->compound) {
        if (!comma) return false;
        size_t nlen = (size_t)(comma - gri->aspect);
        if (!p->name_any && !text_equals_cstr(p->name, gri->aspect, nlen)) return false;
        if (!p->sub_any && !text_equals_cstr(p->sub, comma + 1, strlen(comma + 1))) return false;
    } else if (!p->name_any) {
        if (comma || !text_equals_cstr(p->name, gri->aspect, strlen(gri->aspect))) return false;
    }

    if (p->scope != TZ_GRI_ANY && strcmp(gri->scope, scope_names[p->scope]) != 0) return false;
    return true;
}

bool tz_matchspec_parse(const char *s, size_t len, tz_matchspec *out) {
    memset(out, 0, sizeof *out);
    tz_gri_text parts[3];
    if (split(s, len, '/', parts, 3) != 3) return false;
    if (text_is(parts[0].ptr, parts[0].len, "all")) {
        out->service = TZ_GRI_ANY;
    } else {
        tz_service_type t;
        if (parts[0].len != 3 || tz_service_type_from_short(parts[0].ptr, parts[0].len, &t) != 0) return false;
        out->service = (int)t;
    }
    if (text_is(parts[1].ptr, parts[1].len, "all")) {
        out->operation = TZ_GRI_ANY;
    } else {
        out->operation = -2;
        for (int i = 0; i < 4; i++)
            if (text_is(parts[1].ptr, parts[1].len, operation_names[i])) out->operation = i;
        if (out->operation == -2) return false;
    }
    return tz_gri_pattern_parse(parts[2].ptr, parts[2].len, &out->gri);
}

static size_t matchspec_emit(const tz_matchspec *m, char *out) {
    size_t o = 0;
    o = put_str(out, o, m->service == TZ_GRI_ANY ? "all" : tz_service_short_name((tz_service_type)m->service));
    o = put_str(out, o, "/");
    o = put_str(out, o, m->operation == TZ_GRI_ANY ? "all" : operation_names[m->operation]);
    o = put_str(out, o, "/");
    return o + pattern_emit(&m->gri, out ? out + o : NULL);
}

size_t tz_matchspec_text_len(const tz_matchspec *m) {
    return matchspec_emit(m, NULL);
}

size_t tz_matchspec_write(const tz_matchspec *m, char *out) {
    return matchspec_emit(m, out);
}

bool tz_matchspec_matches(const tz_matchspec *m, tz_service_type service, tz_api_operation op,
                          const tz_gri *gri) {
    if (m->service != TZ_GRI_ANY && m->service != (int)service) return false;
    if (m->operation != TZ_GRI_ANY && m->operation != (int)op) return false;
    return tz_gri_matches(gri, &m->gri);
}
