// ferndesk-verifier for Node: start a local Ferndesk identification emulator from your tests,
// talk to it, and sign the tokens your backend would. See README.md.
export { shareVerifier, startVerifier, Verifier, HelpCenter, DEFAULT_DOMAIN, DEFAULT_ORIGIN } from "./verifier.js";
export { VerifierClient, VerifierError, VerifierUnreachable, OPERATIONS, OMITTED } from "./client.js";
export { signToken } from "./tokens.js";
export { splitCommand } from "./spawn.js";
