/* Sealed token secrets and token templates (secrets.h). */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "core/seal.h"
#include "service/secrets.h"

#define PAGE 500

static void free_wiped(char *p) {
    if (!p) return;
    OPENSSL_cleanse(p, strlen(p));
    free(p);
}

/* The row a secret is bound to: "named:TOKEN_ID" or "temp:usr:ID" / "temp:prv:ID". Subject ids
 * come from tokens and may be long; any length is fine. malloc'd, NULL when there is no row. */
static char *named_binding(const char *token_id) {
    char *b = NULL;
    return token_id && *token_id && asprintf(&b, "named:%s", token_id) >= 0 ? b : NULL;
}

static char *temp_binding(const tz_subject *s) {
    const char *k = !s || !s->id ? NULL : s->kind == TZ_SUBJ_USER ? "usr" : s->kind == TZ_SUBJ_PROVIDER ? "prv" : NULL;
    char *b = NULL;
    return k && asprintf(&b, "temp:%s:%s", k, s->id) >= 0 ? b : NULL;
}

static bool is_hex_secret(const char *p, size_t n) {
    if (n != TZ_SECRET_HEX_LEN) return false;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) return false;
    return true;
}

static tz_error *seal_with(tz_keyring *kr, const char *binding, const char *plain, char **out) {
    *out = NULL;
    if (!plain || !is_hex_secret(plain, strlen(plain))) return tz_err_new(TZE_INTERNAL);
    return tz_keyring_seal(kr, binding, (const uint8_t *)plain, strlen(plain), out);
}

static tz_error *open_with(tz_keyring *kr, const char *binding, const char *sealed,
                           char out[TZ_SECRET_HEX_LEN + 1]) {
    uint8_t buf[TZ_SEAL_MAX_PLAIN + 1];
    size_t n = 0;
    tz_error *e = tz_keyring_unseal(kr, sealed, binding, buf, sizeof buf, &n, NULL);
    if (!e && !is_hex_secret((const char *)buf, n)) e = tz_err_new(TZE_INTERNAL);
    if (!e) memcpy(out, buf, TZ_SECRET_HEX_LEN + 1);
    else OPENSSL_cleanse(out, TZ_SECRET_HEX_LEN + 1);
    OPENSSL_cleanse(buf, sizeof buf);
    return e;
}

tz_error *tz_secrets_seal_named(tz_keyring *kr, const char *token_id, const char *plain, char **out) {
    *out = NULL;
    char *b = named_binding(token_id);
    tz_error *e = b ? seal_with(kr, b, plain, out) : tz_err_new(TZE_INTERNAL);
    free(b);
    return e;
}

tz_error *tz_secrets_seal_temp(tz_keyring *kr, const tz_subject *subject, const char *plain, char **out) {
    *out = NULL;
    char *b = temp_binding(subject);
    tz_error *e = b ? seal_with(kr, b, plain, out) : tz_err_new(TZE_INTERNAL);
    free(b);
    return e;
}

tz_error *tz_secrets_open_named(tz_keyring *kr, const char *token_id, const char *sealed,
                                char out[TZ_SECRET_HEX_LEN + 1]) {
    char *b = named_binding(token_id);
    tz_error *e = b ? open_with(kr, b, sealed, out) : tz_err_new(TZE_INTERNAL);
    free(b);
    return e;
}

tz_error *tz_secrets_open_temp(tz_keyring *kr, const tz_subject *subject, const char *sealed,
                               char out[TZ_SECRET_HEX_LEN + 1]) {
    char *b = temp_binding(subject);
    tz_error *e = b ? open_with(kr, b, sealed, out) : tz_err_new(TZE_INTERNAL);
    free(b);
    return e;
}

/* ---------------------------------------------------------------- templates */

char *tz_token_template(const tz_token *t) {
    if (!t || t->raw_identifier || t->has_third_party_caveat) return NULL;
    json_t *cav = json_array();
    for (size_t i = 0; cav && i < t->n_caveats; i++) {
        json_t *c = json_stringn(t->caveats[i].ptr, t->caveats[i].len);
        if (!c || json_array_append_new(cav, c) != 0) {
            json_decref(cav);
            cav = NULL;
        }
    }
    json_t *type = tz_token_type_to_json(&t->type);
    json_t *j = cav && type ? json_pack("{s:i,s:o,s:o}", "v", t->version, "type", type, "caveats", cav) : NULL;
    if (!j) {
        json_decref(cav);
        json_decref(type);
        return NULL;
    }
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return text;
}

static bool is_template(const char *text) { return text && text[0] == '{'; }

tz_error *tz_token_from_template(const char *tmpl, const char *token_id, const tz_subject *subject,
                                 const char *domain, const char *secret, char **out) {
    *out = NULL;
    json_t *j = is_template(tmpl) ? json_loads(tmpl, 0, NULL) : NULL;
    json_t *cav = json_object_get(j, "caveats"), *v = json_object_get(j, "v");
    size_t n = json_array_size(cav);
    tz_token proto;
    memset(&proto, 0, sizeof proto);
    tz_error *e = !json_is_array(cav) || !json_is_integer(v) || json_integer_value(v) != 2
                      ? tz_err_new(TZE_INTERNAL)
                      : NULL;
    if (!e) e = tz_token_type_from_json(json_object_get(j, "type"), &proto.type);
    tz_raw_caveat *raw = n ? calloc(n, sizeof *raw) : NULL;
    if (!e && n && !raw) e = tz_err_new(TZE_INTERNAL);
    for (size_t i = 0; !e && i < n; i++) {
        json_t *c = json_array_get(cav, i);
        if (!json_is_string(c)) e = tz_err_new(TZE_INTERNAL);
        else raw[i] = (tz_raw_caveat){(char *)json_string_value(c), json_string_length(c)};
    }
    if (!e) {
        proto.domain = (char *)domain;
        proto.version = 2;
        proto.named = true;
        proto.subject = *subject;
        proto.subject.subtype = TZ_PSUB_NONE;
        proto.id = (char *)token_id;
        tz_token *t = NULL;
        e = tz_token_create(&proto, (const uint8_t *)secret, strlen(secret), raw, n, &t);
        if (!e) e = tz_token_serialize(t, out, NULL);
        tz_token_free(t);
    }
    tz_token_type_clear(&proto.type);
    free(raw);
    json_decref(j);
    if (e) {
        tz_err_free(e);
        return tz_err_new(TZE_INTERNAL);   /* a stored template that does not rebuild is a store fault */
    }
    return NULL;
}

/* ---------------------------------------------------------------- walking the store */

/* Calls fn for every stored secret row of both kinds, a page at a time; stops on error. */
typedef tz_error *(*row_fn)(void *ud, tz_secret_row *rows, size_t n);

static tz_error *walk(tz_store *s, row_fn fn, void *ud) {
    tz_secret_kind kinds[] = {TZ_SECRET_NAMED, TZ_SECRET_TEMP};
    for (size_t k = 0; k < 2; k++) {
        tz_secret_row *prev = NULL;
        size_t prev_n = 0;
        for (;;) {
            tz_secret_row *rows = NULL;
            size_t n = 0;
            tz_error *e = tz_store_secrets_page(s, kinds[k], prev ? &prev[prev_n - 1] : NULL, PAGE, &rows, &n);
            tz_secret_rows_free(prev, prev_n);
            prev = NULL;
            if (!e && n) e = fn(ud, rows, n);
            if (e || n < PAGE) {
                tz_secret_rows_free(rows, n);
                if (e) return e;
                break;
            }
            prev = rows;
            prev_n = n;
        }
    }
    return NULL;
}

static tz_error *open_row(tz_keyring *kr, const tz_secret_row *r, char out[TZ_SECRET_HEX_LEN + 1]) {
    return r->kind == TZ_SECRET_NAMED ? tz_secrets_open_named(kr, r->token_id, r->secret, out)
                                      : tz_secrets_open_temp(kr, &r->subject, r->secret, out);
}

static tz_error *seal_row(tz_keyring *kr, const tz_secret_row *r, const char *plain, char **out) {
    return r->kind == TZ_SECRET_NAMED ? tz_secrets_seal_named(kr, r->token_id, plain, out)
                                      : tz_secrets_seal_temp(kr, &r->subject, plain, out);
}

static const char *row_name(const tz_secret_row *r) {
    return r->kind == TZ_SECRET_NAMED ? r->token_id : r->subject.id;
}

/* ---- prepare: check and migrate ---- */

typedef struct pending {
    tz_secret_row row;         /* a copy of the row (owned) */
    char *secret;              /* new sealed secret */
    char *token;               /* new template, NULL = keep */
} pending;

typedef struct prepare_ctx {
    tz_keyring *kr;
    uint32_t tested[TZ_MASTER_KEY_MAX_VERSIONS];
    size_t n_tested;
    pending *todo;
    size_t n_todo, cap_todo;
    char *why;
} prepare_ctx;

static bool tested(prepare_ctx *p, uint32_t v) {
    for (size_t i = 0; i < p->n_tested; i++)
        if (p->tested[i] == v) return true;
    if (p->n_tested < TZ_MASTER_KEY_MAX_VERSIONS) p->tested[p->n_tested++] = v;
    return false;
}

/* Checks a sealed row: its version is known and (once per version) opens. */
static tz_error *check_sealed(prepare_ctx *p, const tz_secret_row *r) {
    uint32_t v = 0;
    tz_error *e = tz_seal_version(r->secret, &v);
    if (e) return e;
    if (!tz_keyring_has(p->kr, v) && !(tz_keyring_reload(p->kr) && tz_keyring_has(p->kr, v))) {
        snprintf(p->why, TZ_SECRETS_WHY_MAX,
                 "the store holds secrets sealed with master key version %u, which the key file does "
                 "not have (wrong, outdated or new key file? restore it from the backup)", v);
        return tz_err_new(TZE_INTERNAL);
    }
    if (tested(p, v)) return NULL;
    char plain[TZ_SECRET_HEX_LEN + 1];
    e = open_row(p->kr, r, plain);
    OPENSSL_cleanse(plain, sizeof plain);
    if (e) snprintf(p->why, TZ_SECRETS_WHY_MAX,
                    "master key version %u of the key file does not open the store's secrets "
                    "(%s %s): wrong key file, or the store was tampered with", v,
                    r->kind == TZ_SECRET_NAMED ? "named token" : "temporary-token secret of", row_name(r));
    return e;
}

static bool copy_row(const tz_secret_row *r, tz_secret_row *out) {
    memset(out, 0, sizeof *out);
    out->kind = r->kind;
    out->token_id = r->token_id ? strdup(r->token_id) : NULL;
    out->secret = strdup(r->secret);
    out->token = r->token ? strdup(r->token) : NULL;
    return tz_subject_copy(&out->subject, &r->subject) == 0 && out->secret &&
           (!r->token_id || out->token_id) && (!r->token || out->token);
}

/* The template for a named row whose token column still holds a whole token. */
static tz_error *template_of_legacy(prepare_ctx *p, const tz_secret_row *r, char **tmpl) {
    *tmpl = NULL;
    tz_token *t = NULL;
    tz_error *e = tz_token_deserialize(r->token, strlen(r->token), 0, &t);
    if (!e && !(*tmpl = tz_token_template(t))) e = tz_err_new(TZE_INTERNAL);
    tz_token_free(t);
    if (e) snprintf(p->why, TZ_SECRETS_WHY_MAX, "named token %s: the stored token does not parse", r->token_id);
    return e;
}

static tz_error *prepare_rows(void *ud, tz_secret_row *rows, size_t n) {
    prepare_ctx *p = ud;
    for (size_t i = 0; i < n; i++) {
        const tz_secret_row *r = &rows[i];
        bool sealed = tz_seal_is_sealed(r->secret);
        bool legacy_token = r->kind == TZ_SECRET_NAMED && !is_template(r->token);
        if (sealed) {
            tz_error *e = check_sealed(p, r);
            if (e) return e;
        } else if (!is_hex_secret(r->secret, strlen(r->secret))) {
            snprintf(p->why, TZ_SECRETS_WHY_MAX, "%s %s: the stored secret is neither sealed nor a plain secret",
                     r->kind == TZ_SECRET_NAMED ? "named token" : "subject", row_name(r));
            return tz_err_new(TZE_INTERNAL);
        }
        if (sealed && !legacy_token) continue;
        if (p->n_todo == p->cap_todo) {
            size_t cap = p->cap_todo ? p->cap_todo * 2 : 64;
            pending *grown = realloc(p->todo, cap * sizeof *grown);
            if (!grown) return tz_err_new(TZE_INTERNAL);
            p->todo = grown;
            p->cap_todo = cap;
        }
        pending *t = &p->todo[p->n_todo];
        memset(t, 0, sizeof *t);
        p->n_todo++;
        if (!copy_row(r, &t->row)) return tz_err_new(TZE_INTERNAL);
        tz_error *e = legacy_token ? template_of_legacy(p, r, &t->token) : NULL;
        if (!e) e = sealed ? ((t->secret = strdup(r->secret)) ? NULL : tz_err_new(TZE_INTERNAL))
                           : seal_row(p->kr, r, r->secret, &t->secret);
        if (e) return e;
    }
    return NULL;
}

tz_error *tz_secrets_prepare(tz_store *s, tz_keyring *kr, size_t *migrated, char why[TZ_SECRETS_WHY_MAX]) {
    *migrated = 0;
    why[0] = '\0';
    prepare_ctx p = {.kr = kr, .why = why};
    tz_error *e = walk(s, prepare_rows, &p);
    tz_secret_change *ch = !e && p.n_todo ? calloc(p.n_todo, sizeof *ch) : NULL;
    if (!e && p.n_todo && !ch) e = tz_err_new(TZE_INTERNAL);
    for (size_t i = 0; !e && i < p.n_todo; i++)
        ch[i] = (tz_secret_change){&p.todo[i].row, p.todo[i].secret, p.todo[i].token};
    size_t applied = 0;
    if (!e && p.n_todo) {
        e = tz_store_secrets_replace(s, ch, p.n_todo, &applied);
        if (e) snprintf(why, TZ_SECRETS_WHY_MAX, "sealing the store's plain secrets failed (nothing changed)");
    }
    if (!e && p.n_todo) {
        e = tz_store_scrub(s, TZ_SCRUB_FULL);
        if (e) snprintf(why, TZ_SECRETS_WHY_MAX, "the secrets are sealed, but erasing the old plain values "
                                                 "from the store files failed (the next start tries again)");
    } else if (!e && strcmp(tz_store_backend_name(s), "sqlite") == 0) {
        /* Every start empties the log too, best effort: a start whose scrub failed after sealing
         * (another process reading) left old page images in the log, and no row says so. The
         * database file itself needs no rewrite: SQLite runs with secure_delete, so the sealing
         * already overwrote the plain values in place. No VACUUM here: on a large store it would
         * rewrite the whole file, and need as much free disk again, at every start. Not on a
         * shared store: there the log is the server's own to recycle. */
        tz_err_free(tz_store_scrub(s, TZ_SCRUB_LOG));
    }
    for (size_t i = 0; i < p.n_todo; i++) {
        free(p.todo[i].row.token_id);
        tz_subject_clear(&p.todo[i].row.subject);
        free_wiped(p.todo[i].row.secret);
        free_wiped(p.todo[i].row.token);
        free_wiped(p.todo[i].secret);
        free_wiped(p.todo[i].token);
    }
    free(p.todo);
    free(ch);
    if (!e) *migrated = applied;
    return e;
}

/* ---- census ---- */

typedef struct census_ctx {
    const uint32_t *versions;
    size_t n_versions;
    size_t *counts, other, plain;
} census_ctx;

static tz_error *census_rows(void *ud, tz_secret_row *rows, size_t n) {
    census_ctx *c = ud;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = 0;
        tz_error *e = tz_seal_version(rows[i].secret, &v);
        if (e) {
            tz_err_free(e);
            c->plain++;
            continue;
        }
        size_t k = 0;
        while (k < c->n_versions && c->versions[k] != v) k++;
        if (k < c->n_versions) c->counts[k]++;
        else c->other++;
    }
    return NULL;
}

tz_error *tz_secrets_census(tz_store *s, tz_keyring *kr, const uint32_t *versions, size_t n_versions,
                            size_t *counts, size_t *other, size_t *plain) {
    (void)kr;
    if (n_versions) memset(counts, 0, n_versions * sizeof *counts);
    census_ctx c = {versions, n_versions, counts, 0, 0};
    tz_error *e = walk(s, census_rows, &c);
    *other = c.other;
    *plain = c.plain;
    return e;
}

/* ---- reseal ---- */

typedef struct reseal_ctx {
    tz_store *s;
    tz_keyring *kr;
    uint32_t current;
    size_t batch, resealed, skipped;
    char *why;
} reseal_ctx;

static tz_error *reseal_rows(void *ud, tz_secret_row *rows, size_t n) {
    reseal_ctx *c = ud;
    tz_secret_change *ch = calloc(n, sizeof *ch);
    char **fresh = calloc(n, sizeof *fresh);
    tz_error *e = ch && fresh ? NULL : tz_err_new(TZE_INTERNAL);
    size_t m = 0;
    for (size_t i = 0; !e && i < n; i++) {
        uint32_t v = 0;
        tz_error *ve = tz_seal_version(rows[i].secret, &v);
        if (ve) {
            tz_err_free(ve);
            snprintf(c->why, TZ_SECRETS_WHY_MAX, "a plain secret is stored; start the server once to seal it");
            e = tz_err_new(TZE_INTERNAL);
            break;
        }
        if (v == c->current) continue;
        char plain[TZ_SECRET_HEX_LEN + 1];
        e = open_row(c->kr, &rows[i], plain);
        if (e) snprintf(c->why, TZ_SECRETS_WHY_MAX, "%s %s (key version %u) does not open with the key file",
                        rows[i].kind == TZ_SECRET_NAMED ? "named token" : "temporary-token secret of",
                        row_name(&rows[i]), v);
        if (!e) e = seal_row(c->kr, &rows[i], plain, &fresh[m]);
        OPENSSL_cleanse(plain, sizeof plain);
        if (!e) {
            ch[m] = (tz_secret_change){&rows[i], fresh[m], NULL};
            m++;
        }
    }
    for (size_t off = 0; !e && off < m; off += c->batch) {
        size_t k = m - off < c->batch ? m - off : c->batch, applied = 0;
        e = tz_store_secrets_replace(c->s, ch + off, k, &applied);
        if (!e) {
            c->resealed += applied;
            c->skipped += k - applied;
        }
    }
    for (size_t i = 0; fresh && i < m; i++) free_wiped(fresh[i]);
    free(fresh);
    free(ch);
    return e;
}

tz_error *tz_secrets_reseal(tz_store *s, tz_keyring *kr, size_t batch, size_t *resealed, size_t *skipped,
                            char why[TZ_SECRETS_WHY_MAX]) {
    why[0] = '\0';
    reseal_ctx c = {s, kr, tz_keyring_current(kr), batch ? batch : 100, 0, 0, why};
    tz_error *e = walk(s, reseal_rows, &c);
    *resealed = c.resealed;
    *skipped = c.skipped;
    return e;
}

bool tz_store_location_is_remote(const char *location) {
    return location && (strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0);
}

tz_error *tz_secrets_open_keyring(tz_store *s, const char *location, const char *path, tz_keyring **out,
                                  char **path_used, char why[TZ_SECRETS_WHY_MAX]) {
    *out = NULL;
    *path_used = NULL;
    why[0] = '\0';
    const char *dir = location ? tz_store_location_dir(location) : NULL;
    if (!path && (tz_store_location_is_remote(location) || !dir)) {
        snprintf(why, TZ_SECRETS_WHY_MAX, "a shared store needs an explicit master key file "
                                          "(--master-key-file or $%s)", TZ_MASTER_KEY_ENV);
        return tz_err_new(TZE_INTERNAL);
    }
    char *p = path ? strdup(path) : NULL;
    if (!path && asprintf(&p, "%s/%s", dir, TZ_MASTER_KEY_DEFAULT_NAME) < 0) p = NULL;
    if (!p) return tz_err_new(TZE_INTERNAL);
    bool missing = access(p, F_OK) != 0 && errno == ENOENT;
    tz_error *e = NULL;
    if (missing) {
        size_t other = 0, plain = 0;
        e = tz_secrets_census(s, NULL, NULL, 0, NULL, &other, &plain);
        if (!e && other > 0) {
            snprintf(why, TZ_SECRETS_WHY_MAX, "master key file %s does not exist, but the store holds %zu "
                     "sealed secrets: restore the key file from its backup (or give the right path)", p, other);
            e = tz_err_new(TZE_INTERNAL);
        }
    }
    char kwhy[TZ_MASTER_KEY_WHY_MAX];
    if (!e) {
        e = tz_keyring_load(p, missing, out, kwhy);
        if (e) snprintf(why, TZ_SECRETS_WHY_MAX, "master key file: %.400s", kwhy);
    }
    if (e) {
        free(p);
        return e;
    }
    *path_used = p;
    return NULL;
}
