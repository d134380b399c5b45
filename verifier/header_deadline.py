"""A deadline for a request's headers, which uvicorn does not have.

``body_deadline.py`` bounds a body, but only once a request exists: a client that connects and
never finishes its headers (slowloris: a byte every few seconds, or nothing at all) is no
request yet, and uvicorn keeps its connection open forever, with httptools and with h11 alike
(its keep-alive timeout only starts after a first response). Enough of them and the process
runs out of descriptors, ``/healthz`` included.

So ``serve`` gives uvicorn these protocol classes: uvicorn's own, plus a deadline per connection
that closes it when a request's headers have not all arrived within the deadline (counted from
the connection, or from the first byte of a later request on a kept-alive connection; a byte
that trickles in never pushes it back). Nothing is answered: there is no request to answer.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from verifier.deadlines import Deadlines, PerLoop


class _HeaderDeadline:
    """The deadline both protocol classes share, mixed in before uvicorn's protocol class
    (whose ``loop`` and ``transport`` it uses): armed when a connection opens, or a request
    begins, and disarmed when its headers are complete or the connection ends. It lives on the
    loop's one deadline timer (``deadlines.py``): every request arms and disarms it."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_seconds = header_timeout
        self._header_deadlines: Deadlines[_HeaderDeadline] = _HEADER_DEADLINES.on(self.loop)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._start_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_deadline()
        super().connection_lost(exc)  # type: ignore[misc]

    def _start_header_deadline(self) -> None:
        if not self._header_deadlines.armed(self):  # a trickling byte never pushes it back
            self._header_deadlines.arm(self, self.loop.time() + self._header_seconds)

    def _stop_header_deadline(self) -> None:
        self._header_deadlines.disarm(self)

    def _headers_too_slow(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


_HEADER_DEADLINES: PerLoop[_HeaderDeadline] = PerLoop(_HeaderDeadline._headers_too_slow)


class HttpToolsWithHeaderDeadline(_HeaderDeadline, HttpToolsProtocol):
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_header_deadline()

    def on_headers_complete(self) -> None:
        self._stop_header_deadline()
        super().on_headers_complete()


class H11WithHeaderDeadline(_HeaderDeadline, H11Protocol):
    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # h11 reads a request's line and headers in its IDLE state; past them, the body's own
        # deadline (body_deadline.py) takes over.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._start_header_deadline()
        else:
            self._stop_header_deadline()


def protocol(http: str, header_timeout: float) -> Any:
    """What to give ``uvicorn.Config(http=...)``: uvicorn's protocol for ``http`` ("httptools",
    the default of ``uvicorn[standard]``, or "h11") with the deadline. A partial of a
    module-level class, so uvicorn can hand it to ``--workers`` processes it spawns."""
    cls = HttpToolsWithHeaderDeadline if http == "httptools" else H11WithHeaderDeadline
    return functools.partial(cls, header_timeout=header_timeout)
