"""``GET /openapi.json`` and ``GET /docs`` describe the app as it is: every route both ways,
every error code of ``errors.py`` with its exact message, and answers that match their schemas."""

from __future__ import annotations

import html
import importlib.metadata
import inspect
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from tests.conftest import ADMIN, APP_ORIGIN, HelpCenter
from verifier import errors
from verifier.routes import docs

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def api(client: TestClient) -> TestClient:
    """The app, with the two documentation routes added if ``app.py`` does not serve them yet."""
    routes = client.app.router.routes  # type: ignore[attr-defined]
    served = {route.path for route in routes if isinstance(route, Route)}
    for path, handler in (("/openapi.json", docs.openapi_json), ("/docs", docs.docs_page)):
        if path not in served:
            routes.append(Route(path, handler, methods=["GET"]))
    return client


@pytest.fixture
def document(api: TestClient) -> dict[str, Any]:
    answer = api.get("/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    return dict(answer.json())


def normalise(path: str) -> str:
    """Starlette's ``{sub:path}`` is OpenAPI's ``{sub}``."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def served_operations(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, Route):
            if not route.include_in_schema:  # the dashboard's HTML pages
                continue
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                yield normalise(prefix + route.path), method.lower()
        elif isinstance(route, Mount):
            if route.routes:
                yield from served_operations(route.routes, prefix + route.path)
            else:  # an app mounted whole (StaticFiles): its files are under {path}
                yield normalise(prefix + route.path) + "/{path}", "get"


def documented_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def error_classes() -> dict[str, type[errors.VerifierError]]:
    return {cls.code: cls for _, cls in inspect.getmembers(errors, inspect.isclass)
            if issubclass(cls, errors.VerifierError) and cls is not errors.VerifierError}


# -- the document ------------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "ferndesk-verifier"
    assert document["info"]["version"] == importlib.metadata.version("ferndesk-verifier")
    assert document["servers"] == [{"url": "/"}]


def test_every_route_the_app_serves_is_documented(api: TestClient,
                                                  document: dict[str, Any]) -> None:
    documented = {(path, method) for path, method, _ in documented_operations(document)}
    missing = set(served_operations(api.app.routes)) - documented  # type: ignore[attr-defined]
    assert not missing, f"served but not in /openapi.json: {sorted(missing)}"


def test_every_documented_route_is_served(api: TestClient, document: dict[str, Any]) -> None:
    served = set(served_operations(api.app.routes))  # type: ignore[attr-defined]
    phantom = {(path, method) for path, method, _ in documented_operations(document)} - served
    assert not phantom, f"in /openapi.json but not served: {sorted(phantom)}"


def test_every_operation_is_named_tagged_and_described(document: dict[str, Any]) -> None:
    tags = {tag["name"] for tag in document["tags"]}
    assert tags == {"widget", "admin", "users", "emulator", "meta"}
    ids = []
    for path, method, operation in documented_operations(document):
        where = f"{method.upper()} {path}"
        ids.append(operation["operationId"])
        assert operation["summary"] and operation["description"], where
        assert len(operation["tags"]) == 1 and operation["tags"][0] in tags, where
        assert operation["responses"], where
        secured = operation.get("security") == [{"bearerAuth": []}]
        assert secured == path.startswith("/api/"), where
    assert len(ids) == len(set(ids))
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        **document["components"]["securitySchemes"]["bearerAuth"],
        "type": "http", "scheme": "bearer"}


def test_identify_takes_json_or_text_plain(document: dict[str, Any]) -> None:
    body = document["paths"]["/widget/{widget_id}/identify"]["post"]["requestBody"]
    assert set(body["content"]) == {"application/json", "text/plain"}


def test_the_error_schema_names_every_code_of_errors_py(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["required"]) == {"code", "message", "reason"}
    assert set(error["properties"]["code"]["enum"]) == set(error_classes())
    assert "internal_error" in error["properties"]["code"]["enum"]


def test_every_documented_error_answer_names_real_codes_and_messages(
        document: dict[str, Any]) -> None:
    classes = error_classes()
    for path, method, operation in documented_operations(document):
        for status, response in operation["responses"].items():
            if status != "default" and int(status) < 400:
                continue
            where = f"{method.upper()} {path} {status}"
            codes = response["x-error-codes"]
            assert codes and set(codes) <= set(classes), where
            assert response["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}, where
            if status == "default":
                assert set(codes) <= set(errors.CONTRACT_ERRORS), where
                continue
            for code in codes:
                cls = classes[code]
                assert (cls.status == int(status)
                        or (code == "invalid_request" and int(status) in {400, 413, 415, 422})
                        ), where
                message = cls("", status=int(status)).message
                assert message in response["description"], where
                example = response["content"]["application/json"]["examples"][code]["value"]
                assert example["error"]["code"] == code and example["error"]["message"] == message


def test_every_contract_error_is_answered_somewhere(document: dict[str, Any]) -> None:
    named = {code for _, _, operation in documented_operations(document)
             for status, response in operation["responses"].items() if status != "default"
             for code in response.get("x-error-codes", [])}
    assert set(errors.CONTRACT_ERRORS) - {"injected_fault"} <= named


# -- the page --------------------------------------------------------------------------------


class PageParser(HTMLParser):
    """The page's headings, attribute URLs and table header cells."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.urls: list[str] = []
        self.header_cells: list[dict[str, str | None]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "th":
            self.header_cells.append(dict(attrs))
        self.urls += [value or "" for name, value in attrs if name in {"src", "href", "action"}]


@pytest.fixture
def page(api: TestClient) -> str:
    answer = api.get("/docs")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    return answer.text


def test_docs_page_lists_every_path(page: str, document: dict[str, Any]) -> None:
    text = html.unescape(page)
    for path in document["paths"]:
        assert path in text, path


def test_docs_page_carries_every_exact_message(page: str) -> None:
    text = html.unescape(page)
    for code, cls in errors.CONTRACT_ERRORS.items():
        assert cls.message in text, code
        assert f"<code>{code}</code>" in text


def test_docs_page_references_nothing_external(page: str) -> None:
    parser = PageParser()
    parser.feed(page)
    assert parser.urls
    external = [url for url in parser.urls if re.match(r"\s*(https?:)?//", url, re.I)]
    assert not external
    assert "script" not in parser.tags
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page, re.I)


def test_docs_page_is_accessible_markup(page: str) -> None:
    parser = PageParser()
    parser.feed(page)
    assert parser.headings[0] == 1 and parser.headings.count(1) == 1
    for before, after in zip(parser.headings, parser.headings[1:], strict=False):
        assert after <= before + 1, "a heading level is skipped"
    assert parser.header_cells
    assert all(cell.get("scope") in {"col", "row"} for cell in parser.header_cells)
    assert '<html lang="en">' in page


# -- the answers match the document ----------------------------------------------------------


class Checker:
    """Calls the app and checks each answer against its operation in the document."""

    def __init__(self, client: TestClient, document: dict[str, Any]) -> None:
        self.client = client
        self.document = document
        self.seen: set[tuple[str, str, str]] = set()

    def __call__(self, method: str, template: str, url: str | None = None,
                 **kwargs: Any) -> Any:
        answer = self.client.request(method, url or template, **kwargs)
        operation = self.document["paths"][template][method.lower()]
        status = str(answer.status_code)
        where = f"{method} {template} answered {status}: {answer.text[:300]}"
        assert status in operation["responses"] or "default" in operation["responses"], where
        response = operation["responses"].get(status, operation["responses"].get("default"))
        self.seen.add((template, method.lower(), status))
        content = response.get("content", {})
        if not content:
            assert not answer.content, where
            return answer
        media = answer.headers["content-type"].split(";")[0].strip()
        assert media in content, where
        if media == "application/json":
            root = {"$ref": "#/x", "x": content[media]["schema"],
                    "components": self.document["components"]}
            jsonschema.Draft202012Validator(
                root, format_checker=jsonschema.FormatChecker()).validate(answer.json())
            if answer.status_code >= 400:
                assert answer.json()["error"]["code"] in response["x-error-codes"], where
        return answer


@pytest.fixture
def check(api: TestClient, document: dict[str, Any]) -> Checker:
    return Checker(api, document)


def test_answers_of_the_meta_and_widget_routes_match_the_document(
        api: TestClient, check: Checker) -> None:
    check("GET", "/healthz")
    check("GET", "/openapi.json")
    check("GET", "/docs")
    check("GET", "/")
    check("GET", "/sdk.js")
    check("GET", "/static/{path}", "/static/widget.css")
    check("GET", "/static/{path}", "/static/nope.css")
    hc = HelpCenter(api)
    identify = "/widget/{widget_id}/identify"
    url = f"/widget/{hc.widget_id}/identify"
    origin = {"Origin": APP_ORIGIN}
    session = check("POST", "/widget/{widget_id}/sessions", f"/widget/{hc.widget_id}/sessions",
                    content=b"", headers=origin).json()["session"]
    check("POST", "/widget/{widget_id}/sessions", "/widget/nope/sessions", json={})
    check("POST", identify, url, json={"jwt": hc.token(), "session_id": session["id"]},
          headers=origin)
    check("POST", identify, url, content=f'{{"jwt": "{hc.token()}"}}',
          headers={**origin, "Content-Type": "text/plain;charset=UTF-8"})
    check("POST", identify, url, json={}, headers=origin)
    check("POST", identify, url, json=[], headers=origin)
    check("POST", identify, url, json={"jwt": "x.y.z"}, headers=origin)
    check("POST", identify, url, json={"jwt": hc.token()}, headers={"Origin": "https://evil.com"})
    check("POST", identify, url, json={"jwt": hc.token(sub="u-2")}, headers=origin)
    check("POST", identify, url, json={"jwt": hc.token(), "session_id": 1}, headers=origin)
    check("POST", identify, url, content=b"{}", headers={**origin, "Content-Type": "text/html"})
    check("POST", identify, url, content=b"{" * 100_000, headers=origin)
    check("POST", identify, "/widget/nope/identify", json={"jwt": "x"}, headers=origin)
    check("OPTIONS", identify, url, headers={**origin, "Access-Control-Request-Method": "POST"})
    check("OPTIONS", "/widget/{widget_id}/{kind}", f"/widget/{hc.widget_id}/messages",
          headers={**origin, "Access-Control-Request-Method": "POST"})
    messages = "/widget/{widget_id}/messages"
    check("POST", messages, f"/widget/{hc.widget_id}/messages",
          json={"session_id": session["id"], "body": "Hello"}, headers=origin)
    check("POST", messages, f"/widget/{hc.widget_id}/messages", json={"body": 3})
    check("GET", "/widget/{widget_id}/frame", f"/widget/{hc.widget_id}/frame?session=x")
    check("GET", "/widget/{widget_id}/frame", "/widget/nope/frame")


def test_answers_of_the_admin_api_match_the_document(api: TestClient, check: Checker) -> None:
    hcs = "/api/help-centers"
    check("POST", hcs, json={"name": "Acme", "domain": "help.example.com",
                                       "id": "acme"}, headers=ADMIN)
    check("POST", hcs, json={"name": "Acme", "domain": "help.example.com", "id": "acme"},
          headers=ADMIN)
    check("POST", hcs, json={"name": "Acme", "domain": "com"}, headers=ADMIN)
    check("POST", hcs, content=b"nope", headers={**ADMIN, "Content-Type": "application/json"})
    check("POST", hcs, content=b"{}", headers={**ADMIN, "Content-Type": "text/plain"})
    check("GET", hcs)
    check("GET", hcs, headers=ADMIN)
    one = "/api/help-centers/{id}"
    check("GET", one, "/api/help-centers/acme", headers=ADMIN)
    check("GET", one, "/api/help-centers/nope", headers=ADMIN)
    secret = one + "/jwt-secret"
    check("GET", secret, "/api/help-centers/acme/jwt-secret", headers=ADMIN)
    check("POST", secret, "/api/help-centers/acme/jwt-secret", headers=ADMIN)
    check("POST", secret, "/api/help-centers/acme/jwt-secret", headers=ADMIN)
    check("GET", secret, "/api/help-centers/acme/jwt-secret", headers=ADMIN)
    for tail, template in (("users", "/users"), ("sessions", "/sessions"),
                           ("identify-attempts?limit=5", "/identify-attempts"),
                           ("identify-attempts?limit=0", "/identify-attempts"),
                           ("messages", "/messages")):
        check("GET", one + template, f"/api/help-centers/acme/{tail}", headers=ADMIN)
    check("DELETE", one + "/users/{sub}", "/api/help-centers/acme/users/a/b", headers=ADMIN)
    check("DELETE", secret, "/api/help-centers/acme/jwt-secret", headers=ADMIN)
    check("DELETE", secret, "/api/help-centers/acme/jwt-secret", headers=ADMIN)
    check("DELETE", one, "/api/help-centers/acme", headers=ADMIN)
    check("DELETE", one, "/api/help-centers/acme", headers=ADMIN)


def test_answers_with_users_sessions_and_messages_match_the_document(
        api: TestClient, check: Checker, help_center: HelpCenter) -> None:
    assert help_center.identify(sub="u/1", customAttributes={"plan": "pro"}).status_code == 200
    session = api.post(f"/widget/{help_center.widget_id}/sessions", json={}).json()["session"]
    api.post(f"/widget/{help_center.widget_id}/messages",
             json={"session_id": session["id"], "email": "a@b.co", "name": "A", "body": "Hi"})
    base = f"/api/help-centers/{help_center.id}"
    one = "/api/help-centers/{id}"
    for tail in ("users", "sessions", "identify-attempts", "messages"):
        assert check("GET", f"{one}/{tail}", f"{base}/{tail}", headers=ADMIN).json()
    check("DELETE", one + "/users/{sub}", f"{base}/users/u/1", headers=ADMIN)


def test_answers_of_the_emulator_controls_match_the_document(
        api: TestClient, check: Checker, help_center: HelpCenter) -> None:
    emu = "/api/emulator"
    faults = emu + "/help-centers/{id}/faults"
    url = f"{emu}/help-centers/{help_center.id}/faults"
    check("GET", emu + "/clock", headers=ADMIN)
    check("PUT", emu + "/clock", json={"offset_seconds": 60}, headers=ADMIN)
    check("PUT", emu + "/clock", json={"frozen_at": "2026-11-24T10:00:00Z"}, headers=ADMIN)
    check("PUT", emu + "/clock", json={"offset_seconds": "soon"}, headers=ADMIN)
    check("PUT", emu + "/clock", json={}, headers=ADMIN)
    check("POST", faults, url, json={"times": 2, "code": "unavailable"}, headers=ADMIN)
    check("POST", faults, url, json={"times": 1, "status": 502, "delay_ms": 1}, headers=ADMIN)
    check("POST", faults, url, json={"times": 0}, headers=ADMIN)
    check("POST", faults, f"{emu}/help-centers/nope/faults", json={"times": 1}, headers=ADMIN)
    check("GET", faults, url, headers=ADMIN)
    identify = "/widget/{widget_id}/identify"
    for _ in range(4):  # two `unavailable`, one 502 `injected_fault`, then identified
        check("POST", identify, f"/widget/{help_center.widget_id}/identify",
              json={"jwt": help_center.token()}, headers={"Origin": APP_ORIGIN})
    check("POST", faults, url, json={"times": 5, "delay_ms": 1}, headers=ADMIN)
    state = check("GET", emu + "/state", headers=ADMIN).json()
    assert state["help_centers"][0]["faults"] and state["help_centers"][0]["users"]
    check("PUT", emu + "/state", json=state, headers=ADMIN)
    check("DELETE", faults, url, headers=ADMIN)
    check("PUT", emu + "/state", content=b"", headers={**ADMIN, "Content-Type": "text/plain"})
    check("PUT", emu + "/clock", headers=ADMIN)
    check("PUT", emu + "/state", json={"help_centers": 3}, headers=ADMIN)
    check("POST", emu + "/help-centers/{id}/reset",
          f"{emu}/help-centers/{help_center.id}/reset", headers=ADMIN)
    check("POST", emu + "/reset", headers=ADMIN)
    check("GET", emu + "/clock")
