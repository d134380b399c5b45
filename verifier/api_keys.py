"""Users API keys (``fdsk_...``): how they are made, what one looks like, how they are shown.

The real product's API keys are organization-wide; the emulator scopes each to one help center
(one help center per organization is its simplification). A key is shown once, when made; after
that only its fingerprint, computed as ``keys.fingerprint`` does for JWT secrets, so an admin
can tell which key a backend holds. The key itself is kept, not a hash of it: exports carry it,
as they carry the JWT secret. Pure functions; the table is ``models.api_keys``.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

from verifier import keys

PREFIX: Final = "fdsk_"
MAX_KEY_CHARS: Final = 200
# What ``generate`` makes (``fdsk_`` and 32 URL-safe characters), and what an import may give:
# the prefix and URL-safe text, so a key pastes into an env file and a header unchanged.
_SHAPE: Final = re.compile(r"fdsk_[A-Za-z0-9_-]{16,195}")


def generate() -> str:
    """A new key: ``fdsk_`` and 192 bits of randomness."""
    return PREFIX + secrets.token_urlsafe(24)


def new_key_id() -> str:
    return "key_" + secrets.token_hex(8)


def fingerprint(key: str) -> str:
    return keys.fingerprint(key)


def key_problem(text: str) -> str | None:
    """Why ``text`` cannot be an API key, in words that never repeat it; None if it can."""
    if _SHAPE.fullmatch(text):
        return None
    if not text.startswith(PREFIX):
        return f"an API key starts with {PREFIX}"
    if len(text) > MAX_KEY_CHARS:
        return f"an API key is at most {MAX_KEY_CHARS} characters"
    return (f"an API key is {PREFIX} and at least 16 URL-safe characters (letters, digits, "
            "- and _)")
