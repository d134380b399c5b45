"""pytest plugin: a live ferndesk-verifier for your test suite. ``pip install`` is enough
(entry point ``pytest11``); nothing to configure.

Fixtures:

- ``ferndesk_verifier``: a ``Verifier`` client for a live server on a free loopback port with a
  throw-away SQLite database. The server starts once per test session (in-process, well under
  a second) and is reset before each test (milliseconds), so tests never see each other.
- ``ferndesk_help_center``: a fresh ``HelpCenter`` with a JWT secret, per test
  (domain ``help.example.test``).
- ``ferndesk_token``: ``ferndesk_token(**claims)`` signs a token for that help center with
  sensible defaults (``sub``, ``email``, ``name``, ``exp`` an hour after the emulator's now).

To run against a verifier you already started (a shared instance, a CI service), pass
``--ferndesk-verifier-url URL`` and ``--ferndesk-verifier-admin-token TOKEN`` (or set
``FERNDESK_VERIFIER_URL`` / ``FERNDESK_VERIFIER_ADMIN_TOKEN``).

To keep the in-process server but put its state in another database (PostgreSQL, to test as
your shared instance runs), pass ``--ferndesk-verifier-database-url URL`` (or set
``FERNDESK_VERIFIER_PYTEST_DATABASE_URL``). The plugin resets it before every test: give it a
throw-away database, never one that holds anything you want to keep.

This module imports only the standard library and pytest at collection time: it is loaded in
every pytest run of every project that has the package installed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

DEFAULT_DOMAIN = "help.example.test"
DEFAULT_ORIGIN = "https://app.example.test"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status and parsed JSON (None for an empty body)."""

    status: int
    json: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def error(self) -> dict[str, Any] | None:
        return self.json.get("error") if isinstance(self.json, dict) else None


class Verifier:
    """A small client for a running verifier: the admin API, the emulator controls and identify."""

    def __init__(self, url: str, admin_token: str) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token

    # -- HTTP --------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *, admin: bool = True,
                headers: dict[str, str] | None = None) -> Answer:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if admin:
            sent["Authorization"] = f"Bearer {self.admin_token}"
        data = None if body is None else json.dumps(body).encode()
        # The URL is the verifier's own http(s) address, given by the test session.
        request = urllib.request.Request(self.url + path, data=data, method=method,  # noqa: S310
                                         headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return _answer(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return _answer(error.code, error.read(), dict(error.headers))

    def _ok(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.request(method, path, body)
        if answer.status >= 400:
            raise AssertionError(f"{method} {path} answered {answer.status}: {answer.json}")
        return answer.json

    # -- setup -------------------------------------------------------------------------------

    def reset(self) -> None:
        """Everything gone, the clock real again (``POST /api/emulator/reset``)."""
        self._ok("POST", "/api/emulator/reset")

    def create_help_center(self, name: str = "Test help center", domain: str = DEFAULT_DOMAIN,
                           widget_id: str | None = None, with_secret: bool = True,
                           help_center_id: str | None = None) -> HelpCenter:
        body: dict[str, Any] = {"name": name, "domain": domain}
        if widget_id:
            body["widget_id"] = widget_id
        if help_center_id:
            body["id"] = help_center_id
        made = self._ok("POST", "/api/help-centers", body)
        secret = None
        if with_secret:
            secret = self._ok("POST", f"/api/help-centers/{made['id']}/jwt-secret")["secret"]
        return HelpCenter(self, made["id"], made["name"], made["domain"], made["widget_id"],
                          secret)

    # -- controls ----------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        clock: dict[str, Any] = self._ok("GET", "/api/emulator/clock")
        return clock

    def now(self) -> float:
        """The emulator's now, as POSIX seconds."""
        from datetime import datetime

        return datetime.fromisoformat(self.clock()["now"].replace("Z", "+00:00")).timestamp()

    def move_clock(self, seconds: float) -> dict[str, Any]:
        """Shift the emulator's clock by ``seconds`` from real time."""
        clock: dict[str, Any] = self._ok("PUT", "/api/emulator/clock",
                                         {"offset_seconds": seconds})
        return clock

    def freeze_clock(self, at: str) -> dict[str, Any]:
        clock: dict[str, Any] = self._ok("PUT", "/api/emulator/clock", {"frozen_at": at})
        return clock

    def real_clock(self) -> dict[str, Any]:
        clock: dict[str, Any] = self._ok("PUT", "/api/emulator/clock", {})
        return clock

    def inject_fault(self, help_center: HelpCenter | str, times: int = 1,
                     code: str | None = None, status: int | None = None,
                     delay_ms: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"times": times}
        body.update({k: v for k, v in (("code", code), ("status", status),
                                       ("delay_ms", delay_ms)) if v is not None})
        fault: dict[str, Any] = self._ok(
            "POST", f"/api/emulator/help-centers/{_id(help_center)}/faults", body)
        return fault

    # -- what happened -----------------------------------------------------------------------

    def users(self, help_center: HelpCenter | str) -> list[dict[str, Any]]:
        return list(self._ok("GET", f"/api/help-centers/{_id(help_center)}/users"))

    def sessions(self, help_center: HelpCenter | str) -> list[dict[str, Any]]:
        return list(self._ok("GET", f"/api/help-centers/{_id(help_center)}/sessions"))

    def attempts(self, help_center: HelpCenter | str) -> list[dict[str, Any]]:
        """Identify attempts, newest first, each with ``code`` and ``reason``."""
        return list(self._ok("GET", f"/api/help-centers/{_id(help_center)}/identify-attempts"))

    def messages(self, help_center: HelpCenter | str) -> list[dict[str, Any]]:
        return list(self._ok("GET", f"/api/help-centers/{_id(help_center)}/messages"))

    def assert_last_attempt(self, help_center: HelpCenter | str, code: str,
                            reason_contains: str = "") -> dict[str, Any]:
        """Assert the newest identify attempt answered ``code`` (``ok`` on success)."""
        attempts = self.attempts(help_center)
        assert attempts, "no identify attempt was made"
        last = attempts[0]
        assert last["code"] == code, f"last identify answered {last['code']}: {last['reason']}"
        assert reason_contains in last["reason"], last["reason"]
        return last

    def assert_identified(self, help_center: HelpCenter | str, sub: str) -> dict[str, Any]:
        """Assert a user with this ``sub`` is bound in the help center; returns it."""
        users = {user["sub"]: user for user in self.users(help_center)}
        assert sub in users, f"no user with sub {sub!r}; users: {sorted(users)}"
        return users[sub]


@dataclass
class HelpCenter:
    """A help center of the verifier, with its secret (``None`` if made without one)."""

    verifier: Verifier
    id: str
    name: str
    domain: str
    widget_id: str
    secret: str | None

    def token(self, **claims: Any) -> str:
        """A token signed with this help center's secret; ``claim=None`` drops a default."""
        import jwt

        now = int(self.verifier.now())
        payload: dict[str, Any] = {"sub": "user-1", "email": "user-1@example.test",
                                   "name": "Test User", "exp": now + 3600}
        payload.update(claims)
        payload = {key: value for key, value in payload.items() if value is not None}
        if self.secret is None:
            raise AssertionError(f"help center {self.id} has no secret to sign with")
        return jwt.encode(payload, self.secret, algorithm="HS256")

    def identify(self, jwt: Any = ..., origin: str | None = DEFAULT_ORIGIN,
                 session_id: str | None = None, **claims: Any) -> Answer:
        """Call identify as the SDK would, from ``origin`` (default app.example.test)."""
        body: dict[str, Any] = {"jwt": self.token(**claims) if jwt is ... else jwt}
        if session_id is not None:
            body["session_id"] = session_id
        headers = {"Origin": origin} if origin else {}
        return self.verifier.request("POST", f"/widget/{self.widget_id}/identify", body,
                                     admin=False, headers=headers)


def _id(help_center: HelpCenter | str) -> str:
    return help_center if isinstance(help_center, str) else help_center.id


def _answer(status: int, raw: bytes, headers: dict[str, str]) -> Answer:
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode("utf-8", "replace")
    return Answer(status, parsed, headers)


# -- the in-process server ------------------------------------------------------------------


class _Server:
    """The verifier on uvicorn in a background thread, on a temporary SQLite database unless
    given another."""

    def __init__(self, database_url: str | None = None) -> None:
        import uvicorn

        from verifier.app import create_app
        from verifier.settings import Settings

        self.folder = tempfile.mkdtemp(prefix="ferndesk-verifier-")
        self.admin_token = "pytest-" + secrets.token_urlsafe(16)
        database_url = database_url or f"sqlite:///{self.folder}/verifier.db"
        settings = Settings(database_url=database_url,
                            admin_token=self.admin_token, freeze_gc=False)
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0,
                                log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="ferndesk-verifier",
                                       daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("ferndesk-verifier did not start")
            time.sleep(0.005)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ferndesk-verifier")
    group.addoption("--ferndesk-verifier-url", default=os.environ.get("FERNDESK_VERIFIER_URL"),
                    help="use this running verifier instead of starting one")
    group.addoption("--ferndesk-verifier-admin-token",
                    default=os.environ.get("FERNDESK_VERIFIER_ADMIN_TOKEN"),
                    help="its admin token (with --ferndesk-verifier-url)")
    group.addoption("--ferndesk-verifier-database-url",
                    default=os.environ.get("FERNDESK_VERIFIER_PYTEST_DATABASE_URL"),
                    help="the in-process verifier's database (default: a temporary SQLite "
                         "file); it is reset before every test")


@pytest.fixture(scope="session")
def ferndesk_verifier_session(request: pytest.FixtureRequest) -> Iterator[Verifier]:
    """The session's verifier (started once); prefer ``ferndesk_verifier``, which resets it."""
    url = request.config.getoption("--ferndesk-verifier-url")
    if url:
        token = request.config.getoption("--ferndesk-verifier-admin-token")
        if not token:
            raise pytest.UsageError("--ferndesk-verifier-url needs "
                                    "--ferndesk-verifier-admin-token")
        yield Verifier(url, token)
        return
    server = _Server(request.config.getoption("--ferndesk-verifier-database-url"))
    try:
        yield Verifier(server.url, server.admin_token)
    finally:
        server.stop()


@pytest.fixture
def ferndesk_verifier(ferndesk_verifier_session: Verifier) -> Verifier:
    """A live verifier, reset before this test: no help center, real clock, no faults."""
    ferndesk_verifier_session.reset()
    return ferndesk_verifier_session


@pytest.fixture
def ferndesk_help_center(ferndesk_verifier: Verifier) -> HelpCenter:
    """A fresh help center on ``help.example.test`` with a JWT secret."""
    return ferndesk_verifier.create_help_center()


@pytest.fixture
def ferndesk_token(ferndesk_help_center: HelpCenter) -> Callable[..., str]:
    """``ferndesk_token(**claims)``: a token for ``ferndesk_help_center``."""
    return ferndesk_help_center.token
