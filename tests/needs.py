"""What a test does when a tool it needs is missing: skip loudly on a developer's machine, fail
under ``CI=true``, where a skip would hide that CI tested less than it says (browser, Node,
container tests alike)."""

from __future__ import annotations

import os

import pytest


def need(problem: str | None, what: str) -> None:
    """Return if ``problem`` is None; else skip (``WHAT SKIPPED: problem``) or, under CI,
    fail (``what cannot run in CI: problem``)."""
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} cannot run in CI: {problem}")
    pytest.skip(f"{what.upper()} SKIPPED: {problem}")
