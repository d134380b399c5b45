// Starting a throw-away verifier of our own: `ferndesk-verifier serve` as a child process, or
// the container image under podman/docker. Either way the caller gets back a URL that only its
// own server answers on, once that server is healthy, and a stop() that removes what it made.
//
// Why the URL comes from the banner: the child is given --port 0 and prints
// "ferndesk-verifier on http://HOST:PORT (database ...)" once the port is its own, so no other
// process that answers on a guessed port is ever mistaken for ours (the failure of the old
// shell recipe). /healthz is then polled only while our child is still alive.
import { spawn, execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const BANNER = /^ferndesk-verifier on (https?:\/\/\S+) /m;
const OUTPUT_KEPT = 64 * 1024;
const CONTAINER_PORT = 8765;

/**
 * `text` split into words as a POSIX shell would, without expansions: whitespace separates,
 * '...' is literal, "..." allows \" \\ \$ \`, a backslash elsewhere escapes the next character.
 * So FERNDESK_VERIFIER_COMMAND may be `python -m verifier` or `"/opt/my venv/bin/ferndesk-verifier"`.
 */
export function splitCommand(text) {
  const words = [];
  let word = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError(`unterminated ' in command: ${text}`);
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      word ??= "";
      for (i++; ; i++) {
        if (i >= text.length) throw new SyntaxError(`unterminated " in command: ${text}`);
        if (text[i] === '"') break;
        if (text[i] === "\\" && '"\\$`'.includes(text[i + 1] ?? "")) i++;
        word += text[i];
      }
    } else if (c === "\\") {
      word = (word ?? "") + (text[i + 1] ?? "");
      i++;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The last OUTPUT_KEPT characters of what a process wrote, for error messages. */
class OutputTail {
  text = "";
  add(chunk) {
    this.text = (this.text + chunk).slice(-OUTPUT_KEPT);
  }
}

/**
 * Spawn `command serve` on 127.0.0.1, a free port and a throw-away SQLite database (a temp dir
 * removed on stop), with `adminToken` passed in the environment (never on the command line, so
 * it is not in the process list). Resolves once /healthz answers, to { url, stop, output }.
 */
export async function spawnServer({ command, adminToken, seed, databaseUrl, args = [], env = {},
  startTimeoutMs = 60_000 }) {
  const [program, ...programArgs] = command;
  const folder = mkdtempSync(join(tmpdir(), "ferndesk-verifier-"));
  const serveArgs = [...programArgs, "serve", "--host", "127.0.0.1", "--port", "0",
    "--database-url", databaseUrl ?? `sqlite:///${join(folder, "verifier.db")}`,
    ...(seed ? ["--seed", seed] : []), ...args];
  const child = spawn(program, serveArgs, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env, FERNDESK_VERIFIER_ADMIN_TOKEN: adminToken },
  });
  const output = new OutputTail();
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  // Read both pipes for the child's whole life: a full pipe would stall its log writes.
  child.stdout.on("data", (chunk) => output.add(chunk));
  child.stderr.on("data", (chunk) => output.add(chunk));
  const exited = new Promise((resolve) => {
    child.on("error", (error) => resolve({ error }));
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  let alive = true;
  exited.then(() => { alive = false; });
  const killOnExit = () => { if (alive) child.kill("SIGKILL"); rmSync(folder, { recursive: true, force: true }); };
  process.once("exit", killOnExit);

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener("exit", killOnExit);
      if (alive) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(folder, { recursive: true, force: true });
    })();
    return stopping;
  };

  const failed = async (why) => {
    await stop();
    const shown = [program, ...serveArgs].join(" ");
    return new Error(`ferndesk-verifier did not start (${shown}): ${why}` +
      (output.text ? `\n--- its output ---\n${output.text}` : ""));
  };

  const deadline = Date.now() + startTimeoutMs;
  let timer;
  const banner = await Promise.race([
    new Promise((resolve) => {
      const look = () => {
        const found = BANNER.exec(output.text);
        if (found) resolve({ url: found[1] });
      };
      child.stdout.on("data", look);
      look();
    }),
    exited.then((end) => ({ end })),
    new Promise((resolve) => { timer = setTimeout(() => resolve({ timeout: true }), startTimeoutMs); }),
  ]);
  clearTimeout(timer);
  if (banner.end?.error?.code === "ENOENT") {
    throw await failed(`${program} was not found. Install the verifier (pip install ` +
      `ferndesk-verifier) so that ferndesk-verifier is on PATH, or set ` +
      `FERNDESK_VERIFIER_COMMAND (e.g. "python -m verifier")`);
  }
  if (banner.end) throw await failed(describeEnd(banner.end));
  if (banner.timeout) throw await failed(`no banner in ${startTimeoutMs} ms`);

  const url = banner.url;
  while (!(await healthy(url))) {
    if (!alive) throw await failed(`it stopped before it was ready (${describeEnd(await exited)})`);
    if (Date.now() > deadline) throw await failed(`${url}/healthz did not answer in ${startTimeoutMs} ms`);
    await sleep(50);
  }
  if (!alive) throw await failed("it stopped before it was ready");
  return { url, stop, output: () => output.text, pid: child.pid };
}

/**
 * Run `image` under `engine` (podman or docker; `engineArgs` go before `run`, e.g.
 * ["--runtime", "/usr/sbin/runc"]) with the container's port 8765 published on a free loopback
 * port. Resolves once /healthz answers, to { url, stop, output }; stop removes the container and
 * its anonymous /data volume.
 */
export async function runContainer({ image, engine, engineArgs = [], adminToken, args = [],
  startTimeoutMs = 60_000 }) {
  const port = await freePort();
  const env = { ...process.env, FERNDESK_VERIFIER_ADMIN_TOKEN: adminToken };
  const run = (runArgs) => execOut(engine, [...engineArgs, ...runArgs], env);
  let id;
  try {
    id = (await run(["run", "-d", "-p", `127.0.0.1:${port}:${CONTAINER_PORT}`,
      "-e", "FERNDESK_VERIFIER_ADMIN_TOKEN", image, ...(args.length ? ["serve", ...args] : [])]))
      .trim();
  } catch (error) {
    throw new Error(`${engine} could not start ${image}: ${error.message}`);
  }
  let stopping;
  const stop = () => {
    stopping ??= run(["rm", "-f", "-v", id]).then(() => undefined, () => undefined);
    return stopping;
  };
  const logs = () => run(["logs", id]).catch((error) => error.message);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  while (!(await healthy(url))) {
    const state = (await run(["inspect", "--format", "{{.State.Status}}", id]).catch(() => "gone")).trim();
    if (state !== "running" && state !== "created" || Date.now() > deadline) {
      const said = await logs();
      await stop();
      throw new Error(`the container ${image} did not become healthy (state ${state})` +
        `\n--- its output ---\n${said}`);
    }
    await sleep(200);
  }
  return { url, stop, output: logs };
}

/** The engine to run an image with: `podman` if it is on PATH, else `docker`. */
export function defaultEngine() {
  const onPath = (name) => (process.env.PATH ?? "").split(delimiter)
    .some((dir) => dir && existsSync(join(dir, name)));
  return onPath("podman") ? "podman" : "docker";
}

async function healthy(url) {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

function describeEnd({ error, code, signal }) {
  if (error) return error.message;
  return signal ? `it was killed by ${signal}` : `it exited with status ${code}`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function execOut(program, args, env) {
  return new Promise((resolve, reject) => {
    execFile(program, args, { env, maxBuffer: 4 * OUTPUT_KEPT }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}${stderr ? `\n${stderr}` : ""}`));
      else resolve(stdout + (args.includes("logs") ? stderr : ""));
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
