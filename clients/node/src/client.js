// A typed client of a running ferndesk-verifier: the admin API (/api/help-centers...), the
// emulator controls (/api/emulator/...), the Users API (/v1/users) and the widget's identify.
//
// Written to match the server's /openapi.json: OPERATIONS below is the one table of the routes
// it calls, by the document's operationId, and test/openapi.test.js checks both ways against a
// live server's document (every route used exists there; every admin, emulator and Users API
// operation there has a method here, or is in OMITTED with the reason).
//
// Two rules, the same as the Python client's (verifier/client.py):
// - a method resolves to the answer's JSON on the status the contract gives for success, and
//   rejects with a VerifierError (status, code, reason; never a secret) on any other;
//   `request()` and `identify()` resolve to { status, body, headers } whatever the status;
// - only a verifier that cannot be reached at all rejects with VerifierUnreachable.

/** Every route this client calls: operationId -> [method, path template]. */
export const OPERATIONS = Object.freeze({
  listHelpCenters: ["GET", "/api/help-centers"],
  createHelpCenter: ["POST", "/api/help-centers"],
  getHelpCenter: ["GET", "/api/help-centers/{id}"],
  deleteHelpCenter: ["DELETE", "/api/help-centers/{id}"],
  generateJwtSecret: ["POST", "/api/help-centers/{id}/jwt-secret"],
  getJwtSecretInfo: ["GET", "/api/help-centers/{id}/jwt-secret"],
  deleteJwtSecret: ["DELETE", "/api/help-centers/{id}/jwt-secret"],
  createApiKey: ["POST", "/api/help-centers/{id}/api-keys"],
  listApiKeys: ["GET", "/api/help-centers/{id}/api-keys"],
  deleteApiKey: ["DELETE", "/api/help-centers/{id}/api-keys/{key_id}"],
  listUsers: ["GET", "/api/help-centers/{id}/users"],
  deleteUser: ["DELETE", "/api/help-centers/{id}/users/{sub}"],
  listSessions: ["GET", "/api/help-centers/{id}/sessions"],
  listIdentifyAttempts: ["GET", "/api/help-centers/{id}/identify-attempts"],
  listMessages: ["GET", "/api/help-centers/{id}/messages"],
  resetEmulator: ["POST", "/api/emulator/reset"],
  resetHelpCenter: ["POST", "/api/emulator/help-centers/{id}/reset"],
  getClock: ["GET", "/api/emulator/clock"],
  setClock: ["PUT", "/api/emulator/clock"],
  injectFault: ["POST", "/api/emulator/help-centers/{id}/faults"],
  listFaults: ["GET", "/api/emulator/help-centers/{id}/faults"],
  clearFaults: ["DELETE", "/api/emulator/help-centers/{id}/faults"],
  exportState: ["GET", "/api/emulator/state"],
  importState: ["PUT", "/api/emulator/state"],
  listV1Users: ["GET", "/v1/users"],
  createV1User: ["POST", "/v1/users"],
  updateV1User: ["PATCH", "/v1/users/{id}"],
  identify: ["POST", "/widget/{widget_id}/identify"],
  getHealth: ["GET", "/healthz"],
});

/** Operations of the document this client leaves out on purpose, with the reason. */
export const OMITTED = Object.freeze({
  startSession: "the widget frame's own call; tests drive it through the stub SDK",
  postMessage: "the widget's contact form; tests drive it through the stub SDK",
  widgetFrame: "an HTML page for the SDK's iframe, not an API",
});

/** The answer to a call whose status is not the call's success. */
export class VerifierError extends Error {
  constructor(method, path, status, body) {
    const error = body && typeof body === "object" ? body.error : undefined;
    const said = error && error.code ? `${error.code}: ${error.reason ?? error.message}`
      : JSON.stringify(body);
    super(`${method} ${path} answered ${status} ${said}`);
    this.name = "VerifierError";
    this.status = status;
    this.code = error?.code;
    this.reason = error?.reason;
    this.body = body;
  }
}

/** The verifier did not answer at all (refused, timed out, unknown host). */
export class VerifierUnreachable extends Error {
  constructor(url, cause) {
    super(`cannot reach the verifier at ${url}: ${cause?.cause?.code ?? cause?.message ?? cause}`,
      { cause });
    this.name = "VerifierUnreachable";
    this.url = url;
  }
}

export class VerifierClient {
  #fetch;

  /**
   * @param {string} url the verifier's base URL, e.g. http://127.0.0.1:8765
   * @param {{ adminToken?: string, fetch?: typeof fetch, timeoutMs?: number }} [options]
   */
  constructor(url, options = {}) {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`the verifier's URL must be http:// or https://, got ${url}`);
    }
    this.url = url.replace(/\/+$/, "");
    this.adminToken = options.adminToken;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  // -- any call -----------------------------------------------------------------------------

  /** Any call; resolves to { status, body, headers } whatever the status. */
  async request(method, path, { body, headers = {}, admin = true, bearer } = {}) {
    const sent = { accept: "application/json", ...headers };
    if (body !== undefined) sent["content-type"] ??= "application/json";
    const token = bearer ?? (admin ? this.adminToken : undefined);
    if (token) sent.authorization = `Bearer ${token}`;
    let response;
    try {
      response = await this.#fetch(this.url + path, {
        method,
        headers: sent,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new VerifierUnreachable(this.url, error);
    }
    const text = await response.text();
    let parsed = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, body: parsed, headers: Object.fromEntries(response.headers) };
  }

  /** OPERATIONS[name] with its path parameters filled in; the JSON, or a VerifierError. */
  async #call(name, params = {}, { body, query, bearer, admin = true } = {}) {
    const [method, template] = OPERATIONS[name];
    let path = template.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(params[key]));
    const search = new URLSearchParams(
      Object.entries(query ?? {}).filter(([, value]) => value !== undefined && value !== null)
        .map(([key, value]) => [key, String(value)]));
    if ([...search].length) path += `?${search}`;
    const answer = await this.request(method, path, { body, bearer, admin });
    if (answer.status >= 300) throw new VerifierError(method, path, answer.status, answer.body);
    return answer.body;
  }

  // -- meta ---------------------------------------------------------------------------------

  health() { return this.#call("getHealth", {}, { admin: false }); }

  // -- admin: help centers, secrets, keys ----------------------------------------------------

  listHelpCenters() { return this.#call("listHelpCenters"); }
  createHelpCenter(body) { return this.#call("createHelpCenter", {}, { body }); }
  getHelpCenter(id) { return this.#call("getHelpCenter", { id }); }
  deleteHelpCenter(id) { return this.#call("deleteHelpCenter", { id }); }
  generateJwtSecret(id) { return this.#call("generateJwtSecret", { id }); }
  getJwtSecretInfo(id) { return this.#call("getJwtSecretInfo", { id }); }
  deleteJwtSecret(id) { return this.#call("deleteJwtSecret", { id }); }
  createApiKey(id) { return this.#call("createApiKey", { id }); }
  listApiKeys(id) { return this.#call("listApiKeys", { id }); }
  deleteApiKey(id, keyId) { return this.#call("deleteApiKey", { id, key_id: keyId }); }

  // -- admin: what happened -----------------------------------------------------------------

  listUsers(id) { return this.#call("listUsers", { id }); }
  deleteUser(id, sub) { return this.#call("deleteUser", { id, sub }); }
  listSessions(id) { return this.#call("listSessions", { id }); }
  listIdentifyAttempts(id, { limit } = {}) {
    return this.#call("listIdentifyAttempts", { id }, { query: { limit } });
  }
  listMessages(id) { return this.#call("listMessages", { id }); }

  // -- emulator controls --------------------------------------------------------------------

  resetEmulator() { return this.#call("resetEmulator"); }
  resetHelpCenter(id) { return this.#call("resetHelpCenter", { id }); }
  getClock() { return this.#call("getClock"); }
  setClock(body) { return this.#call("setClock", {}, { body }); }
  injectFault(id, body) { return this.#call("injectFault", { id }, { body }); }
  listFaults(id) { return this.#call("listFaults", { id }); }
  clearFaults(id) { return this.#call("clearFaults", { id }); }
  exportState() { return this.#call("exportState"); }
  importState(state) { return this.#call("importState", {}, { body: state }); }

  // -- the Users API, as a backend holding an API key calls it -------------------------------

  /** `/v1/users` with one API key (fdsk_...), not the admin token. */
  usersApi(apiKey) {
    const call = (name, params, options) => this.#call(name, params,
      { ...options, bearer: apiKey, admin: false });
    return {
      list: (query = {}) => call("listV1Users", {}, { query }),
      create: (body) => call("createV1User", {}, { body }),
      update: (id, body) => call("updateV1User", { id }, { body }),
    };
  }

  // -- the widget ---------------------------------------------------------------------------

  /**
   * Identify as the SDK does, from `origin` (sent as the Origin header; null sends none).
   * Resolves to { status, body, headers } whatever the status.
   */
  identify(widgetId, jwt, { origin = "https://app.example.test", sessionId } = {}) {
    const [method, template] = OPERATIONS.identify;
    const body = { jwt };
    if (sessionId !== undefined) body.session_id = sessionId;
    return this.request(method, template.replace("{widget_id}", encodeURIComponent(widgetId)), {
      body, admin: false, headers: origin === null ? {} : { origin },
    });
  }
}
