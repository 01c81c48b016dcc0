/* The help texts of `tokenzone admin`, one entry per command. */
#include <stdio.h>
#include <string.h>
#include "cli/admin_internal.h"

typedef struct help_entry {
    const char *name;   /* "user create" */
    const char *usage;  /* arguments after the name */
    const char *text;
} help_entry;

static const help_entry entries[] = {
    {"user create", "USERNAME (--password P | --password - | --password-file F | --no-password)\n"
                    "            [--full-name NAME] [--no-basic-auth]",
     "Creates a user and prints its id. '--password -' reads the password from stdin,\n"
     "--password-file from a file (one trailing newline is dropped). --no-password creates a\n"
     "user that cannot use Basic authentication; --no-basic-auth keeps the password but disables\n"
     "Basic authentication for the user. The full name defaults to the username."},
    {"user set-password", "USER_ID (--password P | --password - | --password-file F)",
     "Replaces the user's password."},
    {"user grant", "USER_ID PRIVILEGE...",
     "Grants Onezone admin privileges (oz_*, e.g. oz_tokens_manage)."},
    {"user revoke", "USER_ID PRIVILEGE...", "Revokes Onezone admin privileges."},
    {"user block", "USER_ID", "Blocks the user: every use of its tokens fails with userBlocked."},
    {"user unblock", "USER_ID", "Unblocks the user."},
    {"user delete", "USER_ID",
     "Deletes the user with its named tokens, temporary-token secret and memberships."},
    {"user list", "",
     "Prints a JSON array of users: id, username, fullName, blocked, basicAuthEnabled,\n"
     "privileges (the Onezone admin privileges)."},
    {"provider create", "NAME --admin USER_ID [--domain DOMAIN] [--zone-domain ZONE]",
     "Registers a provider and prints {\"providerId\": ID, \"rootToken\": TOKEN}. The provider's\n"
     "cluster (same id) gets USER_ID as a member with every cluster privilege, and the provider\n"
     "gets a named access token called \"root token\". ZONE is the Onezone domain written into\n"
     "the token (default " ADMIN_DEFAULT_ZONE_DOMAIN "; give the --domain of `tokenzone serve`)."},
    {"master-key status", "[--master-key-file FILE]",
     "Prints the key versions of the master key file (never the keys) with the number of stored\n"
     "secrets sealed with each, as JSON. FILE defaults to $TOKENZONE_MASTER_KEY_FILE, else\n"
     "DIR/master.key (the same rule as `tokenzone serve`)."},
    {"master-key rotate", "[--master-key-file FILE] [--batch N]",
     "Adds a new key version to the key file and reseals every stored secret with it, N rows\n"
     "per transaction (default 100), while the server runs: each row is replaced only if it did\n"
     "not change meanwhile. Tokens issued before keep verifying. The running server picks up\n"
     "the new version by itself (or on SIGHUP). Back up the key file afterwards."},
    {"master-key reseal", "[--master-key-file FILE] [--batch N]",
     "Reseals every secret not yet sealed with the current version (finishes an interrupted\n"
     "rotation, or catches secrets a server sealed with the previous version meanwhile)."},
    {"master-key retire", "VERSION [--master-key-file FILE]",
     "Removes VERSION from the key file once no stored secret uses it (refused otherwise; run\n"
     "`master-key reseal` first). The current version cannot be retired."},
    {"provider delete", "PROVIDER_ID",
     "Deletes the provider with its cluster, supports, named tokens and temporary secret."},
    {"cluster add-user", "CLUSTER_ID USER_ID [--privileges P,...]",
     "Adds a user to a cluster (a provider's id, or 'onezone'). Without --privileges the user\n"
     "gets the default member privileges (cluster_view); an existing member's privileges are\n"
     "replaced."},
    {"group create", "NAME --owner USER_ID",
     "Creates a group, prints its id; the owner gets every group privilege."},
    {"group add-user", "GROUP_ID USER_ID [--privileges P,...]",
     "Adds a user to a group (default: the member privileges, group_view)."},
    {"space create", "NAME --owner USER_ID",
     "Creates a space, prints its id; the owner gets every space privilege."},
    {"space add-user", "SPACE_ID USER_ID [--privileges P,...]",
     "Adds a user to a space (default: the member privileges space_read_data, space_view,\n"
     "space_view_transfers, space_write_data)."},
    {"space add-group", "SPACE_ID GROUP_ID [--privileges P,...]",
     "Adds a group to a space; its users become effective members with the group's privileges."},
    {"space support", "SPACE_ID PROVIDER_ID", "Records that the provider supports the space."},
    {"client create", "NAME [--allow-revoke]",
     "Registers an introspection client of /oauth2/introspect (and, with --allow-revoke, of\n"
     "/oauth2/revoke for any token) and prints {\"clientId\": ID, \"clientSecret\": SECRET}.\n"
     "The secret is shown only now; the store keeps only its hash."},
    {"client list", "", "Prints a JSON array of clients: clientId, name, allowRevoke, creationTime."},
    {"client delete", "CLIENT_ID", "Deletes the client; its secret stops working at once."},
    {"client rotate-secret", "CLIENT_ID",
     "Replaces the client's secret and prints the new credentials once; the old secret stops\n"
     "working at once."},
    {"group add-group", "PARENT_GROUP_ID CHILD_GROUP_ID [--privileges P,...]",
     "Nests a group in a parent group (default: group_view); the child's members become\n"
     "effective members of the parent and of what the parent belongs to. Cycles are refused."},
    {"cluster add-group", "CLUSTER_ID GROUP_ID [--privileges P,...]",
     "Adds a group to a cluster (default: cluster_view)."},
    {"harvester create", "NAME --owner USER_ID",
     "Creates a harvester, prints its id; the owner gets every harvester privilege."},
    {"harvester add-user", "HARVESTER_ID USER_ID [--privileges P,...]",
     "Adds a user to a harvester (default: harvester_view)."},
    {"harvester add-group", "HARVESTER_ID GROUP_ID [--privileges P,...]",
     "Adds a group to a harvester (default: harvester_view)."},
    {"harvester add-space", "HARVESTER_ID SPACE_ID", "Makes the space a metadata source of the harvester."},
    {"atm-inventory create", "NAME --owner USER_ID",
     "Creates an automation inventory, prints its id; the owner gets every inventory privilege."},
    {"atm-inventory add-user", "INVENTORY_ID USER_ID [--privileges P,...]",
     "Adds a user to an automation inventory (default: atm_inventory_view)."},
    {"atm-inventory add-group", "INVENTORY_ID GROUP_ID [--privileges P,...]",
     "Adds a group to an automation inventory (default: atm_inventory_view)."},
    {"group grant", "GROUP_ID MEMBER_ID PRIVILEGE...",
     "Grants privileges to a direct member (user or group) of the group."},
    {"group revoke", "GROUP_ID MEMBER_ID PRIVILEGE...", "Revokes privileges of a direct member."},
    {"space grant", "SPACE_ID MEMBER_ID PRIVILEGE...", "Grants privileges to a direct member."},
    {"space revoke", "SPACE_ID MEMBER_ID PRIVILEGE...", "Revokes privileges of a direct member."},
    {"cluster grant", "CLUSTER_ID MEMBER_ID PRIVILEGE...", "Grants privileges to a direct member."},
    {"cluster revoke", "CLUSTER_ID MEMBER_ID PRIVILEGE...", "Revokes privileges of a direct member."},
    {"harvester grant", "HARVESTER_ID MEMBER_ID PRIVILEGE...", "Grants privileges to a direct member."},
    {"harvester revoke", "HARVESTER_ID MEMBER_ID PRIVILEGE...", "Revokes privileges of a direct member."},
    {"atm-inventory grant", "INVENTORY_ID MEMBER_ID PRIVILEGE...",
     "Grants privileges to a direct member."},
    {"atm-inventory revoke", "INVENTORY_ID MEMBER_ID PRIVILEGE...",
     "Revokes privileges of a direct member."},
    {"check", "", "Runs the database integrity check; prints \"ok\" when sound."},
    {"backup", "--to FILE",
     "Writes a consistent copy of the store to the new file FILE (SQLite's online backup; the\n"
     "server may keep serving meanwhile) and prints its name. See docs/operations.md to restore.\n"
     "SQLite stores only: a PostgreSQL store is refused (use pg_dump, docs/operations.md)."},
    {"audit-hash", "TOKEN|-",
     "Prints the audit trail's \"hmac-sha256:<hex>\" of TOKEN (or of a line read from stdin\n"
     "with '-') under this installation's audit key (DIR/audit.key, or $TOKENZONE_AUDIT_KEY_FILE;\n"
     "made by the first start with --audit-log), to find every audit line of a leaked token."},
    {"privileges", "[group|space|cluster|harvester|atm_inventory|onezone]",
     "Lists the valid privilege names (no --data needed); member defaults are marked."},
};

static void print_entry(FILE *f, const help_entry *e, bool with_text) {
    fprintf(f, "  tokenzone admin --data DIR %s%s%s\n", e->name, *e->usage ? " " : "", e->usage);
    if (!with_text) return;
    /* indent the description */
    const char *p = e->text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(f, "      %.*s\n", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

void admin_help(FILE *f, const char *name) {
    size_t n = sizeof entries / sizeof entries[0];
    for (size_t i = 0; name && i < n; i++) {
        if (strcmp(entries[i].name, name) == 0) {
            fprintf(f, "usage:\n");
            print_entry(f, &entries[i], true);
            return;
        }
    }
    if (!name) {
        fprintf(f, "usage: tokenzone admin --data DIR COMMAND [ARGS]\n\n"
               "Administers the store in DIR directly (also while `tokenzone serve` runs on it).\n"
               "Instead of --data DIR: --store URL (sqlite:DIR or postgresql://USER@HOST/DB?...,\n"
               "password from PGPASSWORD or ~/.pgpass), or $TOKENZONE_STORE.\n"
               "--audit-log FILE (or $TOKENZONE_AUDIT_LOG) before COMMAND appends a line per change.\n"
               "Results go to stdout (an id, JSON, or nothing); errors go to stderr with exit\n"
               "status 1, usage errors exit with 2. Every command takes --help.\n\n"
               "commands:\n");
    } else {
        fprintf(f, "usage:\n");
    }
    size_t len = name ? strlen(name) : 0;
    for (size_t i = 0; i < n; i++) {
        if (name && (strncmp(entries[i].name, name, len) != 0 || entries[i].name[len] != ' '))
            continue;
        print_entry(f, &entries[i], name != NULL);
    }
}

const char *admin_usage_line(const char *name) {
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        if (strcmp(entries[i].name, name) == 0) return entries[i].usage;
    return NULL;
}
