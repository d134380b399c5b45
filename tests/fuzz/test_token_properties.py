"""Hypothesis properties of the token checks (verifier.tokens) and of identify over HTTP.

``verify_identify_token(token, secret, now)`` gets arbitrary text (and non-text) tokens, and
compact JWS built here: random headers (``alg`` variants, ``kid``, ``crit``, ``b64``, junk),
random claim sets whose values are good ones or any JSON, raw payloads (not JSON, not an
object, duplicate keys, NaN), signed with the right secret, a wrong one or not at all; random
secrets (empty, short, Unicode) and a random ``now``. Properties:

* it returns an ``Identity`` or raises a ``TokenRejected`` subclass, never anything else;
* a reason is a non-empty str, valid UTF-8, never holds the secret (when it has 8 characters
  or more) nor the whole token;
* an accepted token's claims satisfy the contract (``sub`` a non-blank string, ``email`` one
  ``@``, a non-empty local part, a dot in the domain, no whitespace; ``exp > now`` when present;
  ``nbf``/``iat`` at most 60 s ahead; ``name`` a string or null; ``customAttributes`` an object
  or null), and the Identity carries exactly those claims;
* conversely, a token that satisfies the contract, signed HS256 with the secret, is accepted.

Over HTTP (Starlette's TestClient on one app for the module), ``POST
/widget/{widget_id}/identify`` gets arbitrary bodies (bytes, text, any JSON, ``{"jwt": ...}``
with the tokens above), content types, ``Origin`` and ``Referer`` headers: the answer is a
200 success or one of the contract's errors for identify, with its exact message, never a 5xx.

Bound: 300 examples for the pure properties, 200 over HTTP; derandomized, no deadline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import time
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import assume, event, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.conftest import ADMIN_TOKEN, HelpCenter, fresh_database_url
from tests.fuzz.contract import FUZZ, contract_problems
from verifier.app import create_app
from verifier.openapi import message_of
from verifier.settings import Settings
from verifier.tokens import Identity, TokenRejected, verify_identify_token

pytestmark = pytest.mark.fuzz

PROPERTY = settings(FUZZ, max_examples=300)
OVER_HTTP = settings(FUZZ, max_examples=200)
LEEWAY = 60

# -- building tokens ---------------------------------------------------------------------------

# Text without lone surrogates: what a JSON encoder, an HMAC key and an HTTP body can carry.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                         st.floats(allow_nan=False, allow_infinity=False), TEXT)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(TEXT, children, max_size=3)),
    max_leaves=8)

# Text a database stores (verifier.text): no lone surrogate and no NUL, which a sub or a name
# may not carry (customAttributes may: it is stored as JSON, where the NUL is escaped).
STORABLE = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
SUBS = st.text(STORABLE, min_size=1, max_size=40).filter(str.strip)  # blank: refused
EMAIL_LOCAL = st.text(st.characters(exclude_categories=["Cs", "Zs", "Zl", "Zp", "Cc", "Cf"],
                                    exclude_characters="@"), min_size=1, max_size=12)
EMAIL_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
EMAILS = st.builds(lambda local, domain, tld: f"{local}@{domain}.{tld}",
                   EMAIL_LOCAL, EMAIL_LABEL, st.sampled_from(["com", "co.uk", "test", "fr"]))
NAMES = st.one_of(st.none(), st.text(STORABLE, max_size=40))
ATTRIBUTES = st.one_of(st.none(), st.dictionaries(TEXT, JSON_VALUES, max_size=3))
NOW = st.one_of(st.floats(min_value=-1e11, max_value=1e11, allow_nan=False),
                st.integers(0, 4_000_000_000).map(float),
                st.just(time.time()))
SECRETS = st.one_of(st.sampled_from(["", "s", "short", "a-fixed-secret-for-ci-of-32-chars-or-more",
                                     "sécrèt-ünïcode-🔑", "c2VjcmV0LWluLWJhc2U2NA=="]),
                    TEXT)
ALGS = st.one_of(st.sampled_from(["HS256", "hs256", "HS384", "HS512", "none", "None", "RS256",
                                  "ES256", "EdDSA", "", " HS256"]), JSON_VALUES)
TIMES = st.one_of(st.integers(-(2**40), 2**40), st.floats(allow_nan=False), JSON_VALUES,
                  st.sampled_from(["1700000000", "2026-11-24T10:00:00Z"]))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign(header: bytes, payload: bytes, key: bytes) -> str:
    signing_input = f"{b64url(header)}.{b64url(payload)}"
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def _json_bytes(value: Any, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")


@st.composite
def claim_sets(draw: st.DrawFn, now: float) -> dict[str, Any]:
    """Claims whose values are each a good one or any JSON, any of them missing."""
    good = {
        "sub": SUBS, "email": EMAILS, "name": NAMES, "customAttributes": ATTRIBUTES,
        "exp": st.floats(1, 1e6).map(lambda delta: now + delta),
        "nbf": st.floats(-1e6, LEEWAY).map(lambda delta: now + delta),
        "iat": st.integers(-10**6, LEEWAY).map(lambda delta: now + delta),
    }
    claims: dict[str, Any] = {}
    for name, strategy in good.items():
        kind = draw(st.sampled_from(["good"] * 4 + ["missing", "json"]), label=name)
        if kind == "good":
            claims[name] = draw(strategy, label=name)
        elif kind == "json":
            claims[name] = draw(TIMES if name in ("exp", "nbf", "iat") else JSON_VALUES,
                                label=name)
    claims.update(draw(st.dictionaries(st.sampled_from(["userId", "uid", "aud", "iss", "jti"])
                                       | TEXT, JSON_VALUES, max_size=2), label="extra"))
    return claims


HEADERS = st.one_of(
    st.just({"alg": "HS256", "typ": "JWT"}), st.just({"alg": "HS256"}),
    st.fixed_dictionaries(
        {"alg": st.one_of(st.just("HS256"), ALGS)},
        optional={"typ": st.one_of(st.just("JWT"), JSON_VALUES), "kid": JSON_VALUES,
                  "crit": JSON_VALUES, "b64": st.booleans(), "x": JSON_VALUES}))
RAW_PAYLOADS = st.sampled_from([
    b'{"sub":"a","sub":"b","email":"a@b.co"}', b'{"sub":"a","email":"a@b.co","exp":NaN}',
    b'{"sub":"a","email":"a@b.co","exp":1e400}', b"\xef\xbb\xbf{}", b"[]", b"null", b"",
    b'{"sub":"\\ud800","email":"a@b.co"}', b'{"sub":"a","email":"a@b.co","name":"\\udfff"}',
    b'{"sub":"a","email":"a@b.co","customAttributes":' + b"[" * 50 + b"]" * 50 + b"}",
    b'{"sub":"a","email":"a@b.co","exp":' + b"9" * 5000 + b"}",
    "{\"sub\":\"é\"}".encode("latin-1"), '{"sub":"a"}'.encode("utf-16"),
])


@st.composite
def tokens(draw: st.DrawFn, secret: str, now: float) -> tuple[str, dict[str, Any] | None]:
    """A compact JWS over random header and claims; returns it and the claims it carries (None
    when the payload is not a JSON object built here)."""
    header = draw(HEADERS, label="header")
    if draw(st.integers(0, 3), label="claims from a set") > 0:
        claims: dict[str, Any] | None = draw(claim_sets(now), label="claims")
        payload = _json_bytes(claims, draw(st.booleans(), label="ascii"))
    else:
        claims = None
        payload = draw(st.one_of(RAW_PAYLOADS, st.binary(max_size=40),
                                 JSON_VALUES.map(lambda value: _json_bytes(value, True))),
                       label="payload")
    header_bytes = _json_bytes(header, True)
    key = draw(st.sampled_from(["right"] * 6 + ["wrong", "quoted"]), label="key")
    key_bytes = {"right": secret, "wrong": secret + "x", "quoted": f'"{secret}"'}[key]
    token = sign(header_bytes, payload, key_bytes.encode("utf-8"))
    damage = "none"
    if draw(st.integers(0, 3), label="damaged") == 0:
        damage = draw(st.sampled_from(["no signature", "cut", "padded", "bearer", "spaces",
                                       "five segments"]), label="damage")
    token = {
        "none": token,
        "no signature": token.rpartition(".")[0] + ".",
        "cut": token[:-3],
        "padded": token + "==",
        "bearer": "Bearer " + token,
        "spaces": f" {token}\n",
        "five segments": token + ".e30.e30",
    }[damage]
    return token, claims


# -- the contract, spelled independently -------------------------------------------------------


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def _looks_like_email(email: Any) -> bool:
    """The contract's rule, and verifier.emails' finer points: no invisible character, every
    label of the domain (one trailing dot aside) non-empty."""
    if type(email) is not str or email.count("@") != 1 or any(
            c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in email):
        return False
    local, domain = email.split("@")
    labels = domain.removesuffix(".").split(".")
    return bool(local) and len(labels) > 1 and all(labels)


def _assert_identity_satisfies_the_contract(identity: Identity, claims: dict[str, Any] | None,
                                            now: float) -> None:
    assert type(identity.sub) is str and identity.sub.strip()
    assert _looks_like_email(identity.email), identity.email
    assert identity.name is None or type(identity.name) is str
    assert identity.custom_attributes is None or type(identity.custom_attributes) is dict
    if claims is None:
        return
    stored = unicodedata.normalize("NFC", claims["email"]).removesuffix(".")  # verifier.emails
    assert (identity.sub, identity.email) == (claims["sub"], stored)
    assert identity.name == claims.get("name")
    assert identity.custom_attributes == claims.get("customAttributes")
    if "exp" in claims:
        assert _is_number(claims["exp"]) and claims["exp"] > now
        assert identity.expires_at == claims["exp"]
    else:
        assert identity.expires_at is None
    for claim in ("nbf", "iat"):
        if claim in claims:
            assert _is_number(claims[claim]) and claims[claim] <= now + LEEWAY


def _satisfies_the_contract(claims: dict[str, Any], now: float) -> bool:
    for claim in ("nbf", "iat"):
        if claim in claims and not (_is_number(claims[claim])
                                    and claims[claim] <= now + LEEWAY):
            return False
    return (
        ("exp" not in claims or (_is_number(claims["exp"]) and claims["exp"] > now))
        and type(claims.get("sub")) is str and bool(claims["sub"].strip())
        and _looks_like_email(claims.get("email"))
        and (claims.get("name") is None or type(claims["name"]) is str)
        and (claims.get("customAttributes") is None
             or type(claims["customAttributes"]) is dict)
    )


def _verify(token: Any, secret: str, now: float) -> Identity | TokenRejected:
    try:
        return verify_identify_token(token, secret, now)
    except TokenRejected as rejected:
        reason = rejected.reason
        assert type(reason) is str and reason.strip(), repr(reason)
        reason.encode("utf-8")  # valid UTF-8: no lone surrogate escapes into a response
        if len(secret) >= 8:
            assert secret not in reason, reason
        if isinstance(token, str) and len(token) >= 16:
            assert token not in reason, reason
        return rejected
    # Anything else escaping is the failure this property exists for: hypothesis reports it.


# -- verify_identify_token -----------------------------------------------------------------


@PROPERTY
@given(token=st.one_of(st.text(), st.text(alphabet="abcXYZ019-_.=+/ ", max_size=80),
                       st.binary(max_size=40), st.integers(), st.none(),
                       st.lists(st.text(max_size=3), max_size=2)),
       secret=st.one_of(SECRETS, st.text(max_size=20)), now=NOW)
@example(token="\udc80.e30.e30", secret="secret-of-eight", now=0.0)
@example(token="e30.e30." + "A" * 43, secret="", now=0.0)
def test_arbitrary_tokens_are_an_identity_or_a_rejection(token: Any, secret: str,
                                                         now: float) -> None:
    outcome = _verify(token, secret, now)
    if isinstance(outcome, Identity):
        _assert_identity_satisfies_the_contract(outcome, None, now)


@PROPERTY
@given(data=st.data(), secret=SECRETS, now=NOW)
def test_built_tokens_are_an_identity_or_a_precise_rejection(data: st.DataObject, secret: str,
                                                             now: float) -> None:
    token, claims = data.draw(tokens(secret, now), label="token")
    outcome = _verify(token, secret, now)
    event(type(outcome).__name__)
    if isinstance(outcome, Identity):
        _assert_identity_satisfies_the_contract(outcome, claims, now)


@PROPERTY
@given(secret=SECRETS.filter(bool), now=NOW, data=st.data())
def test_a_token_that_satisfies_the_contract_is_accepted(secret: str, now: float,
                                                         data: st.DataObject) -> None:
    claims = {"sub": data.draw(SUBS, label="sub"), "email": data.draw(EMAILS, label="email")}
    optional = data.draw(st.fixed_dictionaries({}, optional={
        "name": NAMES, "customAttributes": ATTRIBUTES,
        "exp": st.floats(0.001, 1e9).map(lambda delta: now + delta),
        "nbf": st.integers(-10**9, LEEWAY).map(lambda delta: now + delta),
        "iat": st.floats(-1e9, LEEWAY).map(lambda delta: now + delta),
        "aud": JSON_VALUES, "jti": TEXT}), label="optional")
    claims.update(optional)
    assume(_satisfies_the_contract(claims, now))  # float rounding at the boundaries
    header = data.draw(st.fixed_dictionaries({"alg": st.just("HS256")},
                                             optional={"typ": st.just("JWT"), "kid": TEXT}),
                       label="header")
    token = sign(_json_bytes(header, True), _json_bytes(claims, data.draw(st.booleans())),
                 secret.encode("utf-8"))
    outcome = _verify(token, secret, now)
    assert isinstance(outcome, Identity), (claims, outcome)
    _assert_identity_satisfies_the_contract(outcome, claims, now)


# -- identify over HTTP ------------------------------------------------------------------------

APP_ORIGINS = ["https://app.example.com", "https://help.example.com", "http://example.com:8080",
               "https://a.b.example.com", "https://evil.com", "null", "", "https://[::1]"]
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
CONTENT_TYPES = st.one_of(
    st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain",
                     "text/plain;charset=UTF-8", "APPLICATION/JSON", "application/json;x",
                     "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                     "application/jwt", ""]),
    HEADER_TEXT)
IDENTIFY_ANSWERS = {  # (status, code) identify may answer with, and its exact message
    (400, "invalid_request"), (413, "invalid_request"), (415, "invalid_request"),
    (422, "invalid_request"), (404, "unknown_widget"), (400, "jwt_required"),
    (403, "domain_mismatch"), (401, "invalid_jwt"), (409, "subject_mismatch"),
}


@pytest.fixture(scope="module")
def widget(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HelpCenter]:
    settings_ = Settings(database_url=fresh_database_url(tmp_path_factory.mktemp("identify")),
                         admin_token=ADMIN_TOKEN)
    with TestClient(create_app(settings_), raise_server_exceptions=False) as client:
        yield HelpCenter(client)


def _mostly(usual: st.SearchStrategy[Any], unusual: st.SearchStrategy[Any],
            ) -> st.SearchStrategy[Any]:
    """``usual`` seven times in ten, else ``unusual``: most requests get past a check, so that
    the checks after it are fuzzed too."""
    return st.integers(0, 9).flatmap(lambda roll: usual if roll < 7 else unusual)


@st.composite
def identify_requests(draw: st.DrawFn, secret: str) -> tuple[bytes, dict[str, str]]:
    now = time.time()
    good_token = st.builds(
        lambda claims: sign(b'{"alg":"HS256","typ":"JWT"}', _json_bytes(claims, True),
                            secret.encode("utf-8")),
        st.fixed_dictionaries({"sub": st.sampled_from(["u-1", "u-2", "u/3"]),
                               "email": st.sampled_from(["ada@acme.com", "ADA@acme.com",
                                                         "bob@acme.com"]),
                               "exp": st.just(int(now) + 3600)}))
    jwt_value = draw(_mostly(good_token, st.one_of(
        tokens(secret, now).map(lambda built: built[0]), JSON_VALUES)), label="jwt")
    envelope = st.fixed_dictionaries({"jwt": st.just(jwt_value)}, optional={
        "session_id": _mostly(st.text(max_size=70), JSON_VALUES), "x": JSON_VALUES})
    as_json = envelope.flatmap(lambda value: st.booleans().map(
        lambda ascii_only: _json_bytes(value, ascii_only)))
    body = draw(_mostly(as_json, st.one_of(
        JSON_VALUES.map(lambda value: _json_bytes(value, False)),
        st.binary(max_size=80), st.text(max_size=80).map(lambda t: t.encode("utf-8", "replace")),
        st.sampled_from([b"", b"{", b'{"jwt": NaN}', b'{"jwt": "a", "jwt": 1}',
                         b'{"jwt": "x", "session_id": Infinity}', b"\xef\xbb\xbf{}",
                         json.dumps({"jwt": "x"}).encode("utf-16"), b"[" * 5000,
                         b'{"jwt": "' + b"a" * 70_000 + b'"}']))), label="body")
    headers = {}
    content_type = draw(_mostly(
        st.sampled_from(["application/json", "text/plain", "application/json; charset=utf-8",
                         "text/plain;charset=UTF-8"]),
        st.one_of(st.none(), CONTENT_TYPES)), label="content-type")
    if content_type is not None:
        headers["Content-Type"] = content_type
    page = st.one_of(st.none(), st.sampled_from(APP_ORIGINS),
                     st.sampled_from(APP_ORIGINS).map(lambda origin: origin + "/page?q=1"),
                     HEADER_TEXT)
    for name in ("Origin", "Referer"):
        value = draw(_mostly(st.just("https://app.example.com"), page), label=name)
        if value is not None:
            headers[name] = value
    return body, headers


@OVER_HTTP
@given(data=st.data(), widget_id=_mostly(st.none(), st.text(min_size=1, max_size=20).filter(
    lambda text: "/" not in text and text.strip(".") != "")))  # else another route answers
def test_identify_answers_a_success_or_a_contract_error(widget: HelpCenter, data: st.DataObject,
                                                        widget_id: str | None) -> None:
    assert widget.secret is not None
    body, headers = data.draw(identify_requests(widget.secret), label="request")
    path = quote(widget_id if widget_id is not None else widget.widget_id, safe="")
    answer = widget.client.post(f"/widget/{path}/identify", content=body, headers=headers)
    event(f"{answer.status_code} {answer.json().get('error', {}).get('code', 'ok')}"
          if answer.headers.get("content-type", "").startswith("application/json") else "?")
    problems = contract_problems(answer.status_code, answer.headers.get("content-type", ""),
                                 answer.content)
    assert not problems, (problems, body[:300], headers, answer.text[:500])
    if answer.status_code == 200:
        document = answer.json()
        # ``warnings`` only when there is one (contract section 8)
        assert set(document) - {"warnings"} == {"user", "session"}, document
        assert document.get("warnings", [{}]), document
        assert document["user"]["sub"] and _looks_like_email(document["user"]["email"])
        return
    error = answer.json()["error"]
    assert (answer.status_code, error["code"]) in IDENTIFY_ANSWERS, (answer.status_code, error)
    assert error["message"] == message_of(error["code"], answer.status_code), error
