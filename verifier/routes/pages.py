"""HTML pages: a help center's home page on its own domain, the SDK script, the dashboard.

A request whose ``Host`` is a help center's domain gets that help center's home page, which
knows the visitor from the session cookie the widget frame set (as the real help center knows
an identified user). Any other host gets the admin dashboard (``routes/dashboard.py``).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from verifier import domains
from verifier.routes import dashboard
from verifier.sdk_files import SDK_PATH
from verifier.services import services
from verifier.sessions import Sessions
from verifier.templating import templates


async def home(request: Request) -> Response:
    sessions: Sessions = services(request).sessions
    host = domains.request_host(request.headers.get("host"))
    visit = (await run_in_threadpool(sessions.visit_by_host, host, request.cookies)
             if host else None)
    if visit is None:
        return await dashboard.home(request)
    response = templates.TemplateResponse(request, "help_center.html", {"visit": visit})
    response.headers["Cache-Control"] = "no-store"
    return response


async def sdk_js(_request: Request) -> Response:
    """The stub SDK, what ``window.FERNDESK_SDK_SRC`` points at."""
    return FileResponse(SDK_PATH, media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "no-cache",
                                 "Access-Control-Allow-Origin": "*"})
