// The typed client against the server's own /openapi.json, both ways: every route the client
// calls (recorded from real calls, not read from its table) is in the document with the same
// operationId, and every admin, emulator, Users API and identify operation of the document has
// a client method or is in OMITTED with its reason.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { OMITTED, OPERATIONS, signToken, startVerifier, VerifierClient } from "../src/index.js";
import "./support.js";

const COVERED_TAGS = new Set(["admin", "emulator", "users", "widget"]);

let verifier;
let documented;  // "METHOD /path/{template}" -> { operationId, tags }
before(async () => {
  verifier = await startVerifier();
  const answer = await verifier.client.request("GET", "/openapi.json", { admin: false });
  assert.equal(answer.status, 200);
  documented = new Map();
  for (const [path, operations] of Object.entries(answer.body.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      documented.set(`${method.toUpperCase()} ${path}`, operation);
    }
  }
});
after(() => verifier?.stop());

/** The document's route a concrete call matches, e.g. GET /api/help-centers/acme -> .../{id}. */
function routeOf(method, url) {
  const path = new URL(url).pathname;
  for (const key of documented.keys()) {
    const [keyMethod, template] = key.split(" ");
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`);
    if (keyMethod === method && pattern.test(path)) return key;
  }
  return `${method} ${path} (not in /openapi.json)`;
}

test("every route the client calls is in /openapi.json, and every method was exercised",
  async () => {
    const called = new Set();
    const recording = (url, init) => {
      called.add(routeOf(init.method, url));
      return fetch(url, init);
    };
    const client = new VerifierClient(verifier.url, { adminToken: verifier.adminToken,
      fetch: recording });
    await client.health();
    const hc = await client.createHelpCenter({ id: "oa", name: "OA", domain: "help.example.test" });
    await client.listHelpCenters();
    await client.getHelpCenter(hc.id);
    const { secret } = await client.generateJwtSecret(hc.id);
    await client.getJwtSecretInfo(hc.id);
    const jwt = await signToken(secret, { sub: "ada", email: "ada@example.test",
      exp: Math.floor(Date.now() / 1000) + 600 });
    assert.equal((await client.identify(hc.widget_id, jwt)).status, 200);
    await client.listUsers(hc.id);
    await client.listSessions(hc.id);
    assert.equal((await client.listIdentifyAttempts(hc.id, { limit: 1 })).length, 1);
    await client.listMessages(hc.id);
    const key = await client.createApiKey(hc.id);
    await client.listApiKeys(hc.id);
    const users = client.usersApi(key.key);
    const made = await users.create({ email: "grace@example.test", attributes: { plan: "pro" } });
    await users.update(made.id, { name: "Grace" });
    assert.equal((await users.list({ email: "GRACE@example.test" })).total, 1);
    await client.deleteApiKey(hc.id, key.id);
    await client.deleteUser(hc.id, "ada");
    await client.getClock();
    await client.setClock({ offset_seconds: 5 });
    await client.injectFault(hc.id, { times: 1, status: 500 });
    assert.equal((await client.listFaults(hc.id)).length, 1);
    await client.clearFaults(hc.id);
    await client.resetHelpCenter(hc.id);
    const state = await client.exportState();
    await client.importState(state);
    await client.deleteJwtSecret(hc.id);
    await client.deleteHelpCenter(hc.id);
    await client.resetEmulator();

    const missing = [...called].filter((route) => !documented.has(route));
    assert.deepEqual(missing, [], "routes the client calls that /openapi.json does not list");
    const table = new Set(Object.values(OPERATIONS).map(([method, path]) => `${method} ${path}`));
    assert.deepEqual([...table].filter((route) => !called.has(route)), [],
      "OPERATIONS entries this test did not exercise");
    assert.deepEqual([...called].filter((route) => !table.has(route)), [],
      "calls outside OPERATIONS");
    for (const [name, [method, path]] of Object.entries(OPERATIONS)) {
      assert.equal(documented.get(`${method} ${path}`).operationId, name,
        `${method} ${path} is ${name} in the client`);
    }
  });

test("every admin, emulator, Users API and widget operation has a method or a reason", () => {
  const served = new Set(Object.keys(OPERATIONS));
  const uncovered = [...documented.values()]
    .filter((operation) => operation.tags?.some((tag) => COVERED_TAGS.has(tag)))
    .map((operation) => operation.operationId)
    .filter((id) => !served.has(id) && !(id in OMITTED));
  assert.deepEqual(uncovered, [], "operations with neither a client method nor a reason");
  const stale = Object.keys(OMITTED).filter((id) =>
    ![...documented.values()].some((operation) => operation.operationId === id));
  assert.deepEqual(stale, [], "OMITTED names operations the document no longer has");
});
