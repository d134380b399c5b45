"""The public token surface (issue 12): no module reads another's private names, and one
minting function signs exactly as identify verifies, for the CLI, the plugin and tests alike.

Like httpx, which shares underscore names only inside a module and pins its public surface with
a test, this file pins ours: a new ``from verifier.x import _name`` fails here, not in review.
"""

from __future__ import annotations

import ast
import importlib
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest

from verifier import tokens
from verifier.tokens import MalformedToken, mint, verify_identify_token

PACKAGE = Path(__file__).resolve().parents[2] / "verifier"
NOW = 1_795_000_000
SECRET = "hc1-Zk3vQ9pL2mN8xR4tY7wB1cD5fG6hJ0aS-_eUiOp"
CLAIMS: dict[str, Any] = {"sub": "user_42", "email": "ada@example.com", "name": "Ada Lovelace",
                          "customAttributes": {"plan": "pro", "seats": 3}, "exp": NOW + 600}


def _private_imports() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.ImportFrom) and node.module
                    and node.module.startswith("verifier")):
                found += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports "
                          f"{node.module}.{alias.name}" for alias in node.names
                          if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


def test_no_module_of_the_package_imports_another_modules_private_names() -> None:
    assert _private_imports() == []


@pytest.mark.parametrize("module", ["tokens", "diagnoses", "reasons", "signing"])
def test_each_token_module_declares_a_public_surface_that_exists(module: str) -> None:
    loaded = importlib.import_module(f"verifier.{module}")
    assert loaded.__all__, module
    for name in loaded.__all__:
        assert not name.startswith("_"), name
        assert hasattr(loaded, name), name


def test_tokens_offers_verification_its_exception_tree_and_the_one_mint() -> None:
    assert {"verify_identify_token", "TokenRejected", "MalformedToken", "WrongAlgorithm",
            "BadSignature", "Expired", "NotYetValid", "InvalidClaim", "NoSecretConfigured",
            "mint"} <= set(tokens.__all__)


def test_a_minted_token_is_what_pyjwt_signs_for_an_ordinary_secret() -> None:
    """The plugin signed with ``jwt.encode``; its tokens stay byte for byte the same."""
    assert mint(CLAIMS, SECRET) == jwt.encode(CLAIMS, SECRET, algorithm="HS256")


def test_mint_turns_a_datetime_time_claim_into_seconds_as_pyjwt_did() -> None:
    expiry = datetime.fromtimestamp(NOW + 600, UTC)
    token = mint({**CLAIMS, "exp": expiry}, SECRET)
    assert token == jwt.encode({**CLAIMS, "exp": expiry}, SECRET, algorithm="HS256")
    assert verify_identify_token(token, SECRET, NOW).expires_at == NOW + 600


def test_mint_leaves_the_callers_claims_alone() -> None:
    claims = {**CLAIMS, "exp": datetime.fromtimestamp(NOW + 600, UTC)}
    before = dict(claims)
    mint(claims, SECRET)
    assert claims == before


@pytest.mark.parametrize("secret", [
    "short",  # an imported secret under 32 bytes: PyJWT warns on every jwt.encode
    "-----BEGIN PUBLIC KEY-----",  # looks like PEM: PyJWT's jwt.encode refuses it
    '{"kty": "oct"}',  # looks like a JWK
    "caf\u00e9-secret-with-an-accent",
    "lone \ud800 surrogate from a JSON escape",
])
def test_identify_accepts_what_mint_signs_with_any_secret_and_mint_never_warns(
        secret: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        token = mint(CLAIMS, secret)
    assert verify_identify_token(token, secret, NOW).sub == "user_42"


def test_mint_can_sign_a_non_json_number_for_identify_to_refuse() -> None:
    """A deliberately wrong token, as ``jwt.encode`` allowed: identify names the mistake."""
    token = mint({**CLAIMS, "exp": float("nan")}, SECRET)
    with pytest.raises(MalformedToken, match="payload contains NaN"):
        verify_identify_token(token, SECRET, NOW)
