/* Contract cases of the directory export (store.h "directory export", change 5 of
 * store_backend.h), included by test_store_ops.c so that they run on SQLite (test_store_ops) and
 * on PostgreSQL (pg_contract). They use the helpers of test_store_ops.c (open_named, dir_user,
 * dir_join, err_id, conflict_key, named, DIR_ALL, DIR_VIEW). */

/* Every row of a section, read `limit` rows a page. */
static size_t dx_export_all(tz_store *s, tz_dir_section section, size_t limit, tz_dir_row **all) {
    *all = NULL;
    size_t total = 0, pages = 0;
    char *cursor = NULL;
    do {
        tz_dir_row *page = NULL;
        size_t got = 0;
        char *next = NULL;
        tz_error *e = tz_store_dir_export(s, section, limit, cursor, &page, &got, &next);
        CHECK(e == NULL);
        tz_err_free(e);
        free(cursor);
        cursor = next;
        CHECK(got <= limit);
        tz_dir_row *grown = got ? realloc(*all, (total + got) * sizeof **all) : *all;
        CHECK(grown != NULL || !got);
        if (got && grown) {
            *all = grown;
            memcpy(*all + total, page, got * sizeof *page);
            total += got;
            free(page);  /* the rows' strings moved to *all */
        } else {
            tz_dir_rows_free(page, got);
        }
        pages++;
    } while (cursor && pages < 100);
    free(cursor);
    return total;
}

static bool dx_same_str(const char *a, const char *b) {
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool dx_same_row(const tz_dir_row *a, const tz_dir_row *b) {
    if (a->kind != b->kind || !dx_same_str(a->id, b->id) || !dx_same_str(a->name, b->name) ||
        !dx_same_str(a->subdomain, b->subdomain) || !dx_same_str(a->admin_email, b->admin_email) ||
        !dx_same_str(a->parent_id, b->parent_id) || (a->parent_id && a->parent_kind != b->parent_kind) ||
        a->n_privileges != b->n_privileges || a->has_size != b->has_size || a->size != b->size)
        return false;
    for (size_t i = 0; i < a->n_privileges; i++)
        if (!dx_same_str(a->privileges[i], b->privileges[i])) return false;
    return true;
}

static const tz_dir_row *dx_find(const tz_dir_row *rows, size_t n, tz_dir_kind kind, const char *id,
                                 const char *parent_id) {
    for (size_t i = 0; i < n; i++)
        if (rows[i].kind == kind && !strcmp(rows[i].id, id) && dx_same_str(rows[i].parent_id, parent_id))
            return &rows[i];
    return NULL;
}

/* Fills a source store with every kind of directory row. */
static void dx_fill(tz_store *s) {
    dir_user(s, "u1");
    dir_user(s, "u2");
    CHECK(tz_store_dir_create(s, TZ_DIR_GROUP, "top", "Top", "u1", DIR_ALL, 3) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_GROUP, "mid", "Mid", "u1", DIR_ALL, 3) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_SPACE, "sp", "Sp", "u1", NULL, 0) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_HARVESTER, "h", "H", "u1", NULL, 0) == NULL);
    CHECK(tz_store_dir_create(s, TZ_DIR_ATM_INVENTORY, "i", "I", "u1", DIR_VIEW, 1) == NULL);
    const char *const add[] = {"group_view", "group_add_user"};  /* stored sorted */
    tz_dir_join j[] = {
        {TZ_DIR_GROUP, "mid", TZ_DIR_GROUP, "top", add, 2, 0, NULL, NULL, 0, NULL, NULL, NULL, 0},
        {TZ_DIR_USER, "u2", TZ_DIR_GROUP, "mid", DIR_VIEW, 1, 0, NULL, NULL, 0, NULL, NULL, NULL, 0},
        {TZ_DIR_GROUP, "top", TZ_DIR_SPACE, "sp", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0},
        {TZ_DIR_SPACE, "sp", TZ_DIR_HARVESTER, "h", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0},
        {TZ_DIR_GROUP, "mid", TZ_DIR_ATM_INVENTORY, "i", DIR_VIEW, 1, 0, NULL, NULL, 0, NULL, NULL, NULL, 0},
    };
    for (size_t k = 0; k < sizeof j / sizeof j[0]; k++) CHECK_INT(dir_join(s, &j[k]), TZ_DIR_DONE);
    /* p1 registered with a subdomain, supporting sp with a size; p2 created by the admin tool's
     * route, supporting sp without a size */
    const char *const cpriv[] = {"cluster_view"};
    tz_provider_rec p1 = {"p1", "P1", "sub.zone", 5};
    tz_named_token_rec root = named("root1", "root token", TZ_SUBJ_PROVIDER, "p1");
    tz_dir_outcome outcome = TZ_DIR_MISSING;
    CHECK(tz_store_provider_register_invited(s, &p1, "sub", "a@b.c", "u1", cpriv, 1, &root, NULL,
                                             &outcome) == NULL);
    CHECK_INT(outcome, TZ_DIR_DONE);
    tz_provider_rec p2 = {"p2", "P2", NULL, 6};
    CHECK(tz_store_provider_create(s, &p2) == NULL);
    tz_dir_join sup = {TZ_DIR_PROVIDER, "p1", TZ_DIR_SPACE, "sp", NULL, 0, 4096, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(dir_join(s, &sup), TZ_DIR_DONE);
    CHECK(tz_store_space_add_support(s, "sp", "p2") == NULL);
}

/* What `store copy` does before the directory: users and providers (with their clusters). */
static void dx_prepare_target(tz_store *s) {
    dir_user(s, "u1");
    dir_user(s, "u2");
    tz_provider_rec p1 = {"p1", "P1", "sub.zone", 5}, p2 = {"p2", "P2", NULL, 6};
    CHECK(tz_store_provider_create(s, &p1) == NULL);
    CHECK(tz_store_provider_create(s, &p2) == NULL);
}

static void dx_import_all(tz_store *s, tz_dir_section section, const tz_dir_row *rows, size_t n) {
    for (size_t i = 0; i < n; i += 3) {  /* batches of 3 */
        tz_error *e = tz_store_dir_import(s, section, rows + i, n - i < 3 ? n - i : 3);
        CHECK(e == NULL);
        tz_err_free(e);
    }
}

static void test_directory_export_and_import(void) {
    tz_store *src = open_named("dxsource");
    tz_store *dst = open_named("dxtarget");
    if (!src || !dst) {
        tz_store_close(src);
        tz_store_close(dst);
        return;
    }
    dx_fill(src);
    tz_dir_row *ents = NULL, *rels = NULL, *one = NULL;
    size_t n_ents = dx_export_all(src, TZ_DIR_SECTION_ENTITIES, 2, &ents);
    size_t n_rels = dx_export_all(src, TZ_DIR_SECTION_RELATIONS, 3, &rels);
    /* groups top, mid; space sp; clusters onezone, p1, p2; harvester h; inventory i; providers */
    CHECK_INT(n_ents, 10);
    /* bytewise by (kind, id): atm_inventory, cluster x3, group x2, harvester, provider x2, space */
    CHECK(n_ents == 10 && ents[0].kind == TZ_DIR_ATM_INVENTORY && ents[1].kind == TZ_DIR_CLUSTER &&
          !strcmp(ents[1].id, "onezone") && ents[4].kind == TZ_DIR_GROUP &&
          !strcmp(ents[4].id, "mid") && ents[9].kind == TZ_DIR_SPACE);
    const tz_dir_row *r = dx_find(ents, n_ents, TZ_DIR_PROVIDER, "p1", NULL);
    CHECK(r && dx_same_str(r->name, "P1") && dx_same_str(r->subdomain, "sub") &&
          dx_same_str(r->admin_email, "a@b.c"));
    r = dx_find(ents, n_ents, TZ_DIR_PROVIDER, "p2", NULL);
    CHECK(r && !r->subdomain && !r->admin_email);
    r = dx_find(ents, n_ents, TZ_DIR_HARVESTER, "h", NULL);
    CHECK(r && dx_same_str(r->name, "H") && !r->parent_id);
    /* owners (5), u1 in p1's cluster, the 5 joins, 2 supports */
    CHECK_INT(n_rels, 13);
    r = dx_find(rels, n_rels, TZ_DIR_GROUP, "mid", "top");
    CHECK(r && r->parent_kind == TZ_DIR_GROUP && r->n_privileges == 2 &&
          !strcmp(r->privileges[0], "group_add_user") && !strcmp(r->privileges[1], "group_view"));
    r = dx_find(rels, n_rels, TZ_DIR_SPACE, "sp", "h");
    CHECK(r && r->parent_kind == TZ_DIR_HARVESTER && r->n_privileges == 0);
    r = dx_find(rels, n_rels, TZ_DIR_PROVIDER, "p1", "sp");
    CHECK(r && r->has_size && r->size == 4096);
    r = dx_find(rels, n_rels, TZ_DIR_PROVIDER, "p2", "sp");
    CHECK(r && !r->has_size);
    r = dx_find(rels, n_rels, TZ_DIR_USER, "u1", "p1");
    CHECK(r && r->parent_kind == TZ_DIR_CLUSTER && r->n_privileges == 1);
    for (size_t i = 1; i < n_rels; i++) {  /* sorted by parent kind word, then parent id */
        int c = strcmp(tz_dir_kind_word(rels[i - 1].parent_kind), tz_dir_kind_word(rels[i].parent_kind));
        CHECK(c < 0 || (c == 0 && strcmp(rels[i - 1].parent_id, rels[i].parent_id) <= 0));
    }
    /* a page of everything needs no cursor; a limit of 0 is refused */
    tz_dir_row *page = NULL;
    size_t got = 0;
    char *next = NULL;
    CHECK(tz_store_dir_export(src, TZ_DIR_SECTION_RELATIONS, 1000, NULL, &page, &got, &next) == NULL);
    CHECK(got == n_rels && next == NULL);
    tz_dir_rows_free(page, got);
    CHECK_INT(err_id(tz_store_dir_export(src, TZ_DIR_SECTION_ENTITIES, 0, NULL, &page, &got, &next)),
              TZE_INTERNAL);

    /* relations before their entities: an end is missing, nothing of the batch stays */
    dx_prepare_target(dst);
    CHECK_INT(err_id(tz_store_dir_import(dst, TZ_DIR_SECTION_RELATIONS, rels, n_rels > 3 ? 3 : n_rels)),
              TZE_STORE_NOT_FOUND);
    dx_import_all(dst, TZ_DIR_SECTION_ENTITIES, ents, n_ents);
    dx_import_all(dst, TZ_DIR_SECTION_RELATIONS, rels, n_rels);
    size_t n2 = dx_export_all(dst, TZ_DIR_SECTION_ENTITIES, 1000, &one);
    CHECK_INT(n2, n_ents);
    for (size_t i = 0; i < n2 && i < n_ents; i++) CHECK(dx_same_row(&one[i], &ents[i]));
    tz_dir_rows_free(one, n2);
    n2 = dx_export_all(dst, TZ_DIR_SECTION_RELATIONS, 1000, &one);
    CHECK_INT(n2, n_rels);
    for (size_t i = 0; i < n2 && i < n_rels; i++) CHECK(dx_same_row(&one[i], &rels[i]));
    tz_dir_rows_free(one, n2);
    /* the copy answers like the source */
    bool ok = false;
    CHECK(tz_store_dir_user_has(dst, "u2", TZ_DIR_GROUP, "top", "group_add_user", &ok) == NULL && ok);
    CHECK(tz_store_dir_user_has(dst, "u2", TZ_DIR_SPACE, "sp", NULL, &ok) == NULL && ok);
    CHECK(tz_store_dir_user_has(dst, "u2", TZ_DIR_ATM_INVENTORY, "i", "group_view", &ok) == NULL && ok);
    char **ids = NULL;
    int64_t *sizes = NULL;
    size_t n = 0;
    CHECK(tz_store_dir_space_supports(dst, "sp", &ids, &sizes, &n) == NULL);
    CHECK(n == 2 && !strcmp(ids[0], "p1") && sizes[0] == 4096 && sizes[1] == 0);
    tz_strv_free(ids, n);
    free(sizes);
    /* the cycle check still sees the copied nesting */
    tz_dir_join cyc = {TZ_DIR_GROUP, "top", TZ_DIR_GROUP, "mid", NULL, 0, 0, NULL, NULL, 0, NULL, NULL, NULL, 0};
    CHECK_INT(dir_join(dst, &cyc), TZ_DIR_SELF);
    /* the subdomain is taken in the copy */
    const char *const cpriv[] = {"cluster_view"};
    tz_provider_rec p3 = {"p3", "P3", NULL, 7};
    tz_named_token_rec root = named("root3", "root token", TZ_SUBJ_PROVIDER, "p3");
    tz_dir_outcome outcome = TZ_DIR_MISSING;
    char key[32];
    CHECK_STR(conflict_key(tz_store_provider_register_invited(dst, &p3, "sub", NULL, "u1", cpriv, 1,
                                                              &root, NULL, &outcome), key, sizeof key),
              "subdomain");

    /* importing again: every kind of conflict, and a failed batch leaves nothing behind */
    tz_dir_row fresh = {.kind = TZ_DIR_GROUP, .id = (char *)"fresh", .name = (char *)"Fresh"};
    tz_dir_row batch[2] = {fresh, *dx_find(ents, n_ents, TZ_DIR_HARVESTER, "h", NULL)};
    CHECK_STR(conflict_key(tz_store_dir_import(dst, TZ_DIR_SECTION_ENTITIES, batch, 2), key, sizeof key), "id");
    char *gone = NULL;
    CHECK_INT(err_id(tz_store_dir_entity_name(dst, TZ_DIR_GROUP, "fresh", &gone)), TZE_STORE_NOT_FOUND);
    free(gone);
    CHECK_STR(conflict_key(tz_store_dir_import(dst, TZ_DIR_SECTION_RELATIONS, rels, 1), key, sizeof key), "id");
    tz_dir_row p9 = {.kind = TZ_DIR_PROVIDER, .id = (char *)"p9", .name = (char *)"P9"};
    CHECK_INT(err_id(tz_store_dir_import(dst, TZ_DIR_SECTION_ENTITIES, &p9, 1)), TZE_STORE_NOT_FOUND);
    tz_dir_row c9 = {.kind = TZ_DIR_CLUSTER, .id = (char *)"c9", .name = (char *)"C9"};
    CHECK_INT(err_id(tz_store_dir_import(dst, TZ_DIR_SECTION_ENTITIES, &c9, 1)), TZE_STORE_NOT_FOUND);
    tz_dir_row p2sub = *dx_find(ents, n_ents, TZ_DIR_PROVIDER, "p2", NULL);
    p2sub.subdomain = (char *)"sub";
    CHECK_STR(conflict_key(tz_store_dir_import(dst, TZ_DIR_SECTION_ENTITIES, &p2sub, 1), key, sizeof key),
              "subdomain");
    CHECK(tz_store_check_integrity(dst) == NULL);
    tz_dir_rows_free(ents, n_ents);
    tz_dir_rows_free(rels, n_rels);
    tz_store_close(src);
    tz_store_close(dst);
}
