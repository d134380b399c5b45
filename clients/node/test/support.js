// Shared by the package's own tests: which verifier command they spawn (the checkout's
// virtualenv unless FERNDESK_VERIFIER_COMMAND says otherwise), and a clean environment, so
// that a FERNDESK_VERIFIER_URL of the caller's shell never turns these tests against a server
// they did not start.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const checkoutCommand = fileURLToPath(
  new URL("../../../.venv/bin/ferndesk-verifier", import.meta.url));

if (!process.env.FERNDESK_VERIFIER_COMMAND && existsSync(checkoutCommand)) {
  process.env.FERNDESK_VERIFIER_COMMAND = checkoutCommand;
}
delete process.env.FERNDESK_VERIFIER_URL;
delete process.env.FERNDESK_VERIFIER_ADMIN_TOKEN;
delete process.env.FERNDESK_VERIFIER_IMAGE;

export const COMMAND = process.env.FERNDESK_VERIFIER_COMMAND ?? "ferndesk-verifier";
