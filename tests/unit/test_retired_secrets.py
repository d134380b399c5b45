"""The pure side of naming whose secret signed a refused token: reading the signature without
trusting the token, trying candidates in order, and the sentence (never a secret)."""

from __future__ import annotations

import pytest

from verifier import keys, retired_secrets
from verifier.diagnoses import UNEXPLAINED_SIGNATURE
from verifier.signing import mint
from verifier.tokens import BadSignature, NoSecretConfigured, WrongAlgorithm

OLD = "an-old-secret-of-this-help-center-32-chars"
OTHER = "another-help-centers-secret-of-32-characters"
CLAIMS = {"sub": "u-1", "email": "ada@acme.com"}


def _row(hc: str, secret: str, deleted_at: float | None) -> tuple[str, str, str, float | None]:
    return hc, secret, keys.fingerprint(secret), deleted_at


@pytest.mark.parametrize("token", [
    "", "a.b", "a.b.c.d", "not a jwt", "é.é.é", "eyJhbGciOiJIUzI1NiJ9.e30.",
    "eyJhbGciOiJIUzI1NiJ9.e30.AAAA", "eyJhbGciOiJIUzI1NiJ9.e30.!!!!",
])
def test_a_token_that_cannot_carry_an_hs256_signature_is_not_looked_up(token: str) -> None:
    assert retired_secrets.signed_parts(token) is None


def test_the_first_candidate_that_made_the_signature_is_the_signer() -> None:
    token = mint(CLAIMS, OTHER)
    parts = retired_secrets.signed_parts(token)
    assert parts is not None
    rows = [_row("acme", OLD, 10.0), _row("staging", OTHER, None), _row("other", OTHER, 5.0)]
    assert retired_secrets.first_signer(rows, *parts) == retired_secrets.SignedWith(
        "staging", keys.fingerprint(OTHER), None)
    assert retired_secrets.first_signer(rows[:1], *parts) is None


def test_only_an_unexplained_bad_signature_or_a_missing_secret_is_worth_a_lookup() -> None:
    assert retired_secrets.may_name_signer(BadSignature(UNEXPLAINED_SIGNATURE))
    assert retired_secrets.may_name_signer(NoSecretConfigured("no secret"))
    assert not retired_secrets.may_name_signer(BadSignature("... but it matches the secret "
                                                            "followed by a newline"))
    assert not retired_secrets.may_name_signer(WrongAlgorithm("only HS256 is accepted"))


@pytest.mark.parametrize(("signer", "expected"), [
    (retired_secrets.SignedWith("acme", keys.fingerprint(OLD), 0.0),
     "this help center's previous secret ({fp}), deleted at 1970-01-01T00:00:00.000Z: "
     "update FERNDESK_JWT_SECRET in your backend"),
    (retired_secrets.SignedWith("staging", keys.fingerprint(OTHER), None),
     "the secret of help center 'staging' ({fp}): use this help center's secret"),
    (retired_secrets.SignedWith("staging", keys.fingerprint(OTHER), 1.5),
     "a previous secret of help center 'staging' ({fp}), deleted at "
     "1970-01-01T00:00:01.500Z: use this help center's secret"),
])
def test_the_reason_names_the_fingerprint_never_the_secret(
        signer: retired_secrets.SignedWith, expected: str) -> None:
    for rejected in (BadSignature(UNEXPLAINED_SIGNATURE), NoSecretConfigured("no secret")):
        reason = retired_secrets.reason_naming(rejected, signer, "acme")
        assert reason.endswith("the token is signed with "
                               + expected.format(fp=signer.fingerprint))
        assert OLD not in reason and OTHER not in reason
    assert retired_secrets.reason_naming(NoSecretConfigured("no secret"), signer,
                                         "acme").startswith("no secret; ")
