"""Warnings on a successful identify (contract section 8) are printed with console.warn, and the
identify still resolves with the same user. The server's own warnings, for a real token."""

from __future__ import annotations

import json

from tests.browser.conftest import WIDGET, page_with_script_tag, token


def test_each_identify_warning_is_printed_with_console_warn_and_identify_resolves(
        page, pages, verifier) -> None:
    # No exp, and an attribute user-group rules cannot match: two warnings from the server.
    jwt = token(sub="warn-1", email="warn@example.com", name="Warned", exp=...,
                customAttributes={"plan": "pro", "meta": None})
    head, body = page_with_script_tag(verifier, f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(jwt)} }})
          .then(user => {{ window.identified = user; }});""")
    pages.add("warnings.html", body, head)
    page.goto(pages.url("warnings.html"))
    page.wait_for_function("window.identified !== undefined")

    printed = [text for text in page.console.of("warning") if "identify warning" in text]
    assert [line.split(" - ")[0] for line in printed] == [
        "Ferndesk: identify warning (no_expiry)",
        "Ferndesk: identify warning (unmatchable_attribute)",
    ]
    assert "meta" in printed[1]  # the reason names the attribute
    assert page.evaluate("window.identified") == {
        "sub": "warn-1", "email": "warn@example.com", "name": "Warned",
        "custom_attributes": {"plan": "pro"}}
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
