"""Text that no database stores: a NUL (U+0000) or a lone UTF-16 surrogate, sent through JSON
escapes, a token's claims, a form or a path. SQLite would store a NUL, PostgreSQL refuses it even
in a lookup; either way the verifier must answer with the contract's error and change nothing,
on both databases (the suite's PostgreSQL pass runs this file too)."""

from __future__ import annotations

import json

import jwt
import pytest

from tests.conftest import ADMIN, HelpCenter, error_of

NUL = "\\u0000"  # as a JSON escape, the way a payload carries one
SURROGATE = "\\ud800"


def raw_json(text: str, **headers: str) -> dict[str, object]:
    """Request arguments for a JSON body written by hand (httpx cannot encode a surrogate)."""
    return {"content": text.encode(),
            "headers": {"Content-Type": "application/json", **headers}}


@pytest.mark.parametrize("claims", [{"sub": "u\x00x"}, {"name": "Ada\x00"},
                                    {"email": "ada\x00@acme.com"}])
def test_a_claim_with_a_nul_is_an_invalid_jwt_and_binds_nobody(help_center: HelpCenter,
                                                              claims: dict[str, str]) -> None:
    answer = help_center.identify(**claims)
    assert answer.status_code == 401, answer.text
    error = error_of(answer)
    assert error["code"] == "invalid_jwt"
    assert "NUL" in error["reason"] or "email" in error["reason"]
    assert help_center.admin_get("users") == []


@pytest.mark.parametrize("session_id", [f"ses_{NUL}", f"ses_{SURROGATE}", "séance"])
def test_a_session_id_we_could_not_have_issued_starts_a_new_session(
        help_center: HelpCenter, session_id: str) -> None:
    body = f'{{"jwt": "{help_center.token()}", "session_id": "{session_id}"}}'
    answer = help_center.client.post(f"/widget/{help_center.widget_id}/identify",
                                     content=body.encode(),
                                     headers={"Content-Type": "application/json",
                                              "Origin": "https://app.example.com"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["session"]["id"].startswith("ses_")


@pytest.mark.parametrize("escape", [NUL, SURROGATE])
def test_a_message_with_unstorable_text_is_refused(help_center: HelpCenter, escape: str) -> None:
    answer = help_center.client.post(f"/widget/{help_center.widget_id}/messages",
                                     **raw_json(f'{{"body": "Help {escape}"}}'))
    assert answer.status_code == 422, answer.text
    assert error_of(answer)["reason"].startswith("body contains a ")
    assert help_center.admin_get("messages") == []


@pytest.mark.parametrize("escape", [NUL, SURROGATE])
def test_a_help_center_with_an_unstorable_name_is_refused(client, escape: str) -> None:
    answer = client.post("/api/help-centers", **raw_json(
        f'{{"name": "Ac{escape}me", "domain": "help.example.com"}}', **ADMIN))
    assert answer.status_code == 422, answer.text
    assert error_of(answer)["reason"].startswith("name contains a ")
    assert client.get("/api/help-centers", headers=ADMIN).json() == []


def test_imported_state_with_a_nul_is_refused_whole(client, help_center: HelpCenter) -> None:
    assert help_center.identify().status_code == 200
    before = client.get("/api/emulator/state", headers=ADMIN).json()
    state = json.loads(json.dumps(before))
    state["help_centers"][0]["users"][0]["sub"] = "u\x00"
    answer = client.put("/api/emulator/state", headers=ADMIN, json=state)
    assert answer.status_code == 422, answer.text
    assert "sub contains a NUL character" in error_of(answer)["reason"]
    assert client.get("/api/emulator/state", headers=ADMIN).json() == before


@pytest.mark.parametrize(("method", "path", "code"), [
    ("POST", "/widget/w%00/identify", "unknown_widget"),
    ("POST", "/widget/w%00/sessions", "unknown_widget"),
    ("GET", "/widget/w%00/frame", "unknown_widget"),
    ("GET", "/api/help-centers/h%00", "not_found"),
    ("DELETE", "/api/help-centers/{id}/users/u-1%00", "not_found"),
    ("DELETE", "/api/help-centers/{id}%00", "not_found"),
])
def test_a_path_with_a_nul_names_nothing(help_center: HelpCenter, method: str, path: str,
                                         code: str) -> None:
    assert help_center.identify().status_code == 200
    answer = help_center.client.request(method, path.format(id=help_center.id), headers={
        **ADMIN, "Origin": "https://app.example.com"}, json={"jwt": help_center.token()})
    assert answer.status_code == 404, answer.text
    assert error_of(answer)["code"] == code
    assert [user["sub"] for user in help_center.admin_get("users")] == ["u-1"]


def test_a_nul_in_a_token_signed_by_a_real_library_is_named(help_center: HelpCenter) -> None:
    """PyJWT (like jsonwebtoken) escapes the NUL; the reason still names the claim."""
    token = jwt.encode({"sub": "u\x00", "email": "ada@acme.com"}, help_center.secret or "",
                       algorithm="HS256")
    assert "\\u0000" in jwt.api_jws.base64url_decode(token.split(".")[1]).decode()
    reason = error_of(help_center.identify(token))["reason"]
    assert reason == "sub contains a NUL character (U+0000), which cannot be stored as text"
