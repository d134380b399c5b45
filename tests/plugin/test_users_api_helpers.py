"""The plugin's Users API helpers, as an integrator's suite uses them: ``create_api_key`` and
the ``users_api(key)`` client (``list``, ``create``, ``update``), whose unexpected answers fail
the test with the contract error's code and reason; on a shared server the keys the plugin made
die with its help centers, or are deleted after the test."""

from __future__ import annotations

import json
from pathlib import Path

import httpcore2  # noqa: F401  (pytester and httpx2's lazy import: see test_shared_server.py)
import httpx2
import pytest

from tests.plugin import test_shared_server as shared
from tests.process.conftest import Server

seeded_server = shared.seeded_server  # the fixture: a seeded server someone else started
get, run_against = shared.get, shared.run_against

pytest_plugins = ["pytester"]


def test_a_suite_provisions_lists_and_updates_users_with_a_key(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users="""
        def test_users_api(ferndesk_verifier, ferndesk_help_center):
            key = ferndesk_verifier.create_api_key(ferndesk_help_center)
            assert key.startswith("fdsk_")
            users = ferndesk_verifier.users_api(key)
            assert users.list() == {"items": [], "limit": 20, "offset": 0, "total": 0}
            ada = users.create("Ada@Example.test", name="Ada", attributes={"plan": "pro"})
            assert ada["email"] == "ada@example.test" and ada["attributes"] == {"plan": "pro"}
            assert ada["disabled"] is False and ada["helpdeskId"] == ferndesk_help_center.id
            bob = users.create("bob@example.test", disabled=True)
            assert bob["name"] is None and bob["disabled"] is True
            assert [u["id"] for u in users.list()["items"]] == [ada["id"], bob["id"]]
            assert [u["id"] for u in users.list(email="BOB@example.test")["items"]] == [bob["id"]]
            page = users.list(limit=1, offset=1)
            assert (page["limit"], page["offset"], page["total"]) == (1, 1, 2)
            assert [u["id"] for u in page["items"]] == [bob["id"]]
            changed = users.update(ada["id"], name=None, disabled=True)
            assert changed["name"] is None and changed["disabled"] is True
            assert changed["attributes"] == {"plan": "pro"}

        def test_a_key_is_made_for_a_help_center_given_by_id(ferndesk_verifier):
            one, other = (ferndesk_verifier.create_help_center() for _ in range(2))
            mine = ferndesk_verifier.users_api(ferndesk_verifier.create_api_key(one.id))
            theirs = ferndesk_verifier.users_api(ferndesk_verifier.create_api_key(other.id))
            made = mine.create("ada@example.test")
            assert made["helpdeskId"] == one.id
            assert theirs.list()["total"] == 0 and mine.list()["items"] == [made]

        def test_a_provisioned_user_is_then_identified_and_a_disabled_one_refused(
                ferndesk_verifier, ferndesk_help_center):
            users = ferndesk_verifier.users_api(
                ferndesk_verifier.create_api_key(ferndesk_help_center))
            ada = users.create("ada@example.test", attributes={"plan": "pro"})
            answer = ferndesk_help_center.identify(
                ferndesk_help_center.token(sub="u-1", email="ada@example.test"))
            assert answer.status == 200
            after = users.list(email="ada@example.test")["items"][0]
            assert after["id"] == ada["id"] and after["emailVerified"] is True
            users.update(ada["id"], disabled=True)
            refused = ferndesk_help_center.identify(
                ferndesk_help_center.token(sub="u-1", email="ada@example.test"))
            assert (refused.status, refused.json["error"]["code"]) == (403, "user_disabled")
            ferndesk_verifier.assert_last_attempt(ferndesk_help_center, "user_disabled")
    """)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_an_unexpected_answer_fails_with_the_contract_code_and_reason(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_refused="""
        import pytest

        def test_refusals(ferndesk_verifier, ferndesk_help_center):
            key = ferndesk_verifier.create_api_key(ferndesk_help_center)
            users = ferndesk_verifier.users_api(key)
            users.create("ada@example.test")
            with pytest.raises(AssertionError) as conflict:
                users.create("ADA@example.test")
            assert "POST /v1/users answered 409 conflict: " in str(conflict.value)
            with pytest.raises(AssertionError) as missing:
                users.update("hcusr_nobody", name="X")
            assert "PATCH /v1/users/hcusr_nobody answered 404 not_found: " in str(missing.value)
            with pytest.raises(AssertionError) as paging:
                users.list(limit=0)
            assert "answered 422 invalid_request: " in str(paging.value)
            assert "limit" in str(paging.value)
            with pytest.raises(AssertionError) as unknown:
                ferndesk_verifier.users_api("fdsk_" + "x" * 32).list()
            assert "answered 401 unauthorized: " in str(unknown.value)
            for failure in (conflict, missing, paging, unknown):
                assert key not in str(failure.value) and "fdsk_xxxx" not in str(failure.value)

        def test_a_refusal_fails_the_test(ferndesk_verifier, ferndesk_help_center):
            users = ferndesk_verifier.users_api(
                ferndesk_verifier.create_api_key(ferndesk_help_center))
            users.create("ada@example.test", attributes={"plan": None})
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: POST /v1/users answered 422 "
                                 "invalid_request: *plan*"])


def test_on_a_shared_server_the_plugins_keys_are_gone_after_each_test(
        pytester: pytest.Pytester, seeded_server: Server, tmp_path: Path) -> None:
    made = tmp_path / "keys.json"
    pytester.makepyfile(test_keys=f"""
        import json

        def test_makes_keys(ferndesk_verifier, ferndesk_help_center):
            own = ferndesk_verifier.create_api_key(ferndesk_help_center)
            seeded = ferndesk_verifier.create_api_key("acme")
            for key in (own, seeded):
                ferndesk_verifier.users_api(key).create("grace@example.test")
            with open({str(made)!r}, "w") as out:
                json.dump([own, seeded], out)
    """)
    run_against(pytester, seeded_server).assert_outcomes(passed=1)
    assert get(seeded_server, "/api/help-centers/acme/api-keys") == []
    for key in json.loads(made.read_text()):
        answer = httpx2.get(f"{seeded_server.base}/v1/users",
                            headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 401, answer.text
    # the users the test made in the seeded help center stay: they are the server's data now
    subs = sorted((u["sub"] or "", u["email"]) for u in get(
        seeded_server, "/api/help-centers/acme/users"))
    assert subs == [("", "grace@example.test"), ("u-1", "ada@acme.com"),
                    ("u-2", "bob@acme.com")]
