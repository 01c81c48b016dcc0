// One editor per caveat type (token-format.md §10), each switched on by a checkbox. read()
// returns the caveat JSON or throws a FieldError that names the control at fault.
import {h, field, uid} from "./dom.js";
import {b64path, unb64path} from "./model.js";

export class FieldError extends Error {
  constructor(errorEl, message) {
    super(message);
    this.errorEl = errorEl;
  }
}

export const REGIONS = ["Africa", "Antarctica", "Asia", "Europe", "EU", "NorthAmerica", "Oceania", "SouthAmerica"];
const IPV4_MASK = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
const SERVICE = /^(ozw|ozp|opw|opp)-[^|]*$/;
const CONSUMER = /^(usr|grp|prv)-[^|]+$/;
const API_SPEC = /^(all|ozw|opw|ozp|opp)\/(all|create|get|update|delete)\/[^./|]+\.[^./|]+\.[^./|:]+(:(private|protected|shared|public|auto|\*))?$/;

function list(text) {
  return text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
}

function textList(label, hint, rows) {
  const input = rows ? h("textarea", {rows: String(rows), spellcheck: "false"}) : h("input", {type: "text", spellcheck: "false", autocomplete: "off"});
  return field(label, input, hint);
}

function filterSelect(label) {
  return field(label, h("select", {},
    h("option", {value: "whitelist"}, "Allow only these"),
    h("option", {value: "blacklist"}, "Deny these")));
}

function endOfTomorrow() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(23, 59, 0, 0);
  return d;
}
function toLocalInput(d) {
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// Each entry: type, title, tooltip, applies(kind), make() -> {body, read(), fill(caveat)}
const DEFS = [
  {type: "time", title: "Expiration", tip: "The token expires at this moment.", kinds: ["access", "identity", "invite"],
    make() {
      const f = field("Expires at (local time)", h("input", {type: "datetime-local", value: toLocalInput(endOfTomorrow())}));
      return {body: [f.wrap], read() {
        const t = Date.parse(f.input.value);
        if (!f.input.value || Number.isNaN(t)) throw new FieldError(f.error, "Choose the expiration date and time.");
        return {type: "time", validUntil: Math.floor(t / 1000)};
      }, fill(c) { f.input.value = toLocalInput(new Date(c.validUntil * 1000)); }};
    }},
  {type: "geo.region", title: "Region", tip: "Allow or deny use from these geographic regions.", kinds: ["access", "identity", "invite"],
    make() {
      const sel = filterSelect("Region filter");
      const boxes = REGIONS.map((r) => {
        const id = uid("region");
        const cb = h("input", {type: "checkbox", id, value: r});
        return {cb, el: h("span", {class: "check"}, cb, h("label", {for: id}, r))};
      });
      const err = h("p", {class: "field-error", role: "alert", hidden: true});
      const group = h("fieldset", {}, h("legend", {}, "Regions"), boxes.map((b) => b.el), err);
      return {body: [sel.wrap, group], read() {
        const l = boxes.filter((b) => b.cb.checked).map((b) => b.cb.value);
        if (!l.length) throw new FieldError(err, "Choose at least one region.");
        return {type: "geo.region", filter: sel.input.value, list: l};
      }, fill(c) { sel.input.value = c.filter; boxes.forEach((b) => { b.cb.checked = c.list.includes(b.cb.value); }); }};
    }},
  {type: "geo.country", title: "Country", tip: "Allow or deny use from these countries (ISO 3166-1 alpha-2 codes).", kinds: ["access", "identity", "invite"],
    make() {
      const sel = filterSelect("Country filter");
      const f = textList("Country codes", "Two-letter codes separated by commas, e.g. PL, DE");
      return {body: [sel.wrap, f.wrap], read() {
        const l = list(f.input.value).map((s) => s.toUpperCase());
        if (!l.length || l.some((c) => !/^[A-Z]{2}$/.test(c))) throw new FieldError(f.error, "Give two-letter country codes separated by commas.");
        return {type: "geo.country", filter: sel.input.value, list: l};
      }, fill(c) { sel.input.value = c.filter; f.input.value = c.list.join(", "); }};
    }},
  {type: "asn", title: "ASN", tip: "Only from IP addresses of these autonomous systems.", kinds: ["access", "identity", "invite"],
    make() {
      const f = textList("Autonomous system numbers", "Integers separated by commas, e.g. 631, 3320");
      return {body: [f.wrap], read() {
        const l = list(f.input.value);
        if (!l.length || l.some((s) => !/^\d{1,10}$/.test(s))) throw new FieldError(f.error, "Give autonomous system numbers (integers) separated by commas.");
        return {type: "asn", whitelist: l.map(Number)};
      }, fill(c) { f.input.value = c.whitelist.join(", "); }};
    }},
  {type: "ip", title: "IP", tip: "Only from these IPv4 addresses or networks (the token format has no IPv6).", kinds: ["access", "identity", "invite"],
    make() {
      const f = textList("IPv4 addresses or networks", "e.g. 192.168.1.0/24, 10.0.0.7 (IPv4 with an optional /mask; IPv6 is not supported)");
      return {body: [f.wrap], read() {
        const l = list(f.input.value);
        const bad = l.find((s) => !IPV4_MASK.test(s));
        if (!l.length) throw new FieldError(f.error, "Give at least one IPv4 address.");
        if (bad) throw new FieldError(f.error, `"${bad}" is not an IPv4 address with an optional /mask (0–32); IPv6 is not supported.`);
        return {type: "ip", whitelist: l};
      }, fill(c) { f.input.value = c.whitelist.join(", "); }};
    }},
  {type: "consumer", title: "Consumer", tip: "Only these users, groups' members or providers may use the token.", kinds: ["access", "identity", "invite"],
    make() {
      const f = textList("Consumers", "usr-<user id>, grp-<group id>, prv-<provider id>; usr-* for any user", 2);
      return {body: [f.wrap], read() {
        const l = list(f.input.value);
        const bad = l.find((s) => !CONSUMER.test(s));
        if (!l.length || bad) throw new FieldError(f.error, bad ? `"${bad}" is not usr-, grp- or prv- followed by an id or *.` : "Give at least one consumer.");
        return {type: "consumer", whitelist: l};
      }, fill(c) { f.input.value = c.whitelist.join(", "); }};
    }},
  {type: "service", title: "Service", tip: "Only in these services: ozw-onezone, opw-<provider id>, ozp-onezone, opp-<cluster id>; * for any.", kinds: ["access"],
    make() {
      const f = textList("Services", "e.g. ozw-onezone, opw-*, opp-<cluster id>", 2);
      return {body: [f.wrap], read() {
        const l = list(f.input.value);
        const bad = l.find((s) => !SERVICE.test(s));
        if (!l.length || bad) throw new FieldError(f.error, bad ? `"${bad}" is not ozw-, ozp-, opw- or opp- followed by an id or *.` : "Give at least one service.");
        return {type: "service", whitelist: l};
      }, fill(c) { f.input.value = c.whitelist.join(", "); }};
    }},
  {type: "interface", title: "Interface", tip: "Only in this interface.", kinds: ["access", "identity"],
    make() {
      const f = field("Interface", h("select", {}, ["rest", "oneclient", "graphsync"].map((i) => h("option", {value: i}, i === "rest" ? "REST" : i === "oneclient" ? "Oneclient" : "GraphSync"))));
      return {body: [f.wrap], read() { return {type: "interface", interface: f.input.value}; }, fill(c) { f.input.value = c.interface; }};
    }},
  {type: "api", title: "API", tip: "Only API operations matching these specs: SERVICE/OPERATION/TYPE.ID.ASPECT[:SCOPE], e.g. ozw/get/user.*.*:*.", kinds: ["access"],
    make() {
      const f = textList("API operation specs", "One per line: service (all, ozw, opw, ozp, opp) / operation (all, create, get, update, delete) / type.id.aspect[:scope]", 3);
      return {body: [f.wrap], read() {
        const l = list(f.input.value.replace(/,/g, "\n"));
        const bad = l.find((s) => !API_SPEC.test(s));
        if (!l.length || bad) throw new FieldError(f.error, bad ? `"${bad}" is not SERVICE/OPERATION/TYPE.ID.ASPECT[:SCOPE].` : "Give at least one API operation spec.");
        return {type: "api", whitelist: l};
      }, fill(c) { f.input.value = c.whitelist.join("\n"); }};
    }},
  {type: "data.readonly", title: "Read-only", tip: "Data may only be read, never written.", kinds: ["access"],
    make() { return {body: [h("p", {class: "hint"}, "The token gives read-only data access.")], read() { return {type: "data.readonly"}; }, fill() {}}; }},
  {type: "data.path", title: "Path", tip: "Only data under these paths, each starting with a space id.", kinds: ["access"],
    make() {
      const f = textList("Data paths", "One per line: <space id>/<path>, e.g. 4f2c…/experiments/run1", 3);
      return {body: [f.wrap], read() {
        const l = list(f.input.value.replace(/,/g, "\n")).map((p) => ("/" + p.replace(/^\/+/, "")).replace(/\/+$/, ""));
        if (!l.length || l.some((p) => p.length < 2)) throw new FieldError(f.error, "Give at least one path starting with a space id.");
        return {type: "data.path", whitelist: l.map(b64path)};
      }, fill(c) { f.input.value = c.whitelist.map((b) => unb64path(b).replace(/^\//, "")).join("\n"); }};
    }},
  {type: "data.objectid", title: "Object ID", tip: "Only these files or directories (CDMI object ids) and what is under them.", kinds: ["access"],
    make() {
      const f = textList("Object IDs", "One per line", 3);
      return {body: [f.wrap], read() {
        const l = list(f.input.value);
        if (!l.length || l.some((s) => !/^[0-9A-Fa-f]+$/.test(s))) throw new FieldError(f.error, "Give CDMI object ids (hexadecimal), one per line.");
        return {type: "data.objectid", whitelist: l.map((s) => s.toUpperCase())};
      }, fill(c) { f.input.value = c.whitelist.join("\n"); }};
    }},
];

// The caveat section of the create form: returns {el, setKind(kind), read() -> caveats[],
// load(caveats)}.
export function caveatEditors() {
  const editors = DEFS.map((d) => {
    const ed = d.make();
    const id = uid("cv");
    const toggle = h("input", {type: "checkbox", id, "data-caveat": d.type});
    const body = h("div", {class: "caveat-body", hidden: true}, ed.body);
    toggle.addEventListener("change", () => { body.hidden = !toggle.checked; });
    const el = h("div", {class: "caveat", "data-caveat-type": d.type},
      h("div", {class: "caveat-head"}, toggle, h("label", {for: id}, `${d.title} caveat`), h("span", {class: "hint"}, " — " + d.tip)),
      body);
    return {def: d, ed, toggle, body, el};
  });
  const el = h("fieldset", {class: "caveats"}, h("legend", {}, "Caveats (restrictions)"), editors.map((e) => e.el));
  return {
    el,
    setKind(kind) {
      for (const e of editors) {
        const ok = e.def.kinds.includes(kind);
        e.el.hidden = !ok;
        if (!ok) { e.toggle.checked = false; e.body.hidden = true; }
      }
    },
    read() {
      return editors.filter((e) => e.toggle.checked && !e.el.hidden).map((e) => e.ed.read());
    },
    load(caveats) {
      for (const e of editors) { e.toggle.checked = false; e.body.hidden = true; }
      for (const c of caveats) {
        const e = editors.find((x) => x.def.type === c.type);
        if (!e) continue;
        e.toggle.checked = true;
        e.body.hidden = false;
        e.ed.fill(c);
      }
    },
    clearErrors() {
      el.querySelectorAll(".field-error").forEach((p) => { p.textContent = ""; p.hidden = true; });
    },
  };
}
