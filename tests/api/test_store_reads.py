"""What the dashboard reads from the store besides the admin API's lists: the emulator's now, and
a help center's secret with that now, read together for the token debugger."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN, HelpCenter
from verifier.clock import parse_isoformat
from verifier.errors import NotFound
from verifier.services import of_app
from verifier.store import Store

FROZEN = "2026-11-25T09:00:00Z"


@pytest.fixture
def store(client: TestClient) -> Store:
    found: Store = of_app(client.app).store
    return found


@pytest.fixture
def frozen(client: TestClient) -> float:
    answer = client.put("/api/emulator/clock", headers=ADMIN, json={"frozen_at": FROZEN})
    assert answer.status_code == 200, answer.text
    return parse_isoformat(FROZEN)


def test_emulator_now_is_the_emulator_clock_not_the_wall_clock(store: Store,
                                                               frozen: float) -> None:
    assert store.emulator_now() == frozen


def test_the_debugger_reads_the_secret_and_the_emulator_clock(client: TestClient, store: Store,
                                                              frozen: float) -> None:
    hc = HelpCenter(client)
    assert store.jwt_secret_and_now(hc.id) == (hc.secret, frozen)


def test_a_help_center_without_a_secret_reads_none(client: TestClient, store: Store,
                                                   frozen: float) -> None:
    hc = HelpCenter(client, with_secret=False)
    assert store.jwt_secret_and_now(hc.id) == (None, frozen)


def test_the_secret_of_an_unknown_help_center_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="no help center with id 'nope'"):
        store.jwt_secret_and_now("nope")
