// The create view: templates (web-ui.md) or a custom token, named or temporary, access,
// identity or invite, with an editor for every caveat type.
import {ApiError, seg} from "./api.js";
import {h, add, clear, field, showError, uid} from "./dom.js";
import {api, S, serverNow, ownerBase, ownerLabel, status, reportError, copyText, targetName} from "./ctx.js";
import {TEMPLATES, INVITE_TYPES, TARGET_LABELS, TARGET_PATHS, PRIVILEGES, DEFAULT_PRIVILEGES, generateName, validName} from "./model.js";
import {caveatEditors, FieldError} from "./caveats.js";
import {fillPicker} from "./directory.js";

const DEFAULT_TEMP_TTL = 3600;
// Template inputs that can be picked from the user's own entities.
const NEED_PICKERS = {spaceId: "space", clusterId: "cluster"};

function radios(name, legend, options, value) {
  const inputs = {};
  const fs = h("fieldset", {class: "radios"}, h("legend", {}, legend), options.map(([v, l]) => {
    const id = uid(name);
    inputs[v] = h("input", {type: "radio", name, id, value: v, checked: v === value});
    return h("span", {class: "check"}, inputs[v], h("label", {for: id}, l));
  }));
  return {el: fs, inputs, get value() { return Object.values(inputs).find((i) => i.checked).value; },
    set value(v) { inputs[v].checked = true; }};
}

export function createView(main) {
  // ---- the form
  const name = field("Token name", h("input", {type: "text", id: "token-name", autocomplete: "off", maxlength: "128"}),
    "Generated as Onezone does; change it if you like.");
  let nameTouched = false;
  name.input.addEventListener("input", () => { nameTouched = true; });
  const persistence = radios("persistence", "Kind", [["named", "Named (stored, can be listed, renamed, revoked)"], ["temporary", "Temporary (not stored, must expire)"]], "named");
  const ttlHint = () => S.maxTtl ? `The server allows at most ${S.maxTtl} seconds.` : "The server refuses a TTL above its maximum and says what the maximum is.";
  const ttl = field("Time to live (seconds)", h("input", {type: "number", id: "temp-ttl", min: "1", step: "1", value: String(DEFAULT_TEMP_TTL)}), ttlHint());
  if (S.maxTtl) ttl.input.max = String(S.maxTtl);
  const ttlWrap = h("div", {hidden: true}, ttl.wrap);
  const kind = radios("kind", "Type", [["access", "Access"], ["identity", "Identity"], ["invite", "Invite"]], "access");

  const inviteType = field("Invite type", h("select", {id: "invite-type"}, Object.entries(INVITE_TYPES).map(([k, v]) => h("option", {value: k}, `${v.sentence} (${k})`))));
  // The target: picked from the user's own entities, or typed as an id (an admin inviting to
  // someone else's entity, or an entity the lists do not show).
  const targetPick = field("Your space", h("select", {id: "invite-target-pick"}));
  const target = field("Target ID", h("input", {type: "text", id: "invite-target", autocomplete: "off"}),
    "Filled in by the choice above, or type the ID of any target.");
  let known = new Map();   // id -> name of the entities in the picker
  let pickSeq = 0;
  const privBoxes = h("div", {class: "privs"});
  const privErr = h("p", {class: "field-error", role: "alert", hidden: true});
  const privs = h("fieldset", {class: "privileges"}, h("legend", {}, "Privileges"),
    h("p", {class: "hint"}, "These privileges will be granted to a new member after joining with this invite token."), privBoxes, privErr);
  const limitMode = field("Usage limit", h("select", {id: "usage-limit-mode"}, h("option", {value: "infinity"}, "infinity (no limit)"), h("option", {value: "number"}, "a number of uses")));
  const limit = field("Maximum number of uses", h("input", {type: "number", id: "usage-limit", min: "1", step: "1", value: "1"}));
  const limitWrap = h("div", {hidden: true}, limit.wrap);
  limitMode.input.addEventListener("change", () => { limitWrap.hidden = limitMode.input.value !== "number"; });
  const inviteBox = h("fieldset", {class: "invite", hidden: true}, h("legend", {}, "Invitation"), inviteType.wrap, targetPick.wrap, target.wrap, privs, limitMode.wrap, limitWrap);

  const meta = field("Custom metadata (JSON object, optional)", h("textarea", {rows: "2", spellcheck: "false", class: "mono", id: "custom-metadata"}));
  const caveats = caveatEditors();
  const warning = h("p", {class: "warning", id: "scope-warning", hidden: true});
  const submitErr = h("p", {class: "field-error", id: "create-error", role: "alert", hidden: true});
  const submit = h("button", {type: "submit", id: "create-button", class: "primary"}, "Create token");
  const result = h("div", {id: "create-result", "aria-live": "polite"});
  const needsBox = h("fieldset", {class: "needs", hidden: true});

  let prefix = "Custom";
  const regenerate = () => {
    if (nameTouched) return;
    let p = prefix;
    if (kind.value === "invite") {
      const it = INVITE_TYPES[inviteType.input.value];
      // Onezone puts the target's name here; the API does not give it, so a short id instead
      // (a whole id would leave no room for the time stamp within 50 characters).
      // (Onezone uses the target's name; where the page does not know it, a short id.)
      const tid = target.input.value.trim();
      const tname = known.get(tid);
      p = it.short + (tname ? " " + tname : tid ? " " + tid.slice(0, 8) : "");
    }
    name.input.value = generateName(p);
  };

  const setPrivileges = () => {
    clear(privBoxes);
    const it = INVITE_TYPES[inviteType.input.value];
    privs.hidden = !it.privs || persistence.value === "temporary";
    if (!it.privs) return;
    for (const p of PRIVILEGES[it.privs]) {
      const id = "priv-" + p;
      privBoxes.append(h("span", {class: "check"}, h("input", {type: "checkbox", id, value: p, checked: DEFAULT_PRIVILEGES[it.privs].includes(p)}), h("label", {for: id}, p)));
    }
  };
  const syncTarget = () => {
    const it = INVITE_TYPES[inviteType.input.value];
    const label = TARGET_LABELS[it.target].toLowerCase();
    target.wrap.querySelector("label").textContent = `Target ${label} ID`;
    targetPick.wrap.querySelector("label").textContent = `Your ${label} to invite to`;
    // Only the signed-in user's own entities are listed; an admin acting for someone else types ids.
    targetPick.wrap.hidden = S.owner.kind !== "self";
    if (targetPick.wrap.hidden || kind.value !== "invite" || targetPick.input.dataset.kind === it.target) return;
    if (targetPick.input.dataset.kind) target.input.value = "";   // an id of another kind of target
    targetPick.input.dataset.kind = it.target;
    const my = ++pickSeq;
    known = new Map();
    fillPicker(targetPick.input, it.target, `Choose one of your ${label === "automation inventory" ? "automation inventories" : label + "s"}, or type an ID below`, null, target.input.value.trim())
      .then((list) => {
        if (my !== pickSeq) return;
        known = new Map(list.map((e) => [e.id, e.name]));
        regenerate();
      });
  };
  const sync = () => {
    const k = kind.value;
    const temp = persistence.value === "temporary";
    ttlWrap.hidden = !temp;
    inviteBox.hidden = k !== "invite";
    name.wrap.hidden = temp;
    limitMode.wrap.hidden = temp;
    limitWrap.hidden = temp || limitMode.input.value !== "number";
    meta.wrap.hidden = temp;
    caveats.setKind(k);
    setPrivileges();
    syncTarget();
    updateWarning();
  };
  const updateWarning = () => {
    let cvs = [];
    try { cvs = caveats.read(); } catch (e) { cvs = null; }
    if (kind.value !== "access" || !cvs) { warning.hidden = true; return; }
    const service = cvs.find((c) => c.type === "service");
    const data = cvs.some((c) => c.type.startsWith("data.") || (c.type === "interface" && c.interface === "oneclient"));
    if ((!service || service.whitelist.some((s) => s.startsWith("ozw-"))) && !data) {
      warning.textContent = "Full access token: without a service or data caveat this token can do everything you can; it can be safely used only in Onezone REST API.";
      warning.hidden = false;
    } else if (data) {
      warning.textContent = "Data access token: its data caveats limit what it can do in Oneproviders.";
      warning.hidden = false;
    } else warning.hidden = true;
  };
  for (const r of [...Object.values(persistence.inputs), ...Object.values(kind.inputs)]) r.addEventListener("change", () => { sync(); regenerate(); });
  inviteType.input.addEventListener("change", () => { prefix = "Invite"; sync(); regenerate(); });
  target.input.addEventListener("input", () => {
    const tid = target.input.value.trim();
    targetPick.input.value = known.has(tid) ? tid : "";
    regenerate();
  });
  targetPick.input.addEventListener("change", () => {
    if (targetPick.input.value) target.input.value = targetPick.input.value;
    showError(target.error, "");
    regenerate();
  });
  caveats.el.addEventListener("change", updateWarning);
  caveats.el.addEventListener("input", updateWarning);

  const form = h("form", {class: "create-form", id: "create-form", novalidate: true, "aria-labelledby": "create-title"},
    h("h2", {id: "create-title"}, S.owner.kind === "self" ? "New token" : `New token for ${ownerLabel()}`),
    needsBox, name.wrap, persistence.el, ttlWrap, kind.el, inviteBox, meta.wrap, caveats.el, warning,
    h("div", {class: "actions"}, submit), submitErr, result);

  // ---- templates
  const apply = (tpl, inputs) => {
    const proto = tpl.build(inputs, serverNow());
    prefix = tpl.name ? tpl.name(inputs) : tpl.prefix;
    nameTouched = false;
    persistence.value = "named";
    kind.value = proto.type.identityToken ? "identity" : "access";
    sync();
    caveats.load(proto.caveats);
    updateWarning();
    regenerate();
    status(`Template "${tpl.label}" applied: review the token and create it.`);
  };
  const chooseTemplate = (tpl) => {
    clear(needsBox);
    result.textContent = "";
    if (!tpl.needs.length) {
      needsBox.hidden = true;
      apply(tpl, {});
      name.input.focus();
      return;
    }
    const fields = tpl.needs.map(([key, label]) => [key, field(label, h("input", {type: "text", autocomplete: "off", "data-need": key}))]);
    // A space or cluster can also be picked from the user's own (the id field follows the choice).
    const pickers = [];
    for (const [key, f] of fields) {
      const pk = NEED_PICKERS[key];
      if (!pk || S.owner.kind !== "self") continue;
      const pick = field(`Your ${pk} for this template`, h("select", {"data-need-pick": key}));
      pick.input.addEventListener("change", () => { if (pick.input.value) f.input.value = pick.input.value; showError(f.error, ""); });
      f.input.addEventListener("input", () => { if ([...pick.input.options].some((o) => o.value && o.value === f.input.value.trim())) pick.input.value = f.input.value.trim(); else pick.input.value = ""; });
      fillPicker(pick.input, pk, `Choose one of your ${pk}s, or type an ID below`);
      pickers.push([key, pick]);
    }
    const pickerOf = (key) => { const p = pickers.find(([k]) => k === key); return p ? p[1].wrap : null; };
    const go = h("button", {type: "button", id: "apply-template"}, "Apply template");
    go.addEventListener("click", () => {
      const inputs = {};
      let ok = true;
      for (const [key, f] of fields) {
        inputs[key] = f.input.value.trim();
        showError(f.error, inputs[key] ? "" : "This is needed for the template.");
        if (!inputs[key]) ok = false;
      }
      if (ok) apply(tpl, inputs);
    });
    add(needsBox, h("legend", {}, tpl.label), fields.map(([key, f]) => [pickerOf(key), f.wrap]), go);
    needsBox.hidden = false;
    fields[0][1].input.focus();
  };
  const chooseInvite = (type) => {
    clear(needsBox);
    needsBox.hidden = true;
    result.textContent = "";
    nameTouched = false;
    prefix = "Invite";
    kind.value = "invite";
    inviteType.input.value = type;
    sync();
    caveats.load([]);
    regenerate();
    (targetPick.wrap.hidden ? target.input : targetPick.input).focus();
  };
  const chooseCustom = () => {
    clear(needsBox);
    needsBox.hidden = true;
    result.textContent = "";
    nameTouched = false;
    prefix = "Custom";
    kind.value = "access";
    sync();
    caveats.load([]);
    regenerate();
    name.input.focus();
  };
  const groups = {};
  for (const tpl of TEMPLATES) (groups[tpl.group] = groups[tpl.group] || []).push(tpl);
  const templates = h("nav", {class: "templates", "aria-label": "Token templates"},
    h("h2", {}, "Templates"),
    h("p", {class: "hint"}, "Start from a template, or create a custom token."),
    Object.entries(groups).map(([g, list]) => h("div", {class: "tpl-group"}, h("h3", {}, g),
      list.map((tpl) => h("button", {type: "button", class: "tpl", "data-template": tpl.id, onclick: () => chooseTemplate(tpl)}, tpl.label)))),
    h("div", {class: "tpl-group"}, h("h3", {}, "Invitations"),
      Object.entries(INVITE_TYPES).map(([k, v]) => h("button", {type: "button", class: "tpl", "data-template": "invite-" + k, onclick: () => chooseInvite(k)}, v.sentence))),
    h("div", {class: "tpl-group"}, h("button", {type: "button", class: "tpl primary", "data-template": "custom", onclick: chooseCustom}, "Create custom token")));

  // ---- submit
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clear(result);
    caveats.clearErrors();
    for (const e of [name.error, ttl.error, target.error, limit.error, meta.error, privErr, submitErr]) showError(e, "");
    const temp = persistence.value === "temporary";
    const k = kind.value;
    let body;
    try {
      const cvs = caveats.read();
      let type;
      if (k === "access") type = {accessToken: {}};
      else if (k === "identity") type = {identityToken: {}};
      else {
        const it = INVITE_TYPES[inviteType.input.value];
        const tid = target.input.value.trim();
        if (!tid) throw new FieldError(target.error, "Give the ID of the invitation's target.");
        type = {inviteToken: {inviteType: inviteType.input.value, [it.key]: tid}};
      }
      if (temp) {
        const secs = Number(ttl.input.value);
        if (!Number.isInteger(secs) || secs < 1) throw new FieldError(ttl.error, "Give the time to live as a whole number of seconds.");
        cvs.push({type: "time", validUntil: serverNow() + secs});
        body = {type, caveats: cvs};
      } else {
        if (!validName(name.input.value)) throw new FieldError(name.error, "Name must be 2–128 characters: letters, digits, brackets and underscores; dashes, spaces and dots also in the middle.");
        body = {name: name.input.value, type, caveats: cvs};
        if (meta.input.value.trim()) {
          let custom;
          try { custom = JSON.parse(meta.input.value); } catch (e) { custom = null; }
          if (!custom || typeof custom !== "object" || Array.isArray(custom)) throw new FieldError(meta.error, "Custom metadata must be a JSON object.");
          body.customMetadata = custom;
        }
        if (k === "invite") {
          const it = INVITE_TYPES[inviteType.input.value];
          if (it.privs) body.privileges = [...privBoxes.querySelectorAll("input:checked")].map((i) => i.value);
          if (limitMode.input.value === "number") {
            const n = Number(limit.input.value);
            if (!Number.isInteger(n) || n < 1) throw new FieldError(limit.error, "The usage limit is a whole number of at least 1.");
            body.usageLimit = n;
          } else body.usageLimit = "infinity";
        }
      }
    } catch (e) {
      if (e instanceof FieldError) { showError(e.errorEl, e.message); return; }
      throw e;
    }
    const path = ownerBase() + (temp ? "/tokens/temporary" : "/tokens/named");
    try {
      const r = await api.post(path, body);
      showResult(result, r, temp);
      if (!temp) { nameTouched = false; regenerate(); }
    } catch (e) {
      const key = e instanceof ApiError && e.details && e.details.key;
      let at = submitErr;
      if (e instanceof ApiError && e.id === "tokenTimeCaveatRequired") {
        if (e.details && e.details.maxTtl) S.maxTtl = e.details.maxTtl;
        ttl.wrap.querySelector(".hint").textContent = ttlHint();
        if (S.maxTtl) ttl.input.max = String(S.maxTtl);
        at = temp ? ttl.error : submitErr;
      } else if (key === "name" || (e instanceof ApiError && e.id === "badValueName")) at = name.error;
      else if (key === "usageLimit") at = limit.error;
      else if (key === "privileges") at = privErr;
      else if (key === "customMetadata") at = meta.error;
      else if (e instanceof ApiError && e.id && e.id.startsWith("inviteToken")) at = target.error;
      reportError(at, e);
    }
  });

  main.append(h("div", {class: "create-view"}, templates, h("section", {class: "panel"}, form)));
  sync();
  regenerate();
}

function showResult(el, r, temp) {
  clear(el);
  const area = h("textarea", {readonly: true, rows: "3", class: "mono", id: "created-token", spellcheck: "false"});
  area.value = r.token;
  el.append(h("div", {class: "created"},
    h("p", {}, temp ? "Temporary token created. It is not stored: copy it now." : "Token created."),
    h("label", {for: "created-token"}, "New token string"), area,
    h("div", {class: "actions"},
      h("button", {type: "button", onclick: () => copyText(r.token, area, "Token")}, "Copy new token"),
      !temp && h("button", {type: "button", onclick: () => window.dispatchEvent(new CustomEvent("tz-open-token", {detail: r.tokenId}))}, "Open new token"))));
  status(temp ? "Temporary token created." : "Token created.");
}
