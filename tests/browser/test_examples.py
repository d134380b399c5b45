"""The examples in ``examples/`` and the README's walk-through run for real: an integrator's
backend signs with the vendor's own code (PyJWT; Express + jsonwebtoken), its page loads the SDK
with the loader snippet, the form is pre-filled, and a failure reaches the page's own code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import jwt as pyjwt
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SECRET, WIDGET, Pages, have_node_example, sdk_src, token
from tests.conftest import fresh_database_url
from tests.needs import need
from tests.process.conftest import Server, free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
README = ROOT / "README.md"
PYTHON_EXAMPLE_USER = ("alan@example.com", "Alan Turing")  # examples/python/app.py's CurrentUser


def _start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(command, env={**os.environ, **env}, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_healthy(f"http://127.0.0.1:{port}", process, path="/")
    return process


@pytest.fixture
def example_env(verifier) -> dict[str, str]:
    return {"FERNDESK_JWT_SECRET": SECRET, "FERNDESK_WIDGET_ID": WIDGET,
            "FERNDESK_SDK_SRC": sdk_src(verifier)}


@pytest.fixture
def python_example(example_env: dict[str, str]) -> Iterator[int]:
    port = free_port()
    process = _start([sys.executable, "-m", "uvicorn", "--app-dir", str(EXAMPLES / "python"),
                      "app:app", "--port", str(port), "--log-level", "warning"],
                     example_env, port)
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def node_example(example_env: dict[str, str]) -> Iterator[int]:
    if not have_node_example():
        need("node or examples/node/node_modules missing "
             "(npm install --prefix examples/node)", "the Node example")
    port = free_port()
    process = _start(["node", str(EXAMPLES / "node" / "server.js")],
                     {**example_env, "PORT": str(port)}, port)
    yield port
    process.terminate()
    process.wait(timeout=10)


def _identified_form(page, port: int, email: str, name: str) -> None:
    page.goto(f"http://app.example.test:{port}/")
    expect(page.locator("body[data-identified=true]")).to_have_count(1)
    page.locator("#help").click()
    frame = page.frame_locator("#ferndesk-widget-frame")
    expect(frame.locator("input[name=email]")).to_have_value(email)
    expect(frame.locator("input[name=name]")).to_have_value(name)
    assert [text for text in page.console.of("error")] == []


def test_python_example_prefills_the_form(page, python_example: int) -> None:
    _identified_form(page, python_example, *PYTHON_EXAMPLE_USER)


def test_node_example_prefills_the_form(page, node_example: int) -> None:
    _identified_form(page, node_example, "grace@example.com", "Grace Hopper")


# -- the README, followed top to bottom --------------------------------------------------------


def _readme_block(language: str, containing: str) -> str:
    """The README's first fenced ``language`` block that contains ``containing``."""
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    found = [block for block in blocks if containing in block]
    assert found, f"README.md has no ```{language} block containing {containing!r}"
    return found[0]


def _demo_secret(server: Server) -> str:
    said = server.said()
    match = re.search(r"demo JWT secret[^:]*: (\S+)", said)
    assert match, f"serve --demo printed no demo secret: {said}"
    return match.group(1)


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[Server]:
    """What `make run` starts: a server with the demo help center (domain localhost)."""
    server = Server(fresh_database_url(tmp_path), "--demo")
    yield server
    server.stop()


def test_the_readme_quickstart_then_the_python_example_both_identify_on_one_server(
        page, demo_server: Server) -> None:
    secret = _demo_secret(demo_server)
    quickstart = _readme_block("sh", "widget/demo/identify")
    quickstart = re.sub(r"^SECRET=.*$", f"SECRET={secret}", quickstart, flags=re.MULTILINE)
    quickstart = (quickstart.replace("127.0.0.1:8765", f"127.0.0.1:{demo_server.port}")
                  .replace(".venv/bin/python", sys.executable))
    done = subprocess.run(["bash", "-ec", quickstart], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.splitlines()[-1])
    assert "user" in answer, answer

    port = free_port()
    env = {"FERNDESK_JWT_SECRET": secret, "FERNDESK_WIDGET_ID": "demo",
           "FERNDESK_SDK_SRC": f"http://localhost:{demo_server.port}/sdk.js"}
    example = _start([sys.executable, "-m", "uvicorn", "--app-dir", str(EXAMPLES / "python"),
                      "app:app", "--port", str(port), "--log-level", "warning"], env, port)
    try:
        page.goto(f"http://localhost:{port}/")
        expect(page.locator("body[data-identified=true]")).to_have_count(1)
        page.locator("#help").click()
        frame = page.frame_locator("#ferndesk-widget-frame")
        expect(frame.locator("input[name=email]")).to_have_value(PYTHON_EXAMPLE_USER[0])
        assert page.console.of("error") == []
    finally:
        example.terminate()
        example.wait(timeout=10)


# -- failures reach the page's code, even for calls made before sdk.js loaded -------------------


def _slow_sdk(page, seconds: float = 1.0) -> None:
    """sdk.js arrives late, so the page's token is fetched and identify called while
    ``Ferndesk`` is still the loader snippet's queueing function."""
    def late(route) -> None:
        time.sleep(seconds)
        route.continue_()
    page.route("**/sdk.js", late)


def _readme_page(pages: Pages, verifier: Server, jwt: str, name: str) -> str:
    html = _readme_block("html", "FERNDESK_SDK_SRC")
    html = re.sub(r"http://help\.example\.test:8765/sdk\.js", sdk_src(verifier), html)
    assert f"widgetId: '{WIDGET}'" in html
    (pages.root / "api").mkdir(exist_ok=True)
    (pages.root / "api" / "ferndesk-token").write_text(jwt)
    pages.add(name, html)
    return pages.url(name)


def test_the_readme_page_reports_an_identify_failure_queued_before_the_sdk_loaded(
        page, pages: Pages, verifier: Server) -> None:
    wrong = pyjwt.encode({"sub": "readme-1", "email": "readme@example.com",
                          "exp": int(time.time()) + 3600},
                         "not-the-help-centers-secret-at-all-32chars", algorithm="HS256")
    _slow_sdk(page)
    page.goto(_readme_page(pages, verifier, wrong, "readme-failure.html"))
    page.console.wait_for("error", lambda text: text == "Ferndesk: identify failed - invalid jwt")
    page.console.wait_for("error", lambda text: text.startswith("Identification failed:")
                          and "invalid_jwt" in text)
    assert not any("Cannot read properties" in text for text in page.console.of("error"))


def test_the_readme_page_reports_the_identified_user(page, pages: Pages,
                                                     verifier: Server) -> None:
    _slow_sdk(page)
    page.goto(_readme_page(pages, verifier, token(sub="readme-2", email="readme2@example.com"),
                           "readme-success.html"))
    page.console.wait_for("log", lambda text: text == "identified readme-2")
    assert page.console.of("error") == []


def test_the_python_example_page_shows_a_failure(page, example_env: dict[str, str]) -> None:
    port = free_port()
    process = _start([sys.executable, "-m", "uvicorn", "--app-dir", str(EXAMPLES / "python"),
                      "app:app", "--port", str(port), "--log-level", "warning"],
                     {**example_env, "FERNDESK_JWT_SECRET": "a-wrong-secret-of-32-characters-xx"},
                     port)
    try:
        _slow_sdk(page)
        page.goto(f"http://app.example.test:{port}/")
        expect(page.locator("body[data-identify-failed=invalid_jwt]")).to_have_count(1)
        expect(page.locator("body[data-identified]")).to_have_count(0)
    finally:
        process.terminate()
        process.wait(timeout=10)
