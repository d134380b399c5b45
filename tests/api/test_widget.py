"""The widget's routes besides identify: anonymous sessions, the frame, messages, the help
center's home page, and the SDK script."""

from __future__ import annotations

from tests.conftest import APP_ORIGIN, HelpCenter, error_of


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


def test_frame_is_prefilled_only_for_an_identified_session(help_center: HelpCenter) -> None:
    anonymous = _start(help_center)
    page = help_center.client.get(f"/widget/{help_center.widget_id}/frame",
                                  params={"session": anonymous["id"]})
    assert page.status_code == 200 and 'name="email"' in page.text
    assert 'value="ada@acme.com"' not in page.text and "Not signed in" in page.text
    identified = help_center.identify(
        body={"jwt": help_center.token(name="Ada <Lovelace>"), "session_id": anonymous["id"]})
    assert identified.status_code == 200
    page = help_center.client.get(f"/widget/{help_center.widget_id}/frame",
                                  params={"session": anonymous["id"]})
    assert 'value="ada@acme.com"' in page.text
    assert 'value="Ada &lt;Lovelace&gt;"' in page.text  # escaped, never raw HTML


def test_frame_sets_a_same_site_http_only_session_cookie(help_center: HelpCenter) -> None:
    session = _start(help_center)
    page = help_center.client.get(f"/widget/{help_center.widget_id}/frame",
                                  params={"session": session["id"]})
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"fd_session_{help_center.widget_id}={session['id']}")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Domain" not in cookie
    foreign = help_center.client.get(f"/widget/{help_center.widget_id}/frame",
                                     params={"session": "ses_unknown"})
    assert "set-cookie" not in foreign.headers


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
