"""A user disabled through the Users API is signed out in real Chromium (contract section 7):
the widget's frame and the help center's page show the visitor signed out, and the next
identify prints the product-style message for ``user_disabled``."""

from __future__ import annotations

import json

import httpx2
from playwright.sync_api import expect

from tests.browser.conftest import HELP_HOST, WIDGET, page_with_snippet, token
from tests.conftest import ADMIN

DISABLED = "Ferndesk: identify failed - user is disabled"


def _disable(verifier, email: str) -> None:
    key = httpx2.post(f"{verifier.base}/api/help-centers/acme/api-keys", headers=ADMIN).json()
    auth = {"Authorization": f"Bearer {key['key']}"}
    user = httpx2.get(f"{verifier.base}/v1/users", headers=auth,
                      params={"email": email}).json()["items"][0]
    answer = httpx2.patch(f"{verifier.base}/v1/users/{user['id']}", headers=auth,
                          json={"disabled": True})
    assert answer.status_code == 200, answer.text


def test_a_disabled_user_is_signed_out_in_the_widget_and_the_help_center_page(
        page, pages, verifier) -> None:
    jwt = token(sub="disabled-1", email="disabled@example.com", name="Soon Disabled")
    head, body = page_with_snippet(verifier, f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(jwt)} }});
        Ferndesk('open');""")
    pages.add("disabled.html", body, head)
    page.goto(pages.url("disabled.html"))
    frame = page.frame_locator("#ferndesk-widget-frame")
    expect(frame.locator("input[name=email]")).to_have_value("disabled@example.com")

    _disable(verifier, "disabled@example.com")

    # The open widget, reloaded, shows the visitor signed out.
    page.evaluate("const f = document.getElementById('ferndesk-widget-frame'); f.src = f.src;")
    expect(frame.locator("[data-identified]")).to_have_attribute("data-identified", "false")
    expect(frame.locator("input[name=email]")).to_have_value("")
    # The help center's own page, which knows the visitor by the frame's cookie: signed out.
    page.goto(f"http://{HELP_HOST}:{verifier.port}/")
    expect(page.locator("#fd-signed-in")).to_have_text("Not signed in")
    # The next visit identifies again: refused, with the message printed.
    page.goto(pages.url("disabled.html"))
    expect(frame.locator("[data-identified]")).to_have_attribute("data-identified", "false")
    page.wait_for_function("window.Ferndesk && window.Ferndesk.version !== undefined")
    for _ in range(50):
        if DISABLED in page.console.of("error"):
            break
        page.wait_for_timeout(100)
    assert DISABLED in page.console.of("error")
