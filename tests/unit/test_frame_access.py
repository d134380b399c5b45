"""The widget frame's locks: frame tokens, and which loads may set the session cookie."""

from __future__ import annotations

import pytest

from verifier.frame_access import (
    FRAME_TOKEN_TTL_SECONDS,
    issue_frame_token,
    page_may_set_session_cookie,
    session_of_frame_token,
)

ADMIN = "admin-token"
NOW = 1_800_000_000.0


def test_a_frame_token_names_its_session_until_it_expires() -> None:
    token = issue_frame_token(ADMIN, "wid", "ses_abc", NOW)
    assert session_of_frame_token(ADMIN, "wid", token, NOW) == "ses_abc"
    assert session_of_frame_token(ADMIN, "wid", token,
                                  NOW + FRAME_TOKEN_TTL_SECONDS - 1) == "ses_abc"
    assert session_of_frame_token(ADMIN, "wid", token, NOW + FRAME_TOKEN_TTL_SECONDS) is None


def test_a_session_id_with_dots_survives_the_round_trip() -> None:
    token = issue_frame_token(ADMIN, "wid", "imported.session.id", NOW)
    assert session_of_frame_token(ADMIN, "wid", token, NOW) == "imported.session.id"


def _forgeries() -> list[str]:
    token = issue_frame_token(ADMIN, "wid", "ses_abc", NOW)
    session, expires, mac = token.rsplit(".", 2)
    return [
        f"ses_other.{expires}.{mac}",  # another session under this MAC
        f"{session}.{int(expires) + 3600}.{mac}",  # a later expiry
        f"{session}.{expires}.{mac[:-1]}",  # a truncated MAC
        f"{session}.{expires}.",
        issue_frame_token("another-admin-token", "wid", "ses_abc", NOW),
        "ses_abc", "", "..", f"{session}.-5.{mac}", "é" * 10, "x" * 1000,
    ]


@pytest.mark.parametrize("token", _forgeries())
def test_a_forged_or_foreign_frame_token_names_no_session(token: str) -> None:
    assert session_of_frame_token(ADMIN, "wid", token, NOW) is None


def test_a_frame_token_opens_only_its_own_widget() -> None:
    token = issue_frame_token(ADMIN, "wid", "ses_abc", NOW)
    assert session_of_frame_token(ADMIN, "other-wid", token, NOW) is None
    assert session_of_frame_token(ADMIN, "wid", None, NOW) is None


@pytest.mark.parametrize(("sec_fetch_site", "referer", "allowed"), [
    ("same-site", None, True),
    ("same-origin", None, True),
    ("Same-Site", None, True),
    ("cross-site", None, False),
    ("none", None, False),
    ("", None, False),
    ("cross-site", "https://app.example.com/", False),  # Fetch Metadata decides when sent
    ("none", "https://app.example.com/", False),
    (None, "https://app.example.com/account?x=1", True),
    (None, "http://example.com:3000/", True),
    (None, "https://help.example.com/", True),
    (None, "https://a.b.example.com/", False),
    (None, "https://example.com.evil.com/", False),
    (None, "https://evil.com/", False),
    (None, "null", False),
    (None, "not a url", False),
    (None, "", False),
    (None, None, False),
])
def test_only_a_page_of_the_help_centers_site_may_set_the_cookie(
        sec_fetch_site: str | None, referer: str | None, allowed: bool) -> None:
    assert page_may_set_session_cookie("help.example.com", sec_fetch_site, referer) is allowed
