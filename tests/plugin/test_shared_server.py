"""The plugin against a verifier it did not start (``--ferndesk-verifier-url``): a shared
server, or the one examples/ci/with-verifier.sh starts with a seed. The plugin touches only what
it made there: its own help centers, and the clock it moved, put back after each test."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpcore2  # noqa: F401  (see below)
import httpx2
import jwt
import pytest

from tests.conftest import ADMIN, ADMIN_TOKEN
from tests.process.conftest import Server

pytest_plugins = ["pytester"]
# pytester puts sys.modules back after each test; httpx2 imports httpcore2 on its first request,
# so without the import above a later test re-imports it and httpx2 no longer recognises its
# ConnectError (the wait for a starting server then fails instead of retrying).

SEED_SECRET = "a-fixed-secret-for-ci-of-32-chars-or-more"
SEED = {"help_centers": [{
    "id": "acme", "name": "Acme", "domain": "help.acme.com", "widget_id": "wid-acme",
    "jwt_secret": SEED_SECRET,
    "users": [{"sub": "u-1", "email": "ada@acme.com", "name": "Ada"}]}]}


@pytest.fixture
def seeded_server(start_server: Callable[..., Server], tmp_path: Path) -> Server:
    """A server someone else started, with a seed and a user that identified before our run."""
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED))
    server = start_server("--seed", str(seed))
    token = jwt.encode({"sub": "u-2", "email": "bob@acme.com", "exp": 4102444800},
                       SEED_SECRET, algorithm="HS256")
    answer = httpx2.post(f"{server.base}/widget/wid-acme/identify", json={"jwt": token},
                         headers={"Origin": "https://app.acme.com"})
    assert answer.status_code == 200, answer.text
    return server


def run_against(pytester: pytest.Pytester, server: Server) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--ferndesk-verifier-url={server.base}",
        f"--ferndesk-verifier-admin-token={ADMIN_TOKEN}")


def get(server: Server, path: str) -> Any:
    answer = httpx2.get(server.base + path, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return answer.json()


# Inner tests that use every way the plugin makes or changes things, one of them failing.
BUSY_RUN = """
    import pytest

    def test_identifies_and_moves_the_clock(ferndesk_verifier, ferndesk_help_center):
        assert ferndesk_help_center.identify().status == 200
        ferndesk_verifier.move_clock(7200)

    def test_makes_more_help_centers_and_faults(ferndesk_verifier):
        for _ in range(2):
            hc = ferndesk_verifier.create_help_center()
            ferndesk_verifier.inject_fault(hc, times=5, status=503)

    def test_resets(ferndesk_verifier, ferndesk_help_center):
        assert ferndesk_help_center.identify().status == 200
        ferndesk_verifier.reset()
        assert ferndesk_verifier.users(ferndesk_help_center) == []

    def test_fails_after_making_a_help_center(ferndesk_verifier):
        ferndesk_verifier.create_help_center(name="left by a failure")
        pytest.fail("on purpose")

    def test_freezes_the_clock(ferndesk_verifier):
        ferndesk_verifier.freeze_clock("2030-01-01T00:00:00Z")
"""


def test_a_run_against_a_shared_server_keeps_the_seed_and_other_users_data(
        pytester: pytest.Pytester, seeded_server: Server) -> None:
    pytester.makepyfile(test_busy=BUSY_RUN)
    run_against(pytester, seeded_server).assert_outcomes(passed=4, failed=1)
    assert [hc["id"] for hc in get(seeded_server, "/api/help-centers")] == ["acme"]
    users = get(seeded_server, "/api/help-centers/acme/users")
    assert sorted(user["sub"] for user in users) == ["u-1", "u-2"]
    assert [session["sub"] for session in get(seeded_server, "/api/help-centers/acme/sessions")
            ] == ["u-2"]
    assert get(seeded_server, "/api/help-centers/acme")["has_jwt_secret"] is True


def test_a_run_against_a_shared_server_leaves_the_clock_as_it_found_it(
        pytester: pytest.Pytester, seeded_server: Server) -> None:
    pytester.makepyfile(test_busy=BUSY_RUN)
    run_against(pytester, seeded_server)
    clock = get(seeded_server, "/api/emulator/clock")
    assert (clock["offset_seconds"], clock["frozen"]) == (0, False)


def test_a_clock_someone_else_set_is_put_back_after_a_test_moved_it(
        pytester: pytest.Pytester, seeded_server: Server) -> None:
    set_clock = httpx2.put(f"{seeded_server.base}/api/emulator/clock", headers=ADMIN,
                           json={"offset_seconds": 600})
    assert set_clock.status_code == 200, set_clock.text
    pytester.makepyfile(test_busy=BUSY_RUN)
    run_against(pytester, seeded_server)
    clock = get(seeded_server, "/api/emulator/clock")
    assert (clock["offset_seconds"], clock["frozen"]) == (600, False)


def test_each_test_on_a_shared_server_gets_its_own_help_center_removed_after_it(
        pytester: pytest.Pytester, seeded_server: Server) -> None:
    pytester.makepyfile(test_own="""
        seen = []

        def test_first(ferndesk_help_center):
            seen.append(ferndesk_help_center)

        def test_second(ferndesk_verifier, ferndesk_help_center):
            first = seen[0]
            for hc in (first, ferndesk_help_center):
                assert hc.id.startswith("pytest-") and hc.widget_id.startswith("pytest-")
            assert (first.id, first.widget_id) != (ferndesk_help_center.id,
                                                   ferndesk_help_center.widget_id)
            assert ferndesk_verifier.request("GET", f"/api/help-centers/{first.id}").status == 404
    """)
    run_against(pytester, seeded_server).assert_outcomes(passed=2)


def test_a_test_on_a_shared_server_sees_the_clock_real_after_another_moved_it(
        pytester: pytest.Pytester, seeded_server: Server) -> None:
    pytester.makepyfile(test_clock="""
        def test_moves(ferndesk_verifier):
            ferndesk_verifier.move_clock(3600)

        def test_freezes(ferndesk_verifier):
            clock = ferndesk_verifier.clock()
            assert (clock["offset_seconds"], clock["frozen"]) == (0, False)
            ferndesk_verifier.freeze_clock()

        def test_after(ferndesk_verifier):
            clock = ferndesk_verifier.clock()
            assert (clock["offset_seconds"], clock["frozen"]) == (0, False)
    """)
    run_against(pytester, seeded_server).assert_outcomes(passed=3)


def test_the_documented_example_file_passes_against_a_shared_server(
        pytester: pytest.Pytester, seeded_server: Server) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "pytest" / \
        "test_ferndesk_identify.py"
    pytester.makepyfile(test_example=example.read_text())
    run_against(pytester, seeded_server).assert_outcomes(passed=6)
    assert [hc["id"] for hc in get(seeded_server, "/api/help-centers")] == ["acme"]
