/* The database schema, as an ordered list of migrations. PRAGMA user_version records how many have
 * been applied; a release only ever appends to the list, so any older database can be brought up
 * to date and a database written by a newer release is refused rather than misread.
 *
 * Layout notes: subject kinds are stored as 1 = user, 2 = provider so that "every token, users'
 * first" is a plain index order. Entity kinds are the words 'group', 'space', 'cluster'. Ids are
 * opaque text. Deleting a user or provider cascades through the foreign keys to memberships and
 * privileges; named tokens and temporary-token secrets reference their subject polymorphically and
 * are deleted explicitly in the same transaction. */
#include <stdio.h>
#include <string.h>
#include "store/store_internal.h"

/* "tzne": marks the file as a tokenzone database, so a foreign SQLite file is refused. */
#define TZS_APPLICATION_ID 0x747a6e65

static const char *const migrations[] = {
    /* 1: first release */
    "CREATE TABLE users ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  username TEXT NOT NULL UNIQUE,"
    "  full_name TEXT NOT NULL,"
    "  password_hash TEXT,"
    "  basic_auth_enabled INTEGER NOT NULL CHECK (basic_auth_enabled IN (0, 1)),"
    "  blocked INTEGER NOT NULL CHECK (blocked IN (0, 1)),"
    "  creation_time INTEGER NOT NULL);"
    "CREATE TABLE user_oz_privileges ("
    "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  privilege TEXT NOT NULL,"
    "  PRIMARY KEY (user_id, privilege)) WITHOUT ROWID;"
    "CREATE TABLE providers ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  name TEXT NOT NULL,"
    "  domain TEXT,"
    "  creation_time INTEGER NOT NULL);"
    /* groups, spaces and clusters; a provider's cluster goes with the provider */
    "CREATE TABLE entities ("
    "  kind TEXT NOT NULL CHECK (kind IN ('group', 'space', 'cluster')),"
    "  id TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  provider_id TEXT REFERENCES providers(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (kind, id)) WITHOUT ROWID;"
    "CREATE INDEX entities_by_provider ON entities(provider_id) WHERE provider_id IS NOT NULL;"
    "INSERT INTO entities (kind, id, name) VALUES ('cluster', 'onezone', 'onezone');"
    "CREATE TABLE user_members ("
    "  kind TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (kind, entity_id, user_id),"
    "  FOREIGN KEY (kind, entity_id) REFERENCES entities(kind, id) ON DELETE CASCADE)"
    "  WITHOUT ROWID;"
    "CREATE INDEX user_members_by_user ON user_members(user_id, kind);"
    "CREATE TABLE user_member_privileges ("
    "  kind TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL,"
    "  privilege TEXT NOT NULL,"
    "  PRIMARY KEY (kind, entity_id, user_id, privilege),"
    "  FOREIGN KEY (kind, entity_id, user_id)"
    "    REFERENCES user_members(kind, entity_id, user_id) ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE INDEX user_member_privileges_by_user ON user_member_privileges(user_id);"
    /* groups as members of spaces (and clusters) */
    "CREATE TABLE group_members ("
    "  kind TEXT NOT NULL CHECK (kind IN ('space', 'cluster')),"
    "  entity_id TEXT NOT NULL,"
    "  group_kind TEXT NOT NULL DEFAULT 'group' CHECK (group_kind = 'group'),"
    "  group_id TEXT NOT NULL,"
    "  PRIMARY KEY (kind, entity_id, group_id),"
    "  FOREIGN KEY (kind, entity_id) REFERENCES entities(kind, id) ON DELETE CASCADE,"
    "  FOREIGN KEY (group_kind, group_id) REFERENCES entities(kind, id) ON DELETE CASCADE)"
    "  WITHOUT ROWID;"
    "CREATE INDEX group_members_by_group ON group_members(group_kind, group_id);"
    "CREATE TABLE group_member_privileges ("
    "  kind TEXT NOT NULL,"
    "  entity_id TEXT NOT NULL,"
    "  group_id TEXT NOT NULL,"
    "  privilege TEXT NOT NULL,"
    "  PRIMARY KEY (kind, entity_id, group_id, privilege),"
    "  FOREIGN KEY (kind, entity_id, group_id)"
    "    REFERENCES group_members(kind, entity_id, group_id) ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE TABLE space_supports ("
    "  space_kind TEXT NOT NULL DEFAULT 'space' CHECK (space_kind = 'space'),"
    "  space_id TEXT NOT NULL,"
    "  provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (space_id, provider_id),"
    "  FOREIGN KEY (space_kind, space_id) REFERENCES entities(kind, id) ON DELETE CASCADE)"
    "  WITHOUT ROWID;"
    "CREATE INDEX space_supports_by_provider ON space_supports(provider_id);"
    "CREATE TABLE named_tokens ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  name TEXT NOT NULL,"
    "  subject_kind INTEGER NOT NULL CHECK (subject_kind IN (1, 2)),"
    "  subject_id TEXT NOT NULL,"
    "  token TEXT NOT NULL,"
    "  secret TEXT NOT NULL,"
    "  metadata TEXT NOT NULL,"
    "  revoked INTEGER NOT NULL CHECK (revoked IN (0, 1)));"
    "CREATE UNIQUE INDEX named_tokens_by_subject_name"
    "  ON named_tokens(subject_kind, subject_id, name);"
    "CREATE TABLE temp_secrets ("
    "  subject_kind INTEGER NOT NULL CHECK (subject_kind IN (1, 2)),"
    "  subject_id TEXT NOT NULL,"
    "  secret TEXT NOT NULL,"
    "  generation INTEGER NOT NULL CHECK (generation >= 1),"
    "  PRIMARY KEY (subject_kind, subject_id)) WITHOUT ROWID;",
    /* 2: introspection clients of /oauth2/introspect and /oauth2/revoke */
    "CREATE TABLE oauth_clients ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  name TEXT NOT NULL,"
    "  secret_hash TEXT NOT NULL,"
    "  allow_revoke INTEGER NOT NULL CHECK (allow_revoke IN (0, 1)),"
    "  creation_time INTEGER NOT NULL);",
    /* 3: harvesters and automation inventories, the relations the tables of migration 1 cannot
     * hold (nested groups, memberships in harvesters and inventories, spaces of harvesters),
     * support sizes and provider registration data. The dir_all_* views present every relation
     * and privilege as (child, parent) pairs for the effective-membership queries. */
    "CREATE TABLE dir_entities ("
    "  kind TEXT NOT NULL CHECK (kind IN ('harvester', 'atm_inventory')),"
    "  id TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  PRIMARY KEY (kind, id)) WITHOUT ROWID;"
    "CREATE TABLE dir_relations ("
    "  child_kind TEXT NOT NULL CHECK (child_kind IN ('user', 'group', 'space')),"
    "  child_id TEXT NOT NULL,"
    "  parent_kind TEXT NOT NULL CHECK (parent_kind IN ('group', 'harvester', 'atm_inventory')),"
    "  parent_id TEXT NOT NULL,"
    "  PRIMARY KEY (parent_kind, parent_id, child_kind, child_id)) WITHOUT ROWID;"
    "CREATE INDEX dir_relations_by_child ON dir_relations(child_kind, child_id);"
    "CREATE TABLE dir_relation_privileges ("
    "  parent_kind TEXT NOT NULL,"
    "  parent_id TEXT NOT NULL,"
    "  child_kind TEXT NOT NULL,"
    "  child_id TEXT NOT NULL,"
    "  privilege TEXT NOT NULL,"
    "  PRIMARY KEY (parent_kind, parent_id, child_kind, child_id, privilege),"
    "  FOREIGN KEY (parent_kind, parent_id, child_kind, child_id)"
    "    REFERENCES dir_relations(parent_kind, parent_id, child_kind, child_id) ON DELETE CASCADE)"
    "  WITHOUT ROWID;"
    "CREATE TRIGGER dir_relations_user_deleted AFTER DELETE ON users BEGIN"
    "  DELETE FROM dir_relations WHERE child_kind = 'user' AND child_id = OLD.id; END;"
    "CREATE VIEW dir_all_entities(kind, id, name) AS"
    "  SELECT kind, id, name FROM entities UNION ALL SELECT kind, id, name FROM dir_entities;"
    "CREATE VIEW dir_all_relations(child_kind, child_id, parent_kind, parent_id) AS"
    "  SELECT 'user', user_id, kind, entity_id FROM user_members"
    "  UNION ALL SELECT 'group', group_id, kind, entity_id FROM group_members"
    "  UNION ALL SELECT 'provider', provider_id, 'space', space_id FROM space_supports"
    "  UNION ALL SELECT child_kind, child_id, parent_kind, parent_id FROM dir_relations;"
    "CREATE VIEW dir_all_privileges(child_kind, child_id, parent_kind, parent_id, privilege) AS"
    "  SELECT 'user', user_id, kind, entity_id, privilege FROM user_member_privileges"
    "  UNION ALL SELECT 'group', group_id, kind, entity_id, privilege FROM group_member_privileges"
    "  UNION ALL SELECT child_kind, child_id, parent_kind, parent_id, privilege"
    "    FROM dir_relation_privileges;"
    "ALTER TABLE space_supports ADD COLUMN size INTEGER;"
    "ALTER TABLE providers ADD COLUMN subdomain TEXT;"
    "ALTER TABLE providers ADD COLUMN admin_email TEXT;"
    "CREATE UNIQUE INDEX providers_by_subdomain ON providers(subdomain) WHERE subdomain IS NOT NULL;",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

static tz_error *pragma_int(tz_store *s, sqlite3 *db, const char *sql, int *out) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? NULL : tzs_fail(s, db, sql, rc);
}

static tz_error *exec(tz_store *s, sqlite3 *db, const char *sql, const char *op) {
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? NULL : tzs_fail(s, db, op, rc);
}

static tz_error *check_and_apply(tz_store *s, sqlite3 *db) {
    int app_id = 0, version = 0;
    tz_error *err = pragma_int(s, db, "PRAGMA application_id", &app_id);
    if (!err) err = pragma_int(s, db, "PRAGMA user_version", &version);
    if (err) return err;
    if (app_id != 0 && app_id != TZS_APPLICATION_ID) {
        tzs_log(s, "the file is not a tokenzone database (application id %d)", app_id);
        return tz_err_new(TZE_INTERNAL);
    }
    if (version > N_MIGRATIONS) {
        tzs_log(s, "the database has schema version %d, newer than the %d this tokenzone knows; "
                   "use a newer tokenzone", version, N_MIGRATIONS);
        return tz_err_new(TZE_INTERNAL);
    }
    if (version < 0) {
        tzs_log(s, "the database has an invalid schema version %d", version);
        return tz_err_new(TZE_INTERNAL);
    }
    for (int v = version; v < N_MIGRATIONS; v++) {
        char op[64];
        snprintf(op, sizeof op, "schema migration %d", v + 1);
        err = exec(s, db, migrations[v], op);
        if (err) return err;
    }
    if (version == N_MIGRATIONS && app_id == TZS_APPLICATION_ID) return NULL;
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d; PRAGMA application_id=%d;", N_MIGRATIONS,
             TZS_APPLICATION_ID);
    return exec(s, db, sql, "schema version");
}

tz_error *tzs_migrate(tz_store *s, sqlite3 *db) {
    /* One write transaction: two processes opening a fresh directory at once cannot both apply
     * migration 1, and a failed migration leaves the previous version intact. */
    tz_error *err = exec(s, db, "BEGIN IMMEDIATE", "schema migration");
    if (err) return err;
    err = check_and_apply(s, db);
    if (!err) err = exec(s, db, "COMMIT", "schema migration");
    if (err && !sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}
