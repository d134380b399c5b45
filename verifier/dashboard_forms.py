"""What a dashboard form post must be before a handler acts on it, and the guards that say so.

* ``read_form``: a url-encoded body of at most the server's body limit, UTF-8, at most
  ``MAX_FORM_FIELDS`` fields, no unstorable text; the first value of each field.
* ``signed_in``: a page for the signed-in admin; anyone else is sent to sign in, then back.
* ``form_post``: a post of the signed-in admin carrying its CSRF token; else a readable 403 page
  and nothing changed. The cookie and the token themselves are ``verifier.dashboard_auth``'s.
* ``safe_next``: where signing in may lead (only a dashboard page of this server).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Final
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import Response

from verifier import dashboard_auth
from verifier.dashboard_auth import DashboardSession
from verifier.dashboard_pages import HOME, message_page, redirect
from verifier.errors import InvalidRequest
from verifier.payloads import media_type, read_body
from verifier.services import services
from verifier.text import unstorable

FORM_TYPE: Final = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS: Final = 50

Handler = Callable[[Request], Awaitable[Response]]
FormHandler = Callable[[Request, DashboardSession, dict[str, str]], Awaitable[Response]]


class FormRefused(Exception):
    """A form post we will not act on: the body, the sign-in or the CSRF token is wrong."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail


async def read_form(request: Request) -> dict[str, str]:
    """A url-encoded form body, as our forms send it (the first value of each field).

    Parsed with the standard library: the dashboard has no file uploads, so it needs no
    multipart parser. Capped at the server's body limit, like every other body."""
    kind = media_type(request.headers.get("content-type"))
    try:
        raw = await read_body(request.receive, request.headers.get("content-length"),
                              services(request).settings.max_body_bytes)
        if kind != FORM_TYPE:
            if not raw and not kind:
                return {}  # a form with no fields, as some clients send it
            raise FormRefused(415, "This is not a form post",
                              f"the dashboard's forms send {FORM_TYPE}, not {kind}")
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS,
                          errors="strict")
    except InvalidRequest as refused:
        raise FormRefused(refused.http_status, "The form could not be read",
                          refused.reason) from None
    except (UnicodeDecodeError, ValueError):
        raise FormRefused(400, "The form could not be read",
                          "the form body is not UTF-8 url-encoded fields") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        problem = unstorable(key + value)
        if problem:
            raise FormRefused(400, "The form could not be read", f"a field {problem}")
        form.setdefault(key, value)
    return form


def signed_in(handler: Handler) -> Handler:
    """A page for the signed-in admin; anyone else is sent to sign in, then back here."""

    @wraps(handler)
    async def guarded(request: Request) -> Response:
        if dashboard_auth.session_of(request) is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return redirect("/ui/sign-in?" + urlencode({"next": target}))
        return await handler(request)

    return guarded


def form_post(handler: FormHandler) -> Handler:
    """A form post of the signed-in admin, with its CSRF token; else a readable 403 page."""

    @wraps(handler)
    async def guarded(request: Request) -> Response:
        session = dashboard_auth.session_of(request)
        try:
            form = await read_form(request)
            if session is None:
                raise FormRefused(403, "You are not signed in",
                                  "Sign in with this server's admin token, then try again.")
            if not dashboard_auth.csrf_ok(session, form):
                raise FormRefused(
                    403, "This form could not be verified",
                    "It did not come from a page of this dashboard in your current sign-in "
                    "(or the sign-in expired). Nothing was changed: reload the page and try "
                    "again.")
        except FormRefused as refused:
            return message_page(request, refused.status, refused.title, refused.detail,
                                session, back=HOME if session else "/ui/sign-in")
        return await handler(request, session, form)

    return guarded


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a dashboard path of this server (``/`` is read as
    ``/ui/``: on a help center's host it is that help center's page)."""
    if target and target.startswith("/ui/") and "\\" not in target and (
            not target.startswith("/ui/sign-")):
        return target
    return HOME
