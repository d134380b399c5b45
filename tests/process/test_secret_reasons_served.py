"""Previous and other help centers' secrets are named by every worker of every server on one
database, including workers that remember the widget from before the rotation, and no secret
reaches an answer or the server's log."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx2
import jwt

from tests.conftest import ADMIN

ORIGIN = {"Origin": "https://app.example.com"}
CALLS = 24  # per check, spread over the 4 workers by the kernel


def _token(secret: str) -> str:
    return jwt.encode({"sub": "u-1", "email": "ada@acme.com", "exp": int(time.time()) + 3600},
                      secret, algorithm="HS256")


def _reasons(base: str, widget_id: str, token: str) -> set[tuple[int, str]]:
    def call(_: int) -> tuple[int, str]:
        answer = httpx2.post(f"{base}/widget/{widget_id}/identify", json={"jwt": token},
                             headers=ORIGIN, timeout=30)
        return answer.status_code, (answer.json().get("error") or {}).get("reason", "")

    with ThreadPoolExecutor(max_workers=6) as pool:
        return set(pool.map(call, range(CALLS)))


def _help_center(base: str, hc_id: str, domain: str) -> tuple[str, str]:
    made = httpx2.post(base + "/api/help-centers", headers=ADMIN,
                       json={"id": hc_id, "name": hc_id, "domain": domain})
    assert made.status_code == 201, made.text
    secret = httpx2.post(f"{base}/api/help-centers/{hc_id}/jwt-secret", headers=ADMIN)
    assert secret.status_code == 201, secret.text
    return made.json()["widget_id"], secret.json()["secret"]


def test_every_worker_names_a_rotated_secret_and_another_help_centers(start_server) -> None:
    admin_side = start_server("--workers", "4")
    serving = start_server("--workers", "4")
    widget_id, old_secret = _help_center(admin_side.base, "acme", "help.example.com")
    _, staging_secret = _help_center(admin_side.base, "acme-staging", "help.staging.com")
    old_token = _token(old_secret)
    assert _reasons(serving.base, widget_id, old_token) == {(200, "")}  # every worker warmed
    fingerprint = httpx2.get(f"{admin_side.base}/api/help-centers/acme/jwt-secret",
                             headers=ADMIN).json()["fingerprint"]
    httpx2.delete(f"{admin_side.base}/api/help-centers/acme/jwt-secret",
                  headers=ADMIN).raise_for_status()
    new_secret = httpx2.post(f"{admin_side.base}/api/help-centers/acme/jwt-secret",
                             headers=ADMIN).json()["secret"]
    rotated = _reasons(serving.base, widget_id, old_token)
    assert len(rotated) == 1, rotated
    status, reason = rotated.pop()
    assert status == 401
    assert reason.startswith("signature does not match this help center's secret: the token "
                             f"is signed with this help center's previous secret ({fingerprint})"
                             ", deleted at ")
    other = _reasons(serving.base, widget_id, _token(staging_secret))
    assert len(other) == 1, other
    assert "the secret of help center 'acme-staging'" in other.pop()[1]
    log = admin_side.stop() + serving.stop()
    for secret in (old_secret, new_secret, staging_secret):
        assert secret not in log
    assert old_token not in log
