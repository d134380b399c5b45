"""The writer thread (``verifier/writer.py``) answers every call it takes, whatever happens."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.own_loop import run_on_own_loop
from verifier.db import create_engine
from verifier.writer import SqliteWriter, Tx


def _answers(tmp_path: Path, writer_class: type[SqliteWriter],
             submit: Callable[[SqliteWriter], list[asyncio.Future[Any]]]) -> list[Any]:
    """What the calls ``submit`` makes on a fresh writer answer, errors included."""
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    writer = writer_class(engine, [])

    async def calls() -> list[Any]:
        return await asyncio.wait_for(
            asyncio.gather(*submit(writer), return_exceptions=True), 10)

    try:
        return run_on_own_loop(calls())
    finally:
        writer.close()
        engine.dispose()


class BrokenSetUp(SqliteWriter):
    """A writer whose connection set-up has a bug (a stand-in for any error of ours that
    escapes a call's own work)."""

    def _configure(self, conn: Any) -> Any:
        raise RuntimeError("a bug in the set-up")


def test_a_bug_outside_the_calls_work_fails_the_waiting_calls_instead_of_hanging(
        tmp_path: Path) -> None:
    answers = _answers(tmp_path, BrokenSetUp, lambda writer: [
        *(writer.transact(lambda tx: 1) for _ in range(3)), writer.read(lambda tx: 2)])
    assert [type(answer) for answer in answers] == [RuntimeError] * 4


def test_calls_committed_together_each_get_their_own_answer(tmp_path: Path) -> None:
    def failing(tx: Tx) -> int:
        raise LookupError("this call's own refusal")

    def submit(writer: SqliteWriter) -> list[asyncio.Future[Any]]:
        work = [writer.transact(lambda tx, n=n: n) for n in range(5)]
        work.insert(2, writer.transact(failing))
        return work

    answers = _answers(tmp_path, SqliteWriter, submit)
    assert answers[:2] == [0, 1] and answers[3:] == [2, 3, 4]
    with pytest.raises(LookupError):
        raise answers[2]
