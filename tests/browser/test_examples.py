"""The examples in ``examples/`` run for real: an integrator's backend signs with the vendor's
own code (PyJWT; Express + jsonwebtoken), its page loads the SDK, the form is pre-filled."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SECRET, WIDGET, have_node_example, sdk_src
from tests.process.conftest import free_port, wait_healthy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


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
        message = "node or examples/node/node_modules missing (npm install --prefix examples/node)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(f"NODE EXAMPLE SKIPPED: {message}")
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
    _identified_form(page, python_example, "ada@example.com", "Ada Lovelace")


def test_node_example_prefills_the_form(page, node_example: int) -> None:
    _identified_form(page, node_example, "grace@example.com", "Grace Hopper")
