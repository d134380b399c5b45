"""The warnings of a successful identify (contract section 8): a pure function of the claims
identify accepted and the emulator's now."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from verifier import shapes
from verifier.token_warnings import CODES, assess, warnings_for

NOW = 1_800_000_000.0
GOOD: dict[str, Any] = {"sub": "u-1", "email": "ada@acme.com", "name": "Ada", "exp": NOW + 3600,
                        "iat": NOW, "customAttributes": {"plan": "pro", "seats": 3,
                                                         "beta": True, "tags": ["a", "b"]}}


def codes(claims: dict[str, Any], now: float = NOW) -> list[str]:
    return [warning.code for warning in warnings_for(claims, now)]


def test_a_token_with_all_good_claims_has_no_warning() -> None:
    assert warnings_for(GOOD, NOW) == []


def test_no_exp_is_no_expiry_and_names_exp() -> None:
    (warning,) = warnings_for({k: v for k, v in GOOD.items() if k != "exp"}, NOW)
    assert warning.code == "no_expiry"
    assert "exp" in warning.reason and "never expires" in warning.reason


@pytest.mark.parametrize("ahead", [24 * 3600 + 1, 7 * 86400, 10 * 365 * 86400])
def test_an_exp_more_than_a_day_ahead_is_long_expiry(ahead: float) -> None:
    (warning,) = warnings_for({**GOOD, "exp": NOW + ahead}, NOW)
    assert warning.code == "long_expiry"
    assert warning.reason.startswith("exp ") and "24 h" in warning.reason


@pytest.mark.parametrize("ahead", [1, 3600, 24 * 3600])
def test_an_exp_within_a_day_warns_of_nothing(ahead: float) -> None:
    assert codes({**GOOD, "exp": NOW + ahead}) == []


def test_long_expiry_is_measured_from_the_emulators_now() -> None:
    exp = NOW + 2 * 86400
    assert codes({**GOOD, "exp": exp}) == ["long_expiry"]
    assert codes({**GOOD, "exp": exp}, now=NOW + 86400) == []


@pytest.mark.parametrize("exp", [1e11, NOW * 1000, int(NOW * 1000) + 3_600_000])
def test_an_exp_in_milliseconds_replaces_long_expiry(exp: float) -> None:
    (warning,) = warnings_for({**GOOD, "exp": exp}, NOW)
    assert warning.code == "expiry_in_milliseconds"
    assert "milliseconds" in warning.reason and "never expires" in warning.reason


@pytest.mark.parametrize("claim", ["custom_attributes", "CustomAttributes", "custom-attributes",
                                   "custom attributes", "CUSTOM_ATTRIBUTES", "customAttribute",
                                   "custom_attribute", "customattributes"])
def test_a_near_miss_of_custom_attributes_is_an_unknown_claim(claim: str) -> None:
    claims = {k: v for k, v in GOOD.items() if k != "customAttributes"}
    (warning,) = warnings_for({**claims, claim: {"plan": "pro"}}, NOW)
    assert warning.code == "unknown_claim"
    assert f'"{claim}"' in warning.reason and "rename it to customAttributes" in warning.reason


@pytest.mark.parametrize(("claim", "meant"), [("Email", "email"), ("e-mail", "email"),
                                              ("E_MAIL", "email"), ("Name", "name"),
                                              ("NAME", "name"), ("Sub", "sub"), ("SUB", "sub")])
def test_a_near_miss_of_email_name_or_sub_is_an_unknown_claim(claim: str, meant: str) -> None:
    (warning,) = warnings_for({**GOOD, claim: "x"}, NOW)
    assert warning.code == "unknown_claim"
    assert f'"{claim}"' in warning.reason and f"rename it to {meant}" in warning.reason


@pytest.mark.parametrize("claim", ["userId", "user_id", "iss", "aud", "jti", "plan", "mail",
                                   "fullName", "attributes", "customAttributes", "email"])
def test_other_claims_are_not_near_misses(claim: str) -> None:
    assert codes({**GOOD, claim: GOOD.get(claim, "x")}) == []


@pytest.mark.parametrize(("value", "described"), [
    (None, "null"), ({"a": 1}, "an object"), ([1, "a"], "an array mixing numbers and strings"),
    ([[1]], "an array of arrays"), ([None], "an array of nulls"),
])
def test_an_unmatchable_attribute_value_is_named_and_left_out(value: Any, described: str) -> None:
    claims = {**GOOD, "customAttributes": {"plan": "pro", "team": value}}
    assessment = assess(claims, NOW)
    (warning,) = assessment.warnings
    assert warning.code == "unmatchable_attribute"
    assert '"team"' in warning.reason and described in warning.reason
    assert "left out" in warning.reason
    assert assessment.attributes == {"plan": "pro"}


def test_one_unmatchable_attribute_warning_per_key() -> None:
    claims = {**GOOD, "customAttributes": {"a": None, "b": {}, "c": "ok", "d": [1, True]}}
    assessment = assess(claims, NOW)
    assert [w.code for w in assessment.warnings] == ["unmatchable_attribute"] * 3
    assert ['"a"' in w.reason for w in assessment.warnings] == [True, False, False]
    assert ['"d"' in w.reason for w in assessment.warnings] == [False, False, True]
    assert assessment.attributes == {"c": "ok"}


def test_matchable_attributes_are_kept_as_the_same_object() -> None:
    """Nothing is copied on the hot path when nothing is left out."""
    assessment = assess(GOOD, NOW)
    assert assessment.attributes is GOOD["customAttributes"]


def test_no_custom_attributes_stay_none() -> None:
    assert assess({"sub": "u", "email": "a@b.co", "exp": NOW + 60}, NOW).attributes is None


def test_several_warnings_at_once_in_a_stable_order() -> None:
    claims = {"sub": "u-1", "email": "ada@acme.com", "custom_attributes": {},
              "customAttributes": {"x": None}, "Email": "ada@acme.com"}
    assert codes(claims) == ["no_expiry", "unknown_claim", "unknown_claim",
                             "unmatchable_attribute"]


def test_a_reason_quotes_values_the_way_reasons_does_and_never_echoes_the_claim_value() -> None:
    long_key = "k" * 200
    claims = {**GOOD, "customAttributes": {long_key: None}}
    (warning,) = warnings_for(claims, NOW)
    assert long_key not in warning.reason and "k" * 80 + "…" in warning.reason


def test_every_code_is_published_in_the_shapes() -> None:
    (_, components) = msgspec.json.schema_components([shapes.IdentifyWarning])
    assert components["IdentifyWarning"]["properties"]["code"]["enum"] == list(CODES)
    assert set(CODES) == {"no_expiry", "long_expiry", "expiry_in_milliseconds", "unknown_claim",
                          "unmatchable_attribute"}


def test_a_secret_used_as_a_claim_or_attribute_name_is_never_in_a_reason() -> None:
    secret = "s3cr3t-" * 6
    claims = {**GOOD, "customAttributes": {secret: None}}
    (warning,) = assess(claims, NOW, secret).warnings
    assert warning.code == "unmatchable_attribute" and secret not in warning.reason
    assert "<this help center's secret>" in warning.reason
