"""Verify the identify JWT an integrator's backend signs: the public ``tokens`` surface.

Ferndesk's identify call carries an HS256 JWT signed with the help center's secret. The real
product answers every bad token with the same ``invalid_jwt``; this emulator exists so that an
integrator learns *which* mistake they made. This module owns the verdict; the modules beside it
own the rest, each once:

* here, the hot path: one PyJWT signature verification (``algorithms=["HS256"]`` only), one
  strict JSON parse of the payload, then our own claim checks against the emulator's clock
  (``now`` is always passed in: moving the emulator's clock must move expiry, so nothing here
  reads ``time.time()``); and the exception tree below;
* ``verifier.signing``: the key (the secret's UTF-8 bytes), the configured JWS and ``mint``, the
  one function that signs a token (re-exported here);
* ``verifier.diagnoses``: the failure path, which re-reads a refused token, without trusting it,
  to build one precise sentence;
* ``verifier.reasons``: how a sentence shows a value (one quoting style, times, spans).

The contract's rule, checked in this order, the first failure reported: the help center has a
secret; header ``alg`` is exactly ``HS256``; the signature verifies; ``exp`` (optional) is a
number and not past; ``nbf``/``iat``, when present, are numbers and not in the future (60 s
leeway); ``sub`` is a non-empty string; ``email`` looks like an email; ``name``, when present and
not null, is a string; ``customAttributes``, when present and not null, is a JSON object.
Structural problems (not a JWT, bad base64url, header or payload not a JSON object) are
``MalformedToken``; they are found where they stop the reading (header problems before ``alg``,
payload problems after the signature, which is verified over the raw bytes).

Every failure is a ``TokenRejected`` with a one-sentence ``reason``; nothing else ever escapes
``verify_identify_token``, whatever the input::

    TokenRejected                 .reason
    ├── NoSecretConfigured        the help center has no JWT secret
    ├── MalformedToken            not three base64url segments, header/payload not JSON objects
    ├── WrongAlgorithm            alg missing, "none", "HS512", "RS256", "hs256", ...
    ├── BadSignature              not signed with this help center's secret
    ├── Expired                   exp <= now                                .expires_at
    ├── NotYetValid               nbf or iat > now + 60 s                   .claim, .valid_from
    └── InvalidClaim              missing / wrong type / empty / not email  .claim

A reason never contains the secret or the whole token; it may quote a claim's value, cut to 80
characters and escaped so that it is always valid UTF-8.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from jwt.exceptions import InvalidAlgorithmError, InvalidSignatureError, PyJWTError

from verifier.diagnoses import (
    BAD_SIGNATURE,
    ELSEWHERE_HINT,
    READ_ERRORS,
    attributes_reason,
    email_reason,
    expired_reason,
    expiry_in_milliseconds,
    explain_algorithm,
    explain_malformed,
    explain_signature,
    future_reason,
    instant_reason,
    segment_or_reason,
    sub_reason,
)
from verifier.emails import is_email, normalize_email
from verifier.reasons import describe, json_error, json_kind, number_text, quote, redact
from verifier.signing import ALGORITHM, JWS, mint
from verifier.text import HAS_LONE_SURROGATE, unstorable

__all__ = [
    "ALGORITHM",
    "LEEWAY_SECONDS",
    "MAX_ATTRIBUTES_DEPTH",
    "MAX_EMAIL_CHARS",
    "MAX_NAME_CHARS",
    "MAX_SUB_CHARS",
    "NOT_CONFIGURED_REASON",
    "BadSignature",
    "Expired",
    "Identity",
    "InvalidClaim",
    "MalformedToken",
    "NoSecretConfigured",
    "NotYetValid",
    "TokenRejected",
    "WrongAlgorithm",
    "check_claims",
    "check_identity_claims",
    "expiry_in_milliseconds",
    "mint",
    "parse_payload",
    "sub_is_blank",
    "token_fingerprint",
    "unverified_sub",
    "verify_identify_token",
]

LEEWAY_SECONDS: Final = 60  # for nbf and iat only; see check_claims for why exp has none
UNVERIFIED_SUB_LIMIT: Final = 256

NOT_CONFIGURED_REASON: Final = (
    "this help center has no JWT secret: generate one (POST /api/help-centers/{id}/jwt-secret)"
)
# We verify with PyJWT's JWS layer (verifier.signing) and not its JWT layer: with every claim
# check switched off, PyJWT.decode_complete only adds a plain json.loads of the payload (which
# accepts duplicate keys, NaN/Infinity and UTF-16/32 payloads) and a datetime.now() call it then
# ignores. We parse the payload ourselves, strictly, instead.
_ALGORITHMS: Final = [ALGORITHM]


# -- the result and the failures -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identity:
    """The verified user a token identifies."""

    sub: str
    email: str
    name: str | None
    custom_attributes: dict[str, Any] | None
    expires_at: float | None  # the exp claim, if any
    # The verified payload as parsed, kept for identify's warnings (verifier.token_warnings)
    # so that nothing parses the token twice.
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class TokenRejected(Exception):
    """A token the identify call refuses; ``reason`` is one precise sentence for the integrator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason

    def _redact(self, secret: str) -> None:
        # verifier.reasons.redact: the secret never appears in a reason, whatever the claims.
        if secret in self.reason:
            self.reason = redact(self.reason, secret)
            self.args = (self.reason,)


class NoSecretConfigured(TokenRejected):
    """The help center has no JWT secret, so no token can be verified."""


class MalformedToken(TokenRejected):
    """Not a compact JWS: segment count, base64url, JSON, or header/payload not an object."""


class WrongAlgorithm(TokenRejected):
    """Header ``alg`` is missing or anything but exactly ``HS256``."""


class BadSignature(TokenRejected):
    """The HS256 signature was not made with this help center's secret."""


class Expired(TokenRejected):
    """``exp <= now``."""

    def __init__(self, reason: str, expires_at: float) -> None:
        super().__init__(reason)
        self.expires_at = expires_at


class NotYetValid(TokenRejected):
    """``nbf`` or ``iat`` is more than the leeway in the future."""

    def __init__(self, reason: str, claim: str, valid_from: float) -> None:
        super().__init__(reason)
        self.claim = claim
        self.valid_from = valid_from


class InvalidClaim(TokenRejected):
    """A claim is missing, of the wrong type, empty, or (``email``) not shaped like an email."""

    def __init__(self, claim: str, reason: str) -> None:
        super().__init__(reason)
        self.claim = claim




class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _NotJsonConstant(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def _refuse_constant(name: str) -> Any:
    raise _NotJsonConstant(name)


# Strict JSON (RFC 8259): no duplicate keys (JSON parsers disagree on which value wins, so a
# token could mean one user here and another elsewhere), no NaN/Infinity (not JSON). Shared like
# json's own default decoder.
_STRICT_JSON: Final = json.JSONDecoder(
    object_pairs_hook=_object_without_duplicates, parse_constant=_refuse_constant
)


# -- the hot path ----------------------------------------------------------------------------


def verify_identify_token(token: str, secret: str | None, now: float) -> Identity:
    """Verify ``token`` with the help center's ``secret`` at the emulator's instant ``now``.

    Returns the ``Identity``, or raises a ``TokenRejected`` subclass whose ``reason`` names the
    first failed check. No other exception escapes, whatever ``token`` holds. An empty secret is
    treated as no secret. ``now`` is POSIX seconds from the emulator's clock.
    """
    if not secret:
        raise NoSecretConfigured(NOT_CONFIGURED_REASON)
    try:
        return _verify(token, secret, now)
    except TokenRejected as rejected:
        rejected._redact(secret)
        raise


def _verify(token: str, secret: str, now: float) -> Identity:
    # A str that is not ASCII cannot be a JWT, and one with a lone surrogate would make PyJWT's
    # token.encode("utf-8") raise UnicodeEncodeError, which PyJWT does not catch.
    if type(token) is not str or not token.isascii():
        raise MalformedToken(_safely("token is malformed", explain_malformed, token, None))
    try:
        decoded = JWS.decode_complete(token, key=secret, algorithms=_ALGORITHMS)
    except InvalidAlgorithmError as exc:
        raise WrongAlgorithm(_safely("only HS256 is accepted", explain_algorithm, token)) from exc
    except InvalidSignatureError as exc:
        raise BadSignature(
            _safely(f"{BAD_SIGNATURE}: {ELSEWHERE_HINT}", explain_signature, token, secret)
        ) from exc
    except (PyJWTError, *READ_ERRORS) as exc:
        raise MalformedToken(
            _safely("token is malformed", explain_malformed, token, exc)
        ) from exc
    text, claims = parse_payload(decoded["payload"])
    return check_claims(claims, now, text)


def parse_payload(raw: bytes) -> tuple[str, dict[str, Any]]:
    """The payload as a dict, parsed strictly; the signature over it has already been checked."""
    try:
        # RFC 7519 says UTF-8. (json.loads on bytes would also guess UTF-16/32.)
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedToken(
            f"payload is not valid UTF-8 (byte {exc.start} is 0x{raw[exc.start]:02x})"
        ) from exc
    try:
        claims = _STRICT_JSON.decode(text)
    except _DuplicateKey as exc:
        raise MalformedToken(
            f"payload has the key {quote(exc.key)} more than once: JSON parsers disagree on "
            "which value wins, so the token is ambiguous"
        ) from None
    except _NotJsonConstant as exc:
        raise MalformedToken(
            f"payload contains {exc.name}, which is not JSON (numbers must be finite)"
        ) from None
    except json.JSONDecodeError as exc:
        if text.startswith("\ufeff"):
            raise MalformedToken(
                "payload starts with a UTF-8 byte-order mark (EF BB BF), which JSON in a JWT "
                "must not have"
            ) from None
        raise MalformedToken(
            f"payload is not valid JSON: {exc.msg} at character {exc.pos}"
        ) from None
    except RecursionError:
        raise MalformedToken("payload nests arrays or objects too deeply") from None
    except READ_ERRORS as exc:
        raise MalformedToken(f"payload is not usable JSON: {json_error(exc)}") from None
    if type(claims) is not dict:
        raise MalformedToken(f"payload must be a JSON object, got {json_kind(claims)}")
    return text, claims


def check_claims(claims: dict[str, Any], now: float, text: str) -> Identity:
    """The contract's claim checks, in its order, with ``now`` from the emulator's clock.

    ``exp`` has no leeway: the emulator's clock is the one clock that matters, and an integrator
    testing expiry moves it (the clock control) and expects the token to die exactly at ``exp``.
    ``nbf``/``iat`` get 60 s because they come from the signing server's clock, which may run a
    little ahead of ours; refusing a token minted "1 s in the future" would be a false alarm.
    """
    if "exp" in claims:
        expires_at = _instant(claims, "exp")
        if expires_at <= now:
            raise Expired(expired_reason(expires_at, now), expires_at)
    else:
        expires_at = None
    for claim in ("nbf", "iat"):
        if claim in claims:
            valid_from = _instant(claims, claim)
            if valid_from > now + LEEWAY_SECONDS:
                raise NotYetValid(future_reason(claim, valid_from, now, LEEWAY_SECONDS), claim,
                                  valid_from)

    sub = claims.get("sub")
    if type(sub) is not str or sub_is_blank(sub):
        raise InvalidClaim("sub", sub_reason(claims))
    email = claims.get("email")
    if type(email) is not str or not is_email(email):
        raise InvalidClaim("email", email_reason(claims))
    # One spelling per address (NFC, no trailing dot), so the user list and the session show
    # what the uniqueness key compares (verifier.emails).
    email = normalize_email(email)
    name = claims.get("name")
    if name is not None and type(name) is not str:
        raise InvalidClaim("name", f"name must be a string or null, got {describe(name)}")
    attributes = claims.get("customAttributes")
    # ``custom_attributes`` (snake case) is simply ignored, like every claim we do not know:
    # the contract names ``customAttributes``, and refusing a token for an extra claim would
    # break integrators who send both spellings during a migration.
    if attributes is not None and type(attributes) is not dict:
        raise InvalidClaim("customAttributes", attributes_reason(attributes))

    _refuse_oversized(sub, email, name, attributes)

    # A JSON "\uXXXX" escape can smuggle a NUL or a lone surrogate into a str, which no database
    # stores as text (see verifier.text). Only an escaped payload can hold one, so the common
    # case pays for one substring scan.
    if "\\u" in text:
        _refuse_unstorable(sub, email, name, attributes)
    return Identity(sub, email, name, attributes, expires_at, claims)


def check_identity_claims(claims: dict[str, Any]) -> None:
    """The checks identify makes on ``sub``, ``email``, ``name`` and ``customAttributes`` alone
    (no time claims), storability included: what a user imported from a state or a seed must
    pass to be one identify could have bound. Raises ``InvalidClaim``."""
    check_claims({k: v for k, v in claims.items() if k not in ("exp", "nbf", "iat")}, 0.0,
                  "\\u")  # "\\u": always run the storability check, as for an escaped payload


MAX_SUB_CHARS = 512
MAX_EMAIL_CHARS = 320  # RFC 5321's 64 + 1 + 255
MAX_NAME_CHARS = 512
MAX_ATTRIBUTES_DEPTH = 16


def _refuse_oversized(sub: str, email: str, name: str | None, attributes: Any) -> None:
    """Bounds the database and the JSON answer can always hold. Without them a 60 KB ``sub``
    would pass here and then break PostgreSQL's unique index, and a ``customAttributes`` nested
    a thousand levels deep would overflow the recursion of ``json.dumps`` when it is stored."""
    for claim, value, limit in (("sub", sub, MAX_SUB_CHARS), ("email", email, MAX_EMAIL_CHARS),
                                ("name", name, MAX_NAME_CHARS)):
        if value is not None and len(value) > limit:
            raise InvalidClaim(claim, f"{claim} is {len(value)} characters long; the limit is "
                                      f"{limit}")
    if attributes and _depth(attributes, MAX_ATTRIBUTES_DEPTH + 1) > MAX_ATTRIBUTES_DEPTH:
        raise InvalidClaim("customAttributes", "customAttributes nests objects or arrays more "
                                               f"than {MAX_ATTRIBUTES_DEPTH} levels deep")


def _depth(value: Any, stop: int) -> int:
    """Nesting depth of a JSON value, counting no further than ``stop``."""
    if stop <= 0:
        return 0
    if type(value) is dict:
        return 1 + max((_depth(v, stop - 1) for v in value.values()), default=0)
    if type(value) is list:
        return 1 + max((_depth(v, stop - 1) for v in value), default=0)
    return 0


def _instant(claims: dict[str, Any], claim: str) -> float:
    """A NumericDate claim as a float: a JSON number, finite, not a boolean, not a string.

    Numeric strings are refused although PyJWT accepts them (it calls ``int()``): RFC 7519 says
    NumericDate is a JSON number, and Node's verifiers refuse a string (jsonwebtoken: "invalid
    exp value"; jose: '"exp" claim must be a number'), so a token that passed here only through
    PyJWT's leniency would fail in production. Booleans are refused too (``True`` is an int in
    Python, not a number in JSON), and so are non-finite values (``1e400`` parses as infinity).
    """
    value = claims[claim]
    kind = type(value)
    if kind is float:
        number: float = value
        if math.isfinite(number):
            return number
        raise InvalidClaim(claim, f"{claim} must be a finite number, got {number_text(value)}")
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            raise InvalidClaim(
                claim, f"{claim} is out of range: {number_text(value)} seconds since epoch"
            ) from None
    raise InvalidClaim(claim, instant_reason(claim, value))


def _refuse_unstorable(sub: str, email: str, name: str | None, attributes: Any) -> None:
    for claim, value in (("sub", sub), ("email", email), ("name", name)):
        problem = None if value is None else unstorable(value)
        if problem:
            raise InvalidClaim(claim, f"{claim} {problem}")
    if attributes is None:
        return
    # customAttributes is stored as JSON text, where a NUL is escaped; a lone surrogate is not
    # valid in any form. Dumping it whole finds one at any depth, in keys as in values.
    try:
        json.dumps(attributes, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidClaim("customAttributes",
                           f"customAttributes {HAS_LONE_SURROGATE}") from None
    except RecursionError:
        raise InvalidClaim("customAttributes",
                           "customAttributes nests arrays or objects too deeply") from None


# -- the failure path ------------------------------------------------------------------------


def _safely(fallback: str, explain: Callable[..., str], *args: Any) -> str:
    """Run an explanation; should one ever fail on an input nobody foresaw, the token is still
    refused (the class is already decided) with the generic ``fallback``, never a 500."""
    try:
        return explain(*args)
    except Exception:
        return fallback



# -- for logs and the journal ----------------------------------------------------------------


def sub_is_blank(sub: str) -> bool:
    """Whether ``sub`` names no one: empty or only whitespace (``str.isspace``, the characters
    ``str.strip`` removes). Identify refuses such a subject, and so must everything else that
    stores one (the state import), or a blank user could be imported but never identified."""
    return not sub or sub.isspace()


def token_fingerprint(token: str) -> str:
    """A short stable identifier safe for logs: ``jwt:`` and the first 12 hex digits of the
    token's SHA-256. Never the token; two logs of the same token match."""
    data = token if isinstance(token, str) else repr(token)
    return "jwt:" + hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def unverified_sub(token: str) -> str | None:
    """The ``sub`` a token *claims*, read without verifying anything, for the journal of a
    rejected attempt. ``None`` when there is no readable string ``sub``; cut to 256 characters
    and always storable as text. Never raises. Never trust it for anything else."""
    try:
        if not isinstance(token, str) or not token.isascii():
            return None
        segments = token.split(".")
        if len(segments) != 3:
            return None
        payload = segment_or_reason(segments[1], "payload")
        if isinstance(payload, str):
            return None
        claims = _STRICT_JSON.decode(payload.decode("utf-8"))
    except (_DuplicateKey, _NotJsonConstant, *READ_ERRORS):
        return None
    sub = claims.get("sub") if type(claims) is dict else None
    if type(sub) is not str or not sub:
        return None
    # Storable as text everywhere (see verifier.text): a NUL or a lone surrogate is kept as its
    # escape, which still shows the integrator what their token carried.
    return (sub[:UNVERIFIED_SUB_LIMIT].replace("\x00", "\\x00")
            .encode("utf-8", "backslashreplace").decode("utf-8"))
