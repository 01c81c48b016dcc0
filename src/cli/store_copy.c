/* `tokenzone store copy --from URL --to URL`: copies a whole store to another one, through the
 * store interface only, so it works between any two backends (SQLite and PostgreSQL either way).
 * Everything goes along: users with their password hashes and privileges; providers with their
 * domain, creation time, subdomain and admin e-mail; the whole directory (groups, spaces, clusters,
 * harvesters and automation inventories; every membership with its privileges, nested groups
 * included; spaces of harvesters; supports with their sizes) read as raw rows through
 * tz_store_dir_export; named tokens with their secrets, metadata (invites keep their usage counts)
 * and revocation; temporary-token secrets with their generations; introspection clients with
 * their secret hashes. Order: users, providers (with their clusters), directory entities, then
 * relations, then tokens, so every row finds what it refers to.
 * The target must be empty. Lists are read a page at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "cli/commands.h"
#include "cli/store_opts.h"
#include "service/store_errors.h"
#include "store/store.h"

#define COPY_PAGE 500

static void usage(FILE *f) {
    fprintf(f,
        "usage: tokenzone store copy --from URL --to URL\n"
        "\n"
        "Copies the whole store: every user (with password hash and privileges), provider (with\n"
        "subdomain and admin e-mail), group, space, cluster, harvester and automation inventory,\n"
        "every membership with its privileges (nested groups included), space of a harvester and\n"
        "support (with its size), named token (with secret, metadata and revocation; invites keep\n"
        "their usage counts), temporary-token secret (with generation) and introspection client\n"
        "(with its secret's hash). Tokens issued before the copy verify against the new store.\n"
        "URL is sqlite:DIR or postgresql://... (a password from PGPASSWORD, ~/.pgpass or\n"
        "passfile=). The target must be empty (a new directory or\n"
        "database); it is created and its schema applied as needed. Stop the servers on the source\n"
        "first: writes made during the copy may be missed. If the copy fails half-way, remove the\n"
        "target and start again.\n"
        "Token secrets are copied sealed, as stored: serve the target with the source's master\n"
        "key file (DIR/master.key of an sqlite: source; --master-key-file for postgresql://).\n"
        "\n"
        "  --from URL     the store to read\n"
        "  --to URL       the empty store to fill\n"
        "  --help         this text\n");
}

typedef struct copy_counts {
    size_t users, providers, groups, spaces, clusters, harvesters, inventories, memberships, supports,
        named, temporary, clients;
} copy_counts;

/* Reports a failure of `what` (location shown without password) and returns 1. */
static int fail(tz_error *e, const char *what) {
    e = tz_store_err_to_api(e);
    char *desc = tz_err_description(e);
    fprintf(stderr, "tokenzone store copy: %s: %s\n", what, desc ? desc : "failed");
    free(desc);
    tz_err_free(e);
    return 1;
}

/* Copies one page of a kind of record: reads the page after `cursor` from `from`, writes it to
 * `to`, counts it, and sets *next to the cursor of the following page (malloc'd; NULL after the
 * last page). */
typedef tz_error *(*copy_page_fn)(tz_store *from, tz_store *to, const char *cursor, char **next,
                                  copy_counts *n);

/* Every page of one kind, in order; stops at the first error. */
static tz_error *copy_paged(tz_store *from, tz_store *to, copy_page_fn page, copy_counts *n) {
    char *cursor = NULL;
    tz_error *e;
    do {
        char *next = NULL;
        e = page(from, to, cursor, &next, n);
        free(cursor);
        cursor = next;
    } while (!e && cursor);
    free(cursor);
    return e;
}

static tz_error *users_page(tz_store *from, tz_store *to, const char *cursor, char **next, copy_counts *n) {
    tz_user_rec *page = NULL;
    size_t got = 0;
    tz_error *e = tz_store_user_list(from, COPY_PAGE, cursor, &page, &got, next);
    for (size_t i = 0; !e && i < got; i++) {
        e = tz_store_user_create(to, &page[i]);
        if (!e) n->users++;
    }
    tz_user_recs_free(page, got);
    return e;
}

static tz_error *providers_page(tz_store *from, tz_store *to, const char *cursor, char **next, copy_counts *n) {
    tz_provider_rec *page = NULL;
    size_t got = 0;
    tz_error *e = tz_store_provider_list(from, COPY_PAGE, cursor, &page, &got, next);
    for (size_t i = 0; !e && i < got; i++) {
        e = tz_store_provider_create(to, &page[i]); /* with its cluster */
        if (!e) n->providers++;
    }
    tz_provider_recs_free(page, got);
    return e;
}

/* Counts one copied directory row. */
static void count_row(const tz_dir_row *r, tz_dir_section section, copy_counts *n) {
    if (section == TZ_DIR_SECTION_RELATIONS) {
        if (r->kind == TZ_DIR_PROVIDER) n->supports++;
        else n->memberships++;
        return;
    }
    switch (r->kind) {
    case TZ_DIR_GROUP: n->groups++; break;
    case TZ_DIR_SPACE: n->spaces++; break;
    case TZ_DIR_CLUSTER: n->clusters++; break;
    case TZ_DIR_HARVESTER: n->harvesters++; break;
    case TZ_DIR_ATM_INVENTORY: n->inventories++; break;
    default: break; /* providers: counted when created */
    }
}

/* One page of a section of the directory, written in one transaction. */
static tz_error *dir_page(tz_store *from, tz_store *to, tz_dir_section section, const char *cursor,
                          char **next, copy_counts *n) {
    tz_dir_row *page = NULL;
    size_t got = 0;
    tz_error *e = tz_store_dir_export(from, section, COPY_PAGE, cursor, &page, &got, next);
    if (!e) e = tz_store_dir_import(to, section, page, got);
    for (size_t i = 0; !e && i < got; i++) count_row(&page[i], section, n);
    tz_dir_rows_free(page, got);
    return e;
}

static tz_error *dir_entities_page(tz_store *from, tz_store *to, const char *cursor, char **next, copy_counts *n) {
    return dir_page(from, to, TZ_DIR_SECTION_ENTITIES, cursor, next, n);
}

static tz_error *dir_relations_page(tz_store *from, tz_store *to, const char *cursor, char **next, copy_counts *n) {
    return dir_page(from, to, TZ_DIR_SECTION_RELATIONS, cursor, next, n);
}

static tz_error *named_page(tz_store *from, tz_store *to, const char *cursor, char **next, copy_counts *n) {
    char **ids = NULL;
    size_t got = 0;
    tz_error *e = tz_store_named_list(from, NULL, COPY_PAGE, cursor, &ids, &got, next);
    for (size_t i = 0; !e && i < got; i++) {
        tz_named_token_rec rec = {0};
        e = tz_store_named_get(from, ids[i], &rec);
        if (e && e->id == TZE_STORE_NOT_FOUND) { /* deleted meanwhile */
            tz_err_free(e);
            e = NULL;
            continue;
        }
        if (!e) e = tz_store_named_create(to, &rec);
        if (!e) n->named++;
        tz_named_token_rec_clear(&rec);
    }
    tz_strv_free(ids, got);
    return e;
}

static tz_error *temporary_page(tz_store *from, tz_store *to, const char *cursor, char **next, copy_counts *n) {
    tz_temp_secret_rec *page = NULL;
    size_t got = 0;
    tz_error *e = tz_store_temp_secret_list(from, COPY_PAGE, cursor, &page, &got, next);
    for (size_t i = 0; !e && i < got; i++) {
        e = tz_store_temp_secret_put(to, &page[i]);
        if (!e) n->temporary++;
    }
    tz_temp_secret_recs_free(page, got);
    return e;
}

/* Introspection clients with their secret hashes (a client keeps its secret across the copy). */
static tz_error *copy_clients(tz_store *from, tz_store *to, copy_counts *n) {
    tz_oauth_client_rec *v = NULL;
    size_t got = 0;
    tz_error *e = tz_store_client_list(from, &v, &got);
    for (size_t i = 0; !e && i < got; i++) {
        e = tz_store_client_create(to, &v[i]);
        if (!e) n->clients++;
    }
    tz_oauth_client_recs_free(v, got);
    return e;
}

static tz_error *copy_all(tz_store *from, tz_store *to, copy_counts *n) {
    /* in dependency order: providers come with their clusters, relations need both ends */
    static const copy_page_fn kinds[] = {users_page,         providers_page, dir_entities_page,
                                         dir_relations_page, named_page,     temporary_page};
    tz_error *e = NULL;
    for (size_t k = 0; !e && k < sizeof kinds / sizeof kinds[0]; k++) e = copy_paged(from, to, kinds[k], n);
    if (!e) e = copy_clients(from, to, n);
    return e;
}

/* Opens a store; on failure reports it (location without password) and returns false. */
static bool open_store(const char *location, const char *role, tz_store **out) {
    tz_error *e = tz_store_open(location, NULL, out);
    if (!e) return true;
    char *shown = tz_store_location_redacted(location);
    char what[512];
    snprintf(what, sizeof what, "cannot open the %s store %s", role, shown ? shown : "");
    free(shown);
    fail(e, what);
    return false;
}

static int cmd_copy(int argc, char **argv) {
    const char *from = NULL, *to = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--from") ? &from : !strcmp(a, "--to") ? &to : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strncmp(a, "--from=", 7) || !strncmp(a, "--to=", 5)) {
            slot = a[2] == 'f' ? &from : &to;
            if (*slot) {
                fprintf(stderr, "tokenzone store copy: %.6s given twice\n", a);
                return 2;
            }
            *slot = strchr(a, '=') + 1;
            continue;
        }
        if (!slot || i + 1 >= argc || *slot) {
            fprintf(stderr, "tokenzone store copy: %s '%s'\n\n",
                    !slot ? "unknown argument" : *slot ? "option given twice:" : "missing value of", a);
            usage(stderr);
            return 2;
        }
        *slot = argv[++i];
    }
    if (!from || !to || !*from || !*to) {
        fprintf(stderr, "tokenzone store copy: --from URL and --to URL are required\n\n");
        usage(stderr);
        return 2;
    }
    for (int k = 0; k < 2; k++) {
        const char *loc = k ? to : from;
        if (!tz_store_location_backend(loc)) {
            char *shown = tz_store_location_redacted(loc);
            fprintf(stderr, "tokenzone store copy: unknown store '%s' (use sqlite:DIR or postgresql://...)\n",
                    shown ? shown : "?");
            free(shown);
            return 2;
        }
    }
    if (!strcmp(from, to)) {
        fprintf(stderr, "tokenzone store copy: --from and --to name the same store\n");
        return 2;
    }
    tz_store *src = NULL, *dst = NULL;
    if (!open_store(from, "source", &src)) return 1;
    if (!open_store(to, "target", &dst)) {
        tz_store_close(src);
        return 1;
    }
    bool empty = false;
    tz_error *e = tz_store_is_empty(dst, &empty);
    int rc = 0;
    if (e) {
        rc = fail(e, "cannot read the target store");
    } else if (!empty) {
        fprintf(stderr, "tokenzone store copy: the target store is not empty; copy into a new, empty store\n");
        rc = 1;
    } else {
        copy_counts n = {0};
        e = copy_all(src, dst, &n);
        if (e) {
            rc = fail(e, "the copy stopped (the target now holds part of the source: remove it and start again)");
        } else {
            printf("{\"users\":%zu,\"providers\":%zu,\"groups\":%zu,\"spaces\":%zu,\"clusters\":%zu,"
                   "\"harvesters\":%zu,\"atmInventories\":%zu,"
                   "\"memberships\":%zu,\"supports\":%zu,\"namedTokens\":%zu,\"temporarySecrets\":%zu,"
                   "\"introspectionClients\":%zu}\n",
                   n.users, n.providers, n.groups, n.spaces, n.clusters, n.harvesters, n.inventories,
                   n.memberships, n.supports, n.named, n.temporary, n.clients);
        }
    }
    tz_store_close(dst);
    tz_store_close(src);
    return rc;
}

int tz_cmd_store(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: tokenzone store copy --from URL --to URL   (tokenzone store copy --help)\n");
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "copy")) return cmd_copy(argc - 2, argv + 2);
    fprintf(stderr, "tokenzone store: unknown command '%s' (tokenzone store --help)\n", argv[1]);
    return 2;
}
