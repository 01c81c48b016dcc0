// Small DOM helpers. Every string from the server or the user goes in as text (textContent or
// attribute values), never as HTML: there is no innerHTML anywhere in the page.

// h("button", {type: "button", onclick: fn, "aria-label": "Revoke"}, "Revoke", childNode, ...)
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = !!v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

// Appends children like h() does: arrays flattened, null/undefined/false skipped.
export function add(el, ...children) {
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let idCounter = 0;
export function uid(stem) {
  idCounter += 1;
  return `${stem}-${idCounter}`;
}

// A labelled control: returns {wrap, input, error} where `error` is the place for the message of
// what went wrong with this control (aria-describedby points at it).
export function field(label, control, hint) {
  const id = control.id || uid("f");
  control.id = id;
  const error = h("p", {class: "field-error", id: id + "-err", role: "alert", hidden: true});
  const hintEl = hint ? h("p", {class: "hint", id: id + "-hint"}, hint) : null;
  control.setAttribute("aria-describedby", [hintEl && hintEl.id, error.id].filter(Boolean).join(" "));
  const wrap = h("div", {class: "field"}, h("label", {for: id}, label), control, hintEl, error);
  return {wrap, input: control, error};
}

export function showError(el, message) {
  if (!el) return;
  el.textContent = message || "";
  el.hidden = !message;
}

// Icon by token type, drawn with DOM SVG (no inline markup, no external file).
const ICON_PATHS = {
  access: "M7 10a5 5 0 1 1 4.9 6H10v2H8v2H5v-3.6l4.1-4.1A5 5 0 0 1 7 10Zm5-1.5a1.5 1.5 0 1 0 0-.01Z",
  identity: "M12 3a4 4 0 1 1 0 8 4 4 0 0 1 0-8Zm-7 17c0-3.9 3.1-7 7-7s7 3.1 7 7H5Z",
  invite: "M3 6h18v12H3V6Zm2 2v.4l7 4.6 7-4.6V8l-7 4.6L5 8Z",
};
export function icon(kind) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon icon-" + kind);
  svg.setAttribute("aria-hidden", "true");
  const p = document.createElementNS(ns, "path");
  p.setAttribute("d", ICON_PATHS[kind] || ICON_PATHS.access);
  svg.append(p);
  return svg;
}
