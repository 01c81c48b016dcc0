/* Tokens: construction, confinement, serialization and deserialization (token-format §2-§9). */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "core/codec.h"
#include "core/macaroon.h"
#include "core/token.h"
#include "core/token_internal.h"

void tz_token_free(tz_token *t) {
    if (!t) return;
    free(t->domain);
    tz_subject_clear(&t->subject);
    tz_token_type_clear(&t->type);
    free(t->id);
    for (size_t i = t->n_borrowed; i < t->n_caveats; i++) free(t->caveats[i].ptr);
    free(t->caveats);
    free(t->raw_identifier);
    free(t->backing);
    OPENSSL_cleanse(t->signature, sizeof t->signature);
    free(t);
}

/* Copies n raw caveats (bytes + NUL) to the end of t's caveat array. */
static bool append_caveats(tz_token *t, const tz_raw_caveat *cs, size_t n) {
    if (!n) return true;
    if (n > SIZE_MAX / sizeof *cs - t->n_caveats) return false;
    tz_raw_caveat *arr = realloc(t->caveats, (t->n_caveats + n) * sizeof *arr);
    if (!arr) return false;
    t->caveats = arr;
    for (size_t i = 0; i < n; i++) {
        char *p = malloc(cs[i].len + 1);
        if (!p) return false;
        if (cs[i].len) memcpy(p, cs[i].ptr, cs[i].len);
        p[cs[i].len] = 0;
        arr[t->n_caveats].ptr = p;
        arr[t->n_caveats].len = cs[i].len;
        t->n_caveats++;
    }
    return true;
}

char *tz_token_identifier(const tz_token *t, size_t *len_out) {
    if (!t->raw_identifier) return tz_identifier_build(t, len_out);
    char *out = malloc(t->raw_identifier_len + 1);
    if (!out) return NULL;
    memcpy(out, t->raw_identifier, t->raw_identifier_len + 1);
    if (len_out) *len_out = t->raw_identifier_len;
    return out;
}

/* ---- construction ---- */

static bool opt_str_equal(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* True iff `identifier` parses back to the fields of t (so nothing was lost to a '/', ':', empty
 * target or the like). */
static bool parses_back(const char *identifier, size_t len, const tz_token *t) {
    tz_token p = {0};
    tz_error *e = tz_identifier_parse(identifier, len, &p);
    if (e) {
        tz_err_free(e);
        return false;
    }
    bool same = p.version == t->version && opt_str_equal(p.id, t->id ? t->id : "");
    if (same && t->version == 2) {
        same = p.named == t->named && (t->named || p.generation == t->generation) &&
               p.subject.kind == t->subject.kind && tz_subject_equal(&p.subject, &t->subject) &&
               p.type.kind == t->type.kind && opt_str_equal(p.type.session_id, t->type.session_id) &&
               (t->type.kind != TZ_TT_INVITE ||
                (p.type.invite == t->type.invite && opt_str_equal(p.type.target_id, t->type.target_id)));
    }
    tz_subject_clear(&p.subject);
    tz_token_type_clear(&p.type);
    free(p.id);
    return same;
}

/* The macaroon layer must be able to frame every packet. */
static bool packets_fit(const char *domain, size_t identifier_len, const tz_raw_caveat *cs, size_t n) {
    if (domain && !tz_packet_size(strlen("location"), strlen(domain))) return false;
    if (!tz_packet_size(strlen("identifier"), identifier_len)) return false;
    for (size_t i = 0; i < n; i++)
        if (!tz_packet_size(strlen("cid"), cs[i].len)) return false;
    return true;
}

tz_error *tz_token_create(const tz_token *proto, const uint8_t *secret, size_t secret_len,
                          const tz_raw_caveat *caveats, size_t n_caveats, tz_token **out) {
    *out = NULL;
    if (proto->version > 1 && proto->subject.kind != TZ_SUBJ_USER &&
        proto->subject.kind != TZ_SUBJ_PROVIDER)
        return tz_err_new(TZE_TOKEN_SUBJECT_INVALID);
    if (proto->version != 1 && proto->version != 2) return tz_err_new(TZE_BAD_TOKEN);
    tz_token *t = calloc(1, sizeof *t);
    if (!t) return tz_err_new(TZE_INTERNAL);
    t->version = proto->version;
    t->named = proto->named;
    t->generation = proto->named ? 0 : proto->generation;
    if ((proto->domain && !(t->domain = strdup(proto->domain))) ||
        !(t->id = strdup(proto->id ? proto->id : "")) ||
        tz_subject_copy(&t->subject, &proto->subject) ||
        tz_token_type_copy(&t->type, &proto->type)) {
        tz_token_free(t);
        return tz_err_new(TZE_INTERNAL);
    }
    size_t id_len;
    char *identifier = tz_identifier_build(t, &id_len);
    if (!identifier) {
        tz_token_free(t);
        return tz_err_new(TZE_INTERNAL);
    }
    if (!parses_back(identifier, id_len, t) || !packets_fit(t->domain, id_len, caveats, n_caveats)) {
        free(identifier);
        tz_token_free(t);
        return tz_err_new(TZE_BAD_TOKEN);
    }
    if (!append_caveats(t, caveats, n_caveats)) {
        free(identifier);
        tz_token_free(t);
        return tz_err_new(TZE_INTERNAL);
    }
    uint8_t k0[32];
    tz_token_derive_key(secret, secret_len, k0);
    tz_token_chain(k0, (tz_slice){(const uint8_t *)identifier, id_len}, t->caveats, t->n_caveats,
                   t->signature);
    OPENSSL_cleanse(k0, sizeof k0);
    t->signature_valid_len = true;
    free(identifier);
    *out = t;
    return NULL;
}

/* Deep copy of every field of src. */
static tz_token *token_copy(const tz_token *src) {
    tz_token *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->version = src->version;
    t->named = src->named;
    t->generation = src->generation;
    t->has_third_party_caveat = src->has_third_party_caveat;
    t->third_party_at = src->third_party_at;
    t->signature_valid_len = src->signature_valid_len;
    memcpy(t->signature, src->signature, sizeof t->signature);
    bool ok = (!src->domain || (t->domain = strdup(src->domain))) &&
              (!src->id || (t->id = strdup(src->id))) &&
              tz_subject_copy(&t->subject, &src->subject) == 0 &&
              tz_token_type_copy(&t->type, &src->type) == 0 &&
              append_caveats(t, src->caveats, src->n_caveats);
    if (ok && src->raw_identifier) {
        t->raw_identifier = malloc(src->raw_identifier_len + 1);
        ok = t->raw_identifier != NULL;
        if (ok) {
            memcpy(t->raw_identifier, src->raw_identifier, src->raw_identifier_len + 1);
            t->raw_identifier_len = src->raw_identifier_len;
        }
    }
    if (!ok) {
        tz_token_free(t);
        return NULL;
    }
    return t;
}

tz_error *tz_token_confine(const tz_token *t, const tz_raw_caveat *caveats, size_t n, tz_token **out) {
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (!tz_packet_size(strlen("cid"), caveats[i].len)) return tz_err_new(TZE_BAD_TOKEN);
    tz_token *c = token_copy(t);
    if (!c) return tz_err_new(TZE_INTERNAL);
    size_t before = c->n_caveats;
    if (!append_caveats(c, caveats, n)) {
        tz_token_free(c);
        return tz_err_new(TZE_INTERNAL);
    }
    /* No secret needed: the chain continues from the current signature. */
    tz_token_chain_extend(c->signature, c->caveats + before, n);
    *out = c;
    return NULL;
}

/* ---- serialization ---- */

tz_error *tz_token_serialize(const tz_token *t, char **out, size_t *len_out) {
    *out = NULL;
    if (t->has_third_party_caveat || !t->signature_valid_len) return tz_err_new(TZE_BAD_TOKEN);
    size_t id_len;
    char *identifier = tz_token_identifier(t, &id_len);
    if (!identifier) return tz_err_new(TZE_INTERNAL);
    tz_bytes packets;
    tz_error *e = tz_macaroon_write(t->domain, (tz_slice){(const uint8_t *)identifier, id_len},
                                    t->caveats, t->n_caveats, t->signature, &packets);
    free(identifier);
    if (e) return e;
    size_t b64_len = tz_b64url_encoded_len(packets.len);
    char *b64 = malloc(b64_len ? b64_len : 1);
    char *text = malloc(2 * b64_len + 1);
    if (!b64 || !text) {
        free(b64);
        free(text);
        free(packets.ptr);
        return tz_err_new(TZE_INTERNAL);
    }
    tz_b64url_encode(packets.ptr, packets.len, b64);
    free(packets.ptr);
    size_t n = tz_base62_escape(b64, b64_len, text);
    free(b64);
    text[n] = 0;
    *out = text;
    if (len_out) *len_out = n;
    return NULL;
}

/* ---- deserialization ---- */

/* Fills t from a parsed macaroon view. */
static tz_error *from_view(const tz_macaroon_view *v, tz_token *t) {
    const char *idp = (const char *)v->identifier.ptr;
    tz_error *e = tz_identifier_parse(idp, v->identifier.len, t);
    if (e) return e;
    if (v->has_location) {
        /* the domain is a C string: an embedded NUL could not be represented */
        if (memchr(v->location.ptr, 0, v->location.len)) return tz_err_new(TZE_BAD_TOKEN);
        if (!(t->domain = strndup((const char *)v->location.ptr, v->location.len)))
            return tz_err_new(TZE_INTERNAL);
    }
    /* The caveats stay in the decoded buffer (owned by t from here on): each value is followed by
     * its packet's LF, which becomes the NUL that makes it a C string. */
    if (v->n_caveats) {
        if (!(t->caveats = malloc(v->n_caveats * sizeof *t->caveats))) return tz_err_new(TZE_INTERNAL);
        for (size_t i = 0; i < v->n_caveats; i++) {
            char *p = (char *)(uintptr_t)v->caveats[i].ptr;
            p[v->caveats[i].len] = '\0';
            t->caveats[i] = (tz_raw_caveat){p, v->caveats[i].len};
        }
        t->n_caveats = t->n_borrowed = v->n_caveats;
    }
    t->wire_identifier = idp;
    t->wire_identifier_len = v->identifier.len;
    t->has_third_party_caveat = v->has_third_party;
    t->third_party_at = v->third_party_at;
    if (v->has_signature && v->signature.len == TZ_SIGNATURE_LEN) {
        memcpy(t->signature, v->signature.ptr, TZ_SIGNATURE_LEN);
        t->signature_valid_len = true;
    }
    /* Keep the identifier verbatim only when rebuilding it from the fields would change it. */
    size_t canon_len;
    char *canon = tz_identifier_build(t, &canon_len);
    if (!canon) return tz_err_new(TZE_INTERNAL);
    bool canonical = canon_len == v->identifier.len && memcmp(canon, idp, canon_len) == 0;
    free(canon);
    if (!canonical) {
        if (!(t->raw_identifier = malloc(v->identifier.len + 1))) return tz_err_new(TZE_INTERNAL);
        memcpy(t->raw_identifier, idp, v->identifier.len);
        t->raw_identifier[v->identifier.len] = 0;
        t->raw_identifier_len = v->identifier.len;
    }
    return NULL;
}

tz_error *tz_token_deserialize(const char *in, size_t len, size_t max_size, tz_token **out) {
    *out = NULL;
    size_t limit = max_size ? max_size : TZ_DEFAULT_MAX_TOKEN_SIZE;
    if (len > limit) return tz_err_limit(TZE_TOKEN_TOO_LARGE, NULL, (json_int_t)limit);
    if (len == 0) return tz_err_new(TZE_BAD_TOKEN);
    tz_provider_subtype subtype = TZ_PSUB_NONE;
    /* service indication prefix: a '-' at index 3 (base62 output never contains '-') */
    if (len >= 4 && in[3] == '-') {
        if (memcmp(in, "opw", 3) == 0) subtype = TZ_PSUB_OP_WORKER;
        else if (memcmp(in, "opp", 3) == 0) subtype = TZ_PSUB_OP_PANEL;
        else return tz_err_new(TZE_BAD_TOKEN);
        in += 4;
        len -= 4;
    }
    char *b64 = malloc(len ? len : 1);
    uint8_t *raw = malloc(tz_b64url_decoded_cap(len));
    tz_token *t = calloc(1, sizeof *t);
    if (!b64 || !raw || !t) {
        free(b64);
        free(raw);
        free(t);
        return tz_err_new(TZE_INTERNAL);
    }
    size_t b64_len, raw_len;
    tz_macaroon_view view = {0};
    tz_error *e = tz_base62_unescape(in, len, b64, &b64_len);
    if (!e) e = tz_b64url_decode(b64, b64_len, raw, &raw_len);
    free(b64);
    if (!e) e = tz_macaroon_parse(raw, raw_len, &view);
    if (!e) {
        t->backing = raw; /* the caveats and the identifier are read in place */
        e = from_view(&view, t);
    } else {
        free(raw);
    }
    tz_macaroon_view_clear(&view);
    if (e) {
        tz_token_free(t);
        return e;
    }
    if (t->subject.kind == TZ_SUBJ_PROVIDER) t->subject.subtype = subtype;
    *out = t;
    return NULL;
}
