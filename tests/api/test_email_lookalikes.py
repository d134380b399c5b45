"""One email, one subject, however the email is spelled: look-alike spellings of one address
are one user, and strings that only look like emails are refused (``verifier.emails``)."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN, HelpCenter, error_of

COMPOSED = "jos\u00e9@acme.com"
DECOMPOSED = "jose\u0301@acme.com"


@pytest.mark.parametrize(("first", "second"), [
    (COMPOSED, DECOMPOSED),
    (DECOMPOSED, COMPOSED),
    ("ada@acme.com", "ada@acme.com."),
    ("ada@acme.com.", "ada@acme.com"),
    ("ada@acme.com", "ADA@Acme.COM."),
    ("JOS\u00c9@ACME.COM", DECOMPOSED),
])
def test_a_look_alike_email_cannot_bind_a_second_subject(help_center: HelpCenter, first: str,
                                                         second: str) -> None:
    assert help_center.identify(sub="u-1", email=first).status_code == 200
    error = error_of(help_center.identify(sub="u-2", email=second))
    assert error["code"] == "subject_mismatch", error
    assert "'u-1'" in error["reason"]
    assert [user["sub"] for user in help_center.admin_get("users")] == ["u-1"]


@pytest.mark.parametrize(("sent", "stored"), [
    (DECOMPOSED, COMPOSED),
    ("ada@acme.com.", "ada@acme.com"),
])
def test_identify_stores_and_answers_the_normalized_spelling(help_center: HelpCenter,
                                                             sent: str, stored: str) -> None:
    answer = help_center.identify(email=sent)
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"]["email"] == stored
    assert answer.json()["session"]["email"] == stored
    assert [user["email"] for user in help_center.admin_get("users")] == [stored]


def test_one_subject_keeps_one_spelling_across_look_alikes(help_center: HelpCenter) -> None:
    assert help_center.identify(sub="u-1", email=DECOMPOSED).status_code == 200
    assert help_center.identify(sub="u-1", email=COMPOSED).status_code == 200
    assert [user["email"] for user in help_center.admin_get("users")] == [COMPOSED]


@pytest.mark.parametrize(("email", "words"), [
    ("a@.", "empty label"),
    ("a@b.", "has no dot"),
    ("a@.b", "empty label"),
    ("a@b..c", "empty label"),
    ("ada\u200b@acme.com", "U+200B"),
    ("ada\u200d@acme.com", "U+200D"),
    ("\ufeffada@acme.com", "U+FEFF"),
    ("ad\u00ada@acme.com", "U+00AD"),
    ("ada@acme\u202e.com", "U+202E"),
    ("ada@acme.com\u2069", "U+2069"),
    ("ada\x07@acme.com", "U+0007"),
    ("ada\u00a0@acme.com", "U+00A0"),
])
def test_strings_that_only_look_like_emails_are_invalid_jwt(help_center: HelpCenter,
                                                            email: str, words: str) -> None:
    error = error_of(help_center.identify(email=email))
    assert error["code"] == "invalid_jwt"
    assert "does not look like an email" in error["reason"] and words in error["reason"]
    assert help_center.admin_get("users") == []


def test_an_imported_look_alike_email_is_the_same_user_identify_binds(
        help_center: HelpCenter) -> None:
    state = help_center.client.get("/api/emulator/state", headers=ADMIN).json()
    state["help_centers"][0]["users"] = [{"sub": "u-1", "email": "Jose\u0301@Acme.com."}]
    put = help_center.client.put("/api/emulator/state", headers=ADMIN, json=state)
    assert put.status_code == 204, put.text
    assert [user["email"] for user in help_center.admin_get("users")] == ["Jos\u00e9@Acme.com"]
    error = error_of(help_center.identify(sub="u-2", email=COMPOSED))
    assert error["code"] == "subject_mismatch", error


def test_an_import_with_two_spellings_of_one_email_names_the_duplicate(
        help_center: HelpCenter) -> None:
    state = help_center.client.get("/api/emulator/state", headers=ADMIN).json()
    state["help_centers"][0]["users"] = [{"sub": "u-1", "email": COMPOSED},
                                         {"sub": "u-2", "email": DECOMPOSED + "."}]
    put = help_center.client.put("/api/emulator/state", headers=ADMIN, json=state)
    assert put.status_code == 422, put.text
    assert "users[1].email" in error_of(put)["reason"]
