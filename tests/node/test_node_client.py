"""The npm package in ``clients/node`` (``ferndesk-verifier`` for Node), run by the suite.

Three checks, each a real Node process against real verifiers:

- the package's own ``node --test`` suite (``npm run test:node``): startVerifier, the helpers,
  token signing, the typed client against ``/openapi.json``, the TypeScript declarations;
- its Playwright for Node suite (``npm run test:playwright``), the ``ferndesk-verifier/playwright``
  fixture driving Debian's Chromium;
- the issue's "done when": a Node project made from scratch in a temporary directory installs
  the package from this checkout (offline, from the npm cache its own install filled), and its
  ``node --test`` test starts the verifier from ``PATH`` and identifies through it.

``make test``'s prerequisites (``browser-deps``) install ``clients/node``'s packages. Without
node or npm, or without those packages, the tests skip with the reason, except under
``CI=true``, where they fail. They run once: the servers they spawn use their own throw-away
SQLite databases whatever ``FERNDESK_VERIFIER_TEST_DATABASE_URL`` says, so the PostgreSQL pass
would only repeat them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.needs import need

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "clients" / "node"
VENV_BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.skipif(
        bool(os.environ.get("FERNDESK_VERIFIER_TEST_DATABASE_URL")),
        reason="the Node suites spawn verifiers on their own SQLite databases: the PostgreSQL "
               "pass would only run them again"),
    # A whole Node suite per test: a minute here, more on a loaded 2-core CI machine.
    pytest.mark.timeout(600),
]


def _need(problem: str | None) -> None:
    need(problem, "the Node client's tests")


def _need_node() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    _need(f"{' and '.join(missing)} not on PATH" if missing else
          None if (PACKAGE / "node_modules" / "jose").is_dir() else
          "clients/node's packages are not installed (make browser-deps)")


def _env(**extra: str) -> dict[str, str]:
    """This environment without any FERNDESK_VERIFIER_* (a URL there would turn the Node tests
    against a server they did not start) but the FERNDESK_VERIFIER_TEST_* of the suite (an
    image for the container test), with the checkout's virtualenv first on PATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FERNDESK_VERIFIER_") or k.startswith("FERNDESK_VERIFIER_TEST_")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    said = f"$ {' '.join(command)}  (in {cwd})\n{done.stdout}{done.stderr}"
    assert done.returncode == 0, f"exit status {done.returncode}\n{said}"
    return said


def _real_image() -> dict[str, str]:
    """The container image tests/container builds (``make test`` builds it first, as root with
    podman), for the package's ``startVerifier({ image })`` test to run for real; nothing where
    the container tests cannot run either (they say so loudly)."""
    if shutil.which("podman") is None or os.geteuid() != 0:
        return {}
    from tests.container.build_image import IMAGE, PODMAN_ENV

    found = subprocess.run(["podman", "image", "exists", IMAGE], env=PODMAN_ENV,
                           capture_output=True, check=False)
    if found.returncode != 0:
        _need(f"the container image {IMAGE} is not built (python -m tests.container.build_image)")
        return {}
    return {"FERNDESK_VERIFIER_TEST_IMAGE": IMAGE,
            "CONTAINERS_CONF": PODMAN_ENV["CONTAINERS_CONF"]}


def test_node_test_suite_of_the_package_passes() -> None:
    _need_node()
    said = _run(["npm", "run", "--silent", "test:node"], PACKAGE,
                _env(FERNDESK_VERIFIER_COMMAND=str(VENV_BIN / "ferndesk-verifier"),
                     **_real_image()))
    if os.environ.get("CI") == "true" and os.geteuid() == 0:
        assert "REAL IMAGE NOT RUN" not in said, said


def test_playwright_fixture_suite_passes_in_chromium() -> None:
    _need_node()
    _need(None if Path(CHROMIUM).exists() else f"{CHROMIUM} is missing (apt-get install chromium)")
    _run(["npm", "run", "--silent", "test:playwright"], PACKAGE,
         _env(FERNDESK_VERIFIER_COMMAND=str(VENV_BIN / "ferndesk-verifier"), CHROMIUM=CHROMIUM))


SCRATCH_TEST = """\
import assert from "node:assert/strict";
import { test } from "node:test";

import { startVerifier } from "ferndesk-verifier";

test("a user identifies through the verifier", async () => {
  const verifier = await startVerifier();
  try {
    const helpCenter = await verifier.createHelpCenter();
    const jwt = await helpCenter.token({ sub: "ada", email: "ada@example.test" });
    const { status, body } = await helpCenter.identify(jwt, { origin: "https://app.example.test" });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.user.sub, "ada");
    assert.deepEqual((await verifier.attempts(helpCenter)).map((a) => a.code), ["ok"]);
  } finally {
    await verifier.stop();
  }
});
"""


def test_a_node_project_from_scratch_installs_the_package_and_identifies(
        tmp_path: Path) -> None:
    _need_node()
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text(json.dumps({
        "name": "scratch-app", "private": True, "type": "module",
        "scripts": {"test": "node --test"}}))
    env = _env(npm_config_update_notifier="false")
    # As the README says: install-links=true in .npmrc, so the folder is installed as a copy
    # of what `npm pack` would publish, with jose (a link would have no jose); --offline: jose
    # comes from the npm cache the package's own install filled.
    (project / ".npmrc").write_text("install-links=true\n")
    _run(["npm", "install", "--save-dev", "--offline", "--no-audit", "--no-fund",
          str(PACKAGE)], project, env)
    installed = project / "node_modules" / "ferndesk-verifier"
    assert installed.is_dir() and not installed.is_symlink()
    assert sorted(path.name for path in installed.iterdir()) == \
        ["README.md", "package.json", "src"], "only what the package publishes"
    assert not (project / "node_modules" / "@playwright").exists(), \
        "@playwright/test is an optional peer: not installed for a project without it"
    (project / "identify.test.js").write_text(SCRATCH_TEST)
    said = _run(["npm", "test"], project, env)
    assert "# pass 1" in said, said
