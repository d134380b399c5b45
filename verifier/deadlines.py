"""Many deadlines on one timer per event loop: the request and header deadlines of the hot path.

Every request arms two deadlines (its headers', ``header_deadline.py``, and its body's,
``body_deadline.py``) and nearly always disarms both within a millisecond. One asyncio timer
each meant two timer handles made, scheduled and cancelled per request: the benchmark priced the
body's alone at about a twentieth of an identify. Here arming a deadline is one dict entry,
disarming it is one ``pop``, and a single timer per loop looks at the entries every
``TICK_SECONDS`` while there are any (it stops when none are left).

So a deadline fires between its instant and ``TICK_SECONDS`` after it, never before: good enough
for bounds counted in seconds that exist to free a slow client's descriptor.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger("ferndesk_verifier")
K = TypeVar("K", bound=Hashable)
TICK_SECONDS = 0.05


class Deadlines(Generic[K]):
    """Deadlines of one kind on one event loop; ``expire(key)`` runs on that loop for each one
    that passes while armed."""

    def __init__(self, loop: asyncio.AbstractEventLoop, expire: Callable[[K], None]) -> None:
        self._loop = loop
        self._expire = expire
        self._due: dict[K, float] = {}
        self._ticking = False

    def arm(self, key: K, at: float) -> None:
        """Expire ``key`` at ``at`` (the loop's ``time()``), unless disarmed first; arming a key
        again moves its deadline."""
        self._due[key] = at
        if not self._ticking:
            self._ticking = True
            self._loop.call_later(TICK_SECONDS, self._tick)

    def disarm(self, key: K) -> None:
        self._due.pop(key, None)

    def armed(self, key: K) -> bool:
        return key in self._due

    def _tick(self) -> None:
        now = self._loop.time()
        for key in [key for key, at in self._due.items() if at <= now]:
            del self._due[key]
            try:
                self._expire(key)
            except Exception:  # one failed expiry must not stop the others' clock
                log.exception("a deadline's expiry failed")
        if self._due:
            self._loop.call_later(TICK_SECONDS, self._tick)
        else:
            self._ticking = False


class PerLoop(Generic[K]):
    """One ``Deadlines`` of a kind for each running event loop (a test may run the app on
    several loops in turn; a loop that is gone takes its deadlines with it)."""

    def __init__(self, expire: Callable[[K], None]) -> None:
        self._expire = expire
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Deadlines[K]] = (
            weakref.WeakKeyDictionary())

    def on(self, loop: asyncio.AbstractEventLoop) -> Deadlines[K]:
        deadlines = self._by_loop.get(loop)
        if deadlines is None:
            deadlines = self._by_loop[loop] = Deadlines(loop, self._expire)
        return deadlines
