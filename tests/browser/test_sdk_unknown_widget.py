"""An unknown widgetId in init prints the contract's message, not a network error: every
widget answer, errors included, is readable from the integrator's page (verifier/cors.py)."""

from __future__ import annotations

from tests.browser.conftest import page_with_script_tag

UNKNOWN_WIDGET = "Ferndesk: unknown widget"


def test_init_with_an_unknown_widget_id_prints_unknown_widget(page, pages, verifier) -> None:
    head, body = page_with_script_tag(verifier, """
        Ferndesk('init', { widgetId: 'no-such-widget' }).catch(e => {
          window.caught = { message: e.message, code: e.code };
        });""")
    pages.add("unknown-widget.html", body, head)
    page.goto(pages.url("unknown-widget.html"))
    page.console.wait_for("error", lambda text: text == UNKNOWN_WIDGET)
    page.wait_for_function("window.caught !== undefined")
    assert page.evaluate("window.caught") == {"message": UNKNOWN_WIDGET,
                                              "code": "unknown_widget"}
    assert not any("could not reach" in text for text in page.console.of("error"))
