"""``POST /widget/{id}/identify``: success, the order of checks, origins, sessions, CORS,
the journal and the log line."""

from __future__ import annotations

import json
import logging
import time

import jwt
import pytest

from tests.conftest import ADMIN, APP_ORIGIN, HelpCenter, error_of


def test_success_returns_the_user_and_a_session(help_center: HelpCenter) -> None:
    answer = help_center.identify(customAttributes={"plan": "pro", "seats": 3})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["user"] == {"sub": "u-1", "email": "ada@acme.com", "name": "Ada",
                            "custom_attributes": {"plan": "pro", "seats": 3}}
    session = body["session"]
    assert session["id"] and session["sub"] == "u-1" and session["email"] == "ada@acme.com"
    assert session["origin"] == "https://app.example.com"
    assert session["identified_at"].endswith("Z")
    sessions = help_center.admin_get("sessions")
    assert [s["id"] for s in sessions] == [session["id"]]
    assert set(sessions[0]) >= {"id", "sub", "email", "origin", "started_at", "identified_at"}


def test_the_vendors_python_example_token_is_accepted(help_center: HelpCenter) -> None:
    token = jwt.encode({"sub": "42", "email": "ada@acme.com", "name": "Ada",
                        "exp": int(time.time()) + 3600}, help_center.secret, algorithm="HS256")
    assert help_center.identify(token=token).status_code == 200


def test_text_plain_body_is_accepted_as_a_browser_sends_it(help_center: HelpCenter) -> None:
    answer = help_center.client.post(
        f"/widget/{help_center.widget_id}/identify",
        content=json.dumps({"jwt": help_center.token()}).encode(),
        headers={"Origin": "https://app.example.com", "Content-Type": "text/plain;charset=UTF-8"})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(("origin", "status"), [
    ("https://app.example.com", 200),
    ("https://example.com", 200),
    ("https://help.example.com", 200),
    ("http://APP.example.com:3000", 200),
    ("https://otherdomain.com", 403),
    ("https://a.b.example.com", 403),
    ("https://example.com.evil.com", 403),
    ("https://evilexample.com", 403),
    ("null", 403),
])
def test_contract_domain_examples(help_center: HelpCenter, origin: str, status: int) -> None:
    assert help_center.identify(origin=origin).status_code == status


def test_referer_is_used_when_there_is_no_origin(help_center: HelpCenter) -> None:
    ok = help_center.identify(origin=None,
                              headers={"Referer": "https://app.example.com/account?x=1"})
    assert ok.status_code == 200
    assert ok.json()["session"]["origin"] == "https://app.example.com"
    bad = help_center.identify(origin=None, headers={"Referer": "https://otherdomain.com/"})
    assert error_of(bad)["code"] == "domain_mismatch"


def test_no_origin_and_no_referer_is_domain_mismatch(help_center: HelpCenter) -> None:
    error = error_of(help_center.identify(origin=None))
    assert error["code"] == "domain_mismatch"
    assert "Origin" in error["reason"]


def test_checks_run_in_the_contract_order(client) -> None:
    hc = HelpCenter(client)
    expired = hc.token(exp=int(time.time()) - 10)
    # Body before widget: a bad body on an unknown widget is still invalid_request.
    answer = client.post("/widget/ghost/identify", content=b"nope",
                         headers={"Content-Type": "application/json"})
    assert error_of(answer)["code"] == "invalid_request"
    # Widget before jwt.
    answer = client.post("/widget/ghost/identify", json={}, headers={"Origin": "https://x.com"})
    assert error_of(answer)["code"] == "unknown_widget"
    # jwt before domain.
    assert error_of(hc.identify(body={}, origin="https://otherdomain.com"))["code"] == \
        "jwt_required"
    # Domain before token.
    assert error_of(hc.identify(token=expired, origin="https://otherdomain.com"))["code"] == \
        "domain_mismatch"
    # Token before binding.
    assert hc.identify(sub="u-1").status_code == 200
    assert error_of(hc.identify(token=hc.token(sub="u-2", exp=int(time.time()) - 10)))[
        "code"] == "invalid_jwt"


@pytest.mark.parametrize(("body", "hint"), [
    ({}, "no 'jwt'"),
    ({"jwt": ""}, "empty"),
    ({"jwt": "   "}, "empty"),
    ({"jwt": 12}, "a number"),
    ({"jwt": ["a"]}, "an array"),
    ({"jwt": {"token": "a"}}, "an object"),
    ({"jwt": None}, "no 'jwt'"),
    ({"token": "abc"}, "now Ferndesk('identify', { jwt })"),
])
def test_jwt_required_names_what_was_sent(help_center: HelpCenter, body: dict,
                                          hint: str) -> None:
    error = error_of(help_center.identify(body=body))
    assert error["code"] == "jwt_required"
    assert hint in error["reason"]


def test_expired_token_names_when_and_how_long_ago(help_center: HelpCenter) -> None:
    error = error_of(help_center.identify(exp=int(time.time()) - 600))
    assert error["code"] == "invalid_jwt"
    assert "expired" in error["reason"] and "ago" in error["reason"]


@pytest.mark.parametrize(("claims", "words"), [
    ({"sub": 42}, "sub"),
    ({"sub": ..., "userId": "u-1"}, "userId"),
    ({"email": ...}, "email"),
    ({"email": "not-an-email"}, "email"),
    ({"exp": "9999999999"}, "exp"),
    ({"customAttributes": "plan=pro"}, "customAttributes"),
    ({"name": 7}, "name"),
])
def test_bad_claims_are_invalid_jwt_with_the_claim_named(help_center: HelpCenter,
                                                         claims: dict, words: str) -> None:
    error = error_of(help_center.identify(**claims))
    assert error["code"] == "invalid_jwt"
    assert words in error["reason"]


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_wrong_algorithm_is_refused(help_center: HelpCenter) -> None:
    token = jwt.encode({"sub": "u-1", "email": "ada@acme.com"}, help_center.secret,
                       algorithm="HS512")
    error = error_of(help_center.identify(token=token))
    assert error["code"] == "invalid_jwt" and "HS512" in error["reason"]


def test_another_help_centers_secret_is_refused(client) -> None:
    mine, theirs = HelpCenter(client), HelpCenter(client, domain="help.other.com")
    error = error_of(mine.identify(token=mine.token(secret=theirs.secret)))
    assert error["code"] == "invalid_jwt" and "signature" in error["reason"]


def test_a_known_session_is_identified_in_place(help_center: HelpCenter) -> None:
    first = help_center.identify().json()["session"]
    again = help_center.identify(body={"jwt": help_center.token(), "session_id": first["id"]})
    assert again.json()["session"]["id"] == first["id"]
    assert again.json()["session"]["started_at"] == first["started_at"]
    assert len(help_center.admin_get("sessions")) == 1


def test_an_unknown_session_id_starts_a_new_session(help_center: HelpCenter) -> None:
    answer = help_center.identify(body={"jwt": help_center.token(), "session_id": "ses_nope"})
    assert answer.status_code == 200
    assert answer.json()["session"]["id"] != "ses_nope"


def test_sessions_of_another_help_center_are_not_reused(client) -> None:
    mine, theirs = HelpCenter(client), HelpCenter(client, domain="help.other.com")
    theirs_session = theirs.identify(origin="https://app.other.com").json()["session"]["id"]
    answer = mine.identify(body={"jwt": mine.token(), "session_id": theirs_session})
    assert answer.json()["session"]["id"] != theirs_session


def test_attempts_are_journaled_newest_first_with_reasons(help_center: HelpCenter) -> None:
    help_center.identify()
    help_center.identify(origin="https://otherdomain.com")
    help_center.identify(exp=int(time.time()) - 5)
    attempts = help_center.admin_get("identify-attempts")
    assert [a["code"] for a in attempts] == ["invalid_jwt", "domain_mismatch", "ok"]
    assert all(set(a) >= {"at", "origin", "code", "reason", "sub"} for a in attempts)
    assert attempts[0]["sub"] == "u-1" and "expired" in attempts[0]["reason"]
    assert attempts[1]["origin"] == "https://otherdomain.com"
    limited = help_center.client.get(
        f"/api/help-centers/{help_center.id}/identify-attempts?limit=1", headers=ADMIN).json()
    assert [a["code"] for a in limited] == ["invalid_jwt"]


def test_journal_is_bounded(client, settings) -> None:
    from starlette.testclient import TestClient

    from verifier.app import create_app
    from verifier.settings import Settings

    small = Settings(database_url=settings.database_url, admin_token=settings.admin_token,
                     attempts_kept=5)
    with TestClient(create_app(small)) as bounded:
        hc = HelpCenter(bounded)
        for _ in range(300):
            hc.identify(origin="https://otherdomain.com")
        count = len(hc.admin_get("identify-attempts"))
    assert 5 <= count <= 5 + 256


def test_every_identify_logs_one_line_without_the_token(help_center: HelpCenter,
                                                        caplog) -> None:
    token = help_center.token()
    with caplog.at_level(logging.INFO, logger="ferndesk_verifier.identify"):
        help_center.identify(token=token)
        help_center.identify(origin="https://otherdomain.com")
    lines = [r.getMessage() for r in caplog.records if r.name == "ferndesk_verifier.identify"]
    assert len(lines) == 2
    assert "outcome=ok" in lines[0] and "outcome=domain_mismatch" in lines[1]
    assert all(token not in line and help_center.secret not in line for line in lines)


def test_preflight_is_answered_for_any_origin(help_center: HelpCenter) -> None:
    url = f"/widget/{help_center.widget_id}/identify"
    for origin, credentials in (("https://app.example.com", "true"),
                                ("https://otherdomain.com", None)):
        answer = help_center.client.options(url, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert answer.status_code == 204
        assert answer.headers["access-control-allow-origin"] == origin
        assert "POST" in answer.headers["access-control-allow-methods"]
        assert answer.headers.get("access-control-allow-credentials") == credentials


def test_error_bodies_are_readable_cross_origin_without_credentials(
        help_center: HelpCenter) -> None:
    ok = help_center.identify()
    assert ok.headers["access-control-allow-origin"] == "https://app.example.com"
    assert ok.headers["access-control-allow-credentials"] == "true"
    denied = help_center.identify(origin="https://otherdomain.com")
    assert denied.headers["access-control-allow-origin"] == "https://otherdomain.com"
    assert "access-control-allow-credentials" not in denied.headers
    for answer in (ok, denied):
        assert answer.headers["access-control-allow-origin"] != "*"


def test_credentials_follow_the_domain_rule_whatever_check_answers(
        help_center: HelpCenter) -> None:
    allowed = help_center.identify(body={})  # jwt_required, checked before the domain
    assert error_of(allowed)["code"] == "jwt_required"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    denied = help_center.identify(body={}, origin="https://otherdomain.com")
    assert error_of(denied)["code"] == "jwt_required"
    assert "access-control-allow-credentials" not in denied.headers
    assert denied.headers["access-control-allow-origin"] == "https://otherdomain.com"


@pytest.mark.parametrize("sub", ["   ", "\t", "\n "])
def test_a_blank_sub_is_invalid_jwt(help_center: HelpCenter, sub: str) -> None:
    error = error_of(help_center.identify(sub=sub))
    assert error["code"] == "invalid_jwt"
    assert error["reason"].startswith("sub is blank")
    assert help_center.admin_get("users") == []


@pytest.mark.parametrize(("wrap", "words"), [
    ('"{}"', "the jwt is wrapped in double quotes: your backend sent it as JSON "
             "(res.json(token)); send the bare token (res.send(token)) or read it with r.json()"),
    ("{}\n", "the jwt ends with a newline"),
    (" {}", "the jwt starts with a space"),
    ("Bearer {}", 'token starts with "Bearer "'),
])
def test_a_wrapped_token_is_named(help_center: HelpCenter, wrap: str, words: str) -> None:
    token = help_center.token()
    error = error_of(help_center.identify(token=wrap.format(token)))
    assert error["code"] == "invalid_jwt"
    assert error["reason"].startswith(words), error["reason"]
    assert token not in error["reason"]


@pytest.mark.parametrize("failure", ["invalid_jwt", "domain_mismatch", "subject_mismatch",
                                     "injected_fault"])
def test_a_failed_attempt_journals_and_logs_the_tokens_fingerprint(
        help_center: HelpCenter, caplog, failure: str) -> None:
    from verifier.tokens import token_fingerprint

    help_center.identify(sub="u-1")
    origin = "https://otherdomain.com" if failure == "domain_mismatch" else APP_ORIGIN
    claims = {"sub": "u-2"} if failure == "subject_mismatch" else {}
    if failure == "invalid_jwt":
        claims = {"exp": int(time.time()) - 5}
    if failure == "injected_fault":
        fault = help_center.client.post(
            f"/api/emulator/help-centers/{help_center.id}/faults", headers=ADMIN,
            json={"times": 1, "status": 503})
        assert fault.status_code == 201, fault.text
    token = help_center.token(**claims)
    with caplog.at_level(logging.INFO, logger="ferndesk_verifier.identify"):
        answer = help_center.identify(token=token, origin=origin)
    assert answer.status_code >= 400
    (latest, success) = help_center.admin_get("identify-attempts")[:2]
    assert success["token_fingerprint"] is not None  # what a success journals
    assert latest["code"] == failure
    assert latest["token_fingerprint"] == token_fingerprint(token)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "ferndesk_verifier.identify"]
    assert f"outcome={failure}" in line and f"token={token_fingerprint(token)}" in line
    assert token not in line and token not in json.dumps(latest)


def test_a_failure_without_a_token_string_has_no_fingerprint(help_center: HelpCenter) -> None:
    help_center.identify(body={"jwt": 42})
    help_center.identify(body={"jwt": "   "})
    attempts = help_center.admin_get("identify-attempts")
    assert [a["code"] for a in attempts] == ["jwt_required", "jwt_required"]
    assert [a["token_fingerprint"] for a in attempts] == [None, None]
