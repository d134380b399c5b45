"""Shared fixtures: an app per test on its own SQLite file, and helpers that speak the contract."""

from __future__ import annotations

import os
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


# The suite runs on SQLite by default; set this to a PostgreSQL URL to run it there instead
# (each test starts from an empty public schema).
TEST_DATABASE_URL = os.environ.get("FERNDESK_VERIFIER_TEST_DATABASE_URL")


def fresh_database_url(tmp_path: Path) -> str:
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'verifier.db'}"
    engine = sa.create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return TEST_DATABASE_URL


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
