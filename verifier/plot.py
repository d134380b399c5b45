"""The identify-outcomes plot: stacked bars of outcome codes per time bucket, as data.

A pure function of the attempts (each an ISO ``at`` and a ``code``): no database, no request, no
clock of its own (the time axis is the attempts' own span). ``build_plot`` lays the chart out in
Python, coordinates included, so the template only writes each mark as SVG; the summary sentence
is the chart's text alternative (``aria-label`` and ``<title>``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from verifier.clock import parse_isoformat
from verifier.human_time import human_time

# The identify outcomes, in the order the plot stacks them and the filter lists them.
OUTCOMES: Final = ("ok", "jwt_required", "invalid_jwt", "domain_mismatch", "subject_mismatch",
                   "invalid_request", "injected_fault", "unavailable")
COLOURS: Final = {  # each >= 3:1 against the white plot background (WCAG 1.4.11)
    "ok": "#1a7f37",
    "jwt_required": "#0969da",
    "invalid_jwt": "#cf222e",
    "domain_mismatch": "#bc4c00",
    "subject_mismatch": "#8250df",
    "invalid_request": "#6e7781",
    "injected_fault": "#9a6700",
    "unavailable": "#1b7c83",
}
OTHER_COLOUR: Final = "#424a53"
# Bucket spans for the plot: the first that gives at most PLOT_BUCKETS buckets wins.
BUCKET_SPANS: Final = (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
                       43200, 86400, 2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400,
                       91 * 86400, 365 * 86400)
PLOT_BUCKETS: Final = 30
PLOT_MIN_WINDOW: Final = 300.0  # a burst of attempts still shows as a bar among a few minutes


@dataclass
class Bar:
    """One outcome's part of one bucket's bar, in SVG user units; ``title`` is its tooltip."""

    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass
class Plot:
    """The identify-outcomes chart, laid out in Python and drawn by the template as SVG."""

    width: int = 760
    height: int = 240
    left: int = 44
    right: int = 12
    top: int = 12
    bottom: int = 34
    bars: list[Bar] = field(default_factory=list)
    legend: list[tuple[str, str, int]] = field(default_factory=list)  # code, colour, count
    x_labels: list[tuple[float, str, str]] = field(default_factory=list)  # x, text, anchor
    y_ticks: list[tuple[float, int]] = field(default_factory=list)  # y, value
    summary: str = ""
    span_text: str = ""

    @property
    def inner_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def inner_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> int:
        return self.height - self.bottom


def colour_of(code: str) -> str:
    """The outcome's colour; every code the contract does not list shares one."""
    return COLOURS.get(code, OTHER_COLOUR)


def span_text(seconds: int) -> str:
    """A bucket span in its largest whole unit: ``5 minutes``, ``1 day``, ``90 seconds``."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"1 {unit}" if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"


def outcome_order(codes: set[str]) -> list[str]:
    """The contract's outcomes first, in their order, then any other code alphabetically."""
    return [c for c in OUTCOMES if c in codes] + sorted(codes - set(OUTCOMES))


def build_plot(attempts: list[dict[str, Any]]) -> Plot | None:
    """Stacked bars of identify outcomes per time bucket (``ok`` at the bottom, then each error
    code), or None when there is nothing to draw."""
    if not attempts:
        return None
    plot = Plot()
    instants = [(parse_isoformat(a["at"]), a["code"]) for a in attempts]
    end = max(at for at, _ in instants)
    start = min(min(at for at, _ in instants), end - PLOT_MIN_WINDOW)
    span = next((s for s in BUCKET_SPANS
                 if math.floor(end / s) - math.floor(start / s) + 1 <= PLOT_BUCKETS),
                BUCKET_SPANS[-1])
    first = math.floor(start / span)
    count = math.floor(end / span) - first + 1
    buckets: list[Counter[str]] = [Counter() for _ in range(count)]
    for at, code in instants:
        buckets[min(math.floor(at / span) - first, count - 1)][code] += 1
    totals = Counter(code for _, code in instants)
    order = outcome_order(set(totals))
    peak = max(sum(bucket.values()) for bucket in buckets)
    slot = plot.inner_width / count
    bar_width = min(slot * 0.8, 48.0)
    scale = plot.inner_height / peak
    with_seconds = span < 60
    days = {datetime.fromtimestamp(at, UTC).date() for at, _ in instants}
    label_format = "%H:%M:%S" if with_seconds else "%H:%M"
    if len(days) > 1 or span >= 86400:
        label_format = "%m-%d %H:%M" if span < 86400 else "%Y-%m-%d"

    def label(bucket: int) -> str:
        return datetime.fromtimestamp((first + bucket) * span, UTC).strftime(label_format)

    for index, bucket in enumerate(buckets):
        x = plot.left + index * slot + (slot - bar_width) / 2
        y = float(plot.baseline)
        when = f"{label(index)} to {label(index + 1)} UTC"
        for code in order:
            if not bucket[code]:
                continue
            height = bucket[code] * scale
            y -= height
            plot.bars.append(Bar(round(x, 2), round(y, 2), round(bar_width, 2),
                                 round(height, 2), colour_of(code),
                                 f"{when}: {bucket[code]} {code}"))
    plot.legend = [(code, colour_of(code), totals[code]) for code in order]
    for value in sorted({0, peak // 2, peak}):
        plot.y_ticks.append((round(plot.baseline - value * scale, 2), value))
    marks = sorted({0, count // 2, count - 1})
    for index, mark in enumerate(marks):
        anchor = "start" if index == 0 and len(marks) > 1 else (
            "end" if mark == count - 1 and len(marks) > 1 else "middle")
        x = plot.left + mark * slot + (slot / 2 if anchor == "middle" else 0)
        if anchor == "end":
            x = plot.left + (mark + 1) * slot
        plot.x_labels.append((round(x, 2), label(mark), anchor))
    plot.span_text = span_text(span)
    counts = ", ".join(f"{totals[code]} {code}" for code in order)
    plot.summary = (f"Identify outcomes from {human_time(start, seconds=with_seconds)} to "
                    f"{human_time(end, seconds=with_seconds)}, in buckets of {plot.span_text}: "
                    f"{counts}.")
    return plot
