"""The emulator's clock: real time, shifted by an offset or frozen at an instant.

Every expiry check and every timestamp the verifier writes takes ``now`` from here, never from
``time.time()`` inline, so moving this clock moves everything at once. The offset and the frozen
instant are stored in the database (table ``emulator_clock``) so that every worker process shares
one clock; this module only turns that stored setting into instants.
"""

from __future__ import annotations

import functools
import math
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



def isoformat(instant: float | None) -> str | None:
    """ISO-8601 in UTC with a ``Z``, to the millisecond: the one timestamp format we answer with.

    Every identify answers with one or two, so the date and time of day of the latest second
    are remembered and only the milliseconds are worked out per call; the result is exactly
    ``datetime``'s (``test_clock.py`` compares them), which rounds to the microsecond (half to
    even) and then cuts to the millisecond."""
    if instant is None:
        return None
    if instant < 0:  # never stored (``check_instant``); exact all the same
        text = datetime.fromtimestamp(instant, UTC).isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z")
    second = int(instant)
    micro = round((instant - second) * 1e6)  # exact: as datetime.fromtimestamp rounds
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    return f"{_second_text(second)}.{micro // 1000:03d}Z"


@functools.lru_cache(maxsize=4)
def _second_text(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")



def answered_at(instant: float) -> str:
    """A stored, non-null instant as the answers write it (``isoformat`` without the None)."""
    text = isoformat(instant)
    assert text is not None
    return text

# The instants we store and answer with: 1970 to the end of 9998, so that any of them, moved
# by any allowed clock offset, still formats as an ISO-8601 year (an instant in year 0 or
# 10000 cannot be written back, and would break every read that shows it).
MIN_INSTANT = 0.0
MAX_INSTANT = 253370764800.0  # 9999-01-01T00:00:00Z
MAX_OFFSET_SECONDS = 100 * 365 * 86400


def check_instant(value: float, what: str = "instant") -> float:
    """``value`` if it is a finite instant we can store and format; raises ValueError."""
    if not math.isfinite(value) or not MIN_INSTANT <= value < MAX_INSTANT:
        raise ValueError(f"{what} must be between 1970-01-01 and 9998-12-31")
    return value


def offset_range(real_now: float) -> tuple[int, int]:
    """The offsets allowed at real time ``real_now``: within 100 years, and never putting now
    before 1970 (an instant the dashboard cannot show and an import refuses) or past 9998."""
    lowest = max(-MAX_OFFSET_SECONDS, math.ceil(MIN_INSTANT - real_now))
    highest = min(MAX_OFFSET_SECONDS, math.floor(MAX_INSTANT - 1 - real_now))
    return lowest, highest


def check_offset(value: float, real_now: float | None = None) -> float:
    """``value`` if it is a finite clock offset in ``offset_range``; raises ValueError with the
    range. Checking when the offset is set is enough for the 1970 bound: real time only moves
    forward, so a now that is after 1970 stays after it."""
    lowest, highest = offset_range(time.time() if real_now is None else real_now)
    if not math.isfinite(value) or not lowest <= value <= highest:
        raise ValueError(f"offset_seconds must be from {lowest} to {highest} seconds now: "
                         "within 100 years, and keeping the emulator's now between "
                         "1970-01-01 and 9998-12-31")
    return value


def parse_isoformat(text: str) -> float:
    """Parse an ISO-8601 instant; a naive one is taken as UTC. Raises ValueError, also for an
    instant outside ``check_instant``'s range."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return check_instant(moment.timestamp())
