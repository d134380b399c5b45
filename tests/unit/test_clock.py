"""The one timestamp format: ``clock.isoformat`` writes exactly what ``datetime`` writes."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from verifier.clock import MAX_INSTANT, isoformat


def by_datetime(instant: float) -> str:
    text = datetime.fromtimestamp(instant, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


EDGES = [0.0, 0.0005, 0.0009995, 0.9999995, 0.9999994, 1.0, 59.9995, 86399.9999996,
         1764547200.0, 1764547199.9999995, 1764547200.1235, 1764547200.0005,
         1764547200.4444445, 951782400.999, MAX_INSTANT - 0.0001, MAX_INSTANT - 1e-6, -0.5,
         -1.25, -86400.0001]


@pytest.mark.parametrize("instant", EDGES)
def test_isoformat_matches_datetime_at_the_edges(instant: float) -> None:
    assert isoformat(instant) == by_datetime(instant)


def test_isoformat_matches_datetime_on_many_instants() -> None:
    draw = random.Random(12).random
    now = 1764547200.0
    instants = [now + draw() * 1000 for _ in range(20_000)]  # many within one second too
    instants += [draw() * MAX_INSTANT for _ in range(20_000)]
    instants += [round(now + draw() * 100, 6) + half for half in (5e-7, -5e-7)
                 for _ in range(5_000)]  # halves of a microsecond: round half to even
    for instant in instants:
        assert isoformat(instant) == by_datetime(instant), instant


def test_isoformat_of_nothing_is_nothing() -> None:
    assert isoformat(None) is None
