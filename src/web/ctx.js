// State shared by the page's views, and the helpers they all use (status line, dialogs, copy,
// errors next to controls). The access token lives only here and in sessionStorage.
import {Api, ApiError, seg} from "./api.js";
import {h, clear, showError} from "./dom.js";

export const api = new Api();

export const S = {
  user: null,             // GET /user
  admin: false,           // may list every named token (oz_tokens_manage)
  clockOffsetMs: 0,       // server time minus this browser's time
  maxTtl: null,           // the server's maximum temporary-token TTL, once an error told it
  sessionTemporary: false,
  owner: {kind: "self"},  // whose tokens the list shows: self, or {kind: "user"|"provider", id}
  view: "tokens",
};

export const SESSION_KEY = "tokenzone.accessToken";

export function serverNow() {
  return Math.floor((Date.now() + S.clockOffsetMs) / 1000);
}

// Paths of the current owner's token collections.
export function ownerBase(owner = S.owner) {
  if (owner.kind === "user") return "/users/" + seg(owner.id);
  if (owner.kind === "provider") return "/providers/" + seg(owner.id);
  return "/user";
}
export function ownerLabel(owner = S.owner) {
  if (owner.kind === "user") return `user ${owner.id}`;
  if (owner.kind === "provider") return `provider ${owner.id}`;
  return "you";
}

// The status line (a polite live region); it empties itself after a while.
let statusTimer = null;
export function status(text) {
  const el = document.getElementById("status");
  el.textContent = text;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { el.textContent = ""; }, 8000);
}

// The message for an error next to `el` (a .field-error paragraph); other errors go to the
// status line.
export function reportError(el, err) {
  const text = err instanceof ApiError ? err.message : String(err && err.message || err);
  if (el) showError(el, text);
  else status(text);
  return text;
}

export function errorDetails(err) {
  if (!(err instanceof ApiError) || !err.body) return null;
  return JSON.stringify(err.body, null, 2);
}

// A modal dialog: `build(dialog, close)` fills it; resolves with what close() is given.
export function openDialog(title, build) {
  const dlg = document.getElementById("dialog");
  clear(dlg);
  return new Promise((resolve) => {
    const opener = document.activeElement;
    let done = false;
    const close = (value) => {
      if (done) return;
      done = true;
      dlg.close();
      if (opener && opener.focus && document.contains(opener)) opener.focus();
      resolve(value);
    };
    dlg.append(h("h2", {id: "dialog-title"}, title));
    build(dlg, close);
    dlg.addEventListener("cancel", (e) => { e.preventDefault(); close(false); }, {once: true});
    dlg.showModal();
  });
}

export function confirmDialog(title, text, confirmLabel) {
  return openDialog(title, (dlg, close) => {
    dlg.append(
      h("p", {class: "dialog-text"}, text),
      h("div", {class: "actions"},
        h("button", {type: "button", class: "danger", onclick: () => close(true)}, confirmLabel),
        h("button", {type: "button", onclick: () => close(false), autofocus: true}, "Cancel")));
  });
}

// Copies `text`; `source` is a textarea/input holding it (selected as a fallback).
export async function copyText(text, source, what) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    if (source) {
      source.focus();
      source.select();
      document.execCommand("copy");
    }
  }
  status(`${what} copied to the clipboard.`);
}

// Resolves an invite target's name where the server has a route for it; null otherwise.
// The cache holds what the current access token may read; another token starts it afresh.
let nameCache = new Map();
let nameCacheToken = null;
// `fresh` asks again even when a name was not readable before (e.g. right after joining).
export async function targetName(path, id, fresh) {
  if (!path || !id) return null;
  if (nameCacheToken !== api.token) {
    nameCache = new Map();
    nameCacheToken = api.token;
  }
  const key = path + id;
  if (nameCache.has(key) && !(fresh && nameCache.get(key) === null)) return nameCache.get(key);
  let name = null;
  try {
    const rec = await api.get(path + seg(id));
    name = rec && typeof rec.name === "string" ? rec.name : null;
  } catch (e) {
    name = null;
  }
  nameCache.set(key, name);
  return name;
}
