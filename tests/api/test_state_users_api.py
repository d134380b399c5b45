"""Exports, imports and seeds carry the Users API's state (contract section 7): each help
center's API keys, and every user with the fields ``/v1`` shows, those without a subject too."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN, HelpCenter, error_of
from verifier.seeding import SeedError, apply_seed
from verifier.services import of_app

STATE = "/api/emulator/state"
SECRET = "a-fixed-secret-for-ci-of-32-chars-or-more"
KEY = "fdsk_" + "k" * 32
OTHER_KEY = "fdsk_" + "o" * 32


def export(client: TestClient) -> dict[str, Any]:
    answer = client.get(STATE, headers=ADMIN)
    assert answer.status_code == 200
    return dict(answer.json())


def put(client: TestClient, state: Any) -> Any:
    return client.put(STATE, headers=ADMIN, json=state)


def v1(client: TestClient, key: str, method: str = "GET", tail: str = "",
       **body: Any) -> Any:
    return client.request(method, f"/v1/users{tail}", headers={"Authorization": f"Bearer {key}"},
                          json=body or None)


def seed(**help_center: Any) -> dict[str, Any]:
    return {"help_centers": [{"id": "acme", "domain": "help.acme.com", "jwt_secret": SECRET,
                              **help_center}]}


def test_an_export_carries_live_api_keys_and_every_users_api_field(client: TestClient) -> None:
    hc = HelpCenter(client)
    keys_url = f"/api/help-centers/{hc.id}/api-keys"
    live = client.post(keys_url, headers=ADMIN).json()
    gone = client.post(keys_url, headers=ADMIN).json()
    assert client.delete(f"{keys_url}/{gone['id']}", headers=ADMIN).status_code == 204
    assert hc.identify(sub="u-1", email="ada@acme.com").status_code == 200
    made = v1(client, live["key"], "POST", email="Grace@Acme.com", name="Grace",
              attributes={"plan": "pro"}, disabled=True).json()
    exported = export(client)["help_centers"][0]
    assert exported["api_keys"] == [live["key"]]
    bound, created = exported["users"]
    assert bound["sub"] == "u-1" and bound["id"].startswith("hcusr_")
    assert created == {"sub": None, "email": "grace@acme.com", "name": "Grace",
                       "custom_attributes": {"plan": "pro"}, "created_at": made["createdAt"],
                       "last_seen_at": created["last_seen_at"], "id": made["id"],
                       "email_verified": False, "disabled": True, "last_login_at": None,
                       "updated_at": made["updatedAt"]}


def test_an_export_imports_back_unchanged_and_its_keys_and_ids_still_work(
        client: TestClient) -> None:
    hc = HelpCenter(client)
    key = client.post(f"/api/help-centers/{hc.id}/api-keys", headers=ADMIN).json()["key"]
    assert hc.identify(sub="u-1", email="ada@acme.com").status_code == 200
    made = v1(client, key, "POST", email="grace@acme.com", attributes={"tags": ["a"]}).json()
    v1(client, key, "POST", email="linus@acme.com")
    before = export(client)
    listed = v1(client, key).json()
    assert client.post("/api/emulator/reset", headers=ADMIN).status_code == 204
    assert v1(client, key).status_code == 401
    answer = put(client, before)
    assert answer.status_code == 204, answer.text
    assert export(client) == before
    assert v1(client, key).json() == listed
    changed = v1(client, key, "PATCH", f"/{made['id']}", name="Grace")
    assert changed.status_code == 200 and changed.json()["attributes"] == {"tags": ["a"]}


def test_an_older_export_without_the_new_fields_still_imports(client: TestClient) -> None:
    old = seed(users=[{"sub": "u-1", "email": "Ada@Acme.com", "name": "Ada",
                       "custom_attributes": None, "created_at": "2026-11-24T10:00:00.000Z",
                       "last_seen_at": "2026-11-24T11:00:00.000Z"}])
    assert put(client, old).status_code == 204
    assert put(client, {**old, "help_centers": [
        {**old["help_centers"][0], "api_keys": [KEY]}]}).status_code == 204
    user = v1(client, KEY).json()["items"][0]
    assert user["id"].startswith("hcusr_")
    assert (user["emailVerified"], user["disabled"], user["attributes"], user["lastLoginAt"]) \
        == (False, False, {}, None)
    assert user["updatedAt"] == "2026-11-24T11:00:00.000Z"  # last seen: its latest change


def test_users_without_a_subject_import(client: TestClient) -> None:
    state = seed(api_keys=[KEY], users=[{"email": "a@acme.com"}, {"email": "b@acme.com",
                                                                   "sub": None}])
    assert put(client, state).status_code == 204
    assert [u["email"] for u in v1(client, KEY).json()["items"]] == ["a@acme.com", "b@acme.com"]
    assert [u["sub"] for u in client.get("/api/help-centers/acme/users",
                                         headers=ADMIN).json()] == [None, None]


@pytest.mark.parametrize(("change", "says"), [
    ({"api_keys": ["sk_live_1234567890abcdef"]}, "api_keys[0]: an API key starts with fdsk_"),
    ({"api_keys": "fdsk_x"}, "api_keys must be a list"),
    ({"api_keys": [3]}, "api_keys[0]: must be a string"),
    ({"users": [{"email": "a@acme.com", "id": "usr_1"}]}, "users[0].id: id must be hcusr_"),
    ({"users": [{"email": "a@acme.com", "id": "hcusr_1"}, {"email": "b@acme.com",
                                                          "id": "hcusr_1"}]},
     "users[1].id: 'hcusr_1' is also help_centers[0].users[0]'s"),
    ({"users": [{"email": "a@acme.com"}, {"email": "A@acme.com"}]}, "users[1].email"),
    ({"users": [{"email": "a@acme.com", "disabled": "no"}]}, "users[0].disabled: disabled "
                                                            "must be true or false"),
    ({"users": [{"email": "a@acme.com", "updated_at": "soon"}]}, "users[0].updated_at"),
    ({"users": [{"sub": "u-1"}]}, "users[0].email"),
])
def test_a_bad_api_key_or_user_is_refused_naming_the_entry(
        client: TestClient, change: dict[str, Any], says: str) -> None:
    answer = put(client, seed(**change))
    assert answer.status_code == 422, answer.text
    assert says in error_of(answer)["reason"]
    assert "sk_live" not in answer.text


def test_one_key_in_two_help_centers_is_refused_without_showing_it(client: TestClient) -> None:
    state = seed(api_keys=[KEY])
    state["help_centers"].append({"id": "other", "domain": "help.other.com",
                                  "api_keys": [OTHER_KEY, KEY]})
    answer = put(client, state)
    assert answer.status_code == 422
    reason = error_of(answer)["reason"]
    assert reason.startswith("state: help_centers[1].api_keys[1]: the key sha256:")
    assert KEY not in answer.text


def test_a_seed_loads_api_keys_and_users_and_loading_it_again_changes_nothing(
        client: TestClient) -> None:
    engine = of_app(client.app).engine
    # Frozen: a seed's missing timestamps are now, so the second load gives the same ones.
    client.put("/api/emulator/clock", headers=ADMIN, json={"frozen_at": "2026-11-24T10:00:00Z"})
    data = seed(api_keys=[KEY], users=[
        {"sub": "u-1", "email": "ada@acme.com", "name": "Ada"},
        {"id": "hcusr_grace", "email": "grace@acme.com", "disabled": True,
         "custom_attributes": {"plan": "pro"}},
        {"email": "linus@acme.com"}])
    apply_seed(engine, copy.deepcopy(data))
    first = export(client)
    apply_seed(engine, copy.deepcopy(data))
    assert export(client) == first
    users = v1(client, KEY).json()["items"]
    assert [(u["email"], u["disabled"], u["attributes"]) for u in users] == [
        ("ada@acme.com", False, {}), ("grace@acme.com", True, {"plan": "pro"}),
        ("linus@acme.com", False, {})]
    assert users[1]["id"] == "hcusr_grace"


def test_a_seed_brings_back_a_deleted_key(client: TestClient) -> None:
    engine = of_app(client.app).engine
    apply_seed(engine, seed(api_keys=[KEY]))
    key_id = client.get("/api/help-centers/acme/api-keys", headers=ADMIN).json()[0]["id"]
    client.delete(f"/api/help-centers/acme/api-keys/{key_id}", headers=ADMIN)
    assert v1(client, KEY).status_code == 401
    apply_seed(engine, seed(api_keys=[KEY]))
    assert v1(client, KEY).status_code == 200


def test_a_seed_cannot_take_another_help_centers_key(client: TestClient) -> None:
    engine = of_app(client.app).engine
    apply_seed(engine, seed(api_keys=[KEY]))
    other = {"help_centers": [{"id": "other", "domain": "help.other.com", "api_keys": [KEY]}]}
    with pytest.raises(SeedError) as refused:
        apply_seed(engine, other)
    assert "help_centers[0].api_keys[0]: the key sha256:" in str(refused.value)
    assert "already help center 'acme''s" in str(refused.value)
    assert KEY not in str(refused.value)
