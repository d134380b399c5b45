"""``serve --seed FILE``: read a seed (JSON, or the same shape in TOML) and merge it in.

Seeding is idempotent: a help center that exists (by ``id``) is updated to match the seed, so
restarting a CI job with the same seed on the same database gives the same state. The shape and
its validation are ``state.py``'s, shared with ``PUT /api/emulator/state``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from verifier.state import StateError, import_state


class SeedError(ValueError):
    """The seed cannot be loaded; the message names the file and the entry."""


def read_seed(path: str) -> dict[str, Any]:
    text = Path(path).read_text(encoding="utf-8")
    kind = "TOML" if path.endswith(".toml") else "JSON"
    try:
        data = tomllib.loads(text) if kind == "TOML" else json.loads(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError and JSONDecodeError are ValueErrors
        raise SeedError(f"{path}: not valid {kind}: {exc}") from None
    if not isinstance(data, dict):
        raise SeedError(f"{path}: expected an object with a help_centers list")
    return data


def apply_seed(engine: Engine, data: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        return import_state(engine, data, replace=False)
    except StateError as exc:
        raise SeedError(str(exc)) from None
