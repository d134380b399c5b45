"""How every dashboard answer is made: a page from a template with the dashboard's headers, a
message page, a 303 redirect, and the dashboard's addresses.

Every answer here carries ``PAGE_HEADERS``: nothing cached (pages carry CSRF tokens, one page
the secret), nothing loaded from elsewhere, never framed. Every link and redirect leads to
``HOME`` (``/ui/``), never to ``/``, which on a help center's host is that help center's page.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from verifier.dashboard_auth import DashboardSession
from verifier.human_time import human_time
from verifier.templating import templates

HOME: Final = "/ui/"  # the dashboard's one stable address, whatever the Host
PAGE_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def page(request: Request, template: str, context: dict[str, Any], status: int = 200,
         session: DashboardSession | None = None) -> Response:
    """``template`` rendered with ``context`` (plus the session, for the CSRF field and the
    sign-out button, and ``fmt`` for instants), with the dashboard's headers."""
    context = {"session": session, "alert": None, "fmt": human_time, **context}
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers.update(PAGE_HEADERS)
    return response


def message_page(request: Request, status: int, title: str, detail: str | None,
                 session: DashboardSession | None = None, back: str = HOME) -> Response:
    """A page that only says something (a refusal, a missing help center), linking ``back``."""
    return page(request, "dashboard/message.html",
                {"title": title, "detail": detail, "back": back}, status, session)


def redirect(url: str) -> Response:
    """A 303 to a GET, as after every form post that worked."""
    response = RedirectResponse(url, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


def help_center_url(help_center_id: str, done: str | None = None,
                    section: str | None = None) -> str:
    """A help center's page, with the ``?done=`` notice to show and the section to open."""
    url = f"/ui/help-centers/{quote(help_center_id, safe='')}"
    if done:
        url += "?" + urlencode({"done": done})
    return url + (f"#{section}" if section else "")
