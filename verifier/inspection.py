"""Explain an identify JWT as a checklist: every problem at once, and what passed too.

Why this exists next to ``verifier.tokens``: identify stops at the first failed check (one reason
per refusal is the contract), but someone debugging a token wants *every* problem in one go, and
wants to see what passed. So this module runs each of the contract's checks on its own and lists
them all, for ``ferndesk-verifier inspect``. It restates no rule and writes no reason of its own
where identify has one, so the two can never drift apart:

* each claim is judged by identify's own ``check_claims``, fed the token's claims with every
  *other* contract claim replaced by a value known to pass: the reason is identify's, word for
  word, and one bad claim cannot hide another;
* header, payload and signature problems come from the readers identify's failure path uses
  (``parse_payload``, and from ``verifier.diagnoses``: ``segment_or_reason``, ``json_or_reason``,
  ``explain_algorithm``, ``explain_signature`` and its ``mistaken_keys``); two more secret
  mistakes, which only a secret given here can have (whitespace or quotes around it), are tried
  only when identify's own list finds nothing;
* last, ``verify_identify_token`` itself runs (with a placeholder secret when none is given, which
  still finds every problem before the signature). Its reason is the verdict (but for a secret
  given here with whitespace or quotes around it: identify cannot see that mistake, so the
  signature check's diagnosis is the verdict, said once, not contradicted), and should it ever
  refuse something no check caught, that refusal becomes a failed check of its own. So ``valid``
  is never true for a token identify would refuse with that secret.

A check's ``ok`` is ``True`` (passed), ``False`` (a problem) or ``None`` (not checked, e.g. the
signature without a secret, or information only, e.g. the claims Ferndesk ignores).

Pure: no I/O, no clock (``now`` is POSIX seconds, passed in), and the secret never appears in a
detail, the verdict, or the ``header``/``claims`` kept for display.

Exit codes of ``ferndesk-verifier inspect``, which prints ``render`` (or ``as_json`` with
``--json``): 0 = no problem found (and, when a secret is given, the signature verifies with it);
1 = at least one problem; 2 = usage error. A warning (a check that passed with a ``warning``
code, e.g. ``expiry_in_milliseconds``) never changes it: identify accepts such a token. The
warnings of a token with no problem are identify's own (``verifier.token_warnings``), word for
word, so ``inspect`` shows what the 200 of identify would carry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from typing import Any, Final

from verifier.diagnoses import (
    BAD_SIGNATURE,
    expiry_in_milliseconds,
    explain_algorithm,
    explain_signature,
    json_or_reason,
    mistaken_keys,
    segment_or_reason,
)
from verifier.reasons import cap, iso, json_kind, quote, redact, span
from verifier.signing import ALGORITHM, signing_key
from verifier.token_warnings import (
    EXPIRY_CODES,
    EXPIRY_IN_MILLISECONDS,
    UNKNOWN_CLAIM,
    UNMATCHABLE_ATTRIBUTE,
    TokenWarning,
    warnings_for,
)
from verifier.tokens import (
    LEEWAY_SECONDS,
    BadSignature,
    MalformedToken,
    TokenRejected,
    WrongAlgorithm,
    check_claims,
    parse_payload,
    verify_identify_token,
)

__all__ = ["Check", "Inspection", "as_json", "inspect_token", "render"]

TIME_CLAIMS: Final = ("exp", "nbf", "iat")
CONTRACT_CLAIMS: Final = (*TIME_CLAIMS, "sub", "email", "name", "customAttributes")
# Stand-ins for the claims not under test: they pass every check identify makes.
_PASSING: Final = {"sub": "inspect-probe", "email": "probe@example.com"}
# Finds every problem identify finds before the signature, when no secret is given. Nobody signs
# with it; were someone to, only the refusals before the signature are read from it anyway.
_PLACEHOLDER: Final = "\x00ferndesk-verifier inspect: no secret given\x00"
_SIGNATURE_BYTES: Final = hashlib.sha256().digest_size
_OTHER_CLAIMS_SHOWN: Final = 20


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the checklist. ``ok``: True passed, False a problem, None not checked.

    ``warning`` is a warning's code (``expiry_in_milliseconds``) on a check that passed:
    something identify accepts but that will hurt in production. It never makes the token
    invalid, as warnings never change identify's status (the contract's section 8)."""

    name: str
    ok: bool | None
    detail: str
    warning: str | None = None


@dataclass(frozen=True)
class Inspection:
    """Everything ``inspect_token`` found. ``header``/``claims`` are None when unreadable."""

    checks: tuple[Check, ...]
    header: dict[str, Any] | None
    claims: dict[str, Any] | None
    valid: bool
    verdict: str

    @property
    def problems(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.ok is False)

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.warning is not None)


@dataclass(frozen=True, slots=True)
class _Parts:
    """A three-segment token, each segment read on its own: a value, or why it is unreadable."""

    header: dict[str, Any] | str
    claims: dict[str, Any] | str
    text: str  # the payload's JSON text ("" when unreadable)
    signature: bytes | str


# -- the one entry point ---------------------------------------------------------------------


def inspect_token(token: str, secret: str | None, now: float) -> Inspection:
    """Check ``token`` against every rule of the contract at the instant ``now``.

    ``secret`` is the help center's secret, or None (or "") to skip the signature. Never raises.
    """
    secret = secret or None
    refusal = _refusal(token, secret or _PLACEHOLDER, now)
    if secret is None and isinstance(refusal, BadSignature):
        refusal = None  # the placeholder's signature failure says nothing about the token
    parts = _read(token)
    if parts is None:
        checks: list[Check] = []
        header = claims = None
    else:
        checks = [_header_check(token, parts.header), _signature_check(token, parts, secret)]
        header = parts.header if isinstance(parts.header, dict) else None
        if isinstance(parts.claims, str):
            checks.append(Check("payload", False, parts.claims))
            claims = None
        else:
            claims = parts.claims
            checks += _claim_checks(claims, parts.text, now)
    checks = _with_unexplained(checks, refusal)
    if claims is not None and not any(check.ok is False for check in checks):
        checks = _with_warnings(checks, warnings_for(claims, now))
    if claims is not None:
        checks += _other_claims(claims)
    checks = [replace(check, detail=_redact(check.detail, secret)) for check in checks]
    valid = not any(check.ok is False for check in checks)
    verdict = _redact(_verdict(refusal, checks, secret), secret)
    return Inspection(tuple(checks), _shown(header, secret), _shown(claims, secret), valid,
                      verdict)


def _refusal(token: str, secret: str, now: float) -> TokenRejected | None:
    try:
        verify_identify_token(token, secret, now)
    except TokenRejected as rejected:
        return rejected
    return None


def _read(token: str) -> _Parts | None:
    """The three segments, each decoded independently; None when the token as a whole is not
    three dot-separated ASCII segments without whitespace, or is wrapped in double quotes
    (identify's reason then says why, and the one fix makes every other line moot)."""
    if (type(token) is not str or not token.isascii() or token.count(".") != 2
            or any(char.isspace() for char in token)
            or (len(token) >= 2 and token[0] == token[-1] == '"')):
        return None
    header_segment, payload_segment, signature_segment = token.split(".")
    text, claims = _payload(payload_segment)
    return _Parts(_header(header_segment), claims, text,
                  segment_or_reason(signature_segment, "signature"))


def _header(segment: str) -> dict[str, Any] | str:
    data = segment_or_reason(segment, "header")
    return data if isinstance(data, str) else json_or_reason(data, "header")


def _payload(segment: str) -> tuple[str, dict[str, Any] | str]:
    data = segment_or_reason(segment, "payload")
    if isinstance(data, str):
        return "", data
    try:
        return parse_payload(data)
    except MalformedToken as malformed:
        return "", malformed.reason


# -- header and signature --------------------------------------------------------------------


def _header_check(token: str, header: dict[str, Any] | str) -> Check:
    if isinstance(header, str):
        return Check("header", False, header)
    if not _is_hs256(header):
        return Check("header", False, explain_algorithm(token))
    return Check("header", True, ", ".join(f"{key} {_show(value)}"
                                           for key, value in header.items()))


def _is_hs256(header: dict[str, Any] | str) -> bool:
    return isinstance(header, dict) and type(header.get("alg")) is str and (
        header["alg"] == ALGORITHM)


def _signature_check(token: str, parts: _Parts, secret: str | None) -> Check:
    if isinstance(parts.signature, str):
        return Check("signature", False, parts.signature)
    if not _is_hs256(parts.header):
        return Check("signature", None, "not checked: the header does not say alg HS256")
    if len(parts.signature) != _SIGNATURE_BYTES:  # wrong whatever the secret
        return Check("signature", False, explain_signature(token, secret or _PLACEHOLDER))
    if secret is None:
        return Check("signature", None,
                     "not checked: no secret given (pass the help center's secret to check it)")
    signing_input = token.rpartition(".")[0].encode("ascii")
    if _signs(signing_key(secret), signing_input, parts.signature):
        return Check("signature", True, "verified with the given secret")
    return Check("signature", False, _signature_reason(token, secret, signing_input,
                                                       parts.signature))


def _signs(key: bytes, signing_input: bytes, signature: bytes) -> bool:
    digest = hmac.new(key, signing_input, hashlib.sha256).digest()
    return hmac.compare_digest(digest, signature)


def _signature_reason(token: str, secret: str, signing_input: bytes, signature: bytes) -> str:
    """Identify's own explanation when its list of secret mistakes finds the key; otherwise the
    further mistakes below, then identify's generic reason."""
    if any(_signs(key, signing_input, signature) for key, _ in mistaken_keys(secret)):
        return explain_signature(token, secret)
    for key, mistake in _given_secret_mistakes(secret):
        if _signs(key, signing_input, signature):
            return f"{BAD_SIGNATURE} as given, but it matches {mistake}"
    return explain_signature(token, secret)


def _given_secret_mistakes(secret: str) -> list[tuple[bytes, str]]:
    """Mistakes only the inspector can name: the secret *given to it* is not the stored one
    identify checks against, and may itself carry whitespace or quotes."""
    text = secret.strip()
    keys = []
    if text != secret:
        keys.append((signing_key(text), "the secret without the whitespace around it: "
                                               "the secret given here has leading or trailing "
                                               "whitespace; strip it"))
    if len(text) > 2 and text[0] == text[-1] and text[0] in "\"'":
        keys.append((signing_key(text[1:-1]), "the secret without the quotes around it: "
                                                     "the secret given here is quoted; remove "
                                                     "the quotes"))
    return keys


# -- claims ----------------------------------------------------------------------------------


def _claim_checks(claims: dict[str, Any], text: str, now: float) -> list[Check]:
    checks = []
    for claim in CONTRACT_CLAIMS:
        if claim not in claims and claim not in ("exp", "sub", "email"):
            continue  # optional, absent: nothing to say
        refusal = _claim_refusal(claims, claim, text, now)
        if refusal is not None:
            checks.append(Check(claim, False, refusal.reason))
        elif claim == "exp" and (milliseconds := expiry_in_milliseconds(claims.get(claim))):
            checks.append(Check(claim, True, milliseconds, EXPIRY_IN_MILLISECONDS))
        else:
            checks.append(Check(claim, True, _claim_summary(claims, claim, now)))
    return checks


def _claim_refusal(claims: dict[str, Any], claim: str, text: str,
                   now: float) -> TokenRejected | None:
    """Identify's verdict on ``claim`` alone: the other contract claims are replaced by values
    that pass (or left out, for the optional ones); claims outside the contract stay, since
    some reasons mention them (a ``userId`` next to a missing ``sub``)."""
    probe = {key: value for key, value in claims.items() if key not in CONTRACT_CLAIMS}
    probe.update(_PASSING)
    probe.pop(claim, None)
    if claim in claims:
        probe[claim] = claims[claim]
    try:
        check_claims(probe, now, text)
    except TokenRejected as rejected:
        return rejected
    return None


def _claim_summary(claims: dict[str, Any], claim: str, now: float) -> str:
    """What a claim that passed holds, for a human."""
    if claim not in claims:
        return "absent: the token never expires (optional, but recommended)"
    value = claims[claim]
    if claim not in TIME_CLAIMS:
        return _show(value)
    ahead = round(value - now)  # whole seconds read better here; the checks used exact values
    if claim == "exp":
        return f"{iso(value)}, in {span(ahead)}"
    if ahead <= 0:
        return f"{iso(value)}, {span(-ahead)} ago"
    return f"{iso(value)}, {span(ahead)} ahead (within the {LEEWAY_SECONDS} s leeway)"


# Where a warning that is not about exp is shown: a check line of its own, named for what it
# concerns (its reason names the claim or attribute).
_WARNING_LINES: Final = {UNKNOWN_CLAIM: "unknown claim", UNMATCHABLE_ATTRIBUTE: "customAttributes"}


def _with_warnings(checks: list[Check], warnings: list[TokenWarning]) -> list[Check]:
    """The checklist of a token identify would accept, with identify's own warnings: an
    expiry warning marks the ``exp`` check (its reason becomes the detail), the others are lines
    of their own, so ``as_json``'s ``warnings`` are exactly what identify would answer."""
    marked = list(checks)
    for warning in warnings:
        if warning.code in EXPIRY_CODES:
            marked = [replace(check, detail=warning.reason, warning=warning.code)
                      if check.name == "exp" else check for check in marked]
        else:
            marked.append(Check(_WARNING_LINES.get(warning.code, warning.code), True,
                                warning.reason, warning.code))
    return marked


def _other_claims(claims: dict[str, Any]) -> list[Check]:
    others = [key for key in claims if key not in CONTRACT_CLAIMS]
    if not others:
        return []
    shown = ", ".join(cap(key) for key in others[:_OTHER_CLAIMS_SHOWN])
    if len(others) > _OTHER_CLAIMS_SHOWN:
        shown += f" and {len(others) - _OTHER_CLAIMS_SHOWN} more"
    return [Check("other claims", None, f"{shown} (ignored by Ferndesk)")]


# -- the verdict -----------------------------------------------------------------------------


def _with_unexplained(checks: list[Check], refusal: TokenRejected | None) -> list[Check]:
    """``checks`` plus identify's refusal, when no check already says it.

    A structural refusal of a token whose three segments all read well can only concern the
    header's other fields (``b64``, ``kid``, ``crit``): it becomes the header check's reason."""
    if refusal is None:
        return checks
    failed = [check for check in checks if check.ok is False]
    if any(check.detail == refusal.reason for check in failed):
        return checks
    if isinstance(refusal, BadSignature) and any(c.name == "signature" for c in failed):
        return checks  # the signature check found a more precise reason (a mistaken key)
    if not isinstance(refusal, MalformedToken | WrongAlgorithm):
        return [*checks, Check("identify", False, refusal.reason)]
    if checks and checks[0].name == "header" and checks[0].ok and not failed:
        return [Check("header", False, refusal.reason), *checks[1:]]
    return [*checks, Check("token", False, refusal.reason)]


def _verdict(refusal: TokenRejected | None, checks: list[Check], secret: str | None) -> str:
    """Identify's reason, except where the signature check knows better: a secret given here
    with whitespace or quotes around it is a mistake identify cannot see (its stored secret is
    clean), so its generic "another help center's secret?" would contradict the checklist."""
    if secret is not None:
        if refusal is None:
            return "accepted: a help center with this secret would identify this user"
        if isinstance(refusal, BadSignature):
            signature = next((check for check in checks
                              if check.name == "signature" and check.ok is False), None)
            if signature is not None:
                return f"rejected: {signature.detail}"
        return f"rejected: {refusal.reason}"
    first = next((check for check in checks if check.ok is False), None)
    if first is not None:
        return f"rejected whatever the secret: {first.detail}"
    return ("no problem found, but the signature was not checked: give the help center's secret "
            "to check it")


# -- output ----------------------------------------------------------------------------------


_STATUS: Final = {True: "ok", False: "FAIL", None: "--"}
_WARN: Final = "WARN"


def render(inspection: Inspection) -> str:
    """The checklist a human reads top to bottom, then the verdict."""
    width = max((len(check.name) for check in inspection.checks), default=0)
    lines = [f"{check.name:<{width}}  {_WARN if check.warning else _STATUS[check.ok]:<4}  "
             f"{check.detail}" for check in inspection.checks]
    lines.append(f"verdict: {inspection.verdict}")
    return "\n".join(lines)


def as_json(inspection: Inspection) -> dict[str, Any]:
    """The machine-readable form: ``{"valid", "verdict", "checks": [{"name", "ok", "detail"}],
    "header", "claims", "warnings": [{"code", "reason"}]}``; a warning is shaped as identify's
    success warnings are (the contract's section 8), and its check stays ``ok``."""
    return {
        "valid": inspection.valid,
        "verdict": inspection.verdict,
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in inspection.checks],
        "header": inspection.header,
        "claims": inspection.claims,
        "warnings": [{"code": c.warning, "reason": c.detail} for c in inspection.warnings],
    }


def _show(value: Any) -> str:
    """A claim's or header field's value in one capped line: strings quoted, the rest as JSON."""
    if type(value) is str:
        return quote(value)
    try:
        return cap(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    except (ValueError, RecursionError):
        return json_kind(value)


def _redact(text: str, secret: str | None) -> str:
    """Identify's redaction rule (``verifier.reasons.redact``) applied to any text we print, for
    the secret as it is and as it appears inside a JSON string."""
    if secret is None:
        return text
    for form in dict.fromkeys((secret, json.dumps(secret, ensure_ascii=False)[1:-1])):
        text = redact(text, form)
    return text


def _shown(value: dict[str, Any] | None, secret: str | None) -> dict[str, Any] | None:
    """A header or claim set fit to print: the secret redacted wherever it occurs, and
    non-finite numbers (``1e400`` parses as infinity) turned into strings so the JSON output
    stays standard JSON."""
    if value is None:
        return None
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        return {"(not shown)": "nested too deeply to display"}
    try:
        shown: dict[str, Any] = json.loads(_redact(text, secret), parse_constant=str)
    except (ValueError, RecursionError):
        return {"(not shown)": "could not be displayed without the secret"}
    return shown
