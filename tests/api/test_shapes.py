"""Every wire shape is declared once, in ``verifier/shapes.py``: the OpenAPI components are
generated from it, the admin and emulator answers decode strictly into it, the state export is
it, and the state import's known keys are its fields."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.testclient import TestClient

from tests.conftest import ADMIN, HelpCenter, error_of
from verifier import shapes


def decode(answer: Any, shape: Any) -> Any:
    assert answer.status_code < 300, answer.text
    return msgspec.json.decode(answer.content, type=shape, strict=True)


def test_every_schema_component_is_generated_from_a_shape(client: TestClient) -> None:
    components = client.get("/openapi.json").json()["components"]["schemas"]
    assert list(components) == [shape.__name__ for shape in shapes.PUBLISHED]
    for shape in shapes.PUBLISHED:
        generated = msgspec.json.schema(shape)
        properties = generated.get("$defs", {}).get(shape.__name__, generated)["properties"]
        assert list(components[shape.__name__]["properties"]) == list(properties), shape


def test_a_limit_declared_on_a_shape_is_the_documented_one(client: TestClient) -> None:
    components = client.get("/openapi.json").json()["components"]["schemas"]
    create = components["HelpCenterCreate"]["properties"]
    assert create["name"]["maxLength"] == shapes.MAX_NAME_CHARS
    assert create["domain"]["maxLength"] == shapes.MAX_DOMAIN_CHARS
    fault = components["FaultCreate"]["properties"]
    assert (fault["times"]["minimum"], fault["times"]["maximum"]) == (1, shapes.MAX_FAULT_TIMES)
    assert fault["status"]["maximum"] == shapes.MAX_FAULT_STATUS
    message = components["MessageCreate"]["properties"]
    assert message["body"]["maxLength"] == shapes.MAX_BODY_CHARS


def test_a_name_over_the_shapes_limit_is_refused_with_that_limit(client: TestClient) -> None:
    answer = client.post("/api/help-centers", headers=ADMIN, json={
        "name": "x" * (shapes.MAX_NAME_CHARS + 1), "domain": "help.example.com"})
    assert answer.status_code == 422
    assert error_of(answer)["reason"] == (
        f"name is longer than {shapes.MAX_NAME_CHARS} characters")


def test_admin_answers_decode_strictly_into_their_shapes(
        client: TestClient, help_center: HelpCenter) -> None:
    assert help_center.identify(sub="u-1", customAttributes={"plan": "pro"}).status_code == 200
    session = client.post(f"/widget/{help_center.widget_id}/sessions", json={}).json()
    client.post(f"/widget/{help_center.widget_id}/messages",
                json={"session_id": session["session"]["id"], "body": "Hi"})
    base = f"/api/help-centers/{help_center.id}"
    assert decode(client.get(base, headers=ADMIN), shapes.HelpCenter).has_jwt_secret
    assert decode(client.get("/api/help-centers", headers=ADMIN), list[shapes.HelpCenter])
    assert decode(client.get(base + "/jwt-secret", headers=ADMIN), shapes.SecretInfo)
    users = decode(client.get(base + "/users", headers=ADMIN), list[shapes.User])
    assert users[0].custom_attributes == {"plan": "pro"}
    assert decode(client.get(base + "/sessions", headers=ADMIN), list[shapes.Session])
    assert decode(client.get(base + "/identify-attempts", headers=ADMIN), list[shapes.Attempt])
    assert decode(client.get(base + "/messages", headers=ADMIN), list[shapes.Message])
    created = client.post("/api/help-centers", headers=ADMIN,
                          json={"name": "Other", "domain": "help.other.com"})
    other = decode(created, shapes.HelpCenter)
    secret = decode(client.post(f"/api/help-centers/{other.id}/jwt-secret", headers=ADMIN),
                    shapes.Secret)
    assert secret.fingerprint.startswith("sha256:")


def test_emulator_answers_decode_strictly_into_their_shapes(
        client: TestClient, help_center: HelpCenter) -> None:
    emu = "/api/emulator"
    assert decode(client.get(emu + "/clock", headers=ADMIN), shapes.Clock).frozen is False
    frozen = decode(client.put(emu + "/clock", headers=ADMIN,
                               json={"frozen_at": "2026-11-24T10:00:00Z"}), shapes.Clock)
    assert frozen.frozen_at == "2026-11-24T10:00:00.000Z"
    faults = f"{emu}/help-centers/{help_center.id}/faults"
    fault = decode(client.post(faults, headers=ADMIN, json={"times": 2, "status": 502}),
                   shapes.Fault)
    assert (fault.remaining, fault.code, fault.delay_ms) == (2, None, 0)
    assert decode(client.get(faults, headers=ADMIN), list[shapes.Fault]) == [fault]


def test_an_export_is_the_state_shape_and_imports_back_unchanged(
        client: TestClient, help_center: HelpCenter) -> None:
    assert help_center.identify(sub="u-1", name="Ann").status_code == 200
    client.post(f"/api/emulator/help-centers/{help_center.id}/faults", headers=ADMIN,
                json={"times": 1, "code": "unavailable"})
    exported = client.get("/api/emulator/state", headers=ADMIN)
    state = decode(exported, shapes.State)
    assert state.help_centers[0].users[0].name == "Ann"
    assert client.put("/api/emulator/state", content=msgspec.json.encode(state),
                      headers={**ADMIN, "Content-Type": "application/json"}).status_code == 204
    assert client.get("/api/emulator/state", headers=ADMIN).json() == exported.json()


def test_an_unknown_state_key_is_refused_naming_the_shapes_own_keys(
        client: TestClient) -> None:
    answer = client.put("/api/emulator/state", headers=ADMIN, json={"help_centers": [
        {"id": "a", "domain": "help.example.com", "bogus": 1}]})
    assert answer.status_code == 422
    keys = ", ".join(sorted(shapes.field_names(shapes.StateHelpCenter)))
    assert error_of(answer)["reason"] == (
        f"state: help_centers[0]: unknown key 'bogus'; the keys here are {keys}")
