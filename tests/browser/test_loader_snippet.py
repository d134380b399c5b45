"""The vendor's current loader snippet (sdk_stub/loader-snippet.html, contract section 8), as an
integrator pastes it: script#ferndesk-sdk added on DOMContentLoaded (at once when the document
has already loaded), `window.FERNDESK_SDK_SRC` over the vendor's address, nothing done twice."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.browser.conftest import SNIPPET, WIDGET, sdk_src

VENDOR_SRC = "https://static.ferndesk.com/dist/sdk.js"


def _src_line(verifier) -> str:
    return f"<script>window.FERNDESK_SDK_SRC = {json.dumps(sdk_src(verifier))};</script>"


def test_the_sdk_script_is_added_on_domcontentloaded_with_its_id(page, pages, verifier) -> None:
    pages.add("dcl.html", f"""<h1>App</h1>
        <script>window.duringParse = document.getElementById('ferndesk-sdk') !== null;
          document.addEventListener('DOMContentLoaded', () => {{
            window.atDomContentLoaded = document.getElementById('ferndesk-sdk') !== null; }});
          Ferndesk('init', {{ widgetId: '{WIDGET}', open: true }});</script>""",
              _src_line(verifier) + SNIPPET)
    page.goto(pages.url("dcl.html"))
    expect(page.locator("#ferndesk-widget-frame")).to_be_visible()
    assert page.evaluate("window.duringParse") is False
    assert page.evaluate("window.atDomContentLoaded") is True
    assert page.evaluate("document.getElementById('ferndesk-sdk').src") == sdk_src(verifier)


def test_the_snippet_pasted_twice_loads_the_sdk_once_and_runs_each_call_once(page, pages,
                                                                            verifier) -> None:
    sessions: list[str] = []
    page.on("request", lambda request: sessions.append(request.url)
            if request.url.endswith("/sessions") else None)
    pages.add("twice.html", f"""<h1>App</h1>
        <script>Ferndesk('init', {{ widgetId: '{WIDGET}' }}); Ferndesk('toggle');</script>""",
              _src_line(verifier) + SNIPPET + SNIPPET)
    page.goto(pages.url("twice.html"))
    expect(page.locator("#ferndesk-widget-frame")).to_be_visible()
    page.wait_for_function("typeof Ferndesk.version === 'string'")
    page.evaluate("Ferndesk('close')")  # settles after the queued calls
    assert page.evaluate("document.querySelectorAll('script#ferndesk-sdk').length") == 1
    assert page.evaluate("document.querySelectorAll('#ferndesk-widget').length") == 1
    assert len(sessions) == 1  # one init, not two


def test_a_snippet_run_after_the_page_loaded_loads_the_sdk_at_once(page, pages,
                                                                  verifier) -> None:
    pages.add("late.html", "<h1>A single-page app that adds the snippet later</h1>",
              _src_line(verifier))
    page.goto(pages.url("late.html"))
    page.wait_for_load_state("load")
    page.evaluate("""([snippet, widgetId]) => {
        const holder = document.createElement('template');
        holder.innerHTML = snippet;
        const script = document.createElement('script');
        script.textContent = holder.content.querySelector('script').textContent;
        document.head.appendChild(script);
        Ferndesk('init', { widgetId, open: true });
    }""", [SNIPPET, WIDGET])
    expect(page.locator("#ferndesk-widget-frame")).to_be_visible()


def test_without_ferndesk_sdk_src_the_snippet_loads_the_vendors_sdk(page, pages) -> None:
    requested: list[str] = []

    def refuse(route) -> None:  # never reach the vendor from a test
        requested.append(route.request.url)
        route.abort()

    page.route("https://static.ferndesk.com/**", refuse)
    pages.add("vendor.html", "<h1>App</h1>", SNIPPET)
    page.goto(pages.url("vendor.html"))
    page.wait_for_load_state("load")
    assert page.evaluate("document.getElementById('ferndesk-sdk').src") == VENDOR_SRC
    assert requested == [VENDOR_SRC]
