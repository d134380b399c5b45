"""What an email is here, the spelling identify stores, and the key that says two are one.

Why a module of its own: the rule that one email is bound to one subject is only as good as the
key that decides when two emails are "the same". Compared as raw strings, emails that look
identical on every screen are different keys, so one person could be bound to two subjects:

* Unicode normalization: ``josé@x.com`` typed on a Mac (NFD: ``e`` + U+0301) and on Windows
  (NFC: ``é``) are one address, two strings. The key is NFC.
* invisible characters: a zero-width space (U+200B), a joiner (U+200D), a byte-order mark
  (U+FEFF), a soft hyphen (U+00AD), bidi controls (U+202E, U+2066, ...): every Unicode "format"
  character (category Cf), and every control character and whitespace. Nobody types them on
  purpose and no mail system routes them, so an email holding one is refused, with the
  character's code point named (the integrator cannot see it).
* the domain's trailing dot: ``ada@example.com.`` is the fully qualified spelling of
  ``ada@example.com``. One trailing dot is dropped; a second one is an empty label.
* case: compared with ``str.lower()``, which is what the ``email_normalized`` column of existing
  rows holds (so every ASCII key ever stored is unchanged). Not ``casefold()``: that would make
  ``straße@`` and ``strasse@`` one user, and they are two mailboxes.

The shape the contract asks for: one ``@``, a non-empty local part, a domain with a dot, no
spaces; and, here, every label of the domain non-empty (``a@.``, ``a@b.``, ``a@.b``, ``a@b..c``
are not emails).

Public, for every place that stores or compares an email (identify's binding, the state
import): ``email_problem`` (why a string is not an email, or None), ``normalize_email`` (the
spelling to store and show) and ``email_key`` (the uniqueness key). Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from verifier.reasons import quote

__all__ = ["email_key", "email_problem", "is_email", "normalize_email"]

# The common case, decided by one regex: printable ASCII without space, one @, a domain of
# non-empty dot-separated labels (at least two), optionally one trailing dot.
_PLAIN: Final = re.compile(r"[!-?A-~]+@(?:[!-\-/-?A-~]+\.)+[!-\-/-?A-~]+\.?")


def is_email(email: str) -> bool:
    """Whether ``email`` is an email by this module's rule (``email_problem`` says why not)."""
    return email_problem(email) is None


def email_problem(email: str) -> str | None:
    """Why ``email`` is not an email, as the end of a sentence ("... does not look like an
    email: <this>"); None when it is one."""
    if _PLAIN.fullmatch(email):
        return None
    ats = email.count("@")
    if ats == 0:
        return "it has no @"
    if ats > 1:
        return f"it has {ats} @"
    local, _, domain = email.partition("@")
    if not local:
        return "the local part before @ is empty"
    if not domain:
        return "the domain after @ is empty"
    for position, char in enumerate(email):
        problem = _invisible(char)
        if problem:
            return problem.format(position=position)
    labels = domain.removesuffix(".").split(".")
    if len(labels) == 1 and labels[0]:
        return f"the domain {quote(domain)} has no dot" + (
            " besides its trailing one" if domain.endswith(".") else "")
    if not all(labels):
        return (f"the domain {quote(domain)} has an empty label (a dot at its start, two "
                "dots in a row, or two at its end)")
    return None


def normalize_email(email: str) -> str:
    """The spelling identify stores and shows: NFC, and the domain without one trailing dot.
    The case is the integrator's (only the key ignores it)."""
    if not email.isascii():
        email = unicodedata.normalize("NFC", email)
    if email.endswith(".") and "@" in email:
        email = email[:-1]
    return email


def email_key(email: str) -> str:
    """The key two emails share exactly when they are one user's (``email_normalized``):
    ``normalize_email`` then ``str.lower()`` (re-normalized: lowering can decompose)."""
    email = normalize_email(email)
    if email.isascii():
        return email.lower()
    return unicodedata.normalize("NFC", email.lower())


def _invisible(char: str) -> str | None:
    """A sentence template (``{position}``) for a character no email may hold, or None."""
    if char.isspace():
        return f"it contains whitespace ({_code_point(char)}) at position {{position}}"
    category = unicodedata.category(char)
    if category == "Cf":
        return (f"it contains {_code_point(char)} at position {{position}}, an invisible "
                "character: two emails that look the same would be two users")
    if category == "Cc":
        return f"it contains {_code_point(char)} at position {{position}}, a control character"
    return None


def _code_point(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


