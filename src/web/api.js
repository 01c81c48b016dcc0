// The REST API of this server (Onezone's token API under /api/v3/onezone), same origin only.
// The access token travels in the x-auth-token header and nowhere else.

export const PREFIX = "/api/v3/onezone";

// An API failure: `status`, the Onedata error `id`, its `description` and `details`.
export class ApiError extends Error {
  constructor(status, body) {
    const err = body && body.error;
    super(describe(status, err));
    this.status = status;
    this.id = err ? err.id : null;
    this.details = err ? err.details : null;
    this.body = body;
  }
}

// The words a user reads: the Onedata description; for a wrapped authentication error, also
// the inner one (it says what was wrong with the token).
function describe(status, err) {
  if (!err) {
    if (status === 0) return "The server could not be reached.";
    return `The server answered HTTP ${status}.`;
  }
  let text = err.description || err.id;
  const inner = err.details && (err.details.authError || err.details.tokenError);
  if (inner && inner.description) text += " " + inner.description;
  return text;
}

export class Api {
  constructor() {
    this.token = null;   // access token for x-auth-token, or null
  }

  // method, path under PREFIX, JSON body (or undefined); opts.basic = [user, password];
  // opts.anonymous sends no credentials. Resolves to the parsed body (null when empty).
  async call(method, path, body, opts = {}) {
    const headers = {"accept": "application/json"};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (opts.basic) {
      const bytes = new TextEncoder().encode(opts.basic[0] + ":" + opts.basic[1]);
      let bin = "";
      for (const b of bytes) bin += String.fromCharCode(b);
      headers["authorization"] = "Basic " + btoa(bin);
    } else if (this.token && !opts.anonymous) {
      headers["x-auth-token"] = this.token;
    }
    let resp;
    try {
      resp = await fetch(PREFIX + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
        redirect: "error",
        referrerPolicy: "no-referrer",
      });
    } catch (e) {
      throw new ApiError(0, null);
    }
    const text = await resp.text();
    let parsed = null;
    if (text) {
      try { parsed = JSON.parse(text); } catch (e) { parsed = null; }
    }
    if (!resp.ok) throw new ApiError(resp.status, parsed);
    return parsed;
  }

  get(path, opts) { return this.call("GET", path, undefined, opts); }
  post(path, body, opts) { return this.call("POST", path, body === undefined ? {} : body, opts); }
  patch(path, body) { return this.call("PATCH", path, body); }
  del(path) { return this.call("DELETE", path); }
}

// Path segment escaping for ids and names.
export function seg(s) {
  return encodeURIComponent(s);
}
