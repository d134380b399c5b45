"""The one HTTP client the CLI and the pytest plugin share (``verifier.client``), against a
real server: every status is an answer, only silence raises, and a loopback verifier is reached
directly whatever HTTP_PROXY says."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.process.conftest import free_port
from verifier.client import Unreachable, VerifierClient
from verifier.pytest_plugin import Verifier

DEAD_PROXY = f"http://127.0.0.1:{free_port()}"  # nothing listens there


def behind_a_dead_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on this process (and what it starts) is told to use a proxy that is dead.
    Called after the test's server is up: the harness's own client honours the proxy."""
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, DEAD_PROXY)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_an_error_status_is_an_answer_not_an_exception(start_server) -> None:
    server = start_server()
    client = VerifierClient(server.base, "wrong-token")
    answer = client.request("GET", "/api/help-centers")
    assert answer.status == 401 and answer.error is not None
    assert answer.error["code"] == "unauthorized"


def test_a_verifier_that_does_not_answer_raises_unreachable() -> None:
    with pytest.raises(Unreachable):
        VerifierClient(f"http://127.0.0.1:{free_port()}", timeout=5).request("GET", "/healthz")


def test_only_http_urls_are_clients() -> None:
    with pytest.raises(ValueError, match="http"):
        VerifierClient("file:///etc/passwd")


def test_the_plugin_reaches_a_loopback_verifier_past_a_proxy(
        start_server, monkeypatch: pytest.MonkeyPatch) -> None:
    server = start_server()
    behind_a_dead_proxy(monkeypatch)
    verifier = Verifier(server.base, ADMIN_TOKEN)
    assert verifier.request("GET", "/healthz").json == {"status": "ok"}


def test_the_cli_reaches_a_loopback_verifier_past_a_proxy(
        start_server, monkeypatch: pytest.MonkeyPatch) -> None:
    server = start_server()
    made = Verifier(server.base, ADMIN_TOKEN).create_help_center()
    behind_a_dead_proxy(monkeypatch)
    result = subprocess.run(
        [sys.executable, "-m", "verifier", "token", "--help-center", made.id, "--server",
         server.base, "--admin-token", ADMIN_TOKEN, "--sub", "u-1", "--email", "a@b.co"],
        capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(".") == 2
