"""Real Chromium (Debian's, driven by Playwright) on real-looking hosts.

``--host-resolver-rules`` maps ``*.example.test`` and ``otherdomain.test`` to 127.0.0.1, so an
integrator's page on ``app.example.test`` calls a verifier whose help center lives on
``help.example.test``, exactly as in production, over loopback only. Without Chromium the tests
skip with a loud reason, except under ``CI=true``, where they fail: CI installs it.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.conftest import fresh_database_url
from tests.needs import need
from tests.process.conftest import Server

CHROMIUM = "/usr/bin/chromium"
SECRET = "browser-tests-secret-of-at-least-32-characters"
WIDGET = "acme-widget"
HELP_HOST = "help.example.test"
CHROMIUM_ARGS = [
    "--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP otherdomain.test 127.0.0.1",
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
# The loader snippet, read from its one canonical copy (tests/unit/test_loader_snippet.py keeps
# the README's and the examples' copies equal to it).
SNIPPET = (ROOT / "sdk_stub" / "loader-snippet.html").read_text(encoding="utf-8").strip()


def _need_browser() -> None:
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (pip install playwright)"
    need(problem, "browser tests")


@pytest.fixture(scope="session")
def verifier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One verifier for the browser suite, seeded with the help center on help.example.test."""
    _need_browser()
    folder = tmp_path_factory.mktemp("verifier")
    seed = folder / "seed.json"
    seed.write_text(json.dumps({"help_centers": [{
        "id": "acme", "name": "Acme", "domain": HELP_HOST, "widget_id": WIDGET,
        "jwt_secret": SECRET}]}))
    server = Server(fresh_database_url(folder), "--seed", str(seed))
    yield server
    server.stop()


class Pages:
    """A static file server for the integrator's pages, reachable under any mapped host."""

    def __init__(self, root: Path) -> None:
        self.root = root
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.extra_headers = {}  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add(self, name: str, body: str, head: str = "",
            headers: dict[str, str] | None = None) -> None:
        """Serves ``name``, with ``headers`` (a Content-Security-Policy, say) added to its
        answer."""
        self.httpd.extra_headers[f"/{name}"] = dict(headers or {})  # type: ignore[attr-defined]
        (self.root / name).write_text(
            "<!doctype html><html><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
            f"{head}</head>"
            f"<body>{body}</body></html>")

    def url(self, name: str, host: str = "app.example.test") -> str:
        return f"http://{host}:{self.port}/{name}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *_args: Any) -> None:
        pass

    def end_headers(self) -> None:
        extra = self.server.extra_headers.get(self.path.split("?")[0], {})  # type: ignore[attr-defined]
        for name, value in extra.items():
            self.send_header(name, value)
        super().end_headers()


@pytest.fixture(scope="session")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pages]:
    served = Pages(tmp_path_factory.mktemp("pages"))
    yield served
    served.httpd.shutdown()


@pytest.fixture(scope="session")
def browser(verifier: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Console:
    """Everything the page printed, by level."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.messages: list[tuple[str, str]] = []

    def __call__(self, message: Any) -> None:
        self.messages.append((message.type, message.text))

    def of(self, level: str) -> list[str]:
        return [text for kind, text in self.messages if kind == level]

    def wait_for(self, level: str, predicate: Callable[[str], bool],
                 timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in self.of(level):
                if predicate(text):
                    return text
            # Not time.sleep: Playwright's sync API delivers events only while it runs.
            self.page.wait_for_timeout(50)
        raise AssertionError(f"no console.{level} matched; got {self.messages}")


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context()
    tab = context.new_page()
    tab.console = Console(tab)
    tab.on("console", tab.console)
    yield tab
    artifacts = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        artifacts.mkdir(exist_ok=True)
        tab.screenshot(path=str(artifacts / f"{request.node.name}.png"))
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def token(**claims: Any) -> str:
    payload = {"sub": "u-1", "email": "ada@example.com", "name": "Ada Lovelace",
               "exp": int(time.time()) + 3600, **claims}
    return jwt.encode({k: v for k, v in payload.items() if v is not ...}, SECRET,
                      algorithm="HS256")


def sdk_src(verifier: Server) -> str:
    return f"http://{HELP_HOST}:{verifier.port}/sdk.js"


def page_with_script_tag(verifier: Server, script: str) -> tuple[str, str]:
    """(head, body) of a page that loads the SDK with a plain script tag, so that the page's
    own script can use the Promises ``Ferndesk`` returns (the snippet's queueing stub returns
    nothing)."""
    return (f"<script src={json.dumps(sdk_src(verifier))}></script>",
            f"<h1>App</h1><script>{script}</script>")


def snippet_with_nonce(nonce: str) -> str:
    """The loader snippet as a page under a nonce-based CSP carries it: the nonce on its tag."""
    assert SNIPPET.startswith("<script>")
    return f'<script nonce="{nonce}">' + SNIPPET[len("<script>"):]


def page_with_snippet(verifier: Server, script: str) -> tuple[str, str]:
    """(head, body) of an integrator page that loads the SDK with the loader snippet."""
    head = (f"<script>window.FERNDESK_SDK_SRC = {json.dumps(sdk_src(verifier))};</script>"
            + SNIPPET)
    return head, f"<h1>App</h1><script>{script}</script>"


def have_node_example() -> bool:
    return shutil.which("node") is not None and (
        Path(__file__).resolve().parents[2] / "examples" / "node" / "node_modules").exists()
