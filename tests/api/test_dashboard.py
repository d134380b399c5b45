"""The admin dashboard through Starlette's TestClient: sign-in, CSRF, every form, the secret
shown once, the token debugger that never shows the secret, the live log's fragment, and the
markup rules (labels, headings, nothing external, contrast)."""

from __future__ import annotations

import html
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jwt
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.conftest import ADMIN, ADMIN_TOKEN, APP_ORIGIN, HelpCenter
from verifier import dashboard_auth
from verifier.clock import parse_isoformat
from verifier.errors import Conflict, NoSecret, NotFound, SecretExists
from verifier.inspection import inspect_token, render
from verifier.plot import COLOURS, OTHER_COLOUR, build_plot
from verifier.routes import dashboard

STATIC = Path(dashboard.__file__).resolve().parents[1] / "static"
WRONG_TOKEN = "That is not this server's admin token"


@pytest.fixture
def ui(client: TestClient) -> TestClient:
    """The app with the dashboard's routes (added here if ``app.py`` does not serve them yet)."""
    routes = client.app.router.routes  # type: ignore[attr-defined]
    if not any(isinstance(r, Route) and r.path == "/ui/sign-in" for r in routes):
        routes[2:2] = dashboard.routes()
    return client


def sign_in(client: TestClient, token: str = ADMIN_TOKEN) -> Any:
    return client.post("/ui/sign-in", data={"admin_token": token, "next": "/"},
                       follow_redirects=False)


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture
def admin(ui: TestClient) -> TestClient:
    """A signed-in browser."""
    assert sign_in(ui).status_code == 303
    return ui


@pytest.fixture
def csrf(admin: TestClient) -> str:
    return csrf_of(admin.get("/").text)


def text_of(answer: Any) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.text)))


def api(client: TestClient, method: str, tail: str) -> Any:
    return client.request(method, f"/api/help-centers{tail}", headers=ADMIN)


def make_help_center(admin: TestClient, csrf: str, **fields: str) -> Any:
    return admin.post("/ui/help-centers", data={"csrf": csrf, **fields}, follow_redirects=False)


@pytest.fixture
def acme(admin: TestClient, csrf: str) -> str:
    answer = make_help_center(admin, csrf, name="Acme", domain="help.example.com", id="acme")
    assert answer.status_code == 303, answer.text
    return "acme"


def generate(admin: TestClient, csrf: str, hc: str = "acme") -> Any:
    return admin.post(f"/ui/help-centers/{hc}/jwt-secret", data={"csrf": csrf})


def shown_secret(answer: Any) -> str:
    found = re.search(r'id="jwt-secret-value" type="text" readonly value="([^"]+)"', answer.text)
    assert found, "no secret shown"
    return html.unescape(found.group(1))


# -- signing in ------------------------------------------------------------------------------


def test_the_dashboard_asks_to_sign_in_first(ui: TestClient) -> None:
    home = ui.get("/")
    assert home.status_code == 200
    assert 'name="admin_token"' in home.text and 'type="password"' in home.text
    assert "Create a help center" not in home.text
    for path in ("/ui/help-centers", "/ui/help-centers/acme", "/ui/help-centers/acme?outcome=ok"):
        answer = ui.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/ui/sign-in?next=")
    assert ui.get("/ui/help-centers/acme/log").status_code == 401


def test_a_wrong_token_is_refused_without_saying_more(ui: TestClient) -> None:
    for token in ("nope", "", ADMIN_TOKEN + "x", ADMIN_TOKEN[:-1]):
        answer = sign_in(ui, token)
        assert answer.status_code == 401
        assert WRONG_TOKEN in text_of(answer)
        assert "set-cookie" not in answer.headers
        assert ADMIN_TOKEN not in answer.text
    assert 'name="admin_token"' in ui.get("/").text


def test_signing_in_sets_a_strict_http_only_cookie_and_goes_back(ui: TestClient) -> None:
    answer = ui.post("/ui/sign-in", data={"admin_token": ADMIN_TOKEN,
                                          "next": "/ui/help-centers"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/help-centers"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{dashboard_auth.COOKIE}=v1.")
    for attribute in ("HttpOnly", "Max-Age=43200", "Path=/", "SameSite=strict"):
        assert attribute.lower() in cookie.lower(), attribute
    assert ADMIN_TOKEN not in cookie
    assert "Create a help center" in ui.get("/").text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil",
                                    "/api/help-centers", "/ui/sign-out", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_the_dashboard(ui: TestClient, target: str) -> None:
    answer = ui.post("/ui/sign-in", data={"admin_token": ADMIN_TOKEN, "next": target},
                     follow_redirects=False)
    assert answer.headers["location"] == "/ui/"


def test_a_cookie_is_bound_to_the_admin_token_and_expires() -> None:
    now = time.time()
    value = dashboard_auth.new_cookie_value("token-a", now)
    session = dashboard_auth.read_cookie_value("token-a", value, now)
    assert session is not None and session.csrf
    assert dashboard_auth.read_cookie_value("token-b", value, now) is None  # new token: out
    assert dashboard_auth.read_cookie_value("token-a", value, now + 12 * 3600) is None
    assert dashboard_auth.read_cookie_value("token-a", value, now + 12 * 3600 - 1) is not None
    version, issued, nonce, signature = value.split(".")
    forged = [f"{version}.{int(issued) + 3600}.{nonce}.{signature}",  # a later issue time
              f"{version}.{issued}.{nonce}.{signature[:-2]}AA", "v1.1.2.3", "", "x" * 500,
              f"{version}.{issued}.{nonce}"]
    for bad in forged:
        assert dashboard_auth.read_cookie_value("token-a", bad, now) is None, bad
    other = dashboard_auth.read_cookie_value(
        "token-a", dashboard_auth.new_cookie_value("token-a", now), now)
    assert other is not None and other.csrf != session.csrf  # one CSRF token per sign-in


def test_a_cookie_signed_for_another_admin_token_is_not_signed_in(ui: TestClient) -> None:
    ui.cookies.set(dashboard_auth.COOKIE, dashboard_auth.new_cookie_value("another-token"))
    assert 'name="admin_token"' in ui.get("/").text


def test_signing_out_clears_the_cookie(admin: TestClient, csrf: str) -> None:
    refused = admin.post("/ui/sign-out", data={"csrf": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert "Create a help center" in admin.get("/").text  # still signed in
    answer = admin.post("/ui/sign-out", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/?done=signed-out"
    assert 'Max-Age=0' in answer.headers["set-cookie"] or "expires" in answer.headers[
        "set-cookie"].lower()
    admin.cookies.clear()  # what the browser does with the expired cookie
    page = admin.get("/ui/?done=signed-out")
    assert 'name="admin_token"' in page.text and "You are signed out." in page.text
    assert admin.get("/ui/help-centers/acme/log").status_code == 401


# -- CSRF ------------------------------------------------------------------------------------


def test_posts_without_a_valid_csrf_token_change_nothing(admin: TestClient, csrf: str,
                                                         acme: str) -> None:
    other_browser = TestClient(admin.app)
    assert sign_in(other_browser).status_code == 303
    someone_elses = csrf_of(other_browser.get("/").text)
    assert someone_elses != csrf
    posts = [("/ui/help-centers", {"name": "Evil", "domain": "evil.example.com"}),
             ("/ui/help-centers/acme/jwt-secret", {}),
             ("/ui/help-centers/acme/delete", {"confirm": "yes"}),
             ("/ui/help-centers/acme/users/reprovision", {"sub": "u-1"}),
             ("/ui/help-centers/acme/debugger", {"token": "x.y.z"})]
    for path, fields in posts:
        for token in (None, "", "forged", someone_elses, csrf + "x"):
            data = dict(fields) if token is None else {**fields, "csrf": token}
            answer = admin.post(path, data=data, follow_redirects=False)
            assert answer.status_code == 403, (path, token)
            assert answer.headers["content-type"].startswith("text/html")
            assert "This form could not be verified" in answer.text
            assert "Nothing was changed" in answer.text
    assert [hc["id"] for hc in api(admin, "GET", "").json()] == ["acme"]
    assert api(admin, "GET", "/acme").json()["has_jwt_secret"] is False


def test_posts_without_the_cookie_are_refused_even_with_a_csrf_token(
        admin: TestClient, csrf: str) -> None:
    admin.cookies.clear()
    answer = admin.post("/ui/help-centers", data={"csrf": csrf, "name": "X",
                                                  "domain": "x.example.com"})
    assert answer.status_code == 403 and "You are not signed in" in answer.text
    assert api(admin, "GET", "").json() == []


def test_a_post_that_is_not_a_form_gets_a_readable_page(admin: TestClient, csrf: str) -> None:
    answer = admin.post("/ui/help-centers", json={"csrf": csrf, "name": "X", "domain": "x.com"})
    assert answer.status_code == 415
    assert answer.headers["content-type"].startswith("text/html")
    assert "This is not a form post" in answer.text
    huge = admin.post("/ui/help-centers", data={"csrf": csrf, "name": "x" * 70_000})
    assert huge.status_code == 413 and huge.headers["content-type"].startswith("text/html")


# -- help centers ----------------------------------------------------------------------------


def test_create_and_list_a_help_center(admin: TestClient, csrf: str) -> None:
    assert "No help centers yet" in admin.get("/").text
    answer = make_help_center(admin, csrf, name="Acme Inc", domain="Help.Example.com.",
                              id="", widget_id="acme-widget")
    assert answer.status_code == 303
    created = api(admin, "GET", "").json()[0]
    assert created["domain"] == "help.example.com" and created["widget_id"] == "acme-widget"
    assert answer.headers["location"] == f"/ui/help-centers/{created['id']}?done=created"
    page = admin.get(answer.headers["location"])
    assert "Help center created." in page.text and "acme-widget" in page.text
    listed = admin.get("/")
    assert "Acme Inc" in listed.text and f'href="/ui/help-centers/{created["id"]}"' in listed.text


@pytest.mark.parametrize(("fields", "status", "expected"), [
    ({"name": "A", "domain": "com"}, 422, "domain: com is a public suffix"),
    ({"name": "A", "domain": "https://help.example.com/"}, 422, "includes a scheme"),
    ({"name": "A", "domain": "github.io"}, 422, "public suffix"),
    ({"name": " ", "domain": "help.example.com"}, 422, "give the help center a name"),
    ({"name": "A", "domain": "help.example.com", "id": "no spaces"}, 422, "id must be"),
])
def test_an_invalid_help_center_is_explained_in_the_form(
        admin: TestClient, csrf: str, fields: dict[str, str], status: int,
        expected: str) -> None:
    answer = make_help_center(admin, csrf, **fields)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in answer.text
    assert "invalid request" in text_of(answer) and expected in text_of(answer)
    assert f'value="{html.escape(fields["domain"])}"' in answer.text  # what was typed stays
    assert api(admin, "GET", "").json() == []


def test_a_taken_id_shows_the_conflict_message(admin: TestClient, csrf: str, acme: str) -> None:
    answer = make_help_center(admin, csrf, name="Again", domain="help.example.org", id="acme")
    assert answer.status_code == 409
    assert Conflict.message in text_of(answer) and "'acme' is already used" in text_of(answer)


def test_delete_a_help_center_needs_the_confirmation(admin: TestClient, csrf: str,
                                                     acme: str) -> None:
    unconfirmed = admin.post("/ui/help-centers/acme/delete", data={"csrf": csrf})
    assert unconfirmed.status_code == 422 and "tick the box to confirm" in unconfirmed.text
    assert api(admin, "GET", "/acme").status_code == 200
    answer = admin.post("/ui/help-centers/acme/delete", data={"csrf": csrf, "confirm": "yes"},
                        follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303,
                                                                "/ui/?done=help-center-deleted")
    assert api(admin, "GET", "/acme").status_code == 404
    assert "Help center deleted" in admin.get("/ui/?done=help-center-deleted").text
    again = admin.post("/ui/help-centers/acme/delete", data={"csrf": csrf, "confirm": "yes"})
    assert again.status_code == 404 and NotFound.message in again.text
    missing = admin.get("/ui/help-centers/acme")
    assert missing.status_code == 404 and "no help center with id 'acme'" in text_of(missing)


# -- the JWT secret --------------------------------------------------------------------------


def test_a_generated_secret_is_shown_once(admin: TestClient, csrf: str, acme: str) -> None:
    answer = generate(admin, csrf)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    secret = shown_secret(answer)
    assert len(secret) >= 43
    assert "it is shown only this once" in answer.text
    assert 'data-copy="jwt-secret-value"' in answer.text
    info = api(admin, "GET", "/acme/jwt-secret").json()
    assert info["fingerprint"] in answer.text
    # The secret signs tokens identify accepts.
    token = jwt.encode({"sub": "u-1", "email": "ada@acme.com", "exp": int(time.time()) + 60},
                       secret, algorithm="HS256")
    widget = api(admin, "GET", "/acme").json()["widget_id"]
    assert admin.post(f"/widget/{widget}/identify", json={"jwt": token},
                      headers={"Origin": APP_ORIGIN}).status_code == 200
    # Never again: not on the page, nor the list, nor the log fragment.
    for path in ("/ui/help-centers/acme", "/", "/ui/help-centers/acme/log"):
        later = admin.get(path)
        assert secret not in later.text, path
    page = admin.get("/ui/help-centers/acme")
    assert "jwt-secret-value" not in page.text and info["fingerprint"] in page.text


def test_generating_while_a_secret_exists_shows_the_contract_message(
        admin: TestClient, csrf: str, acme: str) -> None:
    secret = shown_secret(generate(admin, csrf))
    answer = generate(admin, csrf)
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("text/html")
    assert SecretExists.message in text_of(answer)
    assert SecretExists.message == ("a JWT secret already exists for this help center; delete "
                                    "it before generating a new one")
    assert 'role="alert"' in answer.text
    assert secret not in answer.text and "jwt-secret-value" not in answer.text


def test_delete_the_secret(admin: TestClient, csrf: str, acme: str) -> None:
    generate(admin, csrf)
    page = admin.get("/ui/help-centers/acme")
    assert "every existing token signed with this secret stops working" in text_of(page)
    unconfirmed = admin.post("/ui/help-centers/acme/jwt-secret/delete", data={"csrf": csrf})
    assert unconfirmed.status_code == 422
    assert api(admin, "GET", "/acme/jwt-secret").status_code == 200
    answer = admin.post("/ui/help-centers/acme/jwt-secret/delete",
                        data={"csrf": csrf, "confirm": "yes"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == (
        "/ui/help-centers/acme?done=secret-deleted#access-control")
    assert api(admin, "GET", "/acme/jwt-secret").status_code == 404
    page = admin.get(answer.headers["location"])
    assert "JWT secret deleted" in page.text and "No secret" in page.text
    again = admin.post("/ui/help-centers/acme/jwt-secret/delete",
                       data={"csrf": csrf, "confirm": "yes"})
    assert again.status_code == 404 and NoSecret.message in text_of(again)
    # and a new one can be generated
    assert generate(admin, csrf).status_code == 200


# -- users, analytics, the identify log ------------------------------------------------------


@pytest.fixture
def seeded(admin: TestClient) -> HelpCenter:
    """A help center with one user, one session per identify, and failures in the journal."""
    hc = HelpCenter(admin, id="shop")
    assert hc.identify(sub="u-1", email="ada@acme.com",
                       customAttributes={"plan": "pro"}).status_code == 200
    assert hc.identify(origin="https://otherdomain.com").status_code == 403
    assert hc.identify(exp=int(time.time()) - 600).status_code == 401
    assert hc.identify(sub="u-2", email="ada@acme.com").status_code == 409
    return hc


def test_users_are_listed_and_re_provisioned(admin: TestClient, csrf: str,
                                             seeded: HelpCenter) -> None:
    page = admin.get("/ui/help-centers/shop")
    text = text_of(page)
    assert "u-1" in text and "ada@acme.com" in text and '{"plan": "pro"}' in text
    assert 'aria-label="Re-provision user u-1"' in page.text
    answer = admin.post("/ui/help-centers/shop/users/reprovision",
                        data={"csrf": csrf, "sub": "u-1"}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/help-centers/shop?done=user-reprovisioned#users"
    assert seeded.admin_get("users") == []
    assert "User re-provisioned" in admin.get(answer.headers["location"]).text
    # the email can now be bound to another subject
    assert seeded.identify(sub="u-2", email="ada@acme.com").status_code == 200
    unknown = admin.post("/ui/help-centers/shop/users/reprovision",
                         data={"csrf": csrf, "sub": "nobody"})
    assert unknown.status_code == 404
    assert NotFound.message in text_of(unknown) and "no user with sub 'nobody'" in text_of(
        unknown)


def test_a_sub_with_odd_characters_is_re_provisioned(admin: TestClient, csrf: str) -> None:
    hc = HelpCenter(admin, id="odd")
    sub = 'a/b?c#d&e="<x>'
    assert hc.identify(sub=sub).status_code == 200
    answer = admin.post("/ui/help-centers/odd/users/reprovision",
                        data={"csrf": csrf, "sub": sub}, follow_redirects=False)
    assert answer.status_code == 303
    assert hc.admin_get("users") == []


def test_analytics_shows_sessions_and_the_plot(admin: TestClient, seeded: HelpCenter) -> None:
    admin.post(f"/widget/{seeded.widget_id}/sessions", json={},
               headers={"Origin": APP_ORIGIN, "User-Agent": "Mozilla/5.0 Dashboard-Test"})
    page = admin.get("/ui/help-centers/shop")
    text = text_of(page)
    assert "Identified" in text and "Anonymous" in text
    assert "Mozilla/5.0 Dashboard-Test" in text and APP_ORIGIN in text
    svg = re.search(r"<svg role=\"img\" aria-label=\"([^\"]+)\"", page.text)
    assert svg, "no plot"
    summary = html.unescape(svg.group(1))
    for part in ("1 ok", "1 domain_mismatch", "1 invalid_jwt", "1 subject_mismatch"):
        assert part in summary
    assert page.text.count("<rect x=") == 4
    assert "<title>" in page.text


def test_the_plot_buckets_outcomes_over_time() -> None:
    assert build_plot([]) is None
    base = parse_isoformat("2026-11-25T09:00:00Z")

    def at(offset: float, code: str) -> dict[str, Any]:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(base + offset))
        return {"at": stamp, "code": code}

    attempts = [at(0, "ok"), at(5, "ok"), at(30, "invalid_jwt"), at(3600, "domain_mismatch"),
                at(7200, "ok"), at(7201, "weird_code")]
    plot = build_plot(attempts)
    assert plot is not None
    assert plot.span_text == "5 minutes"  # 2 h over at most 30 buckets
    assert [code for code, _, _ in plot.legend] == ["ok", "invalid_jwt", "domain_mismatch",
                                                     "weird_code"]
    assert dict((code, count) for code, _, count in plot.legend) == {
        "ok": 3, "invalid_jwt": 1, "domain_mismatch": 1, "weird_code": 1}
    assert plot.legend[0][1] == "#1a7f37"
    assert "3 ok, 1 invalid_jwt, 1 domain_mismatch, 1 weird_code" in plot.summary
    heights = sum(bar.height for bar in plot.bars if bar.x == plot.bars[0].x)
    assert heights == pytest.approx(plot.inner_height)  # the first bucket is the tallest (3)
    assert all(plot.top <= bar.y and bar.y + bar.height <= plot.baseline + 0.01
               for bar in plot.bars)
    assert [value for _, value in plot.y_ticks] == [0, 1, 3]


def test_the_identify_log_explains_each_failure_and_filters(admin: TestClient,
                                                            seeded: HelpCenter) -> None:
    page = admin.get("/ui/help-centers/shop")
    text = text_of(page)
    assert "origin https://otherdomain.com" in text and "token expired at" in text
    assert 'data-live-url="/ui/help-centers/shop/log"' in page.text

    def rows(outcome: str) -> list[str]:
        answer = admin.get(f"/ui/help-centers/shop/log?outcome={outcome}")
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
        assert "<html" not in answer.text  # a fragment
        return re.findall(r'data-code="([a-z_]+)"', answer.text)

    assert rows("") == ["subject_mismatch", "invalid_jwt", "domain_mismatch", "ok"]  # newest 1st
    assert rows("failures") == ["subject_mismatch", "invalid_jwt", "domain_mismatch"]
    assert rows("ok") == ["ok"]
    assert rows("invalid_jwt") == ["invalid_jwt"]
    assert rows("unavailable") == []
    assert rows("<script>") == rows("")  # nonsense is ignored, never reflected
    filtered = admin.get("/ui/help-centers/shop?outcome=invalid_jwt")
    assert '<option value="invalid_jwt" selected>' in filtered.text
    assert 'data-live-url="/ui/help-centers/shop/log?outcome=invalid_jwt"' in filtered.text
    assert admin.get("/ui/help-centers/nope/log").status_code == 404


def test_messages_are_listed(admin: TestClient, seeded: HelpCenter) -> None:
    session = admin.post(f"/widget/{seeded.widget_id}/sessions", json={}).json()["session"]
    admin.post(f"/widget/{seeded.widget_id}/messages",
               json={"session_id": session["id"], "email": "bob@acme.com", "name": "Bob",
                     "body": "Where is <my> order?"})
    text = text_of(admin.get("/ui/help-centers/shop"))
    assert "Where is <my> order?" in text and "bob@acme.com" in text


# -- the token debugger ----------------------------------------------------------------------


def debug(admin: TestClient, csrf: str, token: str, hc: str = "dbg") -> Any:
    answer = admin.post(f"/ui/help-centers/{hc}/debugger", data={"csrf": csrf, "token": token})
    assert answer.headers["content-type"].startswith("text/html")
    return answer


def test_the_debugger_explains_like_inspect(admin: TestClient, csrf: str) -> None:
    hc = HelpCenter(admin, id="dbg")
    assert hc.secret is not None
    frozen = "2026-11-25T10:00:00Z"
    admin.put("/api/emulator/clock", json={"frozen_at": frozen}, headers=ADMIN)
    now = parse_isoformat(frozen)
    good = jwt.encode({"sub": "u-1", "email": "ada@acme.com", "exp": int(now) + 600},
                      hc.secret, algorithm="HS256")
    bad = jwt.encode({"sub": 42, "email": "nope", "exp": int(now) - 600}, hc.secret,
                     algorithm="HS256")
    answer = debug(admin, csrf, good)
    assert answer.status_code == 200 and "No problem found" in answer.text
    assert "verified with the given secret" in text_of(answer)
    answer = debug(admin, csrf, bad + "\r\n")
    assert "Problems found" in answer.text
    pre = re.search(r'<pre class="inspect-text">(.*?)</pre>', answer.text, re.S)
    assert pre and html.unescape(pre.group(1)) == render(inspect_token(bad, hc.secret, now))
    for expected in ("sub must be a string, got the number 42", "token expired at"):
        assert expected in text_of(answer)
    assert hc.secret not in answer.text
    wrong_key = jwt.encode({"sub": "u-1", "email": "a@b.co"}, hc.secret + "\n",
                           algorithm="HS256")
    assert "newline" in text_of(debug(admin, csrf, wrong_key))
    empty = debug(admin, csrf, "  ")
    assert empty.status_code == 422 and "Paste a token first" in empty.text


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_the_debugger_never_shows_the_secret(admin: TestClient, csrf: str) -> None:
    hc = HelpCenter(admin, id="dbg")
    secret = hc.secret
    assert secret is not None
    attempts = [
        jwt.encode({"sub": secret, "email": "a@b.co", "note": secret}, secret, algorithm="HS256"),
        jwt.encode({"sub": "u-1", "email": secret}, "another-secret-of-32-characters-at-least",
                   algorithm="HS256"),
        jwt.encode({"sub": "u-1", "email": "a@b.co"}, secret, algorithm="HS256",
                   headers={"kid": secret}),
        jwt.encode({"sub": "u-1", "email": "a@b.co"}, secret, algorithm="HS512"),
        secret,  # pasted the secret itself
        f" {secret} ",
        f"{secret}.{secret}.{secret}",
        "not a token",
    ]
    for token in attempts:
        answer = debug(admin, csrf, token)
        assert answer.status_code == 200
        assert secret not in answer.text, token
        assert secret not in html.unescape(answer.text), token
        assert json.dumps(secret)[1:-1] not in answer.text
    pasted = debug(admin, csrf, secret)
    assert "That is this help center's secret, not a token" in text_of(pasted)


def test_the_debugger_without_a_secret_skips_the_signature(admin: TestClient,
                                                           csrf: str) -> None:
    HelpCenter(admin, id="dbg", with_secret=False)
    token = jwt.encode({"sub": "u-1", "email": "a@b.co"}, "x" * 32, algorithm="HS256")
    answer = debug(admin, csrf, token)
    assert "has no JWT secret, so the signature was not checked" in text_of(answer)


def test_debugger_view_redacts_whatever_inspection_returns() -> None:
    secret = "s3cret-value-of-the-help-center-0123456789"
    view = dashboard.debugger_view(
        jwt.encode({"sub": "u", "email": "a@b.co", "x": f"{secret}\"q"}, secret,
                   algorithm="HS256"), secret, time.time())
    assert secret not in json.dumps(view)


# -- pages as a whole ------------------------------------------------------------------------


class Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str | None]] = []
        self.urls: list[str] = []
        self.scripts: list[str | None] = []
        self.header_cells: list[dict[str, str | None]] = []
        self.forms: list[dict[str, str | None]] = []
        self.hidden_csrf = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if found.get("id"):
            self.ids.append(found["id"] or "")
        if tag == "label" and found.get("for"):
            self.label_for.add(found["for"] or "")
        if tag in {"input", "select", "textarea"} and found.get("type") != "hidden":
            self.controls.append(found)
        if tag == "input" and found.get("name") == "csrf":
            self.hidden_csrf += 1
        if tag == "script":
            self.scripts.append(found.get("src"))
        if tag == "th":
            self.header_cells.append(found)
        if tag == "form":
            self.forms.append(found)
        self.urls += [value or "" for name, value in attrs if name in {"src", "href", "action"}]


def check_page(answer: Any) -> Markup:
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-store"
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert '<html lang="en">' in answer.text
    markup = Markup()
    markup.feed(answer.text)
    assert markup.headings[0] == 1 and markup.headings.count(1) == 1
    for before, after in zip(markup.headings, markup.headings[1:], strict=False):
        assert after <= before + 1, "a heading level is skipped"
    assert len(markup.ids) == len(set(markup.ids)), "duplicate ids"
    for control in markup.controls:
        has_label = control.get("id") in markup.label_for or control.get("aria-label")
        assert has_label, f"a form control without a label: {control}"
    external = [url for url in markup.urls if re.match(r"\s*(https?:)?//", url, re.I)]
    assert not external
    assert markup.scripts in ([], ["/static/dashboard.js"])
    assert "style=" not in answer.text  # the CSP allows no inline style
    assert all(cell.get("scope") in {"col", "row"} for cell in markup.header_cells)
    for form in markup.forms:
        assert form.get("method") in {"get", "post"}
    return markup


def test_every_page_is_self_contained_and_accessible(admin: TestClient, csrf: str,
                                                     seeded: HelpCenter) -> None:
    admin.post(f"/widget/{seeded.widget_id}/messages", json={"body": "hi"})
    check_page(TestClient(admin.app).get("/"))  # the sign-in page
    check_page(admin.get("/"))
    page = check_page(admin.get("/ui/help-centers/shop"))
    posts = [form for form in page.forms if form.get("method") == "post"]
    assert page.hidden_csrf == len(posts) >= 5
    check_page(generate(admin, csrf, "shop"))
    check_page(debug(admin, csrf, seeded.token(), "shop"))
    check_page(admin.get("/ui/help-centers/nope"))
    check_page(admin.post("/ui/help-centers", data={"csrf": "forged"}))
    for asset in ("/static/dashboard.css", "/static/dashboard.js"):
        answer = admin.get(asset)
        assert answer.status_code == 200
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//|https?://", answer.text)
    assert len((STATIC / "dashboard.js").read_text()) < 6000  # JavaScript kept small


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa() -> None:
    css = (STATIC / "dashboard.css").read_text()
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    white = "#ffffff"
    pairs = [("fg", "bg"), ("fg", "panel"), ("muted", "bg"), ("muted", "panel"),
             ("link", "bg"), ("link", "panel"), ("ok-fg", "ok-bg"), ("bad-fg", "bad-bg"),
             ("warn-fg", "warn-bg"), ("fg", "ok-bg"), ("fg", "bad-bg")]
    for fg, bg in pairs:
        assert contrast(var[fg], var[bg]) >= 4.5, (fg, bg)
    for bg in ("primary", "primary-hover", "danger", "danger-hover", "fg"):
        assert contrast(white, var[bg]) >= 4.5, bg
    assert contrast("#d0d7de", var["fg"]) >= 4.5  # the header's note
    for colour in [*COLOURS.values(), OTHER_COLOUR]:
        assert contrast(colour, white) >= 3, colour  # plot marks against the plot's background
    assert contrast("#57606a", white) >= 4.5  # the plot's axis labels


def test_the_dashboard_routes_are_not_part_of_the_api() -> None:
    for route in dashboard.routes():
        assert isinstance(route, Route)
        assert route.include_in_schema is False
        assert route.path.startswith("/ui/")


def test_a_help_center_host_still_gets_its_home_page(ui: TestClient) -> None:
    HelpCenter(ui, domain="help.example.com")
    answer = ui.get("/", headers={"Host": "help.example.com"})
    assert "Acme help center" in answer.text and "admin_token" not in answer.text


def test_a_form_field_with_a_nul_is_refused_and_changes_nothing(admin: TestClient,
                                                                 csrf: str) -> None:
    answer = make_help_center(admin, csrf, name="Ac\x00me", domain="help.example.com")
    assert answer.status_code == 400
    assert "The form could not be read" in answer.text
    assert "NUL character" in text_of(answer)
    assert api(admin, "GET", "").json() == []


# -- the secret row says what to do next -----------------------------------------------------


def _secret_row(page: Any) -> str:
    found = re.search(r'<details class="row" id="jwt-identification"[^>]*>.*?</details>',
                      page.text, re.S)
    assert found, "no JWT identification row"
    return found.group(0)


def test_after_creating_a_help_center_the_generate_secret_row_is_open(
        admin: TestClient, csrf: str) -> None:
    answer = make_help_center(admin, csrf, name="Acme", domain="help.example.com", id="acme")
    page = admin.get(answer.headers["location"])
    assert "generate its JWT secret under Access Control" in page.text
    row = _secret_row(page)
    assert row.startswith('<details class="row" id="jwt-identification" open>')
    assert ">Generate Secret</button>" in row


def test_with_a_secret_generate_is_not_offered_and_the_page_says_why(
        admin: TestClient, csrf: str, acme: str) -> None:
    generate(admin, csrf)
    row = _secret_row(admin.get("/ui/help-centers/acme"))
    assert "Generate Secret" not in row and "/jwt-secret#access-control" not in row
    assert "A secret exists: delete it to rotate" in text_of_html(row)
    assert ">Delete secret</button>" in row


def test_the_page_that_shows_a_new_secret_does_not_offer_another(
        admin: TestClient, csrf: str, acme: str) -> None:
    row = _secret_row(generate(admin, csrf))
    assert 'id="jwt-secret-value"' in row and "Generate Secret" not in row


def text_of_html(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# -- one stable address for the dashboard, whatever the Host ---------------------------------


LOCAL_HOST = {"Host": "localhost:8765"}


@pytest.fixture
def local_demo(client: TestClient) -> TestClient:
    """The demo help center of ``serve --demo``: its domain is ``localhost``."""
    made = client.post("/api/help-centers", headers=ADMIN,
                       json={"name": "Demo help center", "domain": "localhost", "id": "demo"})
    assert made.status_code == 201
    return client


def test_ui_is_the_dashboard_even_on_a_help_centers_host(ui: TestClient,
                                                          local_demo: TestClient) -> None:
    signed_out = ui.get("/ui/", headers=LOCAL_HOST)
    assert signed_out.status_code == 200 and "Admin token" in signed_out.text
    assert ui.post("/ui/sign-in", data={"admin_token": ADMIN_TOKEN, "next": "/ui/"},
                   headers=LOCAL_HOST, follow_redirects=False).headers["location"] == "/ui/"
    listed = ui.get("/ui/", headers=LOCAL_HOST)
    assert listed.status_code == 200 and 'href="/ui/help-centers/demo"' in listed.text


def test_the_dashboard_links_and_redirects_lead_to_ui(admin: TestClient, csrf: str,
                                                      acme: str) -> None:
    page = admin.get("/ui/help-centers/acme")
    assert 'href="/"' not in page.text and 'href="/ui/"' in page.text
    deleted = admin.post("/ui/help-centers/acme/delete", data={"csrf": csrf, "confirm": "yes"},
                         follow_redirects=False)
    assert deleted.headers["location"] == "/ui/?done=help-center-deleted"
    assert "Help center deleted" in admin.get(deleted.headers["location"]).text
    out = admin.post("/ui/sign-out", data={"csrf": csrf}, follow_redirects=False)
    assert out.headers["location"] == "/ui/?done=signed-out"
    assert "You are signed out" in admin.get(out.headers["location"]).text


def test_the_help_center_home_page_title_does_not_say_help_center_twice(
        local_demo: TestClient) -> None:
    home = local_demo.get("/", headers=LOCAL_HOST)
    assert "<title>Demo help center</title>" in home.text
    assert "help center help center" not in home.text


# -- users made through the Users API (no sub yet), disabled users ---------------------------


def api_key_of(admin: TestClient, hc: str) -> str:
    made = api(admin, "POST", f"/{hc}/api-keys")
    assert made.status_code == 201, made.text
    key: str = made.json()["key"]
    return key


def provision(admin: TestClient, key: str, **body: Any) -> dict[str, Any]:
    made = admin.post("/v1/users", json=body, headers={"Authorization": f"Bearer {key}"})
    assert made.status_code == 201, made.text
    user: dict[str, Any] = made.json()
    return user


def user_row(page: Any, email: str) -> str:
    """The row of the Users table that shows ``email``."""
    users = re.search(r'<section id="users".*?</section>', page.text, re.S)
    assert users, "no Users section"
    rows = [row for row in re.findall(r"<tr>.*?</tr>", users.group(0), re.S) if email in row]
    assert len(rows) == 1, f"no single row for {email}"
    return rows[0]


def test_a_user_without_a_sub_is_shown_not_yet_identified_with_no_re_provision_button(
        admin: TestClient, seeded: HelpCenter) -> None:
    provision(admin, api_key_of(admin, "shop"), email="grace@acme.com", name="Grace")
    page = admin.get("/ui/help-centers/shop")
    row = user_row(page, "grace@acme.com")
    assert "None" not in text_of_html(row)
    assert "not yet identified" in text_of_html(row)
    assert "reprovision" not in row and 'name="sub"' not in row
    # the identified user keeps its button
    assert 'aria-label="Re-provision user u-1"' in user_row(page, "ada@acme.com")
    check_page(page)


def test_re_provisioning_a_sub_literally_none_leaves_a_subjectless_user_alone(
        admin: TestClient, csrf: str) -> None:
    hc = HelpCenter(admin, id="nones")
    key = api_key_of(admin, "nones")
    provision(admin, key, email="grace@acme.com")
    assert hc.identify(sub="None", email="none@acme.com").status_code == 200
    page = admin.get("/ui/help-centers/nones")
    assert 'aria-label="Re-provision user None"' in user_row(page, "none@acme.com")
    assert "Re-provision" not in user_row(page, "grace@acme.com")
    answer = admin.post("/ui/help-centers/nones/users/reprovision",
                        data={"csrf": csrf, "sub": "None"}, follow_redirects=False)
    assert answer.status_code == 303
    assert [u["sub"] for u in hc.admin_get("users")] == [None]


def test_a_disabled_user_is_shown_disabled(admin: TestClient, seeded: HelpCenter) -> None:
    provision(admin, api_key_of(admin, "shop"), email="linus@acme.com", disabled=True)
    page = admin.get("/ui/help-centers/shop")
    assert "disabled" in text_of_html(user_row(page, "linus@acme.com"))
    assert "disabled" not in text_of_html(user_row(page, "ada@acme.com"))
    listed = {u["email"]: u for u in seeded.admin_get("users")}
    assert listed["linus@acme.com"]["disabled"] is True
    assert listed["ada@acme.com"]["disabled"] is False


# -- Users API keys --------------------------------------------------------------------------


def create_key(admin: TestClient, csrf: str, hc: str = "acme") -> Any:
    return admin.post(f"/ui/help-centers/{hc}/api-keys", data={"csrf": csrf},
                      follow_redirects=False)


def shown_key(answer: Any) -> str:
    found = re.search(r'id="api-key-value" type="text" readonly value="([^"]+)"', answer.text)
    assert found, "no API key shown"
    return html.unescape(found.group(1))


def keys_section(answer: Any) -> str:
    found = re.search(r'<section id="api-keys".*?</section>', answer.text, re.S)
    assert found, "no API keys section"
    return found.group(0)


def v1_status(admin: TestClient, key: str) -> int:
    return admin.get("/v1/users", headers={"Authorization": f"Bearer {key}"}).status_code


def test_an_api_key_is_created_and_shown_once_with_a_copy_button(
        admin: TestClient, csrf: str, acme: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    answer = create_key(admin, csrf)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert "location" not in answer.headers
    key = shown_key(answer)
    assert key.startswith("fdsk_")
    section = keys_section(answer)
    assert "shown only this once" in text_of_html(section)
    assert 'data-copy="api-key-value"' in section
    check_page(answer)
    assert v1_status(admin, key) == 200
    [listed] = api(admin, "GET", "/acme/api-keys").json()
    assert listed["fingerprint"] in section and listed["id"] in section
    # Never again: not on the page, the list, the log fragment; never in a URL or a log line.
    for path in ("/ui/help-centers/acme", "/", "/ui/help-centers/acme/log"):
        assert key not in admin.get(path).text, path
    assert key not in " ".join(record.getMessage() for record in caplog.records)
    assert all(key not in str(request.url) for request in [answer.request])


def test_api_keys_are_listed_with_id_fingerprint_and_created(admin: TestClient, csrf: str,
                                                            acme: str) -> None:
    empty = keys_section(admin.get("/ui/help-centers/acme"))
    assert "No API keys yet" in text_of_html(empty)
    create_key(admin, csrf)
    create_key(admin, csrf)
    section = keys_section(admin.get("/ui/help-centers/acme"))
    listed = api(admin, "GET", "/acme/api-keys").json()
    assert len(listed) == 2
    for key in listed:
        assert key["id"] in section and key["fingerprint"] in section
        assert f'datetime="{key["created_at"]}"' in section
    assert 'href="#api-keys"' in admin.get("/ui/help-centers/acme").text


def test_deleting_an_api_key_needs_the_confirmation_then_the_key_is_refused(
        admin: TestClient, csrf: str, acme: str) -> None:
    key = shown_key(create_key(admin, csrf))
    [listed] = api(admin, "GET", "/acme/api-keys").json()
    page = admin.get("/ui/help-centers/acme")
    assert "calls sending this key are refused" in text_of_html(keys_section(page))
    url = "/ui/help-centers/acme/api-keys/delete"
    unconfirmed = admin.post(url, data={"csrf": csrf, "key_id": listed["id"]})
    assert unconfirmed.status_code == 422
    assert "tick the box to confirm" in text_of_html(keys_section(unconfirmed))
    assert v1_status(admin, key) == 200
    answer = admin.post(url, data={"csrf": csrf, "key_id": listed["id"], "confirm": "yes"},
                        follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/help-centers/acme?done=api-key-deleted#api-keys"
    assert v1_status(admin, key) == 401
    assert api(admin, "GET", "/acme/api-keys").json() == []
    assert "API key deleted" in text_of_html(keys_section(admin.get(answer.headers["location"])))
    again = admin.post(url, data={"csrf": csrf, "key_id": listed["id"], "confirm": "yes"})
    assert again.status_code == 404
    assert NotFound.message in text_of_html(keys_section(again))


def test_deleting_by_a_pasted_key_never_shows_it_back(admin: TestClient, csrf: str,
                                                    acme: str) -> None:
    key = shown_key(create_key(admin, csrf))
    answer = admin.post("/ui/help-centers/acme/api-keys/delete",
                        data={"csrf": csrf, "key_id": key, "confirm": "yes"})
    assert answer.status_code == 404
    assert key not in answer.text and key[5:] not in answer.text
    assert v1_status(admin, key) == 200


def test_api_key_forms_without_a_valid_csrf_token_change_nothing(admin: TestClient, csrf: str,
                                                                 acme: str) -> None:
    create_key(admin, csrf)
    [listed] = api(admin, "GET", "/acme/api-keys").json()
    for path, fields in (("/ui/help-centers/acme/api-keys", {}),
                         ("/ui/help-centers/acme/api-keys/delete",
                          {"key_id": listed["id"], "confirm": "yes"})):
        for token in (None, "forged", csrf + "x"):
            data = dict(fields) if token is None else {**fields, "csrf": token}
            answer = admin.post(path, data=data, follow_redirects=False)
            assert answer.status_code == 403, (path, token)
            assert "fdsk_" not in answer.text
    assert api(admin, "GET", "/acme/api-keys").json() == [listed]


def test_an_api_key_form_for_a_missing_help_center_is_a_404_page(admin: TestClient,
                                                                 csrf: str) -> None:
    answer = create_key(admin, csrf, "nope")
    assert answer.status_code == 404 and "fdsk_" not in answer.text
    assert NotFound.message in text_of(answer)
