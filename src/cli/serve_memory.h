/* Memory settings of the long-running server process (serve_memory.c). */
#ifndef TZ_CLI_SERVE_MEMORY_H
#define TZ_CLI_SERVE_MEMORY_H

/* Call once at start-up, before any thread is created. */
void tz_serve_tune_malloc(void);

#endif
