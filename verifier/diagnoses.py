"""Why a token is wrong: the sentences identify and the inspector give for each refusal.

Identify (``verifier.tokens``) decides *whether* a token passes on its hot path; only once it has
refused one does it call in here, to re-read the token without trusting it and say precisely
what the integrator did (a JSON-quoted token, a secret signed with its trailing newline, an
``exp`` in milliseconds). ``verifier.inspection`` uses the same readers and sentences, so the
checklist and identify can never word one mistake two ways.

Every function here is pure and failure-path only: nothing here runs for a token identify
accepts. Values are shown through ``verifier.reasons`` (one quoting style); no sentence ever
holds the secret or the whole token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from typing import Any, Final

from verifier.emails import email_problem
from verifier.reasons import (
    cap,
    describe,
    is_number,
    iso,
    json_error,
    json_kind,
    number_text,
    quote,
    seconds_text,
    span,
)
from verifier.signing import ALGORITHM, signing_key

__all__ = [
    "BAD_SIGNATURE",
    "ELSEWHERE_HINT",
    "MILLISECONDS_FROM",
    "READ_ERRORS",
    "UNEXPLAINED_SIGNATURE",
    "attributes_reason",
    "email_reason",
    "expired_reason",
    "expiry_in_milliseconds",
    "explain_algorithm",
    "explain_malformed",
    "explain_signature",
    "future_reason",
    "instant_reason",
    "json_or_reason",
    "mistaken_keys",
    "segment_or_reason",
    "signer_reason",
    "sub_reason",
]

BAD_SIGNATURE: Final = "signature does not match this help center's secret"
ELSEWHERE_HINT: Final = (
    "was the token signed with another help center's secret or a deleted one?"
)
# A bad signature no mistaken key explains (``explain_signature``): the one worth asking the
# database about (``verifier.retired_secrets``).
UNEXPLAINED_SIGNATURE: Final = f"{BAD_SIGNATURE}: {ELSEWHERE_HINT}"
MILLISECONDS_FROM: Final = 1e11  # a "seconds" value past year 5138 is surely milliseconds
# What a crafted token could make the standard library raise while we read it. UnicodeError and
# binascii.Error are ValueErrors; OverflowError comes from huge numbers.
READ_ERRORS: Final = (ValueError, TypeError, RecursionError, OverflowError)

# The contract's words; verifier.emails holds the rule itself (and its finer points: every
# label of the domain non-empty, no invisible character).
_EMAIL_RULE: Final = "(one @, a non-empty local part, a domain with a dot, no spaces)"
_SUB_ALIASES: Final = ("userId", "user_id", "userID", "uid", "id")
_EMAIL_ALIASES: Final = ("emailAddress", "email_address", "mail", "userEmail")
_JSON_QUOTED: Final = (
    "the jwt is wrapped in double quotes: your backend sent it as JSON (res.json(token)); send "
    "the bare token (res.send(token)) or read it with r.json()"
)
_DURATION_BELOW: Final = 1e9  # an exp before 2001 is likely a duration, not an instant
_BASE64URL_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)


# -- reasons for claims ----------------------------------------------------------------------


def expired_reason(expires_at: float, now: float) -> str:
    reason = f"token expired at {iso(expires_at)} ({span(now - expires_at)} ago)"
    if 0 < expires_at < _DURATION_BELOW:
        reason += (
            ": exp is an instant (seconds since epoch), not a duration; set it to now + the "
            "lifetime (e.g. expiresIn: '10m' in jsonwebtoken)"
        )
    return reason


def future_reason(claim: str, valid_from: float, now: float, leeway: float) -> str:
    reason = (
        f"{claim} is {iso(valid_from)}, {span(valid_from - now)} in the future "
        f"({leeway} s leeway)"
    )
    if valid_from >= MILLISECONDS_FROM:
        reason += (
            ": it looks like milliseconds; JWT times are seconds "
            "(Math.floor(Date.now() / 1000))"
        )
    return reason


def instant_reason(claim: str, value: Any) -> str:
    """Why ``value`` is not a NumericDate (a JSON number), with the fix when it is a string."""
    reason = f"{claim} must be a number (seconds since epoch), got {describe(value)}"
    if type(value) is str:
        reason += _string_instant_hint(value)
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
        return f": send the number {number_text(int(number) if number.is_integer() else number)}"
    return ""


def sub_reason(claims: dict[str, Any]) -> str:
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
            return (f"sub is blank (only whitespace: {quote(sub)}): put your user's stable "
                    "id in sub")
        return "sub is an empty string"
    if is_number(sub):
        return f"sub must be a string, got the number {number_text(sub)}: send String(user.id)"
    return f"sub must be a string, got {describe(sub)}"


def email_reason(claims: dict[str, Any]) -> str:
    if "email" not in claims:
        for alias in _EMAIL_ALIASES:
            if alias in claims:
                return f"email is missing; the token has {alias}: the claim is email"
        return "email is missing"
    email = claims["email"]
    if type(email) is not str:
        return f"email must be a string, got {describe(email)}"
    if not email:
        return "email is an empty string"
    detail = email_problem(email) or "it is not an email"
    return f"email {quote(email)} does not look like an email {_EMAIL_RULE}: {detail}"


def attributes_reason(attributes: Any) -> str:
    reason = f"customAttributes must be a JSON object, got {describe(attributes)}"
    if type(attributes) is str and attributes.lstrip().startswith("{"):
        reason += ": pass the object itself, not JSON.stringify(...) of it"
    return reason


# -- reasons for the token itself ------------------------------------------------------------


def explain_malformed(token: Any, exc: BaseException | None) -> str:
    """Why ``token`` is not a well-formed JWS, found by reading it again without trusting it."""
    if not isinstance(token, str):
        what = "bytes" if isinstance(token, bytes | bytearray) else json_kind(token)
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
    header_bytes = segment_or_reason(header_segment, "header")
    if isinstance(header_bytes, str):
        return header_bytes
    header = json_or_reason(header_bytes, "header")
    if isinstance(header, str):
        return header
    if header.get("b64", True) is False:
        return ('header sets "b64": false (an unencoded, detached payload); identify needs '
                "an ordinary JWT")
    for name, segment in (("payload", payload_segment), ("signature", signature_segment)):
        problem = segment_or_reason(segment, name)
        if isinstance(problem, str):
            return problem
    if "kid" in header and not isinstance(header["kid"], str):
        return f"header kid must be a string, got {describe(header['kid'])}"
    if "crit" in header:
        return (f"header crit is {describe(header['crit'])}: no critical header extension is "
                "supported")
    detail = f": {cap(str(exc))}" if exc is not None and str(exc) else ""
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


def segment_or_reason(segment: str, name: str) -> bytes | str:
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
            return f"{name} segment contains {quote(char)}, which is not a base64url character"
    if padding > 2 or (padding and len(segment) % 4) or len(stripped) % 4 == 1:
        return f"{name} segment has an impossible base64url length ({len(segment)} characters)"
    try:
        decoded = base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError):
        return f"{name} segment is not valid base64url"
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != stripped.encode("ascii"):
        return f"{name} segment is not canonical base64url (its last character has stray bits)"
    return decoded


def json_or_reason(data: bytes, name: str) -> dict[str, Any] | str:
    try:
        value = json.loads(data)  # as PyJWT reads the header
    except json.JSONDecodeError as exc:
        return f"{name} is not valid JSON: {exc.msg} at character {exc.pos}"
    except UnicodeDecodeError as exc:
        encoding = exc.encoding.upper().replace("-LE", "").replace("-BE", "")
        return f"{name} is not valid {encoding} (byte {exc.start} is 0x{data[exc.start]:02x})"
    except RecursionError:
        return f"{name} nests arrays or objects too deeply"
    except READ_ERRORS as exc:
        return f"{name} is not usable JSON: {json_error(exc)}"
    if not isinstance(value, dict):
        return f"{name} must be a JSON object, got {json_kind(value)}"
    return value


def _unverified_header(token: str) -> dict[str, Any] | None:
    segment = segment_or_reason(token.split(".", 1)[0], "header")
    if isinstance(segment, str):
        return None
    header = json_or_reason(segment, "header")
    return None if isinstance(header, str) else header


def explain_algorithm(token: str) -> str:
    header = _unverified_header(token)
    if header is None or "alg" not in header:
        return 'header has no alg: sign with algorithm "HS256"'
    alg = header["alg"]
    if type(alg) is not str:
        return f'header alg must be the string "HS256", got {describe(alg)}'
    quoted = quote(alg)
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


def explain_signature(token: str, secret: str) -> str:
    """Why the HMAC failed; tries the keys integrators mistakenly sign with (failure path)."""
    signing_input, _, signature_segment = token.rpartition(".")
    signature = segment_or_reason(signature_segment, "signature")
    if isinstance(signature, str):
        return signature
    if len(signature) != hashlib.sha256().digest_size:
        return (f"{BAD_SIGNATURE}: the signature is {len(signature)} bytes, an HS256 "
                "signature is 32: was the token cut or altered?")
    message = signing_input.encode("ascii")
    for key, mistake in mistaken_keys(secret):
        if hmac.compare_digest(hmac.new(key, message, hashlib.sha256).digest(), signature):
            return f"{BAD_SIGNATURE} as given, but it matches {mistake}"
    return UNEXPLAINED_SIGNATURE


def signer_reason(own: bool, help_center_id: str, fingerprint: str,
                  deleted_at: str | None) -> str:
    """Whose secret signed a token this help center refused (found by
    ``verifier.retired_secrets``): one of its ``own`` previous secrets, or another help
    center's current (``deleted_at`` None) or previous one. Only fingerprints, never a secret."""
    if own:
        return (f"the token is signed with this help center's previous secret ({fingerprint}), "
                f"deleted at {deleted_at}: update FERNDESK_JWT_SECRET in your backend")
    if deleted_at is None:
        return (f"the token is signed with the secret of help center {help_center_id!r} "
                f"({fingerprint}): use this help center's secret")
    return (f"the token is signed with a previous secret of help center {help_center_id!r} "
            f"({fingerprint}), deleted at {deleted_at}: use this help center's secret")


def mistaken_keys(secret: str) -> list[tuple[bytes, str]]:
    """Keys integrators sign with by mistake instead of the secret, each with the fix."""
    key = signing_key(secret)
    strip = "strip the secret you load from your environment"
    keys = [(key + ending, f"the secret followed by {what}: {strip}")
            for ending, what in ((b"\n", "a newline"),
                                 (b"\r\n", "a Windows line ending (CR LF)"),
                                 (b"\r", "a carriage return"), (b" ", "a space"),
                                 (b"\t", "a tab"), (b"\n\n", "two newlines"))]
    keys += [(mark + key + mark, f"the secret wrapped in {what}: remove the quotes around it "
                                 "in your environment file")
             for mark, what in ((b'"', "quotes"), (b"'", "single quotes"))]
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


# -- warnings --------------------------------------------------------------------------------


def expiry_in_milliseconds(expires_at: float | None) -> str | None:
    """Why an accepted ``exp`` is almost surely milliseconds (``Date.now()`` without the
    ``/ 1000``), or None. Identify accepts such a token, as the real service does, but it never
    expires; this is the warning's reason (``expiry_in_milliseconds``) for whoever shows it."""
    if expires_at is None or expires_at < MILLISECONDS_FROM:
        return None
    return (f"exp {seconds_text(expires_at)} looks like milliseconds ({iso(expires_at / 1000)} if "
            "it were): read as seconds, as JWT times are, the token never expires; set exp in "
            "seconds (Math.floor(Date.now() / 1000) + lifetime)")
