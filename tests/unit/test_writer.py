"""The writer thread (``verifier/writer.py``) answers every call it takes, whatever happens."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from verifier.db import create_engine
from verifier.writer import SqliteWriter, Tx


def _run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """``asyncio.run`` in a thread of its own: the browser suite's Playwright leaves an event
    loop running in pytest's."""
    with ThreadPoolExecutor(max_workers=1) as one:
        return one.submit(asyncio.run, coroutine).result()


class BrokenSetUp(SqliteWriter):
    """A writer whose connection set-up has a bug (a stand-in for any error of ours that
    escapes a call's own work)."""

    def _configure(self, conn: Any) -> Any:
        raise RuntimeError("a bug in the set-up")


def test_a_bug_outside_the_calls_work_fails_the_waiting_calls_instead_of_hanging(
        tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    writer = BrokenSetUp(engine, [])

    async def calls() -> list[Any]:
        work: list[asyncio.Future[Any]] = [writer.transact(lambda tx: 1) for _ in range(3)]
        work.append(writer.read(lambda tx: 2))
        return await asyncio.wait_for(asyncio.gather(*work, return_exceptions=True), 10)

    try:
        answers = _run(calls())
    finally:
        writer.close()
        engine.dispose()
    assert [type(answer) for answer in answers] == [RuntimeError] * 4


def test_calls_committed_together_each_get_their_own_answer(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    writer = SqliteWriter(engine, [])

    def failing(tx: Tx) -> int:
        raise LookupError("this call's own refusal")

    async def calls() -> list[Any]:
        work = [writer.transact(lambda tx, n=n: n) for n in range(5)]
        work.insert(2, writer.transact(failing))
        return await asyncio.wait_for(asyncio.gather(*work, return_exceptions=True), 10)

    try:
        answers = _run(calls())
    finally:
        writer.close()
        engine.dispose()
    assert answers[:2] == [0, 1] and answers[3:] == [2, 3, 4]
    with pytest.raises(LookupError):
        raise answers[2]
