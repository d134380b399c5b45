"""A token signed with a secret the help center had before, or with another help center's,
is still ``invalid_jwt``; its reason says which (contract section 8, second bullet)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import ADMIN, HelpCenter, error_of
from verifier.db import create_engine
from verifier.retired_secrets import KEPT_PER_HELP_CENTER
from verifier.state import import_state

INVALID_JWT = "Ferndesk: identify failed - invalid jwt"
UNRELATED = ("signature does not match this help center's secret: was the token signed with "
             "another help center's secret or a deleted one?")
DELETED_AT = "2026-12-02T10:00:00.000Z"


def _freeze(client: Any, instant: str = DELETED_AT) -> None:
    answer = client.put("/api/emulator/clock", json={"frozen_at": instant}, headers=ADMIN)
    assert answer.status_code == 200, answer.text


def _delete_secret(hc: HelpCenter) -> None:
    answer = hc.client.delete(f"/api/help-centers/{hc.id}/jwt-secret", headers=ADMIN)
    assert answer.status_code == 204, answer.text


def _generate_secret(hc: HelpCenter) -> str:
    made = hc.client.post(f"/api/help-centers/{hc.id}/jwt-secret", headers=ADMIN)
    assert made.status_code == 201, made.text
    hc.secret = made.json()["secret"]
    return str(hc.secret)


def _fingerprint(hc: HelpCenter) -> str:
    return str(hc.admin_get("jwt-secret")["fingerprint"])


def _refusal(hc: HelpCenter, token: str, *secrets: str) -> str:
    """The reason of identify's refusal, after checking it is the contract's invalid_jwt and
    that no secret shows anywhere in the answer or the journal."""
    answer = hc.identify(token=token)
    assert answer.status_code == 401, answer.text
    error = error_of(answer)
    assert error["code"] == "invalid_jwt"
    assert error["message"] == INVALID_JWT
    journal = hc.client.get(f"/api/help-centers/{hc.id}/identify-attempts", headers=ADMIN)
    assert journal.json()[0]["reason"] == error["reason"]
    for secret in secrets:
        assert secret not in answer.text
        assert secret not in journal.text
    assert token not in answer.text
    return str(error["reason"])


def test_a_token_signed_with_a_rotated_secret_names_it_and_when_it_was_deleted(
        help_center: HelpCenter) -> None:
    old_secret = str(help_center.secret)
    old_token = help_center.token()
    old_fingerprint = _fingerprint(help_center)
    _freeze(help_center.client)
    _delete_secret(help_center)
    _generate_secret(help_center)
    reason = _refusal(help_center, old_token, old_secret, str(help_center.secret))
    assert reason == (
        "signature does not match this help center's secret: the token is signed with this "
        f"help center's previous secret ({old_fingerprint}), deleted at {DELETED_AT}: update "
        "FERNDESK_JWT_SECRET in your backend")


def test_a_token_signed_with_a_deleted_secret_says_so_while_there_is_no_secret(
        help_center: HelpCenter) -> None:
    old_secret = str(help_center.secret)
    old_token = help_center.token()
    old_fingerprint = _fingerprint(help_center)
    _freeze(help_center.client)
    _delete_secret(help_center)
    reason = _refusal(help_center, old_token, old_secret)
    assert reason.startswith("this help center has no JWT secret")
    assert (f"the token is signed with this help center's previous secret ({old_fingerprint}), "
            f"deleted at {DELETED_AT}") in reason


def test_of_several_previous_secrets_the_one_that_signed_is_named(
        help_center: HelpCenter) -> None:
    client = help_center.client
    first_token, first_fingerprint = help_center.token(), _fingerprint(help_center)
    _freeze(client, "2026-12-01T08:00:00Z")
    _delete_secret(help_center)
    _generate_secret(help_center)
    second_token, second_fingerprint = help_center.token(), _fingerprint(help_center)
    _freeze(client, "2026-12-01T09:30:00Z")
    _delete_secret(help_center)
    _generate_secret(help_center)
    first = _refusal(help_center, first_token)
    second = _refusal(help_center, second_token)
    assert f"({first_fingerprint}), deleted at 2026-12-01T08:00:00.000Z" in first
    assert f"({second_fingerprint}), deleted at 2026-12-01T09:30:00.000Z" in second


def test_a_token_signed_with_another_help_centers_secret_names_that_help_center(
        client) -> None:
    production = HelpCenter(client, id="acme")
    staging = HelpCenter(client, domain="help.acme-staging.com", id="acme-staging")
    reason = _refusal(production, staging.token(), str(staging.secret), str(production.secret))
    assert reason == (
        "signature does not match this help center's secret: the token is signed with the "
        f"secret of help center 'acme-staging' ({_fingerprint(staging)}): use this help "
        "center's secret")


def test_a_token_signed_with_another_help_centers_deleted_secret_names_both(client) -> None:
    production = HelpCenter(client, id="acme")
    staging = HelpCenter(client, domain="help.acme-staging.com", id="acme-staging")
    staging_token, staging_fingerprint = staging.token(), _fingerprint(staging)
    _freeze(client)
    _delete_secret(staging)
    reason = _refusal(production, staging_token, str(staging.secret))
    assert reason == (
        "signature does not match this help center's secret: the token is signed with a "
        f"previous secret of help center 'acme-staging' ({staging_fingerprint}), deleted at "
        f"{DELETED_AT}: use this help center's secret")


def test_a_token_signed_with_an_unrelated_secret_keeps_the_reason(
        help_center: HelpCenter) -> None:
    HelpCenter(help_center.client, domain="help.other.com")
    _delete_secret(help_center)
    _generate_secret(help_center)
    token = help_center.token(secret="an-unrelated-secret-of-32-characters-or-more")
    assert _refusal(help_center, token) == UNRELATED


def test_a_deleted_help_centers_secrets_are_no_longer_named(client) -> None:
    production = HelpCenter(client, id="acme")
    staging = HelpCenter(client, domain="help.acme-staging.com", id="acme-staging")
    current_token = staging.token()
    _delete_secret(staging)
    _generate_secret(staging)
    assert "'acme-staging'" in _refusal(production, current_token)
    newest_token = staging.token()
    assert "'acme-staging'" in _refusal(production, newest_token)
    assert client.delete("/api/help-centers/acme-staging", headers=ADMIN).status_code == 204
    assert _refusal(production, current_token) == UNRELATED
    assert _refusal(production, newest_token) == UNRELATED


def test_reset_forgets_previous_secrets(client) -> None:
    hc = HelpCenter(client, id="acme", widget_id="wid-acme")
    old_token = hc.token()
    _delete_secret(hc)
    _generate_secret(hc)
    assert "previous secret" in _refusal(hc, old_token)
    assert client.post("/api/emulator/reset", headers=ADMIN).status_code == 204
    again = HelpCenter(client, id="acme", widget_id="wid-acme")
    assert _refusal(again, old_token) == UNRELATED


def test_a_state_import_replaces_previous_secrets_with_none(client) -> None:
    hc = HelpCenter(client, id="acme", widget_id="wid-acme")
    old_token = hc.token()
    _delete_secret(hc)
    _generate_secret(hc)
    exported = client.get("/api/emulator/state", headers=ADMIN).json()
    assert "previous secret" in _refusal(hc, old_token)
    assert client.put("/api/emulator/state", json=exported, headers=ADMIN).status_code == 204
    assert _refusal(hc, old_token) == UNRELATED


def test_a_help_center_reset_keeps_its_previous_secrets(help_center: HelpCenter) -> None:
    old_token = help_center.token()
    _delete_secret(help_center)
    _generate_secret(help_center)
    reset = help_center.client.post(f"/api/emulator/help-centers/{help_center.id}/reset",
                                    headers=ADMIN)
    assert reset.status_code == 204
    assert "previous secret" in _refusal(help_center, old_token)


def test_only_the_latest_previous_secrets_are_kept(help_center: HelpCenter) -> None:
    tokens = []
    for _ in range(KEPT_PER_HELP_CENTER + 1):
        tokens.append(help_center.token())
        _delete_secret(help_center)
        _generate_secret(help_center)
    assert _refusal(help_center, tokens[0]) == UNRELATED
    for token in tokens[1:]:
        assert "previous secret" in _refusal(help_center, token)


def test_a_seed_that_changes_a_secret_keeps_the_old_one_as_previous(
        help_center: HelpCenter, settings) -> None:
    old_token, old_fingerprint = help_center.token(), _fingerprint(help_center)
    engine = create_engine(settings.database_url)
    try:
        import_state(engine, {"help_centers": [{
            "id": help_center.id, "domain": "help.example.com", "widget_id":
            help_center.widget_id, "jwt_secret": "a-fixed-secret-for-ci-of-32-chars-or-more"}]},
            replace=False)
    finally:
        engine.dispose()
    assert f"previous secret ({old_fingerprint})" in _refusal(help_center, old_token)


def test_a_bad_signature_that_matches_a_mistaken_key_keeps_that_reason(
        help_center: HelpCenter) -> None:
    """The secret with a newline is the current secret misused, not an old one."""
    _delete_secret(help_center)
    _generate_secret(help_center)
    other = help_center.token(secret=str(help_center.secret) + "\n")
    assert "followed by a newline" in _refusal(help_center, other)


@pytest.mark.parametrize("token", [
    "not-a-jwt", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA", "eyJhbGciOiJIUzI1NiJ9.e30.",
])
def test_a_malformed_token_with_no_secret_is_still_only_about_the_missing_secret(
        help_center: HelpCenter, token: str) -> None:
    _delete_secret(help_center)
    answer = help_center.identify(token=token)
    assert error_of(answer)["code"] == "invalid_jwt"
    assert "previous secret" not in error_of(answer)["reason"]


def test_retired_secrets_are_rows_of_their_own_help_center(help_center: HelpCenter,
                                                           settings) -> None:
    """Deleting a help center takes its previous secrets with it (the schema's cascade)."""
    _delete_secret(help_center)
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            count = sa.text("SELECT count(*) FROM retired_secrets WHERE help_center_id = :hc")
            assert conn.execute(count, {"hc": help_center.id}).scalar() == 1
            assert help_center.client.delete(f"/api/help-centers/{help_center.id}",
                                             headers=ADMIN).status_code == 204
            assert conn.execute(count, {"hc": help_center.id}).scalar() == 0
    finally:
        engine.dispose()
