"""verifier.inspection: every problem of a token, in identify's words, and never the secret.

One table of tokens; for each, the checks expected to fail (exactly those) and words the failing
details must contain. Every row is also held to the invariants: ``valid`` agrees with
``verify_identify_token`` when a secret is given, the verdict is identify's reason word for word
(or, for a secret given with whitespace or quotes around it, the signature check's diagnosis),
a problem found alone is worded exactly as identify words it, and neither the checklist nor the
JSON form contains the secret. ``now`` is fixed: NOW = 1_795_000_000 = 2026-11-18T11:06:40Z.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any

import jwt
import pytest

from verifier.inspection import Inspection, as_json, inspect_token, render
from verifier.token_warnings import warnings_for
from verifier.tokens import TokenRejected, verify_identify_token

NOW = 1_795_000_000  # 2026-11-18T11:06:40Z
SECRET = "hc1-Zk3vQ9pL2mN8xR4tY7wB1cD5fG6hJ0aS-_eUiOp"
OTHER_SECRET = "hc2-Pq8rS7tU6vW5xY4zA3bC2dE1fG0hI9jK-_lMnOq"
B64_SECRET = base64.b64encode(bytes(range(7, 39))).decode()  # 44 chars, ends with "="
HEX_SECRET = bytes(range(100, 132)).hex()  # 64 hex digits
DROP = object()  # a claim's value that leaves the claim out
HEADER = {"alg": "HS256", "typ": "JWT"}


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"sub": "u-1", "email": "ada@acme.com", "name": "Ada",
                            "iat": NOW - 5, "exp": NOW + 3540,
                            "customAttributes": {"plan": "pro"}}
    base.update(changes)
    return {key: value for key, value in base.items() if value is not DROP}


def signed(key: str | bytes = SECRET, **changes: Any) -> str:
    """Signed the way an integrator's backend signs (or with the raw bytes of a mistaken key)."""
    if isinstance(key, bytes):
        return handmade(json.dumps(claims(**changes)).encode(), key=key)
    return jwt.encode(claims(**changes), key, algorithm="HS256")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def handmade(payload: bytes | dict[str, Any], header: bytes | dict[str, Any] = HEADER,
             key: bytes = SECRET.encode(), signature: bytes | None = None) -> str:
    """Any bytes as header and payload, HMAC-SHA256-signed with ``key`` (or ``signature``)."""
    parts = [value if isinstance(value, bytes) else json.dumps(value).encode()
             for value in (header, payload)]
    signing_input = f"{b64url(parts[0])}.{b64url(parts[1])}"
    mac = signature if signature is not None else hmac.new(
        key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def segments(header: str, payload: str, key: bytes = SECRET.encode()) -> str:
    """Two segments taken as they are (valid base64url or not), HMAC-SHA256-signed."""
    mac = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(mac)}"


@dataclass
class Case:
    token: str
    fails: set[str] = field(default_factory=set)  # the names of exactly the checks that fail
    says: tuple[str, ...] = ()  # words the failing details must contain, together
    secret: str | None = SECRET
    beyond_identify: bool = False  # a secret mistake only inspect names (identify: generic)


GOOD = signed()
CASES: dict[str, Case] = {
    "valid": Case(GOOD),
    "valid, no exp": Case(signed(exp=DROP)),
    "valid, float exp": Case(signed(exp=NOW + 600.5)),
    "valid, nbf within the leeway": Case(signed(nbf=NOW + 30)),
    "valid, null name and customAttributes": Case(signed(name=None, customAttributes=None)),
    "valid, no name": Case(signed(name=DROP, customAttributes=DROP)),
    "expired": Case(signed(exp=NOW - 600), {"exp"}, ("expired", "600 s ago")),
    "exp is a numeric string": Case(signed(exp=str(NOW + 600)), {"exp"},
                                    ("must be a number", f"send the number {NOW + 600}")),
    "exp is a boolean": Case(signed(exp=True), {"exp"}, ("the boolean true",)),
    "exp is a duration": Case(signed(exp=3600), {"exp"}, ("not a duration",)),
    "exp is infinite": Case(handmade(b'{"sub":"u","email":"a@b.co","exp":1e400}'), {"exp"},
                            ("finite",)),
    "nbf in the future": Case(signed(nbf=NOW + 3600), {"nbf"}, ("in the future", "60 s leeway")),
    "iat in milliseconds": Case(signed(iat=NOW * 1000), {"iat"}, ("milliseconds",)),
    "sub missing, userId present": Case(signed(sub=DROP, userId="u-1"), {"sub"},
                                        ("sub is missing", "userId", "the claim is now sub")),
    "sub missing": Case(signed(sub=DROP), {"sub"}, ("sub is missing",)),
    "sub is a number": Case(signed(sub=42), {"sub"}, ("got the number 42", "String(user.id)")),
    "sub is empty": Case(signed(sub=""), {"sub"}, ("empty",)),
    "email is not an email": Case(signed(email="ada-at-acme"), {"email"}, ("has no @",)),
    "email missing, emailAddress present": Case(
        signed(email=DROP, emailAddress="ada@acme.com"), {"email"}, ("emailAddress",)),
    "name is a list": Case(signed(name=["Ada"]), {"name"}, ("got an array",)),
    "customAttributes is a string": Case(
        signed(customAttributes='{"plan":"pro"}'), {"customAttributes"},
        ("must be a JSON object", "JSON.stringify")),
    "customAttributes is an array": Case(signed(customAttributes=[1]), {"customAttributes"}),
    "every claim wrong at once": Case(
        signed(sub=42, email="nope", name=7, exp="soon", nbf=NOW + 999,
               customAttributes="x"),
        {"exp", "nbf", "sub", "email", "name", "customAttributes"}),
    "numeric sub and a bad email": Case(signed(sub=42, email="ada@acme"), {"sub", "email"},
                                        ("String(user.id)", "has no dot")),
    "numeric sub, no secret": Case(signed(sub=42), {"sub"}, secret=None),
    "valid, no secret": Case(GOOD, secret=None),
    "alg none": Case(jwt.encode(claims(), None, algorithm="none"), {"header", "signature"},
                     ('"none"', "unsigned tokens are refused")),
    "alg HS512": Case(jwt.encode(claims(), SECRET * 2, algorithm="HS512"), {"header"},
                      ('"HS512"', "only HS256")),
    "alg RS256": Case(handmade(claims(), {"alg": "RS256"}, signature=bytes(256)), {"header"},
                      ("not a private key",)),
    "alg hs256": Case(handmade(claims(), {"alg": "hs256"}), {"header"}, ("case-sensitive",)),
    "alg missing": Case(handmade(claims(), {"typ": "JWT"}), {"header"}, ("no alg",)),
    "alg HS512 and sub missing": Case(
        jwt.encode(claims(sub=DROP, userId="u"), SECRET * 2, algorithm="HS512"),
        {"header", "sub"}, secret=None),
    "wrong secret": Case(signed(OTHER_SECRET), {"signature"},
                         ("does not match", "another help center's secret")),
    "wrong secret and expired": Case(signed(OTHER_SECRET, exp=NOW - 1), {"signature", "exp"}),
    "signed with the secret plus a newline": Case(signed(SECRET + "\n"), {"signature"},
                                                  ("followed by a newline", "strip")),
    "signed with the secret in double quotes": Case(signed(f'"{SECRET}"'), {"signature"},
                                                    ("wrapped in quotes",)),
    "signed with the base64-decoded secret": Case(
        signed(base64.b64decode(B64_SECRET)), {"signature"}, ("base64-decoded",),
        secret=B64_SECRET),
    "signed with the hex-decoded secret": Case(
        signed(bytes.fromhex(HEX_SECRET)), {"signature"}, ("hex-decoded",),
        secret=HEX_SECRET),
    "signed with the secret plus CR LF": Case(signed(SECRET + "\r\n"), {"signature"},
                                              ("Windows line ending",)),
    "signed with the secret plus a space": Case(signed(SECRET + " "), {"signature"},
                                                ("followed by a space",)),
    "signed with the secret in single quotes": Case(
        signed(f"'{SECRET}'"), {"signature"}, ("single quotes",)),
    "the secret given has a trailing newline": Case(
        GOOD, {"signature"}, ("without the whitespace",), secret=SECRET + "\n",
        beyond_identify=True),
    "the secret given is quoted": Case(GOOD, {"signature"}, ("without the quotes",),
                                       secret=f'"{SECRET}"', beyond_identify=True),
    "signature too short": Case(handmade(claims(), signature=bytes(20)), {"signature"},
                                ("the signature is 20 bytes", "HS256 signature is 32")),
    "signature too short, no secret": Case(handmade(claims(), signature=bytes(20)),
                                           {"signature"}, ("20 bytes",), secret=None),
    "signature not canonical": Case(GOOD[:-5], {"signature"}, ("not canonical",)),
    # malformed: never a traceback, always a reason
    "empty": Case("", {"token"}, ("empty",)),
    "one segment": Case("abc", {"token"}, ("3 dot-separated", "got 1")),
    "two segments": Case("abc.def", {"token"}, ("got 2",)),
    "four segments": Case(GOOD + ".x", {"token"}, ("got 4",)),
    "five segments (JWE)": Case("a.b.c.d.e", {"token"}, ("JWE",)),
    "Bearer prefix": Case("Bearer " + GOOD, {"token"}, ("Bearer",)),
    "trailing newline": Case(GOOD + "\n", {"token"}, ("the jwt ends with a newline",)),
    "JSON-quoted (res.json(token))": Case(f'"{GOOD}"', {"token"}, (
        "the jwt is wrapped in double quotes: your backend sent it as JSON (res.json(token))",)),
    "JSON-quoted, no secret": Case(f'"{GOOD}"', {"token"}, ("wrapped in double quotes",),
                                   secret=None),
    "blank sub": Case(signed(sub="   "), {"sub"}, ("sub is blank",)),
    "non-ASCII": Case(GOOD[:10] + "é" + GOOD[11:], {"token"}, ("non-ASCII",)),
    "header not base64url": Case("!!!." + GOOD.split(".", 1)[1], {"header"},
                                 ("not a base64url character",)),
    "header standard base64": Case("ab+/." + GOOD.split(".", 1)[1], {"header"},
                                   ("standard base64",)),
    "header not JSON": Case(handmade(claims(), b"{alg: HS256}"), {"header"},
                            ("header is not valid JSON",)),
    "header a JSON array": Case(handmade(claims(), b'["HS256"]'), {"header"},
                                ("must be a JSON object, got an array",)),
    "payload not JSON": Case(handmade(b"not json"), {"payload"}, ("payload is not valid JSON",)),
    "payload a JSON array": Case(handmade(b"[1]"), {"payload"}, ("got an array",)),
    "payload has a duplicate key": Case(
        handmade(b'{"sub":"a","sub":"b","email":"a@b.co"}'), {"payload"}, ("more than once",)),
    "payload has NaN": Case(handmade(b'{"sub":"a","email":"a@b.co","exp":NaN}'), {"payload"},
                            ("NaN",)),
    "payload not base64url": Case(segments(GOOD.split(".")[0], "$$$"), {"payload"},
                                  ("not a base64url character",)),
    "payload not base64url, wrong secret": Case(segments(GOOD.split(".")[0], "$$$"),
                                                {"payload", "signature"}, secret=OTHER_SECRET),
    "unsigned (ends with a dot)": Case(GOOD.rsplit(".", 1)[0] + ".", {"signature"},
                                       ("no signature",)),
    "header crit": Case(handmade(claims(), {**HEADER, "crit": ["exp"]}), {"header"}, ("crit",)),
    "header kid a number": Case(handmade(claims(), {**HEADER, "kid": 7}), {"header"}, ("kid",)),
    "header b64 false": Case(handmade(claims(), {**HEADER, "b64": False}), {"header"},
                             ('"b64": false',)),
}


def failing(inspection: Inspection) -> set[str]:
    return {check.name for check in inspection.problems}


def refusal(token: str, secret: str, now: float = NOW) -> TokenRejected | None:
    try:
        verify_identify_token(token, secret, now)
    except TokenRejected as rejected:
        return rejected
    return None


@pytest.mark.parametrize("name", CASES)
def test_the_checks_that_fail_are_exactly_the_problems(name: str) -> None:
    case = CASES[name]
    inspection = inspect_token(case.token, case.secret, NOW)
    assert failing(inspection) == case.fails, render(inspection)
    assert inspection.valid is not case.fails
    details = " | ".join(check.detail for check in inspection.problems)
    for words in case.says:
        assert words in details, render(inspection)


@pytest.mark.parametrize("name", CASES)
def test_valid_and_the_verdict_agree_with_identify(name: str) -> None:
    case = CASES[name]
    inspection = inspect_token(case.token, case.secret, NOW)
    if case.secret is None:
        refused = refusal(case.token, "any-secret-at-all")
        if inspection.valid:  # valid without a secret: nothing but the signature may be wrong
            assert refused is None or refused.__class__.__name__ == "BadSignature"
            assert "not checked" in inspection.verdict
        else:
            assert inspection.verdict.startswith("rejected whatever the secret: ")
            assert inspection.verdict.endswith(inspection.problems[0].detail)
        return
    refused = refusal(case.token, case.secret)
    assert inspection.valid is (refused is None)
    if refused is None:
        assert inspection.verdict.startswith("accepted")
    elif case.beyond_identify:  # the checklist's more precise diagnosis, said once
        (signature,) = inspection.problems
        assert inspection.verdict == f"rejected: {signature.detail}"
    else:
        assert inspection.verdict == f"rejected: {refused.reason}"


@pytest.mark.parametrize("name", [name for name, case in CASES.items()
                                  if len(case.fails) == 1 and case.secret is not None])
def test_a_problem_found_alone_is_worded_as_identify_words_it(name: str) -> None:
    case = CASES[name]
    inspection = inspect_token(case.token, case.secret, NOW)
    refused = refusal(case.token, case.secret or "")
    assert refused is not None
    (problem,) = inspection.problems
    if case.beyond_identify:
        assert problem.detail.startswith("signature does not match this help center's secret")
        assert problem.detail != refused.reason  # more precise than identify, on purpose
    else:
        assert problem.detail == refused.reason


@pytest.mark.parametrize("name", CASES)
def test_the_secret_is_never_printed(name: str) -> None:
    case = CASES[name]
    if case.secret is None:
        return
    inspection = inspect_token(case.token, case.secret, NOW)
    text = render(inspection)
    dumped = json.dumps(as_json(inspection), ensure_ascii=False, allow_nan=False)
    for form in {case.secret, case.secret.strip(), case.secret.strip("\"'")}:
        assert form not in text
        assert form not in dumped


def test_a_secret_inside_a_claim_is_redacted_everywhere() -> None:
    token = signed(sub=SECRET, note={"deep": [SECRET]})
    inspection = inspect_token(token, SECRET, NOW)
    assert inspection.valid
    assert SECRET not in render(inspection)
    assert SECRET not in json.dumps(as_json(inspection))
    assert inspection.claims is not None and inspection.claims["sub"] != SECRET


def test_a_valid_token_reads_as_a_checklist_then_a_verdict() -> None:
    token = signed(userId="legacy", custom_attributes={"plan": "pro"})
    text = render(inspect_token(token, SECRET, NOW))
    lines = text.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == [
        "header", "signature", "exp", "iat", "sub", "email", "name", "customAttributes",
        "unknown", "other"]
    assert "alg \"HS256\"" in lines[0] and lines[0].split()[1] == "ok"
    assert "verified with the given secret" in lines[1]
    assert "2026-11-18T12:05:40Z, in 3540 s" in lines[2]
    assert "5 s ago" in lines[3]
    assert '"u-1"' in lines[4] and '"ada@acme.com"' in lines[5]
    assert '{"plan":"pro"}' in lines[7]
    assert lines[8].split()[2] == "WARN" and "rename it to customAttributes" in lines[8]
    assert "userId, custom_attributes (ignored by Ferndesk)" in lines[9]
    assert lines[-1] == ("verdict: accepted: a help center with this secret would identify "
                         "this user")


def test_without_a_secret_the_signature_is_not_checked() -> None:
    inspection = inspect_token(GOOD, None, NOW)
    signature = next(check for check in inspection.checks if check.name == "signature")
    assert signature.ok is None and signature.detail.startswith("not checked")
    assert inspection.valid
    assert inspect_token(GOOD, "", NOW) == inspection  # an empty secret is no secret


def test_json_form_is_standard_json_with_the_documented_keys() -> None:
    inspection = inspect_token(CASES["exp is infinite"].token, SECRET, NOW)
    data = json.loads(json.dumps(as_json(inspection), allow_nan=False))
    assert set(data) == {"valid", "verdict", "checks", "header", "claims", "warnings"}
    assert data["warnings"] == []
    assert data["valid"] is False
    assert all(set(check) == {"name", "ok", "detail"} for check in data["checks"])
    assert data["header"] == HEADER
    assert data["claims"]["exp"] == "Infinity"


def test_unreadable_parts_are_none() -> None:
    assert inspect_token("abc", SECRET, NOW).header is None
    assert inspect_token("abc", SECRET, NOW).claims is None
    bad_payload = inspect_token(CASES["payload not JSON"].token, SECRET, NOW)
    assert bad_payload.header == HEADER and bad_payload.claims is None


@pytest.mark.parametrize("junk", [None, 42, b"a.b.c", ["a", "b", "c"], "\udc80.a.b", "." * 3,
                                  "a" * 100_000, ".".join(["eyJ"] * 3)])
def test_anything_at_all_is_explained_never_raised(junk: Any) -> None:
    inspection = inspect_token(junk, SECRET, NOW)
    assert not inspection.valid and inspection.problems
    assert render(inspection).endswith(inspection.verdict)


def test_time_comes_only_from_now(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_clock() -> float:
        raise AssertionError("inspect_token read the clock")

    monkeypatch.setattr(time, "time", no_clock)
    assert not inspect_token(GOOD, SECRET, NOW + 3540).valid  # expired exactly at exp
    assert inspect_token(GOOD, SECRET, NOW + 3539).valid


def test_the_inspection_is_frozen() -> None:
    inspection = inspect_token(GOOD, SECRET, NOW)
    with pytest.raises(FrozenInstanceError):
        inspection.valid = False  # type: ignore[misc]


def test_identifys_reason_is_always_among_the_problems_listed() -> None:
    """Random claim sets, validly signed: identify's first reason is one of inspect's problems,
    and ``valid`` is exactly identify's acceptance."""
    rng = random.Random(7)
    values = [None, True, 0, 1.5, NOW - 100, NOW + 30, NOW + 100, str(NOW), "", "x", "a@b.co",
              "a@b", [1], {"a": 1}, 1e300, "a" * 600, "\ud800"]
    keys = ["sub", "email", "name", "customAttributes", "exp", "nbf", "iat", "userId",
            "emailAddress"]
    for _ in range(500):
        changes = {rng.choice(keys): rng.choice([*values, DROP]) for _ in range(rng.randint(0, 4))}
        token = handmade(json.dumps(claims(**changes)).encode())
        inspection = inspect_token(token, SECRET, NOW)
        refused = refusal(token, SECRET)
        assert inspection.valid is (refused is None)
        if refused is not None:
            assert refused.reason in [check.detail for check in inspection.problems]


@pytest.mark.parametrize(("given", "fix"), [
    (" " + SECRET, "strip it"), (SECRET + " ", "strip it"), (SECRET + "\n", "strip it"),
    ("\t" + SECRET + "\r\n", "strip it"), (f'"{SECRET}"', "remove the quotes"),
    (f"'{SECRET}'", "remove the quotes"),
])
def test_a_secret_given_with_whitespace_or_quotes_gets_one_diagnosis(given: str,
                                                                     fix: str) -> None:
    inspection = inspect_token(GOOD, given, NOW)
    text = render(inspection)
    assert not inspection.valid
    assert fix in inspection.verdict, text
    for line in (*[check.detail for check in inspection.problems], inspection.verdict):
        assert fix in line, text
        assert "another help center" not in line, text
    assert as_json(inspection)["verdict"] == inspection.verdict


@pytest.mark.parametrize("exp", [NOW * 1000, (NOW + 600) * 1000, NOW * 1_000_000, 1e11])
def test_an_exp_in_milliseconds_is_a_warning_not_a_problem(exp: float) -> None:
    token = signed(exp=exp)
    assert refusal(token, SECRET) is None  # identify accepts it: the token never expires
    inspection = inspect_token(token, SECRET, NOW)
    assert inspection.valid and inspection.verdict.startswith("accepted")
    (check,) = [check for check in inspection.checks if check.name == "exp"]
    assert check.ok is True and check.warning == "expiry_in_milliseconds"
    assert "looks like milliseconds" in check.detail and "never expires" in check.detail
    (line,) = [line for line in render(inspection).splitlines() if line.startswith("exp ")]
    assert line.split()[1] == "WARN"
    assert as_json(inspection)["warnings"] == [{"code": "expiry_in_milliseconds",
                                                 "reason": check.detail}]


def test_an_exp_in_milliseconds_says_when_it_was_meant_to_expire() -> None:
    inspection = inspect_token(signed(exp=(NOW + 600) * 1000), SECRET, NOW)
    (check,) = [check for check in inspection.checks if check.name == "exp"]
    assert check.detail == (
        f"exp {(NOW + 600) * 1000} looks like milliseconds (2026-11-18T11:16:40Z if it were): "
        "read as seconds, as JWT times are, the token never expires; set exp in seconds "
        "(Math.floor(Date.now() / 1000) + lifetime)")


def test_an_exp_in_seconds_warns_of_nothing() -> None:
    inspection = inspect_token(signed(exp=NOW + 86_400), SECRET, NOW)
    assert as_json(inspection)["warnings"] == []
    assert all(check.warning is None for check in inspection.checks)


# -- identify's warnings (contract section 8), as identify answers them -------------------------


@pytest.mark.parametrize(("changes", "code"), [
    ({"exp": DROP}, "no_expiry"), ({"exp": NOW + 99_999_999}, "long_expiry"),
    ({"exp": NOW * 1000}, "expiry_in_milliseconds"),
])
def test_an_expiry_warning_marks_the_exp_check_with_identifys_reason(
        changes: dict[str, Any], code: str) -> None:
    token = signed(**changes)
    inspection = inspect_token(token, SECRET, NOW)
    assert inspection.valid and inspection.verdict.startswith("accepted")
    (check,) = [check for check in inspection.checks if check.name == "exp"]
    assert check.ok is True and check.warning == code
    (warning,) = warnings_for(claims(**changes), NOW)
    assert as_json(inspection)["warnings"] == [{"code": code, "reason": warning.reason}]
    assert check.detail == warning.reason


def test_every_warning_of_a_token_that_would_verify_is_shown_once() -> None:
    changes: dict[str, Any] = {"exp": DROP, "custom_attributes": {"plan": "pro"}, "Email": "x",
                               "customAttributes": {"plan": "pro", "team": None}}
    inspection = inspect_token(signed(**changes), SECRET, NOW)
    assert inspection.valid
    expected = [{"code": w.code, "reason": w.reason}
                for w in warnings_for(claims(**changes), NOW)]
    assert [w["code"] for w in expected] == ["no_expiry", "unknown_claim", "unknown_claim",
                                             "unmatchable_attribute"]
    assert as_json(inspection)["warnings"] == expected
    shown = render(inspection)
    assert sum("  WARN  " in line for line in shown.splitlines()) == 4, shown


def test_a_refused_token_shows_no_warning_but_its_problems() -> None:
    inspection = inspect_token(signed(sub="", custom_attributes={}), SECRET, NOW)
    assert not inspection.valid
    assert as_json(inspection)["warnings"] == []
