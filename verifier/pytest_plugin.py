"""pytest plugin: a live ferndesk-verifier for your test suite. ``pip install`` is enough
(entry point ``pytest11``); nothing to configure.

Fixtures:

- ``ferndesk_verifier``: a ``Verifier`` client for a live server on a free loopback port with a
  throw-away SQLite database. The server starts once per test session (in-process, well under
  a second) and is reset before each test (milliseconds), so tests never see each other.
- ``ferndesk_help_center``: a fresh ``HelpCenter`` with a JWT secret, per test
  (domain ``help.example.test``; id and widget id ``pytest-<random>``).
- ``ferndesk_token``: ``ferndesk_token(**claims)`` signs a token for that help center with
  sensible defaults (``sub``, ``email``, ``name``, ``exp`` an hour after the emulator's now).

The Users API (``/v1/users``), as your backend calls it:

- ``ferndesk_verifier.create_api_key(help_center)`` (a ``HelpCenter`` or its id) returns a new
  key, ``fdsk_...``;
- ``ferndesk_verifier.users_api(key)`` is a small client with ``list(email=None, limit=None,
  offset=None)`` (the page: ``{"items", "limit", "offset", "total"}``), ``create(email,
  name=None, attributes=None, disabled=None)`` (``None``: not sent, the API's default) and
  ``update(user_id, **changes)`` (sent as given: ``name=None`` clears the name). Each returns
  the answer's JSON; any other status than the call's success fails the test with an
  ``AssertionError`` naming the call, the status, the contract error's ``code`` and its
  ``reason`` (``POST /v1/users answered 409 conflict: ...``). ``call(method, path, body)``
  returns any answer (an ``Answer``) whatever its status, to test refusals yourself.

To run against a verifier you already started (a shared instance, a CI service, the one
``examples/ci/with-verifier.sh`` or ``ferndesk-verifier exec`` starts), pass
``--ferndesk-verifier-url URL`` and ``--ferndesk-verifier-admin-token TOKEN`` (or set
``FERNDESK_VERIFIER_URL`` / ``FERNDESK_VERIFIER_ADMIN_TOKEN``). That server is not the plugin's
to wipe, so the plugin touches only what it made there:

- it never calls ``POST /api/emulator/reset``: the seed and everyone else's help centers, users
  and sessions stay as they are;
- each test makes its own help centers (``pytest-<random>`` ids and widget ids, so they never
  collide with anyone's), and they are deleted after the test, with their users, sessions,
  attempts, pending faults and API keys, whether it passed or failed; ``Verifier.reset()``
  empties only those;
- an API key it makes for a help center it did not make (a seeded one) is deleted after the
  test too; the users a test creates or identifies in such a help center stay, like any
  other client's;
- the emulator's clock is one for the whole server, shared by everyone using it: a test that
  moves it (``move_clock``, ``freeze_clock``, ``real_clock``) moves it for every other client
  while it runs, and the plugin puts it back as it found it after that test. A test there
  starts with whatever clock the server has (real time, unless someone else moved it).

To keep the in-process server but put its state in another database (PostgreSQL, to test as
your shared instance runs), pass ``--ferndesk-verifier-database-url URL`` (or set
``FERNDESK_VERIFIER_PYTEST_DATABASE_URL``). The plugin resets it before every test: give it a
throw-away database, never one that holds anything you want to keep.

This module imports only the standard library, pytest and two of our standard-library-only
modules (``verifier.client``, ``verifier.clock``) at collection time: it is loaded in every
pytest run of every project that has the package installed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from verifier.client import Answer, VerifierClient
from verifier.clock import check_instant, isoformat, parse_isoformat

__all__ = ["Answer", "HelpCenter", "UsersApi", "Verifier"]

DEFAULT_DOMAIN = "help.example.test"
DEFAULT_ORIGIN = "https://app.example.test"
HELP_CENTERS_PATH = "/api/help-centers"
CLOCK_PATH = "/api/emulator/clock"
USERS_PATH = "/v1/users"


class Verifier:
    """A small client for a running verifier: the admin API, the emulator controls and identify.

    ``shared=True`` for a server the plugin did not start: then it keeps track of the help
    centers it creates and of the clock as it was before it first changed it, so that
    ``clean_up()`` removes the one and puts back the other, and ``reset()`` empties only what
    it made."""

    def __init__(self, url: str, admin_token: str, *, shared: bool = False) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self.shared = shared
        self._client = VerifierClient(url, admin_token)  # the CLI's client too
        self._made: list[str] = []
        self._keys_made: list[tuple[str, str]] = []  # (help center id, key id)
        self._clock_found: dict[str, Any] | None = None

    # -- HTTP --------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *, admin: bool = True,
                headers: dict[str, str] | None = None) -> Answer:
        """Any call to the verifier. On a shared server it also notes what ``clean_up`` must
        undo, however the test made it: a help center created, the clock before its first
        change."""
        if self.shared and method == "PUT" and path == CLOCK_PATH and self._clock_found is None:
            self._clock_found = self.clock()
        answer = self._send(method, path, body, admin=admin, headers=headers)
        if self.shared and method == "POST" and answer.status == 201 and \
                isinstance(answer.json, dict):
            if path == HELP_CENTERS_PATH:
                self._made.append(answer.json["id"])
            elif path.startswith(HELP_CENTERS_PATH + "/") and path.endswith("/api-keys"):
                help_center_id = path[len(HELP_CENTERS_PATH) + 1:-len("/api-keys")]
                self._keys_made.append((help_center_id, answer.json["id"]))
        return answer

    def _send(self, method: str, path: str, body: Any, *, admin: bool,
              headers: dict[str, str] | None) -> Answer:
        return self._client.request(method, path, body, admin=admin, headers=headers)

    def _ok(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.request(method, path, body)
        if answer.status >= 400:
            raise AssertionError(f"{method} {path} answered {answer.status}: {answer.json}")
        return answer.json

    # -- setup -------------------------------------------------------------------------------

    def reset(self) -> None:
        """On the plugin's own server: everything gone, the clock real again
        (``POST /api/emulator/reset``). On a shared server: only the help centers made through
        this client are emptied (``POST /api/emulator/help-centers/{id}/reset``: users,
        sessions, attempts, messages, faults; they and their secrets stay), and the clock is
        put back as this client found it."""
        if not self.shared:
            self._ok("POST", "/api/emulator/reset")
            return
        for help_center_id in self._made:
            self._ok_or_gone("POST", f"/api/emulator/help-centers/{help_center_id}/reset")
        self._put_clock_back()

    def clean_up(self) -> None:
        """On a shared server: delete the help centers made through this client and put the
        clock back as it found it (the ``ferndesk_verifier`` fixture calls this after each
        test). On the plugin's own server there is nothing to do: the next test resets it."""
        made, self._made = self._made, []
        keys, self._keys_made = self._keys_made, []
        for help_center_id in made:
            self._ok_or_gone("DELETE", f"{HELP_CENTERS_PATH}/{help_center_id}")
        # A key of a help center deleted above died with it; one of a help center someone
        # else made (a seeded one) is deleted here, so that no key the test made outlives it.
        for help_center_id, key_id in keys:
            if help_center_id not in made:
                self._ok_or_gone("DELETE",
                                 f"{HELP_CENTERS_PATH}/{help_center_id}/api-keys/{key_id}")
        self._put_clock_back()

    def _put_clock_back(self) -> None:
        found, self._clock_found = self._clock_found, None
        if found is None:
            return
        # A frozen clock's now is its frozen instant; ``_send``, not ``_ok``: this write must
        # not be recorded as the test moving the clock.
        offset = found["offset_seconds"]
        body = {"frozen_at": found["now"]} if found["frozen"] else \
            {"offset_seconds": offset} if offset else {}
        answer = self._send("PUT", CLOCK_PATH, body, admin=True, headers=None)
        if answer.status >= 400:
            raise AssertionError(f"could not put the clock back ({body}): answered "
                                 f"{answer.status}: {answer.json}")

    def _ok_or_gone(self, method: str, path: str) -> None:
        """``_ok``, except that a help center the test already deleted is not an error."""
        answer = self.request(method, path)
        if answer.status >= 400 and answer.status != 404:
            raise AssertionError(f"{method} {path} answered {answer.status}: {answer.json}")

    def create_help_center(self, name: str = "Test help center", domain: str = DEFAULT_DOMAIN,
                           widget_id: str | None = None, with_secret: bool = True,
                           help_center_id: str | None = None) -> HelpCenter:
        """A help center, with a JWT secret unless ``with_secret=False``. Its id and widget id
        are ``pytest-<random>`` unless given, so that they never collide with a seed's or
        another test run's on a shared server."""
        body: dict[str, Any] = {"name": name, "domain": domain,
                                "id": help_center_id or _pytest_id(),
                                "widget_id": widget_id or _pytest_id()}
        made = self._ok("POST", HELP_CENTERS_PATH, body)
        secret = None
        if with_secret:
            secret = self._ok("POST", f"/api/help-centers/{made['id']}/jwt-secret")["secret"]
        return HelpCenter(self, made["id"], made["name"], made["domain"], made["widget_id"],
                          secret)

    # -- the Users API -----------------------------------------------------------------------

    def create_api_key(self, help_center: HelpCenter | str) -> str:
        """A new Users API key (``fdsk_...``) for ``help_center``. On a shared server it is
        gone after the test (with the help center, or deleted if the plugin did not make
        that help center)."""
        made = self._ok("POST", f"{HELP_CENTERS_PATH}/{_id(help_center)}/api-keys")
        key: str = made["key"]
        return key

    def users_api(self, key: str) -> UsersApi:
        """The Users API (``/v1/users``) as a backend holding ``key`` calls it."""
        return UsersApi(self, key)

    # -- controls ----------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        """``{"now", "offset_seconds", "frozen", "frozen_at"}``, as the emulator answers it."""
        clock: dict[str, Any] = self._ok("GET", CLOCK_PATH)
        return clock

    def now(self) -> float:
        """The emulator's now, as POSIX seconds."""
        return parse_isoformat(self.clock()["now"])

    def move_clock(self, seconds: float) -> dict[str, Any]:
        """Move the emulator's clock ``seconds`` on (back, if negative) from where it is now.

        A running clock keeps running, ``seconds`` ahead of where it was; a frozen clock stays
        frozen, at its instant plus ``seconds``. It reads the clock, then sets it: a change
        another client makes in between is lost (the clock is the whole server's)."""
        clock = self.clock()
        if clock["frozen"]:
            return self._set_clock({"frozen_at": _iso(parse_isoformat(clock["now"]) + seconds)})
        return self._set_clock({"offset_seconds": clock["offset_seconds"] + seconds})

    def freeze_clock(self, at: datetime | float | str | None = None) -> dict[str, Any]:
        """Stop the emulator's clock at ``at``: a timezone-aware ``datetime``, POSIX seconds,
        or an ISO-8601 string (one without an offset is UTC, as the emulator reads it).
        Without ``at``, at the emulator's now. A naive ``datetime`` is refused (ValueError):
        ``datetime.now()`` is local time, and taking it as UTC would be hours off."""
        if at is None:
            frozen_at = self.clock()["now"]
        elif isinstance(at, datetime):
            if at.tzinfo is None or at.utcoffset() is None:
                raise ValueError("freeze_clock got a naive datetime, which names no instant "
                                 "(datetime.now() is local time): give it a timezone, e.g. "
                                 "datetime(2030, 1, 1, tzinfo=UTC) or datetime.now(UTC)")
            frozen_at = at.astimezone(UTC).isoformat()
        elif isinstance(at, int | float) and not isinstance(at, bool):
            frozen_at = _iso(at)
        elif isinstance(at, str):
            frozen_at = at
        else:
            raise TypeError("freeze_clock takes a timezone-aware datetime, POSIX seconds, an "
                            f"ISO-8601 string or nothing (the emulator's now), not "
                            f"{type(at).__name__}")
        return self._set_clock({"frozen_at": frozen_at})

    def real_clock(self) -> dict[str, Any]:
        """The real clock again: no offset, not frozen."""
        return self._set_clock({})

    def _set_clock(self, body: dict[str, Any]) -> dict[str, Any]:
        clock: dict[str, Any] = self._ok("PUT", CLOCK_PATH, body)
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
        """A token signed with this help center's secret; ``claim=None`` drops a default.
        Signed by ``verifier.tokens.mint``, as identify verifies, whatever the secret looks like."""
        from verifier.tokens import mint

        now = int(self.verifier.now())
        payload: dict[str, Any] = {"sub": "user-1", "email": "user-1@example.test",
                                   "name": "Test User", "exp": now + 3600}
        payload.update(claims)
        payload = {key: value for key, value in payload.items() if value is not None}
        if self.secret is None:
            raise AssertionError(f"help center {self.id} has no secret to sign with")
        return mint(payload, self.secret)

    def identify(self, jwt: Any = ..., origin: str | None = DEFAULT_ORIGIN,
                 session_id: str | None = None, **claims: Any) -> Answer:
        """Call identify as the SDK would, from ``origin`` (default app.example.test)."""
        body: dict[str, Any] = {"jwt": self.token(**claims) if jwt is ... else jwt}
        if session_id is not None:
            body["session_id"] = session_id
        headers = {"Origin": origin} if origin else {}
        return self.verifier.request("POST", f"/widget/{self.widget_id}/identify", body,
                                     admin=False, headers=headers)


class UsersApi:
    """``/v1/users`` with one API key: each call returns the answer's JSON, or fails the test
    with the call, the status, and the contract error's code and reason (never the key)."""

    def __init__(self, verifier: Verifier, key: str) -> None:
        self.verifier = verifier
        self._headers = {"Authorization": f"Bearer {key}"}

    def __repr__(self) -> str:
        return f"UsersApi({self.verifier.url!r})"  # never the key, even in a traceback

    def call(self, method: str, path: str = "", body: Any = None) -> Answer:
        """Any call under ``/v1/users`` (``path`` is what follows it), whatever the status."""
        return self.verifier.request(method, USERS_PATH + path, body, admin=False,
                                     headers=self._headers)

    def list(self, email: str | None = None, limit: int | None = None,
             offset: int | None = None) -> dict[str, Any]:
        """A page of users, oldest first: ``{"items", "limit", "offset", "total"}``."""
        query = {name: value for name, value in (("email", email), ("limit", limit),
                                                 ("offset", offset)) if value is not None}
        return self._expect(200, "GET", "?" + urlencode(query) if query else "")

    def create(self, email: str, name: str | None = None,
               attributes: dict[str, Any] | None = None,
               disabled: bool | None = None) -> dict[str, Any]:
        """A new user (no ``sub`` until the first identify with its email)."""
        body: dict[str, Any] = {"email": email}
        body.update({k: v for k, v in (("name", name), ("attributes", attributes),
                                       ("disabled", disabled)) if v is not None})
        return self._expect(201, "POST", "", body)

    def update(self, user_id: str, **changes: Any) -> dict[str, Any]:
        """Change ``email``, ``name`` (``None`` clears it), ``attributes`` (replaced whole) or
        ``disabled``; what is not given stays."""
        return self._expect(200, "PATCH", f"/{quote(user_id, safe='')}", changes)

    def _expect(self, status: int, method: str, path: str, body: Any = None) -> Any:
        answer = self.call(method, path, body)
        if answer.status != status:
            error = answer.error or {}
            said = f"{error['code']}: {error.get('reason')}" if "code" in error else \
                str(answer.json)
            raise AssertionError(f"{method} {USERS_PATH}{path} answered {answer.status} "
                                 f"{said}")
        return answer.json


def _pytest_id() -> str:
    return "pytest-" + secrets.token_hex(8)


def _iso(seconds: float) -> str:
    """``seconds`` as the emulator writes instants; ValueError outside 1970-9998."""
    text = isoformat(check_instant(seconds, "the instant to freeze the clock at"))
    assert text is not None
    return text


def _id(help_center: HelpCenter | str) -> str:
    return help_center if isinstance(help_center, str) else help_center.id


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
        shared = Verifier(url, token, shared=True)
        try:
            yield shared
        finally:
            shared.clean_up()
        return
    server = _Server(request.config.getoption("--ferndesk-verifier-database-url"))
    try:
        yield Verifier(server.url, server.admin_token)
    finally:
        server.stop()


@pytest.fixture
def ferndesk_verifier(ferndesk_verifier_session: Verifier) -> Iterator[Verifier]:
    """A live verifier. The plugin's own server is reset before this test: no help center,
    real clock, no faults. A shared one (``--ferndesk-verifier-url``) is left as it is; what
    this test makes there is deleted after it, and the clock it moved is put back."""
    if not ferndesk_verifier_session.shared:
        ferndesk_verifier_session.reset()
    yield ferndesk_verifier_session
    ferndesk_verifier_session.clean_up()


@pytest.fixture
def ferndesk_help_center(ferndesk_verifier: Verifier) -> HelpCenter:
    """A fresh help center on ``help.example.test`` with a JWT secret."""
    return ferndesk_verifier.create_help_center()


@pytest.fixture
def ferndesk_token(ferndesk_help_center: HelpCenter) -> Callable[..., str]:
    """``ferndesk_token(**claims)``: a token for ``ferndesk_help_center``."""
    return ferndesk_help_center.token
