/* GeoIP lookups over MaxMind databases (libmaxminddb), for asn / geo.country / geo.region caveats. */
#ifndef TZ_SERVICE_GEO_H
#define TZ_SERVICE_GEO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/caveat.h"
#include "core/err.h"

typedef struct tz_geo tz_geo;

/* Opens the given databases (any may be NULL). Country and region lookups use the country
 * database, else the city database. *out is owned by the caller (tz_geo_close). Error: a database
 * that cannot be opened -> TZE_INTERNAL (the path is reported on stderr by the caller). */
tz_error *tz_geo_open(const char *asn_path, const char *country_path, const char *city_path, tz_geo **out);
void tz_geo_close(tz_geo *g);
/* Fills callbacks for tz_caveat_ctx.geo over g (g may be NULL: every lookup fails). */
void tz_geo_callbacks(tz_geo *g, tz_geo_lookup *out);

#endif
