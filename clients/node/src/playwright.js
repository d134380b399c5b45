// Playwright Test fixtures: a verifier, a help center and identifyAs(page, user), in a real
// browser on real-looking hosts.
//
// Chromium is launched with --host-resolver-rules mapping *.example.test and otherdomain.test
// to 127.0.0.1, so a page on http://app.example.test:PORT identifies against a help center on
// example.test exactly as production pages do, over loopback only (the domain rule sees a real
// Origin). The verifier is started once per worker (or the one FERNDESK_VERIFIER_URL names is
// used, e.g. one a globalSetup started); each test gets its own help center, deleted after it.
import { createServer } from "node:http";

import { expect, test as base } from "@playwright/test";

import { startVerifier } from "./verifier.js";

export { expect };

export const HOST_RESOLVER_RULES =
  "--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP otherdomain.test 127.0.0.1";
export const HELP_CENTER_DOMAIN = "example.test";

const BLANK_PAGE = "<!doctype html><html><head><meta charset='utf-8'>" +
  "<link rel='icon' href='data:,'><title>app.example.test</title></head><body></body></html>";

export const test = base.extend({
  // Chromium's resolver maps the test hosts; the caller's own launch options are kept.
  launchOptions: [async ({ launchOptions }, use) => {
    await use({ ...launchOptions, args: [...(launchOptions.args ?? []), HOST_RESOLVER_RULES] });
  }, { scope: "worker" }],

  verifierOptions: [{}, { scope: "worker", option: true }],

  verifier: [async ({ verifierOptions }, use) => {
    const verifier = await startVerifier(verifierOptions);
    try {
      await use(verifier);
    } finally {
      await verifier.stop();
    }
  }, { scope: "worker" }],

  // A page server for the integrator's side: every path answers a blank HTML page, under any
  // mapped host. appUrl is http://app.example.test:PORT.
  appUrl: [async ({}, use) => {  // eslint-disable-line no-empty-pattern
    const server = createServer((request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(BLANK_PAGE);
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      await use(`http://app.example.test:${server.address().port}`);
    } finally {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    }
  }, { scope: "worker" }],

  helpCenter: async ({ verifier }, use) => {
    const helpCenter = await verifier.createHelpCenter({ domain: HELP_CENTER_DOMAIN });
    try {
      await use(helpCenter);
    } finally {
      await verifier.client.deleteHelpCenter(helpCenter.id).catch((error) => {
        if (error.status !== 404) throw error;
      });
    }
  },

  identifyAs: async ({ helpCenter, verifier, appUrl }, use) => {
    await use(async (page, user = {}, options = {}) => {
      const target = options.helpCenter ?? helpCenter;
      if (!/^https?:/.test(page.url())) await page.goto(`${appUrl}/`);
      const jwt = await target.token(user);
      return page.evaluate(identifyInPage, {
        sdk: `${verifier.url}/sdk.js`, widgetId: target.widgetId, jwt,
      });
    });
  },
});

/**
 * Runs in the page: load the stub SDK with the vendor's loader snippet if the page has no SDK
 * yet (then `init` the help center's widget), and identify. Resolves with the user the SDK
 * resolves with; rejects with the SDK's error (its message is the product's console message,
 * with the code and reason).
 */
async function identifyInPage({ sdk, widgetId, jwt }) {
  // A page with its own loader snippet has queued its own init; one without gets ours.
  const ours = !window.Ferndesk;
  if (ours) {
    window.FERNDESK_SDK_SRC = sdk;
    const f = window.Ferndesk = function () { (f.q = f.q || []).push(arguments); };
    const script = document.createElement("script");
    script.id = "ferndesk-sdk";
    script.async = true;
    script.src = sdk;
    document.head.appendChild(script);
  }
  if (!window.Ferndesk.version) {
    const script = document.getElementById("ferndesk-sdk");
    if (!script) throw new Error("the page's Ferndesk loader added no script#ferndesk-sdk");
    await new Promise((resolve, reject) => {
      script.addEventListener("load", resolve);
      script.addEventListener("error", () => reject(new Error(`could not load ${script.src}`)));
    });
  }
  if (ours) await window.Ferndesk("init", { widgetId });
  try {
    return await window.Ferndesk("identify", { jwt });
  } catch (error) {
    throw new Error(`${error.message} (${error.code}: ${error.reason})`);
  }
}
