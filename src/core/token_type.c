/* Token types: the TYPE field of the identifier and the REST JSON form (token-format §8,
 * rest-api §4.5), plus the printable names used in error descriptions (errors.md §6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/token.h"
#include "core/token_internal.h"

static const struct invite_info {
    const char *name, *snake, *code, *target_key;
    const char *printable; /* errors.md §6, followed by the quoted target id */
} invites[TZ_INV__COUNT] = {
    [TZ_INV_USER_JOIN_GROUP] = {"userJoinGroup", "user_join_group", "ujg", "groupId",
        "invite token for a user to join group"},
    [TZ_INV_GROUP_JOIN_GROUP] = {"groupJoinGroup", "group_join_group", "gjg", "groupId",
        "invite token for a group to join group"},
    [TZ_INV_USER_JOIN_SPACE] = {"userJoinSpace", "user_join_space", "ujs", "spaceId",
        "invite token for a user to join space"},
    [TZ_INV_GROUP_JOIN_SPACE] = {"groupJoinSpace", "group_join_space", "gjs", "spaceId",
        "invite token for a group to join space"},
    [TZ_INV_SUPPORT_SPACE] = {"supportSpace", "support_space", "ssp", "spaceId",
        "invite token to grant support for space"},
    [TZ_INV_HARVESTER_JOIN_SPACE] = {"harvesterJoinSpace", "harvester_join_space", "hjs", "spaceId",
        "invite token for a harvester to become a metadata sink for space"},
    [TZ_INV_REGISTER_ONEPROVIDER] = {"registerOneprovider", "register_oneprovider", "rop", "adminUserId",
        "invite token to register a Oneprovider for admin user"},
    [TZ_INV_USER_JOIN_CLUSTER] = {"userJoinCluster", "user_join_cluster", "ujc", "clusterId",
        "invite token for a user to join cluster"},
    [TZ_INV_GROUP_JOIN_CLUSTER] = {"groupJoinCluster", "group_join_cluster", "gjc", "clusterId",
        "invite token for a group to join cluster"},
    [TZ_INV_USER_JOIN_HARVESTER] = {"userJoinHarvester", "user_join_harvester", "ujh", "harvesterId",
        "invite token for a user to join harvester"},
    [TZ_INV_GROUP_JOIN_HARVESTER] = {"groupJoinHarvester", "group_join_harvester", "gjh", "harvesterId",
        "invite token for a group to join harvester"},
    [TZ_INV_SPACE_JOIN_HARVESTER] = {"spaceJoinHarvester", "space_join_harvester", "sjh", "harvesterId",
        "invite token for a space to become a metadata source for harvester"},
    [TZ_INV_USER_JOIN_ATM_INVENTORY] = {"userJoinAtmInventory", "user_join_atm_inventory", "uji",
        "atmInventoryId", "invite token for a user to join automation inventory"},
    [TZ_INV_GROUP_JOIN_ATM_INVENTORY] = {"groupJoinAtmInventory", "group_join_atm_inventory", "gji",
        "atmInventoryId", "invite token for a group to join automation inventory"},
};

static const struct invite_info *invite(tz_invite_type t) {
    return (unsigned)t < TZ_INV__COUNT ? &invites[t] : NULL;
}

const char *tz_invite_type_name(tz_invite_type t) { return invite(t) ? invite(t)->name : NULL; }
const char *tz_invite_type_snake(tz_invite_type t) { return invite(t) ? invite(t)->snake : NULL; }
const char *tz_invite_type_code(tz_invite_type t) { return invite(t) ? invite(t)->code : NULL; }
const char *tz_invite_type_target_key(tz_invite_type t) { return invite(t) ? invite(t)->target_key : NULL; }

int tz_invite_type_from_name(const char *s, tz_invite_type *out) {
    for (int i = 0; i < TZ_INV__COUNT; i++) {
        if (strcmp(s, invites[i].name) == 0) {
            *out = (tz_invite_type)i;
            return 0;
        }
    }
    return -1;
}

/* "ge" for supportSpace: legacy support parameters that 20.02 decoders expect (§8.1). */
static const char *invite_params(tz_invite_type t) {
    return t == TZ_INV_SUPPORT_SPACE ? "ge" : "";
}

/* ---- wire form ---- */

tz_error *tz_token_type_parse_wire(const char *s, size_t len, tz_token_type *out) {
    memset(out, 0, sizeof *out);
    if (memchr(s, 0, len)) return tz_err_new(TZE_BAD_TOKEN);
    if (len == 3 && memcmp(s, "act", 3) == 0) {
        out->kind = TZ_TT_ACCESS;
        return NULL;
    }
    if (len > 4 && memcmp(s, "act:", 4) == 0) {
        out->kind = TZ_TT_ACCESS;
        out->session_id = strndup(s + 4, len - 4);
        return out->session_id ? NULL : tz_err_new(TZE_INTERNAL);
    }
    if (len == 3 && memcmp(s, "idn", 3) == 0) {
        out->kind = TZ_TT_IDENTITY;
        return NULL;
    }
    /* invite: exactly CODE:TARGET:PARAMS (split on every ':'); PARAMS are ignored */
    const char *c1 = memchr(s, ':', len);
    if (!c1) return tz_err_new(TZE_BAD_TOKEN);
    const char *rest = c1 + 1, *end = s + len;
    const char *c2 = memchr(rest, ':', (size_t)(end - rest));
    if (!c2 || memchr(c2 + 1, ':', (size_t)(end - c2 - 1))) return tz_err_new(TZE_BAD_TOKEN);
    size_t code_len = (size_t)(c1 - s), target_len = (size_t)(c2 - rest);
    if (target_len == 0) return tz_err_new(TZE_BAD_TOKEN);
    for (int i = 0; i < TZ_INV__COUNT; i++) {
        if (code_len == 3 && memcmp(s, invites[i].code, 3) == 0) {
            out->kind = TZ_TT_INVITE;
            out->invite = (tz_invite_type)i;
            out->target_id = strndup(rest, target_len);
            return out->target_id ? NULL : tz_err_new(TZE_INTERNAL);
        }
    }
    return tz_err_new(TZE_BAD_TOKEN);
}

char *tz_token_type_wire(const tz_token_type *t) {
    char *out = NULL;
    int n = -1;
    switch (t->kind) {
    case TZ_TT_ACCESS:
        n = t->session_id ? asprintf(&out, "act:%s", t->session_id) : asprintf(&out, "act");
        break;
    case TZ_TT_IDENTITY:
        n = asprintf(&out, "idn");
        break;
    case TZ_TT_INVITE:
        if (!invite(t->invite)) return NULL;
        n = asprintf(&out, "%s:%s:%s", invite(t->invite)->code, t->target_id ? t->target_id : "",
                     invite_params(t->invite));
        break;
    }
    return n < 0 ? NULL : out;
}

/* ---- JSON form ---- */

/* A JSON string usable as a C string (no embedded NUL), or NULL. */
static const char *plain_string(const json_t *j) {
    if (!json_is_string(j)) return NULL;
    const char *s = json_string_value(j);
    return strlen(s) == json_string_length(j) ? s : NULL;
}

/* Mirrors the reference from_json + sanitize: the clauses are tried in order (accessToken with a
 * string sessionId, accessToken {}, identityToken, inviteToken with an inviteType), so a key whose
 * value does not fit falls through to the next recognised key. */
tz_error *tz_token_type_from_json(const json_t *j, tz_token_type *out) {
    memset(out, 0, sizeof *out);
    if (!json_is_object(j)) goto bad;
    const json_t *acc = json_object_get(j, "accessToken");
    if (json_is_object(acc)) {
        const json_t *sid = json_object_get(acc, "sessionId");
        if (json_is_string(sid)) {
            const char *s = plain_string(sid);
            if (!s || !*s) goto bad; /* sanitize: non-empty */
            out->kind = TZ_TT_ACCESS;
            if (!(out->session_id = strdup(s))) return tz_err_new(TZE_INTERNAL);
            return NULL;
        }
        if (json_object_size(acc) == 0) {
            out->kind = TZ_TT_ACCESS;
            return NULL;
        }
    }
    if (json_object_get(j, "identityToken")) {
        out->kind = TZ_TT_IDENTITY;
        return NULL;
    }
    const json_t *inv = json_object_get(j, "inviteToken");
    if (json_is_object(inv) && json_object_get(inv, "inviteType")) {
        const char *name = plain_string(json_object_get(inv, "inviteType"));
        tz_invite_type it;
        if (!name || tz_invite_type_from_name(name, &it) != 0) goto bad;
        /* sanitize re-parses the wire form: the target must be non-empty and free of ':' */
        const char *target = plain_string(json_object_get(inv, invites[it].target_key));
        if (!target || !*target || strchr(target, ':')) goto bad;
        out->kind = TZ_TT_INVITE;
        out->invite = it;
        if (!(out->target_id = strdup(target))) return tz_err_new(TZE_INTERNAL);
        return NULL;
    }
bad:
    return tz_err_key(TZE_BAD_VALUE_TOKEN_TYPE, "type");
}

/* {key: inner} or NULL (inner is released on failure). */
static json_t *wrap(const char *key, json_t *inner) {
    json_t *o = json_object();
    if (!o || !inner || json_object_set_new(o, key, inner)) {
        if (!o) json_decref(inner);
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *tz_token_type_to_json(const tz_token_type *t) {
    json_t *inner = json_object();
    if (!inner) return NULL;
    switch (t->kind) {
    case TZ_TT_ACCESS:
        if (t->session_id &&
            json_object_set_new(inner, "sessionId", tz_json_text(t->session_id, strlen(t->session_id))))
            break;
        return wrap("accessToken", inner);
    case TZ_TT_IDENTITY:
        return wrap("identityToken", inner);
    case TZ_TT_INVITE: {
        const struct invite_info *inf = invite(t->invite);
        const char *target = t->target_id ? t->target_id : "";
        if (!inf || json_object_set_new(inner, "inviteType", json_string(inf->name)) ||
            json_object_set_new(inner, inf->target_key, tz_json_text(target, strlen(target))) ||
            json_object_set_new(inner, "parameters", json_object()))
            break;
        return wrap("inviteToken", inner);
    }
    }
    json_decref(inner);
    return NULL;
}

char *tz_token_type_printable_json(const json_t *type_json) {
    tz_token_type t;
    tz_error *e = tz_token_type_from_json(type_json, &t);
    if (e) {
        tz_err_free(e);
        return NULL;
    }
    char *out = NULL;
    int n = -1;
    switch (t.kind) {
    case TZ_TT_ACCESS:
        n = t.session_id ? asprintf(&out, "access token for session \"%s\"", t.session_id)
                         : asprintf(&out, "access token");
        break;
    case TZ_TT_IDENTITY:
        n = asprintf(&out, "identity token");
        break;
    case TZ_TT_INVITE:
        n = asprintf(&out, "%s \"%s\"", invites[t.invite].printable, t.target_id);
        break;
    }
    tz_token_type_clear(&t);
    return n < 0 ? NULL : out;
}

int tz_token_type_copy(tz_token_type *dst, const tz_token_type *src) {
    *dst = *src;
    dst->session_id = dst->target_id = NULL;
    if ((src->session_id && !(dst->session_id = strdup(src->session_id))) ||
        (src->target_id && !(dst->target_id = strdup(src->target_id)))) {
        tz_token_type_clear(dst);
        return -1;
    }
    return 0;
}

void tz_token_type_clear(tz_token_type *t) {
    free(t->session_id);
    free(t->target_id);
    memset(t, 0, sizeof *t);
}
