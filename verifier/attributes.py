"""The values a help center user's ``attributes`` may hold, and how a refused one is named.

Ferndesk's user-group audience rules match attributes: a string, a number, a boolean, or a list
of one of those (contract section 7). A value no rule can match (``null``, an object, a list
mixing types or holding lists) is refused by the Users API (``422`` naming the key) and, when it
comes in a token's ``customAttributes``, left out of ``attributes`` and named in a warning
(contract section 8). One rule, one module: both paths ask ``value_problem``.
"""

from __future__ import annotations

import math
from typing import Any, Final

ALLOWED: Final = ("a string, a number, a boolean, or an array whose items are all strings, all "
                  "numbers or all booleans")


def value_problem(value: Any) -> str | None:
    """None if ``value`` is an attribute value rules can match; else what it is, in words
    (``"null"``, ``"an object"``, ``"an array mixing strings and numbers"``...)."""
    kind = _primitive(value)
    if kind is not None:
        return None if kind != "a non-finite number" else kind
    if isinstance(value, list):
        kinds = {_primitive(item) or _described(item) for item in value}
        if len(kinds) <= 1 and not kinds & {"null", "an object", "an array",
                                            "a non-finite number"}:
            return None
        if len(kinds) == 1:
            return f"an array of {_plural(kinds.pop())}"
        return "an array mixing " + " and ".join(sorted(_plural(kind) for kind in kinds))
    return _described(value)


def split(attributes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """``attributes`` cut in two: the values rules can match, and the others' problems by key
    (in the order given)."""
    kept: dict[str, Any] = {}
    refused: dict[str, str] = {}
    for key, value in attributes.items():
        problem = value_problem(value)
        if problem is None:
            kept[key] = value
        else:
            refused[key] = problem
    return kept, refused


def _primitive(value: Any) -> str | None:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a number" if math.isfinite(value) else "a non-finite number"
    return None


def _described(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return _primitive(value) or type(value).__name__


def _plural(kind: str) -> str:
    return {"a string": "strings", "a number": "numbers", "a boolean": "booleans",
            "null": "nulls", "an object": "objects", "an array": "arrays",
            "a non-finite number": "non-finite numbers"}.get(kind, kind)
