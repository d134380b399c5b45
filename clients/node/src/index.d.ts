// Types of ferndesk-verifier for Node, written beside the plain JavaScript (no build step).
// The wire shapes follow the server's /openapi.json components of the same names.

// -- wire shapes ------------------------------------------------------------------------------

export interface ErrorBody {
  error: { code: string; message: string; reason?: string };
}

export interface HelpCenterRecord {
  id: string;
  name: string;
  domain: string;
  widget_id: string;
  created_at: string;
  has_jwt_secret: boolean;
}

export interface HelpCenterCreate {
  name: string;
  domain: string;
  id?: string | null;
  widget_id?: string | null;
}

export interface Secret { secret: string; created_at: string; fingerprint: string }
export interface SecretInfo { created_at: string; fingerprint: string }
export interface ApiKey { id: string; key: string; created_at: string; fingerprint: string }
export interface ApiKeyInfo { id: string; created_at: string; fingerprint: string }

export interface User {
  sub: string | null;
  email: string;
  name: string | null;
  custom_attributes: Record<string, unknown> | null;
  created_at: string;
  last_seen_at: string;
  disabled: boolean;
}

export interface Session {
  id: string;
  sub: string | null;
  email: string | null;
  origin: string | null;
  user_agent: string | null;
  started_at: string;
  identified_at: string | null;
  ended_at?: string | null;
}

export interface IdentifyWarning { code: string; reason: string }

export interface Attempt {
  at: string;
  origin: string | null;
  /** `ok` on success, else the contract error's code. */
  code: string;
  reason: string;
  sub: string | null;
  token_fingerprint: string | null;
  warnings?: IdentifyWarning[];
}

export interface Message {
  id: string;
  session_id: string | null;
  sub: string | null;
  email: string | null;
  name: string | null;
  body: string;
  created_at: string;
}

export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];

/** A user of the Users API (`/v1/users`). */
export interface HelpCenterUser {
  id: string;
  helpdeskId: string;
  email: string;
  name: string | null;
  emailVerified: boolean;
  disabled: boolean;
  attributes: Record<string, AttributeValue>;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UserPage { items: HelpCenterUser[]; limit: number; offset: number; total: number }
export interface UserCreate {
  email: string;
  name?: string | null;
  attributes?: Record<string, AttributeValue>;
  disabled?: boolean;
}
export interface UserUpdate {
  email?: string;
  name?: string | null;
  attributes?: Record<string, AttributeValue>;
  disabled?: boolean;
}

export interface IdentifyResponse {
  user: { sub: string; email: string; name: string | null; custom_attributes: Record<string, unknown> | null };
  session: { id: string; [field: string]: unknown };
  warnings?: IdentifyWarning[];
}

export interface Clock { now: string; offset_seconds: number; frozen: boolean; frozen_at: string | null }
export type ClockUpdate = { offset_seconds: number } | { frozen_at: string } | Record<string, never>;

export interface Fault {
  id: number;
  times: number;
  remaining: number;
  code: string | null;
  status: number | null;
  delay_ms: number;
  created_at: string;
}
export interface FaultCreate { times: number; code?: string | null; status?: number | null; delay_ms?: number }

/** The emulator's whole state (`GET/PUT /api/emulator/state`); see the contract for its shape. */
export interface State { help_centers: Array<Record<string, unknown>>; [field: string]: unknown }

/** Any HTTP answer: the status and the parsed JSON (text if not JSON, null if empty). */
export interface Answer<T = unknown> {
  status: number;
  body: T | ErrorBody | string | null;
  headers: Record<string, string>;
}

// -- the typed client ---------------------------------------------------------------------------

/** operationId -> [method, path template]: every route the client calls. */
export const OPERATIONS: Readonly<Record<string, readonly [string, string]>>;
/** Operations of /openapi.json the client leaves out on purpose -> why. */
export const OMITTED: Readonly<Record<string, string>>;

/** A call answered with another status than its success. Never carries a secret. */
export class VerifierError extends Error {
  status: number;
  code?: string;
  reason?: string;
  body: unknown;
}

/** The verifier could not be reached at all. */
export class VerifierUnreachable extends Error {
  url: string;
}

export interface UsersApiClient {
  list(query?: { email?: string; limit?: number; offset?: number }): Promise<UserPage>;
  create(body: UserCreate): Promise<HelpCenterUser>;
  update(id: string, body: UserUpdate): Promise<HelpCenterUser>;
}

export class VerifierClient {
  constructor(url: string, options?: { adminToken?: string; fetch?: typeof fetch; timeoutMs?: number });
  readonly url: string;
  readonly adminToken?: string;
  request(method: string, path: string, options?: {
    body?: unknown; headers?: Record<string, string>; admin?: boolean; bearer?: string;
  }): Promise<Answer>;
  health(): Promise<{ status: "ok" }>;
  listHelpCenters(): Promise<HelpCenterRecord[]>;
  createHelpCenter(body: HelpCenterCreate): Promise<HelpCenterRecord>;
  getHelpCenter(id: string): Promise<HelpCenterRecord>;
  deleteHelpCenter(id: string): Promise<null>;
  generateJwtSecret(id: string): Promise<Secret>;
  getJwtSecretInfo(id: string): Promise<SecretInfo>;
  deleteJwtSecret(id: string): Promise<null>;
  createApiKey(id: string): Promise<ApiKey>;
  listApiKeys(id: string): Promise<ApiKeyInfo[]>;
  deleteApiKey(id: string, keyId: string): Promise<null>;
  listUsers(id: string): Promise<User[]>;
  deleteUser(id: string, sub: string): Promise<null>;
  listSessions(id: string): Promise<Session[]>;
  listIdentifyAttempts(id: string, options?: { limit?: number }): Promise<Attempt[]>;
  listMessages(id: string): Promise<Message[]>;
  resetEmulator(): Promise<null>;
  resetHelpCenter(id: string): Promise<null>;
  getClock(): Promise<Clock>;
  setClock(body: ClockUpdate): Promise<Clock>;
  injectFault(id: string, body: FaultCreate): Promise<Fault>;
  listFaults(id: string): Promise<Fault[]>;
  clearFaults(id: string): Promise<null>;
  exportState(): Promise<State>;
  importState(state: State): Promise<null>;
  /** `/v1/users` as a backend holding this API key (fdsk_...) calls it. */
  usersApi(apiKey: string): UsersApiClient;
  /** Identify as the SDK does; resolves whatever the status. */
  identify(widgetId: string, jwt: unknown, options?: { origin?: string | null; sessionId?: string }):
    Promise<Answer<IdentifyResponse>>;
}

// -- token signing ------------------------------------------------------------------------------

export type Claims = Record<string, unknown>;

/** An HS256 JWT of exactly `claims`, signed with `secret` (jose). */
export function signToken(secret: string, claims: Claims, options?: { header?: Record<string, unknown> }):
  Promise<string>;

// -- startVerifier ------------------------------------------------------------------------------

export interface StartOptions {
  /** A running verifier to use (default: FERNDESK_VERIFIER_URL). */
  url?: string;
  /** Its admin token (default: FERNDESK_VERIFIER_ADMIN_TOKEN); for one we start, default random. */
  adminToken?: string;
  /** The command to run as `COMMAND serve ...` (default: FERNDESK_VERIFIER_COMMAND, else `ferndesk-verifier`). */
  command?: string | string[];
  /** Run this container image instead (default: FERNDESK_VERIFIER_IMAGE). */
  image?: string;
  /** `podman` or `docker` (default: FERNDESK_VERIFIER_ENGINE, else podman when on PATH, else docker). */
  engine?: string;
  /** Arguments before the engine's `run`, e.g. ["--runtime", "/usr/sbin/runc"]. */
  engineArgs?: string[];
  /** A seed file (JSON or TOML) for a spawned server. */
  seed?: string;
  /** The spawned server's database (default: a throw-away SQLite file). */
  databaseUrl?: string;
  /** More `serve` flags. */
  args?: string[];
  /** More environment for a spawned server. */
  env?: Record<string, string>;
  /** How long the server may take to become healthy (default 60 s: a loaded 2-core CI machine may need that). */
  startTimeoutMs?: number;
}

export interface IdentifyResult {
  status: number;
  body: IdentifyResponse | ErrorBody;
}

export const DEFAULT_DOMAIN: "help.example.test";
export const DEFAULT_ORIGIN: "https://app.example.test";

export class HelpCenter {
  readonly verifier: Verifier;
  readonly id: string;
  readonly name: string;
  readonly domain: string;
  readonly widgetId: string;
  /** The JWT secret, or null for a help center made with `withSecret: false`. */
  readonly secret: string | null;
  /**
   * A token with `sub` user-1, `email` user-1@example.test, `name` Test User and `exp` an hour
   * after the emulator's now, overridden by `claims` (undefined leaves a claim out).
   */
  token(claims?: Claims): Promise<string>;
  /** Identify from `origin` (default https://app.example.test; null: none); `jwt` undefined: the default token. */
  identify(jwt?: unknown, options?: { origin?: string | null; sessionId?: string }): Promise<IdentifyResult>;
}

export class Verifier {
  readonly url: string;
  readonly adminToken: string;
  /** True for a verifier this process did not start (FERNDESK_VERIFIER_URL). */
  readonly shared: boolean;
  /** The typed client of every admin, emulator, Users API and identify route. */
  readonly client: VerifierClient;
  createHelpCenter(options?: {
    name?: string; domain?: string; id?: string; widgetId?: string; withSecret?: boolean;
  }): Promise<HelpCenter>;
  /** Own server: everything gone, real clock. Shared: only what this object made, and the clock. */
  reset(): Promise<void>;
  /** The emulator's now, in seconds since the epoch. */
  now(): Promise<number>;
  moveClock(seconds: number): Promise<Clock>;
  freezeClock(at?: Date | number | string): Promise<Clock>;
  realClock(): Promise<Clock>;
  injectFault(helpCenter: HelpCenter | string, fault: {
    times?: number; code?: string; status?: number; delayMs?: number;
  }): Promise<Fault>;
  attempts(helpCenter: HelpCenter | string): Promise<Attempt[]>;
  users(helpCenter: HelpCenter | string): Promise<User[]>;
  sessions(helpCenter: HelpCenter | string): Promise<Session[]>;
  /** What a server this process started printed so far. */
  output(): Promise<string>;
  /** Stops only a server this process started (idempotent); on a shared one, deletes what it made. */
  stop(): Promise<void>;
}

export function startVerifier(options?: StartOptions): Promise<Verifier>;

/** Split a command line as a POSIX shell would (quotes, backslashes; no expansions). */
export function splitCommand(text: string): string[];

/**
 * For a test runner's global setup: start a verifier (or use FERNDESK_VERIFIER_URL's), export
 * FERNDESK_VERIFIER_URL and FERNDESK_VERIFIER_ADMIN_TOKEN for the workers to connect to it, and
 * resolve to the teardown (stops it, restores both variables).
 */
export function shareVerifier(options?: StartOptions): Promise<() => Promise<void>>;
