/* The version string: from `git describe` (or the VERSION file of a release tarball) through the
 * build's -DTZ_VERSION; see the Makefile. */
#include "cli/commands.h"

#ifndef TZ_VERSION
#define TZ_VERSION "0.1.0"
#endif

const char *tz_version(void) { return TZ_VERSION; }
