"""Bounds on the request headers the verifier stores, logs and echoes: one rule, one place.

``Origin``, ``Referer`` and ``User-Agent`` reach the journal, the sessions table, the log and
(Origin) the CORS answer. Unbounded, a 4 MB Origin sent twenty times grew the database by 65 MB
and the log by 131 MB. So, before any handler sees the request:

- an ``Origin`` over 1 KiB or a ``Referer`` over 8 KiB is refused, ``400 invalid_request``, its
  reason naming the header and its length; nothing is stored and the value is never echoed. No
  browser sends such a value (Chromium cuts a Referer over 4 KiB down to its origin), so
  refusing costs no real caller anything, while cutting an Origin would change the page it names;
- a ``User-Agent`` over 448 bytes is cut there, visibly (``...[truncated from N bytes]``): it
  is only shown, never decided on, so the request goes on. The cut value with its suffix stays
  under 500 characters, whichever table or page shows it (identify's and ``init``'s sessions
  alike: neither cuts it again).

Identify is the hot path: this reads ``scope["headers"]`` once and compares lengths only; a
normal request passes with no copy and no Request object.
"""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from verifier.cors import widget_cors_headers
from verifier.errors import InvalidRequest

log = logging.getLogger("ferndesk_verifier")

MAX_ORIGIN_BYTES = 1024
MAX_REFERER_BYTES = 8 * 1024
USER_AGENT_KEPT_BYTES = 448

REFUSED = {b"origin": ("Origin", MAX_ORIGIN_BYTES), b"referer": ("Referer", MAX_REFERER_BYTES)}


def truncated_user_agent(value: bytes) -> bytes:
    return value[:USER_AGENT_KEPT_BYTES] + f"...[truncated from {len(value)} bytes]".encode()


class HeaderLimits:
    """Refuse an oversized Origin or Referer, cut an oversized User-Agent (module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        cut: list[tuple[bytes, bytes]] | None = None
        for index, (name, value) in enumerate(headers):
            if len(value) <= USER_AGENT_KEPT_BYTES:  # every header of a normal request
                continue
            if name in REFUSED and len(value) > REFUSED[name][1]:
                await self._refuse(scope, receive, send, *REFUSED[name], len(value))
                return
            if name == b"user-agent":
                cut = list(headers) if cut is None else cut
                cut[index] = (name, truncated_user_agent(value))
        if cut is not None:
            scope = {**scope, "headers": cut}
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, header: str, limit: int,
                      size: int) -> None:
        error = InvalidRequest(f"the {header} header is {size} bytes long; the limit is {limit} "
                               "bytes (nothing was read or stored)")
        log.info("refused %s %s: %s header of %d bytes", scope["method"], scope["path"][:200],
                 header, size)
        # The Origin is echoed only when it is itself within its limit.
        origin = next((value for name, value in scope["headers"] if name == b"origin"), None)
        shown = (origin.decode("latin-1")
                 if origin is not None and len(origin) <= MAX_ORIGIN_BYTES else None)
        headers = widget_cors_headers(scope["path"], shown)
        await JSONResponse(error.body(), error.http_status, headers=headers)(scope, receive, send)
