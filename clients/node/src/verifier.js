// startVerifier(): a live ferndesk-verifier for a Node test suite, and the few helpers a test
// needs (help centers with a secret, tokens, the clock, faults, the journal of attempts).
//
// Where the server comes from, first match wins:
//   1. options.url or FERNDESK_VERIFIER_URL: a running verifier (a CI service, the one
//      `ferndesk-verifier exec` or a global setup started). It is not ours to wipe or stop: we
//      touch only the help centers we made (deleted on stop) and the clock we moved (put back);
//   2. options.image or FERNDESK_VERIFIER_IMAGE: the container image, under podman or docker;
//   3. options.command, or FERNDESK_VERIFIER_COMMAND (split as a shell would), or
//      `ferndesk-verifier` from PATH, run as `... serve` on a free port.
// In 2 and 3 the server is ours: a throw-away database, a random admin token, and stop()
// ends it.
import { randomBytes } from "node:crypto";

import { VerifierClient } from "./client.js";
import { defaultEngine, runContainer, spawnServer, splitCommand } from "./spawn.js";
import { signToken } from "./tokens.js";

export const DEFAULT_DOMAIN = "help.example.test";
export const DEFAULT_ORIGIN = "https://app.example.test";

/** Start (or connect to) a verifier; see the module comment for which. */
export async function startVerifier(options = {}) {
  const env = process.env;
  const url = options.url ?? env.FERNDESK_VERIFIER_URL;
  if (url) {
    const adminToken = options.adminToken ?? env.FERNDESK_VERIFIER_ADMIN_TOKEN;
    if (!adminToken) {
      throw new Error(`a running verifier at ${url} needs its admin token: set ` +
        "FERNDESK_VERIFIER_ADMIN_TOKEN or pass { adminToken }");
    }
    const verifier = new Verifier(url, adminToken, { shared: true });
    await verifier.client.health();  // VerifierUnreachable now, not in the first test
    return verifier;
  }
  const adminToken = options.adminToken ?? `node-${randomBytes(16).toString("hex")}`;
  const image = options.image ?? env.FERNDESK_VERIFIER_IMAGE;
  const server = image
    ? await runContainer({
      image, adminToken, args: options.args,
      engine: options.engine ?? env.FERNDESK_VERIFIER_ENGINE ?? defaultEngine(),
      engineArgs: options.engineArgs, startTimeoutMs: options.startTimeoutMs,
    })
    : await spawnServer({
      command: options.command ? [].concat(options.command)
        : splitCommand(env.FERNDESK_VERIFIER_COMMAND || "ferndesk-verifier"),
      adminToken, seed: options.seed, databaseUrl: options.databaseUrl, args: options.args,
      env: options.env, startTimeoutMs: options.startTimeoutMs,
    });
  return new Verifier(server.url, adminToken, { server });
}

export class Verifier {
  #server;
  #made = [];
  #clockFound = null;
  #stopping;

  constructor(url, adminToken, { shared = false, server } = {}) {
    this.client = new VerifierClient(url, { adminToken });
    this.url = this.client.url;
    this.adminToken = adminToken;
    this.shared = shared;
    this.#server = server;
  }

  /** What the server we started printed (empty for one we did not start). */
  async output() {
    return this.#server ? await this.#server.output() : "";
  }

  /**
   * A help center (domain help.example.test unless given) with a JWT secret unless
   * `withSecret: false`; its id and widget id are `node-<random>` unless given.
   */
  async createHelpCenter({ name = "Test help center", domain = DEFAULT_DOMAIN, id, widgetId,
    withSecret = true } = {}) {
    const made = await this.client.createHelpCenter({
      name, domain, id: id ?? randomId(), widget_id: widgetId ?? randomId(),
    });
    this.#made.push(made.id);
    const secret = withSecret ? (await this.client.generateJwtSecret(made.id)).secret : null;
    return new HelpCenter(this, made, secret);
  }

  /**
   * On our own server: everything gone and the clock real again. On a shared one: only the
   * help centers made here are emptied (users, sessions, attempts, faults), and the clock is
   * put back as it was found.
   */
  async reset() {
    if (!this.shared) {
      await this.client.resetEmulator();
      return;
    }
    for (const id of this.#made) await ignoreGone(this.client.resetHelpCenter(id));
    await this.#putClockBack();
  }

  /** The emulator's now, as seconds since the epoch. */
  async now() {
    return Date.parse((await this.client.getClock()).now) / 1000;
  }

  /**
   * Move the emulator's clock `seconds` on (back if negative). A running clock keeps running;
   * a frozen one stays frozen, `seconds` later. Resolves to the clock.
   */
  async moveClock(seconds) {
    const clock = await this.client.getClock();
    return this.#setClock(clock.frozen
      ? { frozen_at: new Date(Date.parse(clock.now) + seconds * 1000).toISOString() }
      : { offset_seconds: clock.offset_seconds + seconds });
  }

  /** Stop the clock at `at` (a Date, seconds since the epoch or ISO text; default: now). */
  async freezeClock(at) {
    const frozenAt = at === undefined ? (await this.client.getClock()).now
      : at instanceof Date ? at.toISOString()
        : typeof at === "number" ? new Date(at * 1000).toISOString() : at;
    return this.#setClock({ frozen_at: frozenAt });
  }

  /** The real clock again. */
  realClock() {
    return this.#setClock({});
  }

  async #setClock(body) {
    if (this.shared && this.#clockFound === null) this.#clockFound = await this.client.getClock();
    return this.client.setClock(body);
  }

  async #putClockBack() {
    const found = this.#clockFound;
    this.#clockFound = null;
    if (!found) return;
    await this.client.setClock(found.frozen ? { frozen_at: found.now }
      : found.offset_seconds ? { offset_seconds: found.offset_seconds } : {});
  }

  /** The next `times` identify calls of that help center fail (or wait `delayMs` first). */
  injectFault(helpCenter, { times = 1, code, status, delayMs } = {}) {
    const body = { times };
    if (code !== undefined) body.code = code;
    if (status !== undefined) body.status = status;
    if (delayMs !== undefined) body.delay_ms = delayMs;
    return this.client.injectFault(idOf(helpCenter), body);
  }

  /** Identify attempts of that help center, newest first: { at, origin, code, reason, sub }. */
  attempts(helpCenter) {
    return this.client.listIdentifyAttempts(idOf(helpCenter));
  }

  users(helpCenter) {
    return this.client.listUsers(idOf(helpCenter));
  }

  sessions(helpCenter) {
    return this.client.listSessions(idOf(helpCenter));
  }

  /**
   * Stop the server if we started it (and remove its database); on a shared server, delete
   * the help centers made here and put the clock back. Safe to call twice.
   */
  stop() {
    this.#stopping ??= (async () => {
      if (this.#server) {
        await this.#server.stop();
        return;
      }
      const made = this.#made;
      this.#made = [];
      for (const id of made) await ignoreGone(this.client.deleteHelpCenter(id));
      await this.#putClockBack();
    })();
    return this.#stopping;
  }
}

export class HelpCenter {
  constructor(verifier, made, secret) {
    this.verifier = verifier;
    this.id = made.id;
    this.name = made.name;
    this.domain = made.domain;
    this.widgetId = made.widget_id;
    this.secret = secret;
  }

  /**
   * A token signed with this help center's secret: `sub` user-1, `email` user-1@example.test,
   * `name` Test User and `exp` an hour after the emulator's now, overridden by `claims`
   * (a claim given as undefined is left out).
   */
  async token(claims = {}) {
    if (!this.secret) throw new Error(`help center ${this.id} has no secret to sign with`);
    const now = Math.floor(await this.verifier.now());
    const payload = { sub: "user-1", email: "user-1@example.test", name: "Test User",
      exp: now + 3600, ...claims };
    for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
    return signToken(this.secret, payload);
  }

  /**
   * Identify as the SDK does, from `origin` (default https://app.example.test; null: no Origin
   * header). `jwt` undefined signs the default token. Resolves to { status, body } whatever
   * the status; rejects only if the verifier cannot be reached.
   */
  async identify(jwt, { origin = DEFAULT_ORIGIN, sessionId } = {}) {
    const token = jwt === undefined ? await this.token() : jwt;
    const { status, body } = await this.verifier.client.identify(this.widgetId, token,
      { origin, sessionId });
    return { status, body };
  }
}

function idOf(helpCenter) {
  return typeof helpCenter === "string" ? helpCenter : helpCenter.id;
}

function randomId() {
  return `node-${randomBytes(8).toString("hex")}`;
}

async function ignoreGone(call) {
  try {
    await call;
  } catch (error) {
    if (error.status !== 404) throw error;
  }
}

/**
 * For a test runner's global setup: start a verifier (or use FERNDESK_VERIFIER_URL's) and put
 * its URL and admin token in FERNDESK_VERIFIER_URL / FERNDESK_VERIFIER_ADMIN_TOKEN, which the
 * runner's workers inherit, so that every startVerifier() in them connects to this one server.
 * Resolves to the teardown: it stops the server (if it started one) and restores both variables.
 */
export async function shareVerifier(options = {}) {
  const saved = { url: process.env.FERNDESK_VERIFIER_URL,
    token: process.env.FERNDESK_VERIFIER_ADMIN_TOKEN };
  const verifier = await startVerifier(options);
  process.env.FERNDESK_VERIFIER_URL = verifier.url;
  process.env.FERNDESK_VERIFIER_ADMIN_TOKEN = verifier.adminToken;
  return async () => {
    await verifier.stop();
    restore("FERNDESK_VERIFIER_URL", saved.url);
    restore("FERNDESK_VERIFIER_ADMIN_TOKEN", saved.token);
  };
}

function restore(name, value) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
