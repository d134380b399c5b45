"""A deadline for reading a request body.

uvicorn waits for a body as long as its client keeps the connection open: 1,500 clients that
sent headers and half a body held 1,500 descriptors, and with a low descriptor limit
``/healthz`` became unreachable. Here the whole body must arrive within ``Settings.body_timeout``
seconds of the request's start; a late one answers ``408 invalid_request`` with a reason, and
the connection is closed (``Connection: close``, which every 408 answer carries: see
``app._error_answer`` and identify's endpoint), so the slow client's descriptor is freed.

The deadline is raised from ``receive`` as an ``InvalidRequest``, so every handler's ordinary
body errors path answers it (identify journals it like any unreadable body). Once the body is
complete, ``receive`` is passed through untouched: waiting for a disconnect is not a body read.
"""

from __future__ import annotations

import asyncio
import weakref

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from verifier.deadlines import PerLoop
from verifier.errors import InvalidRequest


class BodyDeadline:
    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        # The tasks whose body read is over its deadline: cancelled by ``_expire``, told apart
        # here from a cancellation of any other cause.
        self._late: weakref.WeakSet[asyncio.Task[object]] = weakref.WeakSet()
        self._deadlines: PerLoop[asyncio.Task[object]] = PerLoop(self._expire)

    def _expire(self, task: asyncio.Task[object]) -> None:
        self._late.add(task)
        task.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_read = False

        async def receive_in_time() -> Message:
            # A dict entry on the loop's one deadline timer (``deadlines.py``) while the read
            # waits, cleared as soon as it returns: identify's path pays well under a
            # microsecond, where a timer handle of its own per read cost a twentieth of a call.
            nonlocal body_read
            if body_read:
                return await receive()
            task = asyncio.current_task()
            assert task is not None
            deadlines = self._deadlines.on(loop)
            deadlines.arm(task, deadline)
            try:
                message = await receive()
            except asyncio.CancelledError:
                if task not in self._late:
                    raise
                self._late.discard(task)
                task.uncancel()
                raise InvalidRequest(
                    f"the request body did not arrive within {self.seconds:g} s; the "
                    "connection is closed", status=408) from None
            finally:
                deadlines.disarm(task)
            body_read = message["type"] != "http.request" or not message.get("more_body")
            return message

        await self.app(scope, receive_in_time, send)
