// Compiled (never run) by test/types.test.js: the package's .d.ts files describe what a
// TypeScript user writes. A line marked @ts-expect-error must stay an error.
import { signToken, startVerifier, VerifierClient, VerifierError, type Attempt,
  type HelpCenter, type IdentifyResult, type Verifier } from "ferndesk-verifier";
import { expect, HOST_RESOLVER_RULES, test } from "ferndesk-verifier/playwright";

export async function usage(): Promise<void> {
  const verifier: Verifier = await startVerifier({ command: "python -m verifier", seed: "s.json" });
  const hc: HelpCenter = await verifier.createHelpCenter({ domain: "help.example.test" });
  const jwt: string = await hc.token({ sub: "ada", customAttributes: { plan: "pro" } });
  const result: IdentifyResult = await hc.identify(jwt, { origin: "https://app.example.test" });
  const status: number = result.status;
  const attempts: Attempt[] = await verifier.attempts(hc);
  const code: string = attempts[0].code;
  await verifier.injectFault(hc.id, { times: 1, status: 503, delayMs: 10 });
  await verifier.moveClock(60);
  await verifier.reset();
  const signed: string = await signToken(hc.secret ?? "", { sub: "a" });
  const client = new VerifierClient(verifier.url, { adminToken: verifier.adminToken });
  const page = await client.usersApi("fdsk_x").list({ email: "a@b.test" });
  const total: number = page.total;
  try {
    await client.getHelpCenter("nope");
  } catch (error) {
    if (error instanceof VerifierError) console.log(error.code, error.status);
  }
  // @ts-expect-error: injectFault needs the help center
  await verifier.injectFault({ times: 1 });
  // @ts-expect-error: the widget id is a string
  const wrong: number = hc.widgetId;
  console.log(status, code, signed, total, wrong, HOST_RESOLVER_RULES);
  await verifier.stop();
}

test("typed fixtures", async ({ page, identifyAs, helpCenter, verifier, appUrl }) => {
  const user = await identifyAs(page, { sub: "ada" }, { helpCenter });
  expect(user.email).toBeTruthy();
  const url: string = appUrl + verifier.url;
  // @ts-expect-error: identifyAs needs the page
  await identifyAs({ sub: "ada" });
  console.log(url);
});
