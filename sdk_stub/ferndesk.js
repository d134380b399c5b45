/*!
 * ferndesk-verifier stub SDK: a drop-in for Ferndesk's sdk.js that talks to a local
 * ferndesk-verifier instead of Ferndesk. Plain ES2020, no dependencies, no build step.
 *
 * What it imitates from the real Ferndesk SDK:
 *   - the global `Ferndesk(command, options)` and the loader snippet's queue (`Ferndesk.q`):
 *     the snippet (sdk_stub/loader-snippet.html) loads this file unchanged when
 *     `window.FERNDESK_SDK_SRC` points at it, and calls made before it loaded run first, in order;
 *   - pages with a nonce-based Content-Security-Policy: the snippet gives its script tag
 *     (`script#ferndesk-sdk`) the nonce of its own, and the widget's <style> carries it on (no
 *     inline style attributes, which such a policy refuses);
 *   - `init` { widgetId, open, hideLauncher }: a fresh anonymous session, the launcher button and
 *     the widget panel; calling it again without `identify` logs the user out;
 *   - `identify` { jwt }: sends the token and, when it fails, prints the product's exact console
 *     message (`Ferndesk: identify failed - invalid jwt`, ...) with console.error;
 *   - `open` / `close` / `toggle`: the widget panel, whose contact form is pre-filled once
 *     identified; `toggle` (and the launcher) opens a closed panel and closes an open one;
 *   - a successful identify's `warnings` (accepted, but will hurt in production: no `exp`, ...):
 *     one `console.warn("Ferndesk: identify warning (code) - reason")` each.
 *
 * What it adds, because the real SDK cannot tell you:
 *   - after every failure, `console.warn("ferndesk-verifier: " + reason)`, the verifier's own
 *     explanation (how long ago the token expired, which claim is wrong, which domain rule failed);
 *   - mistakes copied from older docs are named, not just rejected: `{ token }` instead of
 *     `{ jwt }` here, a token with `userId` but no `sub` in the server's reason; so are other
 *     slips: a fetch Response or an object passed as the jwt, `widget_id` instead of `widgetId`;
 *   - every command returns a Promise and starts only after the one before it has settled;
 *     identify's resolves with the user, or rejects with an Error carrying `code` and `reason`.
 *
 * Console convention: a failure prints one `Ferndesk: ...` line with console.error (the
 * product's exact message where the product has one), then one `ferndesk-verifier: ...` line
 * with console.warn (ours).
 *
 * Server: the origin this script was loaded from, unless `window.FERNDESK_API_BASE` or init's
 * `apiBase` names another. Widget calls are text/plain POSTs (no CORS preflight) without
 * credentials, so every error body, domain_mismatch included, is readable from any page.
 */
(function () {
  "use strict";

  // Imported while rendering on a server (SSR): there is no page to put a widget in.
  if (typeof window === "undefined" || typeof document === "undefined") return;

  // Loaded twice: the first instance owns the session and the widget; keep it.
  const loaderFunction = window.Ferndesk;
  if (typeof loaderFunction === "function" && loaderFunction.isVerifierStub === true) return;

  const VERSION = "0.1.0";
  const COMMANDS = ["init", "identify", "open", "close", "toggle"];
  const VERIFIER = "ferndesk-verifier: ";
  const FRAME_LOAD_TIMEOUT_MS = 10000;
  const WIDGET_ID = "ferndesk-widget";
  const FRAME_ID = "ferndesk-widget-frame";
  const LAUNCHER_ID = "ferndesk-launcher";
  const STYLE_ID = "ferndesk-widget-style";

  const JWT_REQUIRED = "Ferndesk: identify requires a jwt";
  const INIT_BEFORE_IDENTIFY = "Ferndesk: call Ferndesk('init', { widgetId }) before identify";
  const WIDGET_ID_REQUIRED = "Ferndesk: init requires a widgetId";
  const LOG_OUT_HINT = "to log out, call Ferndesk('init', { widgetId }) again without identify";
  const IDENTIFY_EXAMPLE =
    "fetch('/api/ferndesk-token').then(r => r.text()).then(jwt => Ferndesk('identify', { jwt }))";

  /** Near-misses of the supported commands, and what to call instead. */
  const COMMAND_HINTS = new Map([
    ["logout", LOG_OUT_HINT],
    ["logOut", LOG_OUT_HINT],
    ["shutdown", LOG_OUT_HINT],
    ["reset", LOG_OUT_HINT],
    ["show", "to show the widget, call Ferndesk('open')"],
    ["hide", "to hide the widget, call Ferndesk('close')"],
    ["boot", "to start, call Ferndesk('init', { widgetId })"],
    ["login", "to identify a user, call Ferndesk('identify', { jwt })"],
  ]);

  const WIDGET_STYLE = `
#${WIDGET_ID}{position:fixed;right:20px;bottom:20px;z-index:2147483000;display:flex;
  flex-direction:column;align-items:flex-end;gap:12px}
#${FRAME_ID}{display:block;width:380px;height:560px;max-width:calc(100vw - 40px);
  max-height:calc(100vh - 110px);border:0;border-radius:12px;background:#fff;
  box-shadow:0 12px 40px rgba(0,0,0,.25)}
#${FRAME_ID}[hidden]{display:none !important}
#${LAUNCHER_ID}{width:56px;height:56px;margin:0;padding:0;border:0;border-radius:50%;
  background:#2f6f4f;color:#fff;font:600 24px/1 system-ui,sans-serif;cursor:pointer;
  box-shadow:0 4px 16px rgba(0,0,0,.25)}
#${LAUNCHER_ID}:focus-visible{outline:3px solid #9ad1b4;outline-offset:2px}`;

  /**
   * A failure the SDK reports: `message` is what the product prints, `reason` is the verifier's.
   */
  class FerndeskError extends Error {
    /**
     * @param {string} code the contract's error code, or one of the SDK's own
     * @param {string} message the exact console message
     * @param {string} reason why it failed
     * @param {number} [status] the HTTP status, when the server answered
     */
    constructor(code, message, reason, status) {
      super(message);
      this.name = "FerndeskError";
      this.code = code;
      this.reason = reason;
      if (status !== undefined) this.status = status;
    }
  }

  const scriptOrigin = findScriptOrigin();
  const scriptNonce = findScriptNonce();

  /**
   * The widget and session of the last `init` that had a widgetId (`sessionId` is null when the
   * server could not start one), or null before any. `frameToken` is what the widget frame of
   * that session opens with (see `post`); the session id alone opens nothing.
   * @type {{widgetId: string, base: string, sessionId: (string|null),
   *         frameToken?: (string|null)} | null}
   */
  let current = null;
  /** @type {{root: HTMLDivElement, frame: HTMLIFrameElement, launcher: HTMLButtonElement} | null} */
  let widget = null;
  /** Settles once every command called so far has settled. */
  let tail = Promise.resolve();

  const HANDLERS = new Map([
    ["init", init],
    ["identify", identify],
    ["open", open],
    ["close", close],
    ["toggle", toggle],
  ]);

  // ---------------------------------------------------------------------------------------------
  // The public function

  /**
   * Runs a command after every earlier command has settled, and returns its Promise.
   *
   * - `Ferndesk('init', { widgetId, open?, hideLauncher?, apiBase? })` resolves once the new
   *   anonymous session's widget has loaded.
   * - `Ferndesk('identify', { jwt })` resolves with the user `{ sub, email, name,
   *   custom_attributes }` once the widget shows the identified form; rejects with an Error whose
   *   `message` is the product's exact console message and which carries `code` and `reason`.
   *   A success the server warns about (a token without `exp`, ...) prints each warning with
   *   console.warn and still resolves with the same user.
   * - `Ferndesk('open')` / `Ferndesk('close')` show / hide the widget panel;
   *   `Ferndesk('toggle')` shows a hidden panel and hides a shown one (decided when it runs,
   *   after the commands called before it).
   *
   * A rejection nobody handles is not reported as "Uncaught (in promise)": the failure has
   * already been printed.
   *
   * @param {string} command "init", "identify", "open", "close" or "toggle"
   * @param {object} [options]
   * @returns {Promise<*>}
   */
  function Ferndesk(command, options) {
    const result = tail.then(() => execute(command, options));
    tail = result.then(ignore, ignore); // also marks `result` handled: no "Uncaught (in promise)"
    return result;
  }
  Ferndesk.version = VERSION;
  Ferndesk.isVerifierStub = true;

  window.Ferndesk = Ferndesk;
  adoptLoaderQueue(loaderFunction);

  function ignore() {}

  async function execute(command, options) {
    const handler = HANDLERS.get(command);
    if (!handler) {
      warnUnknownCommand(command);
      return undefined;
    }
    try {
      return await handler(options);
    } catch (error) {
      report(error);
      throw error;
    }
  }

  /** Prints a failure: the product's message, then the verifier's reason. */
  function report(error) {
    if (error instanceof FerndeskError) {
      console.error(error.message);
      if (error.reason) console.warn(VERIFIER + error.reason);
    } else {
      console.error(error);
    }
  }

  function warnUnknownCommand(command) {
    const name = typeof command === "string" ? JSON.stringify(command) : describe(command);
    const hint = COMMAND_HINTS.get(command);
    console.warn(
      `${VERIFIER}unknown command ${name}; the supported commands are ${COMMANDS.join(", ")}` +
        (hint ? `; ${hint}` : "")
    );
  }

  /**
   * Runs the calls the loader snippet queued before this script arrived, in order. A page that
   * kept a reference to the snippet's function (`const F = window.Ferndesk`) still reaches us:
   * its later pushes onto `q` become calls.
   */
  function adoptLoaderQueue(stub) {
    if (typeof stub !== "function") return;
    const queued = Array.isArray(stub.q) ? Array.from(stub.q) : [];
    queued.forEach(runQueuedCall);
    stub.q = {
      push(...calls) {
        calls.forEach(runQueuedCall);
        return 0;
      },
    };
  }

  function runQueuedCall(args) {
    Ferndesk(args[0], args[1]);
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  /** `init`: a fresh anonymous session (logging out whoever was identified) and its widget. */
  async function init(options) {
    const widgetId = readWidgetId(options);
    current = { widgetId, base: resolveApiBase(options), sessionId: null };
    let failure = null;
    try {
      const answer = await post(current, "sessions", {}, "session");
      current.sessionId = readSessionId(answer) || null;
    } catch (error) {
      failure = error; // still show the widget, so a failed re-init never leaves a user shown
    }
    await documentReady();
    await showWidget(frameUrl(current), !options.hideLauncher);
    if (options.open) await open();
    if (failure) throw failure;
  }

  /** `identify`: sends the JWT; on success the widget reloads with the identified session. */
  async function identify(options) {
    const jwt = readJwt(options);
    if (!current) {
      throw new FerndeskError(
        "not_initialized",
        INIT_BEFORE_IDENTIFY,
        "identify needs the widget id that init gives: call init, then identify, then open"
      );
    }
    const body = { jwt };
    if (current.sessionId) body.session_id = current.sessionId;
    const answer = await post(current, "identify", body, "user");
    printWarnings(answer.warnings);
    current.sessionId = readSessionId(answer) || current.sessionId;
    await pointFrameAt(frameUrl(current));
    return answer.user;
  }

  /**
   * `open`: shows the panel. init and identify settle only once the frame has loaded their
   * session's form, and commands run in order, so the panel never opens on a stale form.
   */
  async function open() {
    if (!widget) {
      console.warn(`${VERIFIER}open was called before init; call Ferndesk('init', { widgetId }) first`);
      return;
    }
    setPanelOpen(true);
  }

  /** `close`: hides the panel. */
  async function close() {
    if (widget) setPanelOpen(false);
  }

  /**
   * `toggle`: hides a shown panel, shows a hidden one. It runs in the queue like every command,
   * so it looks at the panel as the commands before it left it.
   */
  async function toggle() {
    if (!widget) {
      console.warn(`${VERIFIER}toggle was called before init; call Ferndesk('init', { widgetId }) first`);
      return;
    }
    setPanelOpen(widget.frame.hidden);
  }

  /**
   * A success may carry `warnings: [{code, reason}]`: what the real service accepts but will
   * hurt in production. Each is printed once; the user identify resolves with is unchanged.
   */
  function printWarnings(warnings) {
    if (!Array.isArray(warnings)) return;
    for (const warning of warnings) {
      if (!isObject(warning)) continue;
      console.warn(`Ferndesk: identify warning (${warning.code}) - ${warning.reason}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Options, and the mistakes people copy from older docs

  function readWidgetId(options) {
    const value = isObject(options) ? options.widgetId : undefined;
    if ((typeof value === "string" && value.trim() !== "") || Number.isFinite(value)) {
      return String(value);
    }
    throw new FerndeskError("widget_id_required", WIDGET_ID_REQUIRED, widgetIdMistake(options));
  }

  function widgetIdMistake(options) {
    const example = "Ferndesk('init', { widgetId: 'your-widget-id' })";
    if (typeof options === "string") {
      return `init takes an options object: Ferndesk('init', { widgetId: ${JSON.stringify(options)} })`;
    }
    if (!isObject(options)) return `init was called without options: ${example}`;
    const lookalike = Object.keys(options).find((key) => /^(widget[-_]?id|id)$/i.test(key));
    if (options.widgetId === undefined && lookalike) {
      return `init was called with { ${lookalike} }; the option is { widgetId }: ${example}`;
    }
    if (options.widgetId === undefined) return `init was called without a widgetId: ${example}`;
    return `widgetId must be a non-empty string, got ${describe(options.widgetId)}`;
  }

  function readJwt(options) {
    const jwt = isObject(options) ? options.jwt : undefined;
    if (typeof jwt === "string" && jwt.trim() !== "") return jwt;
    throw new FerndeskError("jwt_required", JWT_REQUIRED, jwtMistake(options));
  }

  function jwtMistake(options) {
    if (typeof options === "string") {
      return "identify takes an options object: Ferndesk('identify', { jwt })";
    }
    if (!isObject(options)) return `identify was called without options: ${IDENTIFY_EXAMPLE}`;
    const jwt = options.jwt;
    if (jwt === undefined && options.token !== undefined) {
      return "identify was called with { token }; the option is now { jwt }: Ferndesk('identify', { jwt })";
    }
    if (jwt === undefined) return `identify was called without a jwt: ${IDENTIFY_EXAMPLE}`;
    if (jwt === null || (typeof jwt === "string" && jwt.trim() === "")) {
      return `jwt is ${describe(jwt)}: your backend returned no token (is the user logged in?)`;
    }
    if (isResponse(jwt)) {
      return `jwt is a fetch Response, not the token string: read its body first, ${IDENTIFY_EXAMPLE}`;
    }
    if (isThenable(jwt)) {
      return `jwt is a Promise, not the token string: wait for it first, ${IDENTIFY_EXAMPLE}`;
    }
    const wrapped = isObject(jwt) && ["token", "jwt", "accessToken"].find((key) => key in jwt);
    if (wrapped) {
      return `jwt is an object with a "${wrapped}" property, not the token string: your backend must ` +
        "return the JWT itself (res.send(token)), and the page must read it with r.text(), not r.json()";
    }
    return `jwt must be the token string, got ${describe(jwt)}: check that your backend returns ` +
      "the JWT itself and that the page reads it with r.text()";
  }

  function isObject(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }

  function isResponse(value) {
    return typeof Response === "function" && value instanceof Response;
  }

  function isThenable(value) {
    return (typeof value === "object" || typeof value === "function") && value !== null &&
      typeof value.then === "function";
  }

  /** "null", "an empty string", "the number 42", "an array", ... for messages. */
  function describe(value) {
    if (value === null || value === undefined) return String(value);
    if (typeof value === "string") return value.trim() === "" ? "an empty string" : "a string";
    if (Array.isArray(value)) return "an array";
    if (isResponse(value)) return "a fetch Response";
    if (isThenable(value)) return "a Promise";
    if (typeof value === "object") return "an object";
    if (typeof value === "function") return "a function";
    if (typeof value === "symbol") return "a symbol";
    return `the ${typeof value} ${String(value)}`;
  }

  // ---------------------------------------------------------------------------------------------
  // The server

  /**
   * The verifier's address: init's `apiBase`, else `window.FERNDESK_API_BASE`, else the origin
   * this script was loaded from, else the page's own origin.
   */
  function resolveApiBase(options) {
    const chosen = [options.apiBase, window.FERNDESK_API_BASE].find(
      (value) => typeof value === "string" && value.trim() !== ""
    );
    if (chosen) return withoutTrailingSlash(absoluteUrl(chosen.trim()));
    return scriptOrigin || window.location.origin;
  }

  /** The origin of this script's own src, read while it runs (document.currentScript). */
  function findScriptOrigin() {
    const own = document.currentScript;
    const src = own && typeof own.src === "string" && own.src ? own.src : lastSdkScriptSrc();
    if (!src) return null;
    try {
      const origin = new URL(src, document.baseURI).origin;
      return origin === "null" ? null : origin;
    } catch (_error) {
      return null;
    }
  }

  /**
   * The CSP nonce this script was loaded with (the loader snippet copies its own onto
   * script#ferndesk-sdk), for what the stub injects; "" when there is none. Read through the
   * `nonce` property: browsers hide the attribute once the script has run.
   */
  function findScriptNonce() {
    const own = document.currentScript || document.getElementById("ferndesk-sdk");
    return own && typeof own.nonce === "string" ? own.nonce : "";
  }

  /**
   * Fallback when currentScript is unavailable: the last <script> whose src ends /sdk.js (or
   * /ferndesk.js, this file's own name when served from a copy of the package).
   */
  function lastSdkScriptSrc() {
    const scripts = Array.from(document.getElementsByTagName("script")).reverse();
    const found = scripts.find((script) => {
      try {
        return /\/(sdk|ferndesk)\.js$/.test(new URL(script.src).pathname);
      } catch (_error) {
        return false;
      }
    });
    return found ? found.src : null;
  }

  function absoluteUrl(value) {
    try {
      return new URL(value, document.baseURI).href;
    } catch (_error) {
      return value;
    }
  }

  function withoutTrailingSlash(url) {
    return url.replace(/\/+$/, "");
  }

  function widgetUrl(target, action) {
    return `${target.base}/widget/${encodeURIComponent(target.widgetId)}/${action}`;
  }

  /**
   * The widget frame of the current session, opened with the session's frame token (the
   * verifier binds the frame to a session by that short-lived token only, so a link someone
   * hands around cannot sign a visitor into another session); anonymous without one.
   */
  function frameUrl(target) {
    const url = widgetUrl(target, "frame");
    return target.frameToken ? `${url}?token=${encodeURIComponent(target.frameToken)}` : url;
  }

  function readSessionId(answer) {
    const session = answer && answer.session;
    return session && typeof session.id === "string" ? session.id : undefined;
  }

  function readFrameToken(answer) {
    const session = answer && answer.session;
    return session && typeof session.frame_token === "string" ? session.frame_token : null;
  }

  /**
   * POSTs one widget call and returns the answer, which must hold `expectedKey`; otherwise throws
   * a FerndeskError with the server's message and reason (or one saying what went wrong).
   * text/plain keeps the request simple (no preflight); without credentials every origin may
   * read the answer, so a page that fails the domain rule still learns why.
   */
  async function post(target, action, body, expectedKey) {
    const url = widgetUrl(target, action);
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "text/plain;charset=UTF-8" },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new FerndeskError(
        "network_error",
        "Ferndesk: could not reach " + target.base,
        `POST ${url} failed (${error && error.message ? error.message : error}): is the verifier ` +
          "running there and answering CORS? Point window.FERNDESK_API_BASE or init's apiBase at it"
      );
    }
    const answer = await readJson(response);
    if (response.ok && isObject(answer) && isObject(answer[expectedKey])) {
      // Every answer that names a session (init's, identify's) carries its frame token: keep
      // it with the target here, so the frame always opens on the session last answered.
      if (isObject(answer.session)) target.frameToken = readFrameToken(answer);
      return answer;
    }
    throw errorFromAnswer(answer, response, url);
  }

  async function readJson(response) {
    try {
      return JSON.parse(await response.text());
    } catch (_error) {
      return null;
    }
  }

  function errorFromAnswer(answer, response, url) {
    const error = isObject(answer) && isObject(answer.error) ? answer.error : null;
    if (error && typeof error.message === "string") {
      const reason = typeof error.reason === "string" ? error.reason : "";
      return new FerndeskError(String(error.code), error.message, reason, response.status);
    }
    return new FerndeskError(
      "bad_response",
      `Ferndesk: unexpected answer from ${new URL(url).origin} (HTTP ${response.status})`,
      `POST ${url} answered ${response.status} without the expected JSON: is this address a ` +
        "ferndesk-verifier? Point window.FERNDESK_API_BASE or init's apiBase at it",
      response.status
    );
  }

  // ---------------------------------------------------------------------------------------------
  // The widget in the host page

  function documentReady() {
    if (document.body || document.readyState !== "loading") return Promise.resolve();
    return new Promise((resolve) => {
      document.addEventListener("DOMContentLoaded", () => resolve(), { once: true });
    });
  }

  /**
   * Points the widget at `url` and shows or removes the launcher; settles once the frame has
   * loaded. The panel starts closed, as after a fresh init.
   */
  function showWidget(url, withLauncher) {
    const loaded = pointFrameAt(url);
    setLauncherShown(withLauncher);
    setPanelOpen(false);
    return loaded;
  }

  /** The container, a hidden frame and the launcher, not yet in the page. */
  function buildWidget() {
    injectStyle();
    const root = document.createElement("div");
    root.id = WIDGET_ID;

    const frame = document.createElement("iframe");
    frame.id = FRAME_ID;
    frame.title = "Ferndesk widget";
    frame.hidden = true;
    root.appendChild(frame);

    const launcher = document.createElement("button");
    launcher.id = LAUNCHER_ID;
    launcher.type = "button";
    launcher.textContent = "?";
    launcher.setAttribute("aria-label", "Open help");
    launcher.setAttribute("aria-controls", FRAME_ID);
    launcher.setAttribute("aria-expanded", "false");
    launcher.addEventListener("click", toggleFromLauncher);

    return { root, frame, launcher };
  }

  function injectStyle() {
    if (document.getElementById(STYLE_ID)) return;
    const style = document.createElement("style");
    style.id = STYLE_ID;
    if (scriptNonce) style.nonce = scriptNonce; // else a nonce-only style-src refuses it
    style.textContent = WIDGET_STYLE;
    (document.head || document.documentElement).appendChild(style);
  }

  /**
   * Loads `url` in the widget's frame, building the widget on first use; settles once loaded.
   * Each caller waits for that before the next command runs, so loads never overlap and no
   * `load` event is taken for another one. When the widget is out of the page (first use, or the
   * page's own code removed it, as an SPA re-rendering <body> does), the src is set before it is
   * inserted: one load, and no about:blank load first.
   */
  function pointFrameAt(url) {
    if (!widget) widget = buildWidget();
    const loaded = loadFrame(widget.frame, url);
    if (!widget.root.isConnected) {
      (document.body || document.documentElement).appendChild(widget.root);
    }
    return loaded;
  }

  /** Sets the frame's src and settles on its `load` event (or after a timeout, with a warning). */
  function loadFrame(frame, url) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        frame.removeEventListener("load", loaded);
        if (frame.isConnected) {
          console.warn(`${VERIFIER}the widget frame did not finish loading ${url} within ` +
            `${FRAME_LOAD_TIMEOUT_MS / 1000} s`);
        }
        resolve();
      }, FRAME_LOAD_TIMEOUT_MS);
      function loaded() {
        clearTimeout(timer);
        resolve();
      }
      frame.addEventListener("load", loaded, { once: true });
      frame.src = url;
    });
  }

  function setLauncherShown(shown) {
    const { root, launcher } = widget;
    if (shown && launcher.parentNode !== root) root.appendChild(launcher);
    if (!shown) launcher.remove();
  }

  function setPanelOpen(isOpen) {
    widget.frame.hidden = !isOpen;
    widget.launcher.setAttribute("aria-expanded", String(isOpen));
  }

  /** Launcher clicks go through the command queue, so they wait for a pending identify. */
  function toggleFromLauncher() {
    Ferndesk("toggle");
  }
})();
