"""The real server: persistence across restarts, races on the binding rule, graceful stop."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2
import jwt
import pytest

from tests.conftest import ADMIN, TEST_DATABASE_URL


def _help_center(base: str) -> tuple[str, str, str]:
    made = httpx2.post(base + "/api/help-centers", headers=ADMIN,
                      json={"name": "Acme", "domain": "help.example.com"}).json()
    secret = httpx2.post(f"{base}/api/help-centers/{made['id']}/jwt-secret",
                        headers=ADMIN).json()["secret"]
    return made["id"], made["widget_id"], secret


def _token(secret: str, sub: str, email: str = "ada@acme.com") -> str:
    return jwt.encode({"sub": sub, "email": email, "exp": int(time.time()) + 3600}, secret,
                      algorithm="HS256")


def _identify(base: str, widget_id: str, token: str) -> httpx2.Response:
    return httpx2.post(f"{base}/widget/{widget_id}/identify", json={"jwt": token},
                      headers={"Origin": "https://app.example.com"}, timeout=30)


def test_state_survives_a_restart_and_old_tokens_stay_valid(start_server) -> None:
    server = start_server()
    hc_id, widget_id, secret = _help_center(server.base)
    token = _token(secret, "u-1")
    session = _identify(server.base, widget_id, token).json()["session"]["id"]
    server.stop()

    again = start_server()
    assert _identify(again.base, widget_id, token).status_code == 200
    assert httpx2.get(f"{again.base}/api/help-centers/{hc_id}/jwt-secret",
                     headers=ADMIN).status_code == 200
    users = httpx2.get(f"{again.base}/api/help-centers/{hc_id}/users", headers=ADMIN).json()
    assert [u["sub"] for u in users] == ["u-1"]
    sessions = httpx2.get(f"{again.base}/api/help-centers/{hc_id}/sessions", headers=ADMIN).json()
    assert session in [s["id"] for s in sessions]
    assert _identify(again.base, widget_id, _token(secret, "u-2")).status_code == 409


@pytest.mark.parametrize("workers", ["1", "4"])
def test_parallel_identifies_bind_one_email_to_exactly_one_subject(start_server,
                                                                   workers: str) -> None:
    server = start_server("--workers", workers)
    _, widget_id, secret = _help_center(server.base)
    tokens = [_token(secret, f"racer-{n}", "shared@acme.com") for n in range(24)]
    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(lambda t: _identify(server.base, widget_id, t).status_code,
                                 tokens))
    assert statuses.count(200) == 1, statuses
    assert statuses.count(409) == 23, statuses


@pytest.mark.parametrize("workers", ["1", "4"])
def test_returning_users_identified_in_parallel_all_succeed(start_server, workers: str) -> None:
    """A few users, each in a session of its own, identified again and again from many
    connections in interleaved order: each worker's transaction then holds some users' rows
    while it asks for others'. Every call succeeds; none is a deadlock's 503."""
    server = start_server("--workers", workers)
    _, widget_id, secret = _help_center(server.base)
    returning = []
    for n in range(3):
        token = _token(secret, f"regular-{n}", f"regular-{n}@acme.com")
        first = _identify(server.base, widget_id, token)
        assert first.status_code == 200, first.text
        returning.append({"jwt": token, "session_id": first.json()["session"]["id"]})

    async def all_again() -> list[httpx2.Response]:
        async with httpx2.AsyncClient(base_url=server.base, timeout=30) as client:
            gate = asyncio.Semaphore(32)

            async def again(n: int) -> httpx2.Response:
                async with gate:
                    return await client.post(
                        f"/widget/{widget_id}/identify", json=returning[n % len(returning)],
                        headers={"Origin": "https://app.example.com"})

            return await asyncio.gather(*(again(n) for n in range(600)))

    # Its own thread: the browser suite's Playwright leaves an event loop running in this one.
    # (Threads with a blocking client do not send fast enough to show the deadlock.)
    with ThreadPoolExecutor(max_workers=1) as one:
        answers = one.submit(asyncio.run, all_again()).result()
    failed = [answer.text for answer in answers if answer.status_code != 200]
    assert not failed, f"{len(failed)} of {len(answers)} failed, e.g. {failed[0]}"


def test_sigterm_stops_the_server_cleanly(start_server) -> None:
    server = start_server()
    output = server.stop()
    # uvicorn finishes its shutdown, then re-raises SIGTERM so the exit status says why.
    assert server.process.returncode in (0, -15), output
    assert "Application shutdown complete" in output
    assert "Traceback" not in output


@pytest.mark.parametrize("workers", ["1", "4"])
def test_a_fault_of_five_is_consumed_exactly_five_times_across_workers(start_server,
                                                                       workers: str) -> None:
    server = start_server("--workers", workers)
    hc_id, widget_id, secret = _help_center(server.base)
    httpx2.post(f"{server.base}/api/emulator/help-centers/{hc_id}/faults", headers=ADMIN,
                json={"times": 5, "status": 503}).raise_for_status()
    tokens = [_token(secret, f"user-{n}", f"user-{n}@acme.com") for n in range(50)]
    with ThreadPoolExecutor(max_workers=25) as pool:
        statuses = list(pool.map(lambda t: _identify(server.base, widget_id, t).status_code,
                                 tokens))
    assert statuses.count(503) == 5, statuses
    assert statuses.count(200) == 45, statuses


def test_servers_starting_together_migrate_once(start_server) -> None:
    # Four servers of two workers each (a worker never migrates: its serve process has).
    with ThreadPoolExecutor(max_workers=4) as pool:
        servers = list(pool.map(lambda _: start_server("--workers", "2"), range(4)))
    for server in servers:
        assert httpx2.get(server.base + "/healthz").status_code == 200
    _, widget_id, secret = _help_center(servers[0].base)
    assert _identify(servers[3].base, widget_id, _token(secret, "u-1")).status_code == 200


def test_healthz_answers_ok_once_the_server_accepts_requests(start_server) -> None:
    server = start_server()
    answer = httpx2.get(server.base + "/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's write lock")
def test_sqlite_workers_wait_out_another_writers_lock(start_server, tmp_path) -> None:
    """With several workers a call that finds SQLite's write lock taken retries (without
    blocking its worker) until it is free, for up to the 5 s busy timeout: held for 1 s by
    another process, every call still answers 200, once the lock is released."""
    database = tmp_path / "verifier.db"
    server = start_server("--workers", "2", database_url=f"sqlite:///{database}")
    _, widget_id, secret = _help_center(server.base)
    first = _identify(server.base, widget_id, _token(secret, "u-0", "u0@acme.com"))
    assert first.status_code == 200
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as another writer holds it
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            started = time.monotonic()
            calls = [pool.submit(_identify, server.base, widget_id,
                                 _token(secret, f"u-{n}", f"u{n}@acme.com"))
                     for n in range(1, 9)]
            time.sleep(1.0)
            holder.execute("COMMIT")
            statuses = [call.result().status_code for call in calls]
            waited = time.monotonic() - started
    finally:
        holder.close()
    assert statuses == [200] * 8
    assert waited >= 1.0
