"""One set of users (contract section 7): identify and the Users API see the same users.

Each test reads like a line of the contract: a user provisioned by the API and then identified,
a user disabled by the API and then refused, attributes from a token and from the API."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.test_users_api import FROZEN, Api, freeze, refused
from tests.conftest import ADMIN


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


def only_user(api: Api, email: str) -> dict[str, Any]:
    page = api.get(f"?email={email}").json()
    assert page["total"] == 1, page
    return dict(page["items"][0])


def sessions(api: Api) -> list[dict[str, Any]]:
    return list(api.help_center.admin_get("sessions"))


# -- a user bound by identify is listed -------------------------------------------------------


def test_a_user_bound_by_identify_is_listed_with_its_email_and_name(api: Api) -> None:
    assert api.help_center.identify(sub="u-1", email="ada@acme.com", name="Ada").status_code \
        == 200
    user = only_user(api, "ada@acme.com")
    assert (user["email"], user["name"], user["helpdeskId"]) == ("ada@acme.com", "Ada",
                                                                 api.help_center.id)
    assert user["id"].startswith("hcusr_")


def test_the_api_lists_an_identified_users_email_lower_case(api: Api) -> None:
    api.help_center.identify(sub="u-1", email="Ada@Acme.COM")
    assert only_user(api, "ada@acme.com")["email"] == "ada@acme.com"
    assert api.help_center.admin_get("users")[0]["email"] == "Ada@Acme.COM"  # as identified


def test_a_successful_identify_sets_last_login_and_email_verified(client: TestClient,
                                                                   api: Api) -> None:
    created = api.create("ada@acme.com")
    assert (created["lastLoginAt"], created["emailVerified"]) == (None, False)
    freeze(client)
    assert api.help_center.identify(sub="u-1", email="ada@acme.com").status_code == 200
    user = only_user(api, "ada@acme.com")
    assert user["lastLoginAt"] == FROZEN  # the emulator's clock
    assert user["emailVerified"] is True
    freeze(client, "2026-11-25T08:30:00.000Z")
    api.help_center.identify(sub="u-1", email="ada@acme.com")
    assert only_user(api, "ada@acme.com")["lastLoginAt"] == "2026-11-25T08:30:00.000Z"


def test_a_tokens_custom_attributes_replace_the_attributes(api: Api) -> None:
    created = api.create("ada@acme.com", attributes={"plan": "free", "seats": 1})
    api.help_center.identify(sub="u-1", email="ada@acme.com",
                             customAttributes={"plan": "pro", "beta": True})
    assert only_user(api, "ada@acme.com")["attributes"] == {"plan": "pro", "beta": True}
    assert only_user(api, "ada@acme.com")["id"] == created["id"]


def test_values_of_other_types_are_left_out_and_named_in_the_warnings(api: Api) -> None:
    answer = api.help_center.identify(sub="u-1", email="ada@acme.com",
                                      customAttributes={"plan": "pro", "meta": {"a": 1},
                                                        "tags": ["a", 1]})
    assert answer.status_code == 200
    assert only_user(api, "ada@acme.com")["attributes"] == {"plan": "pro"}
    named = [w for w in answer.json()["warnings"] if w["code"] == "unmatchable_attribute"]
    assert len(named) == 2
    assert "meta" in named[0]["reason"] and "tags" in named[1]["reason"]


def test_a_token_without_custom_attributes_leaves_the_attributes_as_they_are(api: Api) -> None:
    api.create("ada@acme.com", attributes={"plan": "enterprise"})
    assert api.help_center.identify(sub="u-1", email="ada@acme.com",
                                    customAttributes=...).status_code == 200
    assert only_user(api, "ada@acme.com")["attributes"] == {"plan": "enterprise"}
    api.help_center.identify(sub="u-1", email="ada@acme.com", customAttributes={"plan": "pro"})
    api.help_center.identify(sub="u-1", email="ada@acme.com", customAttributes=...)
    assert only_user(api, "ada@acme.com")["attributes"] == {"plan": "pro"}


# -- a user created through the API has no subject yet ----------------------------------------


def test_the_first_identify_with_its_email_binds_its_sub_same_id_attributes_kept(
        api: Api) -> None:
    created = api.create("Ada@Acme.com", name="Ada L.", attributes={"plan": "pro"})
    assert api.help_center.admin_get("users")[0]["sub"] is None
    answer = api.help_center.identify(sub="u-1", email="ada@acme.com", name="Ada",
                                      customAttributes=...)
    assert answer.status_code == 200, answer.text
    user = only_user(api, "ada@acme.com")
    assert user["id"] == created["id"]
    assert user["attributes"] == {"plan": "pro"}
    assert user["name"] == "Ada"  # the token's name, as for any identify
    assert [u["sub"] for u in api.help_center.admin_get("users")] == ["u-1"]


def test_from_then_on_the_subject_rule_applies_as_usual(api: Api) -> None:
    api.create("ada@acme.com")
    assert api.help_center.identify(sub="u-1", email="ada@acme.com").status_code == 200
    reason = refused(api.help_center.identify(sub="u-2", email="ada@acme.com"), 409,
                     "subject_mismatch")
    assert "'u-1'" in reason and "'u-2'" in reason


def test_a_subject_that_has_a_user_cannot_take_an_api_users_email(api: Api) -> None:
    api.help_center.identify(sub="u-1", email="ada@acme.com")
    api.create("grace@acme.com")
    reason = refused(api.help_center.identify(sub="u-1", email="grace@acme.com"), 409,
                     "subject_mismatch")
    assert "Users API" in reason
    assert api.get().json()["total"] == 2  # nothing changed


# -- disabled ----------------------------------------------------------------------------------


def test_a_disabled_user_is_refused_with_user_disabled_and_the_call_is_journaled(
        api: Api) -> None:
    api.help_center.identify(sub="u-1", email="ada@acme.com")
    user = only_user(api, "ada@acme.com")
    assert api.patch(user["id"], disabled=True).status_code == 200
    answer = api.help_center.identify(sub="u-1", email="ada@acme.com")
    reason = refused(answer, 403, "user_disabled")
    assert answer.json()["error"]["message"] == "Ferndesk: identify failed - user is disabled"
    assert user["id"] in reason
    attempts = api.help_center.admin_get("identify-attempts")
    assert attempts[0]["code"] == "user_disabled"
    assert only_user(api, "ada@acme.com")["lastLoginAt"] == user["lastLoginAt"]  # untouched


def test_a_disabled_user_created_through_the_api_is_refused_and_gets_no_subject(
        api: Api) -> None:
    api.create("ada@acme.com", disabled=True)
    reason = refused(api.help_center.identify(sub="u-1", email="ada@acme.com"), 403,
                     "user_disabled")
    assert "not bound to a subject yet; this token's sub is 'u-1'" in reason
    assert [u["sub"] for u in api.help_center.admin_get("users")] == [None]


def test_disabling_a_user_ends_its_sessions_and_enabling_lets_it_identify_again(
        client: TestClient, api: Api) -> None:
    first = api.help_center.identify(sub="u-1", email="ada@acme.com").json()["session"]["id"]
    other = api.help_center.identify(sub="u-2", email="grace@acme.com").json()["session"]["id"]
    assert all(s["ended_at"] is None for s in sessions(api))
    freeze(client)
    user = only_user(api, "ada@acme.com")
    api.patch(user["id"], disabled=True)
    ended = {s["id"]: s["ended_at"] for s in sessions(api)}
    assert ended == {first: FROZEN, other: None}

    api.patch(user["id"], disabled=False)
    again = api.help_center.identify(sub="u-1", email="ada@acme.com").json()["session"]["id"]
    continued = api.help_center.identify(
        body={"jwt": api.help_center.token(sub="u-1", email="ada@acme.com"),
              "session_id": first})
    assert continued.status_code == 200
    # An ended session is never continued: the call started a new one.
    assert continued.json()["session"]["id"] not in (first, again)


def test_an_ended_sessions_widget_frame_shows_the_visitor_signed_out(client: TestClient,
                                                                      api: Api) -> None:
    session = api.help_center.identify(sub="u-1", email="ada@acme.com").json()["session"]
    frame = f"/widget/{api.help_center.widget_id}/frame?token={session['frame_token']}"
    assert 'data-identified="true"' in client.get(frame).text
    api.patch(only_user(api, "ada@acme.com")["id"], disabled=True)
    page = client.get(frame).text
    assert 'data-identified="false"' in page and "ada@acme.com" not in page


def test_re_provisioning_removes_the_user_from_v1_too(client: TestClient, api: Api) -> None:
    api.help_center.identify(sub="u-1", email="ada@acme.com")
    assert client.delete(f"/api/help-centers/{api.help_center.id}/users/u-1",
                         headers=ADMIN).status_code == 204
    assert api.get().json()["total"] == 0
