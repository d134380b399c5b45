"""``POST /widget/{widget_id}/identify``: the one call the SDK makes, and the hot path.

The checks run in the contract's order (body, widget, jwt present, domain, token, binding);
the first that fails answers, and every answer about a known help center is journaled with its
reason. Database work goes through ``binding.Binder``, synchronously on the event loop: on
SQLite a call's statements take tens of microseconds, far less than a hop to a thread.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from verifier import domains, tokens
from verifier.binding import Attempt, Binder, Widget
from verifier.clock import isoformat
from verifier.cors import cors_headers, preflight_headers
from verifier.errors import (
    DomainMismatch,
    InvalidJwt,
    InvalidRequest,
    JwtRequired,
    UnknownWidget,
    VerifierError,
)
from verifier.payloads import WIDGET_TYPES, json_type, read_json_object

log = logging.getLogger("ferndesk_verifier.identify")

MAX_SESSION_ID = 64


async def identify(request: Request) -> Response:
    binder: Binder = request.app.state.binder
    origin_header = request.headers.get("origin")
    origin = domains.calling_page_origin(origin_header, request.headers.get("referer"))
    widget_id: str = request.path_params["widget_id"]
    widget: Widget | None = None
    body: dict[str, Any] | None = None
    allowed = False
    try:
        try:
            body = await read_json_object(request, request.app.state.settings.max_body_bytes,
                                          WIDGET_TYPES)
            session_id = _session_id(body)
        except InvalidRequest:
            widget = binder.widget(widget_id)  # journal it if the widget is real
            raise
        widget = binder.widget(widget_id)
        if widget is None:
            raise UnknownWidget(f"no help center has widget_id {widget_id[:80]!r}")
        jwt = body.get("jwt")
        if not isinstance(jwt, str) or not jwt.strip():
            raise JwtRequired(_why_no_jwt(body, jwt))
        verdict = domains.caller_may_identify(widget.domain, origin)
        if not verdict.allowed:
            raise DomainMismatch(verdict.reason)
        allowed = True
        now = widget.clock.now()
        fingerprint = tokens.token_fingerprint(jwt)
        try:
            identity = tokens.verify_identify_token(jwt, widget.jwt_secret, now)
        except tokens.TokenRejected as rejected:
            raise InvalidJwt(rejected.reason) from None
        session = binder.bind(
            widget, identity, Attempt(origin, "ok", verdict.reason, identity.sub, fingerprint),
            session_id, request.headers.get("user-agent"), now)
    except VerifierError as error:
        if widget is not None and error.code != "subject_mismatch":  # that one journals itself
            binder.record_failure(
                widget, Attempt(origin, error.code, error.reason, _claimed_sub(body)),
                widget.clock.now())
        log.info("identify widget=%r origin=%r outcome=%s reason=%r",
                 widget_id[:80], origin, error.code, error.reason)
        return JSONResponse(error.body(), status_code=error.http_status,
                            headers=cors_headers(origin_header, allowed))
    log.info("identify widget=%r origin=%r outcome=ok sub=%r token=%s",
             widget_id[:80], origin, identity.sub, fingerprint)
    return JSONResponse(
        {
            "user": {
                "sub": identity.sub,
                "email": identity.email,
                "name": identity.name,
                "custom_attributes": identity.custom_attributes,
            },
            "session": {
                "id": session.id,
                "sub": session.sub,
                "email": session.email,
                "name": session.name,
                "origin": session.origin,
                "started_at": isoformat(session.started_at),
                "identified_at": isoformat(session.identified_at),
            },
        },
        headers=cors_headers(origin_header, True),
    )


async def identify_preflight(request: Request) -> Response:
    """Answer every preflight (the actual call decides); credentials only for allowed pages."""
    binder: Binder = request.app.state.binder
    widget = binder.widget(request.path_params["widget_id"])
    origin = request.headers.get("origin")
    allowed = widget is not None and domains.caller_may_identify(widget.domain, origin).allowed
    return Response(status_code=204, headers=preflight_headers(request, allowed))


def _session_id(body: dict[str, Any]) -> str | None:
    value = body.get("session_id")
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"session_id must be a string, got {json_type(value)}", status=422)
    if len(value) > MAX_SESSION_ID:
        # An id we never issued: the contract says an unknown session starts a new one.
        return None
    return value


def _why_no_jwt(body: dict[str, Any], jwt: Any) -> str:
    if jwt is None and "token" in body:
        return ("the body has 'token' but no 'jwt': older docs used { token }, "
                "the option is now Ferndesk('identify', { jwt })")
    if jwt is None:
        return "the body has no 'jwt' field"
    if isinstance(jwt, str):
        return "jwt is an empty string: check that your backend returns the token"
    return (f"jwt must be the token string, got {json_type(jwt)}: check that your backend "
            "returns the JWT itself (e.g. res.send(token), r.text())")


def _claimed_sub(body: dict[str, Any] | None) -> str | None:
    """The ``sub`` a rejected token claims, read without trusting it, for the journal."""
    if not body or not isinstance(body.get("jwt"), str):
        return None
    return tokens.unverified_sub(body["jwt"])
