/* The operation table of the REST client. Routes match the server's route list (REST API spec §0):
 * 39 method+path combinations, 38 of them from the swagger plus infer_access_token_scope. */
#include "cli/client_ops.h"

/* Path parameters (swagger names). */
static const tz_client_param P_TOKEN_ID = {"id", TZ_PARAM_PATH, "named token id"};
static const tz_client_param P_USER_ID = {"id", TZ_PARAM_PATH, "user id"};
static const tz_client_param P_PROVIDER_ID = {"id", TZ_PARAM_PATH, "provider id"};
static const tz_client_param P_NAME_PATH = {"name", TZ_PARAM_PATH, "token name"};

/* Body fields. */
static const tz_client_param P_TOKEN = {"token", TZ_PARAM_TOKEN, "serialized token"};
static const tz_client_param P_CONSUMER_TOKEN = {"consumerToken", TZ_PARAM_TOKEN,
    "identity token of the consumer (consumerToken:=null for none)"};
static const tz_client_param P_SERVICE_TOKEN = {"serviceToken", TZ_PARAM_TOKEN,
    "identity token of the service handling the token (opw-/opp- prefix allowed)"};
static const tz_client_param P_PEER_IP = {"peerIp", TZ_PARAM_STRING,
    "IPv4 address of the token bearer (peerIp:=null for unknown)"};
static const tz_client_param P_INTERFACE = {"interface", TZ_PARAM_STRING,
    "rest, oneclient or graphsync"};
static const tz_client_param P_ALLOW_DATA = {"allowDataAccessCaveats", TZ_PARAM_BOOL,
    "true or false (default false)"};
static const tz_client_param P_INVITE_TYPE = {"expectedInviteType", TZ_PARAM_STRING,
    "invite type the token must have, e.g. userJoinSpace"};
static const tz_client_param P_NAME = {"name", TZ_PARAM_STRING, "token name"};
static const tz_client_param P_TYPE = {"type", TZ_PARAM_JSON,
    "token type JSON, e.g. '{\"identityToken\":{}}' (default access token)"};
static const tz_client_param P_CAVEATS = {"caveats", TZ_PARAM_JSON,
    "JSON array of caveats, e.g. '[{\"type\":\"interface\",\"interface\":\"rest\"}]'"};
static const tz_client_param P_CUSTOM_METADATA = {"customMetadata", TZ_PARAM_JSON,
    "JSON object stored with the token"};
static const tz_client_param P_REVOKED = {"revoked", TZ_PARAM_BOOL, "true or false"};
static const tz_client_param P_PRIVILEGES = {"privileges", TZ_PARAM_JSON,
    "JSON array of privileges granted by an invite token"};
static const tz_client_param P_USAGE_LIMIT = {"usageLimit", TZ_PARAM_COUNT,
    "how many times an invite token may be used: integer or infinity"};
static const tz_client_param P_TTL = {"ttl", TZ_PARAM_TTL,
    "seconds: adds a time caveat validUntil = server time + ttl"};

/* Invite consumption, the directory and legacy routes. */
static const tz_client_param P_GROUP_ID = {"id", TZ_PARAM_PATH, "group id"};
static const tz_client_param P_SPACE_ID = {"id", TZ_PARAM_PATH, "space id"};
static const tz_client_param P_CLUSTER_ID = {"id", TZ_PARAM_PATH, "cluster id"};
static const tz_client_param P_HARVESTER_ID = {"id", TZ_PARAM_PATH, "harvester id"};
static const tz_client_param P_CLIENT_TOKEN = {"id", TZ_PARAM_PATH, "the serialized client token"};
static const tz_client_param P_INVITE = {"token", TZ_PARAM_TOKEN, "serialized invite token"};
static const tz_client_param P_SIZE = {"size", TZ_PARAM_COUNT, "support size in bytes (at least 1000000)"};
static const tz_client_param P_PROVIDER_NAME = {"name", TZ_PARAM_STRING, "provider name"};
static const tz_client_param P_DELEGATION = {"subdomainDelegation", TZ_PARAM_BOOL,
    "true: subdomain of the zone (with subdomain, ipList); false: own domain"};
static const tz_client_param P_DOMAIN = {"domain", TZ_PARAM_STRING, "provider domain"};
static const tz_client_param P_SUBDOMAIN = {"subdomain", TZ_PARAM_STRING, "subdomain of the zone"};
static const tz_client_param P_IP_LIST = {"ipList", TZ_PARAM_JSON, "JSON array of IPv4 addresses"};
static const tz_client_param P_ADMIN_EMAIL = {"adminEmail", TZ_PARAM_STRING, "admin e-mail"};
static const tz_client_param P_LATITUDE = {"latitude", TZ_PARAM_JSON, "number in [-90, 90]"};
static const tz_client_param P_LONGITUDE = {"longitude", TZ_PARAM_JSON, "number in [-180, 180]"};

#define PARAMS(...) ((const tz_client_param *const[]){__VA_ARGS__, NULL})

#define NAMED_CREATE_BODY &P_NAME, &P_TYPE, &P_CAVEATS, &P_TTL, &P_CUSTOM_METADATA, &P_REVOKED, \
    &P_PRIVILEGES, &P_USAGE_LIMIT
#define TEMPORARY_CREATE_BODY &P_TYPE, &P_CAVEATS, &P_TTL

static const tz_client_op OPS[] = {
    /* Token utilities (public). */
    {"examineToken", "examine", "POST", "/tokens/examine", TZ_GROUP_UTILITIES,
     "Decode a token without verifying it", "tokenzone examineToken token=$TOKEN",
     PARAMS(&P_TOKEN)},
    {"confineToken", "confine", "POST", "/tokens/confine", TZ_GROUP_UTILITIES,
     "Add caveats to a token", "tokenzone confineToken token=$TOKEN ttl=3600",
     PARAMS(&P_TOKEN, &P_CAVEATS, &P_TTL)},
    {"inferAccessTokenScope", "infer-scope", "POST", "/tokens/infer_access_token_scope",
     TZ_GROUP_UTILITIES, "Infer the data access scope of an access token",
     "tokenzone inferAccessTokenScope token=$TOKEN", PARAMS(&P_TOKEN, &P_CONSUMER_TOKEN)},
    {"verifyAccessToken", "verify-access", "POST", "/tokens/verify_access_token",
     TZ_GROUP_UTILITIES, "Verify an access token",
     "tokenzone verifyAccessToken token=$TOKEN peerIp=192.0.2.7 interface=rest",
     PARAMS(&P_TOKEN, &P_PEER_IP, &P_INTERFACE, &P_SERVICE_TOKEN, &P_CONSUMER_TOKEN,
            &P_ALLOW_DATA)},
    {"verifyIdentityToken", "verify-identity", "POST", "/tokens/verify_identity_token",
     TZ_GROUP_UTILITIES, "Verify an identity token", "tokenzone verifyIdentityToken token=$TOKEN",
     PARAMS(&P_TOKEN, &P_PEER_IP, &P_INTERFACE, &P_CONSUMER_TOKEN)},
    {"verifyInviteToken", "verify-invite", "POST", "/tokens/verify_invite_token",
     TZ_GROUP_UTILITIES, "Verify an invite token",
     "tokenzone verifyInviteToken token=$TOKEN expectedInviteType=userJoinSpace",
     PARAMS(&P_TOKEN, &P_PEER_IP, &P_CONSUMER_TOKEN, &P_INVITE_TYPE)},

    /* Named tokens by id. */
    {"listAllNamedTokens", "token-list-all", "GET", "/tokens/named", TZ_GROUP_NAMED_BY_ID,
     "List the ids of all named tokens (admin)", "tokenzone listAllNamedTokens", PARAMS(NULL)},
    {"getNamedToken", "token-get", "GET", "/tokens/named/{id}", TZ_GROUP_NAMED_BY_ID,
     "Get a named token", "tokenzone getNamedToken id=$TOKEN_ID", PARAMS(&P_TOKEN_ID)},
    {"modifyNamedToken", "token-modify", "PATCH", "/tokens/named/{id}", TZ_GROUP_NAMED_BY_ID,
     "Rename, revoke/unrevoke or change the custom metadata of a named token",
     "tokenzone modifyNamedToken id=$TOKEN_ID revoked=true",
     PARAMS(&P_TOKEN_ID, &P_NAME, &P_CUSTOM_METADATA, &P_REVOKED)},
    {"deleteNamedToken", "token-delete", "DELETE", "/tokens/named/{id}", TZ_GROUP_NAMED_BY_ID,
     "Delete a named token", "tokenzone deleteNamedToken id=$TOKEN_ID", PARAMS(&P_TOKEN_ID)},
    {"getNamedTokenStatus", "token-status", "GET", "/tokens/named/{id}/status",
     TZ_GROUP_NAMED_BY_ID, "Get the revocation status of a named token",
     "tokenzone getNamedTokenStatus id=$TOKEN_ID", PARAMS(&P_TOKEN_ID)},

    /* Named tokens of the current user. */
    {"createNamedTokenForCurrentUser", "user-create-named", "POST", "/user/tokens/named",
     TZ_GROUP_NAMED_CURRENT_USER, "Create a named token for the current user",
     "tokenzone createNamedTokenForCurrentUser name=my-token", PARAMS(NAMED_CREATE_BODY)},
    {"listNamedTokensOfCurrentUser", "user-list-named", "GET", "/user/tokens/named",
     TZ_GROUP_NAMED_CURRENT_USER, "List the named tokens of the current user",
     "tokenzone listNamedTokensOfCurrentUser", PARAMS(NULL)},
    {"deleteNamedTokensOfCurrentUser", "user-delete-named", "DELETE", "/user/tokens/named",
     TZ_GROUP_NAMED_CURRENT_USER, "Delete all named tokens of the current user",
     "tokenzone deleteNamedTokensOfCurrentUser", PARAMS(NULL)},
    {"getNamedTokenOfCurrentUserByName", "user-get-named", "GET",
     "/user/tokens/named/name/{name}", TZ_GROUP_NAMED_CURRENT_USER,
     "Get a named token of the current user by name",
     "tokenzone getNamedTokenOfCurrentUserByName name=my-token", PARAMS(&P_NAME_PATH)},

    /* Named tokens of a user. */
    {"createNamedTokenForUser", "users-create-named", "POST", "/users/{id}/tokens/named",
     TZ_GROUP_NAMED_USER, "Create a named token for a user",
     "tokenzone createNamedTokenForUser id=$USER_ID name=my-token",
     PARAMS(&P_USER_ID, NAMED_CREATE_BODY)},
    {"listNamedTokensOfUser", "users-list-named", "GET", "/users/{id}/tokens/named",
     TZ_GROUP_NAMED_USER, "List the named tokens of a user",
     "tokenzone listNamedTokensOfUser id=$USER_ID", PARAMS(&P_USER_ID)},
    {"deleteNamedTokensOfUser", "users-delete-named", "DELETE", "/users/{id}/tokens/named",
     TZ_GROUP_NAMED_USER, "Delete all named tokens of a user",
     "tokenzone deleteNamedTokensOfUser id=$USER_ID", PARAMS(&P_USER_ID)},
    {"getNamedTokenOfUserByName", "users-get-named", "GET", "/users/{id}/tokens/named/name/{name}",
     TZ_GROUP_NAMED_USER, "Get a named token of a user by name",
     "tokenzone getNamedTokenOfUserByName id=$USER_ID name=my-token",
     PARAMS(&P_USER_ID, &P_NAME_PATH)},

    /* Named tokens of the current provider. */
    {"createNamedTokenForCurrentProvider", "provider-create-named", "POST",
     "/provider/tokens/named", TZ_GROUP_NAMED_CURRENT_PROVIDER,
     "Create a named token for the current provider",
     "tokenzone createNamedTokenForCurrentProvider name=my-token", PARAMS(NAMED_CREATE_BODY)},
    {"listNamedTokensOfCurrentProvider", "provider-list-named", "GET", "/provider/tokens/named",
     TZ_GROUP_NAMED_CURRENT_PROVIDER, "List the named tokens of the current provider",
     "tokenzone listNamedTokensOfCurrentProvider", PARAMS(NULL)},
    {"deleteNamedTokensOfCurrentProvider", "provider-delete-named", "DELETE",
     "/provider/tokens/named", TZ_GROUP_NAMED_CURRENT_PROVIDER,
     "Delete all named tokens of the current provider",
     "tokenzone deleteNamedTokensOfCurrentProvider", PARAMS(NULL)},
    {"getNamedTokenOfCurrentProviderByName", "provider-get-named", "GET",
     "/provider/tokens/named/name/{name}", TZ_GROUP_NAMED_CURRENT_PROVIDER,
     "Get a named token of the current provider by name",
     "tokenzone getNamedTokenOfCurrentProviderByName name=my-token", PARAMS(&P_NAME_PATH)},

    /* Named tokens of a provider. */
    {"createNamedTokenForProvider", "providers-create-named", "POST",
     "/providers/{id}/tokens/named", TZ_GROUP_NAMED_PROVIDER, "Create a named token for a provider",
     "tokenzone createNamedTokenForProvider id=$PROVIDER_ID name=my-token",
     PARAMS(&P_PROVIDER_ID, NAMED_CREATE_BODY)},
    {"listNamedTokensOfProvider", "providers-list-named", "GET", "/providers/{id}/tokens/named",
     TZ_GROUP_NAMED_PROVIDER, "List the named tokens of a provider",
     "tokenzone listNamedTokensOfProvider id=$PROVIDER_ID", PARAMS(&P_PROVIDER_ID)},
    {"deleteNamedTokensOfProvider", "providers-delete-named", "DELETE",
     "/providers/{id}/tokens/named", TZ_GROUP_NAMED_PROVIDER,
     "Delete all named tokens of a provider",
     "tokenzone deleteNamedTokensOfProvider id=$PROVIDER_ID", PARAMS(&P_PROVIDER_ID)},
    {"getNamedTokenOfProviderByName", "providers-get-named", "GET",
     "/providers/{id}/tokens/named/name/{name}", TZ_GROUP_NAMED_PROVIDER,
     "Get a named token of a provider by name",
     "tokenzone getNamedTokenOfProviderByName id=$PROVIDER_ID name=my-token",
     PARAMS(&P_PROVIDER_ID, &P_NAME_PATH)},

    /* Temporary tokens of the current user. */
    {"createTemporaryTokenForCurrentUser", "user-create-temporary", "POST",
     "/user/tokens/temporary", TZ_GROUP_TEMPORARY_CURRENT_USER,
     "Create a temporary token for the current user (needs a time caveat)",
     "tokenzone createTemporaryTokenForCurrentUser ttl=3600", PARAMS(TEMPORARY_CREATE_BODY)},
    {"getTemporaryTokenGenerationOfCurrentUser", "user-temporary-generation", "GET",
     "/user/tokens/temporary", TZ_GROUP_TEMPORARY_CURRENT_USER,
     "Get the temporary token generation of the current user",
     "tokenzone getTemporaryTokenGenerationOfCurrentUser", PARAMS(NULL)},
    {"revokeAllTemporaryTokensOfCurrentUser", "user-revoke-temporary", "DELETE",
     "/user/tokens/temporary", TZ_GROUP_TEMPORARY_CURRENT_USER,
     "Revoke all temporary tokens of the current user",
     "tokenzone revokeAllTemporaryTokensOfCurrentUser", PARAMS(NULL)},

    /* Temporary tokens of a user. */
    {"createTemporaryTokenForUser", "users-create-temporary", "POST", "/users/{id}/tokens/temporary",
     TZ_GROUP_TEMPORARY_USER, "Create a temporary token for a user (needs a time caveat)",
     "tokenzone createTemporaryTokenForUser id=$USER_ID ttl=3600",
     PARAMS(&P_USER_ID, TEMPORARY_CREATE_BODY)},
    {"getTemporaryTokenGenerationOfUser", "users-temporary-generation", "GET",
     "/users/{id}/tokens/temporary", TZ_GROUP_TEMPORARY_USER,
     "Get the temporary token generation of a user",
     "tokenzone getTemporaryTokenGenerationOfUser id=$USER_ID", PARAMS(&P_USER_ID)},
    {"revokeAllTemporaryTokensOfUser", "users-revoke-temporary", "DELETE",
     "/users/{id}/tokens/temporary", TZ_GROUP_TEMPORARY_USER,
     "Revoke all temporary tokens of a user",
     "tokenzone revokeAllTemporaryTokensOfUser id=$USER_ID", PARAMS(&P_USER_ID)},

    /* Temporary tokens of the current provider. */
    {"createTemporaryTokenForCurrentProvider", "provider-create-temporary", "POST",
     "/provider/tokens/temporary", TZ_GROUP_TEMPORARY_CURRENT_PROVIDER,
     "Create a temporary token for the current provider (needs a time caveat)",
     "tokenzone createTemporaryTokenForCurrentProvider ttl=3600", PARAMS(TEMPORARY_CREATE_BODY)},
    {"getTemporaryTokenGenerationOfCurrentProvider", "provider-temporary-generation", "GET",
     "/provider/tokens/temporary", TZ_GROUP_TEMPORARY_CURRENT_PROVIDER,
     "Get the temporary token generation of the current provider",
     "tokenzone getTemporaryTokenGenerationOfCurrentProvider", PARAMS(NULL)},
    {"revokeAllTemporaryTokensOfCurrentProvider", "provider-revoke-temporary", "DELETE",
     "/provider/tokens/temporary", TZ_GROUP_TEMPORARY_CURRENT_PROVIDER,
     "Revoke all temporary tokens of the current provider",
     "tokenzone revokeAllTemporaryTokensOfCurrentProvider", PARAMS(NULL)},

    /* Temporary tokens of a provider. */
    {"createTemporaryTokenForProvider", "providers-create-temporary", "POST",
     "/providers/{id}/tokens/temporary", TZ_GROUP_TEMPORARY_PROVIDER,
     "Create a temporary token for a provider (needs a time caveat)",
     "tokenzone createTemporaryTokenForProvider id=$PROVIDER_ID ttl=3600",
     PARAMS(&P_PROVIDER_ID, TEMPORARY_CREATE_BODY)},
    {"getTemporaryTokenGenerationOfProvider", "providers-temporary-generation", "GET",
     "/providers/{id}/tokens/temporary", TZ_GROUP_TEMPORARY_PROVIDER,
     "Get the temporary token generation of a provider",
     "tokenzone getTemporaryTokenGenerationOfProvider id=$PROVIDER_ID", PARAMS(&P_PROVIDER_ID)},
    {"revokeAllTemporaryTokensOfProvider", "providers-revoke-temporary", "DELETE",
     "/providers/{id}/tokens/temporary", TZ_GROUP_TEMPORARY_PROVIDER,
     "Revoke all temporary tokens of a provider",
     "tokenzone revokeAllTemporaryTokensOfProvider id=$PROVIDER_ID", PARAMS(&P_PROVIDER_ID)},
    /* Consuming invites, the directory, legacy invite and client tokens. */
    {"joinGroup", "join-group", "POST", "/user/groups/join", TZ_GROUP_INVITES,
     "Join a group with a userJoinGroup invite", "tokenzone joinGroup token=$INVITE",
     PARAMS(&P_INVITE)},
    {"joinParentGroup", "join-parent-group", "POST", "/groups/{id}/parents/join", TZ_GROUP_INVITES,
     "Make a group join a parent group (groupJoinGroup invite)", "tokenzone joinParentGroup id=$GROUP_ID token=$INVITE",
     PARAMS(&P_GROUP_ID, &P_INVITE)},
    {"joinSpace", "join-space", "POST", "/user/spaces/join", TZ_GROUP_INVITES,
     "Join a space with a userJoinSpace invite", "tokenzone joinSpace token=$INVITE",
     PARAMS(&P_INVITE)},
    {"groupJoinSpace", "group-join-space", "POST", "/groups/{id}/spaces/join", TZ_GROUP_INVITES,
     "Make a group join a space (groupJoinSpace invite)", "tokenzone groupJoinSpace id=$GROUP_ID token=$INVITE",
     PARAMS(&P_GROUP_ID, &P_INVITE)},
    {"harvesterJoinSpace", "harvester-join-space", "POST", "/harvesters/{id}/spaces/join", TZ_GROUP_INVITES,
     "Make a harvester join a space (harvesterJoinSpace invite)", "tokenzone harvesterJoinSpace id=$HARVESTER_ID token=$INVITE",
     PARAMS(&P_HARVESTER_ID, &P_INVITE)},
    {"userJoinCluster", "join-cluster", "POST", "/user/clusters/join", TZ_GROUP_INVITES,
     "Join a cluster with a userJoinCluster invite", "tokenzone userJoinCluster token=$INVITE",
     PARAMS(&P_INVITE)},
    {"groupJoinCluster", "group-join-cluster", "POST", "/groups/{id}/clusters/join", TZ_GROUP_INVITES,
     "Make a group join a cluster (groupJoinCluster invite)", "tokenzone groupJoinCluster id=$GROUP_ID token=$INVITE",
     PARAMS(&P_GROUP_ID, &P_INVITE)},
    {"joinHarvester", "join-harvester", "POST", "/user/harvesters/join", TZ_GROUP_INVITES,
     "Join a harvester with a userJoinHarvester invite", "tokenzone joinHarvester token=$INVITE",
     PARAMS(&P_INVITE)},
    {"groupJoinHarvester", "group-join-harvester", "POST", "/groups/{id}/harvesters/join", TZ_GROUP_INVITES,
     "Make a group join a harvester (groupJoinHarvester invite)", "tokenzone groupJoinHarvester id=$GROUP_ID token=$INVITE",
     PARAMS(&P_GROUP_ID, &P_INVITE)},
    {"spaceJoinHarvester", "space-join-harvester", "POST", "/spaces/{id}/harvesters/join", TZ_GROUP_INVITES,
     "Make a space join a harvester (spaceJoinHarvester invite)", "tokenzone spaceJoinHarvester id=$SPACE_ID token=$INVITE",
     PARAMS(&P_SPACE_ID, &P_INVITE)},
    {"joinAtmInventory", "join-atm-inventory", "POST", "/user/atm_inventories/join", TZ_GROUP_INVITES,
     "Join an automation inventory with a userJoinAtmInventory invite", "tokenzone joinAtmInventory token=$INVITE",
     PARAMS(&P_INVITE)},
    {"groupJoinAtmInventory", "group-join-atm-inventory", "POST", "/groups/{id}/atm_inventories/join", TZ_GROUP_INVITES,
     "Make a group join an automation inventory (groupJoinAtmInventory invite)", "tokenzone groupJoinAtmInventory id=$GROUP_ID token=$INVITE",
     PARAMS(&P_GROUP_ID, &P_INVITE)},
    {"supportSpace", "support-space", "POST", "/provider/spaces/support", TZ_GROUP_INVITES,
     "Support a space as the current provider (supportSpace invite)", "tokenzone supportSpace token=$INVITE size=1000000000",
     PARAMS(&P_INVITE, &P_SIZE)},
    {"registerProvider", "register-provider", "POST", "/providers", TZ_GROUP_INVITES,
     "Register a Oneprovider with a registerOneprovider invite (no authentication)", "tokenzone registerProvider token=$INVITE name=p1 subdomainDelegation=false domain=p1.example.com adminEmail=admin@example.com",
     PARAMS(&P_INVITE, &P_PROVIDER_NAME, &P_DELEGATION, &P_DOMAIN, &P_SUBDOMAIN, &P_IP_LIST, &P_ADMIN_EMAIL, &P_LATITUDE, &P_LONGITUDE)},
    {"listUserGroups", "user-groups", "GET", "/user/groups", TZ_GROUP_DIRECTORY,
     "List the groups of the current user", "tokenzone listUserGroups",
     PARAMS(NULL)},
    {"listEffectiveUserGroups", "user-effective-groups", "GET", "/user/effective_groups", TZ_GROUP_DIRECTORY,
     "List the effective groups of the current user", "tokenzone listEffectiveUserGroups",
     PARAMS(NULL)},
    {"listUserSpaces", "user-spaces", "GET", "/user/spaces", TZ_GROUP_DIRECTORY,
     "List the spaces of the current user", "tokenzone listUserSpaces",
     PARAMS(NULL)},
    {"listEffectiveUserSpaces", "user-effective-spaces", "GET", "/user/effective_spaces", TZ_GROUP_DIRECTORY,
     "List the effective spaces of the current user", "tokenzone listEffectiveUserSpaces",
     PARAMS(NULL)},
    {"listUserClusters", "user-clusters", "GET", "/user/clusters", TZ_GROUP_DIRECTORY,
     "List the clusters of the current user", "tokenzone listUserClusters",
     PARAMS(NULL)},
    {"listUserEffectiveClusters", "user-effective-clusters", "GET", "/user/effective_clusters", TZ_GROUP_DIRECTORY,
     "List the effective clusters of the current user", "tokenzone listUserEffectiveClusters",
     PARAMS(NULL)},
    {"listUserHarvesters", "user-harvesters", "GET", "/user/harvesters", TZ_GROUP_DIRECTORY,
     "List the harvesters of the current user", "tokenzone listUserHarvesters",
     PARAMS(NULL)},
    {"listEffectiveUserHarvesters", "user-effective-harvesters", "GET", "/user/effective_harvesters", TZ_GROUP_DIRECTORY,
     "List the effective harvesters of the current user", "tokenzone listEffectiveUserHarvesters",
     PARAMS(NULL)},
    {"listUserAtmInventories", "user-atm-inventories", "GET", "/user/atm_inventories", TZ_GROUP_DIRECTORY,
     "List the automation inventories of the current user", "tokenzone listUserAtmInventories",
     PARAMS(NULL)},
    {"listEffectiveUserAtmInventories", "user-effective-atm-inventories", "GET", "/user/effective_atm_inventories", TZ_GROUP_DIRECTORY,
     "List the effective automation inventories of the current user", "tokenzone listEffectiveUserAtmInventories",
     PARAMS(NULL)},
    {"getGroup", "group-get", "GET", "/groups/{id}", TZ_GROUP_DIRECTORY,
     "Get a group", "tokenzone getGroup id=$GROUP_ID",
     PARAMS(&P_GROUP_ID)},
    {"getSpace", "space-get", "GET", "/spaces/{id}", TZ_GROUP_DIRECTORY,
     "Get a space", "tokenzone getSpace id=$SPACE_ID",
     PARAMS(&P_SPACE_ID)},
    {"listSpaceProviders", "space-providers", "GET", "/spaces/{id}/providers", TZ_GROUP_DIRECTORY,
     "List the providers supporting a space", "tokenzone listSpaceProviders id=$SPACE_ID",
     PARAMS(&P_SPACE_ID)},
    {"listProviderSpaces", "provider-spaces", "GET", "/provider/spaces", TZ_GROUP_DIRECTORY,
     "List the spaces the current provider supports", "tokenzone listProviderSpaces",
     PARAMS(NULL)},
    {"createUserGroupInviteToken", "group-user-token", "POST", "/groups/{id}/users/token", TZ_GROUP_LEGACY,
     "Create a user invite token for a group (legacy)", "tokenzone createUserGroupInviteToken id=$GROUP_ID",
     PARAMS(&P_GROUP_ID)},
    {"createChildGroupToken", "group-child-token", "POST", "/groups/{id}/children/token", TZ_GROUP_LEGACY,
     "Create a child group invite token (legacy)", "tokenzone createChildGroupToken id=$GROUP_ID",
     PARAMS(&P_GROUP_ID)},
    {"createSpaceUserInviteToken", "space-user-token", "POST", "/spaces/{id}/users/token", TZ_GROUP_LEGACY,
     "Create a user invite token for a space (legacy)", "tokenzone createSpaceUserInviteToken id=$SPACE_ID",
     PARAMS(&P_SPACE_ID)},
    {"createSpaceGroupToken", "space-group-token", "POST", "/spaces/{id}/groups/token", TZ_GROUP_LEGACY,
     "Create a group invite token for a space (legacy)", "tokenzone createSpaceGroupToken id=$SPACE_ID",
     PARAMS(&P_SPACE_ID)},
    {"createSpaceSupportToken", "space-support-token", "POST", "/spaces/{id}/providers/token", TZ_GROUP_LEGACY,
     "Create a space support token (legacy)", "tokenzone createSpaceSupportToken id=$SPACE_ID",
     PARAMS(&P_SPACE_ID)},
    {"createClusterUserInviteToken", "cluster-user-token", "POST", "/clusters/{id}/users/token", TZ_GROUP_LEGACY,
     "Create a user invite token for a cluster (legacy)", "tokenzone createClusterUserInviteToken id=$CLUSTER_ID",
     PARAMS(&P_CLUSTER_ID)},
    {"createClusterGroupInviteToken", "cluster-group-token", "POST", "/clusters/{id}/groups/token", TZ_GROUP_LEGACY,
     "Create a group invite token for a cluster (legacy)", "tokenzone createClusterGroupInviteToken id=$CLUSTER_ID",
     PARAMS(&P_CLUSTER_ID)},
    {"createHarvesterUserInviteToken", "harvester-user-token", "POST", "/harvesters/{id}/users/token", TZ_GROUP_LEGACY,
     "Create a user invite token for a harvester (legacy)", "tokenzone createHarvesterUserInviteToken id=$HARVESTER_ID",
     PARAMS(&P_HARVESTER_ID)},
    {"createHarvesterGroupToken", "harvester-group-token", "POST", "/harvesters/{id}/groups/token", TZ_GROUP_LEGACY,
     "Create a group invite token for a harvester (legacy)", "tokenzone createHarvesterGroupToken id=$HARVESTER_ID",
     PARAMS(&P_HARVESTER_ID)},
    {"createHarvesterInviteSpaceToken", "harvester-space-token", "POST", "/harvesters/{id}/spaces/token", TZ_GROUP_LEGACY,
     "Create a space invite token for a harvester (legacy)", "tokenzone createHarvesterInviteSpaceToken id=$HARVESTER_ID",
     PARAMS(&P_HARVESTER_ID)},
    {"createProviderRegistrationTokenForCurrentUser", "provider-registration-token", "POST", "/user/clusters/provider_registration_token", TZ_GROUP_LEGACY,
     "Create a provider registration token for the current user (legacy)", "tokenzone createProviderRegistrationTokenForCurrentUser",
     PARAMS(NULL)},
    {"createProviderRegistrationTokenForUser", "user-provider-registration-token", "POST", "/users/{id}/clusters/provider_registration_token", TZ_GROUP_LEGACY,
     "Create a provider registration token for a user (legacy)", "tokenzone createProviderRegistrationTokenForUser id=$USER_ID",
     PARAMS(&P_USER_ID)},
    {"createClientToken", "client-token-create", "POST", "/user/client_tokens", TZ_GROUP_LEGACY,
     "Create a client (access) token (legacy)", "tokenzone createClientToken",
     PARAMS(NULL)},
    {"listClientTokens", "client-token-list", "GET", "/user/client_tokens", TZ_GROUP_LEGACY,
     "List the client tokens of the current user (legacy)", "tokenzone listClientTokens",
     PARAMS(NULL)},
    {"removeClientToken", "client-token-delete", "DELETE", "/user/client_tokens/{id}", TZ_GROUP_LEGACY,
     "Delete a client token (legacy)", "tokenzone removeClientToken id=$TOKEN",
     PARAMS(&P_CLIENT_TOKEN)},
};

static const char *const GROUP_TITLES[TZ_GROUP__COUNT] = {
    [TZ_GROUP_UTILITIES] = "Token utilities (public)",
    [TZ_GROUP_NAMED_BY_ID] = "Named tokens by id",
    [TZ_GROUP_NAMED_CURRENT_USER] = "Named tokens of the current user",
    [TZ_GROUP_NAMED_USER] = "Named tokens of a user",
    [TZ_GROUP_NAMED_CURRENT_PROVIDER] = "Named tokens of the current provider",
    [TZ_GROUP_NAMED_PROVIDER] = "Named tokens of a provider",
    [TZ_GROUP_TEMPORARY_CURRENT_USER] = "Temporary tokens of the current user",
    [TZ_GROUP_TEMPORARY_USER] = "Temporary tokens of a user",
    [TZ_GROUP_TEMPORARY_CURRENT_PROVIDER] = "Temporary tokens of the current provider",
    [TZ_GROUP_TEMPORARY_PROVIDER] = "Temporary tokens of a provider",
    [TZ_GROUP_INVITES] = "Consuming invite tokens, provider registration",
    [TZ_GROUP_DIRECTORY] = "Groups, spaces and memberships",
    [TZ_GROUP_LEGACY] = "Legacy invite and client tokens",
};

const tz_client_op *tz_client_ops(size_t *count) {
    *count = sizeof OPS / sizeof OPS[0];
    return OPS;
}

const char *tz_client_group_title(tz_client_group group) {
    if ((unsigned)group >= TZ_GROUP__COUNT) return "Other";
    return GROUP_TITLES[group];
}
