/**
 * Types for the ferndesk-verifier stub SDK (`ferndesk.js`), a drop-in for Ferndesk's sdk.js that
 * talks to a local ferndesk-verifier. Importing the package (`import "@ferndesk-verifier/sdk-stub"`)
 * runs the script for its side effect, the global `Ferndesk`; these types describe that global.
 */

/** Options of `Ferndesk('init', options)`. */
export interface FerndeskInitOptions {
  /** The help center's widget id. */
  widgetId: string;
  /** Open the widget panel as soon as it has loaded. */
  open?: boolean;
  /** Show no launcher button; open the panel with `Ferndesk('open')`. */
  hideLauncher?: boolean;
  /**
   * Stub only: the verifier's address, e.g. `http://127.0.0.1:8765`. Defaults to
   * `window.FERNDESK_API_BASE`, then to the origin the script was loaded from.
   */
  apiBase?: string;
}

/** Options of `Ferndesk('identify', options)`. */
export interface FerndeskIdentifyOptions {
  /** The HS256 token your backend signed: the string itself (read it with `r.text()`). */
  jwt: string;
}

/** The user the help center now knows, as `identify` resolves it. */
export interface FerndeskUser {
  sub: string;
  email: string;
  name: string | null;
  custom_attributes: Record<string, unknown> | null;
}

/** Warning codes a successful identify may carry (contract section 8). */
export type IdentifyWarningCode =
  /** The token has no `exp`: it is valid forever. */
  | "no_expiry"
  /** `exp` is more than 24 hours ahead. */
  | "long_expiry"
  /** `exp` looks like milliseconds: the token never expires. */
  | "expiry_in_milliseconds"
  /** `custom_attributes` or another near-miss of `customAttributes`. */
  | "unknown_claim"
  /** An attribute value user-group rules cannot match. */
  | "unmatchable_attribute"
  | (string & {});

/**
 * Something the real service accepts but that will hurt in production, from a successful
 * identify's answer. The SDK prints each with
 * `console.warn("Ferndesk: identify warning (" + code + ") - " + reason)`; identify still
 * resolves, with the same {@link FerndeskUser}.
 */
export interface IdentifyWarning {
  code: IdentifyWarningCode;
  /** Names the claim or attribute concerned. */
  reason: string;
}

/** Error codes of the verifier's contract, and those the SDK raises itself. */
export type FerndeskErrorCode =
  | "jwt_required"
  | "invalid_jwt"
  | "domain_mismatch"
  | "subject_mismatch"
  | "unknown_widget"
  | "invalid_request"
  | "injected_fault"
  | "unavailable"
  /** SDK: identify was called before init. */
  | "not_initialized"
  /** SDK: init was called without a widgetId. */
  | "widget_id_required"
  /** SDK: the request never got an answer (server down, wrong address, CORS). */
  | "network_error"
  /** SDK: the answer was not the verifier's JSON. */
  | "bad_response"
  | (string & {});

/**
 * How a command's Promise rejects. It has already been printed: `message` with console.error,
 * then `"ferndesk-verifier: " + reason` with console.warn.
 */
export interface FerndeskError extends Error {
  name: "FerndeskError";
  /** Exactly the product's console message, e.g. `Ferndesk: identify failed - invalid jwt`. */
  message: string;
  code: FerndeskErrorCode;
  /** The verifier's explanation, which the real product does not give. */
  reason: string;
  /** The HTTP status, when the server answered. */
  status?: number;
}

/**
 * The global command function. Each call returns a Promise for its command and starts only after
 * every earlier call has settled, so `Ferndesk('identify', { jwt }); Ferndesk('open');` opens an
 * identified widget.
 *
 * Before the script has run, `window.Ferndesk` is the loader snippet's queueing function, which
 * returns `undefined`: `await` a call only once the SDK has loaded.
 */
export interface FerndeskSdk {
  /** Starts a fresh anonymous session (calling it again without identify logs the user out). */
  (command: "init", options: FerndeskInitOptions): Promise<void>;
  /**
   * Identifies the user; rejects with a {@link FerndeskError}. A success the server warns about
   * prints each {@link IdentifyWarning} with console.warn and still resolves with the user.
   */
  (command: "identify", options: FerndeskIdentifyOptions): Promise<FerndeskUser>;
  /** Opens the widget panel. */
  (command: "open"): Promise<void>;
  /** Closes the widget panel. */
  (command: "close"): Promise<void>;
  /**
   * Opens the panel if it is closed, closes it if it is open (as the launcher does), as the
   * commands called before it left it. Queued before the SDK loads, it runs after them.
   */
  (command: "toggle"): Promise<void>;
  /** The stub's version. */
  readonly version: string;
  /** Tells the stub from the real SDK. */
  readonly isVerifierStub: true;
}

/** The loader snippet's function, before the SDK has loaded: it only queues its calls. */
export interface FerndeskLoaderQueue {
  (...args: unknown[]): void;
  q?: IArguments[];
}

declare global {
  interface Window {
    /** The SDK once loaded (the loader snippet's queue before; see {@link FerndeskSdk}). */
    Ferndesk: FerndeskSdk;
    /** Read by the loader snippet: where to load sdk.js from, e.g. `http://127.0.0.1:8765/sdk.js`. */
    FERNDESK_SDK_SRC?: string;
    /** Read by the stub at each init: the verifier's address, when not the script's origin. */
    FERNDESK_API_BASE?: string;
  }
  /** The SDK once loaded; see {@link FerndeskSdk}. */
  var Ferndesk: FerndeskSdk;
}
