/* The issuing rules of invites.md §E.5 as a table. */
#include "service/invite_rules.h"

bool svc_invite_rule_for(tz_invite_type t, svc_invite_rule *out) {
    switch (t) {
    case TZ_INV_USER_JOIN_GROUP:
        *out = (svc_invite_rule){TZ_DIR_GROUP, "group_add_user", "oz_groups_add_relationships",
                                 "group_set_privileges", "oz_groups_set_privileges"};
        return true;
    case TZ_INV_GROUP_JOIN_GROUP:
        *out = (svc_invite_rule){TZ_DIR_GROUP, "group_add_child", "oz_groups_add_relationships",
                                 "group_set_privileges", "oz_groups_set_privileges"};
        return true;
    case TZ_INV_USER_JOIN_SPACE:
        *out = (svc_invite_rule){TZ_DIR_SPACE, "space_add_user", "oz_spaces_add_relationships",
                                 "space_set_privileges", "oz_spaces_set_privileges"};
        return true;
    case TZ_INV_GROUP_JOIN_SPACE:
        *out = (svc_invite_rule){TZ_DIR_SPACE, "space_add_group", "oz_spaces_add_relationships",
                                 "space_set_privileges", "oz_spaces_set_privileges"};
        return true;
    case TZ_INV_SUPPORT_SPACE:
        *out = (svc_invite_rule){TZ_DIR_SPACE, "space_add_support", "oz_spaces_add_relationships",
                                 NULL, NULL};
        return true;
    case TZ_INV_HARVESTER_JOIN_SPACE:
        *out = (svc_invite_rule){TZ_DIR_SPACE, "space_add_harvester",
                                 "oz_spaces_add_relationships", NULL, NULL};
        return true;
    case TZ_INV_USER_JOIN_CLUSTER:
        *out = (svc_invite_rule){TZ_DIR_CLUSTER, "cluster_add_user",
                                 "oz_clusters_add_relationships", "cluster_set_privileges",
                                 "oz_clusters_set_privileges"};
        return true;
    case TZ_INV_GROUP_JOIN_CLUSTER:
        *out = (svc_invite_rule){TZ_DIR_CLUSTER, "cluster_add_group",
                                 "oz_clusters_add_relationships", "cluster_set_privileges",
                                 "oz_clusters_set_privileges"};
        return true;
    case TZ_INV_USER_JOIN_HARVESTER:
        *out = (svc_invite_rule){TZ_DIR_HARVESTER, "harvester_add_user",
                                 "oz_harvesters_add_relationships", "harvester_set_privileges",
                                 "oz_harvesters_set_privileges"};
        return true;
    case TZ_INV_GROUP_JOIN_HARVESTER:
        *out = (svc_invite_rule){TZ_DIR_HARVESTER, "harvester_add_group",
                                 "oz_harvesters_add_relationships", "harvester_set_privileges",
                                 "oz_harvesters_set_privileges"};
        return true;
    case TZ_INV_SPACE_JOIN_HARVESTER:
        *out = (svc_invite_rule){TZ_DIR_HARVESTER, "harvester_add_space",
                                 "oz_harvesters_add_relationships", NULL, NULL};
        return true;
    case TZ_INV_USER_JOIN_ATM_INVENTORY:
        *out = (svc_invite_rule){TZ_DIR_ATM_INVENTORY, "atm_inventory_add_user",
                                 "oz_atm_inventories_add_relationships",
                                 "atm_inventory_set_privileges", "oz_atm_inventories_set_privileges"};
        return true;
    case TZ_INV_GROUP_JOIN_ATM_INVENTORY:
        *out = (svc_invite_rule){TZ_DIR_ATM_INVENTORY, "atm_inventory_add_group",
                                 "oz_atm_inventories_add_relationships",
                                 "atm_inventory_set_privileges", "oz_atm_inventories_set_privileges"};
        return true;
    case TZ_INV_REGISTER_ONEPROVIDER:
    case TZ_INV__COUNT:
        break;
    }
    return false;
}

tz_priv_list svc_invite_default_privileges(tz_invite_type t) {
    tz_priv_entity e;
    if (!tz_privileges_for_invite(t, &e)) return (tz_priv_list){NULL, 0};
    if (t == TZ_INV_USER_JOIN_CLUSTER) return tz_privileges_all(TZ_PRIV_CLUSTER);
    return tz_privileges_default(e);
}
