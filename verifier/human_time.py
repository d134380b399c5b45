"""Instants as people read them: one format, ``2026-11-25 09:00:01 UTC``, for every dashboard
page (the ``fmt`` of its templates) and the plot's summary."""

from __future__ import annotations

from datetime import UTC, datetime

from verifier.clock import parse_isoformat


def human_time(value: str | float | None, seconds: bool = True) -> str:
    """An instant for people (ISO text or POSIX seconds); ``never`` for None."""
    if value is None:
        return "never"
    instant = parse_isoformat(value) if isinstance(value, str) else value
    shown = datetime.fromtimestamp(instant, UTC)
    return shown.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")
