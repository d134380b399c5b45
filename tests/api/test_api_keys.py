"""Users API keys (contract section 7): made by the admin API, shown once, listed without the
key, deleted for good."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import ADMIN, HelpCenter, error_of


def keys_url(help_center: HelpCenter) -> str:
    return f"/api/help-centers/{help_center.id}/api-keys"


def test_a_new_key_is_shown_once_with_its_id_time_and_fingerprint(
        help_center: HelpCenter) -> None:
    answer = help_center.client.post(keys_url(help_center), headers=ADMIN)
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert set(made) == {"id", "key", "created_at", "fingerprint"}
    assert made["id"].startswith("key_")
    assert made["key"].startswith("fdsk_") and len(made["key"]) >= 37
    assert made["fingerprint"].startswith("sha256:")
    assert made["created_at"].endswith("Z")
    assert answer.headers["cache-control"] == "no-store"


def test_listed_keys_never_carry_the_key(help_center: HelpCenter) -> None:
    first = help_center.client.post(keys_url(help_center), headers=ADMIN).json()
    second = help_center.client.post(keys_url(help_center), headers=ADMIN).json()
    assert first["key"] != second["key"]
    listed = help_center.admin_get("api-keys")
    assert listed == [{k: v for k, v in made.items() if k != "key"} for made in (first, second)]
    assert first["key"] not in str(listed) and second["key"] not in str(listed)


def test_a_deleted_key_is_no_longer_listed_and_cannot_be_deleted_twice(
        help_center: HelpCenter) -> None:
    made = help_center.client.post(keys_url(help_center), headers=ADMIN).json()
    url = f"{keys_url(help_center)}/{made['id']}"
    assert help_center.client.delete(url, headers=ADMIN).status_code == 204
    assert help_center.admin_get("api-keys") == []
    again = help_center.client.delete(url, headers=ADMIN)
    assert again.status_code == 404
    assert error_of(again)["code"] == "not_found"


def test_unknown_help_center_or_key_is_not_found(help_center: HelpCenter) -> None:
    client = help_center.client
    for method, url in (("POST", "/api/help-centers/nope/api-keys"),
                        ("GET", "/api/help-centers/nope/api-keys"),
                        ("DELETE", "/api/help-centers/nope/api-keys/key_1"),
                        ("DELETE", f"{keys_url(help_center)}/key_1")):
        answer = client.request(method, url, headers=ADMIN)
        assert answer.status_code == 404, (method, url)
        assert error_of(answer)["code"] == "not_found"


def test_another_help_centers_key_cannot_be_deleted_through_this_one(
        client: TestClient) -> None:
    one, other = HelpCenter(client), HelpCenter(client)
    made = client.post(keys_url(one), headers=ADMIN).json()
    answer = client.delete(f"{keys_url(other)}/{made['id']}", headers=ADMIN)
    assert answer.status_code == 404
    assert [key["id"] for key in one.admin_get("api-keys")] == [made["id"]]


def test_key_routes_need_the_admin_token(help_center: HelpCenter) -> None:
    client = help_center.client
    for method in ("POST", "GET"):
        answer = client.request(method, keys_url(help_center))
        assert answer.status_code == 401
        assert error_of(answer)["code"] == "unauthorized"
    assert client.delete(f"{keys_url(help_center)}/key_1").status_code == 401


def test_resetting_a_help_center_keeps_its_keys_as_it_keeps_its_secret(
        help_center: HelpCenter) -> None:
    client = help_center.client
    made = client.post(keys_url(help_center), headers=ADMIN).json()
    auth = {"Authorization": f"Bearer {made['key']}"}
    assert client.post("/v1/users", headers=auth, json={"email": "a@b.co"}).status_code == 201
    reset = client.post(f"/api/emulator/help-centers/{help_center.id}/reset", headers=ADMIN)
    assert reset.status_code == 204
    assert client.get("/v1/users", headers=auth).json()["total"] == 0
    assert [key["id"] for key in help_center.admin_get("api-keys")] == [made["id"]]
