// The signed-in user's own entities (groups, spaces, clusters, harvesters, automation
// inventories) for the pickers of the create and consume views, named where the server has a GET
// for the entity (groups and spaces) and shown by id otherwise.
import {h, clear} from "./dom.js";
import {api, targetName} from "./ctx.js";
import {TARGET_LABELS, TARGET_PATHS} from "./model.js";

// Effective memberships: a user may invite to, or join with, an entity reached through a group.
const LISTS = {
  group: ["/user/effective_groups", "groups"],
  space: ["/user/effective_spaces", "spaces"],
  cluster: ["/user/effective_clusters", "clusters"],
  harvester: ["/user/effective_harvesters", "harvesters"],
  atm_inventory: ["/user/effective_atm_inventories", "atmInventories"],
};

// At most this many entities per picker (others can still be typed by id).
const MAX_LISTED = 1000;
const NAME_PARALLEL = 8;

// kind -> Promise of [{id, name|null}], for the access token it was read with.
let cache = new Map();
let cacheToken = null;

// Forgets what was read (after a join the lists change).
export function forgetEntities() {
  cache = new Map();
}

// The user's entities of `kind`, sorted by name then id; [] for a kind the page cannot list.
// Rejects with the ApiError when the server refuses the list.
export function myEntities(kind) {
  if (!LISTS[kind]) return Promise.resolve([]);
  if (cacheToken !== api.token) {
    cache = new Map();
    cacheToken = api.token;
  }
  if (!cache.has(kind)) {
    const [path, key] = LISTS[kind];
    const p = api.get(path).then(async (r) => {
      const ids = (r && Array.isArray(r[key]) ? r[key] : []).slice(0, MAX_LISTED);
      const out = ids.map((id) => ({id, name: null}));
      if (TARGET_PATHS[kind]) {
        // names, NAME_PARALLEL requests at a time (as the list loads token records)
        let next = 0;
        const worker = async () => {
          while (next < out.length) {
            const e = out[next++];
            e.name = await targetName(TARGET_PATHS[kind], e.id);
          }
        };
        await Promise.all(Array.from({length: NAME_PARALLEL}, worker));
      }
      out.sort((a, b) => (a.name || "\uffff").localeCompare(b.name || "\uffff") || a.id.localeCompare(b.id));
      return out;
    });
    p.catch(() => cache.delete(kind));
    cache.set(kind, p);
  }
  return cache.get(kind);
}

export function entityLabel(e) {
  return e.name !== null && e.name !== undefined ? `${e.name} (ID: ${e.id})` : `ID: ${e.id}`;
}

function plural(kind) {
  return kind === "atm_inventory" ? "automation inventories" : TARGET_LABELS[kind].toLowerCase() + "s";
}

// Fills `select` with the user's entities of `kind`: a first option with value "" saying
// `emptyText` (or that the list is loading / empty / failed), one option per entity (value = id,
// text = name and id), and, when `other` is given, a last option with value "__other" and that
// text. Resolves to the entities listed. `keep` is a value to select again when it is listed.
export async function fillPicker(select, kind, emptyText, other, keep) {
  clear(select);
  const first = h("option", {value: ""}, `Loading your ${plural(kind)}…`);
  select.append(first);
  let list = [];
  try {
    list = await myEntities(kind);
    first.textContent = list.length ? emptyText : `You have no ${plural(kind)}${other ? "" : " to choose from"}`;
  } catch (e) {
    first.textContent = `Your ${plural(kind)} could not be listed: ${e.message}`;
  }
  for (const e of list) select.append(h("option", {value: e.id}, entityLabel(e)));
  if (other) select.append(h("option", {value: "__other"}, other));
  if (keep && [...select.options].some((o) => o.value === keep)) select.value = keep;
  return list;
}
