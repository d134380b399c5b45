"""The plugin's clock helpers: ``move_clock`` moves the emulator's clock from where it is (a
frozen clock stays frozen), ``freeze_clock`` stops it at an instant given the ways Python
code holds one. Driven against a real server, through the ``Verifier`` the fixtures hand out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.conftest import ADMIN_TOKEN, fresh_database_url
from tests.process.conftest import Server
from verifier.pytest_plugin import Verifier

NEW_YEAR_2030 = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def shared_verifier(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Verifier]:
    server = Server(fresh_database_url(tmp_path_factory.mktemp("clock")))
    try:
        yield Verifier(server.base, ADMIN_TOKEN)
    finally:
        server.stop()


@pytest.fixture
def verifier(shared_verifier: Verifier) -> Verifier:
    shared_verifier.real_clock()
    return shared_verifier


def test_move_clock_moves_a_running_clock_from_where_it_is(verifier: Verifier) -> None:
    verifier.move_clock(600)
    clock = verifier.move_clock(60)
    assert (clock["offset_seconds"], clock["frozen"]) == (660, False)
    assert verifier.move_clock(-700)["offset_seconds"] == -40


def test_move_clock_keeps_a_frozen_clock_frozen_and_moves_it(verifier: Verifier) -> None:
    verifier.freeze_clock(NEW_YEAR_2030)
    clock = verifier.move_clock(90)
    assert (clock["frozen"], clock["now"]) == (True, "2030-01-01T00:01:30.000Z")
    time.sleep(0.01)
    assert verifier.clock()["now"] == "2030-01-01T00:01:30.000Z"


def test_freeze_clock_takes_an_aware_datetime_in_any_zone(verifier: Verifier) -> None:
    assert verifier.freeze_clock(NEW_YEAR_2030)["now"] == "2030-01-01T00:00:00.000Z"
    two_hours_east = datetime(2030, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert verifier.freeze_clock(two_hours_east)["now"] == "2030-01-01T00:00:00.000Z"


def test_freeze_clock_refuses_a_naive_datetime_and_leaves_the_clock_alone(
        verifier: Verifier) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        verifier.freeze_clock(datetime(2030, 1, 1))
    assert verifier.clock()["frozen"] is False


def test_freeze_clock_takes_posix_seconds(verifier: Verifier) -> None:
    assert verifier.freeze_clock(NEW_YEAR_2030.timestamp())["now"] == "2030-01-01T00:00:00.000Z"
    assert verifier.freeze_clock(1893456000.25)["now"] == "2030-01-01T00:00:00.250Z"


def test_freeze_clock_takes_an_iso_string(verifier: Verifier) -> None:
    assert verifier.freeze_clock("2030-01-01T01:00:00+01:00")["now"] == \
        "2030-01-01T00:00:00.000Z"


def test_freeze_clock_without_an_instant_freezes_at_the_emulators_now(
        verifier: Verifier) -> None:
    verifier.move_clock(3600)
    clock = verifier.freeze_clock()
    assert clock["frozen"] is True
    frozen_at = datetime.fromisoformat(clock["now"].replace("Z", "+00:00")).timestamp()
    assert abs(frozen_at - (time.time() + 3600)) < 30


@pytest.mark.parametrize("instant", [True, [2030, 1, 1], {"at": "2030-01-01"}])
def test_freeze_clock_refuses_what_is_not_an_instant(verifier: Verifier, instant: object) -> None:
    with pytest.raises(TypeError, match="freeze_clock"):
        verifier.freeze_clock(instant)  # type: ignore[arg-type]
    assert verifier.clock()["frozen"] is False
