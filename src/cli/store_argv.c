/* Hiding a password given on the command line: after the store location has been copied, the
 * password characters of the argv string itself are overwritten with '*', so that `ps` and
 * /proc/PID/cmdline no longer show them while the server runs (the length stays visible). */
#include <string.h>
#include "cli/store_opts.h"

static void star(char *from, char *to) {
    for (char *p = from; p < to; p++) *p = '*';
}

void cli_store_hide_password(char *arg) {
    if (!arg) return;
    char *scheme_end = strstr(arg, "://");
    char *rest = arg;
    if (scheme_end) {
        char *auth = scheme_end + 3;
        size_t auth_len = strcspn(auth, "/?#");
        char *at = NULL;
        for (size_t i = 0; i < auth_len; i++)
            if (auth[i] == '@') at = auth + i;  /* the last '@' ends the user-info */
        if (at) {
            char *colon = memchr(auth, ':', (size_t)(at - auth));
            if (colon) star(colon + 1, at);
        }
        rest = auth + auth_len;
    }
    char *q = strchr(rest, '?');
    while (q) {
        char *name = q + 1;
        char *end = name + strcspn(name, "&#");
        if (!strncmp(name, "password=", 9)) star(name + 9, end);
        q = *end == '&' ? end : NULL;
    }
}
