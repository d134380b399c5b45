"""A deadline for reading a request body.

uvicorn waits for a body as long as its client keeps the connection open: 1,500 clients that
sent headers and half a body held 1,500 descriptors, and with a low descriptor limit
``/healthz`` became unreachable. Here the whole body must arrive within ``Settings.body_timeout``
seconds of the request's start; a late one answers ``408 invalid_request`` with a reason, and
the connection is closed (``Connection: close``), so the slow client's descriptor is freed.

The deadline is raised from ``receive`` as an ``InvalidRequest``, so every handler's ordinary
body errors path answers it (identify journals it like any unreadable body). Once the body is
complete, ``receive`` is passed through untouched: waiting for a disconnect is not a body read.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from verifier.errors import InvalidRequest


class BodyDeadline:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.seconds
        body_read = False
        late = False

        async def receive_in_time() -> Message:
            nonlocal body_read, late
            if body_read:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                late = True
                raise InvalidRequest(
                    f"the request body did not arrive within {self.seconds:g} s; the "
                    "connection is closed", status=408) from None
            body_read = message["type"] != "http.request" or not message.get("more_body")
            return message

        async def send_closing(message: Message) -> None:
            if late and message["type"] == "http.response.start":
                message = {**message,
                           "headers": [*message.get("headers", ()), (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive_in_time, send_closing)
