/* Memory settings of the long-running server process. */
#include "cli/serve_memory.h"

#include <malloc.h>

void tz_serve_tune_malloc(void) {
    /* glibc raises its mmap threshold to the size of every large block freed (up to 32 MiB), so
     * after the first Argon2id check (19 MiB of work memory) each later one came from the heap and
     * stayed resident: an idle server kept ~20 MiB it no longer used. A fixed threshold keeps
     * large, short-lived blocks in mmap, returned to the system when freed. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}
