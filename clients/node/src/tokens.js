// Token signing for tests: what an integrator's backend does with the help center's secret.
// jose, not jsonwebtoken: it runs on every runtime a Ferndesk integrator's backend may use
// (Node, Deno, Bun, the Edge runtime of Next.js and Cloudflare), so a test signs exactly as the
// code under test does.
import { SignJWT } from "jose";

const encoder = new TextEncoder();

/**
 * An HS256 JWT of `claims`, signed with `secret`, as identify verifies it. Claims are taken as
 * given (none added): `exp`, `iat` and `nbf` are seconds since the epoch, as in the token.
 * `options.header` adds header fields (`alg` is always HS256).
 */
export async function signToken(secret, claims, options = {}) {
  if (typeof secret !== "string" || secret === "") {
    throw new TypeError("signToken needs the help center's secret (a non-empty string)");
  }
  if (!claims || typeof claims !== "object" || Array.isArray(claims)) {
    throw new TypeError("signToken needs the claims as an object");
  }
  return new SignJWT({ ...claims })
    .setProtectedHeader({ typ: "JWT", ...options.header, alg: "HS256" })
    .sign(encoder.encode(secret));
}
