/* Onezone privilege names: every privilege of each entity type, the default privileges a new
 * member gets, and Onezone admin (oz_*) privileges. One table serves the admin tool (validating
 * grants, giving owners everything) and the service (the allowed set and defaults of the
 * `privileges` field of invite tokens). All lists are sorted byte-wise, as Onezone keeps them
 * (ordsets), which is also the order of the `allowed` list in badValueListNotAllowed. */
#ifndef TZ_SERVICE_PRIVILEGES_H
#define TZ_SERVICE_PRIVILEGES_H
#include <stdbool.h>
#include <stddef.h>
#include "core/token.h"

typedef enum tz_priv_entity {
    TZ_PRIV_GROUP,
    TZ_PRIV_SPACE,
    TZ_PRIV_CLUSTER,
    TZ_PRIV_HARVESTER,
    TZ_PRIV_ATM_INVENTORY,
    TZ_PRIV_ONEZONE,   /* Onezone admin privileges (oz_*); no member defaults */
    TZ_PRIV__COUNT
} tz_priv_entity;

/* A static, sorted list of privilege names (never freed). */
typedef struct tz_priv_list {
    const char *const *names;
    size_t n;
} tz_priv_list;

/* Every privilege of the entity type (the "admin"/owner set). Empty list for an invalid value. */
tz_priv_list tz_privileges_all(tz_priv_entity e);
/* What a member gets when no privileges are given (Onezone's "member" level). */
tz_priv_list tz_privileges_default(tz_priv_entity e);
/* True iff `name` is a privilege of the entity type. */
bool tz_privilege_valid(tz_priv_entity e, const char *name);
/* "group", "space", "cluster", "harvester", "atm_inventory", "onezone". */
const char *tz_priv_entity_name(tz_priv_entity e);

/* The entity type whose privileges an invite type grants. False for invite types that carry no
 * privileges (supportSpace, harvesterJoinSpace, registerOneprovider, spaceJoinHarvester). */
bool tz_privileges_for_invite(tz_invite_type t, tz_priv_entity *out);

#endif
