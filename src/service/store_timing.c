/* Labels of the timed store calls (store_timing.h). */
#include "service/store_timing.h"

const char *tz_store_op_name(unsigned op) {
#define TZ_STORE_OP_NAME(E, n) #n,
    static const char *const names[] = {TZ_STORE_TIMED_CALLS(TZ_STORE_OP_NAME)};
#undef TZ_STORE_OP_NAME
    return op < sizeof names / sizeof names[0] ? names[op] : 0;
}
