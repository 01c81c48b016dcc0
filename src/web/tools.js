// Consume an invite, check any token, and the administration entry point.
import {ApiError, seg} from "./api.js";
import {h, clear, field, showError} from "./dom.js";
import {api, S, serverNow, status, reportError, errorDetails, targetName} from "./ctx.js";
import {INVITE_TYPES, TARGET_LABELS, TARGET_PATHS, describeCaveat, describeType, expiry, formatTime, formatDuration} from "./model.js";
import {resetList} from "./list.js";
import {fillPicker, forgetEntities, entityLabel} from "./directory.js";

function dl(pairs) {
  return h("dl", {class: "fields"}, pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function errorBlock(e) {
  const details = errorDetails(e);
  return h("div", {class: "result-error", role: "alert"},
    h("p", {}, e.message),
    e.id ? h("p", {class: "hint"}, `Error id: ${e.id}`) : null,
    details ? h("pre", {class: "mono"}, details) : null);
}

// ---------------------------------------------------------------- consume an invite

export function consumeView(main) {
  const input = field("Invite token", h("textarea", {id: "invite-token", rows: "4", spellcheck: "false", class: "mono", placeholder: "Enter token..."}));
  const out = h("div", {id: "invite-result", "aria-live": "polite"});
  let timer = null;
  let seq = 0;
  const check = async () => {
    const token = input.input.value.trim();
    const my = ++seq;
    clear(out);
    showError(input.error, "");
    if (!token) return;
    let ex;
    try {
      ex = await api.post("/tokens/examine", {token}, {anonymous: true});
    } catch (e) {
      if (my === seq) showError(input.error, e instanceof ApiError && (e.id === "badValueToken" || e.id === "badToken") ? "Provided token is invalid." : e.message);
      return;
    }
    if (my !== seq) return;
    const inv = ex.type && ex.type.inviteToken;
    if (!inv) {
      showError(input.error, `This is not an invite token: it is an ${describeType(ex.type).toLowerCase()} token.`);
      return;
    }
    const it = INVITE_TYPES[inv.inviteType];
    const tid = it ? inv[it.key] : "";
    const targetEl = h("span", {}, `ID: ${tid}`);
    if (it && TARGET_PATHS[it.target]) targetName(TARGET_PATHS[it.target], tid).then((n) => { targetEl.textContent = n !== null ? `${n} (ID: ${tid})` : `ID: ${tid} (its name is shown to members only, or it may have been deleted)`; });
    const privEl = h("span", {}, it && it.privs ? "the default privileges of a new member, unless the issuer chose others" : "none");
    const usesEl = h("span", {}, ex.persistence === "temporary" ? "unlimited (temporary invite)" : "not visible to you");
    // The issuer (or an admin) may read the named record: privileges and uses left.
    if (ex.persistence === "named") {
      api.get("/tokens/named/" + seg(ex.id)).then((rec) => {
        const md = rec.metadata || {};
        if (md.privileges) privEl.textContent = md.privileges.length ? md.privileges.join(", ") : "none";
        if (md.usageLimit === "infinity") usesEl.textContent = `unlimited (${md.usageCount} used)`;
        else usesEl.textContent = `${Math.max(0, md.usageLimit - md.usageCount)} of ${md.usageLimit} left`;
      }).catch(() => {});
    }
    const exp = expiry(ex.caveats);
    const verifyEl = h("p", {}, "Verifying…");
    out.append(h("h3", {}, it ? it.sentence : inv.inviteType), dl([
      ["Invite type", inv.inviteType],
      [it ? TARGET_LABELS[it.target] : "Target", targetEl],
      ["Issued by", ex.subject ? `${ex.subject.type} ${ex.subject.id}` : ""],
      ["Carried privileges", privEl],
      ["Uses left", usesEl],
      ["Expires", exp === null ? "never" : `${formatTime(exp)} (${formatDuration(exp - serverNow())})`],
      ["Caveats", ex.caveats.length ? ex.caveats.map(describeCaveat).join("; ") : "none"],
    ]), verifyEl);
    try {
      await api.post("/tokens/verify_invite_token", {token});
      if (my !== seq) return;
      verifyEl.textContent = "The invitation is valid.";
    } catch (e) {
      if (my !== seq) return;
      verifyEl.replaceWith(errorBlock(e));
      return;
    }
    if (!it || !it.join) {
      out.append(h("p", {class: "warning"}, it ? it.notConsumable : "This invitation cannot be consumed here."));
      return;
    }
    // Which of the user's own groups / spaces / harvesters joins: picked from the lists, or
    // typed as an id ("another one", e.g. reached by an admin privilege).
    const jl = it.joiner && TARGET_LABELS[it.joiner].toLowerCase();
    const joiner = it.joiner ? field(`Your ${jl} that will join`, h("select", {id: "joiner-id"})) : null;
    const other = it.joiner ? field(`ID of the ${jl} that will join`, h("input", {type: "text", id: "joiner-other", autocomplete: "off"})) : null;
    let joiners = [];
    if (joiner) {
      other.wrap.hidden = true;
      joiner.input.addEventListener("change", () => { other.wrap.hidden = joiner.input.value !== "__other"; showError(joiner.error, ""); });
      fillPicker(joiner.input, it.joiner, `Choose your ${jl}…`, `Another ${jl} (type its ID)`).then((list) => { joiners = list; });
    }
    const joinErr = h("p", {class: "field-error", role: "alert", hidden: true});
    const joinBtn = h("button", {type: "button", id: "join-button", class: "primary"}, it.joiner ? `Join with this ${it.joiner}` : "Join");
    joinBtn.addEventListener("click", async () => {
      showError(joinErr, "");
      let jid = "";
      let jlabel = "";
      if (joiner) {
        showError(joiner.error, "");
        showError(other.error, "");
        jid = joiner.input.value === "__other" ? other.input.value.trim() : joiner.input.value;
        if (!joiner.input.value) { showError(joiner.error, `Choose the ${jl} that joins.`); return; }
        if (!jid) { showError(other.error, `Give the ID of the ${jl} that joins.`); return; }
        const picked = joiners.find((e) => e.id === jid);
        jlabel = picked ? entityLabel(picked) : `ID: ${jid}`;
      }
      try {
        await api.post(it.join(seg(jid)), {token});
        forgetEntities();
        if (it.target && TARGET_PATHS[it.target]) {
          // a member now: the target's name may have become readable
          const n = await targetName(TARGET_PATHS[it.target], tid, true);
          if (n !== null) targetEl.textContent = `${n} (ID: ${tid})`;
        }
        const where = `${TARGET_LABELS[it.target].toLowerCase()} ${targetEl.textContent}`;
        out.append(h("p", {class: "success", id: "join-success"}, it.joiner ? `${TARGET_LABELS[it.joiner]} ${jlabel} has joined ${where} successfully.` : `You have joined ${where} successfully.`));
        joinBtn.disabled = true;
        status("Joined.");
      } catch (e) {
        if (e instanceof ApiError && e.status === 404 && e.id === "notFound" && !(await joinRouteExists(it.join(seg(jid || "x"))))) {
          showError(joinErr, "Joining is not available on this server: it does not have the invite-consumption routes yet.");
        } else reportError(joinErr, e);
      }
    });
    out.append(h("div", {class: "join"}, joiner ? joiner.wrap : null, other ? other.wrap : null, joinBtn, joinErr));
  };
  input.input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 500); });
  main.append(h("section", {class: "panel narrow"},
    h("h2", {}, "Consume an invite"),
    h("p", {class: "hint"}, "Paste an invite token to see what it invites to, then join."),
    input.wrap,
    h("button", {type: "button", id: "examine-invite", onclick: () => { clearTimeout(timer); check(); }}, "Examine invite"),
    out));
}

// A 404 from a join route means either "no such route here" or "the target is gone"; the route
// answers 405 to GET when it exists.
async function joinRouteExists(path) {
  try {
    await api.get(path);
    return true;
  } catch (e) {
    return !(e instanceof ApiError && e.status === 404);
  }
}

// ---------------------------------------------------------------- check a token

export function checkView(main) {
  const token = field("Token to check", h("textarea", {id: "check-token", rows: "4", spellcheck: "false", class: "mono"}));
  const as = field("Verify as", h("select", {id: "check-as"}, h("option", {value: "access"}, "Access token"), h("option", {value: "identity"}, "Identity token"), h("option", {value: "invite"}, "Invite token")));
  const inviteType = field("Expected invite type", h("select", {id: "check-invite-type"}, h("option", {value: ""}, "Any"), Object.keys(INVITE_TYPES).map((k) => h("option", {value: k}, k))));
  const iface = field("Interface", h("select", {id: "check-interface"}, h("option", {value: ""}, "Not given"), ["rest", "oneclient", "graphsync"].map((i) => h("option", {value: i}, i))));
  const ip = field("Peer IPv4 address", h("input", {type: "text", id: "check-ip", autocomplete: "off", placeholder: "empty: this browser's address"}));
  const service = field("Service token (identity token of the service, optional)", h("textarea", {id: "check-service", rows: "2", spellcheck: "false", class: "mono"}));
  const consumer = field("Consumer token (identity token of the bearer, optional)", h("textarea", {id: "check-consumer", rows: "2", spellcheck: "false", class: "mono"}));
  const dataId = "check-data";
  const data = h("span", {class: "check"}, h("input", {type: "checkbox", id: dataId}), h("label", {for: dataId}, "Allow data access caveats"));
  const out = h("div", {id: "check-result", "aria-live": "polite"});
  const sync = () => {
    const v = as.input.value;
    inviteType.wrap.hidden = v !== "invite";
    iface.wrap.hidden = v === "invite";
    service.wrap.hidden = v !== "access";
    data.hidden = v !== "access";
  };
  as.input.addEventListener("change", sync);
  const run = async () => {
    clear(out);
    showError(token.error, "");
    showError(ip.error, "");
    const t = token.input.value.trim();
    if (!t) { showError(token.error, "Paste the token to check."); return; }
    const ipv = ip.input.value.trim();
    if (ipv && !/^\d{1,3}(\.\d{1,3}){3}$/.test(ipv)) { showError(ip.error, "Give an IPv4 address such as 192.0.2.10, or leave it empty."); return; }
    try {
      const ex = await api.post("/tokens/examine", {token: t}, {anonymous: true});
      const exp = expiry(ex.caveats);
      out.append(h("h3", {}, "What the token says"), dl([
        ["Type", describeType(ex.type) + (ex.type.inviteToken ? ` (${ex.type.inviteToken.inviteType})` : "")],
        ["ID", ex.id], ["Persistence", ex.persistence], ["Subject", `${ex.subject.type} ${ex.subject.id}`],
        ["Onezone domain", ex.onezoneDomain],
        ["Expires", exp === null ? "never" : formatTime(exp)],
      ]), ex.caveats.length ? h("ol", {class: "caveat-list"}, ex.caveats.map((c) => h("li", {}, describeCaveat(c)))) : h("p", {}, "No caveats."));
    } catch (e) {
      out.append(h("h3", {}, "What the token says"), errorBlock(e));
      return;
    }
    const v = as.input.value;
    const body = {token: t};
    if (ipv) body.peerIp = ipv;
    if (v !== "invite" && iface.input.value) body.interface = iface.input.value;
    if (consumer.input.value.trim()) body.consumerToken = consumer.input.value.trim();
    if (v === "access" && service.input.value.trim()) body.serviceToken = service.input.value.trim();
    if (v === "access") body.allowDataAccessCaveats = data.querySelector("input").checked;
    if (v === "invite" && inviteType.input.value) body.expectedInviteType = inviteType.input.value;
    const path = {access: "/tokens/verify_access_token", identity: "/tokens/verify_identity_token", invite: "/tokens/verify_invite_token"}[v];
    out.append(h("h3", {}, `Verification as ${v} token`));
    try {
      const r = await api.post(path, body);
      out.append(h("p", {class: "success", id: "check-ok"}, `Valid. Subject: ${r.subject.type} ${r.subject.id}. ` + (r.ttl === null ? "No time limit." : `Expires ${formatDuration(r.ttl)}.`)));
    } catch (e) {
      out.append(errorBlock(e));
    }
  };
  main.append(h("section", {class: "panel narrow"},
    h("h2", {}, "Check a token"),
    h("p", {class: "hint"}, "Examine any token and verify it in a context of your choice (a dry run: nothing is consumed)."),
    token.wrap, as.wrap, inviteType.wrap, iface.wrap, ip.wrap, service.wrap, consumer.wrap, data,
    h("div", {class: "actions"}, h("button", {type: "button", id: "check-button", class: "primary", onclick: run}, "Check token")),
    out));
  sync();
}

// ---------------------------------------------------------------- administration

export function adminView(main) {
  const kind = field("Subject type", h("select", {id: "admin-kind"}, h("option", {value: "user"}, "User"), h("option", {value: "provider"}, "Provider")));
  const id = field("Subject ID", h("input", {type: "text", id: "admin-id", autocomplete: "off"}));
  const count = h("p", {class: "hint", id: "admin-count"});
  api.get("/tokens/named").then((r) => { count.textContent = `${r.tokens.length} named tokens on this server in all.`; }).catch((e) => { count.textContent = e.message; });
  const go = async () => {
    const v = id.input.value.trim();
    if (!v) { showError(id.error, "Give the ID of the user or provider."); return; }
    showError(id.error, "");
    S.owner = {kind: kind.input.value, id: v};
    resetList();
    window.dispatchEvent(new CustomEvent("tz-view", {detail: "tokens"}));
  };
  id.input.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
  main.append(h("section", {class: "panel narrow"},
    h("h2", {}, "Administration"),
    h("p", {class: "hint"}, "With the oz_tokens_manage privilege you can list and change any user's or provider's named tokens, create tokens for them and revoke their temporary tokens."),
    count, kind.wrap, id.wrap,
    h("div", {class: "actions"}, h("button", {type: "button", id: "admin-go", class: "primary", onclick: go}, "Show tokens of this subject"))));
}
