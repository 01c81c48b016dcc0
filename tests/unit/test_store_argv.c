/* cli_store_hide_password: the password characters of a store URI on the command line are
 * starred in place, nothing else changes. */
#include <string.h>
#include "harness.h"
#include "cli/store_opts.h"

static void check_hidden(const char *in, const char *want) {
    char buf[256];
    strcpy(buf, in);
    cli_store_hide_password(buf);
    CHECK_STR(buf, want);
}

static void test_user_info(void) {
    check_hidden("postgresql://tz:s3cret@db:5432/tz", "postgresql://tz:******@db:5432/tz");
    check_hidden("postgres://tz:p@ss@word@db/tz", "postgres://tz:*********@db/tz");
    check_hidden("postgresql://tz@db/tz", "postgresql://tz@db/tz");
    check_hidden("postgresql://db/tz", "postgresql://db/tz");
}

static void test_query_parameters(void) {
    check_hidden("postgres://db/tz?user=a&password=s3cret&sslmode=disable",
                 "postgres://db/tz?user=a&password=******&sslmode=disable");
    check_hidden("postgres://db/tz?password=x", "postgres://db/tz?password=*");
    check_hidden("postgres://u:pw@db/tz?password=x#f", "postgres://u:**@db/tz?password=*#f");
}

static void test_other_locations(void) {
    check_hidden("sqlite:/var/lib/tokenzone", "sqlite:/var/lib/tokenzone");
    check_hidden("/plain/dir", "/plain/dir");
    cli_store_hide_password(NULL);
}

int main(void) {
    RUN(test_user_info);
    RUN(test_query_parameters);
    RUN(test_other_locations);
    return TEST_REPORT();
}
