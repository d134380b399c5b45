"""Verify the identify JWT an integrator's backend signs, and say exactly why one is refused.

Ferndesk's identify call carries an HS256 JWT signed with the help center's secret. The real
product answers every bad token with the same ``invalid_jwt``; this emulator exists so that an
integrator learns *which* mistake they made. So this module does two jobs:

* the hot path: one PyJWT signature verification (``algorithms=["HS256"]`` only), one strict JSON
  parse of the payload, then our own claim checks against the emulator's clock (``now`` is
  always passed in: moving the emulator's clock must move expiry, so nothing here reads
  ``time.time()``);
* the failure path: re-read the token, without trusting it, to build one precise sentence.

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

import base64
import binascii
import hashlib
import hmac
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from jwt.algorithms import HMACAlgorithm
from jwt.api_jws import PyJWS
from jwt.exceptions import InvalidAlgorithmError, InvalidSignatureError, PyJWTError

from verifier.emails import email_problem, is_email, normalize_email
from verifier.text import HAS_LONE_SURROGATE, unstorable

__all__ = [
    "ALGORITHM",
    "LEEWAY_SECONDS",
    "BadSignature",
    "Expired",
    "Identity",
    "InvalidClaim",
    "MalformedToken",
    "NoSecretConfigured",
    "NotYetValid",
    "TokenRejected",
    "WrongAlgorithm",
    "expiry_in_milliseconds",
    "sub_is_blank",
    "token_fingerprint",
    "unverified_sub",
    "verify_identify_token",
]

ALGORITHM: Final = "HS256"
LEEWAY_SECONDS: Final = 60  # for nbf and iat only; see _check_claims for why exp has none
QUOTE_LIMIT: Final = 80  # characters of a claim's value a reason may quote
UNVERIFIED_SUB_LIMIT: Final = 256

NOT_CONFIGURED_REASON: Final = (
    "this help center has no JWT secret: generate one (POST /api/help-centers/{id}/jwt-secret)"
)
_BAD_SIGNATURE: Final = "signature does not match this help center's secret"
_ELSEWHERE_HINT: Final = (
    "was the token signed with another help center's secret or a deleted one?"
)
# The contract's words; verifier.emails holds the rule itself (and its finer points: every
# label of the domain non-empty, no invisible character).
_EMAIL_RULE: Final = "(one @, a non-empty local part, a domain with a dot, no spaces)"
_SUB_ALIASES: Final = ("userId", "user_id", "userID", "uid", "id")
_JSON_QUOTED: Final = (
    "the jwt is wrapped in double quotes: your backend sent it as JSON (res.json(token)); send "
    "the bare token (res.send(token)) or read it with r.json()"
)
_EMAIL_ALIASES: Final = ("emailAddress", "email_address", "mail", "userEmail")
_MILLISECONDS_FROM: Final = 1e11  # a "seconds" value past year 5138 is surely milliseconds
_DURATION_BELOW: Final = 1e9  # an exp before 2001 is likely a duration, not an instant

_BASE64URL_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)


# -- the result and the failures -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identity:
    """The verified user a token identifies."""

    sub: str
    email: str
    name: str | None
    custom_attributes: dict[str, Any] | None
    expires_at: float | None  # the exp claim, if any


class TokenRejected(Exception):
    """A token the identify call refuses; ``reason`` is one precise sentence for the integrator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason

    def _redact(self, secret: str) -> None:
        # Defence in depth: a reason quotes at most 80 characters of a claim, but an integrator
        # could have put the secret itself in a claim. Very short (imported) secrets are left
        # alone: a 3-letter secret would match ordinary words.
        if len(secret) >= 8 and secret in self.reason:
            self.reason = self.reason.replace(secret, "<this help center's secret>")
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


# -- PyJWT, configured for this one job ------------------------------------------------------


class _HelpCenterHS256(HMACAlgorithm):
    """HMAC-SHA256 keyed with the UTF-8 bytes of the help center's secret string.

    Two of PyJWT's HMAC behaviours are wrong for us, so this subclass drops them:

    * ``check_key_length`` makes PyJWT 2.15 emit ``InsecureKeyLengthWarning`` on *every*
      verification with a key under 32 bytes. Secrets we generate are 43 characters, but an
      imported secret may be short; it must verify, and must not warn per request (under
      ``-W error`` that warning is even raised out of ``decode``). The key is the help center's
      own configuration, not attacker input, so there is nothing to warn about here.
    * ``prepare_key`` refuses secrets that *look like* PEM/SSH/DER keys or JWK JSON (a defence
      against algorithm confusion when a public key is fed to HS256) and pays for a regex, two
      DER parse attempts and a ``json.loads`` of the key on every call. Our key is always an
      HMAC secret and only HS256 is registered, so the defence protects nothing; and Node's
      ``jwt.sign`` accepts any string, so an emulator must too.

    A secret with a lone surrogate (possible only through a JSON ``\\udXXX`` escape) is encoded
    the way Node's ``Buffer.from(secret)`` does it: the surrogate becomes U+FFFD.
    """

    def __init__(self) -> None:
        super().__init__(HMACAlgorithm.SHA256)

    def prepare_key(self, key: str | bytes) -> bytes:
        if isinstance(key, bytes):
            return key
        try:
            return key.encode("utf-8")
        except UnicodeEncodeError:
            utf16 = key.encode("utf-16-le", "surrogatepass")
            return utf16.decode("utf-16-le", "replace").encode("utf-8")

    def check_key_length(self, key: bytes) -> str | None:
        return None


# We use PyJWT's JWS layer (header parsing, alg allow-list, constant-time HMAC check) and not its
# JWT layer: with every claim check switched off, PyJWT.decode_complete only adds a plain
# json.loads of the payload (which accepts duplicate keys, NaN/Infinity and UTF-16/32 payloads)
# and a datetime.now() call it then ignores. We parse the payload ourselves, strictly, instead.
_HS256: Final = _HelpCenterHS256()
_JWS: Final = PyJWS(algorithms=[ALGORITHM])
_JWS.unregister_algorithm(ALGORITHM)
_JWS.register_algorithm(ALGORITHM, _HS256)
_ALGORITHMS: Final = [ALGORITHM]

# What a crafted token could make the standard library raise while we read it. UnicodeError and
# binascii.Error are ValueErrors; OverflowError comes from huge numbers.
_READ_ERRORS: Final = (ValueError, TypeError, RecursionError, OverflowError)


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
        raise MalformedToken(_safely("token is malformed", _explain_malformed, token, None))
    try:
        decoded = _JWS.decode_complete(token, key=secret, algorithms=_ALGORITHMS)
    except InvalidAlgorithmError as exc:
        raise WrongAlgorithm(_safely("only HS256 is accepted", _explain_algorithm, token)) from exc
    except InvalidSignatureError as exc:
        raise BadSignature(
            _safely(f"{_BAD_SIGNATURE}: {_ELSEWHERE_HINT}", _explain_signature, token, secret)
        ) from exc
    except (PyJWTError, *_READ_ERRORS) as exc:
        raise MalformedToken(
            _safely("token is malformed", _explain_malformed, token, exc)
        ) from exc
    text, claims = _parse_payload(decoded["payload"])
    return _check_claims(claims, now, text)


def _parse_payload(raw: bytes) -> tuple[str, dict[str, Any]]:
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
            f"payload has the key {_quote(exc.key)} more than once: JSON parsers disagree on "
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
    except _READ_ERRORS as exc:
        raise MalformedToken(f"payload is not usable JSON: {_json_error(exc)}") from None
    if type(claims) is not dict:
        raise MalformedToken(f"payload must be a JSON object, got {_kind(claims)}")
    return text, claims


def _check_claims(claims: dict[str, Any], now: float, text: str) -> Identity:
    """The contract's claim checks, in its order, with ``now`` from the emulator's clock.

    ``exp`` has no leeway: the emulator's clock is the one clock that matters, and an integrator
    testing expiry moves it (the clock control) and expects the token to die exactly at ``exp``.
    ``nbf``/``iat`` get 60 s because they come from the signing server's clock, which may run a
    little ahead of ours; refusing a token minted "1 s in the future" would be a false alarm.
    """
    if "exp" in claims:
        expires_at = _instant(claims, "exp")
        if expires_at <= now:
            raise Expired(_expired_reason(expires_at, now), expires_at)
    else:
        expires_at = None
    for claim in ("nbf", "iat"):
        if claim in claims:
            valid_from = _instant(claims, claim)
            if valid_from > now + LEEWAY_SECONDS:
                raise NotYetValid(_future_reason(claim, valid_from, now), claim, valid_from)

    sub = claims.get("sub")
    if type(sub) is not str or sub_is_blank(sub):
        raise InvalidClaim("sub", _sub_reason(claims))
    email = claims.get("email")
    if type(email) is not str or not is_email(email):
        raise InvalidClaim("email", _email_reason(claims))
    # One spelling per address (NFC, no trailing dot), so the user list and the session show
    # what the uniqueness key compares (verifier.emails).
    email = normalize_email(email)
    name = claims.get("name")
    if name is not None and type(name) is not str:
        raise InvalidClaim("name", f"name must be a string or null, got {_describe(name)}")
    attributes = claims.get("customAttributes")
    # ``custom_attributes`` (snake case) is simply ignored, like every claim we do not know:
    # the contract names ``customAttributes``, and refusing a token for an extra claim would
    # break integrators who send both spellings during a migration.
    if attributes is not None and type(attributes) is not dict:
        raise InvalidClaim("customAttributes", _attributes_reason(attributes))

    _refuse_oversized(sub, email, name, attributes)

    # A JSON "\uXXXX" escape can smuggle a NUL or a lone surrogate into a str, which no database
    # stores as text (see verifier.text). Only an escaped payload can hold one, so the common
    # case pays for one substring scan.
    if "\\u" in text:
        _refuse_unstorable(sub, email, name, attributes)
    return Identity(sub, email, name, attributes, expires_at)


def check_identity_claims(claims: dict[str, Any]) -> None:
    """The checks identify makes on ``sub``, ``email``, ``name`` and ``customAttributes`` alone
    (no time claims), storability included: what a user imported from a state or a seed must
    pass to be one identify could have bound. Raises ``InvalidClaim``."""
    _check_claims({k: v for k, v in claims.items() if k not in ("exp", "nbf", "iat")}, 0.0,
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
        raise InvalidClaim(claim, f"{claim} must be a finite number, got {_number(value)}")
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            raise InvalidClaim(
                claim, f"{claim} is out of range: {_number(value)} seconds since epoch"
            ) from None
    reason = f"{claim} must be a number (seconds since epoch), got {_describe(value)}"
    if kind is str:
        reason += _string_instant_hint(value)
    raise InvalidClaim(claim, reason)


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


# -- reasons for claims ----------------------------------------------------------------------


def _expired_reason(expires_at: float, now: float) -> str:
    reason = f"token expired at {_iso(expires_at)} ({_span(now - expires_at)} ago)"
    if 0 < expires_at < _DURATION_BELOW:
        reason += (
            ": exp is an instant (seconds since epoch), not a duration; set it to now + the "
            "lifetime (e.g. expiresIn: '10m' in jsonwebtoken)"
        )
    return reason


def _future_reason(claim: str, valid_from: float, now: float) -> str:
    reason = (
        f"{claim} is {_iso(valid_from)}, {_span(valid_from - now)} in the future "
        f"({LEEWAY_SECONDS} s leeway)"
    )
    if valid_from >= _MILLISECONDS_FROM:
        reason += (
            ": it looks like milliseconds; JWT times are seconds "
            "(Math.floor(Date.now() / 1000))"
        )
    return reason


def _string_instant_hint(value: str) -> str:
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        if len(text) >= 10 and text[4:5] == "-" and text[:4].isdigit():
            return ": JWT times are seconds since epoch, not ISO dates"
        return ""
    if math.isfinite(number):
        return f": send the number {_number(int(number) if number.is_integer() else number)}"
    return ""


def _sub_reason(claims: dict[str, Any]) -> str:
    if "sub" not in claims:
        for alias in _SUB_ALIASES:
            if alias in claims:
                if alias == "userId":
                    return ("sub is missing; the token has userId: older Ferndesk docs used "
                            "userId, the claim is now sub")
                return f"sub is missing; the token has {alias}: the user's id belongs in sub"
        return "sub is missing: put your user's stable id in sub"
    sub = claims["sub"]
    if type(sub) is str:
        if sub:
            return (f"sub is blank (only whitespace: {_quote(sub)}): put your user's stable "
                    "id in sub")
        return "sub is an empty string"
    if _is_number(sub):
        return f"sub must be a string, got the number {_number(sub)}: send String(user.id)"
    return f"sub must be a string, got {_describe(sub)}"


def _email_reason(claims: dict[str, Any]) -> str:
    if "email" not in claims:
        for alias in _EMAIL_ALIASES:
            if alias in claims:
                return f"email is missing; the token has {alias}: the claim is email"
        return "email is missing"
    email = claims["email"]
    if type(email) is not str:
        return f"email must be a string, got {_describe(email)}"
    if not email:
        return "email is an empty string"
    detail = email_problem(email) or "it is not an email"
    return f"email {_quote(email)} does not look like an email {_EMAIL_RULE}: {detail}"


def _attributes_reason(attributes: Any) -> str:
    reason = f"customAttributes must be a JSON object, got {_describe(attributes)}"
    if type(attributes) is str and attributes.lstrip().startswith("{"):
        reason += ": pass the object itself, not JSON.stringify(...) of it"
    return reason


# -- reasons for the token itself (failure path only) ----------------------------------------


def _safely(fallback: str, explain: Callable[..., str], *args: Any) -> str:
    """Run an explanation; should one ever fail on an input nobody foresaw, the token is still
    refused (the class is already decided) with the generic ``fallback``, never a 500."""
    try:
        return explain(*args)
    except Exception:
        return fallback


def _explain_malformed(token: Any, exc: BaseException | None) -> str:
    """Why ``token`` is not a well-formed JWS, found by reading it again without trusting it."""
    if not isinstance(token, str):
        what = "bytes" if isinstance(token, bytes | bytearray) else _kind(token)
        return f"token must be a string, got {what}"
    if not token.strip():
        return "token is empty"
    inner = token.strip()
    if len(inner) >= 2 and inner[0] == inner[-1] == '"':
        return _JSON_QUOTED
    if token[:7].lower() == "bearer ":
        return 'token starts with "Bearer ": send the bare JWT, without the Authorization scheme'
    if inner != token and not any(char.isspace() for char in inner):
        return _around_reason(token, inner)
    for position, char in enumerate(token):
        if not char.isascii():
            return (f"token contains a non-ASCII character (U+{ord(char):04X}) at position "
                    f"{position}; a JWT is ASCII base64url text")
    for position, char in enumerate(token):
        if char.isspace():
            return (f"token contains whitespace at position {position} (of {len(token)}): "
                    "was a newline or space copied with it?")
    segments = token.split(".")
    if len(segments) == 5:
        return ("token has 5 segments, so it is an encrypted JWT (JWE); identify needs a "
                "signed JWT: 3 dot-separated base64url segments")
    if len(segments) != 3:
        return ("token is not a JWT: expected 3 dot-separated base64url segments, "
                f"got {len(segments)}")
    header_segment, payload_segment, signature_segment = segments
    header_bytes = _segment_or_reason(header_segment, "header")
    if isinstance(header_bytes, str):
        return header_bytes
    header = _json_or_reason(header_bytes, "header")
    if isinstance(header, str):
        return header
    if header.get("b64", True) is False:
        return ('header sets "b64": false (an unencoded, detached payload); identify needs '
                "an ordinary JWT")
    for name, segment in (("payload", payload_segment), ("signature", signature_segment)):
        problem = _segment_or_reason(segment, name)
        if isinstance(problem, str):
            return problem
    if "kid" in header and not isinstance(header["kid"], str):
        return f"header kid must be a string, got {_describe(header['kid'])}"
    if "crit" in header:
        return (f"header crit is {_describe(header['crit'])}: no critical header extension is "
                "supported")
    detail = f": {_cap(str(exc))}" if exc is not None and str(exc) else ""
    return f"token is malformed{detail}"


def _around_reason(token: str, inner: str) -> str:
    """Whitespace around an otherwise whitespace-free token: the frontend read a body or a file
    with its line ending, or the backend printed one."""
    ends = []
    if token[0].isspace():
        ends.append(f"starts with {_whitespace_name(token[0])}")
    if token[-1].isspace():
        ends.append(f"ends with {_whitespace_name(token[-1])}")
    many = len(token) - len(inner) > 1
    return (f"the jwt {' and '.join(ends)}: trim it (token.trim()) or send it without "
            f"{'them' if many else 'one'}; a JWT never contains whitespace")


def _whitespace_name(char: str) -> str:
    names = {"\n": "a newline", "\r": "a carriage return", " ": "a space", "\t": "a tab"}
    return f"{names.get(char, 'whitespace')} (U+{ord(char):04X})"


def _segment_or_reason(segment: str, name: str) -> bytes | str:
    """A base64url segment's bytes, or why it is not one (PyJWT's rules: no junk, optional
    '=' padding, canonical encoding)."""
    if not segment:
        if name == "signature":
            return "token has no signature (it ends with a dot): unsigned tokens are refused"
        return f"{name} segment is empty"
    stripped = segment.rstrip("=")
    padding = len(segment) - len(stripped)
    if "+" in stripped or "/" in stripped:
        return (f"{name} segment is standard base64 (it contains + or /), not base64url: use "
                "- and _ instead")
    for char in stripped:
        if char not in _BASE64URL_CHARS:
            return f"{name} segment contains {_quote(char)}, which is not a base64url character"
    if padding > 2 or (padding and len(segment) % 4) or len(stripped) % 4 == 1:
        return f"{name} segment has an impossible base64url length ({len(segment)} characters)"
    try:
        decoded = base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError):
        return f"{name} segment is not valid base64url"
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != stripped.encode("ascii"):
        return f"{name} segment is not canonical base64url (its last character has stray bits)"
    return decoded


def _json_or_reason(data: bytes, name: str) -> dict[str, Any] | str:
    try:
        value = json.loads(data)  # as PyJWT reads the header
    except json.JSONDecodeError as exc:
        return f"{name} is not valid JSON: {exc.msg} at character {exc.pos}"
    except UnicodeDecodeError as exc:
        encoding = exc.encoding.upper().replace("-LE", "").replace("-BE", "")
        return f"{name} is not valid {encoding} (byte {exc.start} is 0x{data[exc.start]:02x})"
    except RecursionError:
        return f"{name} nests arrays or objects too deeply"
    except _READ_ERRORS as exc:
        return f"{name} is not usable JSON: {_json_error(exc)}"
    if not isinstance(value, dict):
        return f"{name} must be a JSON object, got {_kind(value)}"
    return value


def _unverified_header(token: str) -> dict[str, Any] | None:
    segment = _segment_or_reason(token.split(".", 1)[0], "header")
    if isinstance(segment, str):
        return None
    header = _json_or_reason(segment, "header")
    return None if isinstance(header, str) else header


def _explain_algorithm(token: str) -> str:
    header = _unverified_header(token)
    if header is None or "alg" not in header:
        return 'header has no alg: sign with algorithm "HS256"'
    alg = header["alg"]
    if type(alg) is not str:
        return f'header alg must be the string "HS256", got {_describe(alg)}'
    quoted = _quote(alg)
    if not alg:
        return 'header alg is an empty string; only HS256 is accepted'
    if alg.lower() == "none":
        return f"header alg is {quoted}: unsigned tokens are refused"
    if alg.upper() == ALGORITHM:
        return f"header alg is {quoted}; only HS256 is accepted (alg is case-sensitive)"
    if alg[:2] in ("RS", "PS", "ES", "Ed"):
        return (f"header alg is {quoted}; only HS256 is accepted: identify tokens are signed "
                "with the help center's shared secret, not a private key")
    return f"header alg is {quoted}; only HS256 is accepted"


def _explain_signature(token: str, secret: str) -> str:
    """Why the HMAC failed; tries the keys integrators mistakenly sign with (failure path)."""
    signing_input, _, signature_segment = token.rpartition(".")
    signature = _segment_or_reason(signature_segment, "signature")
    if isinstance(signature, str):
        return signature
    if len(signature) != hashlib.sha256().digest_size:
        return (f"{_BAD_SIGNATURE}: the signature is {len(signature)} bytes, an HS256 "
                "signature is 32: was the token cut or altered?")
    message = signing_input.encode("ascii")
    for key, mistake in _mistaken_keys(secret):
        if hmac.compare_digest(hmac.new(key, message, hashlib.sha256).digest(), signature):
            return f"{_BAD_SIGNATURE} as given, but it matches {mistake}"
    return f"{_BAD_SIGNATURE}: {_ELSEWHERE_HINT}"


def _mistaken_keys(secret: str) -> list[tuple[bytes, str]]:
    """Keys integrators sign with by mistake instead of the secret, each with the fix."""
    key = _HS256.prepare_key(secret)
    strip = "strip the secret you load from your environment"
    keys = [(key + ending, f"the secret followed by {what}: {strip}")
            for ending, what in ((b"\n", "a newline"),
                                 (b"\r\n", "a Windows line ending (CR LF)"),
                                 (b"\r", "a carriage return"), (b" ", "a space"),
                                 (b"\t", "a tab"), (b"\n\n", "two newlines"))]
    keys += [(quote + key + quote, f"the secret wrapped in {kind}: remove the quotes around it "
                                   "in your environment file")
             for quote, kind in ((b'"', "quotes"), (b"'", "single quotes"))]
    hex_text = secret.strip()
    if hex_text and len(hex_text) % 2 == 0 and set(hex_text.lower()) <= set("0123456789abcdef"):
        keys.append((bytes.fromhex(hex_text), "the hex-decoded secret: sign with the secret "
                                              "string itself, do not decode it"))
    text = secret.strip().rstrip("=")
    if text and set(text) <= _BASE64URL_CHARS | {"+", "/"}:
        try:
            raw = base64.b64decode(text.replace("-", "+").replace("_", "/")
                                   + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        if raw:
            keys.append((raw, "the base64-decoded secret: sign with the secret string "
                              "itself, do not decode it"))
    return keys


# -- formatting ------------------------------------------------------------------------------


def _cap(text: str) -> str:
    """At most QUOTE_LIMIT characters, always encodable as UTF-8 (lone surrogates escaped)."""
    if len(text) > QUOTE_LIMIT:
        text = text[:QUOTE_LIMIT] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _quote(text: str) -> str:
    return json.dumps(_cap(text), ensure_ascii=False)


def _is_number(value: Any) -> bool:
    return type(value) is int or type(value) is float


def _number(value: float) -> str:
    if type(value) is float:
        return repr(value)
    try:
        digits = str(value)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        return "an integer too long to print"
    if len(digits) > 30:
        return f"{digits[:12]}… (an integer of {len(digits.lstrip('-'))} digits)"
    return digits


def _kind(value: Any) -> str:
    """How an integrator would name the JSON type of ``value``."""
    if value is None:
        return "null"
    if type(value) is bool:
        return "a boolean"
    if _is_number(value):
        return "a number"
    if type(value) is str:
        return "a string"
    if type(value) is list:
        return "an array"
    if type(value) is dict:
        return "an object"
    return type(value).__name__


def _describe(value: Any) -> str:
    """The JSON type of ``value`` and, for scalars, the value (capped)."""
    if value is None:
        return "null"
    if type(value) is bool:
        return f"the boolean {'true' if value else 'false'}"
    if _is_number(value):
        return f"the number {_number(value)}"
    if type(value) is str:
        return f"a string {_quote(value)}"
    return _kind(value)


def _seconds(value: float) -> str:
    if abs(value) >= 1e15:
        return f"{value:.3g}"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _span(seconds: float) -> str:
    """``600 s``, or ``7500 s = 2 h 5 min`` once it is an hour or more. From ten seconds on,
    whole seconds: with a real clock ``600.212 s`` is noise, while under a second the fraction
    is the whole story (``0.5 s``)."""
    if 10 <= abs(seconds) < 1e15:
        seconds = float(round(seconds))
    text = f"{_seconds(seconds)} s"
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


def _iso(instant: float) -> str:
    """ISO-8601 UTC with a Z: whole seconds, or milliseconds for a fractional instant."""
    try:
        moment = datetime.fromtimestamp(instant, UTC)
    except (OverflowError, ValueError, OSError):
        return f"{_seconds(instant)} (seconds since epoch, outside the calendar)"
    spec = "seconds" if float(instant).is_integer() else "milliseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def _json_error(exc: BaseException) -> str:
    message = str(exc)
    if "integer string conversion" in message:
        return f"it has an integer of more than {sys.get_int_max_str_digits()} digits"
    return _cap(message)


# -- for logs and the journal ----------------------------------------------------------------


def expiry_in_milliseconds(expires_at: float | None) -> str | None:
    """Why an accepted ``exp`` is almost surely milliseconds (``Date.now()`` without the
    ``/ 1000``), or None. Identify accepts such a token, as the real service does, but it never
    expires; this is the warning's reason (``expiry_in_milliseconds``) for whoever shows it."""
    if expires_at is None or expires_at < _MILLISECONDS_FROM:
        return None
    return (f"exp {_seconds(expires_at)} looks like milliseconds ({_iso(expires_at / 1000)} if "
            "it were): read as seconds, as JWT times are, the token never expires; set exp in "
            "seconds (Math.floor(Date.now() / 1000) + lifetime)")


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
        payload = _segment_or_reason(segments[1], "payload")
        if isinstance(payload, str):
            return None
        claims = _STRICT_JSON.decode(payload.decode("utf-8"))
    except (_DuplicateKey, _NotJsonConstant, *_READ_ERRORS):
        return None
    sub = claims.get("sub") if type(claims) is dict else None
    if type(sub) is not str or not sub:
        return None
    # Storable as text everywhere (see verifier.text): a NUL or a lone surrogate is kept as its
    # escape, which still shows the integrator what their token carried.
    return (sub[:UNVERIFIED_SUB_LIMIT].replace("\x00", "\\x00")
            .encode("utf-8", "backslashreplace").decode("utf-8"))
