// signToken(): HS256 with jose, exactly the claims given, accepted by the verifier.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { decodeJwt, decodeProtectedHeader } from "jose";

import { signToken, startVerifier } from "ferndesk-verifier";
import "./support.js";

let verifier;
before(async () => { verifier = await startVerifier(); });
after(() => verifier?.stop());

test("a token signed with the help center's secret identifies", async () => {
  const hc = await verifier.createHelpCenter();
  const exp = Math.floor(Date.now() / 1000) + 600;
  const jwt = await signToken(hc.secret, { sub: "ada", email: "ada@example.test", exp,
    customAttributes: { plan: "pro" } });
  assert.deepEqual(decodeProtectedHeader(jwt), { typ: "JWT", alg: "HS256" });
  assert.deepEqual(decodeJwt(jwt), { sub: "ada", email: "ada@example.test", exp,
    customAttributes: { plan: "pro" } }, "no claim added");
  const answer = await hc.identify(jwt);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(answer.body.user.custom_attributes, { plan: "pro" });
});

test("a token signed with another secret is refused as invalid_jwt", async () => {
  const hc = await verifier.createHelpCenter();
  const jwt = await signToken("another-secret-of-at-least-32-characters!!",
    { sub: "ada", email: "ada@example.test" });
  const answer = await hc.identify(jwt);
  assert.equal(answer.status, 401);
  assert.equal(answer.body.error.code, "invalid_jwt");
});

test("the header may gain fields, never another alg", async () => {
  const jwt = await signToken("s".repeat(32), { sub: "a" }, { header: { kid: "k1", alg: "none" } });
  assert.deepEqual(decodeProtectedHeader(jwt), { typ: "JWT", kid: "k1", alg: "HS256" });
});

test("a missing secret or claims is a TypeError", async () => {
  await assert.rejects(signToken("", { sub: "a" }), TypeError);
  await assert.rejects(signToken(undefined, { sub: "a" }), TypeError);
  await assert.rejects(signToken("s".repeat(32), "sub"), TypeError);
});
