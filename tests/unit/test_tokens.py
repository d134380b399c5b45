"""verifier.tokens: what an identify JWT must be, and the exact reason given when it is not.

Tokens are made with PyJWT the way integrators make them, or by hand (base64url of raw JSON bytes,
HMAC-SHA256 with hmac) when the claims must be odd but the signature valid. ``now`` is fixed:
NOW = 1_795_000_000 = 2026-11-18T11:06:40Z.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import sys
import time
import warnings
from dataclasses import FrozenInstanceError, dataclass
from typing import Any

import jwt
import pytest
from jwt.algorithms import HMACAlgorithm

from verifier import tokens
from verifier.tokens import (
    BadSignature,
    Expired,
    Identity,
    InvalidClaim,
    MalformedToken,
    NoSecretConfigured,
    NotYetValid,
    TokenRejected,
    WrongAlgorithm,
    token_fingerprint,
    unverified_sub,
    verify_identify_token,
)

NOW = 1_795_000_000  # 2026-11-18T11:06:40Z
SECRET = "hc1-Zk3vQ9pL2mN8xR4tY7wB1cD5fG6hJ0aS-_eUiOp"  # 43 characters, like keys.generate_secret
OTHER_SECRET = "hc2-Pq8rS7tU6vW5xY4zA3bC2dE1fG0hI9jK-_lMnOq"
DROP = object()  # pass as a claim's value to leave the claim out
HEADER = {"alg": "HS256", "typ": "JWT"}
EMAIL_RULE = "(one @, a non-empty local part, a domain with a dot, no spaces)"
JSON_QUOTED = (
    "the jwt is wrapped in double quotes: your backend sent it as JSON (res.json(token)); send "
    "the bare token (res.send(token)) or read it with r.json()"
)
BAD_SIGNATURE = (
    "signature does not match this help center's secret: was the token signed with another "
    "help center's secret or a deleted one?"
)


def claims(**changes: Any) -> dict[str, Any]:
    """A valid claim set, with ``changes`` applied (``DROP`` removes a claim)."""
    base: dict[str, Any] = {
        "sub": "user_42",
        "email": "ada@acme.com",
        "name": "Ada Lovelace",
        "iat": NOW - 5,
        "exp": NOW + 600,
        "customAttributes": {"plan": "pro", "seats": 5, "owner": {"team": ["core", "web"]}},
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not DROP}


def signed(secret: str = SECRET, **changes: Any) -> str:
    """A token made exactly as an integrator's Python backend makes it."""
    return jwt.encode(claims(**changes), secret, algorithm="HS256")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def handmade(
    payload: bytes | dict[str, Any],
    header: bytes | dict[str, Any] = HEADER,
    key: bytes = SECRET.encode(),
    digest: Any = hashlib.sha256,
) -> str:
    """A token from raw JSON bytes, validly HMAC-signed with ``key``."""
    header_bytes = header if isinstance(header, bytes) else json.dumps(header).encode()
    payload_bytes = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{b64url(header_bytes)}.{b64url(payload_bytes)}"
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


def with_claims(**changes: Any) -> str:
    """Hand-signed with ``changes`` applied, for values PyJWT would not encode as given."""
    return handmade(claims(**changes))


def raw_payload(text: bytes) -> str:
    return handmade(text)


def rejected(token: Any, secret: str | None = SECRET, now: float = NOW) -> TokenRejected:
    with pytest.raises(TokenRejected) as caught:
        verify_identify_token(token, secret, now)
    return caught.value


@dataclass(frozen=True)
class Refusal:
    id: str
    token: Any
    error: type[TokenRejected]
    reason: str
    claim: str | None = None
    secret: str | None = SECRET


VALID = signed()
SIGNING_INPUT = VALID.rsplit(".", 1)[0]
MAX_DIGITS = sys.get_int_max_str_digits()

REFUSALS = [
    # -- the help center has a secret ------------------------------------------------------
    Refusal("no_secret_is_refused_before_anything_else", VALID, NoSecretConfigured,
            "this help center has no JWT secret: generate one "
            "(POST /api/help-centers/{id}/jwt-secret)", secret=None),
    Refusal("empty_secret_counts_as_no_secret", VALID, NoSecretConfigured,
            "this help center has no JWT secret: generate one "
            "(POST /api/help-centers/{id}/jwt-secret)", secret=""),
    Refusal("no_secret_wins_over_garbage", "garbage", NoSecretConfigured,
            "this help center has no JWT secret: generate one "
            "(POST /api/help-centers/{id}/jwt-secret)", secret=None),
    # -- not a JWT at all --------------------------------------------------------------------
    Refusal("empty_string_is_an_empty_token", "", MalformedToken, "token is empty"),
    Refusal("one_segment_is_not_a_jwt", "garbage", MalformedToken,
            "token is not a JWT: expected 3 dot-separated base64url segments, got 1"),
    Refusal("two_segments_are_not_a_jwt", "a.b", MalformedToken,
            "token is not a JWT: expected 3 dot-separated base64url segments, got 2"),
    Refusal("four_segments_are_not_a_jwt", "a.b.c.d", MalformedToken,
            "token is not a JWT: expected 3 dot-separated base64url segments, got 4"),
    Refusal("five_segments_are_named_an_encrypted_jwe", "aa.bb.cc.dd.ee", MalformedToken,
            "token has 5 segments, so it is an encrypted JWT (JWE); identify needs a signed "
            "JWT: 3 dot-separated base64url segments"),
    Refusal("a_100_kb_string_is_not_a_jwt", "x" * 100_000, MalformedToken,
            "token is not a JWT: expected 3 dot-separated base64url segments, got 1"),
    Refusal("a_100_kb_three_segment_string_has_a_bad_header", "!" * 50_000 + ".x.y",
            MalformedToken, 'header segment contains "!", which is not a base64url character'),
    Refusal("non_ascii_token_names_the_character", "é.é.é", MalformedToken,
            "token contains a non-ASCII character (U+00E9) at position 0; a JWT is ASCII "
            "base64url text"),
    Refusal("lone_surrogate_in_token_is_non_ascii", "ab\ud800.c.d", MalformedToken,
            "token contains a non-ASCII character (U+D800) at position 2; a JWT is ASCII "
            "base64url text"),
    Refusal("bearer_prefix_is_named", "Bearer " + VALID, MalformedToken,
            'token starts with "Bearer ": send the bare JWT, without the Authorization scheme'),
    Refusal("trailing_newline_is_named", VALID + "\n", MalformedToken,
            "the jwt ends with a newline (U+000A): trim it (token.trim()) or send it without "
            "one; a JWT never contains whitespace"),
    Refusal("leading_space_is_named", " " + VALID, MalformedToken,
            "the jwt starts with a space (U+0020): trim it (token.trim()) or send it without "
            "one; a JWT never contains whitespace"),
    Refusal("whitespace_on_both_sides_is_named", "\r\n" + VALID + "\r\n", MalformedToken,
            "the jwt starts with a carriage return (U+000D) and ends with a newline "
            "(U+000A): trim it (token.trim()) or send it without them; a JWT never contains "
            "whitespace"),
    Refusal("whitespace_inside_is_named_by_position", VALID[:20] + " " + VALID[20:],
            MalformedToken, f"token contains whitespace at position 20 (of {len(VALID) + 1}): "
            "was a newline or space copied with it?"),
    Refusal("json_quoted_token_is_named", f'"{VALID}"', MalformedToken, JSON_QUOTED),
    Refusal("json_quoted_token_with_a_newline_is_named", f'"{VALID}"\n', MalformedToken,
            JSON_QUOTED),
    Refusal("json_quoted_garbage_is_named_too", '"abc"', MalformedToken, JSON_QUOTED),
    Refusal("token_that_is_not_a_string_is_refused", 42, MalformedToken,
            "token must be a string, got a number"),
    Refusal("token_as_bytes_is_refused", VALID.encode(), MalformedToken,
            "token must be a string, got bytes"),
    Refusal("standard_base64_is_not_base64url", "ab+/." + VALID.split(".", 1)[1],
            MalformedToken, "header segment is standard base64 (it contains + or /), not "
            "base64url: use - and _ instead"),
    Refusal("impossible_base64_length_is_named", "abcde." + VALID.split(".", 1)[1],
            MalformedToken, "header segment has an impossible base64url length (5 characters)"),
    Refusal("empty_header_segment_is_named", "." + VALID.split(".", 1)[1], MalformedToken,
            "header segment is empty"),
    Refusal("header_not_json_is_named", b64url(b"{alg:HS256}") + ".e30.e30", MalformedToken,
            "header is not valid JSON: Expecting property name enclosed in double quotes at "
            "character 1"),
    Refusal("header_not_utf8_is_refused", handmade(claims(), header=b'{"alg":"HS256","x":"\xff"}'),
            MalformedToken, "header is not valid UTF-8 (byte 20 is 0xff)"),
    Refusal("header_that_is_an_array_is_refused", handmade(claims(), header=b'["HS256"]'),
            MalformedToken, "header must be a JSON object, got an array"),
    Refusal("header_nested_too_deeply_is_refused",
            handmade(claims(), header=b'{"alg":"HS256","x":' + b"[" * 100_000
                     + b"]" * 100_000 + b"}"),
            MalformedToken, "header nests arrays or objects too deeply"),
    Refusal("header_with_a_non_string_kid_is_refused",
            handmade(claims(), header={"alg": "HS256", "kid": 7}), MalformedToken,
            "header kid must be a string, got the number 7"),
    Refusal("header_with_critical_extensions_is_refused",
            handmade(claims(), header={"alg": "HS256", "crit": ["exp"]}), MalformedToken,
            "header crit is an array: no critical header extension is supported"),
    Refusal("detached_payload_header_is_refused",
            b64url(b'{"alg":"HS256","b64":false,"crit":["b64"]}') + "..c2ln", MalformedToken,
            'header sets "b64": false (an unencoded, detached payload); identify needs an '
            "ordinary JWT"),
    Refusal("payload_that_is_an_array_is_refused", raw_payload(b'[{"sub":"u"}]'),
            MalformedToken, "payload must be a JSON object, got an array"),
    Refusal("payload_that_is_a_string_is_refused", raw_payload(b'"sub"'), MalformedToken,
            "payload must be a JSON object, got a string"),
    Refusal("payload_not_json_is_refused", raw_payload(b"sub=user_42"), MalformedToken,
            "payload is not valid JSON: Expecting value at character 0"),
    Refusal("payload_with_trailing_data_is_refused", raw_payload(b'{"sub":"u"}{}'),
            MalformedToken, "payload is not valid JSON: Extra data at character 11"),
    Refusal("payload_not_utf8_is_refused",
            raw_payload(b'{"sub":"\xff","email":"ada@acme.com"}'), MalformedToken,
            "payload is not valid UTF-8 (byte 8 is 0xff)"),
    Refusal("payload_in_utf16_is_refused",
            raw_payload(json.dumps(claims()).encode("utf-16")), MalformedToken,
            "payload is not valid UTF-8 (byte 0 is 0xff)"),
    Refusal("payload_with_a_utf8_bom_is_refused",
            raw_payload(b"\xef\xbb\xbf" + json.dumps(claims()).encode()), MalformedToken,
            "payload starts with a UTF-8 byte-order mark (EF BB BF), which JSON in a JWT must "
            "not have"),
    Refusal("payload_with_a_duplicate_key_is_refused",
            raw_payload(b'{"sub":"alice","email":"a@b.co","sub":"mallory"}'), MalformedToken,
            'payload has the key "sub" more than once: JSON parsers disagree on which value '
            "wins, so the token is ambiguous"),
    Refusal("nested_duplicate_key_is_refused",
            raw_payload(b'{"sub":"u","email":"a@b.co","customAttributes":{"r":1,"r":2}}'),
            MalformedToken, 'payload has the key "r" more than once: JSON parsers disagree on '
            "which value wins, so the token is ambiguous"),
    Refusal("nan_literal_is_refused", raw_payload(b'{"sub":"u","exp":NaN}'), MalformedToken,
            "payload contains NaN, which is not JSON (numbers must be finite)"),
    Refusal("infinity_literal_is_refused", raw_payload(b'{"exp":Infinity}'), MalformedToken,
            "payload contains Infinity, which is not JSON (numbers must be finite)"),
    Refusal("negative_infinity_literal_is_refused", raw_payload(b'{"nbf":-Infinity}'),
            MalformedToken, "payload contains -Infinity, which is not JSON (numbers must be "
            "finite)"),
    Refusal("payload_nested_too_deeply_is_refused",
            raw_payload(b'{"customAttributes":' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
            MalformedToken, "payload nests arrays or objects too deeply"),
    Refusal("integer_of_5000_digits_is_refused", raw_payload(b'{"exp":1' + b"0" * 5000 + b"}"),
            MalformedToken, f"payload is not usable JSON: it has an integer of more than "
            f"{MAX_DIGITS} digits"),
    # -- alg is exactly HS256 ----------------------------------------------------------------
    Refusal("alg_none_is_refused_as_unsigned", jwt.encode(claims(), None, algorithm="none"),
            WrongAlgorithm, 'header alg is "none": unsigned tokens are refused'),
    Refusal("alg_none_in_capitals_is_refused_as_unsigned",
            handmade(claims(), header={"alg": "NONE"}), WrongAlgorithm,
            'header alg is "NONE": unsigned tokens are refused'),
    Refusal("alg_hs384_is_refused", handmade(claims(), header={"alg": "HS384"},
                                             digest=hashlib.sha384),
            WrongAlgorithm, 'header alg is "HS384"; only HS256 is accepted'),
    Refusal("alg_hs512_is_refused", handmade(claims(), header={"alg": "HS512"},
                                             digest=hashlib.sha512),
            WrongAlgorithm, 'header alg is "HS512"; only HS256 is accepted'),
    Refusal("alg_rs256_is_refused_as_not_a_shared_secret",
            handmade(claims(), header={"alg": "RS256", "typ": "JWT"}), WrongAlgorithm,
            'header alg is "RS256"; only HS256 is accepted: identify tokens are signed with '
            "the help center's shared secret, not a private key"),
    Refusal("alg_lowercase_hs256_is_refused_as_case_sensitive",
            handmade(claims(), header={"alg": "hs256"}), WrongAlgorithm,
            'header alg is "hs256"; only HS256 is accepted (alg is case-sensitive)'),
    Refusal("missing_alg_is_refused", handmade(claims(), header={"typ": "JWT"}),
            WrongAlgorithm, 'header has no alg: sign with algorithm "HS256"'),
    Refusal("empty_alg_is_refused", handmade(claims(), header={"alg": ""}), WrongAlgorithm,
            "header alg is an empty string; only HS256 is accepted"),
    Refusal("null_alg_is_refused", handmade(claims(), header={"alg": None}), WrongAlgorithm,
            'header alg must be the string "HS256", got null'),
    Refusal("alg_as_a_list_is_refused", handmade(claims(), header={"alg": ["HS256"]}),
            WrongAlgorithm, 'header alg must be the string "HS256", got an array'),
    Refusal("alg_is_checked_before_the_signature",
            handmade(claims(), header={"alg": "HS512"}, key=b"wrong"), WrongAlgorithm,
            'header alg is "HS512"; only HS256 is accepted'),
    # -- the signature verifies --------------------------------------------------------------
    Refusal("token_signed_with_another_secret_is_refused", signed(OTHER_SECRET), BadSignature,
            BAD_SIGNATURE),
    Refusal("signature_is_checked_before_the_claims", signed(OTHER_SECRET, exp=NOW - 1),
            BadSignature, BAD_SIGNATURE),
    Refusal("altered_payload_is_refused",
            VALID.split(".")[0] + "." + b64url(json.dumps(claims(sub="admin")).encode()) + "."
            + VALID.split(".")[2], BadSignature, BAD_SIGNATURE),
    Refusal("missing_signature_is_refused", SIGNING_INPUT + ".", BadSignature,
            "token has no signature (it ends with a dot): unsigned tokens are refused"),
    Refusal("truncated_signature_is_refused",
            SIGNING_INPUT + "." + b64url(base64.urlsafe_b64decode(VALID.split(".")[2] + "=")[:26]),
            BadSignature,
            "signature does not match this help center's secret: the signature is 26 bytes, "
            "an HS256 signature is 32: was the token cut or altered?"),
    Refusal("secret_with_a_trailing_newline_is_named", signed(SECRET + "\n"), BadSignature,
            "signature does not match this help center's secret as given, but it matches the "
            "secret followed by a newline: strip the secret you load from your environment"),
    Refusal("secret_wrapped_in_quotes_is_named", signed(f'"{SECRET}"'), BadSignature,
            "signature does not match this help center's secret as given, but it matches the "
            "secret wrapped in quotes: remove the quotes around it in your environment file"),
    Refusal("base64_decoded_secret_is_named",
            handmade(claims(), key=base64.urlsafe_b64decode(SECRET + "=")), BadSignature,
            "signature does not match this help center's secret as given, but it matches the "
            "base64-decoded secret: sign with the secret string itself, do not decode it"),
    # -- exp: a number, not past, no leeway --------------------------------------------------
    Refusal("expired_token_says_when_and_how_long_ago", signed(exp=NOW - 600), Expired,
            "token expired at 2026-11-18T10:56:40Z (600 s ago)"),
    Refusal("exp_equal_to_now_is_expired", signed(exp=NOW), Expired,
            "token expired at 2026-11-18T11:06:40Z (0 s ago)"),
    Refusal("exp_one_second_ago_is_expired_without_leeway", signed(exp=NOW - 1), Expired,
            "token expired at 2026-11-18T11:06:39Z (1 s ago)"),
    Refusal("long_expired_token_is_humanised", signed(exp=NOW - 7500), Expired,
            "token expired at 2026-11-18T09:01:40Z (7500 s = 2 h 5 min ago)"),
    Refusal("days_expired_token_is_humanised", signed(exp=NOW - 3 * 86400 - 7200), Expired,
            "token expired at 2026-11-15T09:06:40Z (266400 s = 3 d 2 h ago)"),
    Refusal("fractional_exp_is_shown_to_the_millisecond", signed(exp=NOW - 0.5), Expired,
            "token expired at 2026-11-18T11:06:39.500Z (0.5 s ago)"),
    Refusal("exp_given_as_a_duration_is_named", signed(exp=3600), Expired,
            "token expired at 1970-01-01T01:00:00Z (1794996400 s = 20775 d 10 h ago): exp is "
            "an instant (seconds since epoch), not a duration; set it to now + the lifetime "
            "(e.g. expiresIn: '10m' in jsonwebtoken)"),
    Refusal("exp_as_numeric_string_is_refused_as_not_a_number", signed(exp="1700000000"),
            InvalidClaim, 'exp must be a number (seconds since epoch), got a string '
            '"1700000000": send the number 1700000000', claim="exp"),
    Refusal("exp_as_iso_date_is_refused", signed(exp="2026-11-24T10:00:00Z"), InvalidClaim,
            'exp must be a number (seconds since epoch), got a string "2026-11-24T10:00:00Z": '
            "JWT times are seconds since epoch, not ISO dates", claim="exp"),
    Refusal("exp_true_is_refused", signed(exp=True), InvalidClaim,
            "exp must be a number (seconds since epoch), got the boolean true", claim="exp"),
    Refusal("exp_false_is_refused", signed(exp=False), InvalidClaim,
            "exp must be a number (seconds since epoch), got the boolean false", claim="exp"),
    Refusal("exp_null_is_refused", signed(exp=None), InvalidClaim,
            "exp must be a number (seconds since epoch), got null", claim="exp"),
    Refusal("exp_as_object_is_refused", signed(exp={"in": 600}), InvalidClaim,
            "exp must be a number (seconds since epoch), got an object", claim="exp"),
    Refusal("exp_overflowing_to_infinity_is_refused", raw_payload(b'{"exp":1e400}'),
            InvalidClaim, "exp must be a finite number, got inf", claim="exp"),
    Refusal("exp_beyond_float_range_is_refused", raw_payload(b'{"exp":1' + b"0" * 400 + b"}"),
            InvalidClaim, "exp is out of range: 100000000000… (an integer of 401 digits) "
            "seconds since epoch", claim="exp"),
    Refusal("exp_before_the_calendar_is_still_expired", raw_payload(b'{"exp":-1e300}'),
            Expired, "token expired at -1e+300 (seconds since epoch, outside the calendar) "
            "(1e+300 s ago)"),
    # -- nbf / iat: numbers, not in the future beyond 60 s -----------------------------------
    Refusal("nbf_in_the_future_is_refused", signed(nbf=NOW + 300), NotYetValid,
            "nbf is 2026-11-18T11:11:40Z, 300 s in the future (60 s leeway)"),
    Refusal("nbf_61_s_ahead_is_beyond_the_leeway", signed(nbf=NOW + 61), NotYetValid,
            "nbf is 2026-11-18T11:07:41Z, 61 s in the future (60 s leeway)"),
    Refusal("iat_61_s_ahead_is_beyond_the_leeway", signed(iat=NOW + 61), NotYetValid,
            "iat is 2026-11-18T11:07:41Z, 61 s in the future (60 s leeway)"),
    Refusal("iat_in_milliseconds_is_named", signed(iat=NOW * 1000), NotYetValid,
            "iat is 1795000000000 (seconds since epoch, outside the calendar), 1793205000000 s "
            "in the future (60 s leeway): it looks like milliseconds; JWT times are seconds "
            "(Math.floor(Date.now() / 1000))"),
    Refusal("exp_is_checked_before_nbf", signed(exp=NOW - 10, nbf=NOW + 300), Expired,
            "token expired at 2026-11-18T11:06:30Z (10 s ago)"),
    Refusal("nbf_is_checked_before_iat", signed(nbf=NOW + 300, iat=NOW + 300), NotYetValid,
            "nbf is 2026-11-18T11:11:40Z, 300 s in the future (60 s leeway)"),
    Refusal("nbf_as_numeric_string_is_refused", signed(nbf=str(NOW)), InvalidClaim,
            f'nbf must be a number (seconds since epoch), got a string "{NOW}": send the '
            f"number {NOW}", claim="nbf"),
    Refusal("iat_as_numeric_string_is_refused", signed(iat=str(NOW)), InvalidClaim,
            f'iat must be a number (seconds since epoch), got a string "{NOW}": send the '
            f"number {NOW}", claim="iat"),
    Refusal("nbf_true_is_refused", signed(nbf=True), InvalidClaim,
            "nbf must be a number (seconds since epoch), got the boolean true", claim="nbf"),
    Refusal("iat_false_is_refused", signed(iat=False), InvalidClaim,
            "iat must be a number (seconds since epoch), got the boolean false", claim="iat"),
    Refusal("iat_null_is_refused", signed(iat=None), InvalidClaim,
            "iat must be a number (seconds since epoch), got null", claim="iat"),
    # -- sub: a non-empty string -------------------------------------------------------------
    Refusal("userId_without_sub_is_named_as_the_old_docs", signed(sub=DROP, userId="user_42"),
            InvalidClaim, "sub is missing; the token has userId: older Ferndesk docs used "
            "userId, the claim is now sub", claim="sub"),
    Refusal("user_id_without_sub_is_named", signed(sub=DROP, user_id="user_42"), InvalidClaim,
            "sub is missing; the token has user_id: the user's id belongs in sub", claim="sub"),
    Refusal("missing_sub_is_refused", signed(sub=DROP), InvalidClaim,
            "sub is missing: put your user's stable id in sub", claim="sub"),
    Refusal("numeric_sub_is_refused_with_the_fix", signed(sub=42), InvalidClaim,
            "sub must be a string, got the number 42: send String(user.id)", claim="sub"),
    Refusal("float_sub_is_refused_as_a_number", signed(sub=42.5), InvalidClaim,
            "sub must be a string, got the number 42.5: send String(user.id)", claim="sub"),
    Refusal("blank_sub_is_refused", signed(sub="   "), InvalidClaim,
            'sub is blank (only whitespace: "   "): put your user\'s stable id in sub',
            claim="sub"),
    Refusal("newline_sub_is_refused", signed(sub="\n"), InvalidClaim,
            'sub is blank (only whitespace: "\\n"): put your user\'s stable id in sub',
            claim="sub"),
    Refusal("empty_sub_is_refused", signed(sub=""), InvalidClaim, "sub is an empty string",
            claim="sub"),
    Refusal("null_sub_is_refused", signed(sub=None), InvalidClaim,
            "sub must be a string, got null", claim="sub"),
    Refusal("boolean_sub_is_refused", signed(sub=True), InvalidClaim,
            "sub must be a string, got the boolean true", claim="sub"),
    Refusal("sub_with_a_lone_surrogate_is_refused",
            raw_payload(b'{"sub":"u\\ud800","email":"ada@acme.com"}'), InvalidClaim,
            "sub contains a lone UTF-16 surrogate (a \\udXXX escape without its pair), which "
            "is not valid Unicode", claim="sub"),
    Refusal("sub_with_a_nul_is_refused",
            raw_payload(b'{"sub":"u\\u0000x","email":"ada@acme.com"}'), InvalidClaim,
            "sub contains a NUL character (U+0000), which cannot be stored as text",
            claim="sub"),
    Refusal("name_with_a_nul_is_refused",
            raw_payload(b'{"sub":"u","email":"ada@acme.com","name":"A\\u0000"}'), InvalidClaim,
            "name contains a NUL character (U+0000), which cannot be stored as text",
            claim="name"),
    # -- email: looks like an email ----------------------------------------------------------
    Refusal("missing_email_is_refused", signed(email=DROP), InvalidClaim, "email is missing",
            claim="email"),
    Refusal("email_under_another_name_is_named", signed(email=DROP, emailAddress="a@b.co"),
            InvalidClaim, "email is missing; the token has emailAddress: the claim is email",
            claim="email"),
    Refusal("email_without_at_is_refused", signed(email="ada at acme.com"), InvalidClaim,
            f'email "ada at acme.com" does not look like an email {EMAIL_RULE}: it has no @',
            claim="email"),
    Refusal("email_with_two_ats_is_refused", signed(email="ada@acme@com.io"), InvalidClaim,
            f'email "ada@acme@com.io" does not look like an email {EMAIL_RULE}: it has 2 @',
            claim="email"),
    Refusal("email_with_empty_local_part_is_refused", signed(email="@acme.com"), InvalidClaim,
            f'email "@acme.com" does not look like an email {EMAIL_RULE}: the local part '
            "before @ is empty", claim="email"),
    Refusal("email_with_empty_domain_is_refused", signed(email="ada@"), InvalidClaim,
            f'email "ada@" does not look like an email {EMAIL_RULE}: the domain after @ is '
            "empty", claim="email"),
    Refusal("email_domain_without_dot_is_refused", signed(email="ada@localhost"),
            InvalidClaim, f'email "ada@localhost" does not look like an email {EMAIL_RULE}: '
            'the domain "localhost" has no dot', claim="email"),
    Refusal("email_with_a_space_is_refused", signed(email="ada lovelace@acme.com"),
            InvalidClaim, f'email "ada lovelace@acme.com" does not look like an email '
            f"{EMAIL_RULE}: it contains whitespace (U+0020 SPACE) at position 3", claim="email"),
    Refusal("email_with_a_trailing_newline_is_refused", signed(email="ada@acme.com\n"),
            InvalidClaim, f'email "ada@acme.com\\n" does not look like an email {EMAIL_RULE}: '
            "it contains whitespace (U+000A) at position 12", claim="email"),
    Refusal("email_with_a_zero_width_space_names_its_code_point",
            signed(email="ada\u200b@acme.com"), InvalidClaim,
            'email "ada\u200b@acme.com" does not look like an email '
            f"{EMAIL_RULE}: it contains U+200B ZERO WIDTH SPACE at position 3, an invisible "
            "character: two emails that look the same would be two users", claim="email"),
    Refusal("email_domain_with_an_empty_label_is_refused", signed(email="ada@acme..com"),
            InvalidClaim, f'email "ada@acme..com" does not look like an email {EMAIL_RULE}: '
            'the domain "acme..com" has an empty label (a dot at its start, two dots in a row, '
            "or two at its end)", claim="email"),
    Refusal("email_domain_with_only_a_trailing_dot_is_refused", signed(email="ada@acme."),
            InvalidClaim, f'email "ada@acme." does not look like an email {EMAIL_RULE}: '
            'the domain "acme." has no dot besides its trailing one', claim="email"),
    Refusal("empty_email_is_refused", signed(email=""), InvalidClaim,
            "email is an empty string", claim="email"),
    Refusal("null_email_is_refused", signed(email=None), InvalidClaim,
            "email must be a string, got null", claim="email"),
    Refusal("email_as_a_list_is_refused", signed(email=["ada@acme.com"]), InvalidClaim,
            "email must be a string, got an array", claim="email"),
    Refusal("long_email_is_quoted_capped_at_80_characters", signed(email="x" * 200),
            InvalidClaim, f'email "{"x" * 80}…" does not look like an email {EMAIL_RULE}: it '
            "has no @", claim="email"),
    Refusal("sub_is_checked_before_email", signed(sub=7, email="nope"), InvalidClaim,
            "sub must be a string, got the number 7: send String(user.id)", claim="sub"),
    # -- name, customAttributes --------------------------------------------------------------
    Refusal("name_as_a_list_is_refused", signed(name=["Ada", "Lovelace"]), InvalidClaim,
            "name must be a string or null, got an array", claim="name"),
    Refusal("name_as_a_number_is_refused", signed(name=7), InvalidClaim,
            "name must be a string or null, got the number 7", claim="name"),
    Refusal("customAttributes_as_a_string_is_refused", signed(customAttributes="pro"),
            InvalidClaim, 'customAttributes must be a JSON object, got a string "pro"',
            claim="customAttributes"),
    Refusal("stringified_customAttributes_is_named", signed(customAttributes='{"plan":"pro"}'),
            InvalidClaim, 'customAttributes must be a JSON object, got a string '
            '"{\\"plan\\":\\"pro\\"}": pass the object itself, not JSON.stringify(...) of it',
            claim="customAttributes"),
    Refusal("customAttributes_as_an_array_is_refused", signed(customAttributes=[1, 2]),
            InvalidClaim, "customAttributes must be a JSON object, got an array",
            claim="customAttributes"),
    Refusal("customAttributes_with_a_lone_surrogate_is_refused",
            raw_payload(b'{"sub":"u","email":"a@b.co","customAttributes":{"k":["\\udc00"]}}'),
            InvalidClaim, "customAttributes contains a lone UTF-16 surrogate (a \\udXXX escape "
            "without its pair), which is not valid Unicode", claim="customAttributes"),
    Refusal("name_is_checked_before_customAttributes", signed(name=1, customAttributes=1),
            InvalidClaim, "name must be a string or null, got the number 1", claim="name"),
]


@pytest.mark.parametrize("case", REFUSALS, ids=[case.id for case in REFUSALS])
def test_refusal_has_its_class_and_exact_reason(case: Refusal) -> None:
    error = rejected(case.token, case.secret)
    assert type(error) is case.error
    assert error.reason == case.reason
    assert str(error) == case.reason
    if case.claim is not None:
        assert isinstance(error, InvalidClaim)
        assert error.claim == case.claim


@pytest.mark.parametrize("case", REFUSALS, ids=[case.id for case in REFUSALS])
def test_reason_never_contains_the_secret_or_the_token(case: Refusal) -> None:
    reason = rejected(case.token, case.secret).reason
    assert SECRET not in reason
    assert OTHER_SECRET not in reason
    if isinstance(case.token, str) and len(case.token) >= 3:
        assert case.token not in reason
    assert "\n" not in reason
    assert len(reason) < 400
    reason.encode("utf-8")  # always storable and sendable


def test_the_refusal_classes_form_one_hierarchy() -> None:
    for error in (NoSecretConfigured, MalformedToken, WrongAlgorithm, BadSignature, Expired,
                  NotYetValid, InvalidClaim):
        assert issubclass(error, TokenRejected)
        assert issubclass(error, Exception)


# -- what is accepted ----------------------------------------------------------------------


def test_full_valid_token_gives_every_identity_field() -> None:
    identity = verify_identify_token(VALID, SECRET, NOW)
    assert identity == Identity(
        sub="user_42",
        email="ada@acme.com",
        name="Ada Lovelace",
        custom_attributes={"plan": "pro", "seats": 5, "owner": {"team": ["core", "web"]}},
        expires_at=float(NOW + 600),
    )
    assert type(identity.expires_at) is float


def test_minimal_token_has_only_sub_and_email() -> None:
    token = jwt.encode({"sub": "u", "email": "a@b.co"}, SECRET, algorithm="HS256")
    assert verify_identify_token(token, SECRET, NOW) == Identity("u", "a@b.co", None, None, None)


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"name": None}, "name", None),
        ({"name": DROP}, "name", None),
        ({"name": ""}, "name", ""),
        ({"customAttributes": None}, "custom_attributes", None),
        ({"customAttributes": DROP}, "custom_attributes", None),
        ({"customAttributes": {}}, "custom_attributes", {}),
        ({"exp": DROP}, "expires_at", None),
        ({"sub": "👩‍💻 user"}, "sub", "👩‍💻 user"),
        ({"email": "zoë@exämple.org"}, "email", "zoë@exämple.org"),
        ({"email": "zoe\u0308@exa\u0308mple.org"}, "email", "zo\u00eb@ex\u00e4mple.org"),
        ({"email": "Ada@Acme.com."}, "email", "Ada@Acme.com"),
    ],
    ids=["name_null_is_none", "name_absent_is_none", "name_empty_string_is_kept",
         "customAttributes_null_is_none", "customAttributes_absent_is_none",
         "customAttributes_empty_object_is_kept", "exp_absent_is_accepted",
         "non_ascii_sub_is_accepted", "non_ascii_email_is_accepted",
         "decomposed_email_is_given_composed", "fully_qualified_domain_loses_its_dot"],
)
def test_optional_and_unicode_claims_are_accepted(changes: dict[str, Any], field: str,
                                                  expected: Any) -> None:
    identity = verify_identify_token(signed(**changes), SECRET, NOW)
    assert getattr(identity, field) == expected


def test_escaped_surrogate_pair_is_a_valid_character() -> None:
    # Python's json.dumps escapes emoji as a surrogate pair; that is valid JSON and Unicode.
    token = raw_payload(b'{"sub":"\\ud83d\\ude00","email":"a@b.co"}')
    assert verify_identify_token(token, SECRET, NOW).sub == "😀"


def test_snake_case_custom_attributes_is_ignored_not_refused() -> None:
    token = signed(customAttributes=DROP, custom_attributes={"plan": "pro"})
    assert verify_identify_token(token, SECRET, NOW).custom_attributes is None


def test_unknown_claims_are_ignored() -> None:
    token = with_claims(aud="somewhere", iss=5, jti=[1], sub_type=None, role="admin")
    assert verify_identify_token(token, SECRET, NOW).sub == "user_42"


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": NOW + 1},
        {"exp": NOW + 0.001},
        {"exp": float(NOW + 600)},
        {"nbf": NOW + 60},
        {"iat": NOW + 60},
        {"nbf": NOW + 59.5, "iat": NOW + 60.0},
        {"nbf": float(NOW), "iat": NOW - 0.25},
        {"exp": 10**18},
        {"iat": 0, "nbf": -5},
    ],
    ids=["exp_one_second_ahead", "exp_a_millisecond_ahead", "exp_as_float", "nbf_60_s_ahead",
         "iat_60_s_ahead", "nbf_and_iat_as_floats_in_leeway", "nbf_and_iat_floats_in_past",
         "exp_far_future_integer", "iat_and_nbf_at_or_before_epoch"],
)
def test_time_claims_within_bounds_are_accepted(changes: dict[str, Any]) -> None:
    assert verify_identify_token(signed(**changes), SECRET, NOW).sub == "user_42"


def test_expiry_uses_the_given_now_not_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_wall_clock() -> float:
        raise AssertionError("tokens must not read the wall clock")

    monkeypatch.setattr(time, "time", no_wall_clock)
    token = signed(iat=1_000_000_000, exp=1_000_000_100)  # 2001
    assert verify_identify_token(token, SECRET, 1_000_000_099).expires_at == 1_000_000_100
    assert isinstance(rejected(token, now=1_000_000_100), Expired)


def test_expired_carries_its_instant() -> None:
    error = rejected(signed(exp=NOW - 600))
    assert isinstance(error, Expired)
    assert error.expires_at == NOW - 600


def test_not_yet_valid_carries_its_claim_and_instant() -> None:
    error = rejected(signed(iat=NOW + 120))
    assert isinstance(error, NotYetValid)
    assert (error.claim, error.valid_from) == ("iat", NOW + 120)


def test_identity_is_immutable() -> None:
    identity = verify_identify_token(VALID, SECRET, NOW)
    with pytest.raises(FrozenInstanceError):
        identity.sub = "mallory"  # type: ignore[misc]


# -- the secret, as integrators use it -----------------------------------------------------


def test_short_secret_verifies_without_any_warning() -> None:
    short = "abc"
    token = handmade(claims(), key=short.encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # PyJWT's InsecureKeyLengthWarning would raise here
        for _ in range(3):
            assert verify_identify_token(token, short, NOW).sub == "user_42"


@pytest.mark.parametrize(
    "secret",
    [
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI\n-----END PUBLIC KEY-----",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ",
        '{"kty":"oct","k":"c2VjcmV0"}',
        "pässwörd-ñ-秘密-🔑-with-enough-length-to-be-safe",
    ],
    ids=["pem_looking", "ssh_looking", "jwk_looking", "non_ascii"],
)
def test_any_secret_string_verifies_as_its_utf8_bytes(secret: str) -> None:
    # PyJWT's stock HMAC refuses key-shaped secrets; Node's jwt.sign accepts any string.
    token = handmade(claims(), key=secret.encode("utf-8"))
    assert verify_identify_token(token, secret, NOW).sub == "user_42"


def test_secret_quoted_in_a_claim_is_redacted_from_the_reason() -> None:
    error = rejected(signed(email=SECRET))
    assert SECRET not in error.reason
    assert "<this help center's secret>" in error.reason
    assert SECRET not in str(error)


def test_valid_token_costs_exactly_one_hmac_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    original = HMACAlgorithm.verify

    def counting(self: HMACAlgorithm, msg: bytes, key: bytes, sig: bytes) -> bool:
        calls.append(msg)
        return original(self, msg, key, sig)

    monkeypatch.setattr(HMACAlgorithm, "verify", counting)
    verify_identify_token(VALID, SECRET, NOW)
    assert calls == [SIGNING_INPUT.encode()]


# -- no input escapes as anything but TokenRejected ----------------------------------------

_ODD_CHARACTERS = "-_.=+/ \n\t\x00é\ud800{}\"'[]:,\\AZaz09"
_ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1.5, 1e308, -1e308, 10**30, "", " ", "x", "a@b.co", "1795000000",
    [], [None], {}, {"a": {"b": [1, {"c": None}]}}, NOW, NOW + 61, NOW - 1, NOW * 1000,
]
_FUZZED_CLAIMS = ("sub", "email", "name", "customAttributes", "exp", "nbf", "iat", "userId")


def _assert_verdict(token: Any) -> None:
    try:
        identity = verify_identify_token(token, SECRET, NOW)
    except TokenRejected as error:
        assert isinstance(error.reason, str) and error.reason
        assert "\n" not in error.reason
        error.reason.encode("utf-8")
    else:
        assert isinstance(identity, Identity)


def test_mutated_tokens_give_an_identity_or_a_token_rejected() -> None:
    rng = random.Random(20261118)
    for _ in range(3000):
        token = list(VALID)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(token) + 1)
            action = rng.randrange(4)
            if action == 0 and token:
                del token[min(position, len(token) - 1)]
            elif action == 1:
                token.insert(position, rng.choice(_ODD_CHARACTERS))
            elif action == 2 and token:
                token[min(position, len(token) - 1)] = rng.choice(_ODD_CHARACTERS)
            else:
                token = token[:position]
        _assert_verdict("".join(token))


def test_validly_signed_odd_claims_give_an_identity_or_a_token_rejected() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        payload: dict[str, Any] = {}
        for claim in _FUZZED_CLAIMS:
            if rng.random() < 0.7:
                payload[claim] = rng.choice(_ODD_VALUES)
        _assert_verdict(handmade(payload))


@pytest.mark.parametrize(
    "token",
    [None, 1.5, ["a", "b", "c"], {"jwt": VALID}, bytearray(b"a.b.c"), "...", "..", ".a.",
     "a.b.", "\x00.\x00.\x00", "e30.e30.e30", "e30=.e30.", "====.====.====", "ab==.cd.ef",
     VALID.replace(".", ".."), VALID[::-1], "é" * 10_000, "\ud800\udc00.a.b"],
    ids=["none", "float", "list", "dict", "bytearray", "three_dots", "two_dots", "empty_outer",
         "empty_signature", "nul_bytes", "empty_objects_bad_signature", "padded_segments",
         "only_padding", "padded_header", "doubled_dots", "reversed", "long_non_ascii",
         "surrogate_pair_literal"],
)
def test_garbage_is_malformed_or_otherwise_rejected(token: Any) -> None:
    assert isinstance(rejected(token), TokenRejected)


def test_a_failing_explanation_still_refuses_with_a_generic_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: Any) -> str:
        raise KeyError("an input nobody foresaw")

    monkeypatch.setattr(tokens, "explain_algorithm", broken)
    error = rejected(jwt.encode(claims(), None, algorithm="none"))
    assert type(error) is WrongAlgorithm
    assert error.reason == "only HS256 is accepted"


# -- logs and journal ----------------------------------------------------------------------


def test_fingerprint_is_short_stable_and_never_the_token() -> None:
    fingerprint = token_fingerprint(VALID)
    assert fingerprint == token_fingerprint(VALID)
    assert fingerprint == "jwt:" + hashlib.sha256(VALID.encode()).hexdigest()[:12]
    assert fingerprint != token_fingerprint(signed(sub="someone_else"))
    assert VALID not in fingerprint and len(fingerprint) == 16


def test_fingerprint_accepts_any_string() -> None:
    for token in ("", "\ud800", "x" * 100_000):
        assert token_fingerprint(token).startswith("jwt:")


def test_unverified_sub_reads_the_claim_of_a_rejected_token() -> None:
    assert unverified_sub(signed(OTHER_SECRET, sub="claimed")) == "claimed"


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "a.b.c", signed(sub=42), signed(sub=""), signed(sub=DROP),
     raw_payload(b'{"sub":"a","sub":"b"}'), raw_payload(b"[1]"), "é.é.é"],
    ids=["empty", "one_segment", "bad_base64", "numeric_sub", "empty_sub", "no_sub",
         "duplicate_sub", "array_payload", "non_ascii"],
)
def test_unverified_sub_is_none_without_a_readable_string_sub(token: str) -> None:
    assert unverified_sub(token) is None


def test_unverified_sub_is_capped_and_storable() -> None:
    assert unverified_sub(signed(sub="s" * 1000)) == "s" * 256
    assert unverified_sub(raw_payload(b'{"sub":"a\\ud800"}')) == "a\\ud800"
    assert unverified_sub(raw_payload(b'{"sub":"a\\u0000"}')) == "a\\x00"


@pytest.mark.parametrize(("claims", "claim", "words"), [
    ({"sub": "s" * 513}, "sub", "513 characters"),
    ({"email": "a" * 320 + "@acme.com"}, "email", "the limit is 320"),
    ({"name": "n" * 600}, "name", "the limit is 512"),
])
def test_oversized_claims_are_refused_with_the_limit(claims: dict, claim: str,
                                                     words: str) -> None:
    payload = {"sub": "u-1", "email": "ada@acme.com", **claims}
    with pytest.raises(InvalidClaim) as refused:
        verify_identify_token(jwt.encode(payload, "s" * 32, algorithm="HS256"), "s" * 32,
                              1_795_000_000)
    assert refused.value.claim == claim and words in refused.value.reason


def test_deeply_nested_custom_attributes_are_refused() -> None:
    deep: dict = {}
    for _ in range(40):
        deep = {"a": deep}
    token = jwt.encode({"sub": "u", "email": "a@b.co", "customAttributes": deep}, "s" * 32,
                       algorithm="HS256")
    with pytest.raises(InvalidClaim, match="levels deep"):
        verify_identify_token(token, "s" * 32, 1_795_000_000)
    shallow = jwt.encode({"sub": "u", "email": "a@b.co", "customAttributes": {"a": {"b": [1]}}},
                         "s" * 32, algorithm="HS256")
    assert verify_identify_token(shallow, "s" * 32, 1_795_000_000).custom_attributes == {
        "a": {"b": [1]}}


@pytest.mark.parametrize(("sub", "blank"), [
    ("", True), ("   ", True), ("\t\n", True), ("\u3000", True), ("u-1", False),
    (" u-1 ", False), ("0", False), ("\u200b", False),
])
def test_sub_is_blank_is_the_public_rule(sub: str, blank: bool) -> None:
    assert tokens.sub_is_blank(sub) is blank


def test_an_expiry_reason_counts_whole_seconds_from_ten_seconds_on() -> None:
    with pytest.raises(tokens.Expired) as caught:
        tokens.verify_identify_token(signed(exp=NOW - 600), SECRET, NOW + 0.212)
    assert caught.value.reason.endswith("(600 s ago)"), caught.value.reason
