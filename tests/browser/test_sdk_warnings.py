"""Warnings on a successful identify (contract section 8) are printed with console.warn, and the
identify still resolves with the same user.

The server does not send warnings on this branch yet, so the one test here adds a `warnings`
list to the real server's answer with Playwright's `page.route`. TODO(lead, after merging
warn13): drop the interception and identify with a real token without `exp` (the server then
answers `no_expiry` itself).
"""

from __future__ import annotations

import json

from tests.browser.conftest import HELP_HOST, WIDGET, page_with_script_tag, token

WARNINGS = [
    {"code": "no_expiry", "reason": "the token has no exp claim: it is valid forever"},
    {"code": "unmatchable_attribute",
     "reason": "customAttributes.plan is null: user-group rules cannot match it"},
]


def _add_warnings(route) -> None:
    """The real server's answer to identify, with WARNINGS added. Fetched by Playwright itself,
    which does not use Chromium's host-resolver rules: hence 127.0.0.1 (the Origin header, which
    the domain rule reads, is the page's as the browser sent it)."""
    answer = route.fetch(url=route.request.url.replace(HELP_HOST, "127.0.0.1"))
    body = answer.json()
    route.fulfill(response=answer, body=json.dumps({**body, "warnings": WARNINGS}))


def test_each_identify_warning_is_printed_with_console_warn_and_identify_resolves(
        page, pages, verifier) -> None:
    page.route("**/widget/*/identify", _add_warnings)
    jwt = token(sub="warn-1", email="warn@example.com", name="Warned")
    head, body = page_with_script_tag(verifier, f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(jwt)} }})
          .then(user => {{ window.identified = user; }});""")
    pages.add("warnings.html", body, head)
    page.goto(pages.url("warnings.html"))
    page.wait_for_function("window.identified !== undefined")

    printed = [text for text in page.console.of("warning") if "identify warning" in text]
    assert printed == [
        "Ferndesk: identify warning (no_expiry) - the token has no exp claim: it is valid forever",
        "Ferndesk: identify warning (unmatchable_attribute) - customAttributes.plan is null: "
        "user-group rules cannot match it",
    ]
    assert page.evaluate("window.identified") == {
        "sub": "warn-1", "email": "warn@example.com", "name": "Warned",
        "custom_attributes": None}
    assert page.console.of("error") == []


def test_a_successful_identify_without_warnings_prints_no_warning(page, pages,
                                                                  verifier) -> None:
    jwt = token(sub="warn-2", email="nowarn@example.com")
    head, body = page_with_script_tag(verifier, f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(jwt)} }})
          .then(user => {{ window.identified = user; }});""")
    pages.add("no-warnings.html", body, head)
    page.goto(pages.url("no-warnings.html"))
    page.wait_for_function("window.identified !== undefined")
    assert page.console.of("warning") == []
