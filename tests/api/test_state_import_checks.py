"""PUT /api/emulator/state refuses what the admin API and identify refuse, naming the field and
its place, and refuses a state that says one thing twice. Each test would catch an import that
lets the value in (and a 500, or a server that breaks later, follow)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import ADMIN, error_of

SECRET = "a-fixed-secret-for-ci-of-32-chars-or-more"
USERS = [{"sub": f"u-{n}", "email": f"user{n}@acme.com", "name": f"User {n}"} for n in range(4)]
DEEP: Any = {"a": 1}
for _ in range(17):
    DEEP = {"a": DEEP}
STATE: dict[str, Any] = {"help_centers": [
    {"id": "acme", "name": "Acme", "domain": "help.acme.com", "widget_id": "wid-acme",
     "jwt_secret": SECRET, "users": USERS},
    {"id": "globex", "name": "Globex", "domain": "help.globex.com", "widget_id": "wid-globex"},
]}


def _state(**changes: Any) -> dict[str, Any]:
    """The valid state above with ``changes`` applied: ``{"help_centers[0].users[3].sub": x}``
    written as keyword ``hc0_users3_sub=x`` would be unreadable, so paths go through a dict."""
    state = copy.deepcopy(STATE)
    for path, value in changes.get("at", {}).items():
        target: Any = state
        *parents, last = path.replace("]", "").replace("[", ".").split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return state


def _refused(client, state: dict[str, Any]) -> str:
    before = client.get("/api/emulator/state", headers=ADMIN).json()
    answer = client.put("/api/emulator/state", headers=ADMIN, json=state)
    assert answer.status_code == 422, answer.text
    error = error_of(answer)
    assert error["code"] == "invalid_request"
    assert client.get("/api/emulator/state", headers=ADMIN).json() == before
    return str(error["reason"])


def test_the_valid_state_of_these_tests_imports(client) -> None:
    assert client.put("/api/emulator/state", headers=ADMIN, json=STATE).status_code == 204


@pytest.mark.parametrize("field", ["id", "widget_id"])
@pytest.mark.parametrize("value", ["a b", "a;b", "a/b", "-a", "a" * 65, "é"])
def test_an_id_the_admin_api_refuses_is_refused(client, field: str, value: str) -> None:
    reason = _refused(client, _state(at={f"help_centers[1].{field}": value}))
    assert reason.startswith(f"state: help_centers[1].{field}: ")
    assert "1-64 letters, digits" in reason or "longer than 64 characters" in reason


@pytest.mark.parametrize(("path", "value", "says"), [
    ("help_centers[1].name", "n" * 201, "longer than 200"),
    ("help_centers[1].name", "   ", "blank"),
    ("help_centers[1].name", 7, "must be a string"),
    ("help_centers[1].domain", "d" * 301 + ".com", "longer than 300"),
    ("help_centers[0].users[3].sub", "s" * 10_000, "10000 characters long; the limit is 512"),
    ("help_centers[0].users[3].sub", "   ", "blank"),
    ("help_centers[0].users[3].sub", 42, "must be a string"),
    ("help_centers[0].users[3].email", "e" * 320 + "@acme.com", "the limit is 320"),
    ("help_centers[0].users[3].email", "not-an-email", "does not look like an email"),
    ("help_centers[0].users[3].name", "n" * 513, "the limit is 512"),
    ("help_centers[0].users[3].custom_attributes", "{}", "must be a JSON object"),
    ("help_centers[0].users[3].custom_attributes", DEEP,
     "levels deep"),
])
def test_a_field_identify_or_the_admin_api_refuses_is_refused_where_it_is(
        client, path: str, value: Any, says: str) -> None:
    reason = _refused(client, _state(at={path: value}))
    assert reason.startswith(f"state: {path}: "), reason
    assert says in reason


@pytest.mark.parametrize(("path", "value"), [
    ("help_centers[0].sessions", [{"id": "s" * 65}]),
    ("help_centers[0].messages", [{"id": "m" * 65, "body": "hi"}]),
    ("help_centers[0].messages", [{"id": "msg-1", "body": "hi", "session_id": "s" * 65}]),
    ("help_centers[0].identify_attempts", [{"code": "c" * 33}]),
    ("help_centers[0].identify_attempts", [{"code": "ok", "token_fingerprint": "f" * 33}]),
])
def test_an_exported_row_too_long_for_its_column_is_refused(client, path: str,
                                                            value: Any) -> None:
    reason = _refused(client, _state(at={path: value}))
    assert reason.startswith(f"state: {path}[0].")


@pytest.mark.parametrize(("changes", "says"), [
    ({"help_centers[1].id": "acme"}, "help_centers[1].id: 'acme' is also help_centers[0]'s"),
    ({"help_centers[1].widget_id": "wid-acme"},
     "help_centers[1].widget_id: 'wid-acme' is also help_centers[0]'s"),
    ({"help_centers[0].users[3].sub": "u-1"},
     "help_centers[0].users[3].sub: 'u-1' is also help_centers[0].users[1]'s"),
    ({"help_centers[0].users[3].email": "USER2@acme.com"},
     "help_centers[0].users[3].email: 'USER2@acme.com' is also help_centers[0].users[2]'s"),
])
def test_a_value_given_twice_is_named(client, changes: dict[str, Any], says: str) -> None:
    reason = _refused(client, _state(at=changes))
    assert says in reason, reason


def test_one_email_in_two_help_centers_is_fine(client) -> None:
    state = _state(at={"help_centers[1].users": [dict(USERS[0])]})
    assert client.put("/api/emulator/state", headers=ADMIN, json=state).status_code == 204


@pytest.mark.parametrize(("key", "spelling"), [
    ("jwtSecret", "jwt_secret"), ("widgetId", "widget_id"), ("helpCenters", "help_centers"),
    ("user", "users"), ("customAttributes_", "custom_attributes"),
])
def test_an_unknown_key_is_refused_with_the_right_spelling(client, key: str,
                                                           spelling: str) -> None:
    state = copy.deepcopy(STATE)
    place = {"jwtSecret": state["help_centers"][1], "widgetId": state["help_centers"][1],
             "helpCenters": state, "user": state["help_centers"][1],
             "customAttributes_": state["help_centers"][0]["users"][0]}[key]
    place[key] = "x"
    reason = _refused(client, state)
    assert f"unknown key {key!r}" in reason and f"did you mean {spelling!r}" in reason


def test_an_unknown_key_without_a_near_miss_lists_the_known_ones(client) -> None:
    state = _state(at={"help_centers[1].colour": "green"})
    reason = _refused(client, state)
    assert "help_centers[1]: unknown key 'colour'" in reason and "jwt_secret" in reason


@pytest.mark.parametrize("secret", ["short", "x" * 31, "é" * 15])
def test_a_secret_under_32_bytes_is_refused(client, secret: str) -> None:
    reason = _refused(client, _state(at={"help_centers[0].jwt_secret": secret}))
    assert reason.startswith("state: help_centers[0].jwt_secret: ")
    assert "32 bytes" in reason and secret not in reason


def test_a_secret_of_32_bytes_imports(client) -> None:
    state = _state(at={"help_centers[0].jwt_secret": "é" * 16})
    assert client.put("/api/emulator/state", headers=ADMIN, json=state).status_code == 204
