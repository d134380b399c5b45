"""The pytest plugin, tested the way integrators use it: real test files run by pytest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_DATABASE_URL, fresh_database_url

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _plugin_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Under the suite's PostgreSQL switch, the plugin's in-process server runs there too."""
    if TEST_DATABASE_URL:
        monkeypatch.setenv("FERNDESK_VERIFIER_PYTEST_DATABASE_URL",
                           fresh_database_url(tmp_path))
    yield

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


def test_the_in_process_server_can_use_a_given_database(pytester: pytest.Pytester,
                                                        tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path / "given")
    pytester.makepyfile(test_given="""
        def test_binds(ferndesk_verifier):
            hc = ferndesk_verifier.create_help_center(help_center_id="kept")
            assert hc.identify(sub="u-9", email="nine@example.test").status == 200
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                           f"--ferndesk-verifier-database-url={url}")
    result.assert_outcomes(passed=1)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT help_center_id, sub FROM users")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("kept", "u-9")]
