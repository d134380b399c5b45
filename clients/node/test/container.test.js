// startVerifier({ image }): the container image under podman or docker. The image is built by
// the container check of the Python suite; this test runs when FERNDESK_VERIFIER_TEST_IMAGE
// names one (with FERNDESK_VERIFIER_TEST_ENGINE_ARGS, space-separated, e.g.
// "--runtime /usr/sbin/runc" on machines where crun cannot set rlimits).
import assert from "node:assert/strict";
import { test } from "node:test";

import { splitCommand, startVerifier, VerifierUnreachable } from "../src/index.js";
import "./support.js";

const image = process.env.FERNDESK_VERIFIER_TEST_IMAGE;
const skip = image ? false
  : "CONTAINER TEST SKIPPED: set FERNDESK_VERIFIER_TEST_IMAGE to an image built from the " +
    "repository's Dockerfile";

test("an image is run with the port published on loopback, used, then removed", { skip },
  async () => {
    const verifier = await startVerifier({ image,
      engineArgs: splitCommand(process.env.FERNDESK_VERIFIER_TEST_ENGINE_ARGS ?? "") });
    try {
      assert.match(verifier.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const hc = await verifier.createHelpCenter();
      assert.equal((await hc.identify()).status, 200);
    } finally {
      await verifier.stop();
    }
    await assert.rejects(verifier.client.health(), VerifierUnreachable);
  });
