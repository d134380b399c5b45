"""The stub SDK in real Chromium, on real-looking domains, against a real verifier."""

from __future__ import annotations

import json

import httpx2
from playwright.sync_api import expect

from tests.browser.conftest import (
    HELP_HOST,
    WIDGET,
    page_with_script_tag,
    page_with_snippet,
    sdk_src,
    token,
)
from tests.conftest import ADMIN

DOMAIN_MISMATCH = ("Ferndesk: identify failed - must be called from same domain or 1-level "
                   "subdomain")


def _frame(page):
    return page.frame_locator("#ferndesk-widget-frame")


def _open_page(page, pages, verifier, name: str, script: str,
               host: str = "app.example.test", snippet: bool = True) -> None:
    head, body = (page_with_snippet if snippet else page_with_script_tag)(verifier, script)
    pages.add(name, body, head)
    page.goto(pages.url(name, host))


def _admin(verifier, tail: str):
    return httpx2.get(f"{verifier.base}/api/help-centers/acme/{tail}", headers=ADMIN).json()


def test_identify_prefills_the_contact_form(page, pages, verifier) -> None:
    jwt = token(sub="prefill-1", email="prefill@example.com", name="Pre Fill")
    _open_page(page, pages, verifier, "prefill.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(jwt)} }});
        Ferndesk('open');""")
    expect(page.locator("#ferndesk-widget-frame")).to_be_visible()
    expect(_frame(page).locator("input[name=email]")).to_have_value("prefill@example.com")
    expect(_frame(page).locator("input[name=name]")).to_have_value("Pre Fill")
    assert page.console.of("error") == []


def test_queued_snippet_calls_run_in_order_after_the_script_loads(page, pages,
                                                                  verifier) -> None:
    jwt = token(sub="queue-1", email="queue@example.com", name="Queue")
    _open_page(page, pages, verifier, "queue.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(jwt)} }});
        Ferndesk('open');
        window.queueLength = Ferndesk.q.length;""")
    assert page.evaluate("window.queueLength") == 3  # all three were queued, not yet run
    expect(page.locator("#ferndesk-widget-frame")).to_be_visible()
    expect(_frame(page).locator("input[name=email]")).to_have_value("queue@example.com")
    assert page.evaluate("typeof Ferndesk.q === 'undefined' || Ferndesk.q.length === 0")


def test_a_disallowed_domain_prints_the_exact_message(page, pages, verifier) -> None:
    _open_page(page, pages, verifier, "other.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(token())} }}).catch(e => {{
          window.caught = {{ message: e.message, code: e.code }};
        }});""", host="otherdomain.test", snippet=False)
    page.console.wait_for("error", lambda text: text == DOMAIN_MISMATCH)
    page.wait_for_function("window.caught !== undefined")
    assert page.evaluate("window.caught") == {"message": DOMAIN_MISMATCH,
                                              "code": "domain_mismatch"}
    page.console.wait_for("warning", lambda text: "otherdomain.test" in text)


def test_a_missing_jwt_prints_its_message_and_sends_nothing(page, pages, verifier) -> None:
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    _open_page(page, pages, verifier, "nojwt.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{}}).catch(() => {{ window.done = true; }});""", snippet=False)
    page.wait_for_function("window.done === true")
    page.console.wait_for("error", lambda text: text == "Ferndesk: identify requires a jwt")
    assert not [url for url in sent if url.endswith("/identify")]


def test_token_instead_of_jwt_is_named(page, pages, verifier) -> None:
    _open_page(page, pages, verifier, "token.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ token: {json.dumps(token())} }});""")
    page.console.wait_for("error", lambda text: text == "Ferndesk: identify requires a jwt")
    page.console.wait_for("warning", lambda text: "{ jwt }" in text and "token" in text)


def test_a_userid_token_is_named(page, pages, verifier) -> None:
    legacy = token(sub=..., userId="legacy-1")
    _open_page(page, pages, verifier, "userid.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(legacy)} }});""")
    page.console.wait_for("error",
                          lambda text: text == "Ferndesk: identify failed - invalid jwt")
    page.console.wait_for("warning", lambda text: "userId" in text)


def test_init_again_logs_out(page, pages, verifier) -> None:
    jwt = token(sub="logout-1", email="logout@example.com")
    _open_page(page, pages, verifier, "logout.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(jwt)} }});
        Ferndesk('open');""")
    expect(_frame(page).locator("input[name=email]")).to_have_value("logout@example.com")
    page.evaluate(f"Ferndesk('init', {{ widgetId: '{WIDGET}' }}); Ferndesk('open')")
    expect(_frame(page).locator("input[name=email]")).to_have_value("")
    expect(_frame(page).locator("text=Not signed in")).to_be_visible()


def test_init_options_open_and_hide_launcher(page, pages, verifier) -> None:
    _open_page(page, pages, verifier, "options.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}', open: true, hideLauncher: true }});""")
    expect(page.locator("#ferndesk-widget-frame")).to_be_visible()
    expect(page.locator("#ferndesk-launcher")).to_have_count(0)
    page.goto(pages.url("launcher.html"))
    head, body = page_with_snippet(verifier, f"Ferndesk('init', {{ widgetId: '{WIDGET}' }});")
    pages.add("launcher.html", body, head)
    page.goto(pages.url("launcher.html"))
    launcher = page.locator("#ferndesk-launcher")
    expect(launcher).to_be_visible()
    expect(page.locator("#ferndesk-widget-frame")).to_be_hidden()
    launcher.click()
    expect(page.locator("#ferndesk-widget-frame")).to_be_visible()


def test_the_help_center_page_knows_the_user(page, pages, verifier) -> None:
    jwt = token(sub="hc-page-1", email="hcpage@example.com", name="Page Reader")
    _open_page(page, pages, verifier, "hcpage.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(jwt)} }})
          .then(() => {{ window.done = 1; }});""", snippet=False)
    page.wait_for_function("window.done === 1")  # identify resolves once the frame reloaded
    page.goto(f"http://{HELP_HOST}:{verifier.port}/")
    expect(page.locator("#fd-signed-in")).to_contain_text("Page Reader")
    expect(page.locator("#fd-signed-in")).to_contain_text("hcpage@example.com")


def test_the_contact_form_submission_arrives(page, pages, verifier) -> None:
    jwt = token(sub="msg-1", email="msg@example.com", name="Messenger")
    _open_page(page, pages, verifier, "message.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }});
        Ferndesk('identify', {{ jwt: {json.dumps(jwt)} }});
        Ferndesk('open');""")
    frame = _frame(page)
    expect(frame.locator("input[name=email]")).to_have_value("msg@example.com")
    frame.locator("textarea[name=body]").fill("My invoice is wrong")
    frame.locator("button[type=submit]").click()
    expect(frame.locator("#fd-status")).to_have_text("Message sent")
    messages = _admin(verifier, "messages")
    assert any(m["body"] == "My invoice is wrong" and m["sub"] == "msg-1" for m in messages)


def test_sessions_appear_in_analytics_with_origin_and_user_agent(page, pages, verifier) -> None:
    _open_page(page, pages, verifier, "analytics.html", f"""
        Ferndesk('init', {{ widgetId: '{WIDGET}' }})
          .then(() => {{ window.done = 1; }});""", snippet=False)
    page.wait_for_function("window.done === 1")
    origin = f"http://app.example.test:{pages.port}"
    sessions = [s for s in _admin(verifier, "sessions") if s["origin"] == origin]
    assert sessions and "Chrome" in (sessions[0]["user_agent"] or "")


def test_the_sdk_is_served_from_the_verifier(verifier) -> None:
    answer = httpx2.get(sdk_src(verifier).replace(HELP_HOST, "127.0.0.1"))
    assert answer.headers["content-type"].startswith("text/javascript")


def _attacker_frame_url(verifier) -> str:
    """What an attacker hands around: the frame of their own identified session, with the
    frame token its identify answered (and, for the old frame, its bare session id)."""
    answer = httpx2.post(f"{verifier.base}/widget/{WIDGET}/identify",
                         json={"jwt": token(sub="mallory-1", email="mallory@example.com",
                                            name="Mallory")},
                         headers={"Origin": f"http://app.example.test:{verifier.port}"})
    assert answer.status_code == 200, answer.text
    session = answer.json()["session"]
    query = f"session={session['id']}&token={session.get('frame_token', '')}"
    return f"http://{HELP_HOST}:{verifier.port}/widget/{WIDGET}/frame?{query}"


def _help_center_shows(page, verifier) -> str:
    page.goto(f"http://{HELP_HOST}:{verifier.port}/")
    return page.locator("#fd-signed-in").inner_text()


def test_a_link_to_someone_elses_frame_does_not_sign_the_visitor_in(page, pages,
                                                                    verifier) -> None:
    page.goto(_attacker_frame_url(verifier))  # the victim opens the link
    assert "Mallory" not in _help_center_shows(page, verifier)


def test_a_foreign_page_embedding_someone_elses_frame_does_not_sign_the_visitor_in(
        page, pages, verifier) -> None:
    url = _attacker_frame_url(verifier)
    pages.add("embed.html", f"<iframe id='evil' src={json.dumps(url)}></iframe>")
    page.goto(pages.url("embed.html", "otherdomain.test"))
    page.frame_locator("#evil").locator("input[name=email]").wait_for(state="attached")
    assert "Mallory" not in _help_center_shows(page, verifier)
