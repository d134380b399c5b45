"""``POST /widget/{widget_id}/identify``: the one call the SDK makes, and the hot path.

The checks run in the contract's order (body, widget, jwt present, domain, token, binding);
the first that fails answers, and every answer about a known help center is journaled with its
reason. Database work goes through ``binding.Binder``, which runs it on the writer's thread
(``writer.py``): the event loop never waits for the database.

The endpoint is a plain ASGI callable rather than a ``Request -> Response`` function: the
benchmark showed Starlette's per-call request and response objects cost about a fifth of a bare
identify, and this route reads five headers and writes one JSON body. Everything else about it
(routing, the error handlers for database failures) is the app's ordinary machinery.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from verifier import domains, retired_secrets, token_warnings, tokens
from verifier.binding import Attempt, Binder, Fault
from verifier.clock import answered_at
from verifier.cors import cors_headers, preflight_headers
from verifier.errors import (
    CONTRACT_ERRORS,
    DomainMismatch,
    InjectedFault,
    InvalidJwt,
    InvalidRequest,
    JwtRequired,
    Unavailable,
    UnknownWidget,
    VerifierError,
)
from verifier.frame_access import issue_frame_token
from verifier.logs import log_quickly
from verifier.payloads import WIDGET_TYPES, json_type, parse_json_object, read_body
from verifier.services import of_app, services
from verifier.sessions import could_be_session_id
from verifier.shapes import IdentifiedSession, IdentifiedUser, IdentifyResponse, IdentifyWarning
from verifier.widget_cache import StaleWidget, Widget

log = logging.getLogger("ferndesk_verifier.identify")
Answer = IdentifyResponse | dict[str, Any]  # the success, or the contract's error body

# Refusals the binder itself journals (or cannot: the help center is gone).
JOURNALED_BY_BINDER = frozenset({"subject_mismatch", "user_disabled", "unknown_widget"})
WANTED_HEADERS = frozenset({b"origin", b"referer", b"content-type", b"content-length",
                            b"user-agent"})


class IdentifyEndpoint:
    """The ASGI app of the identify route."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name in WANTED_HEADERS:
                headers[name.decode("latin-1")] = value.decode("latin-1")
        state = of_app(scope["app"])
        status, payload, allowed = await identify(
            state.binder, scope["path_params"]["widget_id"], headers, receive,
            state.settings.max_body_bytes)
        if isinstance(payload, IdentifyResponse):  # what the SDK opens the frame with
            payload.session.frame_token = issue_frame_token(
                state.admin_token, scope["path_params"]["widget_id"], payload.session.id,
                time.time())
        body = msgspec.json.encode(payload)
        raw_headers = [(b"content-type", b"application/json"),
                       (b"content-length", str(len(body)).encode())]
        raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1"))
                        for k, v in cors_headers(headers.get("origin"), allowed).items()]
        if status == 408:  # the body stopped arriving (body_deadline.py): free the socket
            raw_headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})


async def identify(binder: Binder, widget_id: str, headers: dict[str, str], receive: Receive,
                   max_body_bytes: int) -> tuple[int, Answer, bool]:
    """Run identify; returns (status, its answer, whether the caller passed the domain rule).

    The body is read once; the call is decided on what this worker remembers of the widget,
    and decided again on a fresh read if that turned out stale (``widget_cache``)."""
    origin = domains.calling_page_origin(headers.get("origin"), headers.get("referer"))
    body: dict[str, Any] | None = None
    session_id: str | None = None
    unreadable: InvalidRequest | None = None
    try:
        raw = await read_body(receive, headers.get("content-length"), max_body_bytes)
        body = parse_json_object(raw, headers.get("content-type"), WIDGET_TYPES)
        session_id = _session_id(body)
    except InvalidRequest as error:
        unreadable = error
    call = (binder, widget_id, headers, origin, body, session_id, unreadable)
    try:
        return await _decide(*call, fresh=False)
    except StaleWidget:
        pass
    try:
        return await _decide(*call, fresh=True)
    except StaleWidget:
        # Decided on a fresh read, and the help center changed again before the write: a reset
        # or state import is replacing it right now.
        replaced = Unavailable("the help center was replaced (a reset or state import) while "
                               "this call ran; retry")
        return replaced.http_status, replaced.body(), False


async def _decide(binder: Binder, widget_id: str, headers: dict[str, str], origin: str | None,
                  body: dict[str, Any] | None, session_id: str | None,
                  unreadable: InvalidRequest | None,
                  fresh: bool) -> tuple[int, Answer, bool]:
    widget: Widget | None = None
    try:
        widget = await binder.widget(widget_id, fresh)
        if unreadable is not None:
            raise unreadable  # journaled if the widget is real
        assert body is not None
        if widget is None:
            raise UnknownWidget(f"no help center has widget_id {widget_id[:80]!r}")
        fault = await binder.take_fault(widget)
        if fault is not None:
            await _suffer(fault, widget)
        jwt = body.get("jwt")
        if not isinstance(jwt, str) or not jwt.strip():
            raise JwtRequired(_why_no_jwt(body, jwt))
        verdict = domains.caller_may_identify(widget.domain, origin)
        if not verdict.allowed:
            raise DomainMismatch(verdict.reason)
        now = widget.clock.now()
        fingerprint = tokens.token_fingerprint(jwt)
        try:
            identity = tokens.verify_identify_token(jwt, widget.jwt_secret, now)
        except tokens.TokenRejected as rejected:
            raise InvalidJwt(await _naming_signer(binder, widget, jwt, rejected)) from None
        warnings, attributes = token_warnings.assess(identity.claims, now, widget.jwt_secret)
        if attributes is not identity.custom_attributes:  # unmatchable values left out
            identity = dataclasses.replace(identity, custom_attributes=attributes)
        journaled = msgspec.json.encode(warnings).decode() if warnings else None
        session = await binder.bind(
            widget, identity,
            Attempt(origin, "ok", verdict.reason, identity.sub, fingerprint, journaled),
            session_id, headers.get("user-agent"), now)
    except VerifierError as error:
        if isinstance(error, Unavailable) and not error.injected:
            raise  # the database did not answer: nothing to journal it in (app.py answers)
        # A failure is when an integrator most needs to tell which token was sent: every one
        # that carried a jwt string is journaled and logged with its fingerprint (never the
        # token). The binder's own refusals carry it already.
        submitted = _submitted_fingerprint(body)
        if widget is not None and (error.injected or error.code not in JOURNALED_BY_BINDER):
            await binder.record_failure(
                widget, Attempt(origin, error.code, error.reason, _claimed_sub(body),
                                submitted),
                widget.clock.now())
        log_quickly(log, logging.INFO,
                    "identify widget=%r origin=%r outcome=%s reason=%r token=%s",
                    widget_id[:80], origin, error.code, error.reason, submitted or "-")
        # CORS credentials follow the domain rule alone, whichever check answered.
        allowed = widget is not None and domains.caller_may_identify(widget.domain,
                                                                     origin).allowed
        return error.http_status, error.body(), allowed
    if warnings:
        log_quickly(log, logging.INFO,
                    "identify widget=%r origin=%r outcome=ok sub=%r token=%s warnings=%s",
                    widget_id[:80], origin, identity.sub, fingerprint,
                    ",".join(warning.code for warning in warnings))
    else:
        log_quickly(log, logging.INFO, "identify widget=%r origin=%r outcome=ok sub=%r token=%s",
                    widget_id[:80], origin, identity.sub, fingerprint)
    identified = answered_at(session.identified_at)
    started = (identified if session.started_at == session.identified_at
               else answered_at(session.started_at))
    return 200, IdentifyResponse(
        IdentifiedUser(identity.sub, identity.email, identity.name,
                       identity.custom_attributes),
        IdentifiedSession(id=session.id, sub=session.sub, email=session.email,
                          name=session.name, origin=session.origin, started_at=started,
                          identified_at=identified),
        [IdentifyWarning(w.code, w.reason) for w in warnings] if warnings else msgspec.UNSET
    ), True


async def identify_preflight(request: Request) -> Response:
    """Answer every preflight (the actual call decides); credentials only for allowed pages."""
    binder: Binder = services(request).binder
    widget = await binder.widget(request.path_params["widget_id"], fresh=True)
    origin = request.headers.get("origin")
    allowed = widget is not None and domains.caller_may_identify(widget.domain, origin).allowed
    return Response(status_code=204, headers=preflight_headers(request, allowed))


async def _suffer(fault: Fault, widget: Widget) -> None:
    """Wait and/or fail as the injected fault says (emulator controls)."""
    if fault.delay_ms:
        await asyncio.sleep(fault.delay_ms / 1000)
    if fault.code is None and fault.status is None:
        return
    reason = (f"injected fault, call {fault.number} of {fault.times} "
              f"(POST /api/emulator/help-centers/{widget.help_center_id}/faults)")
    error = (InjectedFault(reason, status=fault.status) if fault.code is None
             else CONTRACT_ERRORS[fault.code](reason, status=fault.status))
    error.injected = True
    raise error


async def _naming_signer(binder: Binder, widget: Widget, jwt: str,
                         rejected: tokens.TokenRejected) -> str:
    """The refusal's reason; for a bad signature (or no secret at all), says whose secret
    signed the token when it is a previous one or another help center's. A good token never
    comes here: the lookup is the failure path's (``retired_secrets``)."""
    parts = retired_secrets.signed_parts(jwt) if retired_secrets.may_name_signer(rejected) else None
    if parts is None:
        return rejected.reason
    signer = await binder.whose_secret(widget.help_center_id, *parts)
    if signer is None:
        return rejected.reason
    return retired_secrets.reason_naming(rejected, signer, widget.help_center_id)


def _session_id(body: dict[str, Any]) -> str | None:
    value = body.get("session_id")
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"session_id must be a string, got {json_type(value)}", status=422)
    # An id we could never have issued is unknown, and the contract says an unknown session
    # starts a new one.
    return value if could_be_session_id(value) else None


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


def _submitted_fingerprint(body: dict[str, Any] | None) -> str | None:
    """The fingerprint of the jwt a call sent, when it sent a non-blank string (a blank one is
    no token: ``jwt_required``)."""
    jwt = body.get("jwt") if body else None
    if not isinstance(jwt, str) or not jwt.strip():
        return None
    return tokens.token_fingerprint(jwt)


def _claimed_sub(body: dict[str, Any] | None) -> str | None:
    """The ``sub`` a rejected token claims, read without trusting it, for the journal."""
    if not body or not isinstance(body.get("jwt"), str):
        return None
    return tokens.unverified_sub(body["jwt"])
