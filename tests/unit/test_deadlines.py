"""Deadlines on one timer per loop: each fires after its instant (within a tick), never before,
and not at all once disarmed."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tests.own_loop import run_on_own_loop
from verifier.deadlines import TICK_SECONDS, PerLoop


def run(check) -> Any:
    return run_on_own_loop(check())


def test_a_deadline_fires_after_its_instant_within_a_tick() -> None:
    async def check() -> None:
        loop = asyncio.get_running_loop()
        fired: dict[str, float] = {}
        deadlines = PerLoop(lambda key: fired.setdefault(key, loop.time())).on(loop)
        at = loop.time() + 0.2
        deadlines.arm("slow", at)
        await asyncio.sleep(0.1)
        assert fired == {} and deadlines.armed("slow")
        await asyncio.sleep(0.2 + TICK_SECONDS)
        assert at <= fired["slow"] <= at + TICK_SECONDS + 0.1
        assert not deadlines.armed("slow")

    run(check)


def test_a_disarmed_deadline_never_fires_and_rearming_moves_it() -> None:
    async def check() -> None:
        loop = asyncio.get_running_loop()
        fired: list[str] = []
        deadlines = PerLoop(fired.append).on(loop)
        deadlines.arm("done", loop.time() + 0.05)
        deadlines.disarm("done")
        deadlines.arm("moved", loop.time() + 0.05)
        deadlines.arm("moved", loop.time() + 0.5)
        await asyncio.sleep(0.2)
        assert fired == []
        await asyncio.sleep(0.5)
        assert fired == ["moved"]

    run(check)


def test_an_expiry_that_fails_does_not_stop_the_others(caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    async def check() -> None:
        loop = asyncio.get_running_loop()
        fired: list[str] = []

        def expire(key: str) -> None:
            if key == "bad":
                raise RuntimeError("boom")
            fired.append(key)

        deadlines = PerLoop(expire).on(loop)
        deadlines.arm("bad", loop.time() + 0.01)
        deadlines.arm("good", loop.time() + 0.01)
        deadlines.arm("later", loop.time() + 0.15)
        await asyncio.sleep(0.3)
        assert fired == ["good", "later"]

    with caplog.at_level(logging.ERROR):
        run(check)
    assert "a deadline's expiry failed" in caplog.text


def test_each_loop_has_its_own_deadlines() -> None:
    per_loop: PerLoop[str] = PerLoop(lambda key: None)

    async def mine() -> object:
        loop = asyncio.get_running_loop()
        assert per_loop.on(loop) is per_loop.on(loop)
        return per_loop.on(loop)

    first, second = run(mine), run(mine)
    assert first is not second
