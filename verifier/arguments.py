"""The command line's argument types: each turns one flag's text into a value, or raises
``argparse.ArgumentTypeError`` with the one-line reason argparse prints (a usage error, exit 2).

``checked(name)`` gives a serve flag the very check its ``FERNDESK_VERIFIER_*`` twin passes
(``settings.CHECKS``), so a flag and its variable are refused alike. The rest serve ``token`` and
``inspect``: durations, instants, ``--attr``/``--claim`` pairs and secrets.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
from typing import Any

from verifier.clock import parse_isoformat
from verifier.settings import CHECKS, SettingError

__all__ = ["attribute", "checked", "claim", "duration", "instant", "secret_argument",
           "secret_from_environment"]


def checked(name: str) -> Any:
    """The argparse type of setting ``name``: the check its environment twin also passes."""
    check = CHECKS[name]

    def parse(text: str) -> Any:
        try:
            return check(text)
        except SettingError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name
    return parse


_DURATION = re.compile(r"(-?\d+)\s*([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> int:
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"expected a duration such as 90s, 15m, 1h, 2d or 3600, got {text!r}")
    return int(match[1]) * _UNIT_SECONDS[match[2]]


def instant(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return parse_isoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO-8601 instant such as 2026-11-25T10:00:00Z, got {text!r}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400: JSON's grammar allows it, no token can carry it
        raise ValueError(f"{text} is too large for a JSON number")
    return value


def _json_value(text: str) -> Any:
    """Strict JSON: NaN and Infinity (which Python's json accepts) are refused, and so is a
    number too large to be finite (1e400)."""
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)


def _key_value(text: str, what: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return key, value


def attribute(text: str) -> tuple[str, Any]:
    key, value = _key_value(text, "KEY=VALUE")
    try:
        return key, _json_value(value)
    except ValueError:
        return key, value


def claim(text: str) -> tuple[str, Any]:
    key, value = _key_value(text, "KEY=JSON")
    try:
        return key, _json_value(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the value of {key} must be JSON, got {value!r}; quote strings: "
            f"{key}='\"{value}\"'") from None


def secret_argument(text: str) -> str:
    if not text:
        raise argparse.ArgumentTypeError("the secret is empty")
    return text


def secret_from_environment(name: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise argparse.ArgumentTypeError(f"environment variable {name} is not set")
    if not value:
        raise argparse.ArgumentTypeError(f"environment variable {name} is empty")
    return value
