/* SQLite: the raw directory rows for `store copy` (store.h "directory export"). Entities come
 * from `entities`, `dir_entities` and `providers` (with the registration data of migration 3);
 * relations from the dir_all_relations view with their privileges (dir_all_privileges) and, for
 * supports, the size column as stored (NULL stays NULL). Each page is one range scan that resumes
 * after the sort key carried in the cursor. */
#include <stdlib.h>
#include <string.h>
#include "store/store_directory_internal.h"

static const char SQL_EXPORT_ENTITIES[] =
    "SELECT kind, id, name, subdomain, admin_email FROM ("
    "  SELECT kind, id, name, NULL AS subdomain, NULL AS admin_email FROM entities"
    "  UNION ALL SELECT kind, id, name, NULL, NULL FROM dir_entities"
    "  UNION ALL SELECT 'provider', id, name, subdomain, admin_email FROM providers)"
    " WHERE (kind, id) > (?1, ?2) ORDER BY kind, id LIMIT ?3";
static const char SQL_EXPORT_RELATIONS[] =
    "SELECT r.child_kind, r.child_id, r.parent_kind, r.parent_id,"
    "  (SELECT json_group_array(p.privilege) FROM dir_all_privileges p"
    "    WHERE p.parent_kind = r.parent_kind AND p.parent_id = r.parent_id"
    "    AND p.child_kind = r.child_kind AND p.child_id = r.child_id),"
    "  (SELECT ss.size FROM space_supports ss WHERE r.child_kind = 'provider'"
    "    AND ss.space_id = r.parent_id AND ss.provider_id = r.child_id)"
    " FROM dir_all_relations r"
    " WHERE (r.parent_kind, r.parent_id, r.child_kind, r.child_id) > (?1, ?2, ?3, ?4)"
    " ORDER BY r.parent_kind, r.parent_id, r.child_kind, r.child_id LIMIT ?5";

static const char SQL_IMPORT_ENTITY_OLD[] = "INSERT INTO entities (kind, id, name) VALUES (?1, ?2, ?3)";
static const char SQL_IMPORT_ENTITY_NEW[] = "INSERT INTO dir_entities (kind, id, name) VALUES (?1, ?2, ?3)";
static const char SQL_IMPORT_CLUSTER[] = "UPDATE entities SET name = ?3 WHERE kind = ?1 AND id = ?2";
static const char SQL_IMPORT_PROVIDER[] =
    "UPDATE providers SET name = ?3, subdomain = ?4, admin_email = ?5 WHERE id = ?2 AND ?1 = 'provider'";
static const char SQL_IMPORT_SIZE_NULL[] =
    "UPDATE space_supports SET size = NULL WHERE space_id = ?1 AND provider_id = ?2";

/* The kind named by a stored word (false for an unknown word). */
static bool kind_of(const char *word, tz_dir_kind *out) {
    for (int k = 0; word && k < TZ_DIR__COUNT; k++)
        if (!strcmp(word, tz_dir_kind_word((tz_dir_kind)k))) {
            *out = (tz_dir_kind)k;
            return true;
        }
    return false;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parses a JSON array of privilege names into a sorted malloc'd array. */
static bool privileges_of(const char *text, char ***out, size_t *n) {
    *out = NULL;
    *n = 0;
    json_t *arr = text ? json_loads(text, 0, NULL) : NULL;
    bool ok = json_is_array(arr);
    size_t count = ok ? json_array_size(arr) : 0;
    char **v = count ? calloc(count, sizeof *v) : NULL;
    if (count && !v) ok = false;
    for (size_t i = 0; ok && i < count; i++) {
        const char *p = json_string_value(json_array_get(arr, i));
        v[i] = p ? strdup(p) : NULL;
        if (!v[i]) ok = false;
    }
    json_decref(arr);
    if (!ok) {
        tz_strv_free(v, count);
        return false;
    }
    if (count > 1) qsort(v, count, sizeof *v, cmp_str);
    *out = v;
    *n = count;
    return true;
}

/* Reads the current row of one of the export statements into *r. */
static bool read_row(sqlite3_stmt *st, tz_dir_section section, tz_dir_row *r) {
    if (section == TZ_DIR_SECTION_ENTITIES)
        return kind_of((const char *)sqlite3_column_text(st, 0), &r->kind) &&
               tzs_col_dup(st, 1, &r->id) && r->id && tzs_col_dup(st, 2, &r->name) && r->name &&
               tzs_col_dup(st, 3, &r->subdomain) && tzs_col_dup(st, 4, &r->admin_email);
    if (!kind_of((const char *)sqlite3_column_text(st, 0), &r->kind) || !tzs_col_dup(st, 1, &r->id) ||
        !r->id || !kind_of((const char *)sqlite3_column_text(st, 2), &r->parent_kind) ||
        !tzs_col_dup(st, 3, &r->parent_id) || !r->parent_id ||
        !privileges_of((const char *)sqlite3_column_text(st, 4), &r->privileges, &r->n_privileges))
        return false;
    r->has_size = sqlite3_column_type(st, 5) != SQLITE_NULL;
    r->size = r->has_size ? sqlite3_column_int64(st, 5) : 0;
    return true;
}

tz_error *tzs_sq_dir_export(tz_store *s, tz_dir_section section, size_t limit, const char *cursor,
                            tz_dir_row **out, size_t *n, char **next) {
    *out = NULL;
    *n = 0;
    *next = NULL;
    size_t lim;
    if (section != TZ_DIR_SECTION_ENTITIES && section != TZ_DIR_SECTION_RELATIONS)
        return tzs_bad_arg(s, "dir_export", "section");
    if (!tzs_page_limit(limit, &lim)) return tzs_bad_arg(s, "dir_export", "page limit 0");
    size_t nkey = section == TZ_DIR_SECTION_ENTITIES ? 2 : 4;
    char *after[4] = {NULL, NULL, NULL, NULL};
    tz_error *err = cursor ? tzs_cursor_decode(s, cursor, after, nkey) : NULL;
    if (err) return err;
    tzs_conn *c;
    err = tzs_acquire(s, &c);
    if (err) {
        tzs_cursor_parts_free(after, nkey);
        return err;
    }
    tz_dir_row *rows = calloc(lim, sizeof *rows);
    size_t count = 0;
    sqlite3_stmt *st = NULL;
    if (!rows) err = tz_err_new(TZE_INTERNAL);
    if (!err)
        err = tzs_stmt(s, c, section == TZ_DIR_SECTION_ENTITIES ? SQL_EXPORT_ENTITIES
                                                                : SQL_EXPORT_RELATIONS, &st);
    int rc = SQLITE_DONE;
    if (!err) {
        /* every kind word is non-empty, so ('', ...) sorts before the first row */
        for (size_t i = 0; i < nkey; i++)
            sqlite3_bind_text(st, (int)i + 1, after[i] ? after[i] : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, (int)nkey + 1, (sqlite3_int64)lim);
    }
    while (!err && count < lim && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        bool ok = read_row(st, section, &rows[count]);
        count++;
        if (!ok) {
            tzs_log(s, "dir_export: a row that does not read back");
            err = tz_err_new(TZE_INTERNAL);
        }
    }
    if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW) err = tzs_fail(s, c->db, "dir_export", rc);
    if (st) sqlite3_reset(st);
    tzs_release(s, c);
    tzs_cursor_parts_free(after, nkey);
    if (!err && count == lim) {
        const tz_dir_row *last = &rows[count - 1];
        const char *key[4] = {tz_dir_kind_word(last->kind), last->id, NULL, NULL};
        if (section == TZ_DIR_SECTION_RELATIONS) {
            key[0] = tz_dir_kind_word(last->parent_kind);
            key[1] = last->parent_id;
            key[2] = tz_dir_kind_word(last->kind);
            key[3] = last->id;
        }
        *next = tzs_cursor_encode(key, nkey);
        if (!*next) err = tz_err_new(TZE_INTERNAL);
    }
    if (err || !count) {
        tz_dir_rows_free(rows, count);
        return err;
    }
    *out = rows;
    *n = count;
    return NULL;
}

/* ---------------- import ---------------- */

static tz_error *import_entity(tz_store *s, tzs_conn *c, const tz_dir_row *r) {
    const char *k = tz_dir_kind_word(r->kind);
    if (!k || !r->id || !r->name || r->parent_id || r->kind == TZ_DIR_USER)
        return tzs_bad_arg(s, "dir_import", "entity row");
    bool update = r->kind == TZ_DIR_CLUSTER || r->kind == TZ_DIR_PROVIDER;
    const char *sql = r->kind == TZ_DIR_CLUSTER                                  ? SQL_IMPORT_CLUSTER
                      : r->kind == TZ_DIR_PROVIDER                               ? SQL_IMPORT_PROVIDER
                      : r->kind == TZ_DIR_GROUP || r->kind == TZ_DIR_SPACE ? SQL_IMPORT_ENTITY_OLD
                                                                                 : SQL_IMPORT_ENTITY_NEW;
    sqlite3_stmt *st;
    tz_error *err = tzs_stmt(s, c, sql, &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
    if (r->kind == TZ_DIR_PROVIDER) {
        if (r->subdomain) sqlite3_bind_text(st, 4, r->subdomain, -1, SQLITE_STATIC);
        if (r->admin_email) sqlite3_bind_text(st, 5, r->admin_email, -1, SQLITE_STATIC);
    }
    int rc = tzs_step_done(st);
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) return tz_err_key(TZE_STORE_CONFLICT, "id");
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return tz_err_key(TZE_STORE_CONFLICT, "subdomain");
    if (rc != SQLITE_DONE) return tzs_fail(s, c->db, "dir_import", rc);
    if (update && sqlite3_changes(c->db) == 0) return tz_err_new(TZE_STORE_NOT_FOUND);
    return NULL;
}

static tz_error *import_relation(tz_store *s, tzs_conn *c, const tz_dir_row *r) {
    if (!r->id || !r->parent_id || (r->n_privileges && !r->privileges) ||
        !tzs_dir_relation_table(r->kind, r->parent_kind))
        return tzs_bad_arg(s, "dir_import", "relation row");
    tz_dir_outcome outcome = TZ_DIR_MISSING;
    tz_error *err = tzs_dir_insert_relation(s, c, r->kind, r->id, r->parent_kind, r->parent_id,
                                            (const char *const *)r->privileges, r->n_privileges,
                                            r->size, &outcome);
    if (err) return err;
    if (outcome == TZ_DIR_MISSING) return tz_err_new(TZE_STORE_NOT_FOUND);
    if (outcome != TZ_DIR_DONE) return tz_err_key(TZE_STORE_CONFLICT, "id");
    if (r->kind == TZ_DIR_PROVIDER && !r->has_size) {
        int rc = tzs_run(s, c, SQL_IMPORT_SIZE_NULL, r->parent_id, r->id, &err);
        if (!err && rc != SQLITE_DONE) err = tzs_fail(s, c->db, "dir_import", rc);
    }
    return err;
}

tz_error *tzs_sq_dir_import(tz_store *s, tz_dir_section section, const tz_dir_row *rows, size_t n) {
    if ((section != TZ_DIR_SECTION_ENTITIES && section != TZ_DIR_SECTION_RELATIONS) ||
        (n && !rows) || n > TZ_STORE_PAGE_MAX)
        return tzs_bad_arg(s, "dir_import", "section or rows");
    if (!n) return NULL;
    tzs_conn *c;
    tz_error *err = tzs_acquire(s, &c);
    if (err) return err;
    err = tzs_begin(s, c, "dir_import");
    for (size_t i = 0; !err && i < n; i++)
        err = section == TZ_DIR_SECTION_ENTITIES ? import_entity(s, c, &rows[i])
                                                 : import_relation(s, c, &rows[i]);
    if (err) tzs_rollback(c);
    else err = tzs_commit(s, c, "dir_import");
    tzs_release(s, c);
    return err;
}
