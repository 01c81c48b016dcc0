/* The privilege tables of Onezone 21.02 (ctool `privileges` module): for each entity type every
 * privilege (= the admin level) and the member level that is the default for new members and for
 * invite tokens without a `privileges` field. Kept sorted byte-wise; tests check it. */
#include <string.h>
#include "service/privileges.h"

#define LIST(arr) {arr, sizeof arr / sizeof arr[0]}

static const char *const group_all[] = {
    "group_add_atm_inventory", "group_add_child", "group_add_cluster", "group_add_harvester",
    "group_add_parent", "group_add_space", "group_add_user", "group_create_handle",
    "group_create_handle_service", "group_delete", "group_leave_cluster", "group_leave_handle",
    "group_leave_handle_service", "group_leave_parent", "group_leave_space",
    "group_remove_atm_inventory", "group_remove_child", "group_remove_harvester",
    "group_remove_user", "group_set_privileges", "group_update", "group_view",
    "group_view_privileges",
};
static const char *const group_member[] = {"group_view"};

static const char *const space_all[] = {
    "space_add_group", "space_add_harvester", "space_add_support", "space_add_user",
    "space_cancel_eviction", "space_cancel_replication", "space_create_archives", "space_delete",
    "space_manage_archives", "space_manage_atm_workflow_executions", "space_manage_datasets",
    "space_manage_in_marketplace", "space_manage_qos", "space_manage_shares", "space_manage_views",
    "space_query_views", "space_read_data", "space_recall_archives", "space_register_files",
    "space_remove_archives", "space_remove_group", "space_remove_harvester",
    "space_remove_support", "space_remove_user", "space_schedule_atm_workflow_executions",
    "space_schedule_eviction", "space_schedule_replication", "space_set_privileges",
    "space_update", "space_view", "space_view_archives", "space_view_atm_workflow_executions",
    "space_view_changes_stream", "space_view_privileges", "space_view_qos",
    "space_view_statistics", "space_view_transfers", "space_view_views", "space_write_data",
};
static const char *const space_member[] = {
    "space_read_data", "space_view", "space_view_transfers", "space_write_data",
};

static const char *const cluster_all[] = {
    "cluster_add_group", "cluster_add_user", "cluster_delete", "cluster_remove_group",
    "cluster_remove_user", "cluster_set_privileges", "cluster_update", "cluster_view",
    "cluster_view_privileges",
};
static const char *const cluster_member[] = {"cluster_view"};

static const char *const harvester_all[] = {
    "harvester_add_group", "harvester_add_space", "harvester_add_user", "harvester_delete",
    "harvester_remove_group", "harvester_remove_space", "harvester_remove_user",
    "harvester_set_privileges", "harvester_update", "harvester_view", "harvester_view_privileges",
};
static const char *const harvester_member[] = {"harvester_view"};

static const char *const atm_inventory_all[] = {
    "atm_inventory_add_group", "atm_inventory_add_user", "atm_inventory_delete",
    "atm_inventory_manage_lambdas", "atm_inventory_manage_workflow_schemas",
    "atm_inventory_remove_group", "atm_inventory_remove_user", "atm_inventory_set_privileges",
    "atm_inventory_update", "atm_inventory_view", "atm_inventory_view_privileges",
};
static const char *const atm_inventory_member[] = {"atm_inventory_view"};

static const char *const onezone_all[] = {
    "oz_atm_inventories_add_relationships", "oz_atm_inventories_create",
    "oz_atm_inventories_delete", "oz_atm_inventories_list",
    "oz_atm_inventories_list_relationships", "oz_atm_inventories_remove_relationships",
    "oz_atm_inventories_set_privileges", "oz_atm_inventories_update", "oz_atm_inventories_view",
    "oz_atm_inventories_view_privileges", "oz_clusters_add_relationships", "oz_clusters_list",
    "oz_clusters_list_relationships", "oz_clusters_remove_relationships",
    "oz_clusters_set_privileges", "oz_clusters_update", "oz_clusters_view",
    "oz_clusters_view_privileges", "oz_groups_add_relationships", "oz_groups_create",
    "oz_groups_delete", "oz_groups_list", "oz_groups_list_relationships",
    "oz_groups_remove_relationships", "oz_groups_set_privileges", "oz_groups_update",
    "oz_groups_view", "oz_groups_view_privileges", "oz_handle_services_add_relationships",
    "oz_handle_services_create", "oz_handle_services_delete", "oz_handle_services_list",
    "oz_handle_services_list_relationships", "oz_handle_services_remove_relationships",
    "oz_handle_services_set_privileges", "oz_handle_services_update", "oz_handle_services_view",
    "oz_handle_services_view_privileges", "oz_handles_add_relationships", "oz_handles_create",
    "oz_handles_delete", "oz_handles_list", "oz_handles_list_relationships",
    "oz_handles_remove_relationships", "oz_handles_set_privileges", "oz_handles_update",
    "oz_handles_view", "oz_handles_view_privileges", "oz_harvesters_add_relationships",
    "oz_harvesters_create", "oz_harvesters_delete", "oz_harvesters_list",
    "oz_harvesters_list_relationships", "oz_harvesters_remove_relationships",
    "oz_harvesters_set_privileges", "oz_harvesters_update", "oz_harvesters_view",
    "oz_harvesters_view_privileges", "oz_providers_delete", "oz_providers_invite",
    "oz_providers_list", "oz_providers_list_relationships", "oz_providers_update",
    "oz_providers_view", "oz_set_privileges", "oz_shares_create", "oz_shares_delete",
    "oz_shares_list", "oz_shares_update", "oz_shares_view", "oz_spaces_add_relationships",
    "oz_spaces_create", "oz_spaces_delete", "oz_spaces_list", "oz_spaces_list_relationships",
    "oz_spaces_remove_relationships", "oz_spaces_set_privileges", "oz_spaces_update",
    "oz_spaces_view", "oz_spaces_view_privileges", "oz_tokens_manage",
    "oz_users_add_relationships", "oz_users_create", "oz_users_delete", "oz_users_list",
    "oz_users_list_relationships", "oz_users_manage_passwords", "oz_users_remove_relationships",
    "oz_users_update", "oz_users_view", "oz_view_privileges",
};

typedef struct entity_table {
    const char *name;
    tz_priv_list all;
    tz_priv_list member;
} entity_table;

static const entity_table tables[TZ_PRIV__COUNT] = {
    [TZ_PRIV_GROUP] = {"group", LIST(group_all), LIST(group_member)},
    [TZ_PRIV_SPACE] = {"space", LIST(space_all), LIST(space_member)},
    [TZ_PRIV_CLUSTER] = {"cluster", LIST(cluster_all), LIST(cluster_member)},
    [TZ_PRIV_HARVESTER] = {"harvester", LIST(harvester_all), LIST(harvester_member)},
    [TZ_PRIV_ATM_INVENTORY] = {"atm_inventory", LIST(atm_inventory_all),
                               LIST(atm_inventory_member)},
    [TZ_PRIV_ONEZONE] = {"onezone", LIST(onezone_all), {NULL, 0}},
};

static bool valid_entity(tz_priv_entity e) {
    return (unsigned)e < TZ_PRIV__COUNT;
}

tz_priv_list tz_privileges_all(tz_priv_entity e) {
    tz_priv_list none = {NULL, 0};
    return valid_entity(e) ? tables[e].all : none;
}

tz_priv_list tz_privileges_default(tz_priv_entity e) {
    tz_priv_list none = {NULL, 0};
    return valid_entity(e) ? tables[e].member : none;
}

const char *tz_priv_entity_name(tz_priv_entity e) {
    return valid_entity(e) ? tables[e].name : "unknown";
}

bool tz_privilege_valid(tz_priv_entity e, const char *name) {
    if (!name) return false;
    tz_priv_list l = tz_privileges_all(e);
    size_t lo = 0, hi = l.n;  /* the lists are sorted: binary search */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, l.names[mid]);
        if (c == 0) return true;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return false;
}

bool tz_privileges_for_invite(tz_invite_type t, tz_priv_entity *out) {
    switch (t) {
    case TZ_INV_USER_JOIN_GROUP:
    case TZ_INV_GROUP_JOIN_GROUP: *out = TZ_PRIV_GROUP; return true;
    case TZ_INV_USER_JOIN_SPACE:
    case TZ_INV_GROUP_JOIN_SPACE: *out = TZ_PRIV_SPACE; return true;
    case TZ_INV_USER_JOIN_CLUSTER:
    case TZ_INV_GROUP_JOIN_CLUSTER: *out = TZ_PRIV_CLUSTER; return true;
    case TZ_INV_USER_JOIN_HARVESTER:
    case TZ_INV_GROUP_JOIN_HARVESTER: *out = TZ_PRIV_HARVESTER; return true;
    case TZ_INV_USER_JOIN_ATM_INVENTORY:
    case TZ_INV_GROUP_JOIN_ATM_INVENTORY: *out = TZ_PRIV_ATM_INVENTORY; return true;
    case TZ_INV_SUPPORT_SPACE:
    case TZ_INV_HARVESTER_JOIN_SPACE:
    case TZ_INV_REGISTER_ONEPROVIDER:
    case TZ_INV_SPACE_JOIN_HARVESTER:
    case TZ_INV__COUNT: break;
    }
    return false;
}
