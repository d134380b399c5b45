"""Slow clients on a real uvicorn server: a body that stops arriving is answered 408 and its
connection closed within ``Settings.body_timeout``, and headers that never finish get the same
deadline (``header_deadline.py``), so slow clients cannot pile up descriptors.

The server runs in a thread with a short bound (``create_app(Settings(body_timeout=...))`` on
``uvicorn.Server``, as the pytest plugin's server does); ``serve --body-timeout`` sets it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tests.conftest import ADMIN_TOKEN, fresh_database_url
from verifier.app import create_app
from verifier.header_deadline import protocol
from verifier.settings import Settings

BOUND = 1.0
SLACK = 4.0  # a loaded 2-core machine


class ThreadServer:
    def __init__(self, settings: Settings, http: str) -> None:
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0,
                                http=protocol(http, settings.body_timeout),
                                log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "did not start"
            time.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(params=["httptools", "h11"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ThreadServer]:
    settings = Settings(database_url=fresh_database_url(tmp_path), admin_token=ADMIN_TOKEN,
                        body_timeout=BOUND, freeze_gc=False)
    running = ThreadServer(settings, request.param)
    yield running
    running.stop()


def half_sent(port: int, path: str, extra: str = "") -> socket.socket:
    """A connection that sent its headers, announced 100 bytes of body and sent 10."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                 f"{extra}Content-Length: 100\r\n\r\n".encode() + b'{"jwt": "x')
    return sock


def read_until_closed(sock: socket.socket, within: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took."""
    started = time.monotonic()
    sock.settimeout(within)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        pytest.fail(f"the server kept the connection open over {within} s; got {received!r}")
    finally:
        sock.close()
    return received, time.monotonic() - started


@pytest.mark.parametrize(("path", "extra"), [
    ("/widget/nope/identify", "Origin: https://app.example.com\r\n"),
    ("/widget/nope/sessions", ""),
    ("/api/help-centers", f"Authorization: Bearer {ADMIN_TOKEN}\r\n"),
])
def test_a_body_that_stops_arriving_is_answered_408_and_closed(server: ThreadServer, path: str,
                                                               extra: str) -> None:
    answer, took = read_until_closed(half_sent(server.port, path, extra), BOUND + SLACK)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b'"code":"invalid_request"' in answer.replace(b" ", b"")
    assert b"did not arrive within 1 s" in answer
    assert b"connection: close" in answer.lower()
    assert BOUND * 0.8 <= took <= BOUND + SLACK


def test_a_body_sent_in_pieces_within_the_bound_is_read(server: ThreadServer) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port))
    body = b'{"name": "Slow", "domain": "help.slow.com"}'
    sock.sendall(f"POST /api/help-centers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                 f"\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\nConnection: close\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode())
    for piece in (body[:10], body[10:20], body[20:]):
        time.sleep(BOUND / 4)
        sock.sendall(piece)
    answer, _ = read_until_closed(sock, BOUND + SLACK)
    assert answer.startswith(b"HTTP/1.1 201 "), answer


def test_healthz_answers_while_slow_bodies_wait(server: ThreadServer) -> None:
    slow = [half_sent(server.port, "/widget/nope/sessions") for _ in range(50)]
    try:
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer, _ = read_until_closed(sock, SLACK)
        assert answer.startswith(b"HTTP/1.1 200 ")
        for sock in slow:
            answer, _ = read_until_closed(sock, BOUND + SLACK)
            assert answer.startswith(b"HTTP/1.1 408 "), answer
    finally:
        for sock in slow:
            sock.close()


def test_headers_that_never_finish_are_dropped(server: ThreadServer) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # no blank line: unfinished
    read_until_closed(sock, BOUND + SLACK)


def test_a_connection_that_sends_nothing_is_dropped(server: ThreadServer) -> None:
    read_until_closed(socket.create_connection(("127.0.0.1", server.port)), BOUND + SLACK)


def test_headers_trickling_in_do_not_push_the_deadline_back(server: ThreadServer) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port))
    started = time.monotonic()
    sock.sendall(b"GET /healthz HTTP/1.1\r\n")
    try:
        for _ in range(int((BOUND + SLACK) / 0.25)):
            time.sleep(0.25)
            sock.sendall(b"X-Slow: 1\r\n")
    except OSError:
        pass  # closed by the server while trickling: what this test wants
    read_until_closed(sock, BOUND + SLACK)
    assert time.monotonic() - started < BOUND + SLACK


def test_a_kept_alive_connection_serves_requests_further_apart_than_the_deadline(
        server: ThreadServer) -> None:
    """The deadline is per request's headers, not per connection: whole requests sent further
    apart than it are each served (uvicorn's own keep-alive timeout, 5 s, ends idle ones)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        for _ in range(2):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            time.sleep(BOUND + 0.5)
