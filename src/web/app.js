// The page's entry point: sign-in, navigation between views, sign-out.
import {ApiError} from "./api.js";
import {h, add, clear, field, showError} from "./dom.js";
import {api, S, SESSION_KEY, status, reportError} from "./ctx.js";
import {tokensView, resetList, loadTokens, selectToken} from "./list.js";
import {createView} from "./create.js";
import {consumeView, checkView, adminView} from "./tools.js";

// The sign-in token lives for at most this long (and never longer than the server allows).
const SIGN_IN_TTL = 8 * 3600;

const VIEWS = [
  ["tokens", "My tokens", tokensView],
  ["create", "Create token", createView],
  ["consume", "Consume invite", consumeView],
  ["check", "Check a token", checkView],
  ["admin", "Administration", adminView],
];

function main() {
  return document.getElementById("main");
}

async function syncClock() {
  try {
    const r = await api.get("/provider/public/get_current_time", {anonymous: true});
    S.clockOffsetMs = r.timeMillis - Date.now();
  } catch (e) {
    S.clockOffsetMs = 0;
  }
}

// ---------------------------------------------------------------- sign-in

function signInView() {
  document.getElementById("nav").hidden = true;
  clear(document.getElementById("who"));
  const m = clear(main());
  const user = field("Username", h("input", {type: "text", id: "username", autocomplete: "username", required: true}));
  const pass = field("Password", h("input", {type: "password", id: "password", autocomplete: "current-password", required: true}));
  const passErr = h("p", {class: "field-error", id: "signin-error", role: "alert", hidden: true});
  const pwForm = h("form", {id: "password-form", novalidate: true},
    h("h2", {}, "Sign in with username and password"),
    h("p", {class: "hint"}, "The page turns them into a short-lived temporary access token and forgets the password."),
    user.wrap, pass.wrap,
    h("button", {type: "submit", class: "primary", id: "signin-button"}, "Sign in"), passErr);
  pwForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(passErr, "");
    const username = user.input.value;
    let password = pass.input.value;
    pass.input.value = "";
    if (!username || !password) { showError(passErr, "Give your username and password."); return; }
    try {
      await syncClock();
      const token = await temporaryToken([username, password]);
      password = null;
      await startSession(token, passErr);
    } catch (err) {
      password = null;
      reportError(passErr, err);
    }
  });
  const tok = field("Access token", h("textarea", {id: "paste-token", rows: "3", spellcheck: "false", class: "mono", autocomplete: "off"}));
  const tokForm = h("form", {id: "token-form", novalidate: true},
    h("h2", {}, "Or sign in with an access token"),
    tok.wrap,
    h("button", {type: "submit", id: "token-signin-button"}, "Sign in with token"));
  tokForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const t = tok.input.value.trim();
    tok.input.value = "";
    showError(tok.error, "");
    if (!t) { showError(tok.error, "Paste an access token."); return; }
    await syncClock();
    await startSession(t, tok.error);
  });
  m.append(h("section", {class: "panel narrow signin"}, h("h2", {class: "visually-hidden"}, "Sign in"), pwForm, tokForm));
  user.input.focus();
}

// POST /user/tokens/temporary with Basic auth; a TTL above the server's maximum is retried once
// with the maximum the error names.
async function temporaryToken(basic) {
  const now = Math.floor((Date.now() + S.clockOffsetMs) / 1000);
  let ttl = S.maxTtl ? Math.min(S.maxTtl, SIGN_IN_TTL) : SIGN_IN_TTL;
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await api.post("/user/tokens/temporary", {type: {accessToken: {}}, caveats: [{type: "time", validUntil: now + ttl}]}, {basic});
      return r.token;
    } catch (e) {
      if (attempt === 0 && e instanceof ApiError && e.id === "tokenTimeCaveatRequired" && e.details && e.details.maxTtl < ttl) {
        S.maxTtl = e.details.maxTtl;
        ttl = S.maxTtl;
        continue;
      }
      throw e;
    }
  }
}

async function startSession(token, errEl) {
  api.token = token;
  try {
    S.user = await api.get("/user");
  } catch (e) {
    api.token = null;
    reportError(errEl, e);
    return;
  }
  try {
    sessionStorage.setItem(SESSION_KEY, token);
  } catch (e) { /* storage refused: the token stays in memory only */ }
  try {
    const ex = await api.post("/tokens/examine", {token}, {anonymous: true});
    S.sessionTemporary = ex.persistence === "temporary";
  } catch (e) {
    S.sessionTemporary = false;
  }
  try {
    await api.get("/tokens/named");
    S.admin = true;
  } catch (e) {
    S.admin = false;
  }
  S.owner = {kind: "self"};
  resetList();
  renderChrome();
  show("tokens");
  status(`Signed in as ${S.user.username || S.user.userId}.`);
}

function signOut(message) {
  api.token = null;
  try { sessionStorage.removeItem(SESSION_KEY); } catch (e) { /* nothing stored */ }
  S.user = null;
  S.admin = false;
  S.owner = {kind: "self"};
  resetList();
  signInView();
  status(message || "Signed out: the page has forgotten the token.");
}

// ---------------------------------------------------------------- chrome and views

function renderChrome() {
  const who = clear(document.getElementById("who"));
  add(who, h("span", {}, `Signed in as ${S.user.username || S.user.fullName || S.user.userId}`),
    S.admin ? h("span", {class: "badge"}, "admin") : null,
    h("button", {type: "button", id: "signout-button", onclick: () => signOut()}, "Sign out"));
  const nav = clear(document.getElementById("nav"));
  for (const [id, label] of VIEWS) {
    if (id === "admin" && !S.admin) continue;
    nav.append(h("button", {type: "button", "data-view": id, onclick: () => show(id)}, label));
  }
  nav.hidden = false;
}

function show(id) {
  S.view = id;
  for (const b of document.querySelectorAll("#nav button")) b.setAttribute("aria-current", b.dataset.view === id ? "page" : "false");
  const m = clear(main());
  const view = VIEWS.find((v) => v[0] === id);
  view[2](m);
}

window.addEventListener("tz-view", (e) => show(e.detail));
window.addEventListener("tz-signout", (e) => signOut(e.detail));
window.addEventListener("tz-open-token", (e) => { selectToken(e.detail); show("tokens"); loadTokens(); });

async function boot() {
  let saved = null;
  try { saved = sessionStorage.getItem(SESSION_KEY); } catch (e) { saved = null; }
  if (saved) {
    await syncClock();
    const err = h("p", {});
    await startSession(saved, err);
    if (!S.user) {
      try { sessionStorage.removeItem(SESSION_KEY); } catch (e) { /* ignore */ }
      signInView();
      status("The saved session is no longer valid: " + err.textContent);
    }
    return;
  }
  signInView();
}

boot();
