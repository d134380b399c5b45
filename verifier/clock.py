"""The emulator's clock: real time, shifted by an offset or frozen at an instant.

Every expiry check and every timestamp the verifier writes takes ``now`` from here, never from
``time.time()`` inline, so moving this clock moves everything at once. The offset and the frozen
instant are stored in the database (table ``emulator_clock``) so that every worker process shares
one clock; this module only turns that stored setting into instants.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class ClockSetting:
    offset_seconds: float = 0.0
    frozen_at: float | None = None

    def now(self) -> float:
        """Seconds since the epoch as the emulator sees them."""
        if self.frozen_at is not None:
            return self.frozen_at
        return time.time() + self.offset_seconds

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None


REAL_CLOCK = ClockSetting()


def isoformat(instant: float | None) -> str | None:
    """ISO-8601 in UTC with a ``Z``, to the millisecond: the one timestamp format we answer with."""
    if instant is None:
        return None
    text = datetime.fromtimestamp(instant, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_isoformat(text: str) -> float:
    """Parse an ISO-8601 instant; a naive one is taken as UTC. Raises ValueError."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
