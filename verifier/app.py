"""``create_app(settings) -> Starlette``: the whole HTTP surface in one route table.

Nothing here decides a rule; it wires settings, the database and the handlers together, and
makes sure every failure leaves as the contract's JSON error shape (never an HTML page, never a
traceback, never a 500 for bad input).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
from collections.abc import AsyncIterator, Mapping

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from verifier import slash_redirects
from verifier.body_deadline import BodyDeadline
from verifier.cors import widget_cors_headers
from verifier.db import create_engine, migrate
from verifier.errors import (
    InternalError,
    InvalidRequest,
    NoSuchRoute,
    NotFound,
    Unavailable,
    UnknownWidget,
    VerifierError,
)
from verifier.header_limits import HeaderLimits
from verifier.routes import admin, dashboard, docs, emulator, identify, pages, v1, widget
from verifier.services import Services, of_app
from verifier.settings import Settings
from verifier.templating import STATIC_DIR

log = logging.getLogger("ferndesk_verifier")

HC = "/api/help-centers/{id}"
EHC = "/api/emulator/help-centers/{id}"


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def routes() -> list[BaseRoute]:
    return [
        # First: the hot path, so its calls try no other route's pattern (the benchmark's
        # profile showed route matching at about 4% of an identify).
        Route("/widget/{widget_id}/identify", identify.IdentifyEndpoint(), methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", docs.openapi_json, methods=["GET"]),
        Route("/docs", docs.docs_page, methods=["GET"]),
        # The help center's home page on its own domain, else the admin dashboard.
        Route("/", pages.home, methods=["GET"]),
        *dashboard.routes(),
        Route("/sdk.js", pages.sdk_js, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        # Widget API: what the SDK calls from the integrator's page.
        Route("/widget/{widget_id}/identify", identify.identify_preflight, methods=["OPTIONS"]),
        Route("/widget/{widget_id}/sessions", widget.start_session, methods=["POST"]),
        Route("/widget/{widget_id}/messages", widget.post_message, methods=["POST"]),
        Route("/widget/{widget_id}/{kind:str}", widget.preflight, methods=["OPTIONS"]),
        Route("/widget/{widget_id}/frame", widget.frame, methods=["GET"]),
        # Admin API.
        Route("/api/help-centers", admin.create_help_center, methods=["POST"]),
        Route("/api/help-centers", admin.list_help_centers, methods=["GET"]),
        Route(HC, admin.get_help_center, methods=["GET"]),
        Route(HC, admin.delete_help_center, methods=["DELETE"]),
        Route(HC + "/jwt-secret", admin.generate_secret, methods=["POST"]),
        Route(HC + "/jwt-secret", admin.secret_info, methods=["GET"]),
        Route(HC + "/jwt-secret", admin.delete_secret, methods=["DELETE"]),
        Route(HC + "/api-keys", admin.create_api_key, methods=["POST"]),
        Route(HC + "/api-keys", admin.list_api_keys, methods=["GET"]),
        Route(HC + "/api-keys/{key_id}", admin.delete_api_key, methods=["DELETE"]),
        Route(HC + "/users", admin.list_users, methods=["GET"]),
        Route(HC + "/users/{sub:path}", admin.delete_user, methods=["DELETE"]),
        Route(HC + "/sessions", admin.list_sessions, methods=["GET"]),
        Route(HC + "/identify-attempts", admin.list_attempts, methods=["GET"]),
        Route(HC + "/messages", admin.list_messages, methods=["GET"]),
        # Ferndesk's Users API, emulated (an API key of one help center).
        Route("/v1/users", v1.list_users, methods=["GET"]),
        Route("/v1/users", v1.create_user, methods=["POST"]),
        Route("/v1/users/{id}", v1.update_user, methods=["PATCH"]),
        # Emulator controls.
        Route("/api/emulator/reset", emulator.reset_all, methods=["POST"]),
        Route(EHC + "/reset", emulator.reset_help_center, methods=["POST"]),
        Route("/api/emulator/clock", emulator.get_clock, methods=["GET"]),
        Route("/api/emulator/clock", emulator.put_clock, methods=["PUT"]),
        Route(EHC + "/faults", emulator.add_fault, methods=["POST"]),
        Route(EHC + "/faults", emulator.list_faults, methods=["GET"]),
        Route(EHC + "/faults", emulator.clear_faults, methods=["DELETE"]),
        Route("/api/emulator/state", emulator.get_state, methods=["GET"]),
        Route("/api/emulator/state", emulator.put_state, methods=["PUT"]),
    ]


class NamesNothingWithNul:
    """Answer 404 for a path with a NUL in it (``%00``), before any route reads it.

    No identifier can hold a NUL: every stored name is checked on the way in. So such a path
    names nothing, and saying so here keeps the database from ever seeing one (PostgreSQL
    refuses a NUL even in a lookup, which would surface as a 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope["path"]:
            reason = "the path contains a NUL character (%00), which no identifier holds"
            error = (UnknownWidget(reason) if scope["path"].startswith("/widget/")
                     else NotFound(reason))
            await _error_answer(Request(scope), error)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _error_answer(request: Request, error: VerifierError,
                  headers: Mapping[str, str] | None = None) -> Response:
    """The contract's JSON error. Under ``/widget/`` it is readable by the integrator's page
    (``cors.widget_cors_headers``): a browser hides the body of an answer without
    ``Access-Control-Allow-Origin`` and reports a network error instead, so without this the SDK
    could not print ``Ferndesk: unknown widget`` for ``init``, nor a 503. Added here, where
    errors are answered, rather than by a middleware around every call: identify's own answers
    decide their headers themselves, and the hot path pays nothing."""
    cors = widget_cors_headers(request.url.path, request.headers.get("origin"))
    # A 408 is a body that stopped arriving (body_deadline.py): free the slow client's socket.
    closing = {"Connection": "close"} if error.http_status == 408 else {}
    return JSONResponse(error.body(), status_code=error.http_status,
                        headers={**(headers or {}), **cors, **closing})


def create_app(settings: Settings) -> Starlette:
    engine = create_engine(settings.database_url)
    # Every way "the database did not answer" surfaces: through SQLAlchemy (admin queries) or
    # straight from the driver (identify's raw connection), including the pool's own timeout.
    driver_unavailable: tuple[type[BaseException], ...] = (
        sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)
    dbapi = engine.dialect.dbapi
    if dbapi is not None:
        # InternalError: a statement after one a timeout aborted ("current transaction is
        # aborted"); the call did not happen, so it is "retry later", not a bug of ours.
        driver_unavailable += (dbapi.OperationalError, dbapi.InterfaceError, dbapi.InternalError)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.migrate_at_start:
            migrate(engine)
        # Everything loaded so far (the PSL trie, SQLAlchemy's metadata, the migrations) lives as
        # long as the process. Freezing it keeps the collector from re-scanning it: without this
        # each full collection pauses the event loop ~30 ms, which was identify's p99.
        if settings.freeze_gc:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            of_app(app).binder.close()
            engine.dispose()

    async def verifier_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, VerifierError)
        if isinstance(exc, Unavailable):
            log.warning("database unavailable: %s", exc.reason)
            return _error_answer(request, exc, {"Retry-After": "1"})
        return _error_answer(request, exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        error: VerifierError
        if exc.status_code == 404:
            error = NoSuchRoute(f"no route {request.method} {request.url.path[:200]}")
        else:
            error = InvalidRequest(f"{request.method} is not allowed on this route"
                                   if exc.status_code == 405 else str(exc.detail)[:200],
                                   status=exc.status_code)
        return _error_answer(request, error, getattr(exc, "headers", None))

    async def database_down(request: Request, exc: Exception) -> Response:
        log.warning("database unavailable: %s", type(exc).__name__)
        error = Unavailable(f"the database did not answer ({type(exc).__name__}); retry later")
        return _error_answer(request, error, {"Retry-After": "1"})

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected %s in a handler", type(exc).__name__, exc_info=exc)
        error = InternalError("an unexpected error in the verifier; it is in the server log")
        return _error_answer(request, error)

    handlers = {VerifierError: verifier_error, HTTPException: http_error, Exception: unexpected}
    handlers.update(dict.fromkeys(driver_unavailable, database_down))
    # Outermost first: oversized headers are refused before anything reads them.
    middleware = [Middleware(HeaderLimits),
                  Middleware(BodyDeadline, seconds=settings.body_timeout),
                  Middleware(NamesNothingWithNul)]
    app = Starlette(routes=routes(), lifespan=lifespan, middleware=middleware,
                    exception_handlers=handlers)  # type: ignore[arg-type]
    slash_redirects.install(app.router)
    app.state.services = Services.build(settings, engine)
    return app


def app_from_environment() -> Starlette:
    """The factory uvicorn calls: settings come through ``FERNDESK_VERIFIER_*``, and the
    ``serve`` process that exported them has already migrated the database."""
    return create_app(dataclasses.replace(Settings.from_env(), migrate_at_start=False))

