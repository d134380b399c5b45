"""Warnings on a successful identify (contract section 8): in the 200 body, the journal, the
log line, the state export, the dashboard's identify log and the OpenAPI document; never a
change of status."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.conftest import ADMIN, ADMIN_TOKEN, HelpCenter, error_of
from verifier.routes import dashboard

NO_EXP = ...  # HelpCenter.token drops a claim given as ``...``


def warnings_of(answer: Any) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    found: list[dict[str, str]] = answer.json()["warnings"]
    assert all(set(warning) == {"code", "reason"} for warning in found)
    return found


@pytest.mark.parametrize(("claims", "code", "named"), [
    ({"exp": NO_EXP}, "no_expiry", "exp"),
    ({"exp": int(time.time()) + 3 * 86400}, "long_expiry", "exp"),
    ({"exp": int(time.time() * 1000) + 3_600_000}, "expiry_in_milliseconds", "exp"),
    ({"custom_attributes": {"plan": "pro"}}, "unknown_claim", '"custom_attributes"'),
    ({"E-mail": "ada@acme.com"}, "unknown_claim", '"E-mail"'),
    ({"customAttributes": {"plan": "pro", "team": None}}, "unmatchable_attribute", '"team"'),
])
def test_each_warning_is_answered_with_a_200_naming_the_claim(
        help_center: HelpCenter, claims: dict[str, Any], code: str, named: str) -> None:
    (warning,) = warnings_of(help_center.identify(**claims))
    assert warning["code"] == code and named in warning["reason"]


def test_a_token_with_all_good_claims_has_no_warnings_key(help_center: HelpCenter) -> None:
    answer = help_center.identify(customAttributes={"plan": "pro", "tags": ["a", "b"]})
    assert answer.status_code == 200
    assert "warnings" not in answer.json()
    (attempt,) = help_center.admin_get("identify-attempts")
    assert "warnings" not in attempt


def test_several_warnings_at_once_are_journaled_as_answered(help_center: HelpCenter) -> None:
    answer = help_center.identify(exp=NO_EXP, custom_attributes={"plan": "pro"},
                                  customAttributes={"plan": "pro", "team": {"id": 1}})
    warnings = warnings_of(answer)
    assert [w["code"] for w in warnings] == ["no_expiry", "unknown_claim",
                                             "unmatchable_attribute"]
    (attempt,) = help_center.admin_get("identify-attempts")
    assert attempt["code"] == "ok" and attempt["warnings"] == warnings


def test_an_unmatchable_attribute_is_left_out_of_the_users_attributes(
        help_center: HelpCenter) -> None:
    answer = help_center.identify(customAttributes={"plan": "pro", "team": None,
                                                    "mixed": [1, "a"]})
    assert answer.json()["user"]["custom_attributes"] == {"plan": "pro"}
    reasons = [w["reason"] for w in warnings_of(answer)]
    assert all("left out of the user's attributes" in reason for reason in reasons)
    (user,) = help_center.admin_get("users")
    assert user["custom_attributes"] == {"plan": "pro"}


def test_warnings_never_change_the_status_of_a_failure(help_center: HelpCenter) -> None:
    answer = help_center.identify(exp=int(time.time()) - 10, custom_attributes={})
    assert error_of(answer)["code"] == "invalid_jwt"
    assert "warnings" not in answer.json()
    (attempt,) = help_center.admin_get("identify-attempts")
    assert "warnings" not in attempt


def test_long_expiry_follows_the_emulators_clock(help_center: HelpCenter) -> None:
    token = help_center.token(exp=int(time.time()) + 2 * 86400)
    assert [w["code"] for w in warnings_of(help_center.identify(token=token))] == ["long_expiry"]
    moved = help_center.client.put("/api/emulator/clock", headers=ADMIN,
                                   json={"offset_seconds": 86400 + 60})
    assert moved.status_code == 200
    assert "warnings" not in help_center.identify(token=token).json()


def test_the_success_log_line_names_the_warning_codes(help_center: HelpCenter,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    token = help_center.token(exp=NO_EXP, custom_attributes={})
    with caplog.at_level(logging.INFO, logger="ferndesk_verifier.identify"):
        help_center.identify(token=token)
        help_center.identify()
    lines = [r.getMessage() for r in caplog.records if r.name == "ferndesk_verifier.identify"]
    assert lines[0].endswith(" warnings=no_expiry,unknown_claim")
    assert "outcome=ok" in lines[1] and "warnings=" not in lines[1]
    assert token not in lines[0]


def test_the_state_export_carries_warnings_and_imports_them_back(
        help_center: HelpCenter) -> None:
    client = help_center.client
    help_center.identify(exp=NO_EXP)
    help_center.identify()
    exported = client.get("/api/emulator/state", headers=ADMIN).json()
    first, second = exported["help_centers"][0]["identify_attempts"]
    assert [w["code"] for w in first["warnings"]] == ["no_expiry"]
    assert "warnings" not in second
    assert client.put("/api/emulator/state", headers=ADMIN, json=exported).status_code == 204
    assert client.get("/api/emulator/state", headers=ADMIN).json() == exported


@pytest.mark.parametrize("warnings", [
    "no_expiry", [{"code": "no_expiry"}], [{"code": 1, "reason": "r"}], ["x"],
    [{"code": "no_expiry", "reason": "r", "extra": 1}],
])
def test_an_imported_attempts_warnings_must_be_code_reason_objects(
        help_center: HelpCenter, warnings: Any) -> None:
    client = help_center.client
    help_center.identify(exp=NO_EXP)
    state = client.get("/api/emulator/state", headers=ADMIN).json()
    state["help_centers"][0]["identify_attempts"][0]["warnings"] = warnings
    answer = client.put("/api/emulator/state", headers=ADMIN, json=state)
    assert answer.status_code == 422, answer.text
    assert "identify_attempts[0].warnings" in error_of(answer)["reason"]


def test_the_dashboards_identify_log_lists_the_warnings(client: TestClient) -> None:
    routes = client.app.router.routes  # type: ignore[attr-defined]
    if not any(isinstance(r, Route) and r.path == "/ui/sign-in" for r in routes):
        routes[2:2] = dashboard.routes()
    assert client.post("/ui/sign-in", data={"admin_token": ADMIN_TOKEN, "next": "/"},
                       follow_redirects=False).status_code == 303
    hc = HelpCenter(client, id="shop")
    hc.identify(exp=NO_EXP, custom_attributes={"plan": "pro"})
    page = client.get("/ui/help-centers/shop/log")
    assert page.status_code == 200
    assert 'class="warnings"' in page.text
    assert "<code>no_expiry</code>" in page.text and "<code>unknown_claim</code>" in page.text
    assert "&#34;custom_attributes&#34;" in page.text or "&quot;custom_attributes&quot;" in (
        page.text)


def test_openapi_describes_the_warnings_of_a_success_and_an_attempt(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "warnings" in schemas["IdentifyResponse"]["properties"]
    assert "warnings" not in schemas["IdentifyResponse"].get("required", [])
    assert "warnings" in schemas["Attempt"]["properties"]
    codes = schemas["IdentifyWarning"]["properties"]["code"]["enum"]
    assert codes == ["no_expiry", "long_expiry", "expiry_in_milliseconds", "unknown_claim",
                     "unmatchable_attribute"]


def test_a_returning_users_warnings_are_journaled_on_every_call(help_center: HelpCenter) -> None:
    """The second call is decided on the remembered widget (the guarded write on PostgreSQL)."""
    token = help_center.token(exp=NO_EXP, customAttributes={"team": None})
    first = warnings_of(help_center.identify(token=token))
    session = help_center.identify(token=token).json()["session"]["id"]
    third = help_center.identify(body={"jwt": token, "session_id": session})
    assert warnings_of(third) == first
    attempts = help_center.admin_get("identify-attempts")
    assert [attempt["warnings"] for attempt in attempts] == [first] * 3


def test_a_warning_never_shows_the_help_centers_secret(help_center: HelpCenter) -> None:
    assert help_center.secret is not None
    answer = help_center.identify(customAttributes={help_center.secret: None})
    (warning,) = warnings_of(answer)
    assert help_center.secret not in warning["reason"]
    (attempt,) = help_center.admin_get("identify-attempts")
    assert help_center.secret not in str(attempt["warnings"])
