"""Shared fixtures: an app per test on its own SQLite file, and helpers that speak the contract."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from verifier.app import create_app
from verifier.settings import Settings

ADMIN_TOKEN = "test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
APP_ORIGIN = "https://app.example.com"


# The suite runs on SQLite by default; set this to a PostgreSQL URL to run it there instead.
# Each fresh database is then a schema of its own in that database (named ``t_...``, selected
# through the connection's search_path), so servers that live at the same time (the browser
# suite's, say) never see each other's rows.
TEST_DATABASE_URL = os.environ.get("FERNDESK_VERIFIER_TEST_DATABASE_URL")
# Every real server the suite starts gets this many worker processes (``serve --workers N``)
# unless a test chooses its own: `make test` runs its PostgreSQL pass with 4.
TEST_WORKERS = os.environ.get("FERNDESK_VERIFIER_TEST_WORKERS")
SCHEMA_PREFIX = "t_"


def fresh_database_url(tmp_path: Path) -> str:
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'verifier.db'}"
    schema = SCHEMA_PREFIX + secrets.token_hex(6)
    engine = sa.create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    url = sa.make_url(TEST_DATABASE_URL).update_query_dict(
        {"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _drop_test_schemas() -> None:
    engine = sa.create_engine(TEST_DATABASE_URL or "")
    with engine.connect() as conn:
        names = conn.execute(sa.text(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, :prefix)"),
            {"prefix": SCHEMA_PREFIX}).scalars().all()
    for name in names:  # one transaction each: a drop locks every table of its schema
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {name} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _test_schemas_dropped() -> Iterator[None]:
    """On PostgreSQL, drop the schemas of an earlier run first and of this run at the end
    (this fixture is torn down last, after every server has stopped)."""
    if not TEST_DATABASE_URL:
        yield
        return
    _drop_test_schemas()
    yield
    _drop_test_schemas()


def server_arguments(extra: tuple[str, ...]) -> list[str]:
    """A test server's extra command-line arguments, with the suite's worker count added."""
    if TEST_WORKERS and "--workers" not in extra:
        return [*extra, "--workers", TEST_WORKERS]
    return list(extra)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=fresh_database_url(tmp_path), admin_token=ADMIN_TOKEN)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


class HelpCenter:
    """A help center made through the admin API, with its secret, and ways to call identify."""

    def __init__(self, client: TestClient, domain: str = "help.example.com",
                 with_secret: bool = True, **fields: Any) -> None:
        self.client = client
        answer = client.post("/api/help-centers", headers=ADMIN,
                             json={"name": "Acme", "domain": domain, **fields})
        assert answer.status_code == 201, answer.text
        self.data: dict[str, Any] = answer.json()
        self.id: str = self.data["id"]
        self.widget_id: str = self.data["widget_id"]
        self.secret: str | None = None
        if with_secret:
            made = client.post(f"/api/help-centers/{self.id}/jwt-secret", headers=ADMIN)
            assert made.status_code == 201, made.text
            self.secret = made.json()["secret"]

    def token(self, secret: str | None = None, **claims: Any) -> str:
        payload: dict[str, Any] = {"sub": "u-1", "email": "ada@acme.com", "name": "Ada",
                                   "exp": int(time.time()) + 3600}
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not ...}
        return jwt.encode(payload, secret or self.secret, algorithm="HS256")

    def identify(self, token: Any = None, origin: str | None = APP_ORIGIN,
                 body: Any = None, headers: dict[str, str] | None = None, **claims: Any) -> Any:
        sent = dict(headers or {})
        if origin is not None:
            sent["Origin"] = origin
        if body is None:
            body = {"jwt": token if token is not None else self.token(**claims)}
        return self.client.post(f"/widget/{self.widget_id}/identify", json=body, headers=sent)

    def admin_get(self, tail: str) -> Any:
        answer = self.client.get(f"/api/help-centers/{self.id}/{tail}", headers=ADMIN)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def help_center(client: TestClient) -> HelpCenter:
    return HelpCenter(client)


def error_of(answer: Any) -> dict[str, Any]:
    """The contract's error object, after checking the response really has the shape."""
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    error = answer.json()["error"]
    assert set(error) == {"code", "message", "reason"}
    return dict(error)
