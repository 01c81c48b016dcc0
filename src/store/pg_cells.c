/* Reading PostgreSQL results and building parameters: cells, string lists, text[] literals,
 * json_agg arrays and keyset-paging cursors. */
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_internal.h"
#include "store/pg_store.h"

bool pgs_dup(const PGresult *r, int row, int col, char **out) {
    *out = NULL;
    if (PQgetisnull(r, row, col)) return true;
    *out = strdup(PQgetvalue(r, row, col));
    return *out != NULL;
}

int64_t pgs_int(const PGresult *r, int row, int col) {
    if (PQgetisnull(r, row, col)) return 0;
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool pgs_bool(const PGresult *r, int row, int col) {
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

tz_error *pgs_strings(const PGresult *r, char ***ids, size_t *n) {
    *ids = NULL;
    *n = 0;
    int rows = PQntuples(r);
    if (rows == 0) return NULL;
    char **v = calloc((size_t)rows, sizeof *v);
    if (!v) return tz_err_new(TZE_INTERNAL);
    for (int i = 0; i < rows; i++) {
        v[i] = strdup(PQgetvalue(r, i, 0));
        if (!v[i]) {
            tz_strv_free(v, (size_t)i);
            return tz_err_new(TZE_INTERNAL);
        }
    }
    *ids = v;
    *n = (size_t)rows;
    return NULL;
}

char *pgs_text_array(const char *const *v, size_t n) {
    size_t cap = 3;
    for (size_t i = 0; i < n; i++) cap += 3 + 2 * strlen(v[i]);
    char *out = malloc(cap), *p = out;
    if (!out) return NULL;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i) *p++ = ',';
        *p++ = '"';
        for (const char *q = v[i]; *q; q++) {
            if (*q == '"' || *q == '\\') *p++ = '\\';
            *p++ = *q;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

bool pgs_json_strings(const char *json, char ***out, size_t *n) {
    *out = NULL;
    *n = 0;
    json_t *arr = json_loads(json ? json : "[]", 0, NULL);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return false;
    }
    size_t count = json_array_size(arr);
    char **v = count ? calloc(count, sizeof *v) : NULL;
    bool ok = !count || v;
    for (size_t i = 0; ok && i < count; i++) {
        const char *str = json_string_value(json_array_get(arr, i));
        v[i] = str ? strdup(str) : NULL;
        if (!v[i]) {
            tz_strv_free(v, i);
            v = NULL;
            ok = false;
        }
    }
    json_decref(arr);
    if (!ok) return false;
    *out = v;
    *n = count;
    return true;
}

tz_error *pgs_page_start(pg_store *s, const char *op, size_t limit, const char *cursor,
                         char **parts, size_t n, size_t *lim) {
    for (size_t i = 0; i < n; i++) parts[i] = NULL;
    if (!tzs_page_limit(limit, lim)) return pgs_bad_arg(s, op, "page limit 0");
    if (!cursor) return NULL;
    return tzs_cursor_decode(&s->base, cursor, parts, n);
}

void pgs_limit_param(size_t lim, char out[24]) {
    snprintf(out, 24, "%zu", lim + 1);
}

bool pgs_page_next(const PGresult *r, size_t lim, const int *cols, size_t n, char **next) {
    *next = NULL;
    if ((size_t)PQntuples(r) <= lim) return true;
    const char *parts[4];
    for (size_t i = 0; i < n && i < 4; i++) parts[i] = PQgetvalue(r, (int)lim - 1, cols[i]);
    *next = tzs_cursor_encode(parts, n);
    return *next != NULL;
}

const char *pgs_subject_kind(const tz_subject *subject) {
    if (!subject || !subject->id) return NULL;
    if (subject->kind == TZ_SUBJ_USER) return "1";
    if (subject->kind == TZ_SUBJ_PROVIDER) return "2";
    return NULL;
}

bool pgs_subject_from_row(int kind, const char *id, tz_subject *out) {
    memset(out, 0, sizeof *out);
    if (kind == 1) out->kind = TZ_SUBJ_USER;
    else if (kind == 2) out->kind = TZ_SUBJ_PROVIDER;
    else return false;
    out->subtype = TZ_PSUB_NONE;
    out->id = strdup(id ? id : "");
    return out->id != NULL;
}

bool pgs_utf8_valid(const char *str) {
    const unsigned char *p = (const unsigned char *)str;
    while (*p) {
        unsigned c = *p;
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0) return false;
        unsigned cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        /* overlong forms, surrogates and values above U+10FFFF are not UTF-8 */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        p += len;
    }
    return true;
}

void pgs_clear_wiped(PGresult *r) {
    if (!r) return;
    for (int i = 0; i < PQntuples(r); i++)
        for (int j = 0; j < PQnfields(r); j++)
            OPENSSL_cleanse(PQgetvalue(r, i, j), (size_t)PQgetlength(r, i, j));
    PQclear(r);
}
