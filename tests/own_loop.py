"""Running a coroutine to the end from a test, whatever pytest's thread already runs."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def run_on_own_loop(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """``asyncio.run`` in a thread of its own: the browser suite's Playwright leaves an event
    loop running in pytest's, where ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as one:
        return one.submit(asyncio.run, coroutine).result()
