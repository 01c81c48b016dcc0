/* The store contract tests (test_store_ops.c, written against store.h only) run again on the
 * PostgreSQL backend: every store the tests open as "sqlite:DIR/NAME" becomes a database of its
 * own on the PostgreSQL server named by $TOKENZONE_TEST_PG_ADMIN (a libpq URI of a role that may
 * create databases; its password comes from libpq's password file). Opening the same NAME again
 * opens the same database, so reopen checks hold. The databases are dropped at the end.
 *
 * Not run by scripts/run-unit-tests.sh: tests/api/test_store_contract_pg.py starts a throwaway
 * PostgreSQL cluster, creates the role and runs this binary. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/err.h"
#include "store/store.h"

#define PGC_MAX_DBS 64

static const char *pgc_admin_uri;
static char pgc_names[PGC_MAX_DBS][64];
static size_t pgc_n;

static PGconn *pgc_admin(void) {
    PGconn *c = PQconnectdb(pgc_admin_uri);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pg_contract: cannot connect to the admin URI: %s", PQerrorMessage(c));
        exit(2);
    }
    return c;
}

static void pgc_exec(PGconn *c, const char *sql) {
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "pg_contract: %s: %s", sql, PQerrorMessage(c));
        exit(2);
    }
    PQclear(r);
}

/* The URI of the database standing for `loc`, creating it on first use. */
static void pgc_uri_for(const char *loc, char *out, size_t cap) {
    const char *slash = strrchr(loc, '/');
    char name[64];
    snprintf(name, sizeof name, "contract_%d_%s", (int)getpid(), slash ? slash + 1 : loc);
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) *p = '_';
    bool known = false;
    for (size_t i = 0; i < pgc_n; i++)
        if (!strcmp(pgc_names[i], name)) known = true;
    if (!known) {
        if (pgc_n == PGC_MAX_DBS) {
            fprintf(stderr, "pg_contract: too many stores\n");
            exit(2);
        }
        PGconn *c = pgc_admin();
        char sql[160];
        snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
        pgc_exec(c, sql);
        PQfinish(c);
        snprintf(pgc_names[pgc_n++], sizeof pgc_names[0], "%s", name);
    }
    /* the admin URI ends with "/postgres": replace the database name */
    const char *db = strrchr(pgc_admin_uri, '/');
    snprintf(out, cap, "%.*s/%s", (int)(db - pgc_admin_uri), pgc_admin_uri, name);
}

static tz_error *pgc_store_open(const char *loc, const tz_store_open_opts *opts, tz_store **out) {
    if (strncmp(loc, "sqlite:", 7) != 0) return tz_store_open(loc, opts, out);
    char uri[512];
    pgc_uri_for(loc, uri, sizeof uri);
    return tz_store_open(uri, opts, out);
}

#define tz_store_open pgc_store_open
#define main sqlite_contract_main
#include "test_store_ops.c"
#undef main
#undef tz_store_open

int main(void) {
    pgc_admin_uri = getenv("TOKENZONE_TEST_PG_ADMIN");
    if (!pgc_admin_uri || !strrchr(pgc_admin_uri, '/')) {
        fprintf(stderr, "pg_contract: set TOKENZONE_TEST_PG_ADMIN to a libpq URI ending in "
                        "/postgres (tests/api/test_store_contract_pg.py does)\n");
        printf("%s: 0 passed, 1 failed\n", __FILE__);
        return 1;
    }
    int rc = sqlite_contract_main();
    PGconn *c = pgc_admin();
    for (size_t i = 0; i < pgc_n; i++) {
        char sql[160];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", pgc_names[i]);
        pgc_exec(c, sql);
    }
    PQfinish(c);
    return rc;
}
