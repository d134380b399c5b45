"""The database going away: a clear exit at start, 503 while serving, recovery after.

The serving tests need PostgreSQL (FERNDESK_VERIFIER_TEST_DATABASE_URL, which `make test` sets
for its second run); the start-up test needs nothing but a closed port.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2
import jwt
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN, TEST_DATABASE_URL, fresh_database_url
from tests.process.conftest import free_port
from tests.process.tcp_proxy import TcpProxy


def test_an_unreachable_database_at_start_exits_with_a_clear_message() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERNDESK_VERIFIER_")}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "verifier", "serve", "--port", str(free_port()), "--db-wait", "1",
         "--database-url", f"postgresql+psycopg://fv:secret-pw@127.0.0.1:{free_port()}/fv"],
        capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1
    assert "cannot be reached after 1 s" in result.stderr
    assert "secret-pw" not in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - started < 30


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL "
                    "(FERNDESK_VERIFIER_TEST_DATABASE_URL; make test sets it)")
def test_a_lost_database_answers_503_and_the_server_recovers(start_server, tmp_path) -> None:
    target = make_url(fresh_database_url(tmp_path))
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    through_proxy = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)
    server = start_server("--workers", "2", database_url=through_proxy)
    made = httpx2.post(server.base + "/api/help-centers", headers=ADMIN,
                       json={"name": "Acme", "domain": "help.example.com"}).json()
    secret = httpx2.post(f"{server.base}/api/help-centers/{made['id']}/jwt-secret",
                         headers=ADMIN).json()["secret"]
    token = jwt.encode({"sub": "u-1", "email": "ada@acme.com", "exp": int(time.time()) + 600},
                       secret, algorithm="HS256")

    def identify() -> httpx2.Response:
        return httpx2.post(f"{server.base}/widget/{made['widget_id']}/identify",
                           json={"jwt": token}, headers={"Origin": "https://app.example.com"},
                           timeout=30)

    assert identify().status_code == 200
    proxy.cut()
    for _ in range(4):  # both workers, identify's raw connection and the admin pool
        started = time.monotonic()
        answer = identify()
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "unavailable"
        assert time.monotonic() - started < 15  # never a hang
    listed = httpx2.get(server.base + "/api/help-centers", headers=ADMIN, timeout=30)
    assert listed.status_code == 503 and listed.json()["error"]["code"] == "unavailable"
    proxy.restore()
    deadline = time.monotonic() + 30
    statuses = []
    while time.monotonic() < deadline:
        statuses.append(identify().status_code)
        if statuses[-4:] == [200] * 4:
            break
        time.sleep(0.2)
    assert statuses[-4:] == [200] * 4, statuses
    assert httpx2.get(server.base + "/api/help-centers", headers=ADMIN).status_code == 200


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL "
                    "(FERNDESK_VERIFIER_TEST_DATABASE_URL; make test sets it)")
def test_a_statement_timeout_answers_503_and_every_200_is_durable(start_server,
                                                                    tmp_path) -> None:
    """Writes that time out (a table held locked past the statement timeout) answer 503 and
    leave nothing behind, while calls around them that answered 200 are all in the database:
    no call hears "done" for a write its transaction lost."""
    url = make_url(fresh_database_url(tmp_path))
    # The URL's own options come after the verifier's, so a 1 s statement timeout wins.
    url = url.update_query_dict({"options": url.query["options"] + " -c statement_timeout=1000"})
    server = start_server(database_url=url.render_as_string(hide_password=False))
    made = httpx2.post(server.base + "/api/help-centers", headers=ADMIN,
                       json={"name": "Acme", "domain": "help.example.com"}).json()
    secret = httpx2.post(f"{server.base}/api/help-centers/{made['id']}/jwt-secret",
                         headers=ADMIN).json()["secret"]

    def identify(number: int) -> tuple[str, int, str]:
        sub = f"u-{number}"
        token = jwt.encode({"sub": sub, "email": f"u{number}@acme.com",
                            "exp": int(time.time()) + 600}, secret, algorithm="HS256")
        answer = httpx2.post(f"{server.base}/widget/{made['widget_id']}/identify",
                             json={"jwt": token}, headers={"Origin": "https://app.example.com"},
                             timeout=30)
        return sub, answer.status_code, answer.json().get("error", {}).get("code", "")

    assert identify(0)[1] == 200
    locker = psycopg.connect(**url.translate_connect_args(username="user", database="dbname"),
                             options=url.query["options"])
    locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")  # until the commit below
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = [pool.submit(identify, number) for number in range(1, 25)]
        time.sleep(2.5)  # past the 1 s statement timeout
        locker.commit()
        results = [answer.result() for answer in answers]
    locker.close()
    statuses = sorted({status for _, status, _ in results})
    assert set(statuses) <= {200, 503}, results
    assert 503 in statuses, results
    assert {code for _, status, code in results if status == 503} == {"unavailable"}
    users = httpx2.get(f"{server.base}/api/help-centers/{made['id']}/users",
                       headers=ADMIN).json()
    acknowledged = {"u-0"} | {sub for sub, status, _ in results if status == 200}
    assert {user["sub"] for user in users} == acknowledged
    assert identify(99)[1] == 200  # and the server goes on
