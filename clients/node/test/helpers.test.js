// The helpers a test uses on the verifier startVerifier() resolves to: help centers with a
// secret, tokens, identify, the clock, faults and the journal of attempts.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";

import { decodeJwt, decodeProtectedHeader } from "jose";

import { startVerifier, VerifierError, VerifierUnreachable } from "../src/index.js";
import "./support.js";

let verifier;
before(async () => { verifier = await startVerifier(); });
after(() => verifier?.stop());
beforeEach(() => verifier.reset());

test("createHelpCenter makes one on help.example.test with a secret and random ids", async () => {
  const hc = await verifier.createHelpCenter();
  assert.equal(hc.domain, "help.example.test");
  assert.match(hc.id, /^node-[0-9a-f]{16}$/);
  assert.match(hc.widgetId, /^node-[0-9a-f]{16}$/);
  assert.ok(hc.secret.length >= 32);
  const record = await verifier.client.getHelpCenter(hc.id);
  assert.equal(record.widget_id, hc.widgetId);
  assert.equal(record.has_jwt_secret, true);
  const bare = await verifier.createHelpCenter({ id: "bare", widgetId: "w-bare",
    domain: "help.acme.test", name: "Bare", withSecret: false });
  assert.deepEqual([bare.id, bare.widgetId, bare.domain, bare.name, bare.secret],
    ["bare", "w-bare", "help.acme.test", "Bare", null]);
  await assert.rejects(bare.token(), /help center bare has no secret to sign with/);
});

test("token() signs HS256 with the plugin's defaults, exp an hour after the emulator's now",
  async () => {
    const hc = await verifier.createHelpCenter();
    await verifier.moveClock(86_400);
    const now = await verifier.now();
    const claims = decodeJwt(await hc.token());
    assert.equal(decodeProtectedHeader(await hc.token()).alg, "HS256");
    assert.deepEqual({ ...claims, exp: undefined },
      { sub: "user-1", email: "user-1@example.test", name: "Test User", exp: undefined });
    assert.ok(Math.abs(claims.exp - (now + 3600)) <= 2, `${claims.exp} vs ${now}`);
    const custom = decodeJwt(await hc.token({ sub: "ada", exp: undefined, plan: "pro" }));
    assert.deepEqual(custom, { sub: "ada", email: "user-1@example.test", name: "Test User",
      plan: "pro" });
  });

test("identify resolves { status, body } on success and on every refusal", async () => {
  const hc = await verifier.createHelpCenter();
  const ok = await hc.identify(await hc.token({ sub: "ada", email: "ada@example.test" }));
  assert.equal(ok.status, 200);
  assert.equal(ok.body.user.sub, "ada");
  assert.deepEqual(Object.keys(ok).sort(), ["body", "status"]);
  const noDefaultJwt = await hc.identify();
  assert.equal(noDefaultJwt.status, 200, "undefined jwt: the default token");
  const bad = await hc.identify("not-a-jwt");
  assert.equal(bad.status, 401);
  assert.equal(bad.body.error.code, "invalid_jwt");
  const elsewhere = await hc.identify(await hc.token(), { origin: "https://otherdomain.test" });
  assert.equal(elsewhere.status, 403);
  assert.equal(elsewhere.body.error.message,
    "Ferndesk: identify failed - must be called from same domain or 1-level subdomain");
  const noOrigin = await hc.identify(await hc.token(), { origin: null });
  assert.equal(noOrigin.body.error.code, "domain_mismatch");
  const mismatch = await hc.identify(await hc.token({ sub: "eve", email: "ada@example.test" }));
  assert.equal(mismatch.status, 409);
});

test("identify rejects only when the verifier cannot be reached", async () => {
  const own = await startVerifier();
  const hc = await own.createHelpCenter();
  const jwt = await hc.token();
  await own.stop();
  await assert.rejects(hc.identify(jwt), VerifierUnreachable);
});

test("moveClock moves the emulator's now, so a token expires", async () => {
  const hc = await verifier.createHelpCenter();
  const jwt = await hc.token({ exp: Math.floor(await verifier.now()) + 60 });
  assert.equal((await hc.identify(jwt)).status, 200);
  const clock = await verifier.moveClock(61);
  assert.equal(clock.offset_seconds, 61);
  const late = await hc.identify(jwt);
  assert.equal(late.status, 401);
  assert.match(late.body.error.reason, /expired/);
  const frozen = await verifier.freezeClock("2030-01-01T00:00:00Z");
  assert.equal(frozen.frozen, true);
  assert.equal((await verifier.moveClock(-3600)).now.slice(0, 19), "2029-12-31T23:00:00");
  assert.equal((await verifier.realClock()).frozen, false);
});

test("injectFault makes the next identify calls fail as asked, then recover", async () => {
  const hc = await verifier.createHelpCenter();
  const fault = await verifier.injectFault(hc, { times: 2, code: "invalid_jwt" });
  assert.equal(fault.remaining, 2);
  assert.equal((await hc.identify()).body.error.code, "invalid_jwt");
  assert.equal((await hc.identify()).status, 401);
  assert.equal((await hc.identify()).status, 200);
  await verifier.injectFault(hc.id, { times: 1, status: 503, delayMs: 200 });
  const started = Date.now();
  assert.equal((await hc.identify()).status, 503);
  assert.ok(Date.now() - started >= 190, "the delay is applied");
});

test("attempts lists identify attempts newest first, with code and reason", async () => {
  const hc = await verifier.createHelpCenter();
  await hc.identify(await hc.token({ sub: "ada", email: "ada@example.test" }));
  await hc.identify("garbage");
  const attempts = await verifier.attempts(hc);
  assert.deepEqual(attempts.map((a) => a.code), ["invalid_jwt", "ok"]);
  assert.equal(attempts[1].sub, "ada");
  assert.equal(attempts[1].origin, "https://app.example.test");
  assert.ok(attempts[0].reason);
  assert.deepEqual((await verifier.users(hc)).map((u) => u.sub), ["ada"]);
  assert.equal((await verifier.sessions(hc.id)).length, 1);
});

test("reset() empties the verifier it started and restores the real clock", async () => {
  await verifier.createHelpCenter();
  await verifier.moveClock(3600);
  await verifier.reset();
  assert.deepEqual(await verifier.client.listHelpCenters(), []);
  assert.equal((await verifier.client.getClock()).offset_seconds, 0);
});

test("an admin call the verifier refuses rejects with its code and reason, no secret", async () => {
  const hc = await verifier.createHelpCenter();
  await assert.rejects(verifier.client.generateJwtSecret(hc.id), (error) => {
    assert.ok(error instanceof VerifierError);
    assert.equal(error.status, 409);
    assert.equal(error.code, "secret_exists");
    assert.match(error.message, /^POST \/api\/help-centers\/node-\w+\/jwt-secret answered 409 secret_exists: /);
    assert.ok(!error.message.includes(hc.secret));
    return true;
  });
});
