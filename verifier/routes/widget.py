"""The widget's public routes besides identify: start a session, the widget frame, messages.

The stub SDK calls these from the integrator's page. ``init`` starts an anonymous session; the
frame (an iframe served from the verifier) shows the contact form, pre-filled once the session
is identified, and sets the help center's session cookie; the form posts its message here.

The frame is opened with the ``frame_token`` that the session's own answers carry (this
``sessions`` call and identify), never with a bare session id, and sets the cookie only when a
page of the help center's site loaded it: ``frame_access.py`` says why (session fixation).
"""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from verifier import domains, shapes
from verifier.cors import cors_headers, preflight_headers
from verifier.frame_access import (
    issue_frame_token,
    page_may_set_session_cookie,
    session_of_frame_token,
)
from verifier.payloads import WIDGET_TYPES, read_json_object, string_field
from verifier.routes.shape_response import ShapeResponse
from verifier.services import services
from verifier.sessions import Sessions, session_cookie_name
from verifier.shapes import NewMessage, NewSession
from verifier.templating import templates

SESSION_COOKIE_MAX_AGE = 7 * 24 * 3600


def _sessions(request: Request) -> Sessions:
    sessions: Sessions = services(request).sessions
    return sessions


async def start_session(request: Request) -> Response:
    """``POST /widget/{widget_id}/sessions``: a new anonymous session, readable from any page
    (the widget works anywhere; only identify has a domain rule), never with credentials."""
    await read_json_object(request, services(request).settings.max_body_bytes, WIDGET_TYPES,
                           optional=True)
    origin = domains.calling_page_origin(request.headers.get("origin"),
                                         request.headers.get("referer"))
    widget_id = request.path_params["widget_id"]
    session = await run_in_threadpool(
        _sessions(request).start, widget_id, origin, request.headers.get("user-agent"),
        services(request).settings.sessions_kept)
    session.frame_token = issue_frame_token(services(request).admin_token, widget_id,
                                            session.id, time.time())
    return ShapeResponse(NewSession(session), status_code=201,
                         headers=cors_headers(request.headers.get("origin"), False))


async def frame(request: Request) -> Response:
    """``GET /widget/{widget_id}/frame?token=<frame token>``: the widget panel in its iframe.

    It also remembers the session in a cookie of the help center's host, so the help center's
    own pages know the visitor, as the real product's do, but only when the browser says a
    page of the help center's site loaded the frame (never from a link or a foreign page).
    The cookie is HttpOnly (no script reads it) and SameSite=Lax: the frame is same-site with
    the integrator's page (one label below the same registrable domain), so the browser keeps
    it, and it is never sent on a cross-site subrequest."""
    widget_id = request.path_params["widget_id"]
    session_id = session_of_frame_token(services(request).admin_token, widget_id,
                                        request.query_params.get("token"), time.time())
    visit = await run_in_threadpool(_sessions(request).visit, widget_id, session_id)
    response = templates.TemplateResponse(request, "frame.html", {"visit": visit})
    if visit.session is not None and page_may_set_session_cookie(
            visit.help_center_domain, request.headers.get("sec-fetch-site"),
            request.headers.get("referer")):
        response.set_cookie(session_cookie_name(widget_id), visit.session.id,
                            max_age=SESSION_COOKIE_MAX_AGE, path="/", httponly=True,
                            samesite="lax")
    response.headers["Cache-Control"] = "no-store"
    return response


async def post_message(request: Request) -> Response:
    """``POST /widget/{widget_id}/messages``: the contact form's submission."""
    body = await read_json_object(request, services(request).settings.max_body_bytes,
                                  WIDGET_TYPES)
    text = string_field(body, "body", required=True, max_length=shapes.MAX_BODY_CHARS)
    assert text is not None
    message = await run_in_threadpool(
        _sessions(request).add_message, request.path_params["widget_id"],
        string_field(body, "session_id", max_length=shapes.MAX_ID_CHARS),
        string_field(body, "email", max_length=shapes.MAX_EMAIL_CHARS),
        string_field(body, "name", max_length=shapes.MAX_NAME_CHARS), text,
        services(request).settings.messages_kept)
    return ShapeResponse(NewMessage(message), status_code=201,
                         headers=cors_headers(request.headers.get("origin"), False))


async def preflight(request: Request) -> Response:
    """Preflight of the other widget calls: any origin may call them, never with credentials."""
    return Response(status_code=204, headers=preflight_headers(request, False))
