"""Ferndesk's Users API, emulated (``/v1``, contract section 7): API keys open one help
center; users are listed, created and changed in the contract's shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.test_openapi import Checker
from tests.conftest import ADMIN, ADMIN_TOKEN, HelpCenter, error_of
from verifier import openapi

USER_KEYS = {"id", "helpdeskId", "email", "name", "emailVerified", "disabled", "attributes",
             "lastLoginAt", "createdAt", "updatedAt"}
FROZEN = "2026-11-24T10:00:00.000Z"


class Api:
    """A help center seen through the Users API, with one key of its own."""

    def __init__(self, client: TestClient, **fields: Any) -> None:
        self.client = client
        self.help_center = HelpCenter(client, **fields)
        made = client.post(f"/api/help-centers/{self.help_center.id}/api-keys", headers=ADMIN)
        assert made.status_code == 201, made.text
        self.key_id: str = made.json()["id"]
        self.key: str = made.json()["key"]
        self.auth = {"Authorization": f"Bearer {self.key}"}

    def get(self, query: str = "") -> Any:
        return self.client.get(f"/v1/users{query}", headers=self.auth)

    def post(self, **body: Any) -> Any:
        return self.client.post("/v1/users", headers=self.auth, json=body)

    def patch(self, user_id: str, **body: Any) -> Any:
        return self.client.patch(f"/v1/users/{user_id}", headers=self.auth, json=body)

    def create(self, email: str = "ada@acme.com", **body: Any) -> dict[str, Any]:
        answer = self.post(email=email, **body)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


def freeze(client: TestClient, at: str = FROZEN) -> None:
    answer = client.put("/api/emulator/clock", headers=ADMIN, json={"frozen_at": at})
    assert answer.status_code == 200


def refused(answer: Any, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    error = error_of(answer)
    assert error["code"] == code
    return str(error["reason"])


# -- API keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "says"), [
    ({}, "send Authorization: Bearer fdsk_"),
    ({"Authorization": "Basic abc"}, "not Bearer"),
    ({"Authorization": "Bearer "}, "not Bearer"),
    ({"Authorization": "Bearer sk_live_123"}, "starts with fdsk_"),
    ({"Authorization": "Bearer fdsk_short"}, "at least 16"),
    ({"Authorization": f"Bearer {ADMIN_TOKEN}"}, "the admin token does not open"),
    ({"Authorization": "Bearer fdsk_" + "A" * 32}, "no help center has this API key"),
])
def test_a_missing_malformed_or_unknown_key_is_unauthorized_saying_which(
        api: Api, headers: dict[str, str], says: str) -> None:
    for answer in (api.client.get("/v1/users", headers=headers),
                   api.client.post("/v1/users", headers=headers, json={"email": "a@b.co"}),
                   api.client.patch("/v1/users/hcusr_1", headers=headers, json={})):
        reason = refused(answer, 401, "unauthorized")
        assert says in reason
        given = headers.get("Authorization", "").partition(" ")[2]
        if len(given) > 6:
            assert given not in answer.text


def test_a_deleted_key_is_refused_saying_when_it_was_deleted(api: Api) -> None:
    assert api.get().status_code == 200
    freeze(api.client)
    url = f"/api/help-centers/{api.help_center.id}/api-keys/{api.key_id}"
    assert api.client.delete(url, headers=ADMIN).status_code == 204
    reason = refused(api.get(), 401, "unauthorized")
    assert reason.startswith("this API key (sha256:") and f"was deleted at {FROZEN}" in reason
    assert api.key not in reason
    refused(api.post(email="a@b.co"), 401, "unauthorized")


def test_a_key_of_a_deleted_help_center_opens_nothing(api: Api) -> None:
    api.create()
    assert api.client.delete(f"/api/help-centers/{api.help_center.id}",
                             headers=ADMIN).status_code == 204
    assert "no help center has this API key" in refused(api.get(), 401, "unauthorized")


def test_a_key_sees_only_its_own_help_centers_users(client: TestClient) -> None:
    one, other = Api(client), Api(client)
    mine = one.create("ada@acme.com")
    theirs = other.create("ada@acme.com")  # one email, two help centers: two users
    assert mine["id"] != theirs["id"] and mine["helpdeskId"] != theirs["helpdeskId"]
    assert [user["id"] for user in one.get().json()["items"]] == [mine["id"]]
    refused(one.patch(theirs["id"], name="Mallory"), 404, "not_found")
    assert other.get().json()["items"][0]["name"] is None


# -- POST /v1/users --------------------------------------------------------------------------


def test_a_created_user_has_the_contracts_shape(api: Api) -> None:
    freeze(api.client)
    answer = api.post(email="Ada.Lovelace@ACME.com", name="Ada",
                      attributes={"plan": "pro", "seats": 3, "beta": True, "tags": ["a", "b"]})
    assert answer.status_code == 201, answer.text
    user = answer.json()
    assert set(user) == USER_KEYS
    assert user["id"].startswith("hcusr_")
    assert user == {"id": user["id"], "helpdeskId": api.help_center.id,
                    "email": "ada.lovelace@acme.com", "name": "Ada", "emailVerified": False,
                    "disabled": False,
                    "attributes": {"plan": "pro", "seats": 3, "beta": True, "tags": ["a", "b"]},
                    "lastLoginAt": None, "createdAt": FROZEN, "updatedAt": FROZEN}


def test_defaults_no_name_no_attributes_not_disabled(api: Api) -> None:
    user = api.create("grace@acme.com")
    assert (user["name"], user["attributes"], user["disabled"]) == (None, {}, False)
    assert api.create("linus@acme.com", disabled=True)["disabled"] is True


def test_an_email_already_in_the_help_center_is_a_conflict_whatever_its_case(api: Api) -> None:
    first = api.create("ada@acme.com")
    reason = refused(api.post(email="ADA@Acme.com"), 409, "conflict")
    assert first["id"] in reason
    assert len(api.get().json()["items"]) == 1


def test_an_email_identify_bound_is_a_conflict_naming_its_subject(api: Api) -> None:
    assert api.help_center.identify(sub="u-1", email="ada@acme.com").status_code == 200
    assert "'u-1'" in refused(api.post(email="Ada@acme.com"), 409, "conflict")


@pytest.mark.parametrize(("body", "says"), [
    ({}, "missing required field `email`"),
    ({"email": None}, "email: expected `str`, got `null`"),
    ({"email": 3}, "email: expected `str`, got `int`"),
    ({"email": "not-an-email"}, "does not look like an email: it has no @"),
    ({"email": "ada@localhost"}, "has no dot"),
    ({"email": "a\u200b@acme.com"}, "U+200B"),
    ({"email": "a\u0000@acme.com"}, "NUL"),
    ({"email": "a" * 321 + "@acme.com"}, "email: expected `str` of length <= 320"),
    ({"email": "a@b.co", "name": 3}, "name: expected `str | null`, got `int`"),
    ({"email": "a@b.co", "name": "x" * 513}, "length <= 512"),
    ({"email": "a@b.co", "name": "\ud800"}, "surrogate"),
    ({"email": "a@b.co", "disabled": "yes"}, "disabled: expected `bool`, got `str`"),
    ({"email": "a@b.co", "disabled": None}, "disabled: expected `bool`, got `null`"),
    ({"email": "a@b.co", "attributes": None}, "attributes: expected `object`, got `null`"),
    ({"email": "a@b.co", "attributes": []}, "attributes: expected `object`, got `array`"),
    ({"email": "a@b.co", "attributes": {str(n): 1 for n in range(101)}}, "length <= 100"),
    ({"email": "a@b.co", "emailVerified": True},
     'unknown field "emailVerified"; the fields are email, name, attributes, disabled'),
    ({"email": "a@b.co", "customAttributes": {}}, 'unknown field "customAttributes"'),
    ({"email": "a@b.co", "\ud800": 1}, "unknown field whose name contains a lone UTF-16"),
    ({"email": "a@b.co", "x" * 5000: 1}, 'unknown field "xxx'),
    ({"email": "a@b.co", "attributes": {"k": {"\ud800": 1}}}, "attributes.k: an object"),
])
def test_a_bad_body_is_422_naming_the_field(api: Api, body: dict[str, Any], says: str) -> None:
    # Sent as ASCII JSON, so that a lone surrogate travels as its \\ud800 escape.
    reason = refused(api.client.post("/v1/users", content=json.dumps(body),
                                     headers={**api.auth, "Content-Type": "application/json"}),
                     422, "invalid_request")
    assert says in reason and len(reason) < 1000
    assert api.get().json()["total"] == 0


@pytest.mark.parametrize(("value", "kind"), [
    (None, "null"),
    ({"a": 1}, "an object"),
    ([1, "a"], "an array mixing numbers and strings"),
    ([[1]], "an array of arrays"),
    ([None], "an array of nulls"),
])
def test_an_attribute_value_rules_cannot_match_is_422_naming_the_key(
        api: Api, value: Any, kind: str) -> None:
    reason = refused(api.post(email="a@b.co", attributes={"ok": 1, "plan": value}),
                     422, "invalid_request")
    assert reason.startswith(f"attributes.plan: {kind} is not an attribute value")


def test_every_kind_of_attribute_value_rules_match_is_kept(api: Api) -> None:
    values = {"s": "x", "i": 3, "f": 2.5, "b": False, "ss": ["a"], "ns": [1, 2.5],
              "bs": [True, False], "empty": []}
    assert api.create(attributes=values)["attributes"] == values


def test_a_body_that_is_not_a_json_object_is_refused_like_the_other_routes(api: Api) -> None:
    refused(api.client.post("/v1/users", headers=api.auth, content=b"[1]",
                            ), 415, "invalid_request")
    refused(api.client.post("/v1/users", headers={**api.auth, "Content-Type":
                                                  "application/json"}, content=b"[1]"),
            400, "invalid_request")
    refused(api.client.post("/v1/users", headers={**api.auth, "Content-Type":
                                                  "application/json"}, content=b"{"),
            400, "invalid_request")


# -- GET /v1/users ---------------------------------------------------------------------------


def test_users_are_listed_oldest_first_in_pages_with_the_total(api: Api) -> None:
    freeze(api.client)  # one instant for all: the order falls back to creation order
    made = [api.create(f"user{n}@acme.com")["id"] for n in range(5)]
    page = api.get().json()
    assert (page["limit"], page["offset"], page["total"]) == (20, 0, 5)
    assert [user["id"] for user in page["items"]] == made
    page = api.get("?limit=2&offset=1").json()
    assert (page["limit"], page["offset"], page["total"]) == (2, 1, 5)
    assert [user["id"] for user in page["items"]] == made[1:3]
    assert api.get("?offset=5").json()["items"] == []
    assert len(api.get("?limit=100").json()["items"]) == 5


def test_a_later_user_is_listed_after_an_earlier_one(api: Api) -> None:
    freeze(api.client, "2026-11-24T10:00:05Z")
    late = api.create("late@acme.com")
    freeze(api.client, "2026-11-24T10:00:00Z")
    early = api.create("early@acme.com")
    assert [user["id"] for user in api.get().json()["items"]] == [early["id"], late["id"]]


def test_the_email_filter_is_exact_and_ignores_case(api: Api) -> None:
    ada = api.create("ada@acme.com")
    api.create("ada@acme.co")
    api.create("bada@acme.com")
    page = api.get("?email=ADA%40Acme.com").json()
    assert ([user["id"] for user in page["items"]], page["total"]) == ([ada["id"]], 1)
    assert api.get("?email=nobody%40acme.com").json() == {"items": [], "limit": 20,
                                                          "offset": 0, "total": 0}


def test_the_email_filter_finds_a_user_identify_bound(api: Api) -> None:
    assert api.help_center.identify(sub="u-1", email="Ada@Acme.com").status_code == 200
    page = api.get("?email=ada%40acme.com").json()
    assert page["total"] == 1 and page["items"][0]["helpdeskId"] == api.help_center.id


@pytest.mark.parametrize("query", ["?limit=0", "?limit=101", "?limit=abc", "?limit=-1",
                                   "?limit=1.5", "?limit=", "?offset=-1", "?offset=x",
                                   "?offset=99999999999999999999", "?email=a%00b",
                                   "?limit=%D9%A3"])
def test_paging_of_the_wrong_type_or_out_of_range_is_422(api: Api, query: str) -> None:
    reason = refused(api.get(query), 422, "invalid_request")
    assert reason.split(" ")[0] in {"limit", "offset", "email"}


# -- PATCH /v1/users/{id} --------------------------------------------------------------------


def test_patch_changes_only_the_fields_given(api: Api) -> None:
    freeze(api.client)
    user = api.create(name="Ada", attributes={"plan": "pro"})
    freeze(api.client, "2026-11-24T11:00:00Z")
    answer = api.patch(user["id"], disabled=True)
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert changed == {**user, "disabled": True, "updatedAt": "2026-11-24T11:00:00.000Z"}
    assert api.get().json()["items"] == [changed]


def test_patch_name_null_clears_it_and_attributes_replace_the_whole_object(api: Api) -> None:
    user = api.create(name="Ada", attributes={"plan": "pro", "seats": 3})
    changed = api.patch(user["id"], name=None, attributes={"plan": "team"}).json()
    assert (changed["name"], changed["attributes"]) == (None, {"plan": "team"})
    assert api.patch(user["id"], attributes={}).json()["attributes"] == {}


def test_patch_email_is_stored_lower_case(api: Api) -> None:
    user = api.create()
    assert api.patch(user["id"], email="Ada@NewCo.com").json()["email"] == "ada@newco.com"
    assert api.get("?email=ada%40newco.com").json()["total"] == 1


def test_patch_to_an_email_another_user_has_is_a_conflict(api: Api) -> None:
    ada = api.create("ada@acme.com")
    grace = api.create("grace@acme.com")
    reason = refused(api.patch(grace["id"], email="ADA@acme.com"), 409, "conflict")
    assert ada["id"] in reason
    assert api.patch(ada["id"], email="Ada@Acme.com").status_code == 200  # its own: fine
    assert api.get("?email=grace%40acme.com").json()["total"] == 1


def test_patch_of_an_unknown_id_is_not_found(api: Api) -> None:
    refused(api.patch("hcusr_nope", name="x"), 404, "not_found")
    refused(api.patch("hcusr_nope"), 404, "not_found")


@pytest.mark.parametrize(("body", "says"), [
    ({"email": None}, "email: expected `str`, got `null`"),
    ({"email": "nope"}, "does not look like an email"),
    ({"disabled": None}, "disabled: expected `bool`, got `null`"),
    ({"disabled": 0}, "disabled: expected `bool`, got `int`"),
    ({"attributes": None}, "attributes: expected `object`, got `null`"),
    ({"attributes": {"a": {"b": 1}}}, "attributes.a: an object"),
    ({"name": ["Ada"]}, "name: expected `str | null`, got `array`"),
    ({"sub": "u-1"}, 'unknown field "sub"'),
])
def test_patch_with_a_bad_field_is_422_and_changes_nothing(
        api: Api, body: dict[str, Any], says: str) -> None:
    user = api.create(name="Ada")
    assert says in refused(api.patch(user["id"], **body), 422, "invalid_request")
    assert api.get().json()["items"] == [user]


# -- the admin API and the dashboard see the same users --------------------------------------


def test_a_user_without_subject_is_listed_by_the_admin_api_with_sub_null(api: Api) -> None:
    api.create("ada@acme.com", name="Ada", attributes={"plan": "pro"})
    listed = api.help_center.admin_get("users")
    assert [(u["sub"], u["email"], u["name"], u["custom_attributes"]) for u in listed] == [
        (None, "ada@acme.com", "Ada", {"plan": "pro"})]


def test_the_dashboard_shows_a_help_center_with_a_user_without_subject(api: Api) -> None:
    api.create("ada@acme.com")
    signed_in = api.client.post("/ui/sign-in", data={"admin_token": ADMIN_TOKEN, "next": "/"},
                                follow_redirects=False)
    assert signed_in.status_code == 303
    page = api.client.get(f"/ui/help-centers/{api.help_center.id}")
    assert page.status_code == 200
    assert "ada@acme.com" in page.text


def test_reprovisioning_a_user_removes_it_from_the_users_api(api: Api) -> None:
    assert api.help_center.identify(sub="u-1", email="ada@acme.com").status_code == 200
    assert api.get().json()["total"] == 1
    answer = api.client.delete(f"/api/help-centers/{api.help_center.id}/users/u-1",
                               headers=ADMIN)
    assert answer.status_code == 204
    assert api.get().json() == {"items": [], "limit": 20, "offset": 0, "total": 0}


# -- the document ----------------------------------------------------------------------------


def test_answers_of_the_key_routes_and_v1_match_the_document(client: TestClient) -> None:
    check = Checker(client, openapi.document())
    hc = HelpCenter(client)
    keys = "/api/help-centers/{id}/api-keys"
    url = f"/api/help-centers/{hc.id}/api-keys"
    made = check("POST", keys, url, headers=ADMIN).json()
    check("POST", keys, "/api/help-centers/nope/api-keys", headers=ADMIN)
    check("GET", keys, url, headers=ADMIN)
    check("GET", keys, url)
    auth = {"Authorization": f"Bearer {made['key']}"}
    users, one = "/v1/users", "/v1/users/{id}"
    user = check("POST", users, json={"email": "a@b.co", "attributes": {"t": ["x"]}},
                 headers=auth).json()
    check("POST", users, json={"email": "A@b.co"}, headers=auth)
    check("POST", users, json={"email": 1}, headers=auth)
    check("POST", users, content=b"x", headers={**auth, "Content-Type": "application/json"})
    check("POST", users, content=b"{}", headers={**auth, "Content-Type": "text/plain"})
    check("POST", users, json={"email": "a@b.co"})
    check("GET", users, "/v1/users?limit=1&email=a%40b.co", headers=auth)
    check("GET", users, "/v1/users?limit=0", headers=auth)
    check("PATCH", one, f"/v1/users/{user['id']}", json={"name": None}, headers=auth)
    check("PATCH", one, "/v1/users/hcusr_nope", json={}, headers=auth)
    check("DELETE", keys + "/{key_id}", f"{url}/{made['id']}", headers=ADMIN)
    check("DELETE", keys + "/{key_id}", f"{url}/{made['id']}", headers=ADMIN)
    check("GET", users, headers=auth)
    check("POST", users, json={"email": "b@b.co"}, headers={**auth, "Authorization": "x"})


def test_the_error_table_has_user_disabled_with_its_exact_message(client: TestClient) -> None:
    """Identify answers it once the lead's step joins the Users API and identify; the table
    (the document and ``/docs``) has it already."""
    document = client.get("/openapi.json").json()
    codes = document["components"]["schemas"]["Error"]["properties"]["error"]["properties"][
        "code"]["enum"]
    assert "user_disabled" in codes
    page = client.get("/docs").text
    assert "<code>user_disabled</code>" in page
    assert "Ferndesk: identify failed - user is disabled" in page
