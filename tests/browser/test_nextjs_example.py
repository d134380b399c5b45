"""examples/nextjs runs for real: ``next build``, then ``next start``; its Edge route handler
signs with ``jose``, its client component loads the SDK with the loader snippet and calls
``Ferndesk('identify', { jwt })``, and Chromium on ``app.example.test`` shows the outcome.

Built once for the module (about 30 s from a fresh clone on the suite's 2-core machine, 8 s
with the ``.next/cache`` an earlier build left): the SDK's address is a ``NEXT_PUBLIC_``
variable, which ``next build`` writes into the page's JavaScript, and the verifier's port
changes every run, so there is no build to reuse between runs. The secret and
the signed-in user are read by the route at request time, so one build serves both the success
and the failure path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SECRET, WIDGET, sdk_src
from tests.conftest import ADMIN, TEST_DATABASE_URL
from tests.needs import need
from tests.process.conftest import Server, free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
NEXTJS = ROOT / "examples" / "nextjs"
NEXT = NEXTJS / "node_modules" / ".bin" / "next"
SNIPPET = ROOT / "sdk_stub" / "loader-snippet.html"
# The route handler's stand-in for a signed-in user (examples/nextjs/app/api/ferndesk-token).
USER = {"sub": "user-11", "email": "katherine@example.com", "name": "Katherine Johnson"}
HELP_CENTER = "acme"  # the browser suite's seeded help center (tests/browser/conftest.py)


def _need_nextjs() -> None:
    problem = None
    if shutil.which("node") is None:
        problem = "node is missing (apt-get install -y nodejs npm)"
    elif not NEXT.exists():
        problem = "examples/nextjs/node_modules is missing (npm ci --prefix examples/nextjs)"
    need(problem, "the Next.js example")


@pytest.fixture(scope="module")
def nextjs_build(verifier: Server) -> Path:
    """``next build`` with the SDK served by the suite's verifier on help.example.test."""
    if TEST_DATABASE_URL:
        pytest.skip("the Next.js example runs in the SQLite pass only: it tests the example "
                    "app, and its verifier calls are the ones the rest of the browser suite "
                    "already makes on PostgreSQL")
    _need_nextjs()
    env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1",
           "NEXT_PUBLIC_FERNDESK_SDK_SRC": sdk_src(verifier),
           "NEXT_PUBLIC_FERNDESK_WIDGET_ID": WIDGET}
    built = subprocess.run([str(NEXT), "build"], cwd=NEXTJS, env=env, capture_output=True,
                           text=True, timeout=600)
    assert built.returncode == 0, f"next build failed:\n{built.stdout}\n{built.stderr}"
    return NEXTJS / ".next"


class NextApp:
    """A ``next start`` process on a free loopback port, in a process group of its own so that
    stopping it stops whatever it started."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (read again by said)
        self.process = subprocess.Popen(
            [str(NEXT), "start", "-p", str(self.port), "-H", "127.0.0.1"], cwd=NEXTJS,
            env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1", **env},
            stdout=self.output, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            wait_healthy(f"http://127.0.0.1:{self.port}", self.process, self.said, path="/")
        except RuntimeError:
            self.stop()
            raise

    @property
    def origin(self) -> str:
        return f"http://app.example.test:{self.port}"

    def said(self) -> str:
        self.output.seek(0)
        return self.output.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def start_app(nextjs_build: Path) -> Iterator[Callable[[str], NextApp]]:
    """Starts the built app with the given FERNDESK_JWT_SECRET; stops it after the test."""
    started: list[NextApp] = []

    def start(secret: str) -> NextApp:
        app = NextApp({"FERNDESK_JWT_SECRET": secret})
        started.append(app)
        return app

    yield start
    for app in started:
        app.stop()


def _attempts_from(verifier: Server, origin: str) -> list[dict[str, object]]:
    answer = httpx2.get(f"{verifier.base}/api/help-centers/{HELP_CENTER}/identify-attempts",
                        headers=ADMIN, timeout=10)
    assert answer.status_code == 200, answer.text
    return [attempt for attempt in answer.json() if attempt["origin"] == origin]


def test_the_nextjs_example_identifies_its_user_and_prefills_the_form(
        page, verifier: Server, start_app: Callable[[str], NextApp]) -> None:
    app = start_app(SECRET)
    page.goto(f"{app.origin}/")
    expect(page.locator("#ferndesk-status[data-state=identified]")).to_have_text(
        f"Signed in to help as {USER['sub']}")
    page.locator("#help").click()
    frame = page.frame_locator("#ferndesk-widget-frame")
    expect(frame.locator("input[name=email]")).to_have_value(USER["email"])
    expect(frame.locator("input[name=name]")).to_have_value(USER["name"])
    assert page.console.of("error") == []
    attempts = _attempts_from(verifier, app.origin)
    assert [(a["code"], a["sub"]) for a in attempts] == [("ok", USER["sub"])], attempts


def test_the_nextjs_example_with_a_wrong_secret_shows_the_sdks_error(
        page, verifier: Server, start_app: Callable[[str], NextApp]) -> None:
    app = start_app("not-the-help-centers-secret-at-all-32chars")
    page.goto(f"{app.origin}/")
    expect(page.locator("#ferndesk-status[data-state=failed]")).to_have_text(
        "Help sign-in failed: invalid_jwt")
    page.console.wait_for("error", lambda text: text == "Ferndesk: identify failed - invalid jwt")
    page.console.wait_for("error", lambda text: text == "Identification failed: invalid_jwt")
    attempts = _attempts_from(verifier, app.origin)
    assert [a["code"] for a in attempts] == ["invalid_jwt"], attempts


def test_the_nextjs_examples_token_route_runs_on_the_edge_runtime(nextjs_build: Path) -> None:
    """The point of the example: jose signs where jsonwebtoken cannot. A route that drifted to
    the Node.js runtime would still pass the tests above."""
    manifest = json.loads((nextjs_build / "server" / "middleware-manifest.json").read_text())
    assert "/api/ferndesk-token/route" in manifest["functions"], manifest


def test_the_nextjs_example_carries_the_canonical_loader_snippet() -> None:
    """next/script takes the snippet's JavaScript, not its <script> tag: the body must be the
    canonical file's, whitespace aside (tests/unit/test_loader_snippet.py does the same for the
    other copies)."""
    canonical = SNIPPET.read_text(encoding="utf-8").strip()
    body = canonical.removeprefix("<script>").removesuffix("</script>")
    assert body != canonical
    copy = (NEXTJS / "app" / "ferndesk-loader.ts").read_text(encoding="utf-8")
    squeeze: Callable[[str], str] = lambda text: re.sub(r"\s+", " ", text).strip()  # noqa: E731
    assert squeeze(body) in squeeze(copy), (
        "examples/nextjs/app/ferndesk-loader.ts is not sdk_stub/loader-snippet.html's script")
