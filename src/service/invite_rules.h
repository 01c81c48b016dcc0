/* Who may issue an invite of each type, where its target lives, and the privileges it carries
 * by default (invites.md §E.5). Shared by token creation and invite consumption. */
#ifndef TZ_SERVICE_INVITE_RULES_H
#define TZ_SERVICE_INVITE_RULES_H
#include <stdbool.h>
#include "core/token.h"
#include "service/privileges.h"
#include "store/store.h"

typedef struct svc_invite_rule {
    tz_dir_kind target;        /* kind of the entity named by the target id */
    const char *right;         /* issuer's privilege in the target */
    const char *oz_right;      /* Onezone admin privilege that also allows it */
    const char *set_privs;     /* needed in addition for custom privileges (NULL: none carried) */
    const char *oz_set_privs;
} svc_invite_rule;

/* False for registerOneprovider (its target is a user; see rights.c). */
bool svc_invite_rule_for(tz_invite_type t, svc_invite_rule *out);

/* The privileges an invite of this type grants when none are chosen: the entity's member set,
 * except userJoinCluster which grants cluster_admin (every cluster privilege), as Onezone does.
 * Empty for types that carry none. */
tz_priv_list svc_invite_default_privileges(tz_invite_type t);

#endif
