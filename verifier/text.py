"""Which strings a database can store as text.

JSON can carry two things no text column takes: a NUL character (``\\u0000``), which
PostgreSQL refuses outright, and a lone UTF-16 surrogate (``\\ud800`` without its pair), which
is not Unicode at all and cannot be encoded as UTF-8 for any driver. SQLite would store the
first, so an integration could pass locally and then fail on a shared instance; we refuse both
everywhere, as input errors, before anything is written.
"""

from __future__ import annotations

HAS_NUL = "contains a NUL character (U+0000), which cannot be stored as text"
HAS_LONE_SURROGATE = ("contains a lone UTF-16 surrogate (a \\udXXX escape without its pair), "
                      "which is not valid Unicode")


def unstorable(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, as the end of a sentence that starts with its
    name ("sub contains ..."); None if it can."""
    if "\x00" in value:
        return HAS_NUL
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return HAS_LONE_SURROGATE
    return None
