"""`Ferndesk('toggle')` (contract section 8): opens a closed widget, closes an open one."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import WIDGET, page_with_script_tag, page_with_snippet


def test_toggle_closes_an_open_widget_and_opens_a_closed_one(page, pages, verifier) -> None:
    head, body = page_with_script_tag(verifier, f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('open').then(() => {{ window.opened = true; }});""")
    pages.add("toggle.html", body, head)
    page.goto(pages.url("toggle.html"))
    panel = page.locator("#ferndesk-widget-frame")
    launcher = page.locator("#ferndesk-launcher")
    page.wait_for_function("window.opened === true")
    expect(panel).to_be_visible()

    page.evaluate("Ferndesk('toggle')")
    expect(panel).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.evaluate("Ferndesk('toggle')")
    expect(panel).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    assert page.console.of("warning") == []


def test_toggle_queued_before_the_sdk_loads_opens_the_widget(page, pages, verifier) -> None:
    head, body = page_with_snippet(verifier, f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('toggle');
        window.queued = Ferndesk.q.length;""")
    pages.add("toggle-queued.html", body, head)
    page.goto(pages.url("toggle-queued.html"))
    assert page.evaluate("window.queued") == 2  # both queued by the snippet, not yet run
    expect(page.locator("#ferndesk-widget-frame")).to_be_visible()
    assert page.console.of("warning") == []


def test_each_toggle_decides_when_it_runs_after_the_commands_before_it(page, pages,
                                                                        verifier) -> None:
    head, body = page_with_script_tag(verifier, f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('open');
        Ferndesk('toggle');
        Ferndesk('toggle');
        Ferndesk('toggle').then(() => {{ window.done = true; }});""")
    pages.add("toggle-thrice.html", body, head)
    page.goto(pages.url("toggle-thrice.html"))
    page.wait_for_function("window.done === true")
    expect(page.locator("#ferndesk-widget-frame")).to_be_hidden()  # open, closed, open, closed
    assert page.console.of("warning") == []


def test_toggle_before_init_says_to_call_init_first(page, pages, verifier) -> None:
    head, body = page_with_script_tag(verifier, "Ferndesk('toggle');")
    pages.add("toggle-early.html", body, head)
    page.goto(pages.url("toggle-early.html"))
    page.console.wait_for("warning", lambda text: "toggle was called before init" in text)
