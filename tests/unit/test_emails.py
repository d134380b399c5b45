"""verifier.emails: which strings are emails, the spelling identify stores, and the key that
decides whether two emails are one (so one email is never bound to two subjects)."""

from __future__ import annotations

import pytest

from verifier.emails import email_key, email_problem, normalize_email

COMPOSED = "jos\u00e9@x.com"  # é as one code point (NFC)
DECOMPOSED = "jose\u0301@x.com"  # e + COMBINING ACUTE ACCENT (NFD)


@pytest.mark.parametrize(("one", "other"), [
    (COMPOSED, DECOMPOSED),
    ("ada@example.com", "ada@example.com."),
    ("Ada@Example.COM", "ada@example.com"),
    ("ADA@EXAMPLE.COM.", "ada@example.com"),
    ("JOS\u00c9@X.COM", DECOMPOSED),
])
def test_look_alike_spellings_share_one_key(one: str, other: str) -> None:
    assert email_key(one) == email_key(other)


@pytest.mark.parametrize(("one", "other"), [
    ("ada@example.com", "ada@example.co"),
    ("stra\u00dfe@x.com", "strasse@x.com"),  # lower(), not casefold(): two mailboxes
    ("ada@example.com", "ada.@example.com"),
])
def test_different_emails_keep_different_keys(one: str, other: str) -> None:
    assert email_key(one) != email_key(other)


def test_the_key_of_an_ascii_email_is_its_lower_case_as_existing_rows_hold_it() -> None:
    assert email_key("Ada.Lovelace+Tag@Example.COM") == "ada.lovelace+tag@example.com"


@pytest.mark.parametrize(("email", "stored"), [
    (DECOMPOSED, COMPOSED),
    ("ada@example.com.", "ada@example.com"),
    ("Ada@Example.com", "Ada@Example.com"),  # the case an integrator chose is kept
    ("ada@example.com", "ada@example.com"),
])
def test_the_stored_spelling_is_nfc_without_the_domains_trailing_dot(email: str,
                                                                     stored: str) -> None:
    assert normalize_email(email) == stored


@pytest.mark.parametrize("email", [
    "ada@example.com", "a@b.co", "ada+tag@sub.example.co.uk", COMPOSED, DECOMPOSED,
    "ada@example.com.", "\u7528\u6237@\u4f8b\u5b50.\u6d4b\u8bd5", "o'hara@x.ie",
])
def test_emails_have_no_problem(email: str) -> None:
    assert email_problem(email) is None


@pytest.mark.parametrize(("email", "words"), [
    ("a@.", "empty label"),
    ("a@b.", 'the domain "b." has no dot'),
    ("a@.b", "empty label"),
    ("a@b..c", "empty label"),
    ("a@b.c..", "empty label"),
    ("ada@localhost", 'the domain "localhost" has no dot'),
    ("ada", "it has no @"),
    ("a@b@c.d", "it has 2 @"),
    ("@b.c", "the local part before @ is empty"),
    ("a@", "the domain after @ is empty"),
    ("ada lovelace@x.com", "it contains whitespace (U+0020 SPACE)"),
    ("ada@x.com\n", "it contains whitespace (U+000A)"),
    ("ada\u200b@x.com", "U+200B ZERO WIDTH SPACE"),
    ("ada\u200d@x.com", "U+200D ZERO WIDTH JOINER"),
    ("\ufeffada@x.com", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ("ad\u00ada@x.com", "U+00AD SOFT HYPHEN"),
    ("ada@x\u202e.com", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("ada@x.com\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("ada\x07@x.com", "U+0007"),
    ("ada\x7f@x.com", "U+007F"),
    ("ada\u00a0@x.com", "U+00A0 NO-BREAK SPACE"),
])
def test_non_emails_are_refused_with_what_is_wrong(email: str, words: str) -> None:
    problem = email_problem(email)
    assert problem is not None and words in problem, problem


def test_an_invisible_character_is_named_by_code_point_and_position() -> None:
    assert email_problem("ada\u200b@x.com") == (
        "it contains U+200B ZERO WIDTH SPACE at position 3, an invisible character: two "
        "emails that look the same would be two users")
