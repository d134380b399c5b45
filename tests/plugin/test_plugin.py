"""The pytest plugin, tested the way integrators use it: real test files run by pytest."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pytest" / \
    "test_ferndesk_identify.py"


def test_the_documented_example_file_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_example=EXAMPLE.read_text())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


def test_a_failing_integration_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken="""
        def test_wrong_secret_is_caught(ferndesk_help_center):
            import jwt
            token = jwt.encode({"sub": "u", "email": "u@example.test"}, "not-the-secret" * 3,
                               algorithm="HS256")
            assert ferndesk_help_center.identify(token).status == 200
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert 401 == 200*"])


def test_each_test_starts_from_a_reset_verifier(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_isolation="""
        def test_first(ferndesk_verifier):
            hc = ferndesk_verifier.create_help_center(help_center_id="fixed")
            assert hc.identify().status == 200
            ferndesk_verifier.move_clock(3600)

        def test_second(ferndesk_verifier):
            assert ferndesk_verifier.request("GET", "/api/help-centers").json == []
            assert ferndesk_verifier.clock()["offset_seconds"] == 0
            hc = ferndesk_verifier.create_help_center(help_center_id="fixed")
            assert ferndesk_verifier.users(hc) == []
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_an_external_verifier_can_be_used(pytester: pytest.Pytester, start_server) -> None:
    server = start_server()
    pytester.makepyfile(test_external=f"""
        def test_uses_it(ferndesk_verifier, ferndesk_help_center):
            assert ferndesk_verifier.url.endswith(":{server.port}")
            assert ferndesk_help_center.identify().status == 200
    """)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--ferndesk-verifier-url={server.base}",
        "--ferndesk-verifier-admin-token=test-admin-token")
    result.assert_outcomes(passed=1)
