"""Bounded fuzzing: schemathesis against a real server, hypothesis properties of the rules.

Every test here carries the ``fuzz`` marker, so ``pytest -m "not fuzz"`` skips them locally;
CI runs them. Each one is bounded (a fixed number of examples, derandomized, no example
database: see ``contract.FUZZ``), so a run tests the same inputs every time and takes a known,
short time.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz: bounded fuzzing (schemathesis, hypothesis); deselect with -m 'not fuzz'")
