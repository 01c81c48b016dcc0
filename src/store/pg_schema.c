/* The PostgreSQL schema as an ordered list of migrations, applied on open inside one transaction
 * that first takes a transaction-scoped advisory lock: nodes starting at once against an empty
 * database queue on the lock, the first applies the migrations, the others find them applied.
 * tokenzone_schema records the versions applied; a database with a version newer than this build
 * knows is refused with a clear message rather than misread.
 *
 * The layout mirrors the SQLite schema (store_schema.c): subject kinds 1 = user, 2 = provider;
 * entity kinds 'group', 'space', 'cluster'; memberships and privileges cascade from users,
 * providers and entities; named tokens and temporary secrets are deleted explicitly with their
 * subject, in the same transaction. Unique constraints carry explicit names because the store maps
 * a violation (SQLSTATE 23505) to the field the constraint guards (pg_tx.c). */
#include <stdio.h>
#include <stdlib.h>
#include "store/pg_internal.h"
#include "store/pg_store.h"

/* An arbitrary 64-bit key ("tokenzone" in ASCII, truncated) for pg_advisory_xact_lock. */
#define PGS_MIGRATION_LOCK "7741350741837570670"

static const char *const migrations[] = {
    /* 1: first release */
    "CREATE TABLE users ("
    "  id text PRIMARY KEY,"
    "  username text NOT NULL CONSTRAINT users_username_key UNIQUE,"
    "  full_name text NOT NULL,"
    "  password_hash text,"
    "  basic_auth_enabled boolean NOT NULL,"
    "  blocked boolean NOT NULL,"
    "  creation_time bigint NOT NULL);"
    "CREATE TABLE user_oz_privileges ("
    "  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  privilege text NOT NULL,"
    "  PRIMARY KEY (user_id, privilege));"
    "CREATE TABLE providers ("
    "  id text PRIMARY KEY,"
    "  name text NOT NULL,"
    "  domain text,"
    "  creation_time bigint NOT NULL);"
    "CREATE TABLE entities ("
    "  kind text NOT NULL CHECK (kind IN ('group', 'space', 'cluster')),"
    "  id text NOT NULL,"
    "  name text NOT NULL,"
    "  provider_id text REFERENCES providers(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (kind, id));"
    "CREATE INDEX entities_by_provider ON entities(provider_id) WHERE provider_id IS NOT NULL;"
    "INSERT INTO entities (kind, id, name) VALUES ('cluster', 'onezone', 'onezone');"
    "CREATE TABLE user_members ("
    "  kind text NOT NULL,"
    "  entity_id text NOT NULL,"
    "  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (kind, entity_id, user_id),"
    "  FOREIGN KEY (kind, entity_id) REFERENCES entities(kind, id) ON DELETE CASCADE);"
    "CREATE INDEX user_members_by_user ON user_members(user_id, kind);"
    "CREATE TABLE user_member_privileges ("
    "  kind text NOT NULL,"
    "  entity_id text NOT NULL,"
    "  user_id text NOT NULL,"
    "  privilege text NOT NULL,"
    "  PRIMARY KEY (kind, entity_id, user_id, privilege),"
    "  FOREIGN KEY (kind, entity_id, user_id)"
    "    REFERENCES user_members(kind, entity_id, user_id) ON DELETE CASCADE);"
    "CREATE INDEX user_member_privileges_by_user ON user_member_privileges(user_id);"
    "CREATE TABLE group_members ("
    "  kind text NOT NULL CHECK (kind IN ('space', 'cluster')),"
    "  entity_id text NOT NULL,"
    "  group_kind text NOT NULL DEFAULT 'group' CHECK (group_kind = 'group'),"
    "  group_id text NOT NULL,"
    "  PRIMARY KEY (kind, entity_id, group_id),"
    "  FOREIGN KEY (kind, entity_id) REFERENCES entities(kind, id) ON DELETE CASCADE,"
    "  FOREIGN KEY (group_kind, group_id) REFERENCES entities(kind, id) ON DELETE CASCADE);"
    "CREATE INDEX group_members_by_group ON group_members(group_kind, group_id);"
    "CREATE TABLE group_member_privileges ("
    "  kind text NOT NULL,"
    "  entity_id text NOT NULL,"
    "  group_id text NOT NULL,"
    "  privilege text NOT NULL,"
    "  PRIMARY KEY (kind, entity_id, group_id, privilege),"
    "  FOREIGN KEY (kind, entity_id, group_id)"
    "    REFERENCES group_members(kind, entity_id, group_id) ON DELETE CASCADE);"
    "CREATE TABLE space_supports ("
    "  space_kind text NOT NULL DEFAULT 'space' CHECK (space_kind = 'space'),"
    "  space_id text NOT NULL,"
    "  provider_id text NOT NULL REFERENCES providers(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (space_id, provider_id),"
    "  FOREIGN KEY (space_kind, space_id) REFERENCES entities(kind, id) ON DELETE CASCADE);"
    "CREATE INDEX space_supports_by_provider ON space_supports(provider_id);"
    "CREATE TABLE named_tokens ("
    "  id text PRIMARY KEY,"
    "  name text NOT NULL,"
    "  subject_kind smallint NOT NULL CHECK (subject_kind IN (1, 2)),"
    "  subject_id text NOT NULL,"
    "  token text NOT NULL,"
    "  secret text NOT NULL,"
    "  metadata text NOT NULL,"
    "  revoked boolean NOT NULL,"
    "  CONSTRAINT named_tokens_subject_name_key UNIQUE (subject_kind, subject_id, name));"
    "CREATE TABLE temp_secrets ("
    "  subject_kind smallint NOT NULL CHECK (subject_kind IN (1, 2)),"
    "  subject_id text NOT NULL,"
    "  secret text NOT NULL,"
    "  generation bigint NOT NULL CHECK (generation >= 1),"
    "  PRIMARY KEY (subject_kind, subject_id));",
    /* 2: introspection clients of /oauth2/introspect and /oauth2/revoke */
    "CREATE TABLE oauth_clients ("
    "  id text PRIMARY KEY,"
    "  name text NOT NULL,"
    "  secret_hash text NOT NULL,"
    "  allow_revoke boolean NOT NULL,"
    "  creation_time bigint NOT NULL);",
    /* 3: the directory (as SQLite's migration 3): harvesters and automation inventories, the
     * relations the tables of migration 1 cannot hold (nested groups, memberships in harvesters
     * and inventories, spaces of harvesters), support sizes and provider registration data. The
     * dir_all_* views present every relation and privilege as (child, parent) pairs for the
     * effective-membership queries. A deleted user's directory relations go with it (trigger). */
    "CREATE TABLE dir_entities ("
    "  kind text NOT NULL CHECK (kind IN ('harvester', 'atm_inventory')),"
    "  id text NOT NULL,"
    "  name text NOT NULL,"
    "  PRIMARY KEY (kind, id));"
    "CREATE TABLE dir_relations ("
    "  child_kind text NOT NULL CHECK (child_kind IN ('user', 'group', 'space')),"
    "  child_id text NOT NULL,"
    "  parent_kind text NOT NULL CHECK (parent_kind IN ('group', 'harvester', 'atm_inventory')),"
    "  parent_id text NOT NULL,"
    "  PRIMARY KEY (parent_kind, parent_id, child_kind, child_id));"
    "CREATE INDEX dir_relations_by_child ON dir_relations(child_kind, child_id);"
    "CREATE TABLE dir_relation_privileges ("
    "  parent_kind text NOT NULL,"
    "  parent_id text NOT NULL,"
    "  child_kind text NOT NULL,"
    "  child_id text NOT NULL,"
    "  privilege text NOT NULL,"
    "  PRIMARY KEY (parent_kind, parent_id, child_kind, child_id, privilege),"
    "  FOREIGN KEY (parent_kind, parent_id, child_kind, child_id)"
    "    REFERENCES dir_relations(parent_kind, parent_id, child_kind, child_id)"
    "    ON DELETE CASCADE);"
    "CREATE FUNCTION tokenzone_dir_user_deleted() RETURNS trigger LANGUAGE plpgsql AS $f$"
    "  BEGIN DELETE FROM dir_relations WHERE child_kind = 'user' AND child_id = OLD.id;"
    "  RETURN OLD; END $f$;"
    "CREATE TRIGGER dir_relations_user_deleted AFTER DELETE ON users"
    "  FOR EACH ROW EXECUTE FUNCTION tokenzone_dir_user_deleted();"
    "CREATE VIEW dir_all_entities(kind, id, name) AS"
    "  SELECT kind, id, name FROM entities UNION ALL SELECT kind, id, name FROM dir_entities;"
    "CREATE VIEW dir_all_relations(child_kind, child_id, parent_kind, parent_id) AS"
    "  SELECT 'user'::text, user_id, kind, entity_id FROM user_members"
    "  UNION ALL SELECT 'group'::text, group_id, kind, entity_id FROM group_members"
    "  UNION ALL SELECT 'provider'::text, provider_id, 'space'::text, space_id FROM space_supports"
    "  UNION ALL SELECT child_kind, child_id, parent_kind, parent_id FROM dir_relations;"
    "CREATE VIEW dir_all_privileges(child_kind, child_id, parent_kind, parent_id, privilege) AS"
    "  SELECT 'user'::text, user_id, kind, entity_id, privilege FROM user_member_privileges"
    "  UNION ALL SELECT 'group'::text, group_id, kind, entity_id, privilege"
    "    FROM group_member_privileges"
    "  UNION ALL SELECT child_kind, child_id, parent_kind, parent_id, privilege"
    "    FROM dir_relation_privileges;"
    "ALTER TABLE space_supports ADD COLUMN size bigint;"
    "ALTER TABLE providers ADD COLUMN subdomain text, ADD COLUMN admin_email text;"
    "CREATE UNIQUE INDEX providers_subdomain_key ON providers(subdomain)"
    "  WHERE subdomain IS NOT NULL;",
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

static const char SQL_LOCK[] = "SELECT pg_advisory_xact_lock(" PGS_MIGRATION_LOCK ")";
static const char SQL_VERSION_TABLE[] =
    "CREATE TABLE IF NOT EXISTS tokenzone_schema ("
    "  version integer PRIMARY KEY,"
    "  applied_at timestamptz NOT NULL DEFAULT now())";
static const char SQL_VERSION[] = "SELECT coalesce(max(version), 0) FROM tokenzone_schema";
static const char SQL_RECORD[] = "INSERT INTO tokenzone_schema (version) VALUES ($1::integer)";

static tz_error *migrate(pg_store *s, pgs_conn *c, void *ctx) {
    (void)ctx;
    /* other nodes may hold the lock while they migrate: wait longer than for ordinary work */
    c->timeout_ms = 60000;
    tz_error *err = pgs_exec_plain(s, c, "schema",
                                   "SET LOCAL statement_timeout = '55s';"
                                   " SET LOCAL lock_timeout = '50s'");
    if (!err) err = pgs_run(s, c, "schema lock", SQL_LOCK, 0, NULL, NULL);
    /* quiet the NOTICE "relation already exists, skipping" of the IF NOT EXISTS below */
    if (!err) err = pgs_exec_plain(s, c, "schema", "SET LOCAL client_min_messages = warning");
    if (!err) err = pgs_run(s, c, "schema", SQL_VERSION_TABLE, 0, NULL, NULL);
    PGresult *r = NULL;
    if (!err) err = pgs_exec(s, c, "schema version", SQL_VERSION, 0, NULL, &r);
    if (err) return err;
    int64_t version = pgs_int(r, 0, 0);
    PQclear(r);
    if (version > N_MIGRATIONS) {
        pgs_log(s, "the database %s has tokenzone schema version %lld, newer than the %d this "
                   "tokenzone knows; use a newer tokenzone",
                s->base.location, (long long)version, N_MIGRATIONS);
        return tz_err_new(TZE_INTERNAL);
    }
    for (int v = (int)version; v < N_MIGRATIONS; v++) {
        char op[64], num[16];
        snprintf(op, sizeof op, "schema migration %d", v + 1);
        snprintf(num, sizeof num, "%d", v + 1);
        const char *params[] = {num};
        err = pgs_exec_plain(s, c, op, migrations[v]);
        if (!err) err = pgs_run(s, c, op, SQL_RECORD, 1, params, NULL);
        if (err) return err;
        pgs_log(s, "applied schema migration %d to %s", v + 1, s->base.location);
    }
    return NULL;
}

tz_error *pgs_migrate(pg_store *s) {
    return pgs_run_work(s, "schema migration", PGS_TX, migrate, NULL);
}
