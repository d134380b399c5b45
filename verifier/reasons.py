"""How a reason shows a value: the one quoting style and the formats of numbers, times and spans.

Every sentence the token checks write (``verifier.tokens``, ``verifier.diagnoses``,
``verifier.inspection``) shows untrusted values through these functions, so one value reads the
same wherever it appears. The one quoting style is JSON's: ``"..."`` with JSON escapes, as the
integrator wrote the value in their token, cut to ``QUOTE_LIMIT`` characters and always valid
UTF-8 (a lone surrogate is shown as its escape). Pure: no I/O, no clock.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any, Final

__all__ = [
    "QUOTE_LIMIT",
    "SECRET_PLACEHOLDER",
    "cap",
    "describe",
    "is_number",
    "iso",
    "json_error",
    "json_kind",
    "number_text",
    "quote",
    "redact",
    "seconds_text",
    "span",
]

QUOTE_LIMIT: Final = 80  # characters of a claim's value a reason may quote
SECRET_PLACEHOLDER: Final = "<this help center's secret>"  # noqa: S105 (what replaces one)
# Shorter secrets are left alone: a 3-letter (imported) secret would match ordinary words.
_REDACT_FROM: Final = 8


def cap(text: str) -> str:
    """At most QUOTE_LIMIT characters, always encodable as UTF-8 (lone surrogates escaped)."""
    if len(text) > QUOTE_LIMIT:
        text = text[:QUOTE_LIMIT] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def quote(text: str) -> str:
    """``text`` as a reason shows it: the one quoting style, JSON's ``"..."``, capped."""
    return json.dumps(cap(text), ensure_ascii=False)


def is_number(value: Any) -> bool:
    return type(value) is int or type(value) is float


def number_text(value: float) -> str:
    if type(value) is float:
        return repr(value)
    try:
        digits = str(value)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        return "an integer too long to print"
    if len(digits) > 30:
        return f"{digits[:12]}… (an integer of {len(digits.lstrip('-'))} digits)"
    return digits


def json_kind(value: Any) -> str:
    """How an integrator would name the JSON type of ``value``."""
    if value is None:
        return "null"
    if type(value) is bool:
        return "a boolean"
    if is_number(value):
        return "a number"
    if type(value) is str:
        return "a string"
    if type(value) is list:
        return "an array"
    if type(value) is dict:
        return "an object"
    return type(value).__name__


def describe(value: Any) -> str:
    """The JSON type of ``value`` and, for scalars, the value (capped)."""
    if value is None:
        return "null"
    if type(value) is bool:
        return f"the boolean {'true' if value else 'false'}"
    if is_number(value):
        return f"the number {number_text(value)}"
    if type(value) is str:
        return f"a string {quote(value)}"
    return json_kind(value)


def seconds_text(value: float) -> str:
    if abs(value) >= 1e15:
        return f"{value:.3g}"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def span(seconds: float) -> str:
    """``600 s``, or ``7500 s = 2 h 5 min`` once it is an hour or more. From ten seconds on,
    whole seconds: with a real clock ``600.212 s`` is noise, while under a second the fraction
    is the whole story (``0.5 s``)."""
    if 10 <= abs(seconds) < 1e15:
        seconds = float(round(seconds))
    text = f"{seconds_text(seconds)} s"
    if 3600 <= seconds < 1e12:
        whole = int(seconds)
        days, rest = divmod(whole, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        if days:
            human = f"{days} d {hours} h" if hours else f"{days} d"
        else:
            human = f"{hours} h {minutes} min" if minutes else f"{hours} h"
        text += f" = {human}"
    return text


def iso(instant: float) -> str:
    """ISO-8601 UTC with a Z: whole seconds, or milliseconds for a fractional instant."""
    try:
        moment = datetime.fromtimestamp(instant, UTC)
    except (OverflowError, ValueError, OSError):
        return f"{seconds_text(instant)} (seconds since epoch, outside the calendar)"
    spec = "seconds" if float(instant).is_integer() else "milliseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def json_error(exc: BaseException) -> str:
    message = str(exc)
    if "integer string conversion" in message:
        return f"it has an integer of more than {sys.get_int_max_str_digits()} digits"
    return cap(message)


def redact(text: str, secret: str) -> str:
    """``text`` with ``secret`` replaced by a placeholder. Defence in depth: a reason quotes at
    most 80 characters of a claim, but an integrator could have put the secret itself in one."""
    if len(secret) >= _REDACT_FROM and secret in text:
        return text.replace(secret, SECRET_PLACEHOLDER)
    return text
