"""The identify-outcomes plot as a pure function: attempts (an ISO instant and an outcome code
each) in, the chart's data out. A table of inputs and what the chart must say about them."""

from __future__ import annotations

import ast
import time
from pathlib import Path
from typing import Any

import pytest

from verifier import plot
from verifier.clock import parse_isoformat

BASE = parse_isoformat("2026-11-25T09:00:00Z")


def at(offset: float, code: str) -> dict[str, Any]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(BASE + offset))
    return {"at": stamp, "code": code}


# attempts, bucket span, legend (code, count), y-axis ticks, bars, x labels, summary
CHARTS = [
    pytest.param(
        [at(0, "ok")], "15 seconds", [("ok", 1)], [0, 1], 1,
        ["08:55:00", "08:57:30", "09:00:00"],
        "Identify outcomes from 2026-11-25 08:55:00 UTC to 2026-11-25 09:00:00 UTC, in buckets "
        "of 15 seconds: 1 ok.",
        id="one attempt still spans five minutes"),
    pytest.param(
        [at(0, "ok"), at(1, "invalid_jwt"), at(2, "ok")], "15 seconds",
        [("ok", 2), ("invalid_jwt", 1)], [0, 1, 3], 2,
        ["08:55:00", "08:57:30", "09:00:00"],
        "Identify outcomes from 2026-11-25 08:55:02 UTC to 2026-11-25 09:00:02 UTC, in buckets "
        "of 15 seconds: 2 ok, 1 invalid_jwt.",
        id="a burst stacks in one bar, ok at the bottom"),
    pytest.param(
        [at(0, "ok"), at(5, "ok"), at(30, "invalid_jwt"), at(3600, "domain_mismatch"),
         at(7200, "ok"), at(7201, "weird_code")], "5 minutes",
        [("ok", 3), ("invalid_jwt", 1), ("domain_mismatch", 1), ("weird_code", 1)], [0, 1, 3], 5,
        ["09:00", "10:00", "11:00"],
        "Identify outcomes from 2026-11-25 09:00 UTC to 2026-11-25 11:00 UTC, in buckets of "
        "5 minutes: 3 ok, 1 invalid_jwt, 1 domain_mismatch, 1 weird_code.",
        id="two hours in five-minute buckets, an unknown code last"),
    pytest.param(
        [at(0, "jwt_required"), at(3 * 86400, "ok")], "3 hours",
        [("ok", 1), ("jwt_required", 1)], [0, 1], 2,
        ["11-25 09:00", "11-26 21:00", "11-28 09:00"],
        "Identify outcomes from 2026-11-25 09:00 UTC to 2026-11-28 09:00 UTC, in buckets of "
        "3 hours: 1 ok, 1 jwt_required.",
        id="several days label the date"),
    pytest.param(
        [at(0, "ok"), at(2 * 365 * 86400, "unavailable")], "30 days",
        [("ok", 1), ("unavailable", 1)], [0, 1], 2,
        ["2026-11-03", "2027-11-28", "2028-11-22"],
        "Identify outcomes from 2026-11-25 09:00 UTC to 2028-11-24 09:00 UTC, in buckets of "
        "30 days: 1 ok, 1 unavailable.",
        id="years in day buckets label only the date"),
    pytest.param(
        [at(15 * 3600 - 60, "ok"), at(15 * 3600 + 60, "subject_mismatch")], "15 seconds",
        [("ok", 1), ("subject_mismatch", 1)], [0, 1], 2,
        ["11-25 23:56", "11-25 23:58", "11-26 00:01"],
        "Identify outcomes from 2026-11-25 23:56:00 UTC to 2026-11-26 00:01:00 UTC, in buckets "
        "of 15 seconds: 1 ok, 1 subject_mismatch.",
        id="across midnight the labels carry the date"),
]


@pytest.mark.parametrize(("attempts", "span", "legend", "ticks", "bars", "labels", "summary"),
                         CHARTS)
def test_the_plot_says_what_the_attempts_were(attempts: list[dict[str, Any]], span: str,
                                               legend: list[tuple[str, int]], ticks: list[int],
                                               bars: int, labels: list[str],
                                               summary: str) -> None:
    chart = plot.build_plot(attempts)
    assert chart is not None
    assert chart.span_text == span
    assert [(code, count) for code, _, count in chart.legend] == legend
    assert [colour for _, colour, _ in chart.legend] == [plot.colour_of(c) for c, _ in legend]
    assert [value for _, value in chart.y_ticks] == ticks
    assert len(chart.bars) == bars
    assert [text for _, text, _ in chart.x_labels] == labels
    assert chart.summary == summary
    assert all(chart.left <= bar.x and bar.x + bar.width <= chart.width - chart.right
               for bar in chart.bars)
    assert all(chart.top <= bar.y and bar.y + bar.height <= chart.baseline + 0.01
               for bar in chart.bars)


def test_no_attempts_draw_no_plot() -> None:
    assert plot.build_plot([]) is None


def test_the_tallest_bucket_fills_the_plot_height() -> None:
    chart = plot.build_plot([at(0, "ok"), at(1, "ok"), at(2, "invalid_jwt"), at(100, "ok")])
    assert chart is not None
    tallest = sum(bar.height for bar in chart.bars if bar.x == chart.bars[0].x)
    assert tallest == pytest.approx(chart.inner_height)


@pytest.mark.parametrize(("codes", "order"), [
    (set(), []),
    ({"invalid_jwt", "ok"}, ["ok", "invalid_jwt"]),
    ({"zz", "unavailable", "aa"}, ["unavailable", "aa", "zz"]),
    (set(plot.OUTCOMES), list(plot.OUTCOMES)),
])
def test_outcomes_keep_the_contract_order_then_unknown_codes_sorted(codes: set[str],
                                                                   order: list[str]) -> None:
    assert plot.outcome_order(codes) == order


@pytest.mark.parametrize(("code", "colour"), [
    ("ok", "#1a7f37"), ("invalid_jwt", "#cf222e"), ("weird_code", plot.OTHER_COLOUR)])
def test_each_outcome_has_its_colour_and_unknown_codes_share_one(code: str,
                                                                  colour: str) -> None:
    assert plot.colour_of(code) == colour


@pytest.mark.parametrize(("seconds", "text"), [
    (10, "10 seconds"), (60, "1 minute"), (300, "5 minutes"), (3600, "1 hour"),
    (10800, "3 hours"), (86400, "1 day"), (30 * 86400, "30 days"), (90, "90 seconds")])
def test_bucket_spans_read_in_the_largest_whole_unit(seconds: int, text: str) -> None:
    assert plot.span_text(seconds) == text


def test_the_plot_module_touches_no_database_and_no_request() -> None:
    tree = ast.parse(Path(plot.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported
                if name.split(".")[0] in {"sqlalchemy", "starlette", "jinja2"}
                or name in {"verifier.store", "verifier.models", "verifier.db"}}, imported
