"""The clock never says a time before 1970: the dashboard could not show it, and an export
taken then could not be imported. And whatever the clock and the content, an export imports
back to itself."""

from __future__ import annotations

import random
import time

import pytest

from tests.conftest import ADMIN, ADMIN_TOKEN, HelpCenter, error_of
from verifier.clock import MAX_OFFSET_SECONDS

BEFORE_1970 = -(time.time() + 86400)  # an offset that puts now on 1969-12-31


def test_a_clock_offset_before_1970_is_refused_with_the_allowed_range(client) -> None:
    answer = client.put("/api/emulator/clock", headers=ADMIN,
                        json={"offset_seconds": BEFORE_1970})
    assert answer.status_code == 422, answer.text
    reason = error_of(answer)["reason"]
    assert "1970-01-01" in reason and "from -" in reason
    assert client.get("/api/emulator/clock", headers=ADMIN).json()["offset_seconds"] == 0


def test_an_offset_just_after_1970_is_allowed(client) -> None:
    offset = -(time.time() - 86400)
    answer = client.put("/api/emulator/clock", headers=ADMIN, json={"offset_seconds": offset})
    assert answer.status_code == 200, answer.text
    assert answer.json()["now"].startswith("1970-01-0")


def test_an_imported_clock_before_1970_is_refused(client) -> None:
    answer = client.put("/api/emulator/state", headers=ADMIN,
                        json={"help_centers": [], "clock": {"offset_seconds": BEFORE_1970}})
    assert answer.status_code == 422, answer.text
    assert error_of(answer)["reason"].startswith("state: clock: ")


def _export(client) -> dict:
    answer = client.get("/api/emulator/state", headers=ADMIN)
    assert answer.status_code == 200
    return dict(answer.json())


@pytest.mark.parametrize("seed", range(6))
def test_every_export_imports_back_to_itself(client, seed: int) -> None:
    """A property over random clocks (far past, far future, frozen) and random content: each
    step's export imports, and the import's export is the same document."""
    rng = random.Random(seed)
    hc = HelpCenter(client, domain=f"help.acme{seed}.com")
    assert client.post("/ui/sign-in", data={"admin_token": ADMIN_TOKEN},
                       follow_redirects=False).status_code == 303
    for step in range(4):
        clock = rng.choice([
            {"offset_seconds": -(time.time() - rng.uniform(1, 86400 * 365))},
            {"offset_seconds": rng.uniform(-MAX_OFFSET_SECONDS, MAX_OFFSET_SECONDS)},
            {"frozen_at": f"{rng.randint(1970, 2090)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
                          f"T0{rng.randint(0, 9)}:00:00.{rng.randint(0, 999):03d}Z"},
            {}])
        moved = client.put("/api/emulator/clock", headers=ADMIN, json=clock)
        if moved.status_code == 422:  # a clock the API refuses cannot be exported either
            continue
        assert moved.status_code == 200, moved.text
        now = time.time() if "frozen_at" in clock else time.time() + clock.get(
            "offset_seconds", 0)
        sub = f"u-{step}-{rng.randint(0, 9)}"
        token = hc.token(sub=sub, email=f"{sub}@acme.com", exp=int(now) + 3600,
                         iat=int(now) - 10, customAttributes={"n": rng.random()})
        hc.identify(token=token)
        client.post(f"/widget/{hc.widget_id}/messages", json={"body": f"hi {step}"})
        if rng.random() < 0.5:
            client.post(f"/api/emulator/help-centers/{hc.id}/faults", headers=ADMIN,
                        json={"times": rng.randint(1, 5), "status": 503})
        exported = _export(client)
        answer = client.put("/api/emulator/state", headers=ADMIN, json=exported)
        assert answer.status_code == 204, (clock, answer.text)
        assert _export(client) == exported
        assert client.get(f"/ui/help-centers/{hc.id}").status_code == 200
