"""The stub under a strict, nonce-based Content-Security-Policy (contract section 8): the loader
snippet hands its nonce to the SDK's script tag, and the stub hands it on to what it injects."""

from __future__ import annotations

import json
import time

from playwright.sync_api import expect

from tests.browser.conftest import WIDGET, sdk_src, snippet_with_nonce, token

NONCE = "R4nd0m"
# Scripts and styles by nonce only; nothing said about frames or fetches, which the widget
# needs and such a policy leaves open.
CSP = f"script-src 'nonce-{NONCE}'; style-src 'nonce-{NONCE}'"


def _wait_until(page, expression: str, timeout: float = 10) -> None:
    """Polls ``expression`` with page.evaluate (which the page's CSP does not govern), not with
    wait_for_function: that evaluates a string inside the page, which this CSP refuses (and
    reports as a violation of its own)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"{expression} still false after {timeout} s"
        page.wait_for_timeout(50)


def _csp_page(pages, verifier, name: str, script: str) -> None:
    head = (f"<script nonce='{NONCE}'>"
            "window.violations = [];"
            "document.addEventListener('securitypolicyviolation', e => window.violations.push("
            "e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' from ' + "
            "e.sourceFile + ':' + e.lineNumber));"
            f"window.FERNDESK_SDK_SRC = {json.dumps(sdk_src(verifier))};</script>"
            + snippet_with_nonce(NONCE))
    pages.add(name, f"<h1>App</h1><script nonce='{NONCE}'>{script}</script>", head,
              headers={"Content-Security-Policy": CSP})


def test_the_stub_loads_styles_and_identifies_under_a_nonce_only_csp(page, pages,
                                                                      verifier) -> None:
    jwt = token(sub="csp-1", email="csp@example.com", name="Nonce Keeper")
    _csp_page(pages, verifier, "csp.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        document.addEventListener('DOMContentLoaded', () => {{
          const sdk = document.getElementById('ferndesk-sdk');
          sdk.addEventListener('load', () => {{
            Ferndesk('identify', {{ jwt: {json.dumps(jwt)} }})
              .then(user => {{ window.identified = user; }});
            Ferndesk('open');
            Ferndesk('toggle');
            Ferndesk('toggle').then(() => {{ window.toggled = true; }});
          }});
        }});""")
    page.goto(pages.url("csp.html"))
    _wait_until(page, "window.toggled === true")

    assert page.evaluate("window.identified.sub") == "csp-1"
    frame = page.locator("#ferndesk-widget-frame")
    expect(frame).to_be_visible()
    # The stub's own stylesheet applies in the host page...
    expect(page.locator("#ferndesk-widget")).to_have_css("position", "fixed")
    expect(page.locator("#ferndesk-launcher")).to_have_css("border-radius", "50%")
    # ...and widget.css in the frame.
    inside = page.frame_locator("#ferndesk-widget-frame")
    expect(inside.locator("input[name=email]")).to_have_value("csp@example.com")
    expect(inside.locator("button[type=submit]")).to_have_css("background-color",
                                                             "rgb(31, 85, 201)")
    assert page.evaluate("document.getElementById('ferndesk-sdk').nonce") == NONCE
    assert page.evaluate("window.violations") == []
    assert page.console.of("error") == []


def test_what_the_stub_injects_carries_the_nonce_and_no_inline_style(page, pages,
                                                                     verifier) -> None:
    _csp_page(pages, verifier, "csp-inject.html",
              f"Ferndesk('init', {{ widgetId: '{WIDGET}', open: true }});")
    page.goto(pages.url("csp-inject.html"))
    expect(page.locator("#ferndesk-widget-frame")).to_be_visible()
    injected = page.evaluate("""() => Array.from(
        document.querySelectorAll('style, link[rel=stylesheet], script'))
        .map(el => ({ tag: el.tagName, id: el.id, nonce: el.nonce }))""")
    assert {"tag": "STYLE", "id": "ferndesk-widget-style", "nonce": NONCE} in injected
    assert [el for el in injected if el["nonce"] != NONCE] == []
    assert page.evaluate("document.querySelectorAll('[style]').length") == 0
    assert page.evaluate("window.violations") == []
