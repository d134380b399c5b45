// Types of ferndesk-verifier/playwright (Playwright Test fixtures).
import type { Page, TestType, PlaywrightTestArgs, PlaywrightTestOptions,
  PlaywrightWorkerArgs, PlaywrightWorkerOptions } from "@playwright/test";

import type { Claims, HelpCenter, StartOptions, Verifier } from "./index.js";

export { expect } from "@playwright/test";

/** The Chromium flag mapping *.example.test and otherdomain.test to 127.0.0.1. */
export const HOST_RESOLVER_RULES: string;
/** The domain of the `helpCenter` fixture's help center. */
export const HELP_CENTER_DOMAIN: "example.test";

/** The user the SDK resolves `identify` with. */
export interface IdentifiedUser {
  sub: string;
  email: string;
  name: string | null;
  custom_attributes: Record<string, unknown> | null;
}

export type IdentifyAs = (page: Page, user?: Claims, options?: { helpCenter?: HelpCenter }) =>
  Promise<IdentifiedUser>;

export interface VerifierTestFixtures {
  /** A fresh help center on example.test with a secret, deleted after the test. */
  helpCenter: HelpCenter;
  /**
   * Make `page` identify as `user` (claims over the defaults of HelpCenter.token) through the
   * stub SDK. A page not yet on http(s) is sent to `appUrl` first; a page without the SDK gets
   * the loader and `init` for the help center's widget. Rejects with the SDK's error message.
   */
  identifyAs: IdentifyAs;
}

export interface VerifierWorkerFixtures {
  /** Options for startVerifier (set with test.use or in the config's `use`). */
  verifierOptions: StartOptions;
  /** The worker's verifier: started once per worker, or the one FERNDESK_VERIFIER_URL names. */
  verifier: Verifier;
  /** http://app.example.test:PORT: a page server answering a blank page at every path. */
  appUrl: string;
}

export const test: TestType<
  PlaywrightTestArgs & PlaywrightTestOptions & VerifierTestFixtures,
  PlaywrightWorkerArgs & PlaywrightWorkerOptions & VerifierWorkerFixtures>;
