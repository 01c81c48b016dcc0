/* Unit tests of the privilege tables: sorted without duplicates, defaults within the full set,
 * lookups, and the invite-type mapping. */
#include <string.h>
#include "harness.h"
#include "service/privileges.h"

static void test_tables_sorted_and_consistent(void) {
    for (int e = 0; e < TZ_PRIV__COUNT; e++) {
        tz_priv_list all = tz_privileges_all((tz_priv_entity)e);
        tz_priv_list def = tz_privileges_default((tz_priv_entity)e);
        CHECK(all.n > 0);
        for (size_t i = 1; i < all.n; i++) {
            if (strcmp(all.names[i - 1], all.names[i]) >= 0) {
                fprintf(stderr, "%s: %s before %s\n", tz_priv_entity_name((tz_priv_entity)e),
                        all.names[i - 1], all.names[i]);
                CHECK(0);
            }
        }
        for (size_t i = 0; i < all.n; i++)
            CHECK(tz_privilege_valid((tz_priv_entity)e, all.names[i]));
        for (size_t i = 1; i < def.n; i++) CHECK(strcmp(def.names[i - 1], def.names[i]) < 0);
        for (size_t i = 0; i < def.n; i++)
            CHECK(tz_privilege_valid((tz_priv_entity)e, def.names[i]));
    }
    CHECK_INT(tz_privileges_default(TZ_PRIV_ONEZONE).n, 0);
}

static void test_known_values(void) {
    CHECK_INT(tz_privileges_all(TZ_PRIV_CLUSTER).n, 9);
    CHECK_INT(tz_privileges_all(TZ_PRIV_SPACE).n, 39);
    CHECK_INT(tz_privileges_all(TZ_PRIV_GROUP).n, 23);
    tz_priv_list d = tz_privileges_default(TZ_PRIV_SPACE);
    CHECK_INT(d.n, 4);
    if (d.n == 4) {
        CHECK_STR(d.names[0], "space_read_data");
        CHECK_STR(d.names[1], "space_view");
        CHECK_STR(d.names[2], "space_view_transfers");
        CHECK_STR(d.names[3], "space_write_data");
    }
    d = tz_privileges_default(TZ_PRIV_CLUSTER);
    CHECK(d.n == 1 && strcmp(d.names[0], "cluster_view") == 0);
    CHECK(tz_privilege_valid(TZ_PRIV_ONEZONE, "oz_tokens_manage"));
    CHECK(!tz_privilege_valid(TZ_PRIV_ONEZONE, "oz_tokens_view"));
    CHECK(!tz_privilege_valid(TZ_PRIV_SPACE, "cluster_view"));
    CHECK(!tz_privilege_valid(TZ_PRIV_SPACE, ""));
    CHECK(!tz_privilege_valid(TZ_PRIV_SPACE, NULL));
    CHECK(!tz_privilege_valid(TZ_PRIV__COUNT, "space_view"));
    CHECK_INT(tz_privileges_all(TZ_PRIV__COUNT).n, 0);
    CHECK_STR(tz_priv_entity_name(TZ_PRIV_ATM_INVENTORY), "atm_inventory");
}

static void test_invite_mapping(void) {
    tz_priv_entity e = TZ_PRIV_ONEZONE;
    CHECK(tz_privileges_for_invite(TZ_INV_USER_JOIN_GROUP, &e) && e == TZ_PRIV_GROUP);
    CHECK(tz_privileges_for_invite(TZ_INV_GROUP_JOIN_GROUP, &e) && e == TZ_PRIV_GROUP);
    CHECK(tz_privileges_for_invite(TZ_INV_USER_JOIN_SPACE, &e) && e == TZ_PRIV_SPACE);
    CHECK(tz_privileges_for_invite(TZ_INV_GROUP_JOIN_SPACE, &e) && e == TZ_PRIV_SPACE);
    CHECK(tz_privileges_for_invite(TZ_INV_USER_JOIN_CLUSTER, &e) && e == TZ_PRIV_CLUSTER);
    CHECK(tz_privileges_for_invite(TZ_INV_GROUP_JOIN_CLUSTER, &e) && e == TZ_PRIV_CLUSTER);
    CHECK(tz_privileges_for_invite(TZ_INV_USER_JOIN_HARVESTER, &e) && e == TZ_PRIV_HARVESTER);
    CHECK(tz_privileges_for_invite(TZ_INV_GROUP_JOIN_HARVESTER, &e) && e == TZ_PRIV_HARVESTER);
    CHECK(tz_privileges_for_invite(TZ_INV_USER_JOIN_ATM_INVENTORY, &e) &&
          e == TZ_PRIV_ATM_INVENTORY);
    CHECK(tz_privileges_for_invite(TZ_INV_GROUP_JOIN_ATM_INVENTORY, &e) &&
          e == TZ_PRIV_ATM_INVENTORY);
    CHECK(!tz_privileges_for_invite(TZ_INV_SUPPORT_SPACE, &e));
    CHECK(!tz_privileges_for_invite(TZ_INV_HARVESTER_JOIN_SPACE, &e));
    CHECK(!tz_privileges_for_invite(TZ_INV_REGISTER_ONEPROVIDER, &e));
    CHECK(!tz_privileges_for_invite(TZ_INV_SPACE_JOIN_HARVESTER, &e));
}

int main(void) {
    RUN(test_tables_sorted_and_consistent);
    RUN(test_known_values);
    RUN(test_invite_mapping);
    return TEST_REPORT();
}
