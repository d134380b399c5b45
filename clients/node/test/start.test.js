// startVerifier(): where the server comes from, and that stop() ends only what it started.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";

import { splitCommand, startVerifier, VerifierUnreachable } from "../src/index.js";
import { COMMAND } from "./support.js";

describe("a verifier of its own", () => {
  test("is spawned on a free loopback port, healthy, with a random admin token", async () => {
    const verifier = await startVerifier();
    after(() => verifier.stop());
    assert.match(verifier.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(verifier.url).port, "8765");
    assert.match(verifier.adminToken, /^node-[0-9a-f]{32}$/);
    assert.equal(verifier.shared, false);
    assert.deepEqual(await verifier.client.health(), { status: "ok" });
    assert.deepEqual(await verifier.client.listHelpCenters(), []);
    const other = await startVerifier();
    after(() => other.stop());
    assert.notEqual(other.url, verifier.url, "each call starts its own server");
    assert.notEqual(other.adminToken, verifier.adminToken);
  });

  test("stop() ends the server and is idempotent", async () => {
    const verifier = await startVerifier();
    await verifier.client.createHelpCenter({ name: "x", domain: "help.example.test" });
    await Promise.all([verifier.stop(), verifier.stop()]);
    await verifier.stop();
    await assert.rejects(verifier.client.health(), VerifierUnreachable);
  });

  test("runs FERNDESK_VERIFIER_COMMAND split as a shell would (python -m verifier)", async () => {
    const python = join(dirname(COMMAND), "python");
    const saved = process.env.FERNDESK_VERIFIER_COMMAND;
    process.env.FERNDESK_VERIFIER_COMMAND = `'${python}' -m "verifier"`;
    try {
      const verifier = await startVerifier();
      after(() => verifier.stop());
      assert.deepEqual(await verifier.client.health(), { status: "ok" });
    } finally {
      process.env.FERNDESK_VERIFIER_COMMAND = saved;
    }
  });

  test("passes a seed and extra serve flags", async () => {
    const folder = mkdtempSync(join(tmpdir(), "fv-node-seed-"));
    const seed = join(folder, "seed.json");
    writeFileSync(seed, JSON.stringify({ help_centers: [{
      id: "acme", name: "Acme", domain: "help.acme.test", widget_id: "wid-acme",
      jwt_secret: "a-fixed-secret-for-ci-of-32-chars-or-more" }] }));
    const verifier = await startVerifier({ seed, args: ["--attempts-kept", "5"] });
    after(() => verifier.stop());
    assert.deepEqual((await verifier.client.listHelpCenters()).map((hc) => hc.id), ["acme"]);
  });

  test("rejects with the server's own output when the server cannot start", async () => {
    await assert.rejects(startVerifier({ seed: "/nonexistent/seed.json" }), (error) => {
      assert.match(error.message, /ferndesk-verifier did not start/);
      assert.match(error.message, /--- its output ---/);
      assert.match(error.message, /nonexistent\/seed\.json/);
      return true;
    });
  });

  test("rejects naming FERNDESK_VERIFIER_COMMAND when the command is not found", async () => {
    await assert.rejects(startVerifier({ command: "/nonexistent/ferndesk-verifier" }),
      /not found.*FERNDESK_VERIFIER_COMMAND/s);
  });

  test("leaves no server behind when it gives up waiting", async () => {
    // A command that never prints the banner: startVerifier times out and kills it.
    await assert.rejects(
      startVerifier({ command: ["sh", "-c", "exec sleep 31.7"], startTimeoutMs: 300 }),
      /no banner in 300 ms/);
    const left = spawnSync("pgrep", ["-f", "^sleep 31.7$"], { encoding: "utf8" });
    assert.equal(left.stdout.trim(), "", "the child was killed");
  });
});

describe("a running verifier (FERNDESK_VERIFIER_URL)", () => {
  test("is used, not stopped, and only what this process made there is removed", async () => {
    const server = await startVerifier();
    after(() => server.stop());
    const theirs = await server.createHelpCenter({ id: "theirs" });
    process.env.FERNDESK_VERIFIER_URL = server.url;
    process.env.FERNDESK_VERIFIER_ADMIN_TOKEN = server.adminToken;
    try {
      const client = await startVerifier();
      assert.equal(client.shared, true);
      assert.equal(client.url, server.url);
      const mine = await client.createHelpCenter();
      const mineToken = await mine.token();
      assert.equal((await mine.identify(mineToken)).status, 200);
      assert.equal((await theirs.identify()).status, 200);
      await client.moveClock(600);
      await client.reset();  // only mine is emptied, the clock put back
      assert.equal((await server.users(theirs)).length, 1);
      assert.equal((await server.users(mine)).length, 0);
      assert.equal((await server.client.getClock()).offset_seconds, 0);
      await client.moveClock(60);
      await client.stop();
      await client.stop();
      assert.deepEqual(await server.client.health(), { status: "ok" }, "still running");
      assert.deepEqual((await server.client.listHelpCenters()).map((hc) => hc.id), ["theirs"]);
      assert.equal((await server.client.getClock()).offset_seconds, 0);
    } finally {
      delete process.env.FERNDESK_VERIFIER_URL;
      delete process.env.FERNDESK_VERIFIER_ADMIN_TOKEN;
    }
  });

  test("needs its admin token", async () => {
    await assert.rejects(startVerifier({ url: "http://127.0.0.1:9" }),
      /needs its admin token.*FERNDESK_VERIFIER_ADMIN_TOKEN/);
  });

  test("that cannot be reached rejects with VerifierUnreachable at once", async () => {
    await assert.rejects(startVerifier({ url: "http://127.0.0.1:9", adminToken: "x" }),
      VerifierUnreachable);
  });
});

test("splitCommand splits like a POSIX shell, without expansions", () => {
  assert.deepEqual(splitCommand("python -m verifier"), ["python", "-m", "verifier"]);
  assert.deepEqual(splitCommand(`  "/opt/my venv/bin/fv"  'a b'c \\ d "x\\"y" $HOME`),
    ["/opt/my venv/bin/fv", "a bc", " d", 'x"y', "$HOME"]);
  assert.deepEqual(splitCommand(`''`), [""]);
  assert.throws(() => splitCommand(`"open`), SyntaxError);
});
