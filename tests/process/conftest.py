"""Real ``ferndesk-verifier serve`` processes on free loopback ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest

from tests.conftest import ADMIN_TOKEN, fresh_database_url, server_arguments

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(base: str, process: subprocess.Popen[str] | None = None,
                 output: Callable[[], str] | None = None, path: str = "/healthz") -> None:
    """Wait until ``base + path`` answers 200, or fail with the server's output.

    A minute, not seconds: a 4-worker server starts five processes, and on the suite's 2-core
    machine several such servers starting together take 20 s and more."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            said = output() if output else process.stdout.read()  # type: ignore[union-attr]
            raise RuntimeError(f"server exited: {said}")
        try:
            if httpx2.get(base + path, timeout=0.5).status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{base}{path} did not answer in {STARTUP_SECONDS} s")


class Server:
    """A ``serve`` process. Its output goes to a file, not a pipe: a pipe nobody reads fills
    after a few hundred log lines, and the server then blocks writing its next one."""

    def __init__(self, database_url: str, *extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
        self.output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (read again by stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "verifier", "serve", "--port", str(self.port),
             "--database-url", database_url, "--admin-token", ADMIN_TOKEN,
             *server_arguments(extra)],
            stdout=self.output, stderr=subprocess.STDOUT, env=env, text=True)
        try:
            wait_healthy(self.base, self.process, self.said)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; the server said:\n{self.stop()}") from None

    def said(self) -> str:
        """Everything the server has printed so far."""
        self.output.seek(0)
        return self.output.read()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.said()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start servers for this test; without a URL they share the test's fresh database
    (SQLite, or PostgreSQL under FERNDESK_VERIFIER_TEST_DATABASE_URL), so a restart finds it."""
    started: list[Server] = []
    database_url = fresh_database_url(tmp_path)

    def start(*extra: str, database_url: str | None = database_url) -> Server:
        server = Server(database_url or fresh_database_url(tmp_path), *extra)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
