/* The route table of rest-api §0 and §9, and the path matcher in front of it.
 *
 * Path handling follows cowboy's router, which Onezone uses: the path is split on '/', every
 * segment is percent-decoded, "." and ".." segments are removed, and a trailing slash only drops
 * the final empty segment. Literal segments are compared after decoding, so "%6Eamed" matches
 * "named". */
#include "http/routes.h"
#include <stdbool.h>
#include <string.h>

/* Parameter markers inside patterns. Ids (subjects, tokens) may not contain a decoded '/' or NUL:
 * no stored id can, and passing them on would only hide a client bug behind a 404. A name may
 * contain '/', which the service then reports as not found after authorization, as Onezone does;
 * only NUL is refused there because parameters travel as C strings. */
#define P_SUBJECT ":subject"
#define P_TOKEN ":id"
#define P_NAME ":name"

typedef struct route_method {
    const char *method;
    tz_op op;
} route_method;

typedef struct route_path {
    bool under_prefix;      /* false only for the root /configuration page */
    const char *pattern;    /* segments after the prefix, separated by '/' */
    tz_target target;
    const char *allow;      /* Allow header for 405 */
    route_method methods[3];
} route_path;

#define SUBJECT_ROUTES(base, tgt)                                                            \
    {true, base "/tokens/temporary", tgt, "POST, GET, DELETE",                               \
     {{"POST", TZ_OP_CREATE_TEMPORARY}, {"GET", TZ_OP_GET_GENERATION},                       \
      {"DELETE", TZ_OP_REVOKE_ALL_TEMPORARY}}},                                              \
    {true, base "/tokens/named", tgt, "POST, GET, DELETE",                                   \
     {{"POST", TZ_OP_CREATE_NAMED}, {"GET", TZ_OP_LIST_NAMED},                               \
      {"DELETE", TZ_OP_DELETE_ALL_NAMED}}},                                                  \
    {true, base "/tokens/named/name/" P_NAME, tgt, "GET", {{"GET", TZ_OP_GET_NAMED_BY_NAME}}}

static const route_path ROUTES[] = {
    {true, "tokens/examine", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_EXAMINE}}},
    {true, "tokens/confine", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_CONFINE}}},
    {true, "tokens/infer_access_token_scope", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_INFER_SCOPE}}},
    {true, "tokens/verify_access_token", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_VERIFY_ACCESS}}},
    {true, "tokens/verify_identity_token", TZ_TARGET_NONE, "POST",
     {{"POST", TZ_OP_VERIFY_IDENTITY}}},
    {true, "tokens/verify_invite_token", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_VERIFY_INVITE}}},
    {true, "tokens/named", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_LIST_ALL_NAMED}}},
    {true, "tokens/named/" P_TOKEN, TZ_TARGET_NONE, "GET, PATCH, DELETE",
     {{"GET", TZ_OP_GET_NAMED}, {"PATCH", TZ_OP_UPDATE_NAMED}, {"DELETE", TZ_OP_DELETE_NAMED}}},
    {true, "tokens/named/" P_TOKEN "/status", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_NAMED_STATUS}}},
    SUBJECT_ROUTES("users/" P_SUBJECT, TZ_TARGET_USER),
    SUBJECT_ROUTES("user", TZ_TARGET_SELF_USER),
    SUBJECT_ROUTES("providers/" P_SUBJECT, TZ_TARGET_PROVIDER),
    SUBJECT_ROUTES("provider", TZ_TARGET_SELF_PROVIDER),
    {true, "configuration", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_CONFIGURATION}}},
    {true, "provider/public/get_current_time", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_CURRENT_TIME}}},
    {true, "user", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_GET_USER}}},
    {false, "configuration", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_CONFIGURATION}}},
    /* invite consumption (invites.md §E.1, §E.2, §E.7) */
    {true, "user/groups/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_USER_GROUP}}},
    {true, "groups/" P_SUBJECT "/parents/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_GROUP_PARENT}}},
    {true, "user/spaces/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_USER_SPACE}}},
    {true, "groups/" P_SUBJECT "/spaces/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_GROUP_SPACE}}},
    {true, "harvesters/" P_SUBJECT "/spaces/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_HARVESTER_SPACE}}},
    {true, "user/clusters/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_USER_CLUSTER}}},
    {true, "groups/" P_SUBJECT "/clusters/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_GROUP_CLUSTER}}},
    {true, "user/harvesters/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_USER_HARVESTER}}},
    {true, "groups/" P_SUBJECT "/harvesters/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_GROUP_HARVESTER}}},
    {true, "spaces/" P_SUBJECT "/harvesters/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_SPACE_HARVESTER}}},
    {true, "user/atm_inventories/join", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_JOIN_USER_ATM_INVENTORY}}},
    {true, "groups/" P_SUBJECT "/atm_inventories/join", TZ_TARGET_NONE, "POST",
     {{"POST", TZ_OP_JOIN_GROUP_ATM_INVENTORY}}},
    {true, "provider/spaces/support", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_SUPPORT_SPACE}}},
    {true, "providers", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_REGISTER_PROVIDER}}},
    /* directory reads */
    {true, "user/groups", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_USER_GROUPS}}},
    {true, "user/effective_groups", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_USER_EFF_GROUPS}}},
    {true, "user/spaces", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_USER_SPACES}}},
    {true, "user/effective_spaces", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_USER_EFF_SPACES}}},
    {true, "user/clusters", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_USER_CLUSTERS}}},
    {true, "user/effective_clusters", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_USER_EFF_CLUSTERS}}},
    {true, "user/harvesters", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_USER_HARVESTERS}}},
    {true, "user/effective_harvesters", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_USER_EFF_HARVESTERS}}},
    {true, "user/atm_inventories", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_USER_ATM_INVENTORIES}}},
    {true, "user/effective_atm_inventories", TZ_TARGET_NONE, "GET",
     {{"GET", TZ_OP_USER_EFF_ATM_INVENTORIES}}},
    {true, "groups/" P_SUBJECT, TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_GET_GROUP}}},
    {true, "spaces/" P_SUBJECT, TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_GET_SPACE}}},
    {true, "provider/spaces", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_PROVIDER_SPACES}}},
    {true, "spaces/" P_SUBJECT "/providers", TZ_TARGET_NONE, "GET", {{"GET", TZ_OP_SPACE_PROVIDERS}}},
    /* legacy invite-token shortcuts (§E.3) */
    {true, "groups/" P_SUBJECT "/users/token", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_LEGACY_GROUP_USER_TOKEN}}},
    {true, "groups/" P_SUBJECT "/children/token", TZ_TARGET_NONE, "POST",
     {{"POST", TZ_OP_LEGACY_GROUP_CHILD_TOKEN}}},
    {true, "spaces/" P_SUBJECT "/users/token", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_LEGACY_SPACE_USER_TOKEN}}},
    {true, "spaces/" P_SUBJECT "/groups/token", TZ_TARGET_NONE, "POST", {{"POST", TZ_OP_LEGACY_SPACE_GROUP_TOKEN}}},
    {true, "spaces/" P_SUBJECT "/providers/token", TZ_TARGET_NONE, "POST",
     {{"POST", TZ_OP_LEGACY_SPACE_PROVIDER_TOKEN}}},
    {true, "clusters/" P_SUBJECT "/users/token", TZ_TARGET_NONE, "POST",
     {{"POST", TZ_OP_LEGACY_CLUSTER_USER_TOKEN}}},
    {true, "clusters/" P_SUBJECT "/groups/token", TZ_TARGET_NONE, "POST",
     {{"POST", TZ_OP_LEGACY_CLUSTER_GROUP_TOKEN}}},
    {true, "harvesters/" P_SUBJECT "/users/token", TZ_TARGET_NONE, "POST",
     {{"POST", TZ_OP_LEGACY_HARVESTER_USER_TOKEN}}},
    {true, "harvesters/" P_SUBJECT "/groups/token", TZ_TARGET_NONE, "POST",
     {{"POST", TZ_OP_LEGACY_HARVESTER_GROUP_TOKEN}}},
    {true, "harvesters/" P_SUBJECT "/spaces/token", TZ_TARGET_NONE, "POST",
     {{"POST", TZ_OP_LEGACY_HARVESTER_SPACE_TOKEN}}},
    {true, "user/clusters/provider_registration_token", TZ_TARGET_SELF_USER, "POST",
     {{"POST", TZ_OP_LEGACY_PROVIDER_REGISTRATION_TOKEN}}},
    {true, "users/" P_SUBJECT "/clusters/provider_registration_token", TZ_TARGET_USER, "POST",
     {{"POST", TZ_OP_LEGACY_PROVIDER_REGISTRATION_TOKEN}}},
    /* legacy client tokens (rest-api §9) */
    {true, "user/client_tokens", TZ_TARGET_NONE, "POST, GET",
     {{"POST", TZ_OP_CLIENT_TOKEN_CREATE}, {"GET", TZ_OP_CLIENT_TOKEN_LIST}}},
    {true, "user/client_tokens/" P_TOKEN, TZ_TARGET_NONE, "DELETE", {{"DELETE", TZ_OP_CLIENT_TOKEN_DELETE}}},
};

static const char *const PREFIX_SEGMENTS[] = {"api", "v3", "onezone"};
#define N_PREFIX (sizeof PREFIX_SEGMENTS / sizeof PREFIX_SEGMENTS[0])

typedef struct segment {
    const char *s;    /* decoded, NUL-terminated in scratch */
    size_t len;       /* decoded length (may include NUL bytes) */
    bool has_slash;   /* a decoded '/' */
    bool has_nul;     /* a decoded NUL */
} segment;

static int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes raw[0..len) into dst (room for len + 1 bytes). Returns false on bad percent-encoding. */
static bool decode_segment(const char *raw, size_t len, char *dst, segment *seg) {
    size_t o = 0;
    seg->has_slash = seg->has_nul = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '%') {
            if (len - i < 3) return false;
            int hi = hex_value((unsigned char)raw[i + 1]);
            int lo = hex_value((unsigned char)raw[i + 2]);
            if (hi < 0 || lo < 0) return false;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
            if (c == '/') seg->has_slash = true;
            if (c == 0) seg->has_nul = true;
        }
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    seg->s = dst;
    seg->len = o;
    return true;
}

static bool is_dot(const segment *s) { return s->len == 1 && s->s[0] == '.'; }
static bool is_dotdot(const segment *s) { return s->len == 2 && s->s[0] == '.' && s->s[1] == '.'; }

/* Splits, decodes and removes dot segments. *n may exceed TZ_ROUTE_MAX_SEGMENTS, in which case
 * only the first TZ_ROUTE_MAX_SEGMENTS entries are kept (the caller answers 404). Entries below
 * the cap are always intact, so a path that climbs back under it with ".." still routes. */
static bool split_path(const char *path, size_t path_len, char *scratch, segment *segs,
                       size_t *n) {
    if (path_len == 0 || path[0] != '/') return false;
    if (memchr(path, '\0', path_len)) return false;
    size_t depth = 0, used = 0, pos = 1;
    while (pos <= path_len) {
        const char *slash = memchr(path + pos, '/', path_len - pos);
        size_t end = slash ? (size_t)(slash - path) : path_len;
        /* The final empty segment (path ending in '/', or the bare "/") is dropped. */
        if (!slash && end == pos) break;
        segment seg;
        if (!decode_segment(path + pos, end - pos, scratch + used, &seg)) return false;
        used += seg.len + 1;
        if (is_dot(&seg)) {
            /* removed */
        } else if (is_dotdot(&seg)) {
            if (depth > 0) depth--;
        } else {
            if (depth < TZ_ROUTE_MAX_SEGMENTS) segs[depth] = seg;
            depth++;
        }
        pos = end + 1;
    }
    *n = depth;
    return true;
}

static bool segment_is(const segment *s, const char *lit, size_t lit_len) {
    return s->len == lit_len && memcmp(s->s, lit, lit_len) == 0;
}

/* Matches the pattern against segs; binds parameters into out. */
static bool match_pattern(const char *pattern, const segment *segs, size_t n, tz_route *out,
                          const segment **bad) {
    size_t i = 0;
    const char *p = pattern;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t plen = slash ? (size_t)(slash - p) : strlen(p);
        if (i >= n) return false;
        const segment *s = &segs[i];
        if (p[0] == ':') {
            if (plen == strlen(P_NAME) && !memcmp(p, P_NAME, plen)) {
                out->name = s->s;
                if (s->has_nul) *bad = s;
            } else {
                if (plen == strlen(P_TOKEN) && !memcmp(p, P_TOKEN, plen)) out->token_id = s->s;
                else out->subject_id = s->s;
                if (s->has_nul || s->has_slash) *bad = s;
            }
        } else if (!segment_is(s, p, plen)) {
            return false;
        }
        i++;
        p += plen;
        if (*p == '/') p++;
    }
    return i == n;
}

tz_route_status tz_route_match(const char *method, const char *path, size_t path_len,
                               char *scratch, size_t scratch_len, tz_route *out) {
    memset(out, 0, sizeof *out);
    if (!method || !path || !scratch || scratch_len < path_len + 1) return TZ_ROUTE_BAD_PATH;
    segment segs[TZ_ROUTE_MAX_SEGMENTS];
    size_t n = 0;
    if (!split_path(path, path_len, scratch, segs, &n)) return TZ_ROUTE_BAD_PATH;
    if (n > TZ_ROUTE_MAX_SEGMENTS) return TZ_ROUTE_NOT_FOUND;

    bool prefixed = n >= N_PREFIX;
    for (size_t i = 0; prefixed && i < N_PREFIX; i++)
        prefixed = segment_is(&segs[i], PREFIX_SEGMENTS[i], strlen(PREFIX_SEGMENTS[i]));

    for (size_t r = 0; r < sizeof ROUTES / sizeof ROUTES[0]; r++) {
        const route_path *rp = &ROUTES[r];
        if (rp->under_prefix && !prefixed) continue;
        size_t skip = rp->under_prefix ? N_PREFIX : 0;
        tz_route cand;
        memset(&cand, 0, sizeof cand);
        const segment *bad = NULL;
        if (!match_pattern(rp->pattern, segs + skip, n - skip, &cand, &bad)) continue;
        for (size_t m = 0; m < 3 && rp->methods[m].method; m++) {
            if (strcmp(method, rp->methods[m].method) != 0) continue;
            if (bad) return TZ_ROUTE_BAD_PATH;
            cand.op = rp->methods[m].op;
            cand.target = rp->target;
            cand.pattern = (unsigned)r;
            *out = cand;
            return TZ_ROUTE_OK;
        }
        out->allow = rp->allow;
        out->pattern = (unsigned)r;
        return TZ_ROUTE_METHOD_NOT_ALLOWED;
    }
    return TZ_ROUTE_NOT_FOUND;
}

size_t tz_route_pattern_count(void) { return sizeof ROUTES / sizeof ROUTES[0]; }

const char *tz_route_pattern(size_t idx, char *buf, size_t n) {
    if (idx >= tz_route_pattern_count() || n < 2) return NULL;
    const route_path *rp = &ROUTES[idx];
    size_t len = 0;
    const char *base = rp->under_prefix ? TZ_REST_PREFIX "/" : "/";
    for (const char *p = base; *p && len + 1 < n; p++) buf[len++] = *p;
    for (const char *p = rp->pattern; *p && len + 1 < n;) {
        const char *word = NULL;
        size_t skip = 0;
        if (!strncmp(p, P_SUBJECT, strlen(P_SUBJECT))) {
            word = rp->target == TZ_TARGET_PROVIDER ? "{pid}" : "{uid}";
            skip = strlen(P_SUBJECT);
        } else if (!strncmp(p, P_TOKEN, strlen(P_TOKEN))) {
            word = "{id}";
            skip = strlen(P_TOKEN);
        } else if (!strncmp(p, P_NAME, strlen(P_NAME))) {
            word = "{name}";
            skip = strlen(P_NAME);
        }
        if (word) {
            for (const char *w = word; *w && len + 1 < n; w++) buf[len++] = *w;
            p += skip;
        } else {
            buf[len++] = *p++;
        }
    }
    buf[len] = '\0';
    return buf;
}
