"""What a worker remembers of the widgets it has read, and how a call decided on a remembered
widget is guarded, so that remembering never lets a stale secret, domain or clock through.

Reading the widget costs identify a round trip to the writer's thread (and on PostgreSQL to the
server), so a worker remembers what it read: the help center's id, domain and secret, the
shared clock, for ``WIDGETS_REMEMBERED`` widgets, the oldest forgotten first. A widget with a
pending fault is never remembered (the fault must be consumed by a fresh read).

A remembered widget is never trusted alone. The transaction that writes a call decided on it
first re-checks that the help center, its secret, domain and clock are unchanged and no fault
is pending, and writes nothing otherwise: the call then raises ``StaleWidget`` and is decided
again on a fresh read. So a secret deleted, a reset, the clock moved or a fault injected through
any worker stops every other worker at its next call, with no notification to miss.
- PostgreSQL: ``GUARD`` is part of each write statement (the secret compared as a SHA-256: a
  statement's text may reach the server's log).
- SQLite: ``GUARD_CHECK`` runs first in the write transaction, which holds the file's write
  lock, so nothing can change between the check and the writes.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

from verifier.clock import ClockSetting

WIDGETS_REMEMBERED = 1024  # per worker

# Rows come FROM g, which is empty unless the remembered state is still the database's.
GUARD = (
    "g AS (SELECT 1 FROM help_centers h JOIN emulator_clock c ON c.id = 1 "
    "WHERE h.id = :hc AND h.widget_id = :widget_id AND h.domain = :domain "
    "AND encode(sha256(convert_to(h.jwt_secret, 'UTF8')), 'hex') "
    "IS NOT DISTINCT FROM :secret_sha256 "
    "AND c.offset_seconds = :offset AND c.frozen_at IS NOT DISTINCT FROM :frozen "
    "AND NOT EXISTS (SELECT 1 FROM emulator_faults f WHERE f.help_center_id = h.id "
    "AND f.remaining > 0))"
)

GUARD_CHECK = (
    "SELECT 1 FROM help_centers h JOIN emulator_clock c ON c.id = 1 "
    "WHERE h.id = :hc AND h.widget_id = :widget_id AND h.domain = :domain "
    "AND h.jwt_secret IS :secret AND c.offset_seconds = :offset AND c.frozen_at IS :frozen "
    "AND NOT EXISTS (SELECT 1 FROM emulator_faults f WHERE f.help_center_id = h.id "
    "AND f.remaining > 0)"
)


@dataclass(frozen=True, slots=True)
class Widget:
    """A help center as identify decides on it."""

    widget_id: str
    help_center_id: str
    domain: str
    jwt_secret: str | None
    clock: ClockSetting
    faults_pending: bool = False
    # Taken from this worker's memory, not read for this call: every write the call makes is
    # then guarded by the state it was decided on.
    remembered: bool = False


class StaleWidget(Exception):
    """What this worker remembered of a widget changed in the database: decide the call again
    on a fresh read."""


def guard_values(widget: Widget, *, hashed: bool) -> dict[str, Any]:
    """The state a remembered widget's call was decided on, as ``GUARD`` (``hashed``) or
    ``GUARD_CHECK`` checks it."""
    secret = widget.jwt_secret
    values = {"hc": widget.help_center_id, "widget_id": widget.widget_id,
              "domain": widget.domain, "offset": widget.clock.offset_seconds,
              "frozen": widget.clock.frozen_at}
    if hashed:
        values["secret_sha256"] = (None if secret is None
                                   else hashlib.sha256(secret.encode()).hexdigest())
    else:
        values["secret"] = secret
    return values


class WidgetCache:
    """The widgets one worker remembers. Touched only from the event loop's thread."""

    def __init__(self) -> None:
        self._known: dict[str, Widget] = {}

    def get(self, widget_id: str) -> Widget | None:
        return self._known.get(widget_id)

    def saw(self, widget_id: str, widget: Widget | None) -> None:
        """A fresh read's result: remembered if it may be, else whatever was is forgotten."""
        if widget is None or widget.faults_pending:
            self._known.pop(widget_id, None)
            return
        if widget_id not in self._known and len(self._known) >= WIDGETS_REMEMBERED:
            self._known.pop(next(iter(self._known)))
        self._known[widget_id] = dataclasses.replace(widget, remembered=True)

    def forget(self, widget_id: str) -> None:
        """A guard found the widget changed: the next call reads it afresh."""
        self._known.pop(widget_id, None)
