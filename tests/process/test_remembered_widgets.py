"""What a worker remembers of a widget never outlives a change made anywhere else.

On PostgreSQL each worker remembers the widgets it has read (help center, secret, clock) and
checks them in the same statement as each write. These tests warm every worker of one server,
change the state through *another* server on the same database (as a second host behind a load
balancer would), and check that no call anywhere is still decided on the old state. They run on
SQLite too, where nothing is remembered, and must hold there just the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx2
import jwt

from tests.conftest import ADMIN
from tests.process.conftest import Server

ORIGIN = {"Origin": "https://app.example.com"}
CALLS = 48  # per check, spread over the 4 workers by the kernel


def _token(secret: str, sub: str = "u-1", lifetime: int = 3600) -> str:
    return jwt.encode({"sub": sub, "email": f"{sub}@acme.com",
                       "exp": int(time.time()) + lifetime}, secret, algorithm="HS256")


def _answers(base: str, widget_id: str, token: str) -> list[tuple[int, str]]:
    """``CALLS`` parallel identifies: (status, error code or "") for each."""
    def call(_: int) -> tuple[int, str]:
        answer = httpx2.post(f"{base}/widget/{widget_id}/identify", json={"jwt": token},
                             headers=ORIGIN, timeout=30)
        return answer.status_code, (answer.json().get("error") or {}).get("code", "")

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(call, range(CALLS)))


def _all(answers: list[tuple[int, str]], expected: tuple[int, str]) -> None:
    assert set(answers) == {expected}, answers


def _setup(start_server: Callable[..., Server]) -> tuple[str, str, str, str, str]:
    """Two servers of 4 workers on one database; a help center with a secret, every worker of
    the second having identified with it (so it remembers the widget)."""
    admin_side = start_server("--workers", "4")
    serving = start_server("--workers", "4")
    made = httpx2.post(admin_side.base + "/api/help-centers", headers=ADMIN,
                       json={"name": "Acme", "domain": "help.example.com"}).json()
    secret = httpx2.post(f"{admin_side.base}/api/help-centers/{made['id']}/jwt-secret",
                         headers=ADMIN).json()["secret"]
    _all(_answers(serving.base, made["widget_id"], _token(secret)), (200, ""))
    return admin_side.base, serving.base, made["id"], made["widget_id"], secret


def test_a_deleted_secret_stops_every_worker_and_a_new_one_replaces_it(start_server) -> None:
    admin_side, serving, hc_id, widget_id, secret = _setup(start_server)
    deleted = httpx2.delete(f"{admin_side}/api/help-centers/{hc_id}/jwt-secret", headers=ADMIN)
    assert deleted.status_code == 204, deleted.text
    _all(_answers(serving, widget_id, _token(secret)), (401, "invalid_jwt"))
    new_secret = httpx2.post(f"{admin_side}/api/help-centers/{hc_id}/jwt-secret",
                             headers=ADMIN).json()["secret"]
    _all(_answers(serving, widget_id, _token(secret)), (401, "invalid_jwt"))
    _all(_answers(serving, widget_id, _token(new_secret)), (200, ""))


def test_a_moved_clock_reaches_every_worker(start_server) -> None:
    admin_side, serving, _, widget_id, secret = _setup(start_server)
    moved = httpx2.put(f"{admin_side}/api/emulator/clock", headers=ADMIN,
                       json={"offset_seconds": 7200})
    assert moved.status_code == 200, moved.text
    _all(_answers(serving, widget_id, _token(secret)), (401, "invalid_jwt"))
    httpx2.put(f"{admin_side}/api/emulator/clock", headers=ADMIN, json={}).raise_for_status()
    _all(_answers(serving, widget_id, _token(secret)), (200, ""))


def test_an_injected_fault_and_a_reset_reach_every_worker(start_server) -> None:
    admin_side, serving, hc_id, widget_id, secret = _setup(start_server)
    httpx2.post(f"{admin_side}/api/emulator/help-centers/{hc_id}/faults", headers=ADMIN,
                json={"times": 5, "status": 503}).raise_for_status()
    answers = _answers(serving, widget_id, _token(secret))
    assert answers.count((503, "injected_fault")) == 5, answers
    assert answers.count((200, "")) == CALLS - 5, answers
    reset = httpx2.post(f"{admin_side}/api/emulator/reset", headers=ADMIN)
    assert reset.status_code in (200, 204), reset.text
    _all(_answers(serving, widget_id, _token(secret)), (404, "unknown_widget"))
