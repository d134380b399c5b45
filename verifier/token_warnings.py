"""Warnings on a successful identify: what the real service accepts but will hurt in production.

Contract section 8. A token identify accepts may still be a mistake an integrator wants to hear
about before production: no ``exp`` (a leaked token works forever), an ``exp`` days ahead, an
``exp`` in milliseconds (``Date.now()`` without ``/ 1000``: it never expires), a near-miss
spelling of a claim Ferndesk reads (``custom_attributes`` is silently ignored), and attribute
values no user-group rule can match (``verifier.attributes``: left out of the user's
attributes). A warning never changes identify's answer; it rides along in the 200 body, the
journal, the log line, ``inspect`` and the dashboard.

    code                    when
    no_expiry               no ``exp`` claim
    long_expiry             ``exp`` more than 24 h after the emulator's now
    expiry_in_milliseconds  ``exp`` >= 10^11 (year 5138 as seconds); replaces long_expiry
    unknown_claim           a near miss of ``customAttributes``, ``email``, ``name`` or ``sub``
    unmatchable_attribute   a ``customAttributes`` value rules cannot match, one per key

This runs on identify's hot path after the token verified, so it reads only the claims dict
identify already parsed: a membership test per claim (a near miss is normalised only for a claim
that is not one of the usual ones) and a type test per attribute. Pure: no I/O, no clock (``now``
is passed in). Reasons name the claim or key through ``verifier.reasons`` and never echo a value
of the token beyond what the reason is about.

Near misses: a claim whose name, lower-cased with ``_``, ``-`` and spaces removed, is
``customattributes`` or ``customattribute`` (but not ``customAttributes`` itself), ``email``,
``name`` or ``sub``. Nothing looser: ``userId``, ``user_id``, ``mail``, ``fullName`` and
``attributes`` are other claims, not misspellings, and a warning that guesses wrong is noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from verifier.attributes import ALLOWED, value_problem
from verifier.diagnoses import MILLISECONDS_FROM, expiry_in_milliseconds
from verifier.reasons import is_number, iso, quote, redact, span

__all__ = ["CODES", "EXPIRY_CODES", "EXPIRY_IN_MILLISECONDS", "LONG_EXPIRY", "LONG_EXPIRY_SECONDS",
           "NO_EXPIRY", "UNKNOWN_CLAIM", "UNMATCHABLE_ATTRIBUTE", "Assessment", "TokenWarning",
           "assess", "warnings_for"]

NO_EXPIRY: Final = "no_expiry"
LONG_EXPIRY: Final = "long_expiry"
EXPIRY_IN_MILLISECONDS: Final = "expiry_in_milliseconds"
UNKNOWN_CLAIM: Final = "unknown_claim"
UNMATCHABLE_ATTRIBUTE: Final = "unmatchable_attribute"
CODES: Final = (NO_EXPIRY, LONG_EXPIRY, EXPIRY_IN_MILLISECONDS, UNKNOWN_CLAIM,
                UNMATCHABLE_ATTRIBUTE)
EXPIRY_CODES: Final = frozenset({NO_EXPIRY, LONG_EXPIRY, EXPIRY_IN_MILLISECONDS})  # about exp

LONG_EXPIRY_SECONDS: Final = 24 * 3600

# Claims that are never a near miss, skipped with one set lookup (the common token's every claim).
_USUAL: Final = frozenset({"sub", "email", "name", "customAttributes", "exp", "iat", "nbf",
                           "iss", "aud", "jti"})
# A normalised near miss -> the claim Ferndesk reads.
_NEAR_MISSES: Final = {"customattributes": "customAttributes",
                       "customattribute": "customAttributes",
                       "email": "email", "name": "name", "sub": "sub"}
# Attribute values that need no further look (bool is an int).
_PLAIN: Final = (str, int, bool)


@dataclass(frozen=True, slots=True)
class TokenWarning:
    """One warning: its contract code and one sentence naming the claim or attribute."""

    code: str
    reason: str


class Assessment(NamedTuple):
    """The warnings of an accepted token, and its ``customAttributes`` as the user keeps them
    (the unmatchable values left out; the same dict when none is, None without the claim)."""

    warnings: list[TokenWarning]
    attributes: dict[str, Any] | None


def warnings_for(claims: dict[str, Any], now: float) -> list[TokenWarning]:
    """The warnings of ``claims``, a token identify accepted, at the emulator's ``now``."""
    return assess(claims, now).warnings


def assess(claims: dict[str, Any], now: float, secret: str | None = None) -> Assessment:
    """The warnings of ``claims`` (identify accepted them) and the attributes to keep. A reason
    quoting a claim or attribute name never shows ``secret`` (``verifier.reasons.redact``)."""
    warnings: list[TokenWarning] = []
    expiry = _expiry_warning(claims.get("exp"), now)
    if expiry is not None:
        warnings.append(expiry)
    for claim in claims:
        if claim not in _USUAL:
            meant = _NEAR_MISSES.get(claim.lower().replace("_", "").replace("-", "")
                                     .replace(" ", ""))
            if meant is not None:
                warnings.append(TokenWarning(UNKNOWN_CLAIM, _unknown_claim_reason(claim, meant)))
    attributes = claims.get("customAttributes")
    if attributes:
        attributes = _matchable(attributes, warnings)
    if secret and len(warnings) > (expiry is not None):  # a reason quotes a name
        warnings = [TokenWarning(w.code, redact(w.reason, secret)) for w in warnings]
    return Assessment(warnings, attributes)


def _expiry_warning(exp: Any, now: float) -> TokenWarning | None:
    if exp is None:
        return TokenWarning(NO_EXPIRY, "the token has no exp claim, so it never expires: a "
                                       "leaked token identifies this user forever; set exp "
                                       "(e.g. Math.floor(Date.now() / 1000) + 3600)")
    if not is_number(exp):
        return None  # identify refused it already; inspect may ask about any claims
    if exp >= MILLISECONDS_FROM:
        return TokenWarning(EXPIRY_IN_MILLISECONDS, expiry_in_milliseconds(exp) or "")
    ahead = exp - now
    if ahead > LONG_EXPIRY_SECONDS:
        return TokenWarning(LONG_EXPIRY, f"exp {iso(exp)} is {span(ahead)} ahead, more than "
                                         "24 h: a leaked token identifies this user until then; "
                                         "sign short-lived tokens (minutes to hours) when the "
                                         "page loads")
    return None


def _unknown_claim_reason(claim: str, meant: str) -> str:
    return (f"the claim {quote(claim)} is not one Ferndesk reads, so it is ignored: rename it "
            f"to {meant}")


def _matchable(attributes: dict[str, Any], warnings: list[TokenWarning]) -> dict[str, Any]:
    """``attributes`` without the values rules cannot match, each named in ``warnings``."""
    refused: set[str] = set()
    for key, value in attributes.items():
        if type(value) in _PLAIN:
            continue
        problem = value_problem(value)
        if problem is not None:
            refused.add(key)
            warnings.append(TokenWarning(
                UNMATCHABLE_ATTRIBUTE,
                f"customAttributes {quote(key)} is {problem}, which user-group rules cannot "
                f"match ({ALLOWED}): it is left out of the user's attributes"))
    if not refused:
        return attributes
    return {key: value for key, value in attributes.items() if key not in refused}
