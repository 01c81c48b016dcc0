// The tokens view: the named tokens of the current owner (the signed-in user, or any user or
// provider for an admin), with filters, paging, the selected token's details and the changes
// (rename, revoke/unrevoke, delete, clean up obsolete tokens, revoke all temporary tokens).
import {ApiError, seg} from "./api.js";
import {h, add, clear, field, icon, showError} from "./dom.js";
import {api, S, serverNow, ownerBase, ownerLabel, status, reportError, confirmDialog, openDialog, copyText, targetName} from "./ctx.js";
import {INVITE_TYPES, TARGET_LABELS, TARGET_PATHS, tokenKind, tokenState, STATE_LABELS, isObsolete, compareTokens, expiry, formatTime, formatDuration, describeCaveat, describeType, validName} from "./model.js";

const PAGE_SIZE = 50;
const FETCH_PARALLEL = 8;
const TARGET_NAMES_MAX = 200;

const L = {
  ids: [],
  tokens: new Map(),       // id -> record
  loadSeq: 0,
  loaded: 0,
  total: 0,
  error: null,
  page: 0,
  selected: null,
  filters: {text: "", type: "all", state: "all", target: "all", targetId: ""},
  root: null,              // the view's element while shown
  renderQueued: false,
};

export function resetList() {
  L.loadSeq += 1;
  L.ids = [];
  L.tokens = new Map();
  L.loaded = L.total = 0;
  L.page = 0;
  L.selected = null;
  L.filters = {text: "", type: "all", state: "all", target: "all", targetId: ""};
}

// Loads the owner's token ids, then every record, FETCH_PARALLEL at a time; the list renders as
// records arrive (only one page of rows is ever in the DOM).
export async function loadTokens() {
  const seq = ++L.loadSeq;
  L.error = null;
  L.tokens = new Map();
  L.loaded = 0;
  queueRender();
  let ids;
  try {
    ids = (await api.get(ownerBase() + "/tokens/named")).tokens || [];
  } catch (e) {
    if (seq !== L.loadSeq) return;
    L.error = e;
    L.ids = [];
    L.total = 0;
    queueRender();
    return;
  }
  if (seq !== L.loadSeq) return;
  L.ids = ids;
  L.total = ids.length;
  let next = 0;
  const worker = async () => {
    while (next < ids.length && seq === L.loadSeq) {
      const id = ids[next++];
      try {
        const t = await api.get("/tokens/named/" + seg(id));
        if (seq !== L.loadSeq) return;
        L.tokens.set(id, t);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) L.error = e;
      }
      L.loaded += 1;
      if (L.loaded % 100 === 0 || L.loaded === ids.length) queueRender();
    }
  };
  await Promise.all(Array.from({length: FETCH_PARALLEL}, worker));
  if (seq === L.loadSeq) queueRender();
}

async function refreshOne(id) {
  try {
    L.tokens.set(id, await api.get("/tokens/named/" + seg(id)));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) L.tokens.delete(id);
    else throw e;
  }
  queueRender();
}

function queueRender() {
  if (L.renderQueued) return;
  L.renderQueued = true;
  requestAnimationFrame(() => {
    L.renderQueued = false;
    if (L.root && document.contains(L.root)) renderList();
  });
}

// ---------------------------------------------------------------- filters

function filtered() {
  const now = serverNow();
  const f = L.filters;
  let re = null;
  if (f.text) {
    try { re = new RegExp(f.text, "i"); } catch (e) { re = null; }
  }
  const out = [];
  for (const t of L.tokens.values()) {
    if (f.text && !(re ? re.test(t.name) : t.name.toLowerCase().includes(f.text.toLowerCase()))) continue;
    const kind = tokenKind(t.type);
    if (f.type !== "all" && kind !== f.type) continue;
    if (f.state !== "all" && tokenState(t, now) !== f.state) continue;
    if (f.type === "invite" && f.target !== "all") {
      const it = INVITE_TYPES[t.type.inviteToken.inviteType];
      if (!it || it.target !== f.target) continue;
      if (f.targetId && t.type.inviteToken[it.key] !== f.targetId) continue;
    }
    out.push(t);
  }
  out.sort((a, b) => compareTokens(a, b, now));
  return out;
}

// ---------------------------------------------------------------- the view

export function tokensView(main) {
  const f = L.filters;
  const text = field("Filter by name (regular expression)", h("input", {type: "search", value: f.text, autocomplete: "off"}));
  const type = field("Token type", h("select", {},
    [["all", "All types"], ["access", "Access"], ["identity", "Identity"], ["invite", "Invite"]].map(([v, l]) => h("option", {value: v, selected: f.type === v}, l))));
  const state = field("Token state", h("select", {},
    [["all", "All states"], ["active", "Active"], ["revoked", "Revoked"], ["expired", "Expired"], ["limit", "Usage limit reached"]].map(([v, l]) => h("option", {value: v, selected: f.state === v}, l))));
  const target = field("Invite target type", h("select", {id: "filter-target-type"},
    h("option", {value: "all"}, "All target types"),
    Object.entries(TARGET_LABELS).map(([v, l]) => h("option", {value: v, selected: f.target === v}, l))));
  // The targets of the loaded invites of the chosen target type, by name where the server gives
  // it (renderList keeps the options up to date as records arrive).
  const targetId = field("Invite target", h("select", {id: "filter-target-id"}, h("option", {value: ""}, "All targets")));
  targetId.wrap.hidden = f.target === "all";
  const inviteFilters = h("div", {class: "invite-filters", hidden: f.type !== "invite"}, target.wrap, targetId.wrap);
  const apply = () => {
    f.text = text.input.value;
    let bad = false;
    try { if (f.text) new RegExp(f.text); } catch (e) { bad = true; }
    showError(text.error, bad ? "Not a valid regular expression: matching the text literally." : "");
    f.type = type.input.value;
    f.state = state.input.value;
    const newTarget = target.input.value;
    f.targetId = newTarget === f.target ? targetId.input.value : "";   // another type: all its targets
    f.target = newTarget;
    targetId.wrap.hidden = f.target === "all";
    inviteFilters.hidden = f.type !== "invite";
    L.page = 0;
    renderList();
  };
  for (const c of [text, type, state, target, targetId]) {
    c.input.addEventListener("input", apply);
    c.input.addEventListener("change", apply);
  }

  const banner = S.owner.kind === "self" ? null : h("div", {class: "banner"},
    h("span", {}, `Administration: the named tokens of ${ownerLabel()}.`),
    h("button", {type: "button", onclick: () => { S.owner = {kind: "self"}; resetList(); window.dispatchEvent(new CustomEvent("tz-view", {detail: "tokens"})); }}, "Back to my tokens"));

  const cleanErr = h("p", {class: "field-error", role: "alert", hidden: true});
  const tools = h("div", {class: "toolbar"},
    h("button", {type: "button", id: "clean-obsolete", onclick: () => cleanObsolete(cleanErr)}, "Clean up obsolete tokens"),
    h("button", {type: "button", id: "revoke-all-temporary", onclick: () => revokeAllTemporary(cleanErr)}, "Revoke all temporary tokens"),
    h("button", {type: "button", onclick: () => loadTokens()}, "Reload tokens"),
    cleanErr);

  const listPanel = h("section", {class: "panel list-panel", "aria-labelledby": "list-title"},
    h("h2", {id: "list-title"}, S.owner.kind === "self" ? "My tokens" : `Tokens of ${ownerLabel()}`),
    banner,
    h("div", {class: "filters"}, text.wrap, type.wrap, state.wrap, inviteFilters),
    tools,
    h("p", {id: "list-summary", class: "summary", "aria-live": "polite"}),
    h("ul", {id: "token-list", class: "token-list", "aria-label": "Tokens"}),
    h("div", {class: "pager"},
      h("button", {type: "button", id: "prev-page", onclick: () => { L.page -= 1; renderList(); }}, "Previous page"),
      h("span", {id: "page-info"}),
      h("button", {type: "button", id: "next-page", onclick: () => { L.page += 1; renderList(); }}, "Next page")));
  const detailPanel = h("section", {class: "panel detail-panel", id: "detail", "aria-labelledby": "detail-title"});
  L.root = h("div", {class: "tokens-view"}, listPanel, detailPanel);
  main.append(L.root);
  renderList();
  renderDetail();
  if (!L.total && !L.tokens.size) loadTokens();
}

function stateLine(t, now) {
  const st = tokenState(t, now);
  const exp = expiry(t.caveats);
  let line = STATE_LABELS[st];
  if (exp !== null) line += st === "expired" ? ` ${formatDuration(exp - now)}` : ` · expires ${formatDuration(exp - now)}`;
  return {st, line};
}

function renderList() {
  if (!L.root) return;
  const list = L.root.querySelector("#token-list");
  const summary = L.root.querySelector("#list-summary");
  const now = serverNow();
  const rows = filtered();
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  L.page = Math.min(Math.max(0, L.page), pages - 1);
  const from = L.page * PAGE_SIZE;
  const shown = rows.slice(from, from + PAGE_SIZE);
  // Rows are rebuilt only when what they show changes, so a row being clicked is not replaced
  // under the pointer while the other records are still arriving.
  const signature = JSON.stringify([L.selected, shown.length ? 0 : L.loaded < L.total,
    shown.map((t) => [t.id, t.name, t.revoked, stateLine(t, now).line])]);
  if (list.dataset.signature !== signature) {
    list.dataset.signature = signature;
    renderRows(list, shown, now);
  }
  renderTargetOptions();
  let text = rows.length ? `Showing ${from + 1}–${from + shown.length} of ${rows.length}` : "Showing 0 tokens";
  if (rows.length !== L.tokens.size) text += ` (${L.tokens.size} in all)`;
  if (L.loaded < L.total) text += ` · loaded ${L.loaded} of ${L.total}`;
  summary.textContent = text;
  if (L.error) summary.append(h("span", {class: "field-error"}, " " + L.error.message));
  L.root.querySelector("#page-info").textContent = `Page ${L.page + 1} of ${pages}`;
  L.root.querySelector("#prev-page").disabled = L.page === 0;
  L.root.querySelector("#next-page").disabled = L.page >= pages - 1;
  if (L.selected && !L.tokens.has(L.selected) && L.loaded >= L.total) {
    L.selected = null;
    renderDetail();
  }
}

// The options of the invite target filter: every target of the chosen type among the loaded
// invites (and the chosen one, even when its invites are gone), named where possible.
function renderTargetOptions() {
  const select = L.root.querySelector("#filter-target-id");
  const f = L.filters;
  if (!select || f.target === "all") return;
  const ids = new Set();
  for (const t of L.tokens.values()) {
    const inv = t.type.inviteToken;
    const it = inv && INVITE_TYPES[inv.inviteType];
    if (it && it.target === f.target && inv[it.key]) ids.add(inv[it.key]);
  }
  if (f.targetId) ids.add(f.targetId);
  const sorted = [...ids].sort();
  const signature = JSON.stringify([f.target, sorted]);
  if (select.dataset.signature === signature) return;
  select.dataset.signature = signature;
  clear(select);
  select.append(h("option", {value: ""}, `All ${TARGET_LABELS[f.target].toLowerCase()} targets`));
  // names for the first TARGET_NAMES_MAX options only, so that a list with thousands of
  // targets does not send thousands of requests (the rest keep their ids)
  sorted.forEach((id, i) => {
    const opt = h("option", {value: id}, `ID: ${id}`);
    select.append(opt);
    if (i < TARGET_NAMES_MAX) targetName(TARGET_PATHS[f.target], id).then((n) => { if (n !== null) opt.textContent = `${n} (ID: ${id})`; });
  });
  select.value = f.targetId;
}

function renderRows(list, shown, now) {
  clear(list);
  for (const t of shown) {
    const kind = tokenKind(t.type);
    const {st, line} = stateLine(t, now);
    const open = h("button", {type: "button", class: "row-open", "aria-current": L.selected === t.id ? "true" : null,
      onclick: () => { L.selected = t.id; renderList(); renderDetail(true); }},
      icon(kind),
      h("span", {class: "visually-hidden"}, `${kind} token: `),
      h("span", {class: "row-text"}, h("span", {class: "row-name"}, t.name), h("span", {class: "row-state state-" + st, title: expiry(t.caveats) === null ? null : "expires " + formatTime(expiry(t.caveats))}, line)));
    const toggle = h("button", {type: "button", class: "row-revoke",
      "aria-label": `${t.revoked ? "Unrevoke" : "Revoke"} token ${t.name}`,
      onclick: () => setRevoked(t, !t.revoked, null)}, t.revoked ? "Unrevoke" : "Revoke");
    list.append(h("li", {class: "token-row state-" + st, "data-token-id": t.id}, open, toggle));
  }
  if (!shown.length) list.append(h("li", {class: "empty"}, L.loaded < L.total ? "Loading…" : "No tokens match."));
}

// ---------------------------------------------------------------- details

function dl(pairs) {
  return h("dl", {class: "fields"}, pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function renderDetail(focus) {
  const panel = L.root && L.root.querySelector("#detail");
  if (!panel) return;
  clear(panel);
  const t = L.selected && L.tokens.get(L.selected);
  if (!t) {
    panel.append(h("h2", {id: "detail-title"}, "Token details"), h("p", {class: "hint"}, "Choose a token in the list to see it here."));
    return;
  }
  const now = serverNow();
  const kind = tokenKind(t.type);
  const {st, line} = stateLine(t, now);
  const md = t.metadata || {};
  const invite = t.type.inviteToken;
  const it = invite && INVITE_TYPES[invite.inviteType];
  const targetDd = h("span", {});
  if (invite) {
    const tid = it ? invite[it.key] : "";
    targetDd.textContent = `ID: ${tid}`;
    if (it) targetName(TARGET_PATHS[it.target], tid).then((n) => { if (n !== null) targetDd.textContent = `${n} (ID: ${tid})`; });
  }
  const title = h("h2", {id: "detail-title", tabindex: "-1"}, icon(kind), " ", t.name);
  const tokenArea = h("textarea", {id: "token-string", readonly: true, rows: "3", spellcheck: "false", class: "mono"});
  tokenArea.value = t.token;
  const rename = field("Token name", h("input", {type: "text", id: "rename-input", value: t.name, autocomplete: "off"}));
  const renameBtn = h("button", {type: "button", id: "rename-button"}, "Rename");
  renameBtn.addEventListener("click", () => doRename(t, rename));
  rename.input.addEventListener("keydown", (e) => { if (e.key === "Enter") doRename(t, rename); });
  const actErr = h("p", {class: "field-error", role: "alert", hidden: true});
  const metaArea = field("Custom metadata (JSON object)", h("textarea", {rows: "3", spellcheck: "false", class: "mono"}));
  metaArea.input.value = JSON.stringify(md.custom || {}, null, 2);
  const caveats = t.caveats || [];
  add(panel,
    title,
    h("p", {class: "state-line state-" + st}, line),
    dl([
      ["Name", t.name],
      ["ID", h("span", {class: "mono"}, t.id)],
      ["Type", describeType(t.type)],
      invite && ["Invite type", it ? `${invite.inviteType} — ${it.sentence}` : invite.inviteType],
      invite && ["Invite target", targetDd],
      invite && ["Privileges", md.privileges ? (md.privileges.length ? md.privileges.join(", ") : "none") : "not applicable"],
      invite && ["Usage count", `${md.usageCount ?? 0} / ${md.usageLimit === "infinity" || md.usageLimit === undefined ? "infinity" : md.usageLimit}`],
      ["Subject", t.subject ? `${t.subject.type} ${t.subject.id}` : ""],
      ["Revoked", t.revoked ? "yes" : "no"],
      ["Created", formatTime(md.creationTime)],
      ["Expires", expiry(caveats) === null ? "never" : `${formatTime(expiry(caveats))} (${formatDuration(expiry(caveats) - now)})`],
    ]),
    h("h3", {}, "Caveats"),
    caveats.length
      ? h("ol", {class: "caveat-list"}, caveats.map((c) => h("li", {}, describeCaveat(c), h("code", {class: "caveat-json"}, JSON.stringify(c)))))
      : h("p", {}, "This token has no caveats."),
    h("h3", {}, "Token"),
    h("label", {for: "token-string"}, "Token string"),
    tokenArea,
    h("div", {class: "actions"},
      h("button", {type: "button", id: "copy-token", onclick: () => copyText(t.token, tokenArea, "Token")}, "Copy token"),
      h("button", {type: "button", onclick: () => copyText(t.id, null, "Token ID")}, "Copy ID")),
    h("h3", {}, "Change"),
    h("div", {class: "inline"}, rename.wrap, renameBtn),
    h("div", {class: "actions"},
      h("button", {type: "button", id: "revoke-button", class: t.revoked ? "" : "danger", onclick: () => setRevoked(t, !t.revoked, actErr)}, t.revoked ? "Unrevoke" : "Revoke"),
      h("button", {type: "button", id: "delete-button", class: "danger", onclick: () => doDelete(t, actErr)}, "Delete token")),
    actErr,
    metaArea.wrap,
    h("button", {type: "button", onclick: () => saveMetadata(t, metaArea)}, "Save custom metadata"),
    kind === "access" ? scopeSection(t) : null);
  if (focus) title.focus();
}

// What the token can do right now (POST /tokens/infer_access_token_scope).
function scopeSection(t) {
  const out = h("div", {id: "scope", "aria-live": "polite"}, "Working out the scope…");
  api.post("/tokens/infer_access_token_scope", {token: t.token}).then((r) => {
    clear(out);
    const das = r.dataAccessScope;
    add(out, dl([
      ["Valid until", r.validUntil === null ? "no time limit" : formatTime(r.validUntil)],
      ["Data access", das === null ? "none (provider token)" : das.readonly ? "read-only" : "read and write"],
    ]));
    if (das) {
      const spaces = Object.entries(das.spaces || {});
      add(out, h("h4", {}, `Spaces (${spaces.length})`),
        spaces.length ? h("ul", {}, spaces.map(([sid, s]) => h("li", {}, `${s.name} (${sid}) — supported by ${Object.keys(s.supports || {}).length} provider(s)`)))
          : h("p", {}, "No spaces are reachable with this token."));
      const provs = Object.entries(das.providers || {});
      if (provs.length) out.append(h("h4", {}, "Providers"), h("ul", {}, provs.map(([pid, p]) => h("li", {}, `${p.name} (${pid}) ${p.domain || ""} ${p.online ? "online" : "offline"}`))));
    }
  }).catch((e) => { clear(out); out.append(h("p", {class: "field-error"}, "The token cannot be used now: " + e.message)); });
  return h("section", {class: "scope"}, h("h3", {}, "What this token can do now"), out);
}

// ---------------------------------------------------------------- changes

async function doRename(t, f) {
  const name = f.input.value;
  if (!validName(name)) {
    showError(f.error, "Name must be 2–128 characters: letters, digits, brackets and underscores; dashes, spaces and dots also in the middle.");
    return;
  }
  showError(f.error, "");
  try {
    await api.patch("/tokens/named/" + seg(t.id), {name});
    await refreshOne(t.id);
    renderDetail();
    status(`Token renamed to "${name}".`);
  } catch (e) {
    reportError(f.error, e);
  }
}

async function setRevoked(t, revoked, errEl) {
  try {
    await api.patch("/tokens/named/" + seg(t.id), {revoked});
    await refreshOne(t.id);
    if (L.selected === t.id) renderDetail();
    status(`Token "${t.name}" ${revoked ? "revoked" : "unrevoked"}.`);
  } catch (e) {
    reportError(errEl, e);
  }
}

async function doDelete(t, errEl) {
  const ok = await confirmDialog("Delete token", `Are you sure you want to remove token "${t.name}"? Everything that uses it stops working; this cannot be undone.`, "Delete token");
  if (!ok) return;
  try {
    await api.del("/tokens/named/" + seg(t.id));
    L.tokens.delete(t.id);
    L.selected = null;
    renderList();
    renderDetail();
    status(`Token "${t.name}" deleted.`);
  } catch (e) {
    reportError(errEl, e);
  }
}

async function saveMetadata(t, f) {
  let custom;
  try {
    custom = JSON.parse(f.input.value);
    if (!custom || typeof custom !== "object" || Array.isArray(custom)) throw new Error();
  } catch (e) {
    showError(f.error, "Custom metadata must be a JSON object, e.g. {\"purpose\": \"CI\"}.");
    return;
  }
  showError(f.error, "");
  try {
    await api.patch("/tokens/named/" + seg(t.id), {customMetadata: custom});
    await refreshOne(t.id);
    renderDetail();
    status("Custom metadata saved.");
  } catch (e) {
    reportError(f.error, e);
  }
}

// Onezone's "Clean up obsolete tokens": expired or usage-limit-reached tokens, grouped by type,
// each preselected; revoked tokens are not offered.
async function cleanObsolete(errEl) {
  showError(errEl, "");
  const now = serverNow();
  const obsolete = [...L.tokens.values()].filter((t) => isObsolete(tokenState(t, now)));
  if (!obsolete.length) {
    status("Nothing to clean: no token has expired or reached its usage limit.");
    return;
  }
  const boxes = [];
  const chosen = await openDialog("Clean up obsolete tokens", (dlg, close) => {
    dlg.append(h("p", {class: "dialog-text"}, `These ${obsolete.length} tokens have expired or reached their usage limit. The selected ones will be deleted.`));
    for (const [kind, title] of [["access", "Access tokens"], ["identity", "Identity tokens"], ["invite", "Invitation tokens"]]) {
      const group = obsolete.filter((t) => tokenKind(t.type) === kind);
      if (!group.length) continue;
      dlg.append(h("fieldset", {}, h("legend", {}, title), group.map((t) => {
        const id = "clean-" + t.id;
        const cb = h("input", {type: "checkbox", id, checked: true});
        boxes.push([cb, t]);
        return h("div", {class: "check"}, cb, h("label", {for: id}, `${t.name} (${STATE_LABELS[tokenState(t, now)]})`));
      })));
    }
    dlg.append(h("div", {class: "actions"},
      h("button", {type: "button", class: "danger", id: "clean-confirm", onclick: () => close(boxes.filter(([cb]) => cb.checked).map(([, t]) => t))}, "Remove selected tokens"),
      h("button", {type: "button", onclick: () => close(false), autofocus: true}, "Cancel")));
  });
  if (!chosen || !chosen.length) return;
  let failed = 0;
  for (const t of chosen) {
    try {
      await api.del("/tokens/named/" + seg(t.id));
      L.tokens.delete(t.id);
    } catch (e) {
      failed += 1;
      reportError(errEl, e);
    }
  }
  renderList();
  renderDetail();
  status(`${chosen.length - failed} obsolete token(s) deleted${failed ? `, ${failed} failed` : ""}.`);
}

async function revokeAllTemporary(errEl) {
  showError(errEl, "");
  const self = S.owner.kind === "self";
  const who = self ? "your" : `${ownerLabel()}'s`;
  const text = `This revokes every temporary token of ${self ? "yours" : ownerLabel()} at once: all of ${who} temporary tokens stop working for good (named tokens are not affected). ` +
    (self && S.sessionTemporary ? "This page signed in with a temporary token too, so you will be signed out." : "");
  const ok = await confirmDialog("Revoke all temporary tokens", text, "Revoke all temporary tokens");
  if (!ok) return;
  try {
    await api.del(ownerBase() + "/tokens/temporary");
    status(`All temporary tokens of ${self ? "yours" : ownerLabel()} were revoked.`);
    if (self && S.sessionTemporary) window.dispatchEvent(new CustomEvent("tz-signout", {detail: "Your temporary tokens were revoked, including this page's: sign in again."}));
  } catch (e) {
    reportError(errEl, e);
  }
}

// Opens a token by id (after creation).
export function selectToken(id) {
  L.selected = id;
  refreshOne(id).catch(() => {});
}
