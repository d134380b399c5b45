"""The Users API on real servers: racing calls for one email end with one user, whatever the
number of workers, because the database's unique index decides, not a prior read; and
``serve --seed`` loads API keys."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import jwt
import pytest

from tests.conftest import ADMIN

KEY = "fdsk_" + "s" * 32


def _api_key(base: str) -> dict[str, str]:
    made = httpx2.post(base + "/api/help-centers", headers=ADMIN,
                       json={"name": "Acme", "domain": "help.example.com"}).json()
    key = httpx2.post(f"{base}/api/help-centers/{made['id']}/api-keys", headers=ADMIN).json()
    return {"Authorization": f"Bearer {key['key']}"}


@pytest.mark.parametrize("workers", ["1", "4"])
def test_racing_creates_of_one_email_make_one_user(start_server, workers: str) -> None:
    server = start_server("--workers", workers)
    auth = _api_key(server.base)
    emails = [f"{'ADA' if n % 2 else 'ada'}@acme.com" for n in range(24)]
    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(lambda email: httpx2.post(
            server.base + "/v1/users", headers=auth, json={"email": email},
            timeout=30).status_code, emails))
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == 23, statuses
    assert httpx2.get(server.base + "/v1/users", headers=auth).json()["total"] == 1


@pytest.mark.parametrize("workers", ["1", "4"])
def test_racing_changes_to_one_email_leave_it_with_one_user(start_server, workers: str) -> None:
    server = start_server("--workers", workers)
    auth = _api_key(server.base)
    ids = [httpx2.post(server.base + "/v1/users", headers=auth,
                       json={"email": f"user{n}@acme.com"}).json()["id"] for n in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda user_id: httpx2.patch(
            f"{server.base}/v1/users/{user_id}", headers=auth, json={"email": "ada@acme.com"},
            timeout=30).status_code, ids))
    assert statuses.count(200) == 1, statuses
    assert statuses.count(409) == 11, statuses
    found = httpx2.get(server.base + "/v1/users?email=ada%40acme.com", headers=auth).json()
    assert found["total"] == 1


def test_serve_seed_loads_api_keys(start_server, tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"help_centers": [{
        "id": "acme", "domain": "help.acme.com", "api_keys": [KEY],
        "users": [{"email": "ada@acme.com", "name": "Ada"}]}]}))
    server = start_server("--seed", str(seed))
    answer = httpx2.get(server.base + "/v1/users", headers={"Authorization": f"Bearer {KEY}"})
    assert answer.status_code == 200, answer.text
    assert [(u["helpdeskId"], u["email"]) for u in answer.json()["items"]] == [
        ("acme", "ada@acme.com")]


@pytest.mark.parametrize("workers", ["1", "4"])
def test_racing_api_creates_and_identifies_of_one_email_leave_one_user(start_server,
                                                                       workers: str) -> None:
    """For each email at once: a POST /v1/users and identifies by two subjects. Whatever the
    order, each email ends as one user, bound (if at all) to the subject whose calls were 200."""
    server = start_server("--workers", workers)
    hc = httpx2.post(server.base + "/api/help-centers", headers=ADMIN,
                     json={"name": "Acme", "domain": "help.example.com"}).json()
    secret = httpx2.post(f"{server.base}/api/help-centers/{hc['id']}/jwt-secret",
                         headers=ADMIN).json()["secret"]
    key = httpx2.post(f"{server.base}/api/help-centers/{hc['id']}/api-keys",
                      headers=ADMIN).json()["key"]
    auth = {"Authorization": f"Bearer {key}"}
    emails = [f"user{n}@acme.com" for n in range(12)]

    def create(email: str) -> tuple[str, str, int]:
        answer = httpx2.post(server.base + "/v1/users", headers=auth, json={"email": email},
                             timeout=30)
        return email, "api", answer.status_code

    def identify(email: str, sub: str) -> tuple[str, str, int]:
        token = jwt.encode({"sub": sub, "email": email, "exp": int(time.time()) + 600},
                           secret, algorithm="HS256")
        answer = httpx2.post(f"{server.base}/widget/{hc['widget_id']}/identify",
                             json={"jwt": token}, timeout=30,
                             headers={"Origin": "https://app.example.com"})
        return email, sub, answer.status_code

    calls = [(create, (email,)) for email in emails]
    calls += [(identify, (email, f"{who}-{email}")) for email in emails for who in ("a", "a", "b")]
    with ThreadPoolExecutor(max_workers=24) as pool:
        outcomes = list(pool.map(lambda call: call[0](*call[1]), calls))

    bound = {u["email"]: u["sub"] for u in httpx2.get(
        f"{server.base}/api/help-centers/{hc['id']}/users", headers=ADMIN).json()}
    for email in emails:
        mine = [(who, status) for e, who, status in outcomes if e == email]
        assert {status for who, status in mine if who == "api"} <= {201, 409}, mine
        assert {status for who, status in mine if who != "api"} <= {200, 409}, mine
        listed = httpx2.get(server.base + "/v1/users", headers=auth,
                            params={"email": email}).json()
        assert listed["total"] == 1, (email, mine, listed)
        identified = {who for who, status in mine if who != "api" and status == 200}
        assert len(identified) <= 1, mine  # one subject per email, never two
        assert bound[email] == (identified.pop() if identified else None), (email, mine)
