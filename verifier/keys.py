"""Per-help-center JWT secrets: how they are made and how they are shown.

The real service shows a secret once and then only lets you delete it. We generate secrets with
``secrets`` (256 bits, URL-safe text so it pastes cleanly into an env file) and show a short
fingerprint so an admin can tell which secret a backend has without the secret itself.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

SECRET_BYTES = 32  # 256 bits of randomness, the contract's minimum


def generate_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def fingerprint(secret: str) -> str:
    """``sha256:`` and the first 16 hex digits of the secret's SHA-256: enough to compare, useless
    to forge."""
    return "sha256:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def tokens_equal(given: str, expected: str) -> bool:
    """Constant-time comparison for the admin token, so timing does not leak its prefix."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def generate_admin_token() -> str:
    return "fva_" + secrets.token_urlsafe(24)


@functools.lru_cache(maxsize=16)
def key_from_admin_token(admin_token: str, purpose: bytes) -> bytes:
    """A signing key for one ``purpose`` (the dashboard's cookies, the widget frame's tokens):
    the admin token never signs anything itself, each purpose's signatures are useless for the
    others, and a new admin token voids everything signed under the old one. Every worker
    shares the token, so they all derive the same key and nothing is stored."""
    return hmac.new(admin_token.encode("utf-8"), purpose, hashlib.sha256).digest()
