"""The widget's routes besides identify: anonymous sessions, the frame, messages, the help
center's home page, and the SDK script."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN, APP_ORIGIN, HelpCenter, error_of
from verifier.app import create_app
from verifier.settings import Settings


def _start(hc: HelpCenter, origin: str = APP_ORIGIN) -> dict:
    answer = hc.client.post(f"/widget/{hc.widget_id}/sessions", content=b"{}", headers={
        "Origin": origin, "Content-Type": "text/plain;charset=UTF-8", "User-Agent": "UA/1"})
    assert answer.status_code == 201, answer.text
    assert answer.headers["access-control-allow-origin"] == origin
    assert "access-control-allow-credentials" not in answer.headers
    return answer.json()["session"]


def test_init_starts_an_anonymous_session_seen_in_analytics(help_center: HelpCenter) -> None:
    session = _start(help_center)
    [listed] = help_center.admin_get("sessions")
    assert listed["id"] == session["id"]
    assert (listed["sub"], listed["identified_at"]) == (None, None)
    assert (listed["origin"], listed["user_agent"]) == (APP_ORIGIN, "UA/1")


def test_identify_continues_the_anonymous_session(help_center: HelpCenter) -> None:
    session = _start(help_center)
    answer = help_center.identify(body={"jwt": help_center.token(), "session_id": session["id"]})
    assert answer.json()["session"]["id"] == session["id"]
    assert answer.json()["session"]["started_at"] == session["started_at"]
    [listed] = help_center.admin_get("sessions")
    assert listed["sub"] == "u-1" and listed["identified_at"] is not None


def test_sessions_of_an_unknown_widget_are_refused(client) -> None:
    answer = client.post("/widget/nope/sessions", json={})
    assert answer.status_code == 404 and error_of(answer)["code"] == "unknown_widget"


def _frame(hc: HelpCenter, session: dict, headers: dict[str, str] | None = None) -> Any:
    """The widget frame as the SDK opens it: with the frame token of a session answer."""
    return hc.client.get(f"/widget/{hc.widget_id}/frame",
                         params={"token": session["frame_token"]}, headers=headers or {})


def test_frame_is_prefilled_only_for_an_identified_session(help_center: HelpCenter) -> None:
    anonymous = _start(help_center)
    page = _frame(help_center, anonymous)
    assert page.status_code == 200 and 'name="email"' in page.text
    assert 'value="ada@acme.com"' not in page.text and "Not signed in" in page.text
    identified = help_center.identify(
        body={"jwt": help_center.token(name="Ada <Lovelace>"), "session_id": anonymous["id"]})
    assert identified.status_code == 200
    page = _frame(help_center, identified.json()["session"])
    assert 'value="ada@acme.com"' in page.text
    assert 'value="Ada &lt;Lovelace&gt;"' in page.text  # escaped, never raw HTML


def test_session_and_identify_answers_carry_a_frame_token(help_center: HelpCenter) -> None:
    anonymous = _start(help_center)
    jwt = help_center.token()
    identified = help_center.identify(body={"jwt": jwt, "session_id": anonymous["id"]}).json()
    for session in (anonymous, identified["session"]):
        assert isinstance(session["frame_token"], str) and session["frame_token"]
        assert jwt.split(".")[2] not in session["frame_token"]
    assert set(identified) == {"user", "session"}  # the contract's fields stay
    assert set(identified["session"]) >= {"id", "sub", "email", "name", "origin", "started_at",
                                          "identified_at"}


def test_frame_sets_a_same_site_http_only_session_cookie(help_center: HelpCenter) -> None:
    session = _start(help_center)
    page = _frame(help_center, session, {"Sec-Fetch-Site": "same-site"})
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"fd_session_{help_center.widget_id}={session['id']}")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Domain" not in cookie
    foreign = help_center.client.get(f"/widget/{help_center.widget_id}/frame",
                                     params={"token": "ses_unknown.1.x"},
                                     headers={"Sec-Fetch-Site": "same-site"})
    assert "set-cookie" not in foreign.headers


def test_a_link_with_someone_elses_session_id_neither_signs_in_nor_shows_them(
        help_center: HelpCenter) -> None:
    """The old fixation link: ``frame?session=<attacker's session>`` opened by a victim."""
    attacker = help_center.identify(sub="mallory", email="mallory@acme.com").json()["session"]
    url = f"/widget/{help_center.widget_id}/frame"
    for headers in ({}, {"Sec-Fetch-Site": "none"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Sec-Fetch-Site": "same-site"}, {"Referer": f"{APP_ORIGIN}/"}):
        page = help_center.client.get(url, params={"session": attacker["id"]}, headers=headers)
        assert page.status_code == 200
        assert "set-cookie" not in page.headers, headers
        assert "mallory" not in page.text and "Not signed in" in page.text


@pytest.mark.parametrize(("headers", "sets_cookie"), [
    ({"Sec-Fetch-Site": "same-site"}, True),
    ({"Sec-Fetch-Site": "same-origin"}, True),
    ({"Sec-Fetch-Site": "cross-site"}, False),  # a third-party page embedding the frame
    ({"Sec-Fetch-Site": "none"}, False),  # a link opened from mail, a bookmark, typed
    ({"Sec-Fetch-Site": "cross-site", "Referer": f"{APP_ORIGIN}/"}, False),
    # Browsers send no Fetch Metadata over plain HTTP to a host other than localhost: then
    # the embedding page (Referer) must pass the domain rule.
    ({"Referer": f"{APP_ORIGIN}/account"}, True),
    ({"Referer": "https://help.example.com/"}, True),
    ({"Referer": "https://evil.com/"}, False),
    ({"Referer": "https://a.b.example.com/"}, False),
    ({}, False),
])
def test_only_a_page_of_the_help_centers_site_sets_the_session_cookie(
        help_center: HelpCenter, headers: dict[str, str], sets_cookie: bool) -> None:
    attacker = help_center.identify(sub="mallory", email="mallory@acme.com").json()["session"]
    page = _frame(help_center, attacker, headers)
    assert page.status_code == 200
    assert ("set-cookie" in page.headers) == sets_cookie
    home = help_center.client.get("/", headers={"Host": "help.example.com"})
    assert ("mallory@acme.com" in home.text) == sets_cookie


def test_a_forged_or_foreign_frame_token_shows_an_anonymous_frame(client) -> None:
    acme, other = HelpCenter(client), HelpCenter(client, domain="help.other.com")
    session = acme.identify().json()["session"]
    token = session["frame_token"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    tampered = token.replace(session["id"], _start(acme)["id"])
    for widget, value in ((acme.widget_id, forged), (acme.widget_id, tampered),
                          (other.widget_id, token), (acme.widget_id, "x" * 5000),
                          (acme.widget_id, "\x00."), (acme.widget_id, "")):
        page = client.get(f"/widget/{widget}/frame", params={"token": value},
                          headers={"Sec-Fetch-Site": "same-site"})
        assert page.status_code == 200, page.text
        assert "set-cookie" not in page.headers and "Not signed in" in page.text
    assert "ada@acme.com" in _frame(acme, session).text  # the genuine token still works


def test_help_center_home_page_knows_the_identified_visitor(help_center: HelpCenter) -> None:
    session = help_center.identify().json()["session"]
    client = help_center.client
    anonymous = client.get("/", headers={"Host": "help.example.com:8765"})
    assert "Acme help center" in anonymous.text and "Not signed in" in anonymous.text
    client.cookies.set(f"fd_session_{help_center.widget_id}", session["id"])
    known = client.get("/", headers={"Host": "help.example.com"})
    assert "Signed in as" in known.text and "ada@acme.com" in known.text
    other_host = client.get("/", headers={"Host": "127.0.0.1:8765"})
    assert "ferndesk-verifier" in other_host.text and "Acme" not in other_host.text


def test_contact_form_messages_are_stored_with_the_user(help_center: HelpCenter) -> None:
    session = help_center.identify().json()["session"]
    answer = help_center.client.post(f"/widget/{help_center.widget_id}/messages", json={
        "session_id": session["id"], "email": "ada@acme.com", "name": "Ada", "body": "Help!"})
    assert answer.status_code == 201, answer.text
    [message] = help_center.admin_get("messages")
    assert (message["sub"], message["email"], message["body"]) == ("u-1", "ada@acme.com",
                                                                   "Help!")
    assert set(message) >= {"id", "sub", "email", "name", "body", "created_at"}


def test_bad_messages_are_refused_and_change_nothing(help_center: HelpCenter) -> None:
    url = f"/widget/{help_center.widget_id}/messages"
    for body, status in (({"body": ""}, 422), ({"body": 5}, 422),
                         ({"body": "x", "session_id": "ses_nope"}, 422),
                         ({"body": "x" * 6000}, 422)):
        answer = help_center.client.post(url, json=body)
        assert answer.status_code == status, answer.text
    assert help_center.admin_get("messages") == []


def test_the_sdk_is_served_as_javascript(client) -> None:
    answer = client.get("/sdk.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert "Ferndesk" in answer.text


@pytest.fixture
def small_client(settings: Settings) -> Any:
    """An app that keeps 5 sessions and 3 messages per help center."""
    small = dataclasses.replace(settings, sessions_kept=5, messages_kept=3)
    with TestClient(create_app(small), raise_server_exceptions=False) as test_client:
        yield test_client


def test_init_keeps_only_the_newest_sessions_of_each_help_center(small_client) -> None:
    acme, other = HelpCenter(small_client), HelpCenter(small_client, domain="help.other.com")
    others = {_start(other)["id"] for _ in range(2)}
    started = [_start(acme)["id"] for _ in range(12)]
    assert {s["id"] for s in acme.admin_get("sessions")} == set(started[-5:])
    assert {s["id"] for s in other.admin_get("sessions")} == others  # per help center


def test_init_under_a_frozen_clock_never_prunes_the_session_it_answers(small_client) -> None:
    acme = HelpCenter(small_client)
    frozen = small_client.put("/api/emulator/clock", headers=ADMIN,
                              json={"frozen_at": "2026-11-24T10:00:00Z"})
    assert frozen.status_code == 200, frozen.text
    for _ in range(9):
        session = _start(acme)
        listed = {s["id"] for s in acme.admin_get("sessions")}
        assert session["id"] in listed and len(listed) <= 5


def _message(hc: HelpCenter, body: str, session_id: str | None = None) -> Any:
    sent: dict[str, Any] = {"body": body}
    if session_id is not None:
        sent["session_id"] = session_id
    return hc.client.post(f"/widget/{hc.widget_id}/messages", json=sent)


def test_messages_keep_only_the_newest_of_each_help_center(small_client) -> None:
    acme, other = HelpCenter(small_client), HelpCenter(small_client, domain="help.other.com")
    assert _message(other, "other 1").status_code == 201
    for number in range(8):
        assert _message(acme, f"acme {number}").status_code == 201
    assert sorted(m["body"] for m in acme.admin_get("messages")) == ["acme 5", "acme 6",
                                                                    "acme 7"]
    assert [m["body"] for m in other.admin_get("messages")] == ["other 1"]


def test_a_message_with_a_foreign_or_unknown_session_changes_nothing(small_client) -> None:
    acme, other = HelpCenter(small_client), HelpCenter(small_client, domain="help.other.com")
    foreign = other.identify(origin="https://app.other.com").json()["session"]["id"]
    for number in range(3):
        assert _message(acme, f"kept {number}").status_code == 201
    for session_id in (foreign, "ses_unknown", "x" * 64):
        answer = _message(acme, "refused", session_id)
        assert answer.status_code == 422 and error_of(answer)["code"] == "invalid_request"
    assert sorted(m["body"] for m in acme.admin_get("messages")) == ["kept 0", "kept 1",
                                                                    "kept 2"]
    assert other.admin_get("messages") == []
