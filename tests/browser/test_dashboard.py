"""The admin dashboard in real Chromium, against a real ``ferndesk-verifier serve``.

What a newcomer does: sign in, create a help center, generate its secret and read it once,
delete it, watch a failed identify appear in the live log with its reason, re-provision a user.
The main pages are saved as screenshots in ``$TEST_ARTIFACTS`` (default ``test-artifacts/``);
the README shows two of them, copied into docs/screenshots/.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import jwt
import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN, ADMIN_TOKEN, fresh_database_url
from tests.process.conftest import Server

LAPTOP = {"width": 1366, "height": 800}
APP = "http://app.example.test"
LIVE = 10_000  # ms: the log polls every 2 s


@pytest.fixture(scope="module")
def server(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A verifier of our own, empty: what a newcomer starts."""
    folder = tmp_path_factory.mktemp("dashboard")
    started = Server(fresh_database_url(folder))
    yield started
    started.stop()


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot as a test artifact (``$TEST_ARTIFACTS``, default
    ``test-artifacts/``, git-ignored). The README's copies in docs/screenshots/ are refreshed
    by hand from these, so a test run never dirties the work tree."""
    folder = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def sign_in(page: Any, server: Server) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(server.base + "/")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_label("Admin token")).to_be_focused()
    page.get_by_label("Admin token").fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That is not this server's admin token")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Help centers", level=1)).to_be_visible()


def create_help_center(page: Any, name: str, domain: str) -> None:
    page.goto(page.url.split("/ui/")[0].rstrip("/") + "/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Domain").fill(domain)
    page.get_by_role("button", name="Create help center").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Help center created.")).to_be_visible()


def admin_api(server: Server, method: str, tail: str, **kwargs: Any) -> Any:
    return httpx2.request(method, f"{server.base}/api/help-centers{tail}", headers=ADMIN,
                          **kwargs)


def identify(server: Server, widget_id: str, secret: str, origin: str = APP,
             **claims: Any) -> Any:
    payload = {"sub": "u-1", "email": "ada@example.test", "name": "Ada",
               "exp": int(time.time()) + 600, **claims}
    return httpx2.post(f"{server.base}/widget/{widget_id}/identify",
                       json={"jwt": jwt.encode(payload, secret, algorithm="HS256")},
                       headers={"Origin": origin, "User-Agent": "integration-test/1.0"})


def test_secret_is_generated_read_once_and_deleted(page: Any, server: Server) -> None:
    sign_in(page, server)
    admin_api(server, "POST", "", json={"name": "Globex", "domain": "help.globex.test"})
    create_help_center(page, "Acme", "help.example.test")
    hc = next(h for h in admin_api(server, "GET", "").json() if h["name"] == "Acme")
    page.goto(server.base + "/")
    expect(page.get_by_role("link", name="Acme")).to_be_visible()
    screenshot(page, "dashboard-help-centers.png")

    page.get_by_role("link", name="Acme").click()
    row = page.locator("#jwt-identification")
    expect(row).to_have_attribute("open", "")  # no secret yet: the row is open to generate one
    page.get_by_role("button", name="Generate Secret").click()
    secret_box = page.get_by_role("textbox", name="JWT secret", exact=True)
    expect(secret_box).to_be_visible()
    secret = secret_box.input_value()
    assert len(secret) >= 43
    expect(page.get_by_text("Copy it now: it is shown only this once.")).to_be_visible()
    copy = page.get_by_role("button", name="Copy secret")
    expect(copy).to_be_visible()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    copy.click()
    expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    screenshot(page, "dashboard-secret-once.png")
    assert identify(server, hc["widget_id"], secret).status_code == 200

    page.reload()  # the page replaced its URL with the GET one: this does not post again
    expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()
    assert secret not in page.content()
    expect(page.get_by_role("textbox", name="JWT secret", exact=True)).to_have_count(0)
    fingerprint = admin_api(server, "GET", f"/{hc['id']}/jwt-secret").json()["fingerprint"]
    expect(row.locator("summary")).to_contain_text(fingerprint)

    row.locator("summary").click()
    delete = page.get_by_role("button", name="Delete secret")
    delete.click()  # not confirmed: the browser keeps the form
    expect(page.get_by_role("textbox", name="JWT secret", exact=True)).to_have_count(0)
    assert admin_api(server, "GET", f"/{hc['id']}/jwt-secret").status_code == 200
    page.get_by_label("I understand that every existing token signed with this secret "
                      "stops working").check()
    delete.click()
    expect(page.get_by_role("status").filter(has_text="JWT secret deleted")).to_be_visible()
    expect(row.locator("summary")).to_contain_text("No secret")
    assert admin_api(server, "GET", f"/{hc['id']}/jwt-secret").status_code == 404
    assert identify(server, hc["widget_id"], secret).status_code == 401


def test_after_creating_generate_is_in_view_and_with_a_secret_it_is_not_offered(
        page: Any, server: Server) -> None:
    sign_in(page, server)
    create_help_center(page, "Twice", "help.twice.test")
    expect(page.get_by_text("Help center created.")).to_be_visible()
    generate = page.get_by_role("button", name="Generate Secret")
    expect(generate).to_be_visible()  # the notice says to use it: no row to open first
    generate.click()
    expect(page.get_by_role("textbox", name="JWT secret", exact=True)).to_be_visible()
    expect(generate).to_have_count(0)
    page.reload()
    page.locator("#jwt-identification summary").click()
    expect(page.get_by_text("A secret exists: delete it to rotate.")).to_be_visible()
    expect(generate).to_have_count(0)


def test_a_failed_identify_appears_live_with_its_reason_and_a_user_is_reprovisioned(
        page: Any, server: Server) -> None:
    made = admin_api(server, "POST", "", json={"name": "Live", "domain": "help.example.test",
                                               "id": "live"}).json()
    secret = admin_api(server, "POST", "/live/jwt-secret").json()["secret"]
    widget = made["widget_id"]
    assert identify(server, widget, secret, sub="u-1", email="ada@example.test").status_code == 200
    sign_in(page, server)
    page.goto(server.base + "/ui/help-centers/live")
    log = page.locator("#log-entries")
    expect(log.locator("tr[data-code]")).to_have_count(1)
    expect(page.locator("#live-status")).to_contain_text("Live")

    expired = identify(server, widget, secret, exp=int(time.time()) - 600)
    assert expired.status_code == 401
    failed = log.locator("tr[data-code=invalid_jwt]")
    expect(failed).to_have_count(1, timeout=LIVE)  # no reload: the log polls
    expect(failed).to_contain_text("token expired at")
    expect(failed).to_contain_text(APP)
    expect(page.locator("#live-status")).to_have_text("Live: 1 new identify attempt.")

    assert identify(server, widget, secret, origin="http://otherdomain.test").status_code == 403
    mismatch = log.locator("tr[data-code=domain_mismatch]")
    expect(mismatch).to_have_count(1, timeout=LIVE)
    expect(mismatch).to_contain_text("origin http://otherdomain.test")
    assert identify(server, widget, secret, sub="u-2").status_code == 409  # same email

    page.get_by_label("Outcome", exact=True).select_option("failures")
    page.get_by_role("button", name="Filter").click()
    expect(log.locator("tr[data-code]")).to_have_count(3)
    expect(log.locator("tr[data-code=ok]")).to_have_count(0)
    assert identify(server, widget, secret, sub="u-3", email="c@example.test").status_code == 200
    expect(log.locator("tr[data-code=ok]")).to_have_count(0)  # still filtered, live
    expect(page.locator("#log-entries .log-count")).to_contain_text("3 of 5", timeout=LIVE)

    page.goto(server.base + "/ui/help-centers/live")
    plot = page.get_by_role("img", name="Identify outcomes")
    expect(plot).to_be_visible()
    assert "2 ok" in (plot.get_attribute("aria-label") or "")
    screenshot(page, "dashboard-help-center.png")

    page.get_by_role("button", name="Re-provision user u-1").click()
    expect(page.get_by_role("status").filter(has_text="User re-provisioned")).to_be_visible()
    expect(page.get_by_role("button", name="Re-provision user u-1")).to_have_count(0)
    assert [u["sub"] for u in admin_api(server, "GET", "/live/users").json()] == ["u-3"]
    assert identify(server, widget, secret, sub="u-2").status_code == 200  # email free again


def test_the_token_debugger_checks_against_the_secret_without_showing_it(
        page: Any, server: Server) -> None:
    admin_api(server, "POST", "", json={"name": "Debug", "domain": "help.debug.test",
                                        "id": "debug"})
    secret = admin_api(server, "POST", "/debug/jwt-secret").json()["secret"]
    token = jwt.encode({"sub": 42, "email": "ada@example.test"}, secret, algorithm="HS256")
    sign_in(page, server)
    page.goto(server.base + "/ui/help-centers/debug")
    page.get_by_label("JWT", exact=True).fill(token)
    page.get_by_role("button", name="Check token").click()
    result = page.locator("#debugger-result")
    expect(result).to_contain_text("Problems found")
    expect(result).to_contain_text("sub must be a string, got the number 42")
    expect(result).to_contain_text("verified with the given secret")
    assert secret not in page.content()


def test_delete_a_help_center_and_sign_out(page: Any, server: Server) -> None:
    sign_in(page, server)
    create_help_center(page, "Doomed", "help.doomed.test")
    page.get_by_label("I understand: delete Doomed and everything it owns").check()
    page.get_by_role("button", name="Delete help center").click()
    expect(page.get_by_role("status").filter(has_text="Help center deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Doomed")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.goto(server.base + "/ui/help-centers")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def test_keyboard_focus_order(page: Any, server: Server) -> None:
    sign_in(page, server)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused
    page.get_by_label("Name").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Domain")).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # a visible focus ring


def test_the_pages_work_without_javascript(browser: Any, server: Server) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=LAPTOP)
    try:
        page = context.new_page()
        page.goto(server.base + "/")
        page.get_by_label("Admin token").fill(ADMIN_TOKEN)
        page.get_by_role("button", name="Sign in").click()
        create_help_center(page, "NoScript", "help.noscript.test")
        page.get_by_role("button", name="Generate Secret").click()
        secret = page.get_by_role("textbox", name="JWT secret", exact=True).input_value()
        assert len(secret) >= 43
        expect(page.get_by_role("button", name="Copy secret")).to_be_hidden()  # needs JS
        page.get_by_label("Outcome", exact=True).select_option("failures")
        page.get_by_role("button", name="Filter").click()
        assert "outcome=failures" in page.url
        assert secret not in page.content()
        expect(page.locator("#live-status")).to_have_text("Reload the page to see new attempts.")
    finally:
        context.close()


def test_an_api_key_is_created_copied_once_and_deleted(page: Any, server: Server) -> None:
    sign_in(page, server)
    create_help_center(page, "Keys", "help.keys.test")
    hc = next(h for h in admin_api(server, "GET", "").json() if h["name"] == "Keys")
    page.get_by_role("button", name="Create API key").click()
    key_box = page.get_by_role("textbox", name="API key", exact=True)
    expect(key_box).to_be_visible()
    key = key_box.input_value()
    assert key.startswith("fdsk_")
    assert key not in page.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    page.get_by_role("button", name="Copy API key").click()
    expect(page.locator("#api-key-copy-status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == key
    v1 = f"{server.base}/v1/users"
    bearer = {"Authorization": f"Bearer {key}"}
    assert httpx2.get(v1, headers=bearer).status_code == 200

    page.reload()  # the GET page: the key is not shown again, its id is listed
    [listed] = admin_api(server, "GET", f"/{hc['id']}/api-keys").json()
    expect(page.get_by_role("textbox", name="API key", exact=True)).to_have_count(0)
    assert key not in page.content()
    keys = page.locator("#api-keys")
    expect(keys).to_contain_text(listed["fingerprint"])
    delete = page.get_by_role("button", name=f"Delete API key {listed['id']}")
    delete.click()  # not confirmed: the browser keeps the form
    assert httpx2.get(v1, headers=bearer).status_code == 200
    keys.get_by_label("I understand: calls sending this key are refused").check()
    delete.click()
    expect(page.get_by_role("status").filter(has_text="API key deleted")).to_be_visible()
    expect(keys).not_to_contain_text(listed["id"])
    assert httpx2.get(v1, headers=bearer).status_code == 401
