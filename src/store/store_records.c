/* Releasing the records the store fills, for every backend. Secrets, password hashes and
 * serialized tokens are wiped before their memory is freed. */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "store/store.h"

static void free_wiped(char *p) {
    if (!p) return;
    OPENSSL_cleanse(p, strlen(p));
    free(p);
}

void tz_strv_free(char **v, size_t n) {
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void tz_user_rec_clear(tz_user_rec *u) {
    if (!u) return;
    free(u->id);
    free(u->username);
    free(u->full_name);
    free_wiped(u->password_hash);
    tz_strv_free(u->oz_privileges, u->n_oz_privileges);
    memset(u, 0, sizeof *u);
}

void tz_user_recs_free(tz_user_rec *recs, size_t n) {
    if (!recs) return;
    for (size_t i = 0; i < n; i++) tz_user_rec_clear(&recs[i]);
    free(recs);
}

void tz_provider_rec_clear(tz_provider_rec *p) {
    if (!p) return;
    free(p->id);
    free(p->name);
    free(p->domain);
    memset(p, 0, sizeof *p);
}

void tz_provider_recs_free(tz_provider_rec *recs, size_t n) {
    if (!recs) return;
    for (size_t i = 0; i < n; i++) tz_provider_rec_clear(&recs[i]);
    free(recs);
}

void tz_entity_recs_free(tz_entity_rec *recs, size_t n) {
    if (!recs) return;
    for (size_t i = 0; i < n; i++) {
        free(recs[i].id);
        free(recs[i].name);
    }
    free(recs);
}

void tz_member_recs_free(tz_member_rec *recs, size_t n) {
    if (!recs) return;
    for (size_t i = 0; i < n; i++) {
        free(recs[i].id);
        tz_strv_free(recs[i].privileges, recs[i].n_privileges);
    }
    free(recs);
}

void tz_named_token_rec_clear(tz_named_token_rec *r) {
    if (!r) return;
    free(r->id);
    free(r->name);
    tz_subject_clear(&r->subject);
    free_wiped(r->token);   /* a bearer credential, like the secret */
    free_wiped(r->secret);
    free(r->metadata_json);
    memset(r, 0, sizeof *r);
}

void tz_temp_secret_recs_free(tz_temp_secret_rec *recs, size_t n) {
    if (!recs) return;
    for (size_t i = 0; i < n; i++) tz_subject_clear(&recs[i].subject);
    OPENSSL_cleanse(recs, n * sizeof *recs);
    free(recs);
}
