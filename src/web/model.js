// What the page knows about tokens: invite types, templates, generated names, token states and
// the words that describe caveats. No DOM and no network here.

// Invite types (token-format / rest-api §4.5): the target key, the kind of target, who joins,
// the privileges entity (null: the type carries none), the short name used in generated names
// and the REST route that consumes it (null: not consumed through a join route).
export const INVITE_TYPES = {
  userJoinGroup: {key: "groupId", target: "group", joiner: null, privs: "group", short: "Inv. usr. grp.", join: () => "/user/groups/join", sentence: "Invitation for a user to join a group"},
  groupJoinGroup: {key: "groupId", target: "group", joiner: "group", privs: "group", short: "Inv. grp. grp.", join: (j) => `/groups/${j}/parents/join`, sentence: "Invitation for a group to join a group"},
  userJoinSpace: {key: "spaceId", target: "space", joiner: null, privs: "space", short: "Inv. usr. spc.", join: () => "/user/spaces/join", sentence: "Invitation for a user to join a space"},
  groupJoinSpace: {key: "spaceId", target: "space", joiner: "group", privs: "space", short: "Inv. grp. spc.", join: (j) => `/groups/${j}/spaces/join`, sentence: "Invitation for a group to join a space"},
  harvesterJoinSpace: {key: "spaceId", target: "space", joiner: "harvester", privs: null, short: "Inv. hrv. spc.", join: (j) => `/harvesters/${j}/spaces/join`, sentence: "Invitation for a harvester to become a metadata sink for a space"},
  supportSpace: {key: "spaceId", target: "space", joiner: null, privs: null, short: "Support space", join: null, sentence: "Invitation to grant support for a space", notConsumable: "This token can be consumed only while giving a support to a space in Oneprovider Panel."},
  registerOneprovider: {key: "adminUserId", target: "user", joiner: null, privs: null, short: "Register Oneprovider", join: null, sentence: "Invitation to register a Oneprovider", notConsumable: "This token can be consumed only during the setup of a new Oneprovider cluster."},
  userJoinCluster: {key: "clusterId", target: "cluster", joiner: null, privs: "cluster", short: "Inv. usr. cls.", join: () => "/user/clusters/join", sentence: "Invitation for a user to join a cluster"},
  groupJoinCluster: {key: "clusterId", target: "cluster", joiner: "group", privs: "cluster", short: "Inv. grp. cls.", join: (j) => `/groups/${j}/clusters/join`, sentence: "Invitation for a group to join a cluster"},
  userJoinHarvester: {key: "harvesterId", target: "harvester", joiner: null, privs: "harvester", short: "Inv. usr. hrv.", join: () => "/user/harvesters/join", sentence: "Invitation for a user to join a harvester"},
  groupJoinHarvester: {key: "harvesterId", target: "harvester", joiner: "group", privs: "harvester", short: "Inv. grp. hrv.", join: (j) => `/groups/${j}/harvesters/join`, sentence: "Invitation for a group to join a harvester"},
  spaceJoinHarvester: {key: "harvesterId", target: "harvester", joiner: "space", privs: null, short: "Inv. spc. hrv.", join: (j) => `/spaces/${j}/harvesters/join`, sentence: "Invitation for a space to become a metadata source for a harvester"},
  userJoinAtmInventory: {key: "atmInventoryId", target: "atm_inventory", joiner: null, privs: "atm_inventory", short: "Inv. usr. atm. inv.", join: () => "/user/atm_inventories/join", sentence: "Invitation for a user to join an automation inventory"},
  groupJoinAtmInventory: {key: "atmInventoryId", target: "atm_inventory", joiner: "group", privs: "atm_inventory", short: "Inv. grp. atm. inv.", join: (j) => `/groups/${j}/atm_inventories/join`, sentence: "Invitation for a group to join an automation inventory"},
};

export const TARGET_LABELS = {
  group: "Group", space: "Space", user: "User", cluster: "Cluster", harvester: "Harvester",
  atm_inventory: "Automation inventory",
};

// Where a target's record lives, for showing its name (null when the server has no GET for it:
// those targets are shown by id).
export const TARGET_PATHS = {
  group: "/groups/", space: "/spaces/", user: null, cluster: null,
  harvester: null, atm_inventory: null,
};

// Privileges per entity (Onezone 21.02), and the default set for new members.
export const PRIVILEGES = {
  group: ["group_add_atm_inventory", "group_add_child", "group_add_cluster", "group_add_harvester", "group_add_parent", "group_add_space", "group_add_user", "group_create_handle", "group_create_handle_service", "group_delete", "group_leave_cluster", "group_leave_handle", "group_leave_handle_service", "group_leave_parent", "group_leave_space", "group_remove_atm_inventory", "group_remove_child", "group_remove_harvester", "group_remove_user", "group_set_privileges", "group_update", "group_view", "group_view_privileges"],
  space: ["space_add_group", "space_add_harvester", "space_add_support", "space_add_user", "space_cancel_eviction", "space_cancel_replication", "space_create_archives", "space_delete", "space_manage_archives", "space_manage_atm_workflow_executions", "space_manage_datasets", "space_manage_in_marketplace", "space_manage_qos", "space_manage_shares", "space_manage_views", "space_query_views", "space_read_data", "space_recall_archives", "space_register_files", "space_remove_archives", "space_remove_group", "space_remove_harvester", "space_remove_support", "space_remove_user", "space_schedule_atm_workflow_executions", "space_schedule_eviction", "space_schedule_replication", "space_set_privileges", "space_update", "space_view", "space_view_archives", "space_view_atm_workflow_executions", "space_view_changes_stream", "space_view_privileges", "space_view_qos", "space_view_statistics", "space_view_transfers", "space_view_views", "space_write_data"],
  cluster: ["cluster_add_group", "cluster_add_user", "cluster_delete", "cluster_remove_group", "cluster_remove_user", "cluster_set_privileges", "cluster_update", "cluster_view", "cluster_view_privileges"],
  harvester: ["harvester_add_group", "harvester_add_space", "harvester_add_user", "harvester_delete", "harvester_remove_group", "harvester_remove_space", "harvester_remove_user", "harvester_set_privileges", "harvester_update", "harvester_view", "harvester_view_privileges"],
  atm_inventory: ["atm_inventory_add_group", "atm_inventory_add_user", "atm_inventory_delete", "atm_inventory_manage_lambdas", "atm_inventory_manage_workflow_schemas", "atm_inventory_remove_group", "atm_inventory_remove_user", "atm_inventory_set_privileges", "atm_inventory_update", "atm_inventory_view", "atm_inventory_view_privileges"],
};
export const DEFAULT_PRIVILEGES = {
  group: ["group_view"],
  space: ["space_read_data", "space_view", "space_view_transfers", "space_write_data"],
  cluster: ["cluster_view"],
  harvester: ["harvester_view"],
  atm_inventory: ["atm_inventory_view"],
};

// Templates (web-ui.md "Template → prototype"). `needs` lists the inputs the user must give;
// `build(inputs)` returns {type, caveats} and `prefix` starts the generated name.
export const TEMPLATES = [
  {id: "onezoneRest", group: "Basic", label: "Onezone REST access", prefix: "Onezone REST", needs: [],
    build: () => ({type: {accessToken: {}}, caveats: [{type: "service", whitelist: ["ozw-onezone"]}, {type: "interface", interface: "rest"}]})},
  {id: "oneproviderRest", group: "Basic", label: "Oneprovider REST/CDMI access", prefix: "Oneprovider REST", needs: [],
    build: () => ({type: {accessToken: {}}, caveats: [{type: "service", whitelist: ["opw-*"]}, {type: "interface", interface: "rest"}]})},
  {id: "oneclient", group: "Basic", label: "Oneclient access", prefix: "Oneclient", needs: [],
    build: () => ({type: {accessToken: {}}, caveats: [{type: "interface", interface: "oneclient"}]})},
  {id: "oneclientInOneprovider", group: "Advanced", label: "Oneclient access in specific Oneprovider", prefix: "Oneclient in", needs: [["providerId", "Oneprovider ID"]],
    build: (i) => ({type: {accessToken: {}}, caveats: [{type: "interface", interface: "oneclient"}, {type: "service", whitelist: ["opw-" + i.providerId]}]}),
    name: (i) => "Oneclient in " + i.providerId},
  {id: "readonlyData", group: "Advanced", label: "Read-only data access", prefix: "Read-only data", needs: [],
    build: () => ({type: {accessToken: {}}, caveats: [{type: "data.readonly"}]})},
  {id: "readonlyDataForUser", group: "Advanced", label: "Read-only data access for specific user", prefix: "Read-only data for", needs: [["userId", "User ID"]],
    build: (i) => ({type: {accessToken: {}}, caveats: [{type: "consumer", whitelist: ["usr-" + i.userId]}, {type: "data.readonly"}]}),
    name: (i) => "Read-only data for " + i.userId},
  {id: "restrictedData", group: "Advanced", label: "Restricted data access", prefix: "Restricted data", needs: [["spaceId", "Space ID"]],
    build: (i) => ({type: {accessToken: {}}, caveats: [{type: "data.path", whitelist: [b64path("/" + i.spaceId)]}]}),
    name: (i) => "Restricted data " + i.spaceId},
  {id: "onepanelRest", group: "Advanced", label: "Onepanel REST access", prefix: "Onepanel REST", needs: [["clusterId", "Cluster ID (\"onezone\" for Onezone's panel)"]],
    build: (i) => ({type: {accessToken: {}}, caveats: [{type: "service", whitelist: [i.clusterId === "onezone" ? "ozp-onezone" : "opp-" + i.clusterId]}]}),
    name: (i) => "Onepanel REST " + i.clusterId},
  {id: "identity", group: "Advanced", label: "Identity proof", prefix: "Identity proof", needs: [],
    build: () => ({type: {identityToken: {}}, caveats: []})},
  {id: "ciToken", group: "More", label: "CI token (expires in 90 days, IP-limited)", prefix: "CI", needs: [["ip", "Allowed IPv4 address or network (a.b.c.d/len)"]],
    build: (i, now) => ({type: {accessToken: {}}, caveats: [{type: "time", validUntil: now + 90 * 86400}, {type: "ip", whitelist: [i.ip]}]})},
  {id: "readonlyOnezoneRest", group: "More", label: "Read-only Onezone REST access", prefix: "Read-only Onezone REST", needs: [],
    build: () => ({type: {accessToken: {}}, caveats: [{type: "service", whitelist: ["ozw-onezone"]}, {type: "interface", interface: "rest"}, {type: "api", whitelist: ["ozw/get/*.*.*:*"]}]})},
];

// Standard base64 (with padding) of a path's UTF-8 bytes, as data.path caveats carry it.
export function b64path(path) {
  const bytes = new TextEncoder().encode(path);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
export function unb64path(s) {
  try {
    const bin = atob(s);
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch (e) {
    return s;
  }
}

// ---------------------------------------------------------------- names

// Onezone's name rule (rest-api §5.8): 2–128 code points; first and last a letter, digit, "_",
// "(" or ")"; in the middle also space, "." and "-".
const EDGE = "[\\p{L}\\p{N}_()]";
const MIDDLE = "[\\p{L}\\p{N}_() .\\-]";
const NAME_RE = new RegExp(`^${EDGE}(${MIDDLE}*${EDGE})?$`, "u");
export function validName(name) {
  const n = [...name].length;
  return n >= 2 && n <= 128 && NAME_RE.test(name);
}

const EDGE_RE = new RegExp(EDGE, "u");
const MIDDLE_RE = new RegExp(MIDDLE, "u");
// Onezone GUI's backendifyName: trims, drops a bad first and last character, keeps only the
// characters a name may contain, cuts to 50.
export function backendifyName(name) {
  let s = name.trim();
  if (s && !EDGE_RE.test([...s][0])) s = [...s].slice(1).join("");
  if (s && !EDGE_RE.test([...s].at(-1))) s = [...s].slice(0, -1).join("");
  s = [...s].filter((c) => MIDDLE_RE.test(c)).join("").trim();
  return [...s].slice(0, 50).join("");
}

function pad(n, w = 2) {
  return String(n).padStart(w, "0");
}
// "<prefix> YYYY.MM.DD-HH.mm.SS" in local time, SS being hundredths of a second as in the
// Onezone GUI (moment's "SS" is fractional seconds).
export function generateName(prefix, date = new Date()) {
  const stamp = `${date.getFullYear()}.${pad(date.getMonth() + 1)}.${pad(date.getDate())}-` +
    `${pad(date.getHours())}.${pad(date.getMinutes())}.${pad(Math.floor(date.getMilliseconds() / 10))}`;
  return backendifyName(`${prefix} ${stamp}`);
}

// ---------------------------------------------------------------- token state

export function tokenKind(type) {
  if (!type) return "access";
  if (type.inviteToken) return "invite";
  if (type.identityToken) return "identity";
  return "access";
}

export function expiry(caveats) {
  let min = null;
  for (const c of caveats || []) {
    if (c.type === "time" && Number.isInteger(c.validUntil) && (min === null || c.validUntil < min)) min = c.validUntil;
  }
  return min;
}

// One of "active", "revoked", "expired", "limit" (usage limit reached).
export function tokenState(t, nowSec) {
  if (t.revoked) return "revoked";
  const exp = expiry(t.caveats);
  if (exp !== null && nowSec >= exp) return "expired";
  const md = t.metadata || {};
  if (Number.isInteger(md.usageLimit) && Number.isInteger(md.usageCount) && md.usageCount >= md.usageLimit) return "limit";
  return "active";
}
export const STATE_LABELS = {active: "active", revoked: "revoked", expired: "expired", limit: "usage limit reached"};

export function isObsolete(state) {
  return state === "expired" || state === "limit";
}

// Onezone's sidebar order: active first, then inactive but not obsolete, then obsolete; by name.
export function compareTokens(a, b, nowSec) {
  const sa = tokenState(a, nowSec), sb = tokenState(b, nowSec);
  const ka = (sa === "active" ? 0 : 1) * 2 + (isObsolete(sa) ? 1 : 0);
  const kb = (sb === "active" ? 0 : 1) * 2 + (isObsolete(sb) ? 1 : 0);
  if (ka !== kb) return ka - kb;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export function formatTime(sec) {
  if (sec === null || sec === undefined) return "never";
  const d = new Date(sec * 1000);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function formatDuration(sec) {
  const s = Math.abs(sec);
  let text;
  if (s < 120) text = `${s} s`;
  else if (s < 7200) text = `${Math.round(s / 60)} min`;
  else if (s < 172800) text = `${Math.round(s / 3600)} h`;
  else text = `${Math.round(s / 86400)} days`;
  return sec < 0 ? `${text} ago` : `in ${text}`;
}

// ---------------------------------------------------------------- caveat words

export function describeCaveat(c) {
  if (c && c.scope === "identityToken" && !c.type) return "Legacy identity scope: carries no authorization";
  switch (c && c.type) {
    case "time": return `Expires ${formatTime(c.validUntil)}`;
    case "ip": return `Only from IP addresses: ${c.whitelist.join(", ")}`;
    case "asn": return `Only from autonomous systems: ${c.whitelist.join(", ")}`;
    case "geo.country": return `${c.filter === "blacklist" ? "Not from" : "Only from"} countries: ${c.list.join(", ")}`;
    case "geo.region": return `${c.filter === "blacklist" ? "Not from" : "Only from"} regions: ${c.list.join(", ")}`;
    case "service": return `Only in services: ${c.whitelist.join(", ")}`;
    case "consumer": return `Only for consumers: ${c.whitelist.join(", ")}`;
    case "interface": return `Only in the ${c.interface} interface`;
    case "api": return `Only API operations matching: ${c.whitelist.join(", ")}`;
    case "data.readonly": return "Read-only data access";
    case "data.path": return `Only data under: ${c.whitelist.map(unb64path).join(", ")}`;
    case "data.objectid": return `Only data objects: ${c.whitelist.join(", ")}`;
    default: return "Unknown caveat: " + JSON.stringify(c);
  }
}

export function describeType(type) {
  if (!type) return "Unknown";
  if (type.accessToken) return type.accessToken.sessionId ? "Access (bound to a session)" : "Access";
  if (type.identityToken) return "Identity";
  if (type.inviteToken) return "Invite";
  return "Unknown";
}
