"""Every row of the contract's error table, with its exact code, status and message."""

from __future__ import annotations

import time

from tests.conftest import ADMIN, HelpCenter, error_of

MESSAGES = {
    "jwt_required": "Ferndesk: identify requires a jwt",
    "invalid_jwt": "Ferndesk: identify failed - invalid jwt",
    "domain_mismatch":
        "Ferndesk: identify failed - must be called from same domain or 1-level subdomain",
    "subject_mismatch":
        "Ferndesk: identify failed - JWT subject does not match the existing help-center user",
    "unknown_widget": "Ferndesk: unknown widget",
    "not_found": "no such help center or user",
    "no_such_route": "no such route",
}


def test_jwt_required_is_400_with_the_exact_message(help_center: HelpCenter) -> None:
    answer = help_center.identify(body={})
    assert answer.status_code == 400
    error = error_of(answer)
    assert (error["code"], error["message"]) == ("jwt_required", MESSAGES["jwt_required"])


def test_invalid_jwt_is_401_with_the_exact_message(help_center: HelpCenter) -> None:
    answer = help_center.identify(token=help_center.token(secret="not-the-secret" * 3))
    assert answer.status_code == 401
    error = error_of(answer)
    assert (error["code"], error["message"]) == ("invalid_jwt", MESSAGES["invalid_jwt"])


def test_domain_mismatch_is_403_with_the_exact_message(help_center: HelpCenter) -> None:
    answer = help_center.identify(origin="https://otherdomain.com")
    assert answer.status_code == 403
    error = error_of(answer)
    assert (error["code"], error["message"]) == ("domain_mismatch", MESSAGES["domain_mismatch"])


def test_subject_mismatch_is_409_with_the_exact_message(help_center: HelpCenter) -> None:
    assert help_center.identify(sub="u-1").status_code == 200
    answer = help_center.identify(sub="u-2")
    assert answer.status_code == 409
    error = error_of(answer)
    assert (error["code"], error["message"]) == ("subject_mismatch",
                                                 MESSAGES["subject_mismatch"])


def test_unknown_widget_is_404_with_the_exact_message(client) -> None:
    answer = client.post("/widget/nope/identify", json={"jwt": "x.y.z"},
                         headers={"Origin": "https://app.example.com"})
    assert answer.status_code == 404
    error = error_of(answer)
    assert (error["code"], error["message"]) == ("unknown_widget", MESSAGES["unknown_widget"])


def test_unauthorized_without_or_with_a_wrong_bearer_token(client) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer "}):
        answer = client.get("/api/help-centers", headers=headers)
        assert answer.status_code == 401
        assert error_of(answer)["code"] == "unauthorized"


def test_not_found_for_an_unknown_help_center_or_user(help_center: HelpCenter) -> None:
    client = help_center.client
    answer = client.get("/api/help-centers/nope", headers=ADMIN)
    assert answer.status_code == 404
    error = error_of(answer)
    assert (error["code"], error["message"]) == ("not_found", MESSAGES["not_found"])
    answer = client.delete(f"/api/help-centers/{help_center.id}/users/ghost", headers=ADMIN)
    assert answer.status_code == 404
    error = error_of(answer)
    assert (error["code"], error["message"]) == ("not_found", MESSAGES["not_found"])


def test_secret_exists_is_409(help_center: HelpCenter) -> None:
    answer = help_center.client.post(f"/api/help-centers/{help_center.id}/jwt-secret",
                                     headers=ADMIN)
    assert answer.status_code == 409
    error = error_of(answer)
    assert error["code"] == "secret_exists"
    assert "delete it before generating a new one" in error["message"]


def test_no_secret_is_404(client) -> None:
    bare = HelpCenter(client, with_secret=False)
    for method in ("get", "delete"):
        answer = getattr(client, method)(f"/api/help-centers/{bare.id}/jwt-secret",
                                         headers=ADMIN)
        assert answer.status_code == 404
        assert error_of(answer)["code"] == "no_secret"


def test_invalid_request_statuses(help_center: HelpCenter) -> None:
    client = help_center.client
    url = f"/widget/{help_center.widget_id}/identify"
    origin = {"Origin": "https://app.example.com"}
    cases = [
        (400, client.post(url, content=b"{not json", headers={
            **origin, "Content-Type": "application/json"})),
        (400, client.post(url, json=["a list"], headers=origin)),
        (413, client.post(url, json={"jwt": "x" * 70_000}, headers=origin)),
        (415, client.post(url, content=b"<xml/>", headers={
            **origin, "Content-Type": "application/xml"})),
        (422, client.post(url, json={"jwt": help_center.token(), "session_id": 5},
                          headers=origin)),
        (422, client.post("/api/help-centers", json={"name": "x", "domain": "com"},
                          headers=ADMIN)),
    ]
    for status, answer in cases:
        assert answer.status_code == status, answer.text
        assert error_of(answer)["code"] == "invalid_request"


def test_conflict_when_id_or_widget_id_is_taken(help_center: HelpCenter) -> None:
    client = help_center.client
    for field, value in (("id", help_center.id), ("widget_id", help_center.widget_id)):
        answer = client.post("/api/help-centers", headers=ADMIN,
                             json={"name": "Other", "domain": "help.other.com", field: value})
        assert answer.status_code == 409
        assert error_of(answer)["code"] == "conflict"


def test_unknown_route_and_method_answer_json_not_html(client) -> None:
    answer = client.get("/nowhere")
    assert answer.status_code == 404
    error = error_of(answer)
    assert (error["code"], error["message"]) == ("not_found", MESSAGES["no_such_route"])
    assert error["reason"] == "no route GET /nowhere"
    answer = client.get("/widget/x/identify")
    assert answer.status_code == 405
    assert error_of(answer)["code"] == "invalid_request"


def test_reasons_never_contain_the_secret_or_the_token(help_center: HelpCenter) -> None:
    assert help_center.secret is not None
    tokens = [
        help_center.token(exp=int(time.time()) - 5),
        help_center.token(secret="wrong-secret-of-sufficient-length!!"),
        help_center.token(sub=""),
        help_center.token(email="nope"),
        "garbage",
    ]
    for token in tokens:
        answer = help_center.identify(token=token)
        assert help_center.secret not in answer.text
        assert token not in answer.text
    journal = help_center.client.get(
        f"/api/help-centers/{help_center.id}/identify-attempts", headers=ADMIN).text
    assert help_center.secret not in journal
    assert all(token not in journal for token in tokens)


def test_an_unexpected_error_is_a_json_500_without_a_traceback(settings) -> None:
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from verifier.app import create_app

    def explode(_request):
        raise RuntimeError("secret internals")

    app = create_app(settings)
    app.router.routes.append(Route("/explode", explode))
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/explode")
    assert answer.status_code == 500
    error = error_of(answer)
    assert error["code"] == "internal_error"
    assert "Traceback" not in answer.text and "secret internals" not in answer.text


def test_messages_are_listed_for_a_help_center(help_center: HelpCenter) -> None:
    assert help_center.admin_get("messages") == []
