// shareVerifier(): one server for a whole test run, reached by the runner's workers through
// the environment they inherit (what a Jest, Vitest or Playwright global setup relies on).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

import { shareVerifier, VerifierClient, VerifierUnreachable } from "ferndesk-verifier";
import "./support.js";

const WORKER = `
import { startVerifier } from "ferndesk-verifier";
const verifier = await startVerifier();
const helpCenter = await verifier.createHelpCenter();
const { status } = await helpCenter.identify();
console.log(JSON.stringify({ url: verifier.url, shared: verifier.shared, status }));
await verifier.stop();
`;

test("a worker started after shareVerifier() connects to that one server", async () => {
  const teardown = await shareVerifier();
  const url = process.env.FERNDESK_VERIFIER_URL;
  const client = new VerifierClient(url, { adminToken: process.env.FERNDESK_VERIFIER_ADMIN_TOKEN });
  try {
    const runs = await Promise.all([1, 2].map(() => promisify(execFile)(process.execPath,
      ["--input-type=module", "-e", WORKER], { cwd: new URL(".", import.meta.url) })));
    for (const { stdout } of runs) {
      assert.deepEqual(JSON.parse(stdout), { url, shared: true, status: 200 });
    }
    assert.deepEqual(await client.listHelpCenters(), [], "each worker removed what it made");
  } finally {
    await teardown();
  }
  assert.equal(process.env.FERNDESK_VERIFIER_URL, undefined);
  assert.equal(process.env.FERNDESK_VERIFIER_ADMIN_TOKEN, undefined);
  await assert.rejects(client.health(), VerifierUnreachable, "stopped by the teardown");
});
