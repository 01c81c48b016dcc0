/* PostgreSQL: the raw directory rows for `store copy` (store.h "directory export"), as
 * store_dir_export.c for SQLite. Entities come from `entities`, `dir_entities` and `providers`
 * (with the registration data of migration 3); relations from the dir_all_relations view with
 * their privileges and, for supports, the size column as stored (NULL stays NULL). Sort keys and
 * cursor comparisons are COLLATE "C", i.e. bytewise like SQLite, so a copy between the backends
 * pages the same way. An import batch is one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_directory.h"
#include "store/pg_ops.h"
#include "store/pg_store.h"

static const char SQL_EXPORT_ENTITIES[] =
    "SELECT kind, id, name, subdomain, admin_email FROM ("
    "  SELECT kind, id, name, NULL::text AS subdomain, NULL::text AS admin_email FROM entities"
    "  UNION ALL SELECT kind, id, name, NULL, NULL FROM dir_entities"
    "  UNION ALL SELECT 'provider', id, name, subdomain, admin_email FROM providers) e"
    " WHERE $1::text IS NULL"
    "  OR (kind COLLATE \"C\", id COLLATE \"C\") > ($1::text COLLATE \"C\", $2::text COLLATE \"C\")"
    " ORDER BY kind COLLATE \"C\", id COLLATE \"C\" LIMIT $3::bigint";
static const char SQL_EXPORT_RELATIONS[] =
    "SELECT r.child_kind, r.child_id, r.parent_kind, r.parent_id,"
    "  (SELECT coalesce(json_agg(p.privilege ORDER BY p.privilege COLLATE \"C\"), '[]')::text"
    "    FROM dir_all_privileges p"
    "    WHERE p.parent_kind = r.parent_kind AND p.parent_id = r.parent_id"
    "    AND p.child_kind = r.child_kind AND p.child_id = r.child_id),"
    "  (SELECT ss.size FROM space_supports ss WHERE r.child_kind = 'provider'"
    "    AND ss.space_id = r.parent_id AND ss.provider_id = r.child_id)"
    " FROM dir_all_relations r"
    " WHERE $1::text IS NULL"
    "  OR (r.parent_kind COLLATE \"C\", r.parent_id COLLATE \"C\", r.child_kind COLLATE \"C\","
    "      r.child_id COLLATE \"C\")"
    "   > ($1::text COLLATE \"C\", $2::text COLLATE \"C\", $3::text COLLATE \"C\","
    "      $4::text COLLATE \"C\")"
    " ORDER BY r.parent_kind COLLATE \"C\", r.parent_id COLLATE \"C\", r.child_kind COLLATE \"C\","
    "  r.child_id COLLATE \"C\" LIMIT $5::bigint";

static const char SQL_IMPORT_ENTITY_OLD[] = "INSERT INTO entities (kind, id, name) VALUES ($1, $2, $3)";
static const char SQL_IMPORT_ENTITY_NEW[] = "INSERT INTO dir_entities (kind, id, name) VALUES ($1, $2, $3)";
static const char SQL_IMPORT_CLUSTER[] = "UPDATE entities SET name = $3 WHERE kind = $1 AND id = $2";
static const char SQL_IMPORT_PROVIDER[] =
    "UPDATE providers SET name = $3, subdomain = $4, admin_email = $5 WHERE id = $2 AND $1 = 'provider'";
static const char SQL_IMPORT_SIZE_NULL[] =
    "UPDATE space_supports SET size = NULL WHERE space_id = $1 AND provider_id = $2";

/* The kind named by a stored word (false for an unknown word). */
static bool kind_of(const char *word, tz_dir_kind *out) {
    for (int k = 0; word && k < TZ_DIR__COUNT; k++)
        if (!strcmp(word, tz_dir_kind_word((tz_dir_kind)k))) {
            *out = (tz_dir_kind)k;
            return true;
        }
    return false;
}

static bool read_row(const PGresult *r, int i, tz_dir_section section, tz_dir_row *row) {
    if (section == TZ_DIR_SECTION_ENTITIES)
        return kind_of(PQgetvalue(r, i, 0), &row->kind) && pgs_dup(r, i, 1, &row->id) && row->id &&
               pgs_dup(r, i, 2, &row->name) && row->name && pgs_dup(r, i, 3, &row->subdomain) &&
               pgs_dup(r, i, 4, &row->admin_email);
    if (!kind_of(PQgetvalue(r, i, 0), &row->kind) || !pgs_dup(r, i, 1, &row->id) || !row->id ||
        !kind_of(PQgetvalue(r, i, 2), &row->parent_kind) || !pgs_dup(r, i, 3, &row->parent_id) ||
        !row->parent_id ||
        !pgs_json_strings(PQgetvalue(r, i, 4), &row->privileges, &row->n_privileges))
        return false;
    row->has_size = !PQgetisnull(r, i, 5);
    row->size = row->has_size ? pgs_int(r, i, 5) : 0;
    return true;
}

tz_error *pgs_dir_export(tz_store *ts, tz_dir_section section, size_t limit, const char *cursor,
                         tz_dir_row **out, size_t *n, char **next) {
    pg_store *s = (pg_store *)ts;
    *out = NULL;
    *n = 0;
    *next = NULL;
    if (section != TZ_DIR_SECTION_ENTITIES && section != TZ_DIR_SECTION_RELATIONS)
        return pgs_bad_arg(s, "dir_export", "section");
    bool entities = section == TZ_DIR_SECTION_ENTITIES;
    size_t nkey = entities ? 2 : 4;
    char *key[4] = {NULL, NULL, NULL, NULL};
    size_t lim;
    tz_error *err = pgs_page_start(s, "dir_export", limit, cursor, key, nkey, &lim);
    if (err) return err;
    char lim_text[24];
    pgs_limit_param(lim, lim_text);
    const char *params[5] = {key[0], key[1], key[2], key[3], NULL};
    params[nkey] = lim_text;
    PGresult *r;
    err = pgs_query(s, "dir_export", PGS_READ, entities ? SQL_EXPORT_ENTITIES : SQL_EXPORT_RELATIONS,
                    (int)nkey + 1, params, &r, NULL);
    tzs_cursor_parts_free(key, nkey);
    if (err) return err;
    size_t rows = (size_t)PQntuples(r);
    if (rows > lim) rows = lim;
    tz_dir_row *recs = rows ? calloc(rows, sizeof *recs) : NULL;
    if (rows && !recs) err = tz_err_new(TZE_INTERNAL);
    size_t count = 0;
    for (; !err && count < rows; count++)
        if (!read_row(r, (int)count, section, &recs[count])) {
            pgs_log(s, "dir_export: a row that does not read back");
            err = tz_err_new(TZE_INTERNAL);
        }
    static const int entity_cols[] = {0, 1}, relation_cols[] = {2, 3, 0, 1};
    if (!err && !pgs_page_next(r, lim, entities ? entity_cols : relation_cols, nkey, next))
        err = tz_err_new(TZE_INTERNAL);
    PQclear(r);
    if (err) {
        tz_dir_rows_free(recs, count);
        return err;
    }
    *out = recs;
    *n = rows;
    return NULL;
}

/* ---------------- import ---------------- */

typedef struct import_ctx {
    tz_dir_section section;
    const tz_dir_row *rows;
    size_t n;
} import_ctx;

static tz_error *import_entity(pg_store *s, pgs_conn *c, const tz_dir_row *row) {
    const char *k = tz_dir_kind_word(row->kind);
    if (!k || !row->id || !row->name || row->parent_id || row->kind == TZ_DIR_USER)
        return pgs_bad_arg(s, "dir_import", "entity row");
    bool update = row->kind == TZ_DIR_CLUSTER || row->kind == TZ_DIR_PROVIDER;
    const char *sql = row->kind == TZ_DIR_CLUSTER                                    ? SQL_IMPORT_CLUSTER
                      : row->kind == TZ_DIR_PROVIDER                                 ? SQL_IMPORT_PROVIDER
                      : row->kind == TZ_DIR_GROUP || row->kind == TZ_DIR_SPACE ? SQL_IMPORT_ENTITY_OLD
                                                                                     : SQL_IMPORT_ENTITY_NEW;
    const char *params[] = {k, row->id, row->name, row->subdomain, row->admin_email};
    long affected = 0;
    /* a taken id fails the primary key (CONFLICT id), a taken subdomain its unique index
     * (CONFLICT subdomain) */
    tz_error *err = pgs_run(s, c, "dir_import", sql, row->kind == TZ_DIR_PROVIDER ? 5 : 3, params,
                            &affected);
    if (!err && update && affected == 0) err = tz_err_new(TZE_STORE_NOT_FOUND);
    return err;
}

static tz_error *import_relation(pg_store *s, pgs_conn *c, const tz_dir_row *row) {
    if (!row->id || !row->parent_id || (row->n_privileges && !row->privileges) ||
        !tzs_dir_relation_table(row->kind, row->parent_kind))
        return pgs_bad_arg(s, "dir_import", "relation row");
    char *privs = pgs_text_array((const char *const *)row->privileges, row->n_privileges);
    if (!privs) return tz_err_new(TZE_INTERNAL);
    tz_dir_outcome outcome = TZ_DIR_MISSING;
    tz_error *err = pgs_dir_insert_relation(s, c, row->kind, row->id, row->parent_kind,
                                            row->parent_id, privs, row->size, &outcome);
    free(privs);
    if (err) return err;
    if (outcome == TZ_DIR_MISSING) return tz_err_new(TZE_STORE_NOT_FOUND);
    if (outcome != TZ_DIR_DONE) return tz_err_key(TZE_STORE_CONFLICT, "id");
    if (row->kind == TZ_DIR_PROVIDER && !row->has_size) {
        const char *params[] = {row->parent_id, row->id};
        err = pgs_run(s, c, "dir_import", SQL_IMPORT_SIZE_NULL, 2, params, NULL);
    }
    return err;
}

static tz_error *import_work(pg_store *s, pgs_conn *c, void *ctx) {
    const import_ctx *w = ctx;
    tz_error *err = NULL;
    for (size_t i = 0; !err && i < w->n; i++)
        err = w->section == TZ_DIR_SECTION_ENTITIES ? import_entity(s, c, &w->rows[i])
                                                    : import_relation(s, c, &w->rows[i]);
    return err;
}

tz_error *pgs_dir_import(tz_store *ts, tz_dir_section section, const tz_dir_row *rows, size_t n) {
    pg_store *s = (pg_store *)ts;
    if ((section != TZ_DIR_SECTION_ENTITIES && section != TZ_DIR_SECTION_RELATIONS) ||
        (n && !rows) || n > TZ_STORE_PAGE_MAX)
        return pgs_bad_arg(s, "dir_import", "section or rows");
    if (!n) return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *texts[] = {rows[i].id, rows[i].name, rows[i].subdomain, rows[i].admin_email,
                               rows[i].parent_id};
        for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++)
            if (texts[t] && !pgs_utf8_valid(texts[t]))
                return pgs_bad_arg(s, "dir_import", "text that is not UTF-8");
    }
    import_ctx w = {section, rows, n};
    return pgs_run_work(s, "dir_import", PGS_TX, import_work, &w);
}
