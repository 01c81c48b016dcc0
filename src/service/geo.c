/* GeoIP lookups with libmaxminddb. The databases are memory-mapped read-only, so lookups from
 * several threads need no locking. */
#include "service/geo.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

struct tz_geo {
    MMDB_s asn, country;
    bool has_asn, has_country;
};

tz_error *tz_geo_open(const char *asn_path, const char *country_path, const char *city_path, tz_geo **out) {
    *out = NULL;
    tz_geo *g = calloc(1, sizeof *g);
    if (!g) return tz_err_new(TZE_INTERNAL);
    if (asn_path) {
        if (MMDB_open(asn_path, MMDB_MODE_MMAP, &g->asn) != MMDB_SUCCESS) goto fail;
        g->has_asn = true;
    }
    const char *cpath = country_path ? country_path : city_path;
    if (cpath) {
        if (MMDB_open(cpath, MMDB_MODE_MMAP, &g->country) != MMDB_SUCCESS) goto fail;
        g->has_country = true;
    }
    *out = g;
    return NULL;
fail:
    tz_geo_close(g);
    return tz_err_new(TZE_INTERNAL);
}

void tz_geo_close(tz_geo *g) {
    if (!g) return;
    if (g->has_asn) MMDB_close(&g->asn);
    if (g->has_country) MMDB_close(&g->country);
    free(g);
}

static bool lookup(MMDB_s *db, uint32_t ipv4, MMDB_lookup_result_s *res) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(ipv4);
    int mmdb_error = 0;
    *res = MMDB_lookup_sockaddr(db, (const struct sockaddr *)&sa, &mmdb_error);
    return mmdb_error == MMDB_SUCCESS && res->found_entry;
}

static bool asn_cb(void *ud, uint32_t ipv4, int64_t *asn_out) {
    tz_geo *g = ud;
    MMDB_lookup_result_s res;
    if (!g || !g->has_asn || !lookup(&g->asn, ipv4, &res)) return false;
    MMDB_entry_data_s d;
    if (MMDB_get_value(&res.entry, &d, "autonomous_system_number", NULL) != MMDB_SUCCESS || !d.has_data)
        return false;
    if (d.type == MMDB_DATA_TYPE_UINT32) *asn_out = d.uint32;
    else if (d.type == MMDB_DATA_TYPE_UINT16) *asn_out = d.uint16;
    else if (d.type == MMDB_DATA_TYPE_UINT64) *asn_out = (int64_t)d.uint64;
    else return false;
    return true;
}

/* Copies a 2-letter string value at `path` into out[3]. */
static bool get_code(MMDB_entry_s *entry, char out[3], const char *a, const char *b) {
    MMDB_entry_data_s d;
    if (MMDB_get_value(entry, &d, a, b, NULL) != MMDB_SUCCESS || !d.has_data ||
        d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size != 2)
        return false;
    memcpy(out, d.utf8_string, 2);
    out[2] = '\0';
    return true;
}

static bool country_cb(void *ud, uint32_t ipv4, char code_out[3]) {
    tz_geo *g = ud;
    MMDB_lookup_result_s res;
    if (!g || !g->has_country || !lookup(&g->country, ipv4, &res)) return false;
    return get_code(&res.entry, code_out, "country", "iso_code");
}

/* EU member states (ISO 3166-1 alpha-2), for the "EU" region. */
static bool is_eu_member(const char *cc) {
    static const char *const eu[] = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
                                     "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"};
    for (size_t i = 0; i < sizeof eu / sizeof eu[0]; i++)
        if (!strcmp(eu[i], cc)) return true;
    return false;
}

static bool regions_cb(void *ud, uint32_t ipv4, const char *regions_out[2], size_t *n_out) {
    static const struct { const char *code, *name; } continents[] = {
        {"AF", "Africa"}, {"AN", "Antarctica"}, {"AS", "Asia"}, {"EU", "Europe"},
        {"NA", "NorthAmerica"}, {"OC", "Oceania"}, {"SA", "SouthAmerica"},
    };
    tz_geo *g = ud;
    MMDB_lookup_result_s res;
    *n_out = 0;
    if (!g || !g->has_country || !lookup(&g->country, ipv4, &res)) return false;
    char cont[3], cc[3];
    if (!get_code(&res.entry, cont, "continent", "code")) return false;
    for (size_t i = 0; i < sizeof continents / sizeof continents[0]; i++)
        if (!strcmp(continents[i].code, cont)) regions_out[(*n_out)++] = continents[i].name;
    if (*n_out == 0) return false;
    MMDB_entry_data_s d;
    bool eu = MMDB_get_value(&res.entry, &d, "country", "is_in_european_union", NULL) == MMDB_SUCCESS &&
              d.has_data && d.type == MMDB_DATA_TYPE_BOOLEAN && d.boolean;
    if (!eu && get_code(&res.entry, cc, "country", "iso_code")) eu = is_eu_member(cc);
    if (eu) regions_out[(*n_out)++] = "EU";
    return true;
}

void tz_geo_callbacks(tz_geo *g, tz_geo_lookup *out) {
    out->ud = g;
    out->asn = asn_cb;
    out->country = country_cb;
    out->regions = regions_cb;
}
