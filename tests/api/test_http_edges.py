"""HTTP around every route: CORS on every widget answer (errors included), the unknown-route
error, trailing-slash redirects that never trust the Host header, bounded header values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN, ADMIN_TOKEN, APP_ORIGIN, HelpCenter, error_of
from verifier.app import create_app
from verifier.settings import Settings

# -- CORS on every answer under /widget/ -------------------------------------------------------


def assert_readable_without_credentials(answer, origin: str = APP_ORIGIN) -> None:
    """What identify answers a disallowed page: the origin echoed, Vary, never credentials."""
    assert answer.headers.get("access-control-allow-origin") == origin, answer.headers
    assert "Origin" in answer.headers.get("vary", ""), answer.headers
    assert "access-control-allow-credentials" not in answer.headers


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("POST", "/widget/nope/sessions", 404, "unknown_widget"),
    ("POST", "/widget/nope/messages", 404, "unknown_widget"),
    ("POST", "/widget/nope/identify", 404, "unknown_widget"),
    ("GET", "/widget/nope/no/such/route", 404, "not_found"),
    ("GET", "/widget/nope/identify", 405, "invalid_request"),
    ("PUT", "/widget/nope/sessions", 405, "invalid_request"),
    ("GET", "/widget/nope%00/frame", 404, "unknown_widget"),
])
def test_widget_errors_carry_cors_headers(client: TestClient, method: str, path: str,
                                          status: int, code: str) -> None:
    body = b'{"body": "hello"}' if method in {"POST", "PUT"} else None
    answer = client.request(method, path, content=body,
                            headers={"Origin": APP_ORIGIN, "Content-Type": "text/plain"})
    assert answer.status_code == status, answer.text
    assert error_of(answer)["code"] == code
    assert_readable_without_credentials(answer)


def test_a_bad_widget_body_carries_cors_headers(help_center: HelpCenter) -> None:
    answer = help_center.client.post(f"/widget/{help_center.widget_id}/messages",
                                     content=b"{not json", headers={
                                         "Origin": APP_ORIGIN, "Content-Type": "text/plain"})
    assert answer.status_code == 400
    assert_readable_without_credentials(answer)


def test_a_widget_error_without_origin_still_varies_on_origin(client: TestClient) -> None:
    answer = client.post("/widget/nope/sessions", content=b"{}",
                         headers={"Content-Type": "text/plain"})
    assert answer.status_code == 404
    assert "access-control-allow-origin" not in answer.headers
    assert answer.headers["vary"] == "Origin"


def test_identify_keeps_its_own_cors_decision(help_center: HelpCenter) -> None:
    """The allowed page still gets credentials, and no header is doubled."""
    answer = help_center.identify()
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.headers.get_list("access-control-allow-origin") == [APP_ORIGIN]
    assert answer.headers.get_list("vary") == ["Origin"]


def test_admin_errors_get_no_cors_headers(client: TestClient) -> None:
    answer = client.get("/api/help-centers/nope", headers={**ADMIN, "Origin": APP_ORIGIN})
    assert answer.status_code == 404
    assert "access-control-allow-origin" not in answer.headers


@pytest.fixture
def unreachable_database(tmp_path: Path) -> Iterator[TestClient]:
    """An app whose SQLite file lives in a folder that does not exist: every query fails."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'missing' / 'verifier.db'}",
                        admin_token=ADMIN_TOKEN, migrate_at_start=False, freeze_gc=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("action", ["sessions", "messages", "identify"])
def test_database_unavailable_on_widget_routes_carries_cors_headers(
        unreachable_database: TestClient, action: str) -> None:
    answer = unreachable_database.post(f"/widget/w-1/{action}", headers={"Origin": APP_ORIGIN},
                                       json={"body": "hello", "jwt": "x.y.z"})
    assert answer.status_code == 503, answer.text
    assert error_of(answer)["code"] == "unavailable"
    assert_readable_without_credentials(answer)


def test_an_unexpected_widget_error_carries_cors_headers(settings: Settings) -> None:
    from starlette.routing import Route

    def explode(_request):
        raise RuntimeError("boom")

    app = create_app(settings)
    app.router.routes.insert(0, Route("/widget/{widget_id}/explode", explode, methods=["POST"]))
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post("/widget/w/explode", headers={"Origin": APP_ORIGIN})
    assert answer.status_code == 500
    assert error_of(answer)["code"] == "internal_error"
    assert_readable_without_credentials(answer)


# -- the unknown route -------------------------------------------------------------------------


def test_an_unknown_route_says_no_such_route_and_names_method_and_path(
        client: TestClient) -> None:
    answer = client.delete("/api/nowhere")
    assert answer.status_code == 404
    error = error_of(answer)
    assert (error["code"], error["message"]) == ("not_found", "no such route")
    assert error["reason"] == "no route DELETE /api/nowhere"


def test_an_unknown_help_center_still_says_no_such_help_center(client: TestClient) -> None:
    error = error_of(client.get("/api/help-centers/nope", headers=ADMIN))
    assert (error["code"], error["message"]) == ("not_found", "no such help center or user")


# -- trailing-slash redirects ------------------------------------------------------------------


def test_a_trailing_slash_redirects_to_a_path_not_to_the_host_header(
        client: TestClient) -> None:
    answer = client.get("/api/help-centers/?x=1", headers={**ADMIN, "Host": "evil.example"},
                        follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == "/api/help-centers?x=1"


def test_a_missing_trailing_slash_redirects_to_a_path(client: TestClient) -> None:
    answer = client.get("/static", headers={"Host": "evil.example"}, follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == "/static/"


def test_the_redirect_keeps_following_to_the_right_answer(client: TestClient) -> None:
    answer = client.get("/api/help-centers/", headers=ADMIN)
    assert answer.status_code == 200
    assert answer.json() == []


# -- header values -----------------------------------------------------------------------------

HUGE = 4 * 1024 * 1024


@pytest.mark.parametrize(("header", "size"), [("Origin", 1025), ("Origin", HUGE),
                                              ("Referer", 8193), ("Referer", HUGE)])
def test_an_oversized_origin_or_referer_is_refused_and_never_stored(
        help_center: HelpCenter, header: str, size: int) -> None:
    value = "https://app.example.com/" + "a" * (size - len("https://app.example.com/"))
    assert len(value) == size
    client = help_center.client
    for action in ("identify", "sessions", "messages"):
        answer = client.post(f"/widget/{help_center.widget_id}/{action}",
                             json={"jwt": help_center.token(), "body": "hi"},
                             headers={header: value, **({} if header == "Origin" else {
                                 "Origin": APP_ORIGIN})})
        assert answer.status_code == 400, answer.text
        error = error_of(answer)
        assert error["code"] == "invalid_request"
        assert header in error["reason"] and str(size) in error["reason"]
        assert "aaaaaaaa" not in answer.text
        assert all("aaaaaaaa" not in v for v in answer.headers.values())
    assert help_center.admin_get("identify-attempts") == []
    assert help_center.admin_get("sessions") == []
    assert help_center.admin_get("messages") == []
    assert help_center.admin_get("users") == []


def test_an_origin_and_referer_at_their_limits_pass(help_center: HelpCenter) -> None:
    origin = "https://app.example.com"
    referer = origin + "/" + "p" * (8192 - len(origin) - 1)
    answer = help_center.identify(headers={"Referer": referer})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("action", ["identify", "sessions"])
def test_a_huge_user_agent_is_stored_visibly_truncated(help_center: HelpCenter,
                                                       action: str) -> None:
    agent = "Mozilla/5.0 " + "x" * (HUGE - len("Mozilla/5.0 "))
    answer = help_center.client.post(
        f"/widget/{help_center.widget_id}/{action}", json={"jwt": help_center.token()},
        headers={"Origin": APP_ORIGIN, "User-Agent": agent})
    assert answer.status_code in {200, 201}, answer.text
    [session] = help_center.admin_get("sessions")
    stored = session["user_agent"]
    assert stored.startswith("Mozilla/5.0 xxx")
    assert stored.endswith(f"...[truncated from {HUGE} bytes]")
    assert len(stored) <= 500


def test_an_ordinary_user_agent_is_stored_as_sent(help_center: HelpCenter) -> None:
    agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
    help_center.identify(headers={"User-Agent": agent})
    [session] = help_center.admin_get("sessions")
    assert session["user_agent"] == agent
