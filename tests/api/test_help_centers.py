"""Admin API for help centers: create, list, read, delete with everything it owns."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN, HelpCenter, error_of


def test_created_help_center_has_the_contract_shape(client) -> None:
    answer = client.post("/api/help-centers", headers=ADMIN,
                         json={"name": "Acme", "domain": "help.acme.com"})
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"id", "name", "domain", "widget_id", "created_at", "has_jwt_secret"}
    assert body["domain"] == "help.acme.com"
    assert body["has_jwt_secret"] is False
    assert body["created_at"].endswith("Z")


def test_chosen_id_and_widget_id_are_kept(client) -> None:
    hc = HelpCenter(client, id="acme", widget_id="wid-acme")
    assert (hc.id, hc.widget_id) == ("acme", "wid-acme")
    assert client.get("/api/help-centers/acme", headers=ADMIN).json()["widget_id"] == "wid-acme"


def test_list_and_get(client) -> None:
    first, second = HelpCenter(client), HelpCenter(client, domain="help.other.com")
    listed = client.get("/api/help-centers", headers=ADMIN).json()
    assert [hc["id"] for hc in listed] == [first.id, second.id]
    assert listed[0]["has_jwt_secret"] is True
    assert client.get(f"/api/help-centers/{second.id}", headers=ADMIN).json() == listed[1]


@pytest.mark.parametrize(("given", "stored"), [
    ("Help.Example.COM.", "help.example.com"),
    ("bücher.example", "xn--bcher-kva.example"),
    ("localhost", "localhost"),
    ("127.0.0.1", "127.0.0.1"),
    ("[::1]", "::1"),
    ("foo.github.io", "foo.github.io"),
    ("example.co.uk", "example.co.uk"),
])
def test_domain_is_normalised(client, given: str, stored: str) -> None:
    answer = client.post("/api/help-centers", headers=ADMIN, json={"name": "x", "domain": given})
    assert answer.status_code == 201, answer.text
    assert answer.json()["domain"] == stored


@pytest.mark.parametrize("domain", [
    "com", "co.uk", "github.io", "test", "", "https://help.example.com",
    "help.example.com:443", "help.example.com/path", "a..b.com",
])
def test_public_suffixes_and_non_hosts_are_refused(client, domain: str) -> None:
    answer = client.post("/api/help-centers", headers=ADMIN, json={"name": "x", "domain": domain})
    assert answer.status_code == 422
    assert error_of(answer)["code"] == "invalid_request"
    assert client.get("/api/help-centers", headers=ADMIN).json() == []


@pytest.mark.parametrize("body", [
    {"domain": "help.acme.com"},
    {"name": 5, "domain": "help.acme.com"},
    {"name": "x", "domain": ["help.acme.com"]},
    {"name": "x", "domain": "help.acme.com", "widget_id": "has space"},
    {"name": "x", "domain": "help.acme.com", "id": "x" * 65},
])
def test_bad_fields_are_422_and_change_nothing(client, body: dict) -> None:
    answer = client.post("/api/help-centers", headers=ADMIN, json=body)
    assert answer.status_code == 422, answer.text
    assert client.get("/api/help-centers", headers=ADMIN).json() == []


def test_delete_removes_the_help_center_and_what_it_owns(help_center: HelpCenter) -> None:
    client = help_center.client
    assert help_center.identify().status_code == 200
    assert client.delete(f"/api/help-centers/{help_center.id}", headers=ADMIN).status_code == 204
    assert client.get(f"/api/help-centers/{help_center.id}", headers=ADMIN).status_code == 404
    assert error_of(help_center.identify())["code"] == "unknown_widget"
    # Recreated with the same ids, nothing of the old one survives.
    again = HelpCenter(client, id=help_center.id, widget_id=help_center.widget_id)
    assert again.admin_get("users") == []
    assert again.admin_get("sessions") == []
    assert again.admin_get("identify-attempts") == []
    assert client.delete(f"/api/help-centers/{help_center.id}x", headers=ADMIN).status_code == 404
