"""The admin dashboard's sign-in cookie and CSRF tokens.

Signing in means proving you hold the admin token once; the browser then carries a cookie
instead of the token:

* ``fv_dashboard`` = ``v1.<issued at>.<nonce>.<signature>``: the issue time (real POSIX seconds,
  never the emulator's clock, so moving that clock signs nobody out), 16 random bytes, and an
  HMAC-SHA256 of both keyed by a key *derived from the admin token*. Nothing is stored on the
  server: a server restarted with the same token keeps everyone signed in, and a new admin token
  signs everyone out. HttpOnly, SameSite=Strict, Path=/, Max-Age 12 h (also enforced from the
  signed issue time, so a copied cookie stops working after 12 h whatever its Max-Age).
* Every form carries ``csrf`` = HMAC(key, nonce): another site can neither read it nor forge
  it, and it dies with the cookie it belongs to. Every POST but sign-in checks both.

Comparisons are constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from verifier import keys
from verifier.services import services

COOKIE: Final = "fv_dashboard"
MAX_AGE_SECONDS: Final = 12 * 3600
CLOCK_SKEW_SECONDS: Final = 60  # an issue time this far ahead is still believed
CSRF_FIELD: Final = "csrf"
_VERSION: Final = "v1"
_KEY_LABEL: Final = b"ferndesk-verifier dashboard cookie v1"
_NONCE_BYTES: Final = 16


@dataclass(frozen=True, slots=True)
class DashboardSession:
    """A valid sign-in: when it was issued and the CSRF token its forms must carry."""

    issued_at: int
    nonce: str
    csrf: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _key(admin_token: str) -> bytes:
    """The signing key: a new admin token means a new key, so every cookie and CSRF token made
    under the old one stops verifying."""
    return keys.key_from_admin_token(admin_token, _KEY_LABEL)


def _sign(key: bytes, text: str) -> str:
    return _b64(hmac.new(key, text.encode("ascii"), hashlib.sha256).digest())


def _csrf(key: bytes, nonce: str) -> str:
    return _sign(key, f"csrf.{nonce}")


def admin_token_matches(request: Request, given: str) -> bool:
    expected: str = services(request).admin_token
    return keys.tokens_equal(given.strip(), expected)


def new_cookie_value(admin_token: str, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    nonce = _b64(secrets.token_bytes(_NONCE_BYTES))
    payload = f"{_VERSION}.{issued}.{nonce}"
    return f"{payload}.{_sign(_key(admin_token), payload)}"


def read_cookie_value(admin_token: str, value: str | None,
                      now: float | None = None) -> DashboardSession | None:
    """The session a cookie value proves, or None (forged, another token's, expired, junk)."""
    if not value or len(value) > 200:
        return None
    parts = value.split(".")
    if len(parts) != 4 or parts[0] != _VERSION or not parts[1].isdigit():
        return None
    _, issued_text, nonce, signature = parts
    nonce_bytes = _unb64(nonce)
    if nonce_bytes is None or len(nonce_bytes) != _NONCE_BYTES:
        return None
    key = _key(admin_token)
    expected = _sign(key, f"{_VERSION}.{issued_text}.{nonce}")
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii", "replace")):
        return None
    issued = int(issued_text)
    current = time.time() if now is None else now
    if not issued - CLOCK_SKEW_SECONDS <= current < issued + MAX_AGE_SECONDS:
        return None
    return DashboardSession(issued, nonce, _csrf(key, nonce))


def session_of(request: Request) -> DashboardSession | None:
    return read_cookie_value(services(request).admin_token, request.cookies.get(COOKIE))


def csrf_ok(session: DashboardSession | None, form: dict[str, str]) -> bool:
    """True when the form's ``csrf`` field is the one this session's forms carry."""
    if session is None:
        return False
    given = form.get(CSRF_FIELD, "")
    return hmac.compare_digest(session.csrf.encode("ascii"), given.encode("utf-8"))


def set_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(COOKIE, value, max_age=MAX_AGE_SECONDS, path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")


def clear_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
