"""A database that makes identify wait stalls identify alone: ``/healthz``, the admin reads and
writes, ``init`` and the other workers keep answering, and identify answers ``503
unavailable`` after its own bounded wait, never a wrong refusal.

Real servers on the suite's database (SQLite, or PostgreSQL with ``make test``'s workers).
"""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx2
import jwt
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN

QUICK = 0.1  # the bound for answers that need no lock
ORIGIN = {"Origin": "https://app.example.com"}


def _help_center(base: str, name: str = "Acme") -> tuple[str, str, str]:
    made = httpx2.post(base + "/api/help-centers", headers=ADMIN,
                       json={"name": name, "domain": "example.com"}).json()
    secret = httpx2.post(f"{base}/api/help-centers/{made['id']}/jwt-secret",
                         headers=ADMIN).json()["secret"]
    return made["id"], made["widget_id"], secret


def _token(secret: str, sub: str) -> str:
    return jwt.encode({"sub": sub, "email": f"{sub}@acme.com", "exp": int(time.time()) + 600},
                      secret, algorithm="HS256")


def _identify(base: str, widget_id: str, token: str, timeout: float = 60) -> httpx2.Response:
    return httpx2.post(f"{base}/widget/{widget_id}/identify", json={"jwt": token},
                       headers=ORIGIN, timeout=timeout)


def _timed(call: Callable[[], httpx2.Response]) -> tuple[float, httpx2.Response]:
    started = time.monotonic()
    answer = call()
    return time.monotonic() - started, answer


def _quick_meanwhile(base: str, help_center_id: str, probes: int = 5) -> list[float]:
    """Seconds taken by /healthz and two admin reads, each probed ``probes`` times."""
    taken = []
    for _ in range(probes):
        for path in ("/healthz", "/api/help-centers", f"/api/help-centers/{help_center_id}"):
            seconds, answer = _timed(lambda p=path: httpx2.get(base + p, headers=ADMIN,
                                                                 timeout=30))
            assert answer.status_code == 200, (path, answer.text)
            taken.append(seconds)
        time.sleep(0.05)
    return taken


@contextlib.contextmanager
def _lock_held(database_url: str, help_center_id: str) -> Iterator[None]:
    """Another process's transaction holding what identify's writes need: SQLite's write lock
    (``BEGIN EXCLUSIVE``), or on PostgreSQL the help center's row (``FOR UPDATE``), which
    every user insert's foreign key check must share."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        conn: Any = sqlite3.connect(url.database or "", isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
    else:
        options = url.query.get("options")
        conn = psycopg.connect(host=url.host, port=url.port, user=url.username,
                               password=url.password, dbname=url.database,
                               options=options if isinstance(options, str) else "")
        conn.execute("SELECT 1 FROM help_centers WHERE id = %s FOR UPDATE", (help_center_id,))
    try:
        yield
    finally:
        conn.rollback()
        conn.close()


def test_a_held_database_lock_stalls_only_the_identifies_that_need_it(start_server,
                                                                      tmp_path) -> None:
    server = start_server()
    hc, widget_id, secret = _help_center(server.base)
    assert _identify(server.base, widget_id, _token(secret, "warm")).status_code == 200
    with _lock_held(server.database_url, hc), ThreadPoolExecutor(max_workers=4) as pool:
        started = time.monotonic()
        waiting: list[Future[tuple[float, httpx2.Response]]] = [
            pool.submit(_timed, lambda n=n: _identify(server.base, widget_id,
                                                      _token(secret, f"held-{n}")))
            for n in range(4)]
        time.sleep(0.3)  # the identifies are waiting for the lock now
        taken = _quick_meanwhile(server.base, hc)
        assert time.monotonic() - started < 4, "the probes themselves waited for the lock"
        assert statistics.median(taken) < QUICK, taken
        assert max(taken) < 1, taken
        answers = [future.result() for future in waiting]
    for seconds, answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "unavailable"
        assert answer.headers["retry-after"] == "1"
        assert 3 < seconds < 15, seconds  # its own bounded wait: about 5 s
    # The lock gone, identify works at once, and nothing of the refused calls was kept.
    assert _identify(server.base, widget_id, _token(secret, "after")).status_code == 200
    users = httpx2.get(f"{server.base}/api/help-centers/{hc}/users", headers=ADMIN).json()
    assert sorted(user["sub"] for user in users) == ["after", "warm"]


def test_a_delay_fault_delays_only_its_own_call(start_server) -> None:
    server = start_server()
    hc, widget_id, secret = _help_center(server.base)
    other, other_widget, other_secret = _help_center(server.base, "Other")
    fault = httpx2.post(f"{server.base}/api/emulator/help-centers/{hc}/faults", headers=ADMIN,
                        json={"times": 1, "delay_ms": 4000})
    assert fault.status_code == 201, fault.text
    with ThreadPoolExecutor(max_workers=1) as pool:
        delayed = pool.submit(_timed, lambda: _identify(server.base, widget_id,
                                                        _token(secret, "slow")))
        time.sleep(0.5)  # the delayed call has consumed its fault and is waiting
        writes = {
            "admin write": lambda: httpx2.post(server.base + "/api/help-centers", headers=ADMIN,
                                               json={"name": "New", "domain": "new.com"},
                                               timeout=30),
            "secret delete": lambda: httpx2.delete(
                f"{server.base}/api/help-centers/{other}/jwt-secret", headers=ADMIN,
                timeout=30),
            "init": lambda: httpx2.post(f"{server.base}/widget/{widget_id}/sessions",
                                        json={}, timeout=30),
            "identify elsewhere": lambda: _identify(server.base, other_widget,
                                                    _token(other_secret, "quick")),
        }
        for what, call in writes.items():
            seconds, answer = _timed(call)
            assert answer.status_code in (200, 201, 204, 401), (what, answer.text)
            assert seconds < 1, (what, seconds)
        seconds, answer = delayed.result()
    assert answer.status_code == 200, answer.text
    assert seconds >= 4


def test_a_large_state_import_under_identify_load_never_says_unknown_widget(
        start_server) -> None:
    server = start_server()
    _, widget_id, secret = _help_center(server.base)
    exported = httpx2.get(server.base + "/api/emulator/state", headers=ADMIN).json()
    exported["help_centers"][0]["users"] = [
        {"sub": f"imported-{n}", "email": f"imported-{n}@acme.com"} for n in range(60_000)]
    stop = threading.Event()
    outcomes: list[tuple[int, str]] = []

    def load(worker: int) -> None:
        n = 0
        while not stop.is_set():
            answer = _identify(server.base, widget_id, _token(secret, f"load-{worker}-{n}"))
            outcomes.append((answer.status_code, answer.json().get("error", {}).get("code", "")))
            n += 1

    with ThreadPoolExecutor(max_workers=4) as pool:
        loaders = [pool.submit(load, worker) for worker in range(3)]
        try:
            time.sleep(0.5)
            importing = pool.submit(_timed, lambda: httpx2.put(
                server.base + "/api/emulator/state", headers=ADMIN, json=exported,
                timeout=120))
            time.sleep(0.5)
            taken = []
            while not importing.done():
                taken.append(_timed(lambda: httpx2.get(server.base + "/healthz",
                                                       timeout=30))[0])
                time.sleep(0.05)
            import_seconds, imported = importing.result()
            time.sleep(0.5)
        finally:
            stop.set()
        for loader in loaders:
            loader.result()
    assert imported.status_code == 204, imported.text
    assert taken and statistics.median(taken) < QUICK and max(taken) < 1, taken
    refused = [outcome for outcome in outcomes if outcome[0] != 200]
    assert all(outcome == (503, "unavailable") for outcome in refused), refused
    assert sum(1 for status, _ in outcomes if status == 200) > 10, (import_seconds, outcomes)
    assert _identify(server.base, widget_id, _token(secret, "after")).status_code == 200


@pytest.fixture
def start_server(start_server: Callable[..., Any], tmp_path) -> Callable[..., Any]:
    """The suite's servers, remembering their database URL (the lock tests open it too)."""
    from tests.conftest import fresh_database_url

    def start(*extra: str) -> Any:
        url = fresh_database_url(tmp_path)
        server = start_server(*extra, database_url=url)
        server.database_url = url
        return server

    return start
