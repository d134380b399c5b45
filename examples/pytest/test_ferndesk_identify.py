"""A complete example of testing a Ferndesk integration with ferndesk-verifier's pytest plugin.

Copy this file into your project. `pip install ferndesk-verifier` is the only setup: the
fixtures below come from the plugin. Replace `sign_like_my_backend` with a call to your own
token endpoint (or the function behind it) to test *your* code.

`pytest` runs it against a verifier the plugin starts and resets before each test. To run it
against one you started (a shared instance, or CI's: examples/ci/with-verifier.sh exports the
variables), `pytest --ferndesk-verifier-url URL --ferndesk-verifier-admin-token TOKEN`: each test
then works in its own `pytest-...` help center, deleted after it, and the clock it moves (the
whole server's) is put back; nothing else on that server is touched.
"""

import time

import jwt


def sign_like_my_backend(secret: str, user_id: str, email: str) -> str:
    """Stands in for your backend's /api/ferndesk-token."""
    return jwt.encode({"sub": user_id, "email": email, "name": "Ada",
                       "exp": int(time.time()) + 3600}, secret, algorithm="HS256")


def test_my_backend_tokens_identify(ferndesk_verifier, ferndesk_help_center):
    token = sign_like_my_backend(ferndesk_help_center.secret, "user-42", "ada@example.test")
    answer = ferndesk_help_center.identify(token, origin="https://app.example.test")
    assert answer.status == 200, answer.error
    ferndesk_verifier.assert_identified(ferndesk_help_center, "user-42")


def test_numeric_user_ids_are_refused_with_a_reason(ferndesk_verifier, ferndesk_token,
                                                    ferndesk_help_center):
    answer = ferndesk_help_center.identify(ferndesk_token(sub=42))
    assert answer.status == 401
    assert answer.error["message"] == "Ferndesk: identify failed - invalid jwt"
    assert "String(user.id)" in answer.error["reason"]


def test_tokens_expire_when_the_clock_moves(ferndesk_verifier, ferndesk_help_center):
    token = ferndesk_help_center.token()  # expires an hour after the emulator's now
    assert ferndesk_help_center.identify(token).status == 200
    ferndesk_verifier.move_clock(2 * 3600)
    assert ferndesk_help_center.identify(token).status == 401
    ferndesk_verifier.assert_last_attempt(ferndesk_help_center, "invalid_jwt", "expired")


def test_pages_outside_the_domain_are_refused(ferndesk_help_center):
    answer = ferndesk_help_center.identify(origin="https://otherdomain.test")
    assert answer.error["code"] == "domain_mismatch"


def test_my_error_handling_survives_an_outage(ferndesk_verifier, ferndesk_help_center):
    ferndesk_verifier.inject_fault(ferndesk_help_center, times=2, status=503)
    assert [ferndesk_help_center.identify().status for _ in range(3)] == [503, 503, 200]


def test_one_email_one_subject(ferndesk_verifier, ferndesk_help_center):
    assert ferndesk_help_center.identify(sub="old-id", email="bob@example.test").status == 200
    refused = ferndesk_help_center.identify(sub="new-id", email="bob@example.test")
    assert refused.error["code"] == "subject_mismatch"
