"""The emulator controls' database work: reset, the shared clock, injected faults.

All of it lives in the database, not in a process's memory, so that every worker sees one
clock and counts one fault queue (see ``binding.Binder.take_fault`` for the consuming side).
"""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from verifier.clock import ClockSetting, answered_at, isoformat
from verifier.models import (
    emulator_clock,
    emulator_faults,
    help_centers,
    identify_attempts,
    messages,
    sessions,
    users,
)
from verifier.shapes import Clock, Fault, FaultCreate
from verifier.store import read_clock, require_help_center


def clock_shape(clock: ClockSetting) -> Clock:
    return Clock(now=answered_at(clock.now()), offset_seconds=clock.offset_seconds,
                 frozen=clock.frozen, frozen_at=isoformat(clock.frozen_at))


def _fault(row: Any) -> Fault:
    return Fault(id=row.id, times=row.times, remaining=row.remaining, code=row.code,
                 status=row.status, delay_ms=row.delay_ms, created_at=answered_at(row.created_at))


class Controls:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def reset_all(self) -> None:
        """Every help center and what it owns (faults included) gone; the clock real again."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(help_centers))
            conn.execute(sa.update(emulator_clock).where(emulator_clock.c.id == 1)
                         .values(offset_seconds=0.0, frozen_at=None))

    def reset_help_center(self, help_center_id: str) -> None:
        """Its users, sessions, attempts, messages and pending faults gone; it and its secret
        stay."""
        with self.engine.begin() as conn:
            require_help_center(conn, help_center_id)
            for table in (users, sessions, identify_attempts, messages, emulator_faults):
                conn.execute(sa.delete(table).where(table.c.help_center_id == help_center_id))

    def clock(self) -> Clock:
        with self.engine.connect() as conn:
            return clock_shape(read_clock(conn))

    def set_clock(self, offset_seconds: float | None, frozen_at: float | None) -> Clock:
        """An offset shifts now; a frozen instant stops it; neither restores the real clock.
        Freezing keeps the offset at 0 so that unfreezing returns to real time."""
        setting = ClockSetting(offset_seconds or 0.0, frozen_at)
        with self.engine.begin() as conn:
            conn.execute(sa.update(emulator_clock).where(emulator_clock.c.id == 1).values(
                offset_seconds=setting.offset_seconds, frozen_at=setting.frozen_at))
        return clock_shape(setting)

    def add_fault(self, help_center_id: str, fault: FaultCreate) -> Fault:
        with self.engine.begin() as conn:
            require_help_center(conn, help_center_id)
            now = read_clock(conn).now()
            inserted = conn.execute(sa.insert(emulator_faults).values(
                help_center_id=help_center_id, remaining=fault.times, created_at=now,
                **msgspec.structs.asdict(fault)).returning(emulator_faults))
            return _fault(inserted.one())

    def list_faults(self, help_center_id: str) -> list[Fault]:
        with self.engine.connect() as conn:
            require_help_center(conn, help_center_id)
            rows = conn.execute(sa.select(emulator_faults).where(
                emulator_faults.c.help_center_id == help_center_id).order_by(
                emulator_faults.c.id))
            return [_fault(row) for row in rows]

    def clear_faults(self, help_center_id: str) -> None:
        with self.engine.begin() as conn:
            require_help_center(conn, help_center_id)
            conn.execute(sa.delete(emulator_faults).where(
                emulator_faults.c.help_center_id == help_center_id))


