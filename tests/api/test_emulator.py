"""Emulator controls: reset, clock, faults, state export and import. Each test would catch the
control doing nothing."""

from __future__ import annotations

import time

import pytest

from tests.conftest import ADMIN, HelpCenter, error_of


def _put_clock(client, body: dict) -> dict:
    answer = client.put("/api/emulator/clock", headers=ADMIN, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_every_control_needs_the_admin_token(client) -> None:
    for method, path in (("post", "/api/emulator/reset"), ("get", "/api/emulator/clock"),
                         ("put", "/api/emulator/clock"), ("get", "/api/emulator/state"),
                         ("put", "/api/emulator/state"),
                         ("post", "/api/emulator/help-centers/x/faults")):
        answer = getattr(client, method)(path)
        assert answer.status_code == 401 and error_of(answer)["code"] == "unauthorized"


def test_reset_removes_everything_and_restores_the_clock(help_center: HelpCenter) -> None:
    client = help_center.client
    help_center.identify()
    _put_clock(client, {"offset_seconds": 3600})
    client.post(f"/api/emulator/help-centers/{help_center.id}/faults", headers=ADMIN,
                json={"times": 1, "status": 500})
    assert client.post("/api/emulator/reset", headers=ADMIN).status_code == 204
    assert client.get("/api/help-centers", headers=ADMIN).json() == []
    clock = client.get("/api/emulator/clock", headers=ADMIN).json()
    assert (clock["offset_seconds"], clock["frozen"]) == (0, False)
    again = HelpCenter(client, id=help_center.id, widget_id=help_center.widget_id)
    assert again.identify().status_code == 200  # no fault survived the reset


def test_help_center_reset_keeps_it_and_its_secret(help_center: HelpCenter) -> None:
    client = help_center.client
    token = help_center.token()
    session = help_center.identify(token=token).json()["session"]
    client.post(f"/widget/{help_center.widget_id}/messages",
                json={"session_id": session["id"], "body": "hi"})
    answer = client.post(f"/api/emulator/help-centers/{help_center.id}/reset", headers=ADMIN)
    assert answer.status_code == 204
    for tail in ("users", "sessions", "identify-attempts", "messages"):
        assert help_center.admin_get(tail) == [], tail
    assert help_center.admin_get("jwt-secret")["fingerprint"]
    assert help_center.identify(token=token).status_code == 200
    assert client.post("/api/emulator/help-centers/nope/reset", headers=ADMIN).status_code == 404


def test_clock_offset_expires_tokens_without_sleeping(help_center: HelpCenter) -> None:
    token = help_center.token(exp=int(time.time()) + 1800)
    assert help_center.identify(token=token).status_code == 200
    clock = _put_clock(help_center.client, {"offset_seconds": 3600})
    assert clock["offset_seconds"] == 3600 and clock["frozen"] is False
    error = error_of(help_center.identify(token=token))
    assert error["code"] == "invalid_jwt" and "expired" in error["reason"]
    _put_clock(help_center.client, {})
    assert help_center.identify(token=token).status_code == 200


def test_frozen_clock_stamps_every_record(help_center: HelpCenter) -> None:
    clock = _put_clock(help_center.client, {"frozen_at": "2030-01-02T03:04:05Z"})
    assert clock["frozen"] is True and clock["now"] == "2030-01-02T03:04:05.000Z"
    token = help_center.token(exp=int(time.time()) + 3600)  # long past in 2030
    assert error_of(help_center.identify(token=token))["code"] == "invalid_jwt"
    fresh = help_center.token(exp=1893553445 + 60, iat=1893553445)
    answer = help_center.identify(token=fresh)
    assert answer.status_code == 200, answer.text
    assert answer.json()["session"]["identified_at"] == "2030-01-02T03:04:05.000Z"
    assert help_center.admin_get("identify-attempts")[0]["at"] == "2030-01-02T03:04:05.000Z"
    assert help_center.admin_get("users")[0]["last_seen_at"] == "2030-01-02T03:04:05.000Z"


def test_not_before_uses_the_emulator_clock(help_center: HelpCenter) -> None:
    token = help_center.token(nbf=int(time.time()) + 7200, exp=int(time.time()) + 10800)
    assert error_of(help_center.identify(token=token))["code"] == "invalid_jwt"
    _put_clock(help_center.client, {"offset_seconds": 7200})
    assert help_center.identify(token=token).status_code == 200


@pytest.mark.parametrize("body", [
    {"offset_seconds": "1h"}, {"frozen_at": "yesterday"}, {"frozen_at": 5},
    {"offset_seconds": 1, "frozen_at": "2030-01-01T00:00:00Z"}, {"speed": 2},
])
def test_bad_clock_bodies_are_refused(client, body: dict) -> None:
    answer = client.put("/api/emulator/clock", headers=ADMIN, json=body)
    assert answer.status_code == 422 and error_of(answer)["code"] == "invalid_request"
    assert client.get("/api/emulator/clock", headers=ADMIN).json()["offset_seconds"] == 0


def test_a_fault_answers_the_next_n_calls_with_the_exact_contract_error(
        help_center: HelpCenter) -> None:
    client = help_center.client
    made = client.post(f"/api/emulator/help-centers/{help_center.id}/faults", headers=ADMIN,
                       json={"times": 2, "code": "subject_mismatch"})
    assert made.status_code == 201
    assert (made.json()["times"], made.json()["remaining"]) == (2, 2)
    for _ in range(2):
        answer = help_center.identify()
        assert answer.status_code == 409
        error = error_of(answer)
        assert error["message"] == ("Ferndesk: identify failed - JWT subject does not match "
                                    "the existing help-center user")
        assert "injected" in error["reason"]
    assert help_center.identify().status_code == 200
    codes = [a["code"] for a in help_center.admin_get("identify-attempts")]
    assert codes == ["ok", "subject_mismatch", "subject_mismatch"]
    assert help_center.admin_get("users") != []  # only the real call bound the user


def test_a_status_only_fault_is_injected_fault(help_center: HelpCenter) -> None:
    help_center.client.post(f"/api/emulator/help-centers/{help_center.id}/faults",
                            headers=ADMIN, json={"times": 1, "status": 503})
    answer = help_center.identify()
    assert answer.status_code == 503
    error = error_of(answer)
    assert error["code"] == "injected_fault" and "503" in error["message"]


def test_a_code_with_a_status_answers_that_status(help_center: HelpCenter) -> None:
    help_center.client.post(f"/api/emulator/help-centers/{help_center.id}/faults",
                            headers=ADMIN, json={"times": 1, "code": "unknown_widget",
                                                 "status": 500})
    answer = help_center.identify()
    assert answer.status_code == 500
    assert error_of(answer)["message"] == "Ferndesk: unknown widget"


def test_a_delay_fault_waits_then_answers_normally(help_center: HelpCenter) -> None:
    help_center.client.post(f"/api/emulator/help-centers/{help_center.id}/faults",
                            headers=ADMIN, json={"times": 1, "delay_ms": 300})
    started = time.monotonic()
    assert help_center.identify().status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert help_center.identify().status_code == 200
    assert help_center.admin_get("../../emulator/help-centers/" + help_center.id + "/faults"
                                 )[0]["remaining"] == 0


def test_faults_are_per_help_center_and_can_be_cleared(client) -> None:
    mine, theirs = HelpCenter(client), HelpCenter(client, domain="help.other.com")
    client.post(f"/api/emulator/help-centers/{mine.id}/faults", headers=ADMIN,
                json={"times": 5, "status": 500})
    assert theirs.identify(origin="https://app.other.com").status_code == 200
    listed = client.get(f"/api/emulator/help-centers/{mine.id}/faults", headers=ADMIN).json()
    assert [f["remaining"] for f in listed] == [5]
    assert client.delete(f"/api/emulator/help-centers/{mine.id}/faults",
                         headers=ADMIN).status_code == 204
    assert mine.identify().status_code == 200


@pytest.mark.parametrize("body", [
    {}, {"times": 0, "status": 500}, {"times": 1}, {"times": 1, "code": "nope"},
    {"times": 1, "status": 99}, {"times": 1, "delay_ms": -1}, {"times": True, "status": 500},
    {"times": 1, "delay_ms": 600_000},
])
def test_bad_faults_are_refused(help_center: HelpCenter, body: dict) -> None:
    answer = help_center.client.post(f"/api/emulator/help-centers/{help_center.id}/faults",
                                     headers=ADMIN, json=body)
    assert answer.status_code == 422, answer.text
    assert help_center.identify().status_code == 200


def test_state_export_carries_secrets_and_round_trips(help_center: HelpCenter) -> None:
    client = help_center.client
    token = help_center.token(customAttributes={"plan": "pro"})
    help_center.identify(token=token)
    _put_clock(client, {"offset_seconds": 60})
    exported = client.get("/api/emulator/state", headers=ADMIN).json()
    [hc] = exported["help_centers"]
    assert hc["jwt_secret"] == help_center.secret
    assert hc["users"][0]["custom_attributes"] == {"plan": "pro"}
    assert hc["sessions"] and hc["identify_attempts"]
    assert exported["clock"]["offset_seconds"] == 60
    assert client.post("/api/emulator/reset", headers=ADMIN).status_code == 204
    assert client.put("/api/emulator/state", headers=ADMIN, json=exported).status_code == 204
    assert client.get("/api/emulator/state", headers=ADMIN).json() == exported
    assert help_center.identify(token=token).status_code == 200


def test_the_contract_seed_shape_imports(client) -> None:
    seed = {"help_centers": [{"id": "acme", "name": "Acme", "domain": "help.acme.com",
                              "widget_id": "wid-acme",
                              "jwt_secret": "a-fixed-secret-for-ci-of-32-chars-or-more",
                              "users": [{"sub": "u-1", "email": "ada@acme.com",
                                         "name": "Ada"}]}]}
    assert client.put("/api/emulator/state", headers=ADMIN, json=seed).status_code == 204
    hc = client.get("/api/help-centers/acme", headers=ADMIN).json()
    assert (hc["widget_id"], hc["has_jwt_secret"]) == ("wid-acme", True)


def test_a_bad_state_is_refused_and_changes_nothing(help_center: HelpCenter) -> None:
    client = help_center.client
    before = client.get("/api/emulator/state", headers=ADMIN).json()
    bad = {"help_centers": [{"id": "ok", "domain": "help.ok.com"},
                            {"id": "bad", "domain": "co.uk"}]}
    answer = client.put("/api/emulator/state", headers=ADMIN, json=bad)
    assert answer.status_code == 422 and "help_centers[1]" in error_of(answer)["reason"]
    assert client.get("/api/emulator/state", headers=ADMIN).json() == before
