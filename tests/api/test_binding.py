"""Users are bound by subject: same sub returns, email changes follow the sub, an email bound
to another sub is refused until the user is re-provisioned, help centers are isolated."""

from __future__ import annotations

from tests.conftest import ADMIN, HelpCenter, error_of


def test_a_returning_subject_is_the_same_user(help_center: HelpCenter) -> None:
    assert help_center.identify().status_code == 200
    assert help_center.identify().status_code == 200
    users = help_center.admin_get("users")
    assert len(users) == 1
    assert set(users[0]) == {"sub", "email", "name", "custom_attributes", "created_at",
                             "last_seen_at", "disabled"}
    assert users[0]["last_seen_at"] >= users[0]["created_at"]


def test_a_known_subject_may_change_email_name_and_attributes(help_center: HelpCenter) -> None:
    help_center.identify(email="ada@acme.com", name="Ada")
    answer = help_center.identify(email="ada.lovelace@acme.com", name="Ada L.",
                                  customAttributes={"plan": "team"})
    assert answer.status_code == 200
    [user] = help_center.admin_get("users")
    assert (user["email"], user["name"], user["custom_attributes"]) == (
        "ada.lovelace@acme.com", "Ada L.", {"plan": "team"})
    # The old email is free again for another subject.
    assert help_center.identify(sub="u-2", email="ada@acme.com").status_code == 200


def test_an_email_bound_to_another_subject_is_refused(help_center: HelpCenter) -> None:
    help_center.identify(sub="u-1", email="ada@acme.com")
    error = error_of(help_center.identify(sub="u-2", email="ADA@Acme.com"))
    assert error["code"] == "subject_mismatch"
    assert "'u-1'" in error["reason"] and "'u-2'" in error["reason"]
    assert [u["sub"] for u in help_center.admin_get("users")] == ["u-1"]
    attempts = help_center.admin_get("identify-attempts")
    assert attempts[0]["code"] == "subject_mismatch" and attempts[0]["sub"] == "u-2"


def test_a_known_subject_cannot_take_an_email_bound_to_another(help_center: HelpCenter) -> None:
    help_center.identify(sub="u-1", email="ada@acme.com")
    help_center.identify(sub="u-2", email="bob@acme.com")
    error = error_of(help_center.identify(sub="u-2", email="ada@acme.com"))
    assert error["code"] == "subject_mismatch"
    emails = {u["sub"]: u["email"] for u in help_center.admin_get("users")}
    assert emails == {"u-1": "ada@acme.com", "u-2": "bob@acme.com"}


def test_reprovisioning_frees_the_email_for_a_new_subject(help_center: HelpCenter) -> None:
    help_center.identify(sub="u-1")
    assert help_center.identify(sub="new-id-system-1").status_code == 409
    answer = help_center.client.delete(f"/api/help-centers/{help_center.id}/users/u-1",
                                       headers=ADMIN)
    assert answer.status_code == 204
    assert help_center.identify(sub="new-id-system-1").status_code == 200
    assert [u["sub"] for u in help_center.admin_get("users")] == ["new-id-system-1"]


def test_subjects_with_slashes_can_be_reprovisioned(help_center: HelpCenter) -> None:
    help_center.identify(sub="auth0|abc/def")
    answer = help_center.client.delete(
        f"/api/help-centers/{help_center.id}/users/auth0%7Cabc%2Fdef", headers=ADMIN)
    assert answer.status_code == 204
    assert help_center.admin_get("users") == []


def test_help_centers_are_isolated(client) -> None:
    mine, theirs = HelpCenter(client), HelpCenter(client, domain="help.other.com")
    assert mine.identify(sub="u-1").status_code == 200
    assert theirs.identify(sub="u-9", origin="https://app.other.com").status_code == 200
    assert [u["sub"] for u in theirs.admin_get("users")] == ["u-9"]
