/* Token creation: body validation in Onezone's key order, issuing checks, minting, storing. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/invite_rules.h"
#include "service/privileges.h"
#include "service/secrets.h"
#include "service/token_create.h"

tz_error *mint_token(tz_service_ctx *svc, const tz_subject *subject, bool named, int64_t generation,
                     const tz_token_type *type, const char *id, const char *secret, tz_caveat *const *cs, size_t n,
                     char **out) {
    return mint_token_template(svc, subject, named, generation, type, id, secret, cs, n, out, NULL);
}

tz_error *mint_token_template(tz_service_ctx *svc, const tz_subject *subject, bool named, int64_t generation,
                              const tz_token_type *type, const char *id, const char *secret, tz_caveat *const *cs,
                              size_t n, char **out, char **template_out) {
    *out = NULL;
    if (template_out) *template_out = NULL;
    tz_token proto;
    memset(&proto, 0, sizeof proto);
    proto.domain = svc->domain;
    proto.version = 2;
    proto.named = named;
    proto.generation = generation;
    proto.subject = *subject;
    proto.subject.subtype = TZ_PSUB_NONE;
    proto.type = *type;
    proto.id = (char *)id;
    tz_raw_caveat *raw = n ? calloc(n, sizeof *raw) : NULL;
    tz_error *e = n && !raw ? tz_err_new(TZE_INTERNAL) : NULL;
    for (size_t i = 0; !e && i < n; i++)
        if (!(raw[i].ptr = tz_caveat_serialize(cs[i], &raw[i].len))) e = tz_err_new(TZE_INTERNAL);
    tz_token *t = NULL;
    if (!e) e = tz_token_create(&proto, (const uint8_t *)secret, strlen(secret), raw, n, &t);
    if (!e) e = tz_token_serialize(t, out, NULL);
    if (!e && template_out && !(*template_out = tz_token_template(t))) e = tz_err_new(TZE_INTERNAL);
    tz_token_free(t);
    for (size_t i = 0; raw && i < n; i++) free(raw[i].ptr);
    free(raw);
    return e;
}

/* Fields of a create request after validation. */
typedef struct create_req {
    const char *name;
    tz_caveat **caveats;
    size_t n_caveats;
    const json_t *custom;      /* borrowed */
    json_t *privileges;        /* owned: sorted, deduplicated; NULL = not given */
    bool revoked;
    tz_token_type type;
    bool type_parsed;
    json_t *usage_limit;       /* owned: integer or "infinity" */
} create_req;

static void create_req_clear(create_req *c) {
    tz_caveats_free(c->caveats, c->n_caveats);
    json_decref(c->privileges);
    json_decref(c->usage_limit);
    tz_token_type_clear(&c->type);
}

/* `type`: absent -> access token; an object is parsed up front by the caller. */
static tz_error *val_type(const json_t *body, create_req *c) {
    const json_t *v = json_object_get(body, "type");
    if (!v) {
        c->type.kind = TZ_TT_ACCESS;
        return NULL;
    }
    if (c->type_parsed) return NULL;
    tz_error *e = tz_token_type_from_json(v, &c->type);
    if (!e) c->type_parsed = true;
    return e;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The privilege set an invite type grants (empty for types that carry none). */
static tz_priv_list invite_privileges(const tz_token_type *t, bool defaults) {
    tz_priv_entity ent;
    if (t->kind != TZ_TT_INVITE || !tz_privileges_for_invite(t->invite, &ent)) return (tz_priv_list){NULL, 0};
    return defaults ? svc_invite_default_privileges(t->invite) : tz_privileges_all(ent);
}

/* Custom privileges: given and different from the type's default set (invites.md §E.4). */
static bool custom_privileges(const json_t *given, const tz_token_type *t) {
    if (!given) return false;
    tz_priv_list def = invite_privileges(t, true);
    if (json_array_size(given) != def.n) return true;
    for (size_t i = 0; i < def.n; i++)  /* both sorted and deduplicated */
        if (strcmp(json_string_value(json_array_get(given, i)), def.names[i]) != 0) return true;
    return false;
}

static tz_error *val_privileges(const json_t *v, const tz_token_type *t, json_t **out) {
    tz_priv_list allowed = invite_privileges(t, false);
    const char *const *all = allowed.names;
    size_t n_all = allowed.n;
    if (!json_is_array(v)) return tz_err_key(TZE_BAD_VALUE_LIST_OF_STRINGS, "privileges");
    size_t n = json_array_size(v);
    const char **items = calloc(n + 1, sizeof *items);
    if (!items) return tz_err_new(TZE_INTERNAL);
    tz_error *e = NULL;
    for (size_t i = 0; !e && i < n; i++) {
        items[i] = json_string_value(json_array_get(v, i));
        if (!items[i]) e = tz_err_key(TZE_BAD_VALUE_LIST_OF_STRINGS, "privileges");
    }
    for (size_t i = 0; !e && i < n; i++) {
        bool known = false;
        for (size_t k = 0; k < n_all && !known; k++) known = !strcmp(items[i], all[k]);
        if (!known) e = tz_err_allowed(TZE_BAD_VALUE_LIST_NOT_ALLOWED, "privileges", all, n_all);
    }
    if (!e) {
        qsort(items, n, sizeof *items, cmp_str);
        *out = json_array();
        for (size_t i = 0; i < n; i++)
            if (i == 0 || strcmp(items[i], items[i - 1]) != 0) json_array_append_new(*out, json_string(items[i]));
    }
    free(items);
    return e;
}

static tz_error *val_usage_limit(const json_t *v, json_t **out) {
    json_int_t limit;
    if (json_is_integer(v)) {
        limit = json_integer_value(v);
    } else if (json_is_string(v) && !strcmp(json_string_value(v), "infinity")) {
        *out = json_string("infinity");
        return NULL;
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        long long parsed = strtoll(s, &end, 10);
        if (!*s || *end) return tz_err_key(TZE_BAD_VALUE_INTEGER, "usageLimit");
        limit = parsed;
    } else {
        return tz_err_key(TZE_BAD_VALUE_INTEGER, "usageLimit");
    }
    if (limit < 1) return tz_err_limit(TZE_BAD_VALUE_TOO_LOW, "usageLimit", 1);
    *out = json_integer(limit);
    return NULL;
}

static bool carries_privileges(const tz_token_type *t) { return invite_privileges(t, false).n > 0; }

/* Named create: (a) a `type` object that does not parse; (b) name; (c) optional keys sorted. */
static tz_error *validate_named(tz_service_ctx *svc, const tz_subject *s, const json_t *body, create_req *c) {
    tz_error *e = val_body_object(body);
    if (e) return e;
    const json_t *type = json_object_get(body, "type");
    if (json_is_object(type)) {
        if ((e = tz_token_type_from_json(type, &c->type))) return e;
        c->type_parsed = true;
    }
    bool present, was_null;
    if (!json_object_get(body, "name")) return tz_err_key(TZE_MISSING_REQUIRED_VALUE, "name");
    if ((e = val_string(body, "name", &present, &was_null, &c->name))) return e;
    if (was_null || !val_name_ok(svc->utf8, c->name)) return tz_err_new(TZE_BAD_VALUE_NAME);
    const json_t *v;
    if ((v = json_object_get(body, "caveats")) && (e = tz_caveats_from_json(v, "caveats", &c->caveats, &c->n_caveats)))
        return e;
    if ((v = json_object_get(body, "customMetadata")) && !json_is_object(v))
        return tz_err_key(TZE_BAD_VALUE_JSON, "customMetadata");
    c->custom = v;
    bool invite = c->type_parsed && c->type.kind == TZ_TT_INVITE;
    if ((v = json_object_get(body, "privileges")) && invite && carries_privileges(&c->type) &&
        (e = val_privileges(v, &c->type, &c->privileges)))
        return e;
    if ((e = val_bool(body, "revoked", &present, &c->revoked))) return e;
    if ((e = val_type(body, c))) return e;
    if ((e = svc_check_invite_rights(svc, s, &c->type, custom_privileges(c->privileges, &c->type)))) return e;
    if ((v = json_object_get(body, "usageLimit")) && c->type.kind == TZ_TT_INVITE &&
        (e = val_usage_limit(v, &c->usage_limit)))
        return e;
    return NULL;
}

static json_t *named_metadata(tz_service_ctx *svc, const create_req *c) {
    json_t *m = json_object();
    if (!m) return NULL;
    json_object_set_new(m, "creationTime", json_integer(svc_now(svc)));
    json_object_set_new(m, "custom", c->custom ? json_deep_copy(c->custom) : json_object());
    if (c->type.kind != TZ_TT_INVITE) return m;
    json_object_set_new(m, "usageLimit", c->usage_limit ? json_incref(c->usage_limit) : json_string("infinity"));
    json_object_set_new(m, "usageCount", json_integer(0));
    tz_priv_list defaults = invite_privileges(&c->type, true);
    if (c->privileges) {
        json_object_set(m, "privileges", c->privileges);
    } else if (carries_privileges(&c->type)) {
        json_t *arr = json_array();
        for (size_t i = 0; i < defaults.n; i++) json_array_append_new(arr, json_string(defaults.names[i]));
        json_object_set_new(m, "privileges", arr);
    } else {
        json_object_set_new(m, "privileges", json_null());
    }
    return m;
}

void create_named_token(tz_service_ctx *svc, const tz_subject *s, const json_t *body, tz_response *resp) {
    create_req c;
    memset(&c, 0, sizeof c);
    char id[TZ_ID_HEX_LEN + 1], secret[TZ_SECRET_HEX_LEN + 1] = "";
    char *serialized = NULL, *metadata_text = NULL, *tmpl = NULL, *sealed = NULL;
    tz_error *e = validate_named(svc, s, body, &c);
    if (!e) e = svc_check_subject_and_services(svc, s, &c.type, c.caveats, c.n_caveats);
    if (!e) e = tz_store_random_id(id);
    if (!e) e = tz_store_random_secret(secret);
    if (!e) e = mint_token_template(svc, s, true, 0, &c.type, id, secret, c.caveats, c.n_caveats, &serialized, &tmpl);
    /* the store gets the secret sealed and the token as a template: never a usable value */
    if (!e) e = tz_secrets_seal_named(svc->keyring, id, secret, &sealed);
    if (!e) {
        json_t *m = named_metadata(svc, &c);
        metadata_text = m ? json_dumps(m, JSON_COMPACT) : NULL;
        json_decref(m);
        if (!metadata_text) e = tz_err_new(TZE_INTERNAL);
    }
    if (!e) {
        tz_named_token_rec rec = {
            .id = id, .name = (char *)c.name, .subject = *s, .token = tmpl, .secret = sealed,
            .metadata_json = metadata_text, .revoked = c.revoked,
        };
        e = tz_store_named_create(svc->store, &rec);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    if (!e) {
        resp_json(resp, 201, json_pack("{s:s,s:s}", "tokenId", id, "token", serialized));
        if (asprintf(&resp->location, "https://%s/api/v3/onezone/tokens/named/%s", svc->domain, id) < 0)
            resp->location = NULL;
    } else {
        tz_response_error(resp, e);
    }
    free(serialized);
    free(tmpl);
    free(sealed);
    free(metadata_text);
    create_req_clear(&c);
}

void create_temporary_token(tz_service_ctx *svc, const tz_subject *s, const json_t *body, tz_response *resp) {
    create_req c;
    memset(&c, 0, sizeof c);
    char id[TZ_ID_HEX_LEN + 1], secret[TZ_SECRET_HEX_LEN + 1] = "";
    int64_t generation = 0, until = 0;
    char *serialized = NULL;
    const json_t *v;
    tz_error *e = val_body_object(body);
    if (!e && (v = json_object_get(body, "caveats"))) e = tz_caveats_from_json(v, "caveats", &c.caveats, &c.n_caveats);
    if (!e) e = val_type(body, &c);
    if (!e) e = svc_check_invite_rights(svc, s, &c.type, false);
    if (!e) e = svc_check_subject_and_services(svc, s, &c.type, c.caveats, c.n_caveats);
    if (!e && (!tz_caveats_expiration(c.caveats, c.n_caveats, &until) ||
               until - svc_now(svc) > svc->max_temporary_token_ttl))
        e = tz_err_new_details(TZE_TOKEN_TIME_CAVEAT_REQUIRED,
                               json_pack("{s:I}", "maxTtl", (json_int_t)svc->max_temporary_token_ttl));
    if (!e) e = tz_store_random_id(id);
    if (!e) e = svc_temp_secret(svc, s, secret, &generation);
    if (!e) e = mint_token(svc, s, false, generation, &c.type, id, secret, c.caveats, c.n_caveats, &serialized);
    OPENSSL_cleanse(secret, sizeof secret);
    if (e) tz_response_error(resp, e);
    else resp_json(resp, 201, json_pack("{s:s}", "token", serialized));
    free(serialized);
    create_req_clear(&c);
}
