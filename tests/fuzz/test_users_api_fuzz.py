"""Bounded fuzzing of the Users API's bodies and paging (``/v1``) with a real API key: the
schemathesis run (test_api_fuzz.py) sends the admin token, which ``/v1`` refuses before any
body is read. No body, however odd, answers anything but the contract's shapes."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.conftest import ADMIN, HelpCenter, fresh_database_url
from tests.fuzz.contract import FUZZ, contract_problems
from verifier.app import create_app
from verifier.settings import Settings

pytestmark = pytest.mark.fuzz

# Text no database stores, text that is long, and invisible or combining characters: drawn
# often, since a uniform draw of code points almost never gives them.
ODD_TEXT = st.sampled_from(["\ud800", "a\x00b", "x" * 600, "\u200b", "e\u0301", "\ufeff"])
TEXT = st.one_of(ODD_TEXT, st.text(alphabet=st.characters(exclude_categories=()), max_size=12))
KEYS = st.one_of(st.sampled_from(["email", "name", "attributes", "disabled"]), TEXT)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT,
                    st.sampled_from(["ada@acme.com", "ADA@acme.com", "a@b.co", "a@b"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)
BODIES = st.dictionaries(KEYS, VALUES, max_size=5)
QUERY = st.text(alphabet=string.printable, max_size=20)


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str],
                                                                      str]]:
    settings = Settings(database_url=fresh_database_url(Path(tmp_path_factory.mktemp("v1"))),
                        admin_token=ADMIN["Authorization"].removeprefix("Bearer "))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        hc = HelpCenter(client)
        key = client.post(f"/api/help-centers/{hc.id}/api-keys", headers=ADMIN).json()["key"]
        auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        user = client.post("/v1/users", headers=auth, json={"email": "first@acme.com"}).json()
        yield client, auth, user["id"]


def _answer_is_the_contracts(answer: Any) -> None:
    problems = contract_problems(answer.status_code, answer.headers.get("content-type", ""),
                                 answer.content)
    assert not problems, problems


@FUZZ
@given(body=BODIES, patch=st.booleans())
def test_any_body_answers_in_the_contracts_shapes(keyed: Any, body: dict[str, Any],
                                                  patch: bool) -> None:
    client, auth, user_id = keyed
    raw = json.dumps(body)  # ASCII: lone surrogates travel as escapes
    answer = (client.patch(f"/v1/users/{user_id}", headers=auth, content=raw) if patch
              else client.post("/v1/users", headers=auth, content=raw))
    _answer_is_the_contracts(answer)
    assert answer.status_code in (200, 201, 409, 422), answer.text


@FUZZ
@given(limit=QUERY, offset=QUERY, email=QUERY)
def test_any_paging_answers_in_the_contracts_shapes(keyed: Any, limit: str, offset: str,
                                                    email: str) -> None:
    client, auth, _ = keyed
    answer = client.get("/v1/users", headers=auth,
                        params={"limit": limit, "offset": offset, "email": email})
    _answer_is_the_contracts(answer)
    assert answer.status_code in (200, 422), answer.text
